"""Grade a folder of submissions in parallel: worker threads sharing one pool of warm kernels."""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from graders.assignments import Assignment
from graders.errors import GraderError
from graders.grading import Graded, grade
from graders.judge.trusted import Trusted
from graders.kernel.launch import AcquireKernel
from graders.kernel.pool import KernelPool
from graders.limits import Limits
from graders.result import Result
from graders.sandbox.sandbox import SandboxConfig

log = logging.getLogger(__name__)

OnDone = Callable[[Path, Graded], None]


def find_notebooks(folder: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """Every ``*.ipynb`` file directly in ``folder``, sorted by name.

    Hidden files (``.~draft.ipynb``) and folders (``.ipynb_checkpoints``) are skipped, and so
    is every path in ``exclude`` (an output file that happens to end in ``.ipynb``).
    """
    skip = {p.resolve() for p in exclude}
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.suffix == ".ipynb"
            and not p.name.startswith(".")
            and p.is_file()
            and p.resolve() not in skip
        ),
        key=lambda p: p.name,
    )


def grade_folder(
    assignment: Assignment,
    paths: Sequence[Path],
    workers: int = 2,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    on_done: OnDone | None = None,
) -> list[tuple[Path, Graded]]:
    """Grade ``paths`` with ``workers`` threads; results in the order of ``paths``.

    Every path gets a result: an unusable file is ``rejected``, and a failure while grading
    one file is that file's ``error``, never an exception that stops the others.
    ``on_done(path, graded)`` is called in the calling thread as each one finishes.
    """
    if not paths:
        return []
    config = config or SandboxConfig()
    # Kernels get their limits when they start, so the pool needs the assignment's.
    limits = assignment.limits(limits)
    config = assignment.sandbox(config)  # and its preloads, in a fork server of their own
    workers = max(1, min(workers, len(paths)))
    unavailable = assignment.unavailable(config)
    if unavailable:  # no pool: its kernels could never start
        reason = f"{assignment.id} cannot be graded here: {unavailable}"
        missing = Result(assignment.id, "error", 0.0, assignment.max_score, reason=reason)
        return [(path, Graded(missing)) for path in paths]
    _load_trusted(assignment)
    done: dict[int, Graded] = {}
    with KernelPool(workers, limits, config) as pool:
        executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="grader")
        try:
            futures = {
                executor.submit(_grade_one, assignment, path, limits, config, pool.acquire): i
                for i, path in enumerate(paths)
            }
            for future in concurrent.futures.as_completed(futures):
                i = futures[future]
                done[i] = future.result()
                if on_done is not None:
                    on_done(paths[i], done[i])
        finally:
            # On Ctrl-C, finish only the notebooks already running.
            executor.shutdown(wait=True, cancel_futures=True)
    return [(path, done[i]) for i, path in enumerate(paths)]


def _grade_one(
    assignment: Assignment,
    path: Path,
    limits: Limits,
    config: SandboxConfig,
    kernels: AcquireKernel,
) -> Graded:
    try:
        return grade(assignment, path, limits, config, kernels)
    except Exception as exc:
        # grade() turns the expected failures into results; anything else (an unreadable
        # file, a bug) still must not take the rest of the folder down.
        log.exception("grading %s failed", path)
        reason = f"{type(exc).__name__}: {exc}"
        return Graded(Result(assignment.id, "error", 0.0, assignment.max_score, reason=reason))


def _load_trusted(assignment: Assignment) -> None:
    # The assignment's reference modules are imported on first use and cached in sys.modules;
    # importing them once here keeps worker threads from racing to import them.
    with contextlib.suppress(GraderError):  # each notebook's grading then reports it
        Trusted(assignment)
