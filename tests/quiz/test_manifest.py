"""The quiz manifest: a valid quiz folder reads into typed questions, and every malformed field
is refused with the file and the field."""

from __future__ import annotations

import pytest

from graders import AssignmentError, Question, QuizSettings, load_catalog, read_assignment
from tests.assignments.test_manifest import MANIFEST as NOTEBOOK
from tests.assignments.test_manifest import make_folder
from tests.quiz.helpers import QUIZ, write_quiz


def test_a_quiz_folder_reads_into_questions_and_settings(tmp_path):
    quiz = read_assignment(write_quiz(tmp_path))
    assert (quiz.id, quiz.kind, quiz.checks, quiz.mutants) == ("tiny-quiz", "quiz", (), ())
    assert quiz.quiz == QuizSettings(time_limit_minutes=15.0, attempts=2)
    assert quiz.max_score == 7
    assert [q.id for q in quiz.questions] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    single, multiple, number, exact, integer, shape = quiz.questions
    assert single == Question(
        id="q1",
        type="single",
        prompt="Which option is the fourth?",
        answer="d",
        options=("first", "second", "third", "fourth"),
        explanation="The options are lettered from a.",
    )
    assert single.letters == ("a", "b", "c", "d")
    assert (multiple.answer, multiple.partial) == (("b", "d"), "right-minus-wrong")
    assert (number.rule, number.decimals, number.answer, number.points, number.computed) == (
        "truncate",
        5,
        0.24491866240370913,
        2.0,
        "tanh_quarter",
    )
    assert (exact.normalize, exact.any_order, len(exact.answer)) == ("identifier", True, 3)
    assert (integer.answer, shape.answer) == (9, (85, 1))


def test_settings_are_optional_and_a_notebook_assignment_has_no_questions(tmp_path):
    folder = write_quiz(tmp_path, QUIZ.replace("time_limit_minutes = 15\nattempts = 2\n", ""))
    assert read_assignment(folder).quiz == QuizSettings()
    notebook = read_assignment(make_folder(tmp_path / "nb"))
    assert (notebook.questions, notebook.quiz, notebook.max_score) == ((), QuizSettings(), 6)


def test_an_any_order_answer_may_be_one_string_of_lines(tmp_path):
    manifest = QUIZ.replace(
        'answer = ["size_a = Hidden_Layer_size", "size_b = z_size", "size_c = X_size"]',
        'answer = """\nsize_a = Hidden_Layer_size\nsize_b = z_size; size_c = X_size\n"""',
    )
    exact = read_assignment(write_quiz(tmp_path, manifest)).questions[3]
    assert exact.answer == ("size_a = Hidden_Layer_size", "size_b = z_size", "size_c = X_size")


def test_every_rule_and_its_parameter(tmp_path):
    base = 'id = "q9"\ntype = "number"\nprompt = "?"\n'
    cases = {
        'rule = "round"\ndecimals = 0\nanswer = 3': ("round", 0, None, None, 3.0),
        'rule = "abs"\ntolerance = 0.5\nanswer = 3': ("abs", None, 0.5, None, 3.0),
        'rule = "rel"\ntolerance = 0.01\nanswer = -3.5': ("rel", None, 0.01, None, -3.5),
        'rule = "sigfig"\ndigits = 3\nanswer = 1e-320': ("sigfig", None, None, 3, 1e-320),
        'rule = "range"\nanswer = [1, 2.5]': ("range", None, None, None, (1.0, 2.5)),
    }
    for i, (fields, expected) in enumerate(cases.items()):
        folder = write_quiz(tmp_path / str(i), QUIZ + "\n[[questions]]\n" + base + fields)
        q = read_assignment(folder).questions[-1]
        assert (q.rule, q.decimals, q.tolerance, q.digits, q.answer) == expected


