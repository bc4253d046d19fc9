"""Grading benchmark: Markwell against plain nbclient and nbgrader on the assignment rnn-numpy.

Run it through ``bash bench/run.sh grading`` (which makes nbgrader's venv first), or directly::

    .venv/bin/python bench/bench_grading.py [--quick] [--rounds N] [--batch N] [--reps N]

The assignment is the real one, ``reference/rnn-numpy`` (14 graded functions, 100 points, 23
mutants), taken from Markwell's catalog as the app loads it. Rows:

1. one notebook, the assignment's ``solution.ipynb``: Markwell grading it end to end
   (``graders.grade``) cold (its own sandboxed kernel) and warm (a kernel from a full
   ``KernelPool``), the warm run without the judge (execution only), plain nbclient merely
   executing it unsandboxed (no grading), and ``nbgrader autograde`` of one submission of the
   equivalent nbgrader notebook;
2. a batch of mixed notebooks (solutions, every mutant through ``validate.mutant_notebook``,
   notebooks with half of the graded functions' cells deleted): Markwell with worker threads
   sharing a ``KernelPool`` against as many ``nbgrader autograde`` processes, each on its share
   of the students.

The equivalent nbgrader notebook is the solution notebook with nbgrader cell metadata: each
cell defining a graded function becomes a solution cell followed by a locked autograder test
cell worth the function's points in ``assignment.toml``. The test cell holds, as literals, the
inputs of one of the cases Markwell's judge runs (the seed's own test case, else random inputs
with a fixed seed; ``--nbgrader-cases all``: every one of them, as Markwell does) and the
reference's outputs for them (every accepted variant's, too), computed here with
``reference.py``, and asserts that the student's function gives one of them at the check's
tolerance. Before the report, the benchmark prints what each grader gave every notebook of the
batch (solution 100, each mutant and each deletion less, on both), and stops if either is wrong.

Single-notebook rows run interleaved in a rotating order, each from a full, idle pool; batches
alternate. Figures are medians; CPU seconds count every process started (``bench_runtime``'s
cgroup clock). Results go to ``bench/results_grading.json``; the tables are printed.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import copy
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_runtime as rt  # sets one BLAS thread and puts the repository on sys.path
import nbformat
import numpy as np
from bench_runtime import (
    CpuClock,
    Nbgrader,
    fmt,
    machine,
    machine_busy_seconds,
    measure,
    nbgrader_parallel,
    paired_ratio,
    run_nbclient,
    summary,
    wait_full,
)
from grading_workers import APP_POOL_SIZE, Workers
from nbformat import NotebookNode

from app.settings import get_settings
from graders import Assignment, KernelPool, Limits, SandboxConfig, grade, run_notebook
from graders.assignments import Check, load_module
from graders.validation import mutant_notebook

ASSIGNMENT = "rnn-numpy"
WORK = rt.WORK / "grading"
RANDOM_SEEDS = (11, 12)
"""Seeds of the random cases in nbgrader's test cells (Markwell draws fresh ones every run)."""
CASES = ("one", "all")
"""nbgrader's test cells: one case per function (the seed's own, else one random case), or
all of Markwell's (every scored seed case and two random cases)."""

HELPERS = '''\
# Read-only helper of the autograder tests: the tolerance of assignment.toml, leaf by leaf.
import numpy as np


def _close(got, expected, rtol=1e-6, atol=1e-8):
    """Same structure (dict keys, sequence lengths, array shapes) and close numbers."""
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and set(got) == set(expected)
            and all(_close(got[k], expected[k], rtol, atol) for k in expected)
        )
    if isinstance(expected, (tuple, list)):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(expected)
            and all(_close(g, e, rtol, atol) for g, e in zip(got, expected))
        )
    got = np.asarray(got)
    return got.shape == np.shape(expected) and bool(np.allclose(got, expected, rtol, atol))'''


