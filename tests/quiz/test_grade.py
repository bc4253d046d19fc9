"""Grading a quiz's answers: one test per question, statuses, partial credit, feedback that
helps without giving the key away, and answers that cannot be read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders import grade_answers, read_assignment
from graders.quiz import grade_question
from graders.quiz.questions import Question
from tests.quiz.helpers import RIGHT, write_quiz


@pytest.fixture
def quiz(tmp_path):
    return read_assignment(write_quiz(tmp_path))


def test_all_right_scores_full_marks_in_the_manifest_s_order(quiz):
    result = grade_answers(quiz, RIGHT)
    assert (result.status, result.score, result.max_score) == ("graded", 7.0, 7.0)
    assert [t.name for t in result.tests] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert {t.status for t in result.tests} == {"passed"}
    assert result.tests[0].feedback == "The options are lettered from a."
    assert result.tests[2].max_score == 2


def test_all_wrong_and_none_answered(quiz):
    wrong = {"q1": "a", "q2": ["a", "c"], "q3": "0.24492", "q4": "x = 1", "q5": "8", "q6": "85"}
    result = grade_answers(quiz, wrong)
    assert (result.score, result.max_score) == (0.0, 7.0)
    assert {t.status for t in result.tests} == {"failed"}
    empty = grade_answers(quiz, {})
    assert (empty.status, empty.score) == ("graded", 0.0)
    assert {t.status for t in empty.tests} == {"missing"}
    assert empty.tests[0].feedback == "No answer was given. The options are lettered from a."


def test_partly_right(quiz):
    result = grade_answers(quiz, {**RIGHT, "q2": ["b"], "q3": "0,24491", "q6": None})
    by_name = {t.name: t for t in result.tests}
    assert by_name["q2"].score == 0.5
    assert by_name["q3"].status == "failed"
    assert by_name["q3"].feedback.startswith('"0,24491" has a comma')
    assert by_name["q6"].status == "missing"
    assert result.score == 7 - 0.5 - 2 - 1


def test_the_result_is_the_same_json_as_for_notebooks(quiz):
    doc = grade_answers(quiz, {"q1": "d"}).to_json()
    assert set(doc) == {"assignment", "status", "score", "max_score", "tests"}
    assert doc["tests"][0] == {
        "name": "q1",
        "score": 1.0,
        "max_score": 1.0,
        "status": "passed",
        "feedback": "The options are lettered from a.",
    }


def test_an_answer_to_a_question_the_quiz_does_not_have_rejects_the_answers(quiz):
    result = grade_answers(quiz, {**RIGHT, "q7": "1", "Q1": "d"})
    assert (result.status, result.score, result.max_score, result.tests) == (
        "rejected",
        0.0,
        7.0,
        (),
    )
    assert result.reason == (
        'tiny-quiz has no question "q7", "Q1": its questions are q1, q2, q3, q4, q5, q6'
    )
    assert grade_answers(quiz, ["d"]).status == "rejected"  # type: ignore[arg-type]


def test_a_notebook_assignment_is_not_graded_as_a_quiz(tmp_path):
    from tests.assignments.test_manifest import make_folder

    with pytest.raises(ValueError, match="not a quiz"):
        grade_answers(read_assignment(make_folder(tmp_path)), {})


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "",
        "  ",
        "\u00bd",
        "0,5",
        ["0.5"],
        {"a": 1},
        True,
        float("nan"),
        "x" * 10**6,
        [[[]]],
        "\x00",
        "1e99999999999999999999999999",
    ],
)
def test_no_answer_ever_crashes_a_question_of_any_type(answer):
    questions = [
        Question("q1", "single", "?", "b", options=("x", "y")),
        Question("q1", "multiple", "?", ("b",), options=("x", "y")),
        Question("q1", "exact", "?", ("a",)),
        Question("q1", "exact", "?", ("a", "b"), any_order=True, normalize="identifier"),
        Question("q1", "integer", "?", 3),
        Question("q1", "shape", "?", (3, 1)),
        Question("q1", "number", "?", 0.5, rule="truncate", decimals=1),
        Question("q1", "number", "?", 0.5, rule="sigfig", digits=2),
        Question("q1", "number", "?", (0.0, 1.0), rule="range"),
    ]
    for question in questions:
        test = grade_question(question, answer)
        assert test.score == 0.0
        assert test.status in ("failed", "missing")
        assert test.feedback
        assert len(test.feedback) < 200


def test_empty_and_absent_answers_are_missing_with_different_words():
    question = Question("q1", "integer", "?", 3, explanation="Three.")
    assert grade_question(question, None).feedback == "No answer was given. Three."
    assert grade_question(question, "   ").feedback == "The answer is empty. Three."
    assert grade_question(question, "   ").status == "missing"


# -- check all that apply ---------------------------------------------------------------------

FOUR = ("w", "x", "y", "z")


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        (["b", "d"], 1.0),  # 4 right decisions
        (["b"], 0.5),  # 3 right, 1 wrong (d left out): (3 - 1) / 4
        (["b", "c", "d"], 0.5),  # 3 right, 1 wrong (c chosen)
        (["b", "c"], 0.0),  # 2 right, 2 wrong
        ([], 0.0),  # a and c rightly left out, b and d wrongly: (2 - 2) / 4
        (["a", "c"], 0.0),  # all four wrong: floored at zero
        (["a", "b", "c", "d"], 0.0),
    ],
)
def test_right_minus_wrong(chosen, score):
    question = Question("q3", "multiple", "?", ("b", "d"), points=2, options=FOUR)
    test = grade_question(question, chosen)
    assert test.score == 2 * score
    assert test.status == ("passed" if score == 1 else "failed")


def test_right_minus_wrong_with_an_odd_number_of_options_and_its_feedback():
    question = Question("q3", "multiple", "?", ("a",), options=("u", "v", "w"))
    test = grade_question(question, "a, b")
    assert test.score == pytest.approx(1 / 3)
    assert test.feedback == (
        "You chose a, b: 1 of the options is wrong (chosen but not right, or right but left "
        "out). Each of the 3 options earns 1/3 of the points when right and costs as much "
        "when wrong."
    )
    assert grade_question(question, []).feedback.startswith("You chose no option: ")


def test_all_or_nothing():
    question = Question("q3", "multiple", "?", ("b", "d"), options=FOUR, partial="all-or-nothing")
    assert grade_question(question, "d, b").score == 1.0
    wrong = grade_question(question, ["b"])
    assert wrong.score == 0.0
    assert wrong.feedback.startswith("You chose b: not the right set of options.")


def test_a_multiple_question_whose_key_is_no_option():
    question = Question("q3", "multiple", "?", (), options=("u", "v"))
    assert grade_question(question, []).status == "passed"
    assert grade_question(question, "").status == "missing"


# -- the other types --------------------------------------------------------------------------


def test_single_choice_feedback_names_the_choice_not_the_key():
    question = Question("q1", "single", "?", "d", options=FOUR)
    assert grade_question(question, " D ").status == "passed"
    wrong = grade_question(question, "b")
    assert wrong.feedback == "Option b is not the right answer."
    assert grade_question(question, "e").feedback == "There is no option e: choose from a to d."


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("size_a = Hidden_Layer_size; size_b = z_size; size_c = X_size", True),
        ("size_c=X_size\nsize_a=Hidden_Layer_size\nsize_b=z_size", True),
        (["size_b = z_size", "size_a = Hidden_Layer_size", "size_c = X_size"], True),
        ("size_a = Hidden_Layer_size;size_b = z_size;size_c = X_size;", True),
        (
            "size_a = Hidden_Layer_size; size_a = Hidden_Layer_size; size_b = z_size; "
            "size_c = X_size",
            True,
        ),
        ("size_a = hidden_layer_size; size_b = z_size; size_c = X_size", False),  # case
        ("size_a = Hidden_Layer_size; size_b = z_size", False),
        ("size_a = Hidden_Layer_size; size_b = z_size; size_c = X_size; size_d = 1", False),
    ],
)
def test_exact_identifiers_in_any_order(typed, ok):
    question = Question(
        "q5",
        "exact",
        "?",
        ("size_a = Hidden_Layer_size", "size_b = z_size", "size_c = X_size"),
        normalize="identifier",
        any_order=True,
    )
    assert (grade_question(question, typed).status == "passed") is ok


def test_exact_feedback_says_what_is_wrong_and_how_answers_are_compared():
    question = Question(
        "q5", "exact", "?", ("a = x", "b = y"), normalize="identifier", any_order=True
    )
    test = grade_question(question, "a = x, b = y")
    assert test.feedback == (
        'Your answer is not right: "a = x, b = y" is not right; 2 expected items are missing '
        "(compared without spaces; upper and lower case differ). Separate items with new "
        "lines or ';', not commas."
    )
    test = grade_question(question, "a = x")
    assert test.feedback == (
        "Your answer is not right: 1 expected item is missing (compared without spaces; "
        "upper and lower case differ)."
    )
    assert "y" not in test.feedback.replace("upper", "")


def test_exact_text_and_alternatives():
    question = Question(
        "q1", "exact", "?", ("Exploding gradients", "gradient explosion"), normalize="text"
    )
    assert grade_question(question, "  exploding   GRADIENTS ").status == "passed"
    assert grade_question(question, "Gradient explosion").status == "passed"
    wrong = grade_question(question, "vanishing")
    assert wrong.feedback == (
        '"vanishing" is not the expected answer (compared ignoring case and extra spaces).'
    )
    strict = Question("q1", "exact", "?", ("Adam",))
    assert grade_question(strict, " Adam ").status == "passed"
    assert grade_question(strict, "adam").status == "failed"
    assert grade_question(strict, ["Adam"]).feedback == "Give one answer, not a list of 1 values."


def test_integers_and_shapes():
    nine = Question("q6", "integer", "?", 9)
    assert grade_question(nine, "9.0").status == "passed"
    assert grade_question(nine, 9).status == "passed"
    assert grade_question(nine, "8").feedback == "8 is not the right number."
    shape = Question("q7", "shape", "?", (85, 1))
    for typed in ("(85, 1)", "85,1", "[85, 1]", [85, 1], "torch.Size([85, 1])"):
        assert grade_question(shape, typed).status == "passed", typed
    assert grade_question(shape, "85").feedback == "(85,) is not the expected shape."
    assert grade_question(shape, "(1, 85)").feedback == "(1, 85) is not the expected shape."


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.text(alphabet="0123456789.,-+eE ()[]xabcd;\n\u2212\u0663\uff10"),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=8,
)

ANY_TYPE = [
    Question("q1", "single", "?", "b", options=("x", "y", "z")),
    Question("q1", "multiple", "?", ("b",), options=("x", "y", "z")),
    Question("q1", "exact", "?", ("a = 1",), normalize="identifier"),
    Question("q1", "exact", "?", ("a", "b"), any_order=True, normalize="text"),
    Question("q1", "integer", "?", 3),
    Question("q1", "shape", "?", (3, 1)),
    Question("q1", "number", "?", 0.2449, rule="truncate", decimals=3),
    Question("q1", "number", "?", 0.2449, rule="round", decimals=3),
    Question("q1", "number", "?", 0.2449, rule="abs", tolerance=0.01),
    Question("q1", "number", "?", 0.2449, rule="rel", tolerance=0.01),
    Question("q1", "number", "?", 0.2449, rule="sigfig", digits=2),
    Question("q1", "number", "?", (0.0, 1.0), rule="range"),
]


@given(json_values)
def test_any_json_answer_to_any_question_is_graded_never_raised(answer):
    for question in ANY_TYPE:
        test = grade_question(question, answer)
        assert 0 <= test.score <= test.max_score == question.points
        assert test.status in ("passed", "failed", "missing")
        assert test.feedback or test.status == "passed"
