"""Computed keys: keys.py functions called with the catalog's references, compared with the
stored keys exactly as documented."""

from __future__ import annotations

import math

import pytest

from graders import AssignmentError, check_keys, compute_keys, load_catalog, read_assignment
from graders.quiz.keys import keys_match
from graders.quiz.questions import Question
from tests.assignments.test_manifest import make_folder
from tests.quiz.helpers import QUIZ, write_quiz

WITH_REFERENCE = """
[[questions]]
id = "q7"
type = "integer"
prompt = "What is double(2)[0]?"
answer = 4
computed = "doubled"

[[questions]]
id = "q8"
type = "exact"
prompt = "Name the sizes"
normalize = "identifier"
any_order = true
answer = ["a = x", "b = y"]
computed = "sizes"
"""

KEYS = """
import math


def tanh_quarter(reference):
    return math.tanh(0.25)


def z_shape(reference):
    return [85, 1]


def doubled(reference):
    return reference("double").double(2)[0]


def sizes(reference):
    return {"b": "y", "a": "x"}
"""


@pytest.fixture
def course(tmp_path):
    write_quiz(tmp_path / "course", QUIZ + WITH_REFERENCE, KEYS)
    make_folder(tmp_path / "course")  # the notebook assignment "double", with reference.py
    return load_catalog([tmp_path / "course"], builtin=False)


def test_every_computed_key_is_computed_and_matches(course):
    keys = compute_keys(course["tiny-quiz"], course)
    assert [(k.question, k.function, k.computed, k.typed, k.ok) for k in keys] == [
        ("q3", "tanh_quarter", 0.24491866240370913, "0.24491", True),
        ("q6", "z_shape", (85, 1), "(85, 1)", True),
        ("q7", "doubled", 4, "4", True),
        ("q8", "sizes", ("b = y", "a = x"), "b = y; a = x", True),
    ]
    assert check_keys(course["tiny-quiz"], course) == ()
    assert compute_keys(course["double"], course) == ()


def test_a_stored_key_that_differs_is_reported_with_both_values(tmp_path):
    manifest = QUIZ.replace("answer = 0.24491866240370913", "answer = 0.24491")
    manifest = manifest.replace("answer = [85, 1]", "answer = [1, 85]")
    quiz = read_assignment(write_quiz(tmp_path, manifest))
    mismatches = check_keys(quiz, {})
    assert [(k.assignment, k.question, k.stored, k.computed) for k in mismatches] == [
        ("tiny-quiz", "q3", 0.24491, 0.24491866240370913),
        ("tiny-quiz", "q6", (1, 85), (85, 1)),
    ]
    # The truncated text a student types is not the key: the full value is.
    assert mismatches[0].typed == "0.24491"


def question(answer, rule="truncate", **params):
    params = params or ({"decimals": 2} if rule in ("truncate", "round") else {})
    return Question("q1", "number", "?", answer, rule=rule, **params)


def test_numbers_match_to_the_last_bits_unless_the_rule_s_key_moves():
    key = math.tanh(0.25)
    assert keys_match(question(key, decimals=5), math.nextafter(key, 1))
    assert keys_match(question(key, decimals=5), math.nextafter(key, 0))
    assert not keys_match(question(key, decimals=5), key * (1 + 1e-9))
    # One unit in the last place across a truncation boundary changes what students type.
    assert not keys_match(question(0.25), math.nextafter(0.25, 0))
    assert keys_match(question(0.25, "abs", tolerance=0.1), math.nextafter(0.25, 0))
    assert not keys_match(question(0.0, "abs", tolerance=0.1), 1e-300)


def test_ranges_match_a_computed_range_or_contain_a_computed_value():
    ranged = question((76.4382, 76.6382), "range")
    assert keys_match(ranged, (76.4382, 76.6382))
    assert not keys_match(ranged, (76.4382, 76.6383))
    assert keys_match(ranged, 76.5382)
    assert not keys_match(ranged, 76.7)


def test_exact_keys_compare_as_the_question_compares_answers():
    q = Question("q1", "exact", "?", ("a = x", "b = y"), normalize="identifier", any_order=True)
    assert keys_match(q, ("b=y", "a=x"))
    assert not keys_match(q, ("a = x",))
    strict = Question("q1", "exact", "?", ("Adam",))
    assert keys_match(strict, (" Adam",))
    assert not keys_match(strict, ("adam",))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("raise ValueError('no data')", "tanh_quarter: raised ValueError: no data"),
        ("return 'x'", "tanh_quarter: returned 'x', not a finite number (q3)"),
        ("return float('nan')", "returned nan, not a finite number (q3)"),
        ("return True", "returned True, not a finite number (q3)"),
        ("return reference('nope')", "nope: no such assignment"),
    ],
)
def test_a_broken_key_function_names_keys_py_and_the_function(tmp_path, body, problem):
    keys = (
        f"def tanh_quarter(reference):\n    {body}\n\ndef z_shape(reference):\n    return (85, 1)\n"
    )
    quiz = read_assignment(write_quiz(tmp_path, keys=keys))
    with pytest.raises(AssignmentError) as caught:
        compute_keys(quiz, {})
    assert problem in str(caught.value)
    if "no such assignment" not in problem:
        assert caught.value.path == str(quiz.folder / "keys.py")


@pytest.mark.parametrize(
    ("returned", "problem"),
    [("[85, -1]", "not a shape"), ("[85, 1.0]", "not a shape"), ("'85, 1'", "not a shape")],
)
def test_a_key_of_the_wrong_type_is_refused(tmp_path, returned, problem):
    keys = (
        "def tanh_quarter(reference):\n    return 0.2449186624037092\n\n"
        f"def z_shape(reference):\n    return {returned}\n"
    )
    quiz = read_assignment(write_quiz(tmp_path, keys=keys))
    with pytest.raises(AssignmentError, match=problem):
        compute_keys(quiz, {})


def test_numpy_values_are_keys_too(tmp_path):
    keys = (
        "import numpy as np\n\n"
        "def tanh_quarter(reference):\n    return np.tanh(np.float64(0.25))\n\n"
        "def z_shape(reference):\n    return np.zeros((85, 1)).shape\n"
    )
    quiz = read_assignment(write_quiz(tmp_path, keys=keys))
    assert all(k.ok for k in compute_keys(quiz, {}))
