"""A submission's result as its page shows it: every test, and what happened to the
notebook itself (a cell that ran too long, ran out of memory, crashed, flooded its output)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.results.read import SubmissionRecord
from app.services.results.schema import CellVerdictOut, ResultOut, TestOut

STATUS_TEXT = {
    "queued": "Waiting to be graded",
    "running": "Being graded",
    "graded": "Graded",
    "needs-grading": "Graded; some parts wait for your instructor",
    "rejected": "Not gradable",
    "error": "The grader failed; your instructor can grade it again",
    "not submitted": "Not submitted",
}
"""What each status is called on the pages."""

FINAL = frozenset({"graded", "needs-grading", "rejected", "error"})
"""Statuses after which the page stops waiting."""

TEST_TEXT = {
    "passed": "Passed",
    "failed": "Failed",
    "error": "Raised an error",
    "timeout": "Ran too long",
    "memory": "Ran out of memory",
    "missing": "Missing",
    "pending": "Waits for your instructor",
}

BREACHES = frozenset({"timeout", "memory"})
"""Test statuses that come from a limit the student's code ran into."""

CELLS_THAT_RAN = "by the cells that ran: "
"""How the engine's feedback says that a function was never defined because the notebook
stopped before its cell, followed by why (the cell, the limit): ``graders`` words it so."""


CELL_TEXT = {
    "error": "raised an error",
    "timeout": "hit its time limit",
    "memory": "ran out of memory",
    "output-limit": "printed too much",
    "killed": "was killed",
    "crashed": "crashed its kernel",
    "skipped": "was not run",
}


def verdict_sentences(verdicts: list[CellVerdictOut]) -> list[str]:
    """One sentence per cell of the notebook that did not run cleanly: "Cell 7 ran past the
    cell time limit (30 s).", "Cell 3 raised an error: ZeroDivisionError: division by zero."."""
    found = []
    for v in verdicts:
        detail = v.detail.rstrip(".")
        if detail.startswith("the cell "):
            found.append(f"Cell {v.cell} {detail.removeprefix('the cell ')}.")
        else:
            found.append(f"Cell {v.cell} {CELL_TEXT.get(v.status, v.status)}: {detail}.")
    return found


def notebook_sentences(tests: list[TestOut]) -> list[str]:
    """What the tests' feedback says about the notebook's own run (a cell that ran past its
    time, ran out of memory, crashed or flooded its output, the submission's time limit),
    each said once."""
    found: list[str] = []
    for test in tests:
        text = test.feedback.strip()
        if CELLS_THAT_RAN in text:
            sentence = text.split(CELLS_THAT_RAN, 1)[1].rstrip(".")
            sentence = sentence[:1].upper() + sentence[1:] + "."
        elif "Note: " in text and ("limit" in text or "kernel" in text):
            sentence = text[text.index("Note: ") + len("Note: ") :]
        elif test.status in BREACHES:
            sentence = text
        else:
            continue
        if sentence and sentence not in found:
            found.append(sentence)
    return found


@dataclass(frozen=True)
class FeedbackView:
    result: ResultOut | None
    tests: list[TestOut] = field(default_factory=list)
    notebook: list[str] = field(default_factory=list)
    """Distinct sentences about the notebook's run (cell number and limit included)."""
    passed: int = 0


def feedback_view(record: SubmissionRecord) -> FeedbackView:
    """The parts of ``record``'s current result a page shows."""
    result = record.result()
    if result is None:
        return FeedbackView(None)
    # Results recorded before cells had verdicts of their own say it only in their tests.
    told = (
        verdict_sentences(result.notebook)
        if result.notebook
        else notebook_sentences(list(result.tests))
    )
    return FeedbackView(
        result,
        list(result.tests),
        told,
        sum(1 for t in result.tests if t.status == "passed"),
    )
