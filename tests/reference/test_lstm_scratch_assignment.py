"""The lstm-scratch assignment graded end to end, through the real sandbox.

The solution notebook scores 100 with every test passed, the starter 0 without a crash, a few
mutants (the solution with the mutant's file appended as a last cell, as ``markwell validate``
builds it) lose marks on their own function with feedback that names the mistake, and a
notebook with missing or broken parts loses exactly those parts. ``markwell validate`` runs
every mutant; these tests pin the harness's behaviour, most of it in this process, on the
solution notebook's own code.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell

from graders import Assignment, Case
from graders.assignments import load_module, read_assignment
from graders.judge.compare import compare, matches
from graders.judge.trusted import Trusted
from tests.reference.test_lstm_scratch_reference import REFERENCE_LOSS

FOLDER = Path(__file__).resolve().parents[2] / "reference" / "lstm-scratch"
LSTM = read_assignment(FOLDER)
MUTANTS = {m.id: m for m in LSTM.mutants}
CHECKS = {c.function: c for c in LSTM.checks}
KNOWN_MISTAKE = "This matches a known mistake: "
POINTS = {
    "sigmoid": 5,
    "dsigmoid": 10,
    "tanh": 5,
    "dtanh": 10,
    "Param": 5,
    "Parameters": 15,
    "forward": 30,
    "training_loss": 20,
}


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return LSTM


@pytest.fixture(scope="module")
def trusted() -> Trusted:
    return Trusted(LSTM)


# -- the assignment itself (no sandbox) -----------------------------------------------------


def test_the_manifest_has_the_readmes_points_for_100():
    assert {c.function: c.points for c in LSTM.checks} == POINTS
    assert LSTM.max_score == 100
    assert LSTM.seed == "000"
    forward = CHECKS["forward"]
    assert [o.name for o in forward.outputs] == [
        "z", "f", "i", "C_bar", "C", "o", "h", "v", "y"
    ]  # fmt: skip
    assert {c.function: c.call for c in LSTM.checks if c.call} == {
        "Param": "param_attributes",
        "Parameters": "parameters_shapes",
        "forward": "forward_plain",
        "training_loss": "training_loss",
    }
    assert len(LSTM.mutants) == 8


def test_the_training_loss_is_held_to_the_references_tolerance(trusted):
    check = CHECKS["training_loss"]
    assert check.atol == trusted.reference.LOSS_TOLERANCE == 0.1
    assert check.rtol == 0
    assert (check.seed_cases, check.random_cases) == (("seed_training",), 0)


def test_the_harness_holds_no_answers():
    tree = ast.parse((FOLDER / "harness.py").read_text(encoding="utf-8"))
    imports = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert sorted(imports) == ["numpy", "types"]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    graded = {"sigmoid", "dsigmoid", "tanh", "dtanh", "Param", "Parameters", "forward"}
    assert not defined & graded
    source = (FOLDER / "harness.py").read_text(encoding="utf-8")
    # No activation of its own: every sigmoid, tanh and softmax is the notebook's.
    for answer in ("np.exp", "np.tanh", "1 - y", "np.vstack", "np.concatenate", "np.random"):
        assert answer not in source, answer


def _cases(check, seeds=(1, 2, 3)):
    cases = [Case(name, None) for name in check.seed_cases]
    return cases + [Case(check.inputs, s) for s in (seeds if check.random_cases else ())]


# The training run has its own test below: it takes a second.
@pytest.mark.parametrize(
    "check", [c for c in LSTM.checks if c.function != "training_loss"], ids=lambda c: c.function
)
def test_every_generator_gives_the_reference_plain_data(trusted, check):
    reference = trusted.caller(check)
    for case in _cases(check):
        args = trusted.inputs(case)
        out = reference(*copy.deepcopy(args))
        compare(out, out, check.function)  # raises TypeError on anything but plain data
        if len(check.outputs) > 1:
            assert len(out) == len(check.outputs)
        # The same seed always gives the same inputs: the judge regenerates them.
        again = trusted.inputs(case)
        assert matches(args, again)


def test_the_random_inputs_follow_the_notebooks_domains(trusted):
    for seed in range(20):
        (y,) = trusted.inputs(Case("dsigmoid_inputs", seed))
        assert y.min() > 0 and y.max() < 1
        (y,) = trusted.inputs(Case("dtanh_inputs", seed))
        assert y.min() > -1 and y.max() < 1
        x, h_prev, C_prev, weights = trusted.inputs(Case("forward_inputs", seed))
        hidden, x_size = h_prev.shape[0], x.shape[0]
        assert x.sum() == 1 and C_prev.shape == (hidden, 1)
        assert weights["W_f"].shape == (hidden, hidden + x_size)
        assert weights["W_v"].shape == (x_size, hidden)
        assert np.abs(weights["b_f"]).min() > 0  # non-zero biases: a forgotten bias shows


def test_the_generators_leave_numpys_global_generator_alone(trusted):
    np.random.seed(7)
    state = np.random.get_state()[1].copy()
    for check in LSTM.checks:
        for case in _cases(check):
            trusted.inputs(case)
    assert (np.random.get_state()[1] == state).all()


def test_the_seed_cases_are_the_quizs_calls(trusted):
    ref = trusted.reference

    def expected(name):
        check = next(c for c in LSTM.checks if name in c.seed_cases)
        return trusted.caller(check)(*trusted.inputs(Case(name, None)))

    quiz = ref.quiz_values()
    assert expected("seed_sigmoid") == quiz["sigmoid(0)"] == 0.5
    assert expected("seed_dsigmoid") == quiz["dsigmoid(sigmoid(0))"] == 0.25
    assert ref.truncate(expected("seed_tanh"), 5) == "0.24491"
    assert ref.truncate(expected("seed_dtanh"), 5) == "0.94001"
    out = expected("seed_forward")
    z, f = out[0], out[1]
    assert len(out) == quiz["len(forward(...))"] == 9
    assert z.shape == quiz["z.shape"] == (85, 1)
    assert float(np.sum(z)) == quiz["np.sum(z)"] == 0.0
    assert float(np.sum(f)) == quiz["np.sum(f)"] == 5.0
    weights, biases, listed = expected("seed_parameters")
    size_a, size_b, size_c = quiz["size_a"], quiz["size_b"], quiz["size_c"]
    assert weights == {
        "W_f": [size_a, size_b],
        "W_i": [size_a, size_b],
        "W_C": [size_a, size_b],
        "W_o": [size_a, size_b],
        "W_v": ["X_size", size_a],
    }
    assert biases == {
        "b_f": [size_a, "1"],
        "b_i": [size_a, "1"],
        "b_C": [size_a, "1"],
        "b_o": [size_a, "1"],
        "b_v": [size_c, "1"],
    }
    assert listed == ["W_f", "W_i", "W_C", "W_o", "W_v", "b_f", "b_i", "b_C", "b_o", "b_v"]


def test_the_training_check_reproduces_the_references_run(trusted):
    check = CHECKS["training_loss"]
    args = trusted.inputs(Case("seed_training", None))
    text, weights, time_steps, iterations, learning_rate = args
    ref = trusted.reference
    assert text == ref.training_text()
    run = ref.TRAINING_RUN
    assert (time_steps, iterations, learning_rate) == (run["time_steps"], run["iterations"], 0.1)
    assert weights["b_f"].shape == (run["hidden"], 1)
    # Seed 5's weights: what np.random.seed(5) and the notebook's Parameters() draw.
    initial = ref.Parameters(run["hidden"] + 68, run["hidden"], 68, rng=5)
    np.testing.assert_array_equal(weights["W_f"], initial.W_f.v)
    kept = copy.deepcopy(weights)
    loss = trusted.caller(check)(*args)
    assert math.isclose(loss, ref.train(text, **run)[-1], abs_tol=1e-9)
    assert math.isclose(loss, REFERENCE_LOSS, abs_tol=1e-3)
    assert matches(kept, weights)  # the run trains copies, not the judge's inputs


# -- the harness on the solution notebook's own code (in this process) ----------------------


class NotebookLike:
    """The solution's namespace as harness functions see it inside the sandbox."""

    def __init__(self, namespace: dict) -> None:
        self._ns = namespace

    def __getattr__(self, name: str):
        try:
            return self._ns[name]
        except KeyError:
            raise AttributeError(f"the notebook does not define {name}") from None


