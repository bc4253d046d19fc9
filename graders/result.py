"""A grading result: the JSON contract the CLI and the API share (see docs/assignments.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args

TestStatus = Literal["passed", "failed", "error", "timeout", "memory", "missing", "pending"]
"""What became of one test; ``pending``: a part awaiting grading by hand (0 points until then)."""
ResultStatus = Literal["graded", "needs-grading", "rejected", "error"]
"""What became of a submission; ``needs-grading``: graded, but some tests are ``pending``."""

TEST_STATUSES: tuple[TestStatus, ...] = get_args(TestStatus)
RESULT_STATUSES: tuple[ResultStatus, ...] = get_args(ResultStatus)

PENDING_FEEDBACK = "This part awaits grading by hand; its points count once it is graded."

VerdictStatus = Literal[
    "error", "timeout", "memory", "output-limit", "killed", "crashed", "skipped"
]
"""How a cell of the notebook failed (``skipped``: the submission's time ran out before it)."""
VERDICT_STATUSES: tuple[VerdictStatus, ...] = get_args(VerdictStatus)
MAX_CELL_VERDICTS = 20
"""Cells a result names at most; a notebook failing in more is summed up by the last one."""

_R = TypeVar("_R", bound="Result")
_T = TypeVar("_T", bound="TestResult")


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
    """The id of the known mistake (mutant) the output matched, if one did; ``auto:...`` (at
    most 120 characters) when the automatic diagnosis named it instead."""

    @classmethod
    def pending(cls: type[_T], name: str, max_score: float, feedback: str = "") -> _T:
        """A part awaiting grading by hand: 0 of ``max_score`` until it is graded."""
        return cls(name, 0.0, max_score, "pending", feedback or PENDING_FEEDBACK)

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

    @classmethod
    def from_json(cls: type[_T], doc: object) -> _T:
        """The test of a :meth:`to_json` document; ``ValueError`` says what is wrong.

        Members that ``to_json`` does not write are ignored.
        """
        return cls._read(_Document(doc, "a test"))

    @classmethod
    def _read(cls: type[_T], doc: _Document) -> _T:
        return cls(
            name=doc.text("name"),
            score=doc.number("score"),
            max_score=doc.number("max_score"),
            status=doc.choice("status", TEST_STATUSES),
            feedback=doc.text("feedback", ""),
            mistake=doc.text("mistake", ""),
        )


@dataclass(frozen=True)
class CellVerdict:
    """How one cell of the notebook went wrong: ``cell`` counts every cell from 1, as the
    notebook shows them; ``detail`` is one line naming the limit it hit or its error."""

    cell: int
    status: VerdictStatus
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"cell": self.cell, "status": self.status, "detail": self.detail}

    @classmethod
    def _read(cls, doc: _Document) -> CellVerdict:
        return cls(doc.integer("cell"), doc.choice("status", VERDICT_STATUSES), doc.text("detail"))


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
    notebook: tuple[CellVerdict, ...] = ()
    """The cells of the notebook that failed, stopped or were not run, in order."""

    @classmethod
    def graded(cls, assignment: str, tests: list[TestResult]) -> Result:
        """The result of ``tests``: ``needs-grading`` while any of them is ``pending``."""
        pending = any(t.status == "pending" for t in tests)
        return cls(
            assignment=assignment,
            status="needs-grading" if pending else "graded",
            score=round(sum(t.score for t in tests), 6),
            max_score=round(sum(t.max_score for t in tests), 6),
            tests=tuple(tests),
        )

    @property
    def pending(self) -> tuple[TestResult, ...]:
        """The tests awaiting grading by hand."""
        return tuple(t for t in self.tests if t.status == "pending")

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
        if self.notebook:
            doc["notebook"] = [cell.to_json() for cell in self.notebook]
        return doc

    @classmethod
    def from_json(cls: type[_R], doc: object) -> _R:
        """The result of a :meth:`to_json` document (the API's ``result``), so that
        ``Result.from_json(r.to_json()) == r``; ``ValueError`` says what is wrong and where.

        Members that ``to_json`` does not write (a subclass's own, such as a quiz's
        ``late``) are ignored, not kept: a subclass's fields keep their defaults.
        """
        top = _Document(doc, "a result")
        tests = top.items("tests")
        return cls(
            assignment=top.text("assignment"),
            status=top.choice("status", RESULT_STATUSES),
            score=top.number("score"),
            max_score=top.number("max_score"),
            tests=tuple(TestResult._read(test) for test in tests),
            reason=top.text("reason", ""),
            notebook=tuple(CellVerdict._read(c) for c in top.items("notebook", "a cell verdict")),
        )


class _Document:
    """A JSON object's members, read with errors that say where the document is wrong."""

    def __init__(self, doc: object, what: str, where: str = "") -> None:
        if not isinstance(doc, Mapping):
            at = f"{where}: " if where else ""
            raise ValueError(f"{at}{what} is a JSON object, not {json_kind(doc)}")
        self.doc, self.where = doc, where

    def _problem(self, key: str, problem: str) -> ValueError:
        return ValueError(f"{self.where}{'.' if self.where else ''}{key}: {problem}")

    def _get(self, key: str, default: object) -> object:
        if key in self.doc:
            return self.doc[key]
        if default is None:
            raise self._problem(key, "is required")
        return default

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self._problem(key, f"must be a string, not {json_kind(value)}")
        return value

    def number(self, key: str) -> float:
        value = self._get(key, None)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._problem(key, f"must be a number, not {json_kind(value)}")
        if not math.isfinite(value):
            raise self._problem(key, f"must be a finite number, not {value!r}")
        return float(value)

    def integer(self, key: str) -> int:
        value = self._get(key, None)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._problem(key, f"must be a whole number, not {json_kind(value)}")
        return value

    def choice(self, key: str, choices: tuple[Any, ...]) -> Any:
        value = self._get(key, None)
        if value not in choices:
            raise self._problem(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def items(self, key: str, what: str = "a test") -> list[_Document]:
        value = self._get(key, [])
        if not isinstance(value, list):
            raise self._problem(key, f"must be a list, not {json_kind(value)}")
        prefix = f"{self.where}.{key}" if self.where else key
        return [_Document(item, what, f"{prefix}[{i}]") for i, item in enumerate(value)]


def json_kind(value: object) -> str:
    """What a JSON value is, in words: "null", "a number", "an object"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
