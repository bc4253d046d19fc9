"""The seeds' quizzes: rnn-quiz (seed 002) and lstm-quiz (seed 000).

Their manifests load as the seeds ask them, every computed key equals the stored one, and the
answer files in ``answers/`` (all right, all wrong, partly right) grade to the expected scores,
both through the engine and through ``markwell grade QUIZ FILE.json``. The keys and why are in
``reference/rnn-quiz/README.md`` and ``reference/lstm-quiz/README.md``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from graders import load_catalog
from graders.assignments.catalog import load_module
from graders.quiz import check_keys, compute_keys, grade_answers, read_answers

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = Path(__file__).resolve().parent / "answers"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def rnn_quiz(catalog):
    return catalog["rnn-quiz"]


@pytest.fixture(scope="module")
def lstm_quiz(catalog):
    return catalog["lstm-quiz"]


@pytest.fixture(scope="module")
def lstm_keys(catalog, lstm_quiz):
    """Every computed key of lstm-quiz (computing them trains the reference once, about 1 s)."""
    return compute_keys(lstm_quiz, catalog)


# -- the manifests --------------------------------------------------------------------------


def test_rnn_quiz_has_the_seeds_ten_questions_in_order(rnn_quiz):
    assert rnn_quiz.kind == "quiz"
    assert rnn_quiz.seed == "002"
    assert [q.id for q in rnn_quiz.questions] == [f"q{n}" for n in range(1, 11)]
    # Every question of the seed offers four options.
    assert [len(q.options) for q in rnn_quiz.questions] == [4] * 10
    assert [q.type for q in rnn_quiz.questions] == ["single"] * 2 + ["multiple"] + ["single"] * 7
    assert all(q.points == 1 for q in rnn_quiz.questions)
    assert rnn_quiz.max_score == 10
    assert rnn_quiz.quiz.attempts == 3
    assert rnn_quiz.quiz.time_limit_minutes is None
    assert all(q.explanation for q in rnn_quiz.questions)
    assert not any(q.computed for q in rnn_quiz.questions)


def test_rnn_quiz_keys_are_the_readmes(rnn_quiz):
    keys = {q.id: q.answer for q in rnn_quiz.questions}
    assert keys == {
        "q1": "a",  # the explanation: x^{(i)<j>}; the seed's check mark sits under d
        "q2": "a",
        "q3": ("b", "d"),  # no mark in the seed: sentiment and gender recognition
        "q4": "c",
        "q5": "d",
        "q6": "b",  # no mark in the seed: exploding gradients
        "q7": "b",
        "q8": "c",
        "q9": "a",
        "q10": "c",
    }
    q3 = rnn_quiz.questions[2]
    assert q3.partial == "right-minus-wrong"


def test_rnn_quiz_options_keep_the_seeds_order(rnn_quiz):
    by_id = {q.id: q for q in rnn_quiz.questions}
    assert by_id["q1"].options == ("x^{(i)<j>}", "x^{<i>(j)}", "x^{(j)<i>}", "x^{<j>(i)}")
    assert by_id["q3"].options[0].startswith("Speech recognition")
    assert by_id["q3"].options[3].startswith("Gender recognition")
    assert by_id["q7"].options == ("1", "100", "300", "10000")
    assert "Γ_u" in by_id["q7"].prompt  # the seed's Γ_M
    assert by_id["q10"].options[2].startswith("Unidirectional RNN, because the value of y^{<t>}")


def test_lstm_quiz_has_the_seeds_eight_questions_in_order(lstm_quiz):
    assert lstm_quiz.kind == "quiz"
    assert lstm_quiz.seed == "000"
    questions = lstm_quiz.questions
    assert [q.id for q in questions] == [f"q{n}" for n in range(1, 9)]
    assert [q.type for q in questions] == [
        "number",
        "number",
        "number",
        "number",
        "exact",
        "integer",
        "shape",
        "number",
    ]
    assert [(q.rule, q.decimals) for q in questions[:4]] == [
        ("truncate", 1),
        ("truncate", 2),
        ("truncate", 5),
        ("truncate", 5),
    ]
    assert (questions[4].normalize, questions[4].any_order) == ("identifier", True)
    assert questions[7].rule == "range"
    assert all(q.points == 1 for q in questions)
    assert lstm_quiz.max_score == 8
    assert lstm_quiz.quiz.time_limit_minutes == 15
    assert lstm_quiz.quiz.attempts == 1
    # Every key is computed from the lstm-scratch reference, none typed by hand.
    assert all(q.computed for q in questions)


# -- the computed keys ----------------------------------------------------------------------


def test_every_computed_key_equals_the_stored_one(catalog, lstm_quiz, lstm_keys):
    assert check_keys(lstm_quiz, catalog) == ()
    assert [k.question for k in lstm_keys] == [f"q{n}" for n in range(1, 9)]
    assert all(k.ok for k in lstm_keys)
    assert check_keys(catalog["rnn-quiz"], catalog) == ()


def test_the_computed_keys_are_the_references_values(catalog, lstm_keys):
    reference = load_module(catalog["lstm-scratch"], "reference.py")
    values = reference.quiz_values()
    computed = {k.question: k.computed for k in lstm_keys}
    assert computed["q1"] == values["sigmoid(0)"] == 0.5
    assert computed["q2"] == values["dsigmoid(sigmoid(0))"] == 0.25
    assert computed["q3"] == values["tanh(dsigmoid(sigmoid(0)))"]
    assert computed["q4"] == values["dtanh(tanh(dsigmoid(sigmoid(0))))"]
    assert set(computed["q5"]) == {f"{k} = {v}" for k, v in reference.QUIZ_SIZES.items()}
    assert computed["q6"] == values["len(forward(...))"] == 9
    assert computed["q7"] == values["z.shape"] == (85, 1)
    typed = {k.question: k.typed for k in lstm_keys}
    assert (typed["q1"], typed["q2"], typed["q3"], typed["q4"]) == (
        "0.5",
        "0.25",
        "0.24491",
        "0.94001",
    )
    low, high = computed["q8"]
    assert high - low == pytest.approx(2 * reference.LOSS_TOLERANCE)


def test_a_stored_key_that_differs_is_caught(catalog, lstm_quiz):
    """The check is not vacuous: a hand-typed rounded q3 and the assignment's graded training
    run's range for q8 both differ from what keys.py computes."""
    reference = load_module(catalog["lstm-scratch"], "reference.py")
    graded_run = tuple(round(b, 4) for b in reference.loss_range())
    questions = tuple(
        replace(q, answer=0.24492)
        if q.id == "q3"
        else replace(q, answer=graded_run)
        if q.id == "q8"
        else q
        for q in lstm_quiz.questions
    )
    differing = check_keys(replace(lstm_quiz, questions=questions), catalog)
    assert [k.question for k in differing] == ["q3", "q8"]


