"""The rnn-numpy assignment graded end to end, through the real sandbox.

The solution notebook scores 100 with every test passed, the starter notebook 0 without a crash,
and every mutant (the solution with the mutant's file appended as a last cell, as
``markwell validate`` builds it) loses marks on its own function, with feedback that names the
mistake. The few checks that need no sandbox (the seed cases against the seed's printed numbers,
the accepted readings) run in this process.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_code_cell

from graders import Assignment, Case, CheckRun, evaluate
from graders.assignments import load_module, read_assignment
from graders.judge.trusted import Trusted
from tests.reference.test_rnn_numpy_reference import GRADED

FOLDER = Path(__file__).resolve().parents[2] / "reference" / "rnn-numpy"
RNN = read_assignment(FOLDER)
MUTANTS = {m.id: m for m in RNN.mutants}
KNOWN_MISTAKE = "This matches a known mistake: "


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return RNN


# -- the assignment itself (no sandbox) -----------------------------------------------------


def test_the_manifest_checks_every_function_for_100_points():
    assert [c.function for c in RNN.checks] == list(GRADED)
    assert RNN.max_score == 100
    assert len(RNN.mutants) == 23


# One number per seed case, as the seed printed it: the generators rebuild its test cells.
PRINTED = {
    "seed_rnn_cell_forward": (lambda out: out[0][4][0], 0.59584544),
    "seed_rnn_forward": (lambda out: out[1][1][3][0], 0.79560373),
    "seed_lstm_cell_forward": (lambda out: out[1][2][0], 0.63267805),
    "seed_lstm_forward": (lambda out: out[2][1][2][1], -0.8555449167181981),
    "seed_gru_cell_forward": (lambda out: out[0][2][0], 0.96835301),
    "seed_gru_forward": (lambda out: out[1][1][2][1], 1.5179668926616001),
    "seed_rnn_cell_backward": (lambda out: out["dxt"][1][2], -0.4605641030588796),
    "seed_rnn_backward": (lambda out: out["dWax"][3][1], 11.264104496527777),
    "seed_gru_cell_backward": (lambda out: out["da_prev"][2][3], 0.07043422916503733),
    "seed_gru_backward": (lambda out: out["dc0"][2][3], -2.464280256218576),
}


@pytest.mark.parametrize("check", [c for c in RNN.checks if c.seed_cases], ids=lambda c: c.function)
def test_seed_cases_give_the_numbers_the_seed_printed(check):
    reference = load_module(RNN, "reference.py")
    checks = load_module(RNN, "checks.py")
    (name,) = check.seed_cases
    pick, printed = PRINTED[name]
    args = getattr(checks, name)(reference)
    assert float(pick(getattr(reference, check.function)(*args))) == pytest.approx(
        printed, abs=1e-8
    )
    # The generator never touches NumPy's global generator (grading threads share it).
    np.random.seed(7)
    state = np.random.get_state()[1].copy()
    getattr(checks, name)(reference)
    assert (np.random.get_state()[1] == state).all()


def test_the_gru_backward_seed_case_has_the_short_da():
    reference = load_module(RNN, "reference.py")
    da, (caches, x) = load_module(RNN, "checks.py").seed_gru_backward(reference)
    assert da.shape == (5, 10, 4) and x.shape == (3, 10, 7) and len(caches) == 7
    random_da, (_, random_x) = load_module(RNN, "checks.py").gru_backward_inputs(
        np.random.default_rng(0), reference
    )
    assert random_da.shape[2] == random_x.shape[2]


def test_gru_backward_with_steps_from_x_keeps_the_random_case_marks():
    trusted = Trusted(RNN)
    cases = [
        Case(
            "seed_gru_backward",
            None,
            verdict="error",
            detail="raised IndexError: index 4 is out of bounds for axis 2 with size 4",
        )
    ]
    for seed in (1, 2):
        args = trusted.inputs(Case("gru_backward_inputs", seed))
        got = trusted.reference.gru_backward(*copy.deepcopy(args))
        cases.append(Case("gru_backward_inputs", seed, got=got))
    result = evaluate(RNN, [CheckRun("gru_backward", tuple(cases))], trusted)
    test = next(t for t in result.tests if t.name == "gru_backward")
    assert (test.score, test.status) == (12, "passed")
    assert "Not scored: gru_backward raised IndexError" in test.feedback


# -- through the sandbox --------------------------------------------------------------------


def test_the_solution_scores_full_marks_with_every_test_passed(graded):
    solution = graded("solution")
    result = solution.result
    assert result.status == "graded"
    assert (result.score, result.max_score) == (100, 100)
    assert {t.status for t in result.tests} == {"passed"}
    # Every check with a seed case ran it first, then its random cases.
    for run, check in zip(solution.runs, RNN.checks, strict=True):
        assert [c.seed is None for c in run.cases] == [True] * len(check.seed_cases) + [
            False
        ] * check.random_cases
    tests = graded.by_name(solution)
    assert tests["gru_cell_backward"].feedback.startswith(
        "Your gradients match the course's formulas"
    )
    assert tests["gru_backward"].feedback.startswith("Your gradients match the course's formulas")
    assert tests["update_parameters_with_adam/parameters"].feedback.startswith(
        "Your update puts epsilon inside the square root"
    )
    assert tests["softmax"].feedback == ""


def test_the_starter_scores_zero_without_crashing(graded):
    result = graded("starter").result
    assert result.status == "graded"
    assert (result.score, result.max_score) == (0, 100)
    assert len(result.tests) == 31
    assert {t.status for t in result.tests} <= {"error", "failed"}
    assert all(t.feedback for t in result.tests)


# Accepted readings a student may write instead of the course's: each earns full marks.
ACCEPTED_READINGS = """
def softmax(x):
    e_x = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e_x / np.sum(e_x, axis=0, keepdims=True)