# -- the notebooks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """One student's notebook, in Markwell's form and in nbgrader's."""

    name: str
    """Student id (nbgrader) and file name (Markwell)."""
    kind: str
    """``solution``, ``mutant`` or ``deleted``."""
    notebook: NotebookNode
    """What Markwell grades."""
    answers: dict[str, str]
    """Graded function -> the source of its solution cell in the nbgrader submission."""
    mutant: str = ""
    target: str = ""
    deleted: tuple[str, ...] = field(default=())

    @property
    def should_lose(self) -> tuple[str, ...]:
        """Functions that must lose marks (none for a solution)."""
        return (self.target,) if self.target else self.deleted


def function_cells(nb: NotebookNode, functions: list[str]) -> dict[str, int]:
    """Index of the code cell defining each graded function (one function per cell)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        defined = [
            node.name
            for node in ast.parse(cell.source).body
            if isinstance(node, ast.FunctionDef) and node.name in functions
        ]
        if len(defined) > 1:
            raise RuntimeError(f"cell {index} defines several graded functions: {defined}")
        for name in defined:
            if name in found:
                raise RuntimeError(f"{name} is defined in cells {found[name]} and {index}")
            found[name] = index
    missing = sorted(set(functions) - set(found))
    if missing:
        raise RuntimeError(f"the solution notebook does not define {missing}")
    return found


class Notebooks:
    """The solution notebook, its graded cells, and every kind of submission built from it."""

    def __init__(self, assignment: Assignment) -> None:
        self.assignment = assignment
        self.solution = nbformat.read(assignment.solution, as_version=4)
        self.functions = [c.function for c in assignment.checks]
        self.cells = function_cells(self.solution, self.functions)
        self.answers = {f: self.solution.cells[i].source for f, i in self.cells.items()}

    def of_solution(self, name: str) -> Submission:
        return Submission(name, "solution", copy.deepcopy(self.solution), dict(self.answers))

    def of_mutant(self, name: str, index: int) -> Submission:
        mutant = self.assignment.mutants[index]
        answers = dict(self.answers)
        answers[mutant.target] = mutant.source  # nbgrader: the mutant in the function's cell
        return Submission(
            name,
            "mutant",
            mutant_notebook(self.assignment, mutant),
            answers,
            mutant=mutant.id,
            target=mutant.target,
        )

    def of_deletion(self, name: str, seed: int) -> Submission:
        """Half of the graded functions' cells removed (nbgrader: their solution cells empty)."""
        deleted = tuple(
            sorted(random.Random(seed).sample(self.functions, len(self.functions) // 2))
        )
        gone = {self.cells[f] for f in deleted}
        nb = copy.deepcopy(self.solution)
        nb.cells = [c for i, c in enumerate(nb.cells) if i not in gone]
        answers = {f: ("" if f in deleted else s) for f, s in self.answers.items()}
        return Submission(name, "deleted", nb, answers, deleted=deleted)

    def batch(self, size: int) -> list[Submission]:
        """``size`` notebooks: a fifth solutions, then every mutant (spread over the functions
        first) as far as room allows, the rest deletions; shuffled with a fixed seed."""
        n_solution = max(1, size // 5)
        n_mutant = max(0, min(len(self.assignment.mutants), size - n_solution - max(1, size // 5)))
        n_deleted = max(0, size - n_solution - n_mutant)
        # Round-robin over the targets, so a small batch still covers many functions.
        by_target: dict[str, list[int]] = {}
        for i, m in enumerate(self.assignment.mutants):
            by_target.setdefault(m.target, []).append(i)
        order: list[int] = []
        while any(by_target.values()):
            for queue in by_target.values():
                if queue:
                    order.append(queue.pop(0))
        subs = [self.of_solution(f"sol{k:02d}") for k in range(n_solution)]
        subs += [self.of_mutant(f"mut{k:02d}", i) for k, i in enumerate(order[:n_mutant])]
        subs += [self.of_deletion(f"del{k:02d}", 1000 + k) for k in range(n_deleted)]
        random.Random(0).shuffle(subs)
        return subs


# -- nbgrader's notebook ----------------------------------------------------------------------


class Literal:
    """Python source that evaluates (with ``np``) to a value, exactly, sharing included.

    An object met more than once (the ``parameters`` dict in every step's cache, a step's
    ``a_next`` that is the next step's ``a_prev``) is written once, as a variable assigned
    before the expression, so the cell stays small and the student gets the same structure
    as the reference made.
    """

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.lines: list[str] = []

    def count(self, value: Any) -> None:
        if not isinstance(value, (np.ndarray, dict, tuple, list)):
            return
        seen = self.counts.get(id(value), 0)
        self.counts[id(value)] = seen + 1
        if seen or isinstance(value, np.ndarray):
            return
        for item in value.values() if isinstance(value, dict) else value:
            self.count(item)

    def source(self, value: Any) -> str:
        name = self.names.get(id(value))
        if name is not None:
            return name
        text = self._text(value)
        if self.counts.get(id(value), 0) > 1:
            name = f"_v{len(self.names)}"
            self.lines.append(f"{name} = {text}")
            self.names[id(value)] = name
            return name
        return text

    def _text(self, value: Any) -> str:
        if isinstance(value, np.ndarray):
            if value.dtype != np.float64 or value.size == 0:
                return f"np.array({value.tolist()!r}, dtype={str(value.dtype)!r})"
            return f"np.array({value.tolist()!r})"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {self.source(v)}" for k, v in value.items()) + "}"
        if isinstance(value, tuple):
            inner = ", ".join(self.source(v) for v in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if isinstance(value, list):
            return "[" + ", ".join(self.source(v) for v in value) + "]"
        if isinstance(value, np.generic):
            return repr(value.item())
        if value is None or isinstance(value, (bool, int, float, str)):
            return repr(value)
        raise TypeError(f"no literal for {type(value).__name__}")


def same(a: Any, b: Any) -> bool:
    """Exactly equal structures (a literal's round trip)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b)
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b


def cases(
    assignment: Assignment, check: Check, which: str
) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    """What the check's cases are, and (arguments, accepted outputs) for each: with ``all``, its
    scored seed cases (a lenient one costs nothing in Markwell either) and two random cases
    with fixed seeds; with ``one``, the first of those."""
    ref = load_module(assignment, "reference.py")
    gens = load_module(assignment, "checks.py")
    drawn: list[tuple[str, tuple[Any, ...]]] = []
    for name in check.seed_cases:
        if name not in check.lenient_cases:
            drawn.append(("the seed's own test case", tuple(getattr(gens, name)(ref))))
    for seed in RANDOM_SEEDS:
        rng = np.random.default_rng(seed)
        drawn.append((f"random inputs (seed {seed})", tuple(getattr(gens, check.inputs)(rng, ref))))
    if which == "one":
        drawn = drawn[:1]
    out: list[tuple[Any, list[Any]]] = []
    for _, args in drawn:
        accepted: list[Any] = []
        for name in (check.reference, *check.accept):
            expected = getattr(ref, name)(*copy.deepcopy(args))  # Adam updates its arguments
            if not any(same(expected, e) for e in accepted):
                accepted.append(expected)
        out.append((args, accepted))
    return [label for label, _ in drawn], out


def test_cell_source(assignment: Assignment, check: Check, which: str) -> str:
    labels, data = cases(assignment, check, which)
    lit = Literal()
    lit.count(data)
    rows = [f"    {lit.source(case)}," for case in data]
    lines = [
        f"# Autograder test of {check.function} ({check.points:g} points): {', '.join(labels)};",
        "# expected: the output of the reference (and of each accepted variant), computed outside.",
        *lit.lines,
        "_cases = [",
        *rows,
        "]",
        "for _args, _accepted in _cases:",
        f"    _got = {check.function}(*_args)",
        f"    _ok = any(_close(_got, _e, {check.rtol!r}, {check.atol!r}) for _e in _accepted)",
        f'    assert _ok, "{check.function} does not match the reference"',
    ]
    source = "\n".join(lines)
    scope: dict[str, Any] = {"np": np}
    exec(source.split("for _args")[0], scope)  # our own literals, checked below
    if not same(scope["_cases"], data):
        raise RuntimeError(f"{check.function}: the test cell does not reproduce its cases")
    return source


def nbgrader_source(notebooks: Notebooks, which: str) -> NotebookNode:
    """The solution notebook with nbgrader metadata: a locked helper cell first, each graded
    function's cell as a solution cell, each followed by a locked test cell with its points."""
    assignment = notebooks.assignment
    checks = {c.function: c for c in assignment.checks}
    by_cell = {i: f for f, i in notebooks.cells.items()}
    nb = copy.deepcopy(notebooks.solution)
    helper = nbformat.v4.new_code_cell(HELPERS)
    helper.metadata["nbgrader"] = {
        "grade": False,
        "solution": False,
        "locked": True,
        "grade_id": "test_helpers",
        "schema_version": 3,
    }
    cells: list[NotebookNode] = [helper]
    for index, cell in enumerate(nb.cells):
        function = by_cell.get(index)
        if function is None:
            cells.append(cell)
            continue
        cell.source = f"### BEGIN SOLUTION\n{cell.source}\n### END SOLUTION"
        cell.metadata["nbgrader"] = {
            "grade": False,
            "solution": True,
            "locked": False,
            "grade_id": f"solution_{function}",
            "schema_version": 3,
        }
        test = nbformat.v4.new_code_cell(test_cell_source(assignment, checks[function], which))
        test.metadata["nbgrader"] = {
            "grade": True,
            "solution": False,
            "locked": True,
            "points": checks[function].points,
            "grade_id": f"test_{function}",
            "schema_version": 3,
        }
        cells += [cell, test]
    nb.cells = cells
    return nb


class GradingCourse(Nbgrader):
    """``bench_runtime``'s nbgrader driver with rnn-numpy's notebook and per-cell scores."""

    def __init__(self, venv: Path, work: Path, notebooks: Notebooks, which: str) -> None:
        super().__init__(venv, work)
        self.notebooks = notebooks
        self.which = which
        self.released: NotebookNode | None = None
        self.source_bytes = 0

    def prepare(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.logs.mkdir(parents=True)
        (self.template / "source" / "ps1").mkdir(parents=True)
        (self.template / "nbgrader_config.py").write_text(
            'c = get_config()\nc.CourseDirectory.course_id = "bench"\n'
        )
        source = self.template / "source/ps1/ps1.ipynb"
        nbformat.write(nbgrader_source(self.notebooks, self.which), source)
        self.source_bytes = source.stat().st_size
        self.nbgrader(self.template, "generate_assignment", "ps1", "--force")
        self.released = nbformat.read(self.template / "release/ps1/ps1.ipynb", as_version=4)

    def submission(self, sub: Submission) -> NotebookNode:
        """The released notebook with the student's answers in its solution cells."""
        assert self.released is not None
        nb = copy.deepcopy(self.released)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if grade_id.startswith("solution_"):
                cell.source = sub.answers[grade_id.removeprefix("solution_")]
        return nb

    def submitted(self, name: str, students: list[str], subs: list[Submission]) -> Path:
        """A copy of the template course with ``subs[k]`` submitted as ``students[k]``."""
        course = self.work / name
        shutil.copytree(self.template, course)
        for student, sub in zip(students, subs, strict=True):
            path = course / "submitted" / student / "ps1" / "ps1.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(self.submission(sub), path)
        return course

    def cell_scores(self, course: Path) -> dict[str, dict[str, float]]:
        """Student -> graded function -> points, from the gradebook (not timed)."""
        query = """
            SELECT sa.student_id, bc.name, COALESCE(g.manual_score, g.auto_score, 0)
            FROM grade g
            JOIN base_cell bc ON g.cell_id = bc.id
            JOIN submitted_notebook sn ON g.notebook_id = sn.id
            JOIN submitted_assignment sa ON sn.assignment_id = sa.id
        """
        with contextlib.closing(sqlite3.connect(course / "gradebook.db")) as db:
            rows = db.execute(query).fetchall()
        scores: dict[str, dict[str, float]] = {}
        for student, cell, points in rows:
            scores.setdefault(student, {})[cell.removeprefix("test_")] = float(points)
        return scores


# -- Markwell ---------------------------------------------------------------------------------


class Markwell:
    """Grading as the app does it: its catalog, limits and sandbox settings."""

    def __init__(self, pool_size: int) -> None:
        settings = get_settings()
        self.assignment = settings.catalog()[ASSIGNMENT]
        self.limits: Limits = settings.limits()
        self.config: SandboxConfig = settings.sandbox()
        self.pool = KernelPool(pool_size, self.limits, self.config)

    def grade(self, path: Path, warm: bool) -> dict[str, float]:
        """Grade ``path``; return points per graded function. Raises unless graded."""
        kernels = self.pool.acquire if warm else None
        result = grade(self.assignment, path, self.limits, self.config, kernels=kernels).result
        if result.status != "graded":
            raise RuntimeError(f"Markwell: {path.name} {result.status}: {result.reason}")
        points: dict[str, float] = {}
        for test in result.tests:
            function = test.name.split("/")[0]
            points[function] = points.get(function, 0.0) + test.score
        return points

    def grade_solution(self, warm: bool) -> None:
        points = self.grade(self.assignment.solution, warm)
        if sum(points.values()) != self.assignment.max_score:
            raise RuntimeError(f"Markwell gave the solution {sum(points.values()):g}")

    def run_only(self) -> None:
        """The warm run without the judge: every cell, the closing ``functions()``, teardown."""
        path = self.assignment.solution
        with run_notebook(path, self.limits, self.config, kernels=self.pool.acquire) as session:
            pass
        bad = [c for c in session.report.cells if c.status != "ok"]
        if bad:
            raise RuntimeError(f"Markwell reported {bad}")

    def batch(self, paths: dict[str, Path], workers: int) -> dict[str, dict[str, float]]:
        """Grade every notebook, ``workers`` threads sharing the pool (as ``markwell_batch``)."""
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="grader") as ex:
            futures = {name: ex.submit(self.grade, path, True) for name, path in paths.items()}
            return {name: future.result() for name, future in futures.items()}


def full_pool(mw: Markwell, settle: float = 0.2) -> None:
    wait_full([mw.pool], settle)


# -- the sanity check -------------------------------------------------------------------------


def verdicts(
    subs: list[Submission],
    max_points: dict[str, float],
    markwell: dict[str, dict[str, float]],
    nbgrader: dict[str, dict[str, float]] | None,
) -> list[dict[str, Any]]:
    """Per notebook: both graders' totals and whether each is right; raises if one is not.

    Right means: a solution gets every point; a mutant or a deletion gets fewer in total and
    loses points on each function it breaks.
    """
    rows, wrong = [], []
    full = sum(max_points.values())
    for sub in subs:
        row: dict[str, Any] = {"name": sub.name, "kind": sub.kind}
        if sub.mutant:
            row["mutant"] = sub.mutant
        if sub.deleted:
            row["deleted"] = list(sub.deleted)
        graders = {"markwell": markwell[sub.name]}
        if nbgrader is not None:
            graders["nbgrader"] = nbgrader.get(sub.name, {})
        for grader, points in graders.items():
            total = sum(points.values())
            if sub.kind == "solution":
                ok = total == full
            else:
                lost = all(points.get(f, 0.0) < max_points[f] for f in sub.should_lose)
                ok = total < full and lost
            row[grader] = round(total, 2)
            row[f"{grader}_ok"] = ok
            if not ok:
                wrong.append(f"{grader} gave {sub.name} ({sub.kind} {sub.mutant}) {total:g}")
        rows.append(row)
    if wrong:
        raise RuntimeError("wrong grades: " + "; ".join(wrong))
    return rows


def print_verdicts(rows: list[dict[str, Any]], full: float) -> None:
    has_nbgrader = any("nbgrader" in r for r in rows)
    print(f"\nSanity check: what each grader gave each notebook of the batch (of {full:g}):\n")
    print("| notebook | kind | what | Markwell | nbgrader |")
    print("| --- | --- | --- | ---: | ---: |")
    for r in sorted(rows, key=lambda r: (r["kind"], r.get("mutant", ""), r["name"])):
        what = r.get("mutant") or ", ".join(r.get("deleted", [])) or "-"
        nbg = f"{r['nbgrader']:g}" if has_nbgrader else "-"
        print(f"| {r['name']} | {r['kind']} | {what} | {r['markwell']:g} | {nbg} |")
    print("\nSolutions: full marks; every mutant and deletion: fewer, lost on its functions.")


# -- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds, a batch of 10, once")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved single-notebook rounds")
    parser.add_argument("--batch", type=int, default=40, help="notebooks per batch")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each batch")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="Markwell's grading processes (and threads) = nbgrader's processes",
    )
    parser.add_argument(
        "--nbgrader-venv", type=Path, default=rt.WORK / "nbgrader-venv", help="nbgrader's venv"
    )
    parser.add_argument("--no-nbgrader", action="store_true", help="skip every nbgrader row")
    parser.add_argument(
        "--nbgrader-cases",
        choices=CASES,
        default="one",
        help="cases per nbgrader test cell: the seed's (or one random), or all of Markwell's",
    )
    parser.add_argument("--out", type=Path, default=rt.BENCH / "results_grading.json")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.batch, args.reps = 2, 10, 1
    if os.geteuid() != 0:
        print("bench_grading: Markwell's sandbox needs root", file=sys.stderr)
        return 2

    rt.CPU = CpuClock()
    started = time.monotonic()
    busy0, own0 = machine_busy_seconds(), rt.CPU.now()

    mw = Markwell(pool_size=2)
    assignment = mw.assignment
    notebooks = Notebooks(assignment)
    max_points = {c.function: c.points for c in assignment.checks}
    ng: GradingCourse | None = None
    if not args.no_nbgrader:
        if not (args.nbgrader_venv / "bin" / "nbgrader").exists():
            print(f"bench_grading: no nbgrader in {args.nbgrader_venv}; run bench/run.sh grading")
            mw.pool.close()
            return 2
        ng = GradingCourse(
            args.nbgrader_venv.resolve(), WORK / "nbgrader", notebooks, args.nbgrader_cases
        )
    info = machine(ng)
    info["markwell_sandbox"] = {"launcher": mw.config.launcher, "pool_size": mw.pool.size}
    print(f"machine: {json.dumps(info)}", flush=True)

    solution = assignment.solution
    subs = notebooks.batch(args.batch)
    mw_dir = WORK / "markwell"
    shutil.rmtree(mw_dir, ignore_errors=True)
    mw_dir.mkdir(parents=True)
    paths: dict[str, Path] = {}
    for sub in subs:
        paths[sub.name] = mw_dir / f"{sub.name}.ipynb"
        nbformat.write(sub.notebook, paths[sub.name])
    counts = {k: sum(s.kind == k for s in subs) for k in ("solution", "mutant", "deleted")}
    print(
        f"{ASSIGNMENT}: {len(assignment.checks)} functions, {assignment.max_score:g} points; "
        f"batch of {len(subs)}: {counts}",
        flush=True,
    )

    started_workers: list[Workers] = []
    try:
        # Warm-up, not recorded: imports, the fork server, the assignment's trusted code.
        run_nbclient(nbformat.read(solution, as_version=4))
        mw.grade_solution(warm=False)
        full_pool(mw)
        mw.grade_solution(warm=True)
        single_students: list[str] = []
        singles: Path | None = None
        if ng is not None:
            print("preparing nbgrader's course (generate_assignment)...", flush=True)
            ng.prepare()
            print(f"nbgrader source notebook: {ng.source_bytes / 1e3:.0f} kB", flush=True)
            single_students = [f"r{i:02d}" for i in range(args.rounds)]
            singles = ng.submitted(
                "singles",
                single_students,
                [notebooks.of_solution(s) for s in single_students],
            )

        kinds: dict[str, Callable[[int], dict[str, Any]]] = {
            "plain_nbclient": lambda i: measure(
                lambda: run_nbclient(nbformat.read(solution, as_version=4))
            ),
            "markwell_cold": lambda i: measure(lambda: mw.grade_solution(warm=False)),
            "markwell_warm": lambda i: measure(
                lambda: mw.grade_solution(warm=True), after=lambda: full_pool(mw)
            ),
            "markwell_warm_run_only": lambda i: measure(mw.run_only, after=lambda: full_pool(mw)),
        }
        if ng is not None and singles is not None:
            kinds["nbgrader_one"] = lambda i, c=singles: measure(
                lambda: ng.autograde(c, "--student", single_students[i])
            )
        names = list(kinds)
        rounds: list[dict[str, Any]] = []
        for i in range(args.rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            result: dict[str, Any] = {}
            for name in order:
                full_pool(mw)
                result[name] = kinds[name](i)
            rounds.append(result)
            walls = "  ".join(f"{n}={fmt(result[n]['wall'])}" for n in names)
            print(f"round {i + 1}/{args.rounds}: {walls}", flush=True)
        if ng is not None and singles is not None:
            got = ng.cell_scores(singles)
            wrong = {s: sum(got.get(s, {}).values()) for s in single_students}
            if any(v != assignment.max_score for v in wrong.values()):
                raise RuntimeError(f"nbgrader did not give the solution full marks: {wrong}")

        # -- batches ------------------------------------------------------------------------
        # The app's grading processes, started (and warm) before any batch is timed.
        workers = Workers(args.workers)
        started_workers.append(workers)
        batch_runs: dict[str, list[dict[str, Any]]] = {}
        sanity: list[dict[str, Any]] = []
        for rep in range(args.reps):
            plan: list[tuple[str, Callable[[], dict[str, Any]]]] = []
            course: Path | None = None
            students = [f"p{k % args.workers}_{s.name}" for k, s in enumerate(subs)]
            if ng is not None:
                course = ng.submitted(f"batch-{rep}", students, subs)
                globs = [f"p{w}_*" for w in range(args.workers)]
                plan.append(
                    (
                        "nbgrader_batch",
                        lambda c=course, g=globs: measure(lambda: nbgrader_parallel(ng, c, g)),
                    )
                )
            plan.append(
                (
                    "markwell_batch",
                    lambda: measure(lambda: workers.batch(paths), after=workers.settle),
                )
            )
            plan.append(
                (
                    "markwell_batch_threads",
                    lambda: measure(
                        lambda: mw.batch(paths, args.workers), after=lambda: full_pool(mw)
                    ),
                )
            )
            if rep % 2:
                plan.reverse()
            values: dict[str, Any] = {}
            for name, fn in plan:
                full_pool(mw, 1.0)
                workers.settle(1.0)
                sample = fn()
                values[name] = sample.pop("value")
                batch_runs.setdefault(name, []).append(sample)
                rate = len(subs) / sample["wall"] * 60
                print(
                    f"batch {rep + 1}/{args.reps} {name}: {fmt(sample['wall'])} s, "
                    f"{rate:.1f} notebooks/min, {fmt(sample['cpu'] / len(subs))} CPU s/notebook",
                    flush=True,
                )
            nbg_scores = None
            if ng is not None and course is not None:
                by_student = ng.cell_scores(course)
                nbg_scores = {
                    s.name: by_student.get(st, {}) for s, st in zip(subs, students, strict=True)
                }
            rows = verdicts(subs, max_points, values["markwell_batch"], nbg_scores)
            # Checked the same way (the fresh random cases differ from grading to grading).
            verdicts(subs, max_points, values["markwell_batch_threads"], nbg_scores)
            if rep == 0:
                sanity = rows
        print_verdicts(sanity, assignment.max_score)
    finally:
        mw.pool.close()
        for workers in started_workers:
            workers.close()

    # -- report -----------------------------------------------------------------------------
    for sample in (s for r in rounds for s in r.values()):
        sample.pop("value", None)
    elapsed = time.monotonic() - started
    others = machine_busy_seconds() - busy0 - (rt.CPU.now() - own0)
    info["other_processes_cores_busy"] = round(max(0.0, others) / elapsed, 2)
    info["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    single = {n: summary([r[n] for r in rounds]) for n in names}
    batches: dict[str, dict[str, Any]] = {}
    for name, samples in batch_runs.items():
        s = summary(samples)
        s["notebooks"] = len(subs)
        s["per_minute"] = len(subs) / s["wall_median"] * 60
        s["cpu_per_notebook"] = s["cpu_median"] / len(subs)
        batches[name] = s
    plain = single["plain_nbclient"]["wall_median"]
    warm = single["markwell_warm"]["wall_median"]
    ratios: dict[str, float] = {
        "warm_vs_plain": warm / plain,
        "warm_vs_plain_paired": paired_ratio(rounds, "markwell_warm", "plain_nbclient"),
        "cold_vs_plain": single["markwell_cold"]["wall_median"] / plain,
        "cold_vs_plain_paired": paired_ratio(rounds, "markwell_cold", "plain_nbclient"),
        "warm_run_only_vs_plain": single["markwell_warm_run_only"]["wall_median"] / plain,
    }
    if ng is not None:
        nbg_one = single["nbgrader_one"]["wall_median"]
        ratios["nbgrader_one_vs_warm"] = nbg_one / warm
        ratios["nbgrader_one_vs_warm_paired"] = paired_ratio(
            rounds, "nbgrader_one", "markwell_warm"
        )
        ratios["nbgrader_one_vs_cold"] = nbg_one / single["markwell_cold"]["wall_median"]
        ratios["batch_throughput_vs_nbgrader"] = (
            batches["markwell_batch"]["per_minute"] / batches["nbgrader_batch"]["per_minute"]
        )
        ratios["batch_throughput_vs_nbgrader_paired"] = statistics.median(
            a["wall"] / b["wall"]
            for a, b in zip(batch_runs["nbgrader_batch"], batch_runs["markwell_batch"], strict=True)
        )
    judge = warm - single["markwell_warm_run_only"]["wall_median"]
    results = {
        "machine": info,
        "assignment": {
            "id": assignment.id,
            "functions": len(assignment.checks),
            "max_score": assignment.max_score,
            "mutants": len(assignment.mutants),
            "nbgrader_source_bytes": ng.source_bytes if ng is not None else None,
            "nbgrader_cases": args.nbgrader_cases,
            "nbgrader_random_case_seeds": list(RANDOM_SEEDS),
        },
        "settings": {
            "rounds": args.rounds,
            "batch": len(subs),
            "batch_kinds": counts,
            "reps": args.reps,
            "workers": args.workers,
            "nbgrader_processes": args.workers,
            "pool_size_threads": 2,
            "pool_size_per_process": APP_POOL_SIZE,
            "quick": args.quick,
        },
        "single": single,
        "batches": batches,
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "derived_seconds": {"markwell_judge_wall": round(judge, 3)},
        "sanity": sanity,
        "seconds": round(elapsed, 1),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")

    print()
    print(f"One notebook ({ASSIGNMENT} solution), median of {args.rounds} interleaved rounds:")
    print()
    print("| row | wall s (median) | wall min..max | x plain nbclient | CPU s (median) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in names:
        s = single[name]
        span = f"{fmt(s['wall_min'])}..{fmt(s['wall_max'])}"
        x = s["wall_median"] / plain
        print(f"| {name} | {fmt(s['wall_median'])} | {span} | {x:.2f} | {fmt(s['cpu_median'])} |")
    print()
    print(f"Batches of {len(subs)} ({counts}), median of {args.reps}:")
    print()
    print("| row | wall s | notebooks/min | CPU s per notebook |")
    print("| --- | ---: | ---: | ---: |")
    for name, s in batches.items():
        print(
            f"| {name} | {s['wall_median']:.2f} | {s['per_minute']:.1f} "
            f"| {fmt(s['cpu_per_notebook'])} |"
        )
    print()
    for key, value in ratios.items():
        print(f"{key}: {value:.3f}")
    print(f"markwell_judge_wall (warm - warm run only): {judge:.3f} s")
    print(
        f"other processes kept {info['other_processes_cores_busy']} of {info['nproc']} cores "
        "busy on average during the run (1.0 = one core)"
    )
    print(f"\nwrote {args.out} in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        with contextlib.suppress(AttributeError):
            rt.CPU.close()
