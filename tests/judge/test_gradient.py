"""Finite-difference checks of backward functions: the reference's own gradients pass them,
the seed's GRU formulas fail them exactly where the README says, and a student's feedback
tells a wrong formula from a backward that follows their own wrong forward."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from graders import Case, CheckRun, evaluate, grade, read_assignment
from graders.judge import gradient
from graders.judge.trusted import Trusted
from tests.make_notebook import notebook

RNN = read_assignment(Path(__file__).resolve().parents[2] / "reference" / "rnn-numpy")
TRUSTED = Trusted(RNN)
CHECKS = {c.function: c for c in RNN.checks}


def disagreeing_keys(backward: str, seed: int) -> list[str]:
    """Gradient keys of ``backward`` (a reference function) that finite differences reject."""
    check = CHECKS[backward.removesuffix("_exact")]
    args = getattr(TRUSTED.checks, check.inputs)(np.random.default_rng(seed), TRUSTED.reference)
    probe = TRUSTED.probe(check, args)
    forward = getattr(TRUSTED.reference, probe.forward)
    got = getattr(TRUSTED.reference, backward)(*args)
    return [
        key
        for key in probe.wrt
        if not gradient.agree(
            gradient.analytic(got, probe, key, seed),
            gradient.numeric(lambda inputs: forward(*inputs), probe, key, seed),
        )
    ]


@pytest.mark.parametrize(
    "backward",
    ["rnn_cell_backward", "rnn_backward", "gru_cell_backward_exact", "gru_backward_exact"],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_reference_gradients_agree_with_finite_differences(backward, seed):
    assert disagreeing_keys(backward, seed) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_seeds_gru_formulas_differ_from_the_exact_gradient_where_the_readme_says(seed):
    # dc_prev is the same array as da_prev in the seed's dict.
    assert disagreeing_keys("gru_cell_backward", seed) == [
        "dxt",
        "da_prev",
        "dc_prev",
        "dWr",
        "dbr",
    ]


def test_directions_are_the_same_for_the_same_seed_and_key():
    a = gradient.direction(7, "dWax", (3, 4))
    assert np.array_equal(a, gradient.direction(7, "dWax", (3, 4)))
    assert not np.array_equal(a, gradient.direction(7, "dWaa", (3, 4)))
    assert not np.array_equal(a, gradient.direction(8, "dWax", (3, 4)))


def test_agreement_needs_two_finite_numbers():
    assert gradient.agree(1.0, 1.0 + 1e-9)
    assert not gradient.agree(1.0, 1.01)
    assert not gradient.agree(None, 1.0)
    assert not gradient.agree(1.0, None)


FORWARD = """
import numpy as np

def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(Wax @ xt + Waa @ a_prev + ba)
    z = Wya @ a_next + by
    yt_pred = np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=0)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
"""

BACKWARD = """
def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    dz = da_next * (1 - a_next ** 2)
    return {
        "dxt": parameters["Wax"].T @ dz,
        "da_prev": parameters["Waa"].T @ dz,
        "dWax": dz @ xt.T,
        "dWaa": dz @ a_prev.T,
        "dba": dz.sum(axis=1, keepdims=True),
    }
"""


def feedback(*cells: str) -> str:
    tests = {t.name: t for t in grade(RNN, notebook(*cells)).result.tests}
    assert tests["rnn_cell_backward"].status == "failed"
    return tests["rnn_cell_backward"].feedback


def test_a_wrong_formula_is_told_it_is_no_gradient_of_either_forward():
    wrong = BACKWARD.replace('"dWaa": dz @ a_prev.T', '"dWaa": dz @ a_next.T')
    assert (
        "Your dWaa agrees neither with centred finite differences of the reference "
        "rnn_cell_forward nor with those of your own rnn_cell_forward: it is not the "
        "gradient of the forward pass, so check its formula."
    ) in feedback(FORWARD, wrong)


def test_a_backward_that_follows_the_students_own_wrong_forward_says_fix_the_forward():
    # Both passes leave out the tanh: the backward is the exact gradient of that forward.
    linear = FORWARD.replace(
        "np.tanh(Wax @ xt + Waa @ a_prev + ba)", "Wax @ xt + Waa @ a_prev + ba"
    )
    consistent = BACKWARD.replace("da_next * (1 - a_next ** 2)", "da_next")
    assert (
        "Your dxt is the exact gradient of your own rnn_cell_forward, which differs from the "
        "reference: fix rnn_cell_forward first, and dxt should follow."
    ) in feedback(linear, consistent)


def adam_feedback(update) -> str:
    """The feedback of ``update_parameters_with_adam/parameters`` for a student's ``update``,
    judged from stored outputs in this process (the same path a regrade takes)."""
    check = CHECKS["update_parameters_with_adam"]
    case = Case(check.inputs, 11)
    got = update(*TRUSTED.inputs(case))
    run = CheckRun(check.function, (dataclasses.replace(case, got=got),))
    tests = {t.name: t for t in evaluate(RNN, [run], TRUSTED).tests}
    assert tests["update_parameters_with_adam/parameters"].status == "failed"
    return tests["update_parameters_with_adam/parameters"].feedback


def test_an_adam_step_that_goes_uphill_is_told_to_check_the_sign():
    def uphill(parameters, grads, v, s, t, learning_rate):
        before = {k: w.copy() for k, w in parameters.items()}
        after, v, s = TRUSTED.reference.update_parameters_with_adam(
            parameters, grads, v, s, t, learning_rate
        )
        return {k: 2 * before[k] - after[k] for k in after}, v, s

    assert "your step goes uphill, so check the sign of the update." in adam_feedback(uphill)


def test_an_adam_step_without_bias_correction_is_told_it_is_the_wrong_size():
    mistake = TRUSTED.mutants["adam-no-bias-correction"]
    text = adam_feedback(lambda *args: mistake(*args))
    assert "This matches a known mistake" in text
    assert "your step goes downhill but 5.8 times as far as the reference's" in text
    assert "check the step size and any bias correction." in text