def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    for key in list(parameters):
        g = grads["d" + key]
        v["d" + key] = beta1 * v["d" + key] + (1 - beta1) * g
        s["d" + key] = beta2 * s["d" + key] + (1 - beta2) * g**2
        v_hat = v["d" + key] / (1 - beta1**t)
        s_hat = s["d" + key] / (1 - beta2**t)
        parameters[key] = parameters[key] - learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
    return parameters, v, s


def gru_cell_backward(da_next, cache):
    (_, _, c_prev, ut, rt, cct, xt, parameters) = cache
    Wu, Wr, Wc = parameters["Wu"], parameters["Wr"], parameters["Wc"]
    n_c = c_prev.shape[0]
    du = da_next * (cct - c_prev) * ut * (1 - ut)
    dcc = da_next * ut * (1 - cct**2)
    d_rc = Wc[:, :n_c].T.dot(dcc)  # the gradient of rt * c_prev
    dr = d_rc * c_prev * rt * (1 - rt)
    cx = np.concatenate((c_prev, xt), axis=0)
    rcx = np.concatenate((rt * c_prev, xt), axis=0)
    da_prev = da_next * (1 - ut) + d_rc * rt + Wu[:, :n_c].T.dot(du) + Wr[:, :n_c].T.dot(dr)
    return {
        "dxt": Wu[:, n_c:].T.dot(du) + Wc[:, n_c:].T.dot(dcc) + Wr[:, n_c:].T.dot(dr),
        "da_prev": da_prev,
        "dc_prev": da_prev,
        "dWu": du.dot(cx.T),
        "dWr": dr.dot(cx.T),
        "dWc": dcc.dot(rcx.T),
        "dbc": dcc.sum(axis=1, keepdims=True),
        "dbu": du.sum(axis=1, keepdims=True),
        "dbr": dr.sum(axis=1, keepdims=True),
    }
