"""Error carried forward: a function right given the student's own wrong helpers keeps its
points (or, with ``carry_forward = false``, is told where the mistake is), through the real
sandbox, on rnn-numpy (a softmax over the wrong axis) and lstm-scratch (a sigmoid's sign)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbformat import NotebookNode

from graders import (
    Assignment,
    Case,
    Graded,
    KernelPool,
    SandboxConfig,
    TestResult,
    evaluate,
    grade,
    read_assignment,
    read_notebook,
    run_notebook,
)
from graders.judge import carried
from graders.judge.stored import dump_runs, load_runs
from graders.judge.trusted import Trusted

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
RNN = read_assignment(REFERENCE / "rnn-numpy")
LSTM = read_assignment(REFERENCE / "lstm-scratch")

SOFTMAX_AXIS = ("s = e_x / e_x.sum(axis=0)", "s = e_x / e_x.sum(axis=1, keepdims=True)")
SIGMOID_SIGN = ("s = 1 / (1 + np.exp(-x))", "s = 1 / (1 + np.exp(x))")
# The functions whose outputs a softmax feeds, directly or through the cell they call.
SOFTMAX_FED = {
    "rnn_cell_forward/yt_pred": "rnn_cell_forward is right given your softmax",
    "rnn_forward/y_pred": "rnn_forward is right given your rnn_cell_forward",
    "lstm_cell_forward/yt_pred": "lstm_cell_forward is right given your sigmoid and softmax",
    "lstm_forward/y": "lstm_forward is right given your lstm_cell_forward",
    "gru_cell_forward/yt_pred": "gru_cell_forward is right given your sigmoid and softmax",
    "gru_forward/y": "gru_forward is right given your gru_cell_forward",
}


@pytest.fixture(scope="module")
def rnn_pool() -> Iterator[KernelPool]:
    with KernelPool(2, RNN.limits(), SandboxConfig()) as kernels:
        yield kernels


@pytest.fixture(scope="module")
def lstm_pool() -> Iterator[KernelPool]:
    with KernelPool(1, LSTM.limits(), SandboxConfig()) as kernels:
        yield kernels


def edited(assignment: Assignment, *changes: tuple[str, str]) -> NotebookNode:
    """The assignment's solution with each ``(old, new)`` source change made (once each)."""
    nb = read_notebook(assignment.solution)
    for old, new in changes:
        cells = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        assert len(cells) == 1, old
        cells[0].source = cells[0].source.replace(old, new, 1)
    return nb


def by_name(graded: Graded) -> dict[str, TestResult]:
    return {t.name: t for t in graded.result.tests}


def not_carrying(assignment: Assignment, tmp_path: Path) -> Assignment:
    """A copy of the assignment with ``[feedback] carry_forward = false``."""
    folder = tmp_path / assignment.id
    shutil.copytree(assignment.folder, folder)
    manifest = folder / "assignment.toml"
    text = manifest.read_text()
    assert "\ncarry_forward = true\n" in text
    manifest.write_text(text.replace("\ncarry_forward = true\n", "\ncarry_forward = false\n"))
    return read_assignment(folder)


@pytest.fixture(scope="module")
def softmax_axis(rnn_pool: KernelPool) -> Graded:
    return grade(RNN, edited(RNN, SOFTMAX_AXIS), kernels=rnn_pool.acquire)


def test_a_wrong_softmax_axis_costs_the_softmax_marks_only(softmax_axis):
    tests = by_name(softmax_axis)
    assert tests["softmax"].status == "failed"
    assert softmax_axis.result.score == RNN.max_score - tests["softmax"].max_score


@pytest.mark.parametrize("test_name", sorted(SOFTMAX_FED))
def test_every_function_fed_by_the_wrong_softmax_is_right_given_its_helpers(
    softmax_axis, test_name
):
    test = by_name(softmax_axis)[test_name]
    assert (test.status, test.score) == ("passed", test.max_score)
    assert test.feedback == (
        f"{SOFTMAX_FED[test_name]}; the mistake is in softmax, so it costs marks there only."
    )


def test_costing_everywhere_keeps_todays_scores_and_says_where_the_mistake_is(rnn_pool, tmp_path):
    everywhere = not_carrying(RNN, tmp_path)
    graded = grade(everywhere, edited(everywhere, SOFTMAX_AXIS), kernels=rnn_pool.acquire)
    tests = by_name(graded)
    for name, given in SOFTMAX_FED.items():
        assert (tests[name].status, tests[name].score) == ("failed", 0), name
        assert tests[name].feedback.endswith(f"{given}: fix the mistake in softmax first."), name