Q1 = 'answer = "d"\nexplanation = "The options are lettered from a."'
Q3 = 'rule = "truncate"\ndecimals = 5'


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (('kind = "quiz"', 'kind = "exam"'), "kind", "must be 'notebook' or 'quiz'"),
        (("attempts = 2", "attempts = 0"), "quiz.attempts", "at least 1"),
        (("attempts = 2", 'attempts = "2"'), "quiz.attempts", "must be an integer, not str"),
        (
            ("time_limit_minutes = 15", "time_limit_minutes = 0"),
            "quiz.time_limit_minutes",
            "must be positive",
        ),
        (("time_limit_minutes = 15", "time_limit = 15"), "quiz.time_limit", "unknown field"),
        (('id = "q1"', 'id = "Q 1"'), "questions[0].id", "lower-case letters"),
        (('id = "q2"', 'id = "q1"'), "questions[1].id", "q1 is asked twice"),
        (('type = "single"', 'type = "choice"'), "questions[0].type", "must be one of single,"),
        (('type = "single"', ""), "questions[0].type", "is required"),
        (
            ('prompt = "What is z.shape?"', 'prompt = " "'),
            "questions[5].prompt",
            "must say the question",
        ),
        ((Q1, Q1 + "\npionts = 2"), "questions[0].pionts", "unknown field (known: answer,"),
        ((Q1, 'answer = "e"'), "questions[0].answer", "one of the option letters a to d"),
        ((Q1, 'answer = "D"'), "questions[0].answer", "one of the option letters a to d"),
        ((Q1, "answer = 4"), "questions[0].answer", "must be a string, not int"),
        (
            ('options = ["first", "second", "third", "fourth"]', 'options = ["only"]'),
            "questions[0].options",
            "between 2 and 26 options",
        ),
        (
            ('options = ["first", "second", "third", "fourth"]', 'options = ["a", "a "]'),
            "questions[0].options",
            "two options have the same text",
        ),
        (
            ('options = ["first", "second", "third", "fourth"]', 'options = ["a", 2]'),
            "questions[0].options[1]",
            "must be the option's text",
        ),
        (
            ('answer = ["b", "d"]', 'answer = ["b", "e"]'),
            "questions[1].answer",
            "'e' is not an option letter a to d",
        ),
        (
            ('answer = ["b", "d"]', 'answer = ["b", "b"]'),
            "questions[1].answer",
            "names an option twice",
        ),
        (
            ('answer = ["b", "d"]', 'answer = ["b"]\npartial = "half"'),
            "questions[1].partial",
            "must be one of right-minus-wrong, all-or-nothing",
        ),
        (
            (Q1, Q1 + '\npartial = "all-or-nothing"'),
            "questions[0].partial",
            "only for type multiple, not single",
        ),
        ((Q3, ""), "questions[2].rule", "is required: one of truncate, round"),
        ((Q3, 'rule = "floor"\ndecimals = 5'), "questions[2].rule", "must be one of truncate"),
        ((Q3, 'rule = "truncate"'), "questions[2].decimals", "is required by rule truncate"),
        (
            (Q3, 'rule = "truncate"\ndecimals = 5\ndigits = 3'),
            "questions[2].digits",
            "only for rule sigfig, not truncate",
        ),
        (
            (Q3, 'rule = "abs"\ndecimals = 5'),
            "questions[2].decimals",
            "only for rule truncate or round, not abs",
        ),
        ((Q3, 'rule = "abs"\ntolerance = -1'), "questions[2].tolerance", ">= 0"),
        ((Q3, 'rule = "rel"\ntolerance = nan'), "questions[2].tolerance", "finite"),
        ((Q3, 'rule = "truncate"\ndecimals = 31'), "questions[2].decimals", "between 0 and 30"),
        (
            (Q3, 'rule = "truncate"\ndecimals = 2.5'),
            "questions[2].decimals",
            "must be an integer, not float",
        ),
        ((Q3, 'rule = "sigfig"\ndigits = 0'), "questions[2].digits", "between 1 and 30"),
        ((Q3, 'rule = "range"'), "questions[2].answer", "takes [low, high]"),
        (
            (Q3 + "\nanswer = 0.24491866240370913", 'rule = "range"\nanswer = [2, 1]'),
            "questions[2].answer",
            "the range's low end 2 is above its high end",
        ),
        (
            (Q3 + "\nanswer = 0.24491866240370913", Q3 + "\nanswer = nan"),
            "questions[2].answer",
            "must be a finite number",
        ),
        (
            (Q3 + "\nanswer = 0.24491866240370913", Q3 + '\nanswer = "0.24491"'),
            "questions[2].answer",
            "must be a number, not str",
        ),
        (
            (Q3 + "\nanswer = 0.24491866240370913", Q3 + "\nanswer = true"),
            "questions[2].answer",
            "not a boolean",
        ),
        (
            (Q3, Q3 + '\nnormalize = "text"'),
            "questions[2].normalize",
            "only for type exact, not number",
        ),
        (
            ('normalize = "identifier"', 'normalize = "code"'),
            "questions[3].normalize",
            "must be one of identifier, text, none",
        ),
        (("any_order = true", "any_order = 1"), "questions[3].any_order", "true or false"),
        (
            (
                'answer = ["size_a = Hidden_Layer_size", "size_b = z_size", "size_c = X_size"]',
                'answer = ["size_a = x", "size_a=x"]',
            ),
            "questions[3].answer",
            "the same once normalized",
        ),
        (
            (
                'answer = ["size_a = Hidden_Layer_size", "size_b = z_size", "size_c = X_size"]',
                "answer = []",
            ),
            "questions[3].answer",
            "give the expected answer",
        ),
        (("answer = 9", 'answer = "9"'), "questions[4].answer", "must be an integer, not str"),
        (("answer = [85, 1]", "answer = [85, -1]"), "questions[5].answer", "whole numbers >= 0"),
        (("answer = [85, 1]", "answer = [85, 1.0]"), "questions[5].answer", "whole numbers >= 0"),
        (("points = 2", "points = -2"), "questions[2].points", ">= 0"),
        (
            ('computed = "z_shape"', 'computed = "z-shape"'),
            "questions[5].computed",
            "not a Python identifier",
        ),
        (
            ('computed = "z_shape"', 'computed = "z_size"'),
            "questions[5].computed",
            "keys.py defines no function z_size",
        ),
    ],
)
def test_a_malformed_quiz_names_the_file_and_the_field(tmp_path, change, field, problem):
    old, new = change
    assert old in QUIZ
    folder = write_quiz(tmp_path, QUIZ.replace(old, new, 1))
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert caught.value.path == str(folder / "assignment.toml")
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{folder / 'assignment.toml'}: {field}: ")