"""


def test_accepted_readings_earn_full_marks_with_a_note_saying_which(graded):
    notebook = graded.solution()
    notebook.cells.append(new_code_cell(ACCEPTED_READINGS))
    readings = graded.notebook(notebook)
    assert readings.result.score == 100
    tests = graded.by_name(readings)
    # The solution's gru_backward now runs on the exact cell gradient, so it is exact too.
    assert tests["gru_cell_backward"].feedback.startswith(
        "Your gradients match the exact gradient of gru_cell_forward"
    )
    assert tests["gru_backward"].feedback.startswith(
        "Your gradients match the exact gradient of gru_forward"
    )
    assert tests["update_parameters_with_adam/parameters"].feedback.startswith(
        "Your update puts epsilon outside the square root"
    )
    # Every shift agrees on the graded logits: no reading to point out.
    assert tests["softmax"].feedback == ""


@pytest.mark.parametrize("mutant_id", sorted(MUTANTS))
def test_a_mutant_loses_marks_on_its_function_and_is_named(graded, mutant_id):
    mutant = MUTANTS[mutant_id]
    result = graded(mutant_id).result
    assert result.status == "graded"
    target = [t for t in result.tests if t.name.split("/")[0] == mutant.target]
    lost = [t for t in target if t.score < t.max_score]
    assert lost, f"{mutant_id} lost no marks on {mutant.target}"
    assert result.score < 100
    named = KNOWN_MISTAKE + mutant.description
    # The student's function is the mutant, so every output it gets wrong is the mutant's.
    for test in lost:
        assert test.status == "failed", test
        assert named in test.feedback, test


PINNED = {
    ("rnn-cell-missing-bias", "rnn_cell_forward/a_next"): (
        "rnn_cell_forward: a_next differs from the reference at [0, 0]: expected 0.9544, "
        "got 0.968 (50 of 50 values differ; shapes (5, 10) and (5, 10)) (on the assignment's own "
        "test case). This matches a known mistake: a_next leaves out the bias ba: "
        "tanh(Wax xt + Waa a_prev)."
    ),
    ("rnn-cell-backward-dba-not-summed", "rnn_cell_backward"): (
        "rnn_cell_backward['dba'] has shape (5, 10), expected (5, 1) (on the "
        "assignment's own test case). This matches a known mistake: dba keeps one column per "
        "example instead of summing over the batch (axis 1)."
    ),
    ("rnn-backward-forgets-da-prev", "rnn_backward"): (
        "rnn_backward['dx'] differs from the reference at [0, 0, 0]: expected "
        "0.2733, got 0.07275 (90 of 120 values differ; shapes (3, 10, 4) and (3, 10, 4)) (on the "
        "assignment's own test case). This matches a known mistake: Each step backpropagates "
        "da[:, :, t] alone, dropping da_prevt from the later step. Your dx agrees neither "
        "with centred finite differences of the reference rnn_forward nor with those of your "
        "own rnn_forward: it is not the gradient of the forward pass, so check its formula."
    ),
}


@pytest.mark.parametrize(("mutant_id", "test_name"), sorted(PINNED))
def test_the_feedback_of_a_known_mistake_word_for_word(graded, mutant_id, test_name):
    # The seed's own case comes first and fails at least as badly as any random case, so the
    # feedback is about it, and the same on every run.
    test = graded.by_name(graded(mutant_id))[test_name]
    assert test.feedback == PINNED[(mutant_id, test_name)]
    expected_score = {
        "rnn_cell_forward/a_next": 0.0,
        "rnn_cell_backward": 8 * 4 / 5,  # dxt, da_prev, dWax and dWaa are right; dba is not
        "rnn_backward": 0.0,
    }[test_name]
    assert test.score == pytest.approx(expected_score)


HALF = (
    "initialize_adam",
    "update_parameters_with_adam",
    "lstm_cell_forward",
    "lstm_forward",
    "rnn_backward",
    "gru_cell_backward",
    "gru_backward",
)


def test_a_notebook_with_half_the_functions_missing_loses_only_their_marks(graded):
    result = graded.without(*HALF).result
    assert result.status == "graded"
    for test in result.tests:
        function = test.name.split("/")[0]
        if function in HALF:
            assert (test.status, test.score) == ("missing", 0), test
            assert test.feedback == (
                f"{function} is not defined: define it with the signature of the starter notebook."
            )
        else:
            assert (test.status, test.score) == ("passed", test.max_score), test
    lost = sum(c.points for c in RNN.checks if c.function in HALF)
    assert result.score == pytest.approx(100 - lost)