def test_q8_is_the_run_the_starter_notebook_makes(catalog, lstm_quiz):
    keys = load_module(lstm_quiz, "keys.py")
    folder = catalog["lstm-scratch"].folder
    text, settings = keys.notebook_training_run(folder / "starter.ipynb")
    assert settings == {
        "hidden": 10,
        "time_steps": 25,
        "learning_rate": 0.1,
        "seed": 5,
        "iterations": 500,
    }
    assert text.startswith("Four score and seven years ago")
    assert keys.notebook_training_run(folder / "solution.ipynb") == (text, settings)


def test_q8_range_holds_what_the_solution_notebook_prints(catalog, lstm_quiz):
    """Run the solution notebook's code cells here, as a student would run the notebook: its
    last printed loss is inside the stored range."""
    notebook = json.loads((catalog["lstm-scratch"].folder / "solution.ipynb").read_text())
    state = np.random.get_state()
    namespace: dict = {}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code":
                    exec("".join(cell["source"]), namespace)
    finally:
        np.random.set_state(state)
    last = [line for line in printed.getvalue().splitlines() if line.startswith("iter 499,")]
    assert len(last) == 1
    loss = last[0].split("loss ")[1]
    low, high = next(q.answer for q in lstm_quiz.questions if q.id == "q8")
    assert low <= float(loss) <= high
    result = grade_answers(lstm_quiz, {"q8": loss})
    assert result.tests[7].status == "passed"


