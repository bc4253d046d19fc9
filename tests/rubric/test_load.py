"""rubrics.toml: read into records, refused with the file, the question and the item, and
checked against the assignment's free-text questions."""

from __future__ import annotations

import textwrap

import pytest

from graders import AssignmentError, load_rubrics, read_assignment
from graders.rubric import Rubric, RubricItem, RubricQuestion, check_rubric, rubric_from_dict
from tests.freetext.fixtures import QUESTIONS, RUBRICS, write_notebook_assignment, write_quiz


def rubric_error(tmp_path, text: str) -> AssignmentError:
    (tmp_path / "rubrics.toml").write_text(textwrap.dedent(text))
    with pytest.raises(AssignmentError) as caught:
        load_rubrics(tmp_path)
    return caught.value


def test_a_rubric_file_reads_into_questions_and_items(tmp_path):
    (tmp_path / "rubrics.toml").write_text(textwrap.dedent(RUBRICS))
    rubric = load_rubrics(tmp_path)
    assert list(rubric) == ["q1", "q2"]
    q1 = rubric["q1"]
    assert q1.floor and not rubric["q2"].floor
    assert q1.items[0] == RubricItem("vanishing", "Names vanishing gradients", 1.0, "Cause")
    assert q1.items[2].points == -1 and q1.most == 2


def test_no_file_is_an_empty_rubric(tmp_path):
    assert load_rubrics(tmp_path) == Rubric()


def test_a_wrong_item_field_names_the_file_the_question_and_the_item(tmp_path):
    error = rubric_error(
        tmp_path,
        """
        [q1]
        [[q1.items]]
        id = "a"
        text = "x"
        points = 1
        [[q1.items]]
        id = "b"
        text = "y"
        points = "two"
        """,
    )
    assert error.path.endswith("rubrics.toml")
    assert (error.field, error.problem) == ("q1.items[1] (b).points", "must be a number, not str")


@pytest.mark.parametrize(
    ("item", "field", "problem"),
    [
        ('id = "A B"\ntext = "x"\npoints = 1', "q1.items[0].id", "lower-case"),
        ('id = "a"\ntext = " "\npoints = 1', "q1.items[0] (a).text", "must say"),
        ('id = "a"\ntext = "x"\npoints = inf', "q1.items[0] (a).points", "finite"),
        ('id = "a"\ntext = "x"\npoints = 1\nweight = 2', "q1.items[0] (a).weight", "unknown"),
        ('id = "a"\ntext = "x"', "q1.items[0] (a).points", "is required"),
    ],
)
def test_every_malformed_item_is_refused_precisely(tmp_path, item, field, problem):
    error = rubric_error(tmp_path, f"[q1]\n[[q1.items]]\n{item}\n")
    assert error.field == field and problem in error.problem


def test_item_ids_are_unique_within_a_question(tmp_path):
    items = '[[q1.items]]\nid = "a"\ntext = "x"\npoints = 1\n'
    error = rubric_error(tmp_path, f"[q1]\n{items}{items}")
    assert error.field == "q1.items[1] (a).id" and "unique" in error.problem


def test_a_question_needs_items_and_must_be_a_table(tmp_path):
    assert "at least one" in rubric_error(tmp_path, "[q1]\nitems = []\n").problem
    assert rubric_error(tmp_path, "q1 = 3\n").field == "q1"
    assert "not valid TOML" in rubric_error(tmp_path, "[q1\n").problem


def test_every_free_text_question_needs_a_rubric(tmp_path):
    with pytest.raises(AssignmentError, match=r"missing: every free-text question needs a rubric"):
        read_assignment(write_notebook_assignment(tmp_path, rubrics=None))
    only_q1 = RUBRICS.split("[q2]")[0]
    with pytest.raises(AssignmentError, match=r"has no \[q2\]"):
        read_assignment(write_quiz(tmp_path, rubrics=only_q1))


def test_a_rubric_for_an_unknown_or_keyed_question_is_refused(tmp_path):
    unknown = RUBRICS + '\n[q9]\n[[q9.items]]\nid = "a"\ntext = "x"\npoints = 1\n'
    with pytest.raises(AssignmentError) as caught:
        read_assignment(write_quiz(tmp_path / "a", rubrics=unknown))
    assert (caught.value.field, caught.value.problem) == (
        "q9",
        "no such question (free-text ones: q1, q2)",
    )
    keyed = RUBRICS + '\n[c1]\n[[c1.items]]\nid = "a"\ntext = "x"\npoints = 1\n'
    with pytest.raises(AssignmentError, match="c1 is not a free-text question"):
        read_assignment(write_quiz(tmp_path / "b", rubrics=keyed))


def test_the_positive_items_must_reach_the_question_s_points(tmp_path):
    short = QUESTIONS.replace("points = 2", "points = 3", 1)
    with pytest.raises(AssignmentError) as caught:
        read_assignment(write_notebook_assignment(tmp_path, questions=short))
    assert caught.value.field == "q1.items"
    assert "add up to 2, below the question's 3 points" in caught.value.problem


def test_positive_items_above_the_points_are_capped_and_accepted():
    rubric = Rubric(
        (RubricQuestion("q1", True, (RubricItem("a", "x", 2), RubricItem("b", "y", 2))),)
    )

    class Q:
        id, type, points = "q1", "free-text", 3.0

    check_rubric(rubric, [Q()], "rubrics.toml")


def test_the_assignment_carries_its_rubric(tmp_path):
    assignment = read_assignment(write_notebook_assignment(tmp_path))
    assert list(assignment.rubric) == ["q1", "q2"]
    assert assignment.rubric == rubric_from_dict(
        __import__("tomllib").loads(textwrap.dedent(RUBRICS))
    )
