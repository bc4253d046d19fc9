"""What the ``markwell`` commands print: a result's table, a folder's summary, a progress
bar, a computed key."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from graders import Assignment, ComputedKey, Graded, Result


class Progress:
    """A progress bar on a terminal; elsewhere (a log, CI) one plain line per notebook."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.tty = sys.stderr.isatty()
        self.bar = tqdm(
            total=total, desc="grading", unit="nb", file=sys.stderr, disable=not self.tty
        )
        self._logging = logging_redirect_tqdm() if self.tty else contextlib.nullcontext()

    def done(self, path: Path, graded: Graded) -> None:
        self.count += 1
        if self.tty:
            self.bar.set_postfix_str(path.name, refresh=False)
            self.bar.update()
        else:
            r = graded.result
            score = f" {r.score:g}/{r.max_score:g}" if r.status == "graded" else ""
            line = f"[{self.count}/{self.total}] {path.name}: {r.status}{score}"
            print(line, file=sys.stderr, flush=True)

    def __enter__(self) -> Progress:
        # Log records (a grader error's traceback) would break the bar's line otherwise.
        self._logging.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()
        self._logging.__exit__(None, None, None)


def print_summary(assignment: Assignment, results: list[tuple[str, Result]]) -> None:
    """One line per notebook (file, score, status, why not graded), then the totals."""
    width = max(len(name) for name, _ in results)
    for name, r in results:
        points = f"{r.score:g}/{r.max_score:g}" if r.status == "graded" else "-"
        print(f"{name:<{width}}  {points:>11}  {r.status:<8} {r.reason}".rstrip())
    count = {s: sum(r.status == s for _, r in results) for s in ("graded", "rejected", "error")}
    scores = [r.score for _, r in results if r.status == "graded"]
    mean = f"{sum(scores) / len(scores):.4g}/{assignment.max_score:g}" if scores else "-"
    print(
        f"{assignment.id}: {len(results)} notebooks: {count['graded']} graded, "
        f"{count['rejected']} rejected, {count['error']} error; mean score of graded: {mean}"
    )


def key_line(key: ComputedKey) -> str:
    where = f"{key.assignment} {key.question} ({key.function})"
    if key.ok:
        return f"[ok  ] {where}: {_shown_key(key.computed)}; a student types {key.typed}"
    return (
        f"[FAIL] {where}: computed {_shown_key(key.computed)}, but assignment.toml stores "
        f"{_shown_key(key.stored)}"
    )


def _shown_key(value: object) -> str:
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def print_result(result: Result) -> None:
    """The table a student reads: test, points, status and one line of feedback."""
    width = max([len(t.name) for t in result.tests] + [4])
    print(f"{'test':<{width}}  {'points':>11}  {'status':<8} feedback")
    for t in result.tests:
        points = f"{t.score:g}/{t.max_score:g}"
        print(f"{t.name:<{width}}  {points:>11}  {t.status:<8} {t.feedback}")
    if result.notebook:
        print("the notebook itself:")
        for verdict in result.notebook:
            print(f"  cell {verdict.cell}: {verdict.status}: {verdict.detail}")
    waiting = len(result.pending)
    note = f" ({waiting} part{'s' if waiting > 1 else ''} awaiting grading)" if waiting else ""
    print(f"{result.assignment}: {result.score:g}/{result.max_score:g}{note}")