@pytest.mark.parametrize(
    ("loop", "message"),
    [
        ("", "expected one iterations, found 0"),
        ("for iteration in range(500):\n    pass\n" * 2, "expected one iterations, found 2"),
        ("for iteration in range(n):\n    pass\n", "iterations is 'n', not a literal value"),
    ],
)
def test_notebook_training_run_refuses_a_notebook_it_cannot_read(
    tmp_path, lstm_quiz, loop, message
):
    """A changed notebook makes the key's computation fail, naming the setting, rather than
    silently train another run."""
    keys = load_module(lstm_quiz, "keys.py")
    cells = [
        {"cell_type": "code", "source": ['data = "abc"\n', "Hidden_Layer_size = 10\n"]},
        {"cell_type": "code", "source": ["time_steps = 25\nlearning_rate = 1e-1\n"]},
        {"cell_type": "code", "source": ["np.random.seed(5)\n", loop]},
    ]
    path = tmp_path / "notebook.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    with pytest.raises(ValueError, match=re.escape(message)):
        keys.notebook_training_run(path)


# -- the answer files -----------------------------------------------------------------------

EXPECTED = {
    "rnn-quiz-right.json": {f"q{n}": 1.0 for n in range(1, 11)},
    "rnn-quiz-wrong.json": {f"q{n}": 0.0 for n in range(1, 11)},
    # q3: one of the two right tasks and nothing wrong; q7: "B" is b; q9 unanswered.
    "rnn-quiz-partial.json": {
        "q1": 1.0,
        "q2": 1.0,
        "q3": 0.5,
        "q4": 1.0,
        "q5": 0.0,
        "q6": 1.0,
        "q7": 1.0,
        "q8": 0.0,
        "q9": 0.0,
        "q10": 1.0,
    },
    "lstm-quiz-right.json": {f"q{n}": 1.0 for n in range(1, 9)},
    "lstm-quiz-wrong.json": {f"q{n}": 0.0 for n in range(1, 9)},
    # q3 "0.2449" has 4 decimals; q7 is the seed notebook's 100-unit shape; q8 a mistake's loss.
    "lstm-quiz-partial.json": {
        "q1": 1.0,
        "q2": 1.0,
        "q3": 0.0,
        "q4": 1.0,
        "q5": 1.0,
        "q6": 1.0,
        "q7": 0.0,
        "q8": 0.0,
    },
}
MISSING = {"rnn-quiz-partial.json": {"q9"}}


def _quiz_of(filename: str) -> str:
    return filename.rsplit("-", 1)[0]


