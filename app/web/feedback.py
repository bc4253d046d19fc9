"""A submission's result as its page shows it: every test, and what happened to the
notebook itself (a cell that ran too long, ran out of memory, crashed, flooded its output)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.results.read import SubmissionRecord
from app.services.results.schema import ResultOut, TestOut

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
    "missing": "Not found in the notebook",
    "pending": "Waits for your instructor",
}

NOTEBOOK_TROUBLE = frozenset({"timeout", "memory", "error", "missing"})
"""Test statuses that come from how the notebook ran, not from a wrong answer."""


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
    notebook: list[str] = []
    for test in result.tests:
        if test.status in NOTEBOOK_TROUBLE and test.feedback and test.feedback not in notebook:
            notebook.append(test.feedback)
    return FeedbackView(
        result,
        list(result.tests),
        notebook,
        sum(1 for t in result.tests if t.status == "passed"),
    )
