"""Run a student's notebook in the sandbox, then call its functions from outside.

    with run_notebook(nb, limits) as session:
        print(session.report.cells)
        result = session.call("rnn_cell_forward", xt, a_prev, parameters)

The session owns one event loop and drives nbclient and the call protocol on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from graders.errors import CallError, GraderError, KernelDied
from graders.kernel import calls as protocol
from graders.kernel.calls import CallResult
from graders.kernel.cells import reply_verdict
from graders.kernel.launch import AcquireKernel, start_kernel
from graders.kernel.live import LiveKernel
from graders.limits import Limits
from graders.notebook import read_notebook
from graders.report import CellReport, RunReport
from graders.sandbox.sandbox import SandboxConfig

__all__ = ["CallResult", "NotebookSession", "run_notebook"]

MAX_RESTARTS = 5


class NotebookSession:
    """A notebook executed in a sandboxed kernel, ready for calls. Use :func:`run_notebook`."""

    def __init__(
        self,
        nb: NotebookNode,
        limits: Limits,
        kernels: AcquireKernel,
        notebook_bytes: bytes = b"",
    ) -> None:
        self.nb = nb
        self.limits = limits
        self.report = RunReport()
        self._kernels = kernels
        self._notebook_bytes = notebook_bytes
        self._loop = asyncio.new_event_loop()
        self._live: LiveKernel | None = None
        self._replay: list[int] = []
        self.replay_cut = False
        """True once a restarted kernel had no time left to run the notebook's cells again."""
        self._replay_seconds = 0.0
        self._late_replay = False
        self.harness = ""
        """Source of the assignment's ``harness.py``: ``call("harness.NAME", ...)`` calls its
        ``NAME(nb, ...)`` inside the sandbox with ``nb`` the notebook's namespace."""
        self.requests = 0
        """Requests made of the call helper so far (calls, batches, listings): round trips."""
        self._started = time.monotonic()
        self._deadline = self._started + limits.submission_seconds

    # -- public -------------------------------------------------------------------------

    def execute(self) -> RunReport:
        """Run every code cell in order; breaches are recorded and execution carries on."""
        self._loop.run_until_complete(self._execute())
        self.report.seconds = round(time.monotonic() - self._started, 3)
        return self.report

    def call(self, name: str, *args: Any, **kwargs: Any) -> CallResult:
        """Call the notebook's ``name`` inside the sandbox and bring back plain data.

        Raises a :class:`CallError` subclass (``FunctionMissing``, ``StudentException``,
        ``CallTimeout``, ``UnsupportedValue``) or :class:`KernelDied`.
        """
        return self._loop.run_until_complete(self._call("call", name, (args, kwargs)))

    def call_batch(self, calls: Sequence[protocol.Call]) -> list[CallResult | GraderError | None]:
        """Make every ``(name, args)`` call, of any functions, in one round trip to the kernel.

        Entry ``i`` is the :class:`CallResult` of ``calls[i]``, the error that call gave
        (``StudentException``, ``CallTimeout``...), or ``None`` when the batch did not bring
        its result back (the kernel died during the batch, or an earlier call timed out):
        call that one alone with :meth:`call`. Each call gets ``call_seconds`` of its own.
        Printed output is not kept per call (``stdout`` is empty).
        """
        if not calls:
            return []
        return self._loop.run_until_complete(self._call_batch(list(calls)))

    def call_many(
        self, name: str, calls: Sequence[tuple[Any, ...]]
    ) -> list[CallResult | GraderError | None]:
        """Call ``name`` once per argument tuple, in one round trip (see :meth:`call_batch`)."""
        return self.call_batch([(name, tuple(args)) for args in calls])

    def functions(self) -> list[str]:
        """Names of the functions and classes the notebook defines."""
        result = self._loop.run_until_complete(self._call("functions", "", None))
        return list(result.value)

    def close(self) -> None:
        """Tear the sandbox down; nothing the notebook started survives."""
        self._drop_kernel()
        with contextlib.suppress(Exception):
            self._loop.run_until_complete(self._cancel_others())
        self._loop.close()

    # -- kernel lifecycle ---------------------------------------------------------------

    def _drop_kernel(self) -> None:
        if self._live is not None:
            self._live.close()
        self._live = None

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    async def _ensure_kernel(self) -> LiveKernel:
        """The live kernel; a new one (the completed cells replayed) if there is none yet or
        the last one died."""
        if self._live is not None and self._live.alive():
            return self._live
        restarting = self._live is not None
        self._drop_kernel()
        if restarting:
            if self.report.restarts >= MAX_RESTARTS:
                raise KernelDied("crashed", f"the kernel died {MAX_RESTARTS + 1} times")
            self.report.restarts += 1
        live = self._live = LiveKernel(self._kernels(), self.nb, self.limits)
        if self._notebook_bytes:
            (live.kernel.sandbox.in_dir / "submission.ipynb").write_bytes(self._notebook_bytes)
            await live.quiet('__import__("_markwell_call").receive("submission.ipynb")')
        if restarting:
            await self._replay_cells(live)
        return live

    async def _replay_cells(self, live: LiveKernel) -> None:
        """Re-run, on a fresh kernel, the cells that had completed before the breach."""
        deadline = self._deadline
        if self._remaining() <= 0 and self.report.stopped and not self._late_replay:
            # The kernel the submission's limit ended on is gone (its last cell ignored the
            # interrupt, or a call killed it): once, the cells that defined the functions to
            # grade get as long again as they took the first time.
            self._late_replay = True
            deadline = time.monotonic() + self._replay_seconds + self.limits.interrupt_grace_seconds
        for index in self._replay:
            # nbformat is unannotated, hence the ignore.
            cell = NotebookNode(dict(self.nb.cells[index], outputs=[]))  # type: ignore[no-untyped-call]
            left = deadline - time.monotonic()
            if left <= 0:
                self.replay_cut = True
                return
            live.cells.timeout = max(1, math.ceil(min(self.limits.cell_seconds, left)))
            live.cells.start_cell()
            if await live.cells.run_cell(cell, index) != "done":
                await self._cancel_others()
                return

    async def _cancel_others(self) -> None:
        """Cancel what nbclient leaves polling after a timeout or a dead kernel."""
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # -- cells --------------------------------------------------------------------------

    async def _execute(self) -> None:
        cells = self.nb.cells
        for index, cell in enumerate(cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if self._remaining() <= 0:
                self._stop(index, before=True)
                break
            try:
                live = await self._ensure_kernel()
            except KernelDied as exc:
                self._skip(index, exc.detail)
                continue
            report = await self._run_cell(live, index, cell)
            self.report.cells.append(report)
            if report.status in ("ok", "error"):
                self._replay.append(index)
                self._replay_seconds += report.seconds
            elif report.status not in self.report.limits_hit:
                self.report.limits_hit.append(report.status)
            if report.status == "timeout" and self._remaining() <= 0:
                # The submission's clock ran out in this cell: the cells after it are not run,
                # and the kernel keeps what the cells before defined, to be graded.
                self._stop(index, before=False)
                break
        if self._live is None:
            return
        # A last cell that killed the kernel must not hide the functions defined before it:
        # _call restarts the kernel and replays the cells that completed. The listing is a
        # call, with a time limit of its own, so it is made even when the submission's is up.
        with contextlib.suppress(CallError, KernelDied):
            self.report.functions = list((await self._call("functions", "", None)).value)

    def _stop(self, index: int, before: bool) -> None:
        """End the run at cell ``index`` on the submission's time limit; the code cells after
        it are counted in one report, not one each (a notebook may have 100,000)."""
        self.report.status = "timeout"
        if "timeout" not in self.report.limits_hit:
            self.report.limits_hit.append("timeout")
        later = sum(
            1
            for cell in self.nb.cells[index + 1 :]
            if cell.cell_type == "code" and cell.source.strip()
        )
        seconds = f"{self.limits.submission_seconds:g} s"
        if before:
            self.report.stopped = (
                f"the notebook ran past the {seconds} submission limit before cell {index + 1}"
            )
            later += 1
        else:
            self.report.stopped = (
                f"the notebook ran past the {seconds} submission limit in cell {index + 1}"
            )
        if later:
            self.report.skipped = later
            self.report.cells.append(
                CellReport(
                    index=index if before else index + 1,
                    status="skipped",
                    detail=f"the submission's time limit ran out: {later:,} code "
                    f"cell{'' if later == 1 else 's'} from here on not run",
                )
            )

    def _skip(self, index: int, why: str) -> None:
        self.report.status = "timeout"
        self.report.cells.append(CellReport(index=index, status="skipped", detail=why))

    async def _run_cell(self, live: LiveKernel, index: int, cell: NotebookNode) -> CellReport:
        nbc, kernel = live.cells, live.kernel
        budget = min(self.limits.cell_seconds, self._remaining())
        nbc.timeout = max(1, math.ceil(budget))
        nbc.start_cell()
        mark = kernel.mark()
        started = time.monotonic()
        status, detail = "ok", ""
        outcome = await nbc.run_cell(cell, index, count=len(self._replay) + 1)
        if outcome == "done":
            status, detail = reply_verdict(nbc.last_reply, self.limits)
        else:
            await self._cancel_others()
        if outcome == "iopub-lost":
            status, detail = "output-limit", "an output message was too large to receive"
            await live.reconnect()
        elif outcome == "timeout":
            limit = "cell" if budget >= self.limits.cell_seconds else "submission"
            status = "timeout"
            detail = f"the cell ran past the {limit} time limit ({budget:.0f} s)"
            if not await live.stop(live.client.last_execute_id):
                detail += "; it ignored the interrupt, so its kernel was restarted"
        elif outcome == "dead":
            info = kernel.exit_info(mark)
            status, detail = info.verdict, info.detail
            if info.verdict == "memory":
                detail = f"the cell used more than the memory limit; {info.detail}"
            kernel.close()
        if nbc.output_limited and status not in ("memory", "killed", "crashed"):
            status = "output-limit"
            detail = (
                f"the cell printed more than {self.limits.output_bytes_per_cell:,} bytes "
                "(or the notebook's output cap was reached), so it was stopped"
            )
        if status == "output-limit":
            if kernel.alive() and (outcome == "timeout" or await live.output_persists()):
                # Output that goes on once the cell has ended (a background thread, a child
                # writing to the kernel's stdout) would flood every later cell, and a thread
                # cannot be stopped from outside: the kernel goes, the next cell gets a new one.
                kernel.close()
            if not kernel.alive():
                detail += "; the output went on regardless, so its kernel was restarted"
        return CellReport(
            index=index,
            status=status,  # type: ignore[arg-type]
            detail=detail,
            seconds=round(time.monotonic() - started, 3),
            output_bytes=nbc.cell_output,
        )

    # -- calls --------------------------------------------------------------------------

    async def _call(self, op: str, name: str, payload: Any) -> CallResult:
        live = await self._ensure_kernel()
        self.requests += 1
        return await protocol.call(live, op, name, payload, self.harness)

    async def _call_batch(
        self, calls: list[protocol.Call]
    ) -> list[CallResult | GraderError | None]:
        live = await self._ensure_kernel()
        self.requests += 1
        return await protocol.call_batch(live, calls, self.harness)


@contextmanager
def run_notebook(
    notebook: NotebookNode | bytes | str | Path,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    kernels: AcquireKernel | None = None,
) -> Iterator[NotebookSession]:
    """Execute ``notebook`` in a fresh sandboxed kernel and yield a session for calls.

    ``kernels`` supplies new kernels (a :class:`~graders.kernel.pool.KernelPool`'s
    ``acquire``); by default each one is started cold. Raises :class:`RejectedUpload` for a
    file that is not a usable notebook.
    """
    limits = limits or Limits()
    config = config or SandboxConfig()
    raw = b""
    if isinstance(notebook, NotebookNode):
        nb = notebook
    else:
        raw = Path(notebook).read_bytes() if isinstance(notebook, (str, Path)) else notebook
        nb = read_notebook(raw, limits.notebook_bytes, limits.max_cells)
    session = NotebookSession(
        nb, limits, kernels or (lambda: start_kernel(limits, config)), notebook_bytes=raw
    )
    try:
        session.execute()
        yield session
    finally:
        session.close()
