"""The result contract: JSON that reads back into the same result, the status vocabularies,
and tests awaiting grading by hand."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graders
from app.cli_output import print_result
from graders import RESULT_STATUSES, TEST_STATUSES, Result, TestResult, score_rows
from graders.result import PENDING_FEEDBACK

# Scores as to_json writes them: rounded to 6 decimals.
scores = st.floats(allow_nan=False, allow_infinity=False).map(lambda x: round(x, 6))
numbers = st.floats(allow_nan=False, allow_infinity=False)

tests = st.builds(
    TestResult,
    name=st.text(),
    score=scores,
    max_score=numbers,
    status=st.sampled_from(TEST_STATUSES),
    feedback=st.text(),
    mistake=st.text(),
)
results = st.builds(
    Result,
    assignment=st.text(),
    status=st.sampled_from(RESULT_STATUSES),
    score=numbers,
    max_score=numbers,
    tests=st.lists(tests, max_size=5).map(tuple),
    reason=st.text(),
)


@given(results)
def test_from_json_reads_back_what_to_json_wrote(result):
    assert Result.from_json(result.to_json()) == result
    assert Result.from_json(json.loads(json.dumps(result.to_json()))) == result


@given(tests)
def test_a_test_reads_back_alone(test):
    assert TestResult.from_json(test.to_json()) == test


def valid() -> dict:
    return Result.graded("a", [TestResult("f", 1.0, 2.0, "failed", "no")]).to_json()


def changed(path: tuple, value: object) -> dict:
    doc = valid()
    *parents, last = path
    target = doc
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ([], "a result is a JSON object, not a list"),
        (changed(("assignment",), KeyError), "assignment: is required"),
        (changed(("assignment",), 3), "assignment: must be a string, not a number"),
        (changed(("status",), "done"), "status: must be one of graded, needs-grading, rejected"),
        (changed(("score",), "1"), "score: must be a number, not a string"),
        (changed(("score",), True), "score: must be a number, not true or false"),
        (changed(("max_score",), math.inf), "max_score: must be a finite number"),
        (changed(("tests",), {}), "tests: must be a list, not an object"),
        (changed(("tests", 0), "f"), "tests[0]: a test is a JSON object, not a string"),
        (changed(("tests", 0, "status"), "ok"), "tests[0].status: must be one of passed, failed"),
        (changed(("tests", 0, "name"), KeyError), "tests[0].name: is required"),
        (changed(("tests", 0, "feedback"), None), "tests[0].feedback: must be a string, not null"),
    ],
)
def test_from_json_of_an_invalid_document_raises_value_error_with_the_reason(doc, reason):
    with pytest.raises(ValueError) as caught:
        Result.from_json(doc)
    assert str(caught.value).startswith(reason)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(
    st.sampled_from(["assignment", "status", "score", "max_score", "tests", "reason"]),
    json_values,
)
def test_any_document_reads_as_a_result_or_raises_value_error_naming_the_member(key, value):
    doc = valid()
    doc[key] = value
    try:
        Result.from_json(doc)
    except ValueError as exc:
        assert str(exc).startswith(key)


@given(json_values)
def test_a_test_of_any_shape_raises_value_error_naming_its_index(value):
    doc = valid()
    doc["tests"].append(value)
    try:
        Result.from_json(doc)
    except ValueError as exc:
        assert str(exc).startswith("tests[1]")


@dataclass(frozen=True)
class Late(Result):
    late: int | None = None

    def to_json(self) -> dict:
        return {**super().to_json(), "late": self.late}


def test_from_json_ignores_members_it_does_not_write_such_as_late():
    base = Result.graded("quiz", [TestResult("q1", 1.0, 1.0, "passed", "", "m")])
    doc = Late(*vars(base).values(), late=2).to_json()
    doc["tests"][0]["extra"] = "x"
    assert Result.from_json(doc) == base
    assert Late.from_json(doc) == Late(*vars(base).values())


def test_the_status_vocabularies_are_exported_once():
    assert graders.TEST_STATUSES == (
        "passed",
        "failed",
        "error",
        "timeout",
        "memory",
        "missing",
        "pending",
    )
    assert graders.RESULT_STATUSES == ("graded", "needs-grading", "rejected", "error")


def test_a_pending_test_scores_nothing_yet_and_makes_the_result_need_grading():
    essay = TestResult.pending("essay", 5.0)
    assert (essay.score, essay.max_score, essay.status) == (0.0, 5.0, "pending")
    assert essay.feedback == PENDING_FEEDBACK and "awaits grading" in essay.feedback
    result = Result.graded("a", [TestResult("f", 2.0, 2.0, "passed", ""), essay])
    assert (result.status, result.score, result.max_score) == ("needs-grading", 2.0, 7.0)
    assert result.pending == (essay,)
    assert Result.graded("a", [TestResult("f", 2.0, 2.0, "passed", "")]).status == "graded"
    assert Result.from_json(result.to_json()) == result


def test_pending_tests_read_pending_in_the_table_and_the_csv(capsys):
    essay = TestResult.pending("essay", 5.0)
    result = Result.graded("a", [TestResult("f", 2.0, 2.0, "passed", ""), essay])
    print_result(result)
    out = capsys.readouterr().out.splitlines()
    assert out[2].split()[:3] == ["essay", "0/5", "pending"]
    assert out[-1] == "a: 2/7 (1 part awaiting grading)"
    rows = score_rows([("x.ipynb", result)])
    assert rows[1] == ["x.ipynb", "needs-grading", "2", "7", "2", "pending", ""]