def run_cells(skip: Callable[[str], bool] = lambda source: False, edit=lambda s: s) -> dict:
    """The solution's code cells run in a fresh namespace, its training loop left out.

    A cell that raises stops there and the next one runs, as in the sandbox.
    """
    namespace: dict = {"__name__": "__main__"}
    notebook = nbformat.read(LSTM.solution, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code" or "for iteration in range" in cell.source:
            continue
        if not skip(cell.source):
            with contextlib.suppress(Exception):
                exec(compile(edit(cell.source), "<cell>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def solution_ns() -> dict:
    return run_cells()


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    return load_module(LSTM, "harness.py")


def test_forward_runs_at_the_cases_sizes_and_leaves_the_notebook_unchanged(
    trusted, harness, solution_ns
):
    nb = NotebookLike(solution_ns)
    assert (nb.Hidden_Layer_size, nb.X_size) == (10, 36)
    for seed in range(5):
        args = trusted.inputs(Case("forward_inputs", seed))
        assert args[1].shape[0] != 10  # other sizes than the notebook's own
        got = harness.forward_plain(nb, *copy.deepcopy(args))
        assert matches(trusted.caller(CHECKS["forward"])(*args), got)
    # The notebook's asserts still guard its own sizes: the copies saw the case's sizes only.
    assert (nb.Hidden_Layer_size, nb.X_size, nb.z_size) == (10, 36, 46)
    with pytest.raises(AssertionError):
        nb.forward(*args[:3])


def test_parameters_are_named_in_the_notebooks_own_sizes(trusted, harness, solution_ns):
    expected = trusted.caller(CHECKS["Parameters"])()  # the reference's sizes: 10, 75, 85
    assert matches(expected, harness.parameters_shapes(NotebookLike(solution_ns)))  # 10, 36


def test_parameters_are_built_without_the_notebooks_param(trusted, harness):
    namespace = run_cells(skip=lambda source: source.startswith("class Param:"))
    assert "Param" not in namespace and "parameters" not in namespace
    expected = trusted.caller(CHECKS["Parameters"])()
    assert matches(expected, harness.parameters_shapes(NotebookLike(namespace)))
    assert "Param" not in namespace  # the stand-in never enters the notebook


def test_wrong_sizes_are_reported_by_the_variable_they_use(harness):
    namespace = run_cells(edit=lambda s: s.replace("size_b = z_size", "size_b = X_size"))
    weights, biases, listed = harness.parameters_shapes(NotebookLike(namespace))
    assert weights["W_f"] == ["Hidden_Layer_size", "X_size"]
    assert biases["b_v"] == ["X_size", "1"] and len(listed) == 10


def test_sizes_the_shapes_cannot_tell_apart_are_refused(harness):
    namespace = run_cells(
        edit=lambda s: s.replace("Hidden_Layer_size = 10", "Hidden_Layer_size = 36")
    )
    with pytest.raises(ValueError, match="Hidden_Layer_size and X_size are both 36"):
        harness.parameters_shapes(NotebookLike(namespace))


def test_param_reports_the_attributes_it_has(trusted, harness):
    value = np.arange(6.0).reshape(2, 3)
    expected = trusted.caller(CHECKS["Param"])("W_f", value)
    assert set(expected) == {"name", "v", "d", "m"}
    broken = run_cells(edit=lambda s: s.replace("self.m = np.zeros_like(value)", "pass"))
    got = harness.param_attributes(NotebookLike(broken), "W_f", value)
    parts = compare(expected, got, "Param")
    assert [p.message for p in parts if not p.ok] == ["Param is missing the key 'm'."]


def test_the_training_loop_trains_the_notebooks_code(trusted, harness, solution_ns):
    args = trusted.inputs(Case("seed_training", None))
    loss = harness.training_loss(NotebookLike(solution_ns), *copy.deepcopy(args))
    # A forward written with np.dot and the notebook's asserts, at other sizes than its own.
    assert math.isclose(loss, trusted.caller(CHECKS["training_loss"])(*args), abs_tol=1e-9)


# -- through the sandbox --------------------------------------------------------------------


def test_the_solution_scores_full_marks_with_every_test_passed(graded):
    solution = graded("solution")
    result = solution.result
    assert result.status == "graded"
    assert (result.score, result.max_score) == (100, 100)
    assert {t.status for t in result.tests} == {"passed"}
    assert all(t.feedback == "" for t in result.tests)
    for run, check in zip(solution.runs, LSTM.checks, strict=True):
        assert [c.seed is None for c in run.cases] == [True] * len(check.seed_cases) + [
            False
        ] * check.random_cases


def test_the_starter_scores_zero_without_crashing(graded):
    result = graded("starter").result
    assert result.status == "graded"
    assert (result.score, result.max_score) == (0, 100)
    assert len(result.tests) == 18
    assert {t.status for t in result.tests} <= {"error", "failed"}
    assert all(t.feedback for t in result.tests)


@pytest.mark.parametrize(
    "mutant_id", ["dsigmoid-of-raw-input", "forward-missing-bias", "sigmoid-sign-flip"]
)
def test_a_mutant_loses_marks_on_its_function_and_is_named(graded, mutant_id):
    mutant = MUTANTS[mutant_id]
    result = graded(mutant_id).result
    assert result.status == "graded"
    lost = [t for t in result.tests if t.score < t.max_score]
    assert [t for t in lost if t.name.split("/")[0] == mutant.target]
    named = KNOWN_MISTAKE + mutant.description
    for test in lost:
        assert test.status == "failed", test
        check = CHECKS[test.name.split("/")[0]]
        if mutant.target in check.needs:
            assert named in test.feedback, test
        else:  # forward's mistakes are named by forward, not by the training loss
            assert (test.name, mutant.target) == ("training_loss", "forward")
            assert KNOWN_MISTAKE not in test.feedback
    # Everything the mistake cannot reach keeps its marks.
    reached = {
        "dsigmoid-of-raw-input": {"dsigmoid", "training_loss"},
        "forward-missing-bias": {"forward", "training_loss"},
        # forward is right given the notebook's sigmoid: carried forward, it keeps its marks.
        "sigmoid-sign-flip": {"sigmoid", "training_loss"},
    }[mutant_id]
    assert {t.name.split("/")[0] for t in lost} == reached


PINNED = {
    "dsigmoid": (
        "dsigmoid differs from the reference: expected 0.25, got 0.235 (on the assignment's own "
        "test case). This matches a known mistake: dsigmoid takes the raw input (sigmoid(x) * "
        "(1 - sigmoid(x))) instead of a sigmoid output."
    ),
    "training_loss": (
        "training_loss differs from the reference: expected 92.04, got 94.49 (on the "
        "assignment's own test case). This matches a known mistake: dsigmoid takes the raw "
        "input (sigmoid(x) * (1 - sigmoid(x))) instead of a sigmoid output."
    ),
}


@pytest.mark.parametrize("test_name", sorted(PINNED))
def test_the_feedback_of_a_known_mistake_word_for_word(graded, test_name):
    # The quiz's own case comes first and fails as badly as any random case, so the feedback
    # is about it, and the same on every run.
    test = graded.by_name(graded("dsigmoid-of-raw-input"))[test_name]
    assert test.feedback == PINNED[test_name]
    assert test.score == 0


def test_missing_functions_are_missing_exactly_where_needed(graded):
    result = graded.without("dsigmoid", "dtanh", "Param").result
    assert result.status == "graded"
    tests = {t.name: t for t in result.tests}
    missing = {name for name, t in tests.items() if t.status == "missing"}
    assert missing == {"dsigmoid", "dtanh", "Param", "training_loss"}
    for name, test in tests.items():
        if name not in missing:  # Parameters is built without Param: it keeps its marks
            assert (test.status, test.score) == ("passed", test.max_score), test
        else:
            assert test.score == 0
    assert tests["dtanh"].feedback == (
        "dtanh is not defined: define it with the signature of the starter notebook."
    )
    assert tests["training_loss"].feedback == (
        "training_loss needs dsigmoid, which the notebook does not define: define it with the "
        "signature of the starter notebook."
    )
    assert result.score == 100 - 10 - 10 - 5 - 20


def test_a_broken_param_costs_marks_in_param_only(graded):
    notebook = graded.solution()
    # The value under another name than v, in a last cell as a student's later fix would be.
    notebook.cells.append(
        new_code_cell(
            "class Param:\n"
            "    def __init__(self, name, value):\n"
            "        self.name = name\n"
            "        self.value = value\n"
            "        self.d = np.zeros_like(value)\n"
            "        self.m = np.zeros_like(value)\n"
        )
    )
    result = graded.notebook(notebook).result
    tests = {t.name: t for t in result.tests}
    assert tests["Param"].status == "failed"
    assert tests["Param"].score == pytest.approx(5 * 3 / 4)  # name, d and m are right
    assert tests["Param"].feedback.startswith("Param is missing the key 'v'")
    assert result.score == pytest.approx(100 - 5 / 4)


def test_helpers_of_the_notebooks_own_see_the_cases_sizes_too(graded):
    """A correct notebook whose forward checks shapes through a helper of its own, which reads
    the notebook's size globals, keeps full marks: the helper is called at the case's sizes,
    as forward is (and forward's original, kept under another name, too)."""
    notebook = graded.solution()
    notebook.cells.append(
        new_code_cell(
            "def check_state(x, h_prev, C_prev):\n"
            "    assert x.shape == (X_size, 1)\n"
            "    assert h_prev.shape == (Hidden_Layer_size, 1)\n"
            "    assert C_prev.shape == (Hidden_Layer_size, 1)\n"
            "\n"
            "_forward = forward\n"
            "\n"
            "def forward(x, h_prev, C_prev, p=None):\n"
            "    check_state(x, h_prev, C_prev)\n"
            "    return _forward(x, h_prev, C_prev, p)\n"
        )
    )
    result = graded.notebook(notebook).result
    assert result.score == result.max_score, [
        (t.name, t.feedback) for t in result.tests if t.status != "passed"
    ]