@pytest.mark.parametrize(
    ("line", "field", "problem"),
    [
        ('questions = ["q1"]', "questions[0]", "must be a table ([[questions]])"),
        ("questions = {q1 = 1}", "questions", "must be a list, not dict"),
        ("quiz = 15", "quiz", "must be a table, not int"),
    ],
)
def test_questions_and_settings_that_are_not_tables(tmp_path, line, field, problem):
    folder = write_quiz(tmp_path, QUIZ.split("[quiz]")[0] + line + "\n")
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert (caught.value.field, caught.value.problem) == (field, problem)


def test_quiz_and_notebook_fields_do_not_mix(tmp_path):
    folder = write_quiz(tmp_path, QUIZ.split("[[questions]]")[0])
    with pytest.raises(AssignmentError, match="questions: a quiz needs questions"):
        read_assignment(folder)
    checks = NOTEBOOK[NOTEBOOK.index("[[checks]]") :]
    folder = write_quiz(tmp_path / "b", QUIZ + checks)
    with pytest.raises(AssignmentError, match="checks: a quiz has questions, not checks"):
        read_assignment(folder)
    folder = make_folder(tmp_path / "c", NOTEBOOK + "\n[quiz]\nattempts = 1\n")
    with pytest.raises(AssignmentError, match=r"quiz: only a quiz \(kind = \"quiz\"\)"):
        read_assignment(folder)


def test_computed_keys_need_a_keys_file_that_is_python(tmp_path):
    folder = write_quiz(tmp_path, keys=None)
    with pytest.raises(AssignmentError) as caught:
        read_assignment(folder)
    assert (caught.value.path, caught.value.problem) == (
        str(folder / "keys.py"),
        "missing, and questions[2].computed names tanh_quarter",
    )
    (folder / "keys.py").write_text("def tanh_quarter(reference):\n    return (\n")
    with pytest.raises(AssignmentError, match="not valid Python") as caught:
        read_assignment(folder)
    assert caught.value.path == str(folder / "keys.py")


def test_keys_names_may_be_defined_any_way_python_allows(tmp_path):
    keys = "from math import tanh as tanh_quarter\nz_shape = lambda reference: (85, 1)\n"
    assert read_assignment(write_quiz(tmp_path, keys=keys)).id == "tiny-quiz"


def test_the_catalog_holds_quizzes_next_to_notebooks(tmp_path):
    write_quiz(tmp_path / "course")
    make_folder(tmp_path / "course")
    catalog = load_catalog([tmp_path / "course"], builtin=False)
    assert [(a, catalog[a].kind) for a in catalog] == [
        ("double", "notebook"),
        ("tiny-quiz", "quiz"),
    ]
