"""Scores as CSV for a gradebook: one row per submission, one column per test."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from graders.assignments import Assignment
from graders.result import Result, TestResult

FIXED_COLUMNS = ("file", "status", "score", "max_score")
"""The first columns; one column per test follows, then ``reason``."""

# Spreadsheets run a cell that starts with one of these as a formula; file names and reasons
# can come from students (an upload named "=HYPERLINK(...).ipynb").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def assignment_tests(assignment: Assignment) -> list[str]:
    """The assignment's test names in the order grading reports them (a quiz: its questions)."""
    checks = [check.test_name(output) for check in assignment.checks for output in check.outputs]
    return checks + [question.id for question in assignment.questions]


def score_rows(
    results: Iterable[tuple[str, Result]], assignment: Assignment | None = None
) -> list[list[str]]:
    """The header, then one row per ``(file name, result)`` in the order given.

    Test columns follow ``assignment``'s order; a test it does not list (a result graded
    before the assignment changed) gets a column after them, in the order first seen. A
    rejected or errored submission has empty test cells and its ``reason``; a test awaiting
    grading by hand (``pending``, in a ``needs-grading`` result) reads ``pending``, not 0.
    """
    results = list(results)
    columns = assignment_tests(assignment) if assignment is not None else []
    known = set(columns)
    for _, result in results:
        for test in result.tests:
            if test.name not in known:
                known.add(test.name)
                columns.append(test.name)
    rows = [[*FIXED_COLUMNS, *columns, "reason"]]
    for name, result in results:
        scores = {t.name: _cell(t) for t in result.tests}
        rows.append(
            [
                _text(name),
                result.status,
                _number(result.score),
                _number(result.max_score),
                *(scores.get(column, "") for column in columns),
                _text(result.reason),
            ]
        )
    return rows


def scores_csv(results: Iterable[tuple[str, Result]], assignment: Assignment | None = None) -> str:
    """:func:`score_rows` as CSV text (``\\r\\n`` line ends, as RFC 4180 and Excel expect)."""
    out = io.StringIO()
    csv.writer(out).writerows(score_rows(results, assignment))
    return out.getvalue()


def _cell(test: TestResult) -> str:
    return "pending" if test.status == "pending" else _number(test.score)


def _number(value: float) -> str:
    # Scores are rounded to 6 decimals; print them without float noise or trailing zeros.
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def score_cell(value: float) -> str:
    """A score as a gradebook cell writes it: no float noise, no trailing zeros."""
    return _number(value)


def text_cell(value: str) -> str:
    """Text from a student (a file name, a note) as a cell a spreadsheet shows, never runs."""
    return _text(value)