def _markwell(*args: str) -> subprocess.CompletedProcess:
    """``markwell ARGS`` in a fresh process, on the built-in catalog only."""
    env = {k: v for k, v in os.environ.items() if k != "MARKWELL_ASSIGNMENTS_PATH"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _check_result(doc: dict, filename: str) -> None:
    expected = EXPECTED[filename]
    assert doc["status"] == "graded"
    assert doc["assignment"] == _quiz_of(filename)
    assert {t["name"]: t["score"] for t in doc["tests"]} == expected
    assert [t["name"] for t in doc["tests"]] == list(expected)
    assert doc["score"] == pytest.approx(sum(expected.values()))
    assert doc["max_score"] == len(expected)
    for test in doc["tests"]:
        if test["name"] in MISSING.get(filename, set()):
            assert test["status"] == "missing"
        else:
            assert test["status"] == ("passed" if test["score"] == 1 else "failed")


def test_every_answer_file_is_tested():
    assert sorted(p.name for p in ANSWERS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_answer_files_grade_to_the_expected_scores(catalog, filename):
    quiz = catalog[_quiz_of(filename)]
    answers = read_answers((ANSWERS / filename).read_bytes(), quiz)
    _check_result(grade_answers(quiz, answers).to_json(), filename)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_markwell_grade_grades_answer_files_offline(catalog, filename):
    done = _markwell("grade", _quiz_of(filename), str(ANSWERS / filename), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    _check_result(doc, filename)
    quiz = catalog[_quiz_of(filename)]
    answers = read_answers((ANSWERS / filename).read_bytes(), quiz)
    assert doc == grade_answers(quiz, answers).to_json()


def test_markwell_grade_prints_a_table_for_a_quiz():
    done = _markwell("grade", "lstm-quiz", str(ANSWERS / "lstm-quiz-partial.json"))
    assert done.returncode == 0, done.stderr
    assert "lstm-quiz: 5/8" in done.stdout
    assert "The question asks for 5 decimals; your answer has 4." in done.stdout


# -- what students type ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "typed", "right"),
    [
        # q1-q4: cut, never rounded; fewer decimals than asked is another number.
        ("q1", "0.5", True),
        ("q1", ".5", True),
        ("q1", "0.50", True),
        ("q1", "0.4", False),
        ("q2", "0.25", True),
        ("q2", "2.5e-1", True),
        ("q2", "0.2350", False),  # dsigmoid of the raw input
        ("q3", "0.24491", True),
        ("q3", " 0.24491 ", True),
        ("q3", "0.244918", True),  # more decimals than asked: cut like the key
        ("q3", "0.24491866240370913", True),
        ("q3", "0.2449", False),  # 4 decimals
        ("q3", "0.24492", False),  # rounded
        ("q3", "0,24491", False),  # a decimal comma: refused with a message
        ("q4", "0.94001", True),
        ("q4", "0.94002", False),
        ("q4", "0.94233", False),  # dtanh of the raw input
        # q5: spaces do not matter, order does not matter, case does.
        ("q5", "size_a = Hidden_Layer_size; size_b = z_size; size_c = X_size", True),
        ("q5", "size_a=Hidden_Layer_size;size_b=z_size;size_c=X_size", True),
        ("q5", "size_b=z_size\nsize_a = Hidden_Layer_size\n  size_c= X_size", True),
        ("q5", "size_c = X_size; size_b =z_size; size_a= Hidden_Layer_size", True),
        ("q5", "size_a = hidden_layer_size; size_b = z_size; size_c = X_size", False),
        ("q5", "size_a = Hidden_Layer_size; size_b = z_size", False),
        ("q5", "size_a = Hidden_Layer_size, size_b = z_size, size_c = X_size", False),
        ("q5", "size_a = Hidden_Layer_size; size_b = X_size; size_c = z_size", False),
        # q6, q7
        ("q6", "9", True),
        ("q6", " 9 ", True),
        ("q6", "10", False),
        ("q7", "(85, 1)", True),
        ("q7", "(85,1)", True),
        ("q7", "85, 1", True),
        ("q7", "(1, 85)", False),
        ("q7", "(46, 1)", False),  # the notebook's own text: 36 characters
        ("q7", "(175, 1)", False),  # the seed notebook's 100 hidden units
        # q8: the starter notebook's last printed loss, within 0.1.
        ("q8", "76.538208", True),
        ("q8", "76.5382", True),
        ("q8", "76.54", True),
        ("q8", "77.353515", False),  # forward without biases
        ("q8", "92.042686", False),  # the lstm-scratch assignment's graded run
        ("q8", "5.822303", False),  # the seed's 50,000 iterations
        ("q8", "1.940444", False),  # the seed's second run
    ],
)
def test_lstm_quiz_reads_what_students_type(lstm_quiz, question, typed, right):
    result = grade_answers(lstm_quiz, {question: typed})
    test = next(t for t in result.tests if t.name == question)
    assert test.status == ("passed" if right else "failed"), test.feedback
    assert test.score == (1.0 if right else 0.0)


def test_a_decimal_comma_is_told_not_crashed(lstm_quiz):
    test = grade_answers(lstm_quiz, {"q3": "0,24491"}).tests[2]
    assert test.status == "failed"
    assert "comma" in test.feedback


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        (["b", "d"], 1.0),
        (["d", "b"], 1.0),
        (["B", "D"], 1.0),
        (["b"], 0.5),
        (["d"], 0.5),
        (["b", "c", "d"], 0.5),
        (["a", "b", "d"], 0.5),
        (["a", "b"], 0.0),
        (["a", "c"], 0.0),
        (["a", "b", "c", "d"], 0.0),
    ],
)
def test_rnn_q3_partial_credit(rnn_quiz, typed, score):
    test = grade_answers(rnn_quiz, {"q3": typed}).tests[2]
    assert test.name == "q3"
    assert test.score == pytest.approx(score)


@pytest.mark.parametrize(
    ("typed", "right"), [("a", True), ("A", True), (" a ", True), ("d", False)]
)
def test_rnn_q1_is_a_not_the_seeds_check_mark(rnn_quiz, typed, right):
    test = grade_answers(rnn_quiz, {"q1": typed}).tests[0]
    assert test.status == ("passed" if right else "failed")
