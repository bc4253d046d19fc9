"""A grading result: the JSON contract the CLI and the API share (see docs/assignments.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

TestStatus = Literal["passed", "failed", "error", "timeout", "memory", "missing", "pending"]
ResultStatus = Literal["graded", "needs-grading", "rejected", "error"]
TEST_STATUSES: tuple[str, ...] = get_args(TestStatus)
RESULT_STATUSES: tuple[str, ...] = get_args(ResultStatus)


@dataclass(frozen=True)
class TestResult:
    """One test: a function's output (``lstm_cell_forward/c_next``) or a question (``q3``)."""

    __test__ = False  # not a pytest class, despite the name

    name: str
    """Starts with the function or question it checks."""
    score: float
    max_score: float
    status: TestStatus
    feedback: str
    """What the student reads: a sentence they can act on; when passed, empty or a note (which
    accepted reading the answer follows, an argument changed in place)."""
    mistake: str = ""
    """The id of the known mistake (mutant) the output matched, if one did."""

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "score": round(self.score, 6),
            "max_score": self.max_score,
            "status": self.status,
            "feedback": self.feedback,
        }
        if self.mistake:
            doc["mistake"] = self.mistake
        return doc


@dataclass(frozen=True)
class Result:
    """The grade of one submission."""

    assignment: str
    status: ResultStatus
    score: float
    max_score: float
    tests: tuple[TestResult, ...] = ()
    reason: str = ""
    """Why a submission was rejected or the grader failed (empty when graded)."""

    @classmethod
    def graded(cls, assignment: str, tests: list[TestResult]) -> Result:
        return cls(
            assignment=assignment,
            status="graded",
            score=round(sum(t.score for t in tests), 6),
            max_score=round(sum(t.max_score for t in tests), 6),
            tests=tuple(tests),
        )

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "assignment": self.assignment,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "tests": [t.to_json() for t in self.tests],
        }
        if self.reason:
            doc["reason"] = self.reason
        return doc