def test_a_function_with_a_mistake_of_its_own_is_not_carried(rnn_pool):
    restarts = (
        "rnn_cell_forward(x[:, :, t], a_next, parameters)",
        "rnn_cell_forward(x[:, :, t], a0, parameters)",
    )
    graded = grade(RNN, edited(RNN, SOFTMAX_AXIS, restarts), kernels=rnn_pool.acquire)
    tests = by_name(graded)
    assert tests["rnn_cell_forward/yt_pred"].status == "passed"  # right given its softmax
    for name in ("rnn_forward/a", "rnn_forward/y_pred"):
        assert tests[name].status == "failed", name
        assert "right given" not in tests[name].feedback, name


def test_a_rejudge_keeps_the_carried_marks_without_running_the_notebook(rnn_pool):
    graded = grade(RNN, edited(RNN, SOFTMAX_AXIS), kernels=rnn_pool.acquire)
    composed = [c for run in graded.runs for c in run.cases if c.composed_with]
    assert {c.composed_with for c in composed} >= {("softmax",), ("rnn_cell_forward",)}
    again = evaluate(RNN, load_runs(dump_runs(graded.runs)))
    assert [(t.name, t.score, t.feedback) for t in again.tests] == [
        (t.name, t.score, t.feedback) for t in graded.result.tests
    ]


def test_a_right_notebook_composes_nothing(rnn_pool):
    graded = grade(RNN, RNN.solution, kernels=rnn_pool.acquire)
    assert graded.result.score == RNN.max_score
    assert not [c for run in graded.runs for c in run.cases if c.composed_with]


def test_a_flipped_sigmoid_sign_costs_the_sigmoid_not_the_forward_pass(lstm_pool):
    graded = grade(LSTM, edited(LSTM, SIGMOID_SIGN), kernels=lstm_pool.acquire)
    tests = by_name(graded)
    assert tests["sigmoid"].status == "failed"
    forward = {n: t for n, t in tests.items() if n.startswith("forward/")}
    assert all(t.status == "passed" and t.score == t.max_score for t in forward.values())
    # z and C_bar do not go through a sigmoid: right on their own, they say nothing.
    for name in ("forward/f", "forward/i", "forward/o", "forward/h", "forward/y"):
        assert forward[name].feedback == (
            "forward is right given your sigmoid and tanh; the mistake is in sigmoid, "
            "so it costs marks there only."
        )
    # The training run calls the activations thousands of times: not composed, and costed.
    assert tests["training_loss"].status == "failed"


def test_a_helper_value_of_another_shape_is_not_composed_and_the_helper_is_pointed_at(
    lstm_pool,
):
    transposed = ("s = 1 / (1 + np.exp(-x))", "s = (1 / (1 + np.exp(-x))).T")
    graded = grade(LSTM, edited(LSTM, transposed), kernels=lstm_pool.acquire)
    tests = by_name(graded)
    assert tests["sigmoid"].status == "failed"
    f = tests["forward/f"]
    assert (f.status, f.mistake) == ("failed", "")
    assert "right given" not in f.feedback
    assert f.feedback.endswith(
        "forward uses your sigmoid, which loses marks of its own: fix that first, "
        "as it may be all that is wrong here."
    )


def test_helpers_are_judged_before_the_functions_that_call_them():
    order = [c.function for c in carried.helpers_first(Trusted(RNN))]
    for check in RNN.checks:
        for helper in carried.composable(Trusted(RNN), check):
            assert order.index(helper) < order.index(check.function), (helper, check.function)
    assert carried.composable(Trusted(RNN), RNN.checks[0]) == ()  # softmax calls nothing graded


def test_composing_stops_once_the_gradings_time_for_it_is_spent(rnn_pool):
    slow = (SOFTMAX_AXIS[0], "__import__('time').sleep(0.05)\n    " + SOFTMAX_AXIS[1])
    check = next(c for c in RNN.checks if c.function == "rnn_forward")
    trusted = Trusted(RNN)
    args = trusted.inputs(Case(check.inputs, 1))
    with run_notebook(edited(RNN, slow), RNN.limits(), kernels=rnn_pool.acquire) as session:
        budget = carried.Budget(seconds=0.1)  # less than the three or more cell calls take
        assert carried.compose(session, trusted, check, args, budget) == (None, ())
        assert budget.seconds < 0.1  # charged for the rounds it made
        # With time to spare the same call composes, through the cell into its softmax.
        value, called = carried.compose(session, trusted, check, args)
        assert called == ("rnn_cell_forward",)
        assert value[1].shape == trusted.caller(check)(*args)[1].shape
        # A grading whose time for composing is spent asks the sandbox nothing more.
        before = session.requests
        later = [Case(check.inputs, 2, got=value)]
        spent = carried.Budget(seconds=0.0)
        assert carried.with_composed(session, trusted, [(check, later)], spent) == [later]
        assert session.requests == before
