"""The rnn-cells-torch assignment graded end to end, through the real sandbox (torch kernels).

The solution scores 100, the starter 0 without a grader error, a few mutants (the solution
with the mutant's NOTEBOOK cell appended, as ``markwell validate`` builds it) lose marks on
their own class with feedback that names the mistake, a notebook without the Question 2
classes is ``missing`` exactly there, and the seed's ``.squeeze()`` fails at a batch of 1.
The trusted side (reference, generators, harness on the reference) is pinned here without a
sandbox, and without torch: the grading process never imports it.
"""

from __future__ import annotations

import ast
import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from graders import Assignment, Case
from graders.assignments import read_assignment
from graders.judge.compare import matches
from graders.judge.trusted import Trusted

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "reference" / "rnn-cells-torch"
TORCH = read_assignment(FOLDER)
CHECKS = {c.function: c for c in TORCH.checks}
MUTANTS = {m.id: m for m in TORCH.mutants}
KNOWN_MISTAKE = "This matches a known mistake: "
POINTS = {
    "LSTMCell": 15,
    "GRUCell": 15,
    "BasicRNNCell": 4,
    "RNNModel": 30,
    "BidirRecurrentModel": 20,
    "training": 10,
    "question_3": 6,
}


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return TORCH


@pytest.fixture(scope="module")
def trusted() -> Trusted:
    return Trusted(TORCH)


def _cases(check, seeds=range(6)):
    cases = [Case(name, None) for name in check.seed_cases]
    return cases + [Case(check.inputs, s) for s in (seeds if check.random_cases else ())]


THEORY = {"theory1": 4, "theory2": 3, "theory4": 3}
"""Seed 001's theory questions, graded by hand with rubrics.toml."""


def checked(result):
    """The tests of the checks: the result without its free-text answers (``pending``)."""
    return [t for t in result.tests if t.name not in THEORY]


# -- the assignment itself (no sandbox, no torch) ---------------------------------------------


def test_the_manifest_has_the_readmes_points_for_100_and_the_theory_questions_10_more():
    assert {c.function: c.points for c in TORCH.checks} == POINTS
    assert sum(POINTS.values()) == 100
    assert {q.id: q.points for q in TORCH.questions} == THEORY
    assert TORCH.max_score == 110
    modules = ("LSTMCell", "GRUCell", "BasicRNNCell", "RNNModel", "BidirRecurrentModel")
    assert {c.function for c in TORCH.checks if c.given == "state"} == set(modules)
    assert CHECKS["question_3"].needs == ()
    assert len(TORCH.mutants) == 9
    assert all(m.cell.lstrip().startswith(f"class {m.target}(nn.Module):") for m in TORCH.mutants)


def test_the_grading_process_never_imports_torch():
    # Everything the judge runs in its own process: the reference on every case, given the
    # reference's own parameters as a student's, and every mutant.
    script = f"""
import copy, sys
from pathlib import Path
from graders.assignments import read_assignment
from graders.judge.trusted import Trusted
from graders.judge.runs import Case
a = read_assignment(Path({str(FOLDER)!r}))
t = Trusted(a)
for check in a.checks:
    cases = [Case(n, None) for n in check.seed_cases]
    cases += [Case(check.inputs, s) for s in range(3 if check.random_cases else 0)]
    for case in cases:
        args = t.inputs(case)
        value = t.caller(check)(*copy.deepcopy(args))
        if check.given:
            state = value[[o.name for o in check.outputs].index(check.given)]
            t.caller(check)(*copy.deepcopy(args), state)
            for m in a.mutants:
                if m.target in check.needs:
                    try:
                        t.caller(check, m.target, t.mutants[m.id], m.id)(*args, state)
                    except Exception:
                        pass
assert "torch" not in sys.modules, "torch was imported"
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_the_harness_holds_no_answers_and_imports_torch_only_inside():
    source = (FOLDER / "harness.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    top = [a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names]
    assert top == ["numpy"]
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    assert not defined & {"LSTMCell", "GRUCell", "BasicRNNCell", "RNNModel", "BidirRecurrentModel"}
    for answer in ("sigmoid", "tanh", "chunk", "relu", "* 4", "* 3", "= 'GRU'", '= "GRU"', "cat("):
        assert answer not in source, answer
    for path in (FOLDER / "reference.py", FOLDER / "checks.py"):
        assert "torch" not in {
            a.name.split(".")[0]
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        } | {
            (n.module or "").split(".")[0]
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.ImportFrom)
        }


@pytest.mark.parametrize("check", [c for c in TORCH.checks], ids=lambda c: c.function)
def test_every_generator_is_deterministic_float32_plain_data(trusted, check):
    for case in _cases(check):
        args = trusted.inputs(case)
        assert matches(args, trusted.inputs(case))
        for value in args:
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                assert value.dtype == np.float32


def test_the_model_cases_cover_one_and_three_layers_batches_of_one_and_other_sizes(trusted):
    seen = set()
    for case in _cases(CHECKS["RNNModel"], seeds=range(20)):
        input_size, hidden_size, num_layers, _, _, x = trusted.inputs(case)
        assert input_size != hidden_size  # a first layer built like the others shows
        assert x.shape[0] >= 1 and x.shape[2] == input_size
        seen.add((num_layers, x.shape[0] == 1))
        if case.seed is None:
            assert (num_layers, x.shape[0]) in {(1, 1), (3, 3)}
    assert {(1, True), (3, False)} <= seen and {n for n, _ in seen} == {1, 2, 3}


def test_the_reference_sizes_the_linears_4x_for_the_lstm_and_3x_for_the_gru(trusted):
    ref = trusted.reference
    lstm, gru = ref.LSTMCell(5, 7).state_dict(), ref.GRUCell(5, 7, bias=False).state_dict()
    assert {k: v.shape for k, v in lstm.items()} == {
        "x2h.weight": (28, 5),
        "x2h.bias": (28,),
        "h2h.weight": (28, 7),
        "h2h.bias": (28,),
    }
    assert {k: v.shape for k, v in gru.items()} == {"x2h.weight": (21, 5), "h2h.weight": (21, 7)}
    model = ref.RNNModel("LSTM", 5, 7, 3, True, 4).state_dict()
    assert model["rnn_cell_list.0.x2h.weight"].shape == (28, 5)
    assert model["rnn_cell_list.2.x2h.weight"].shape == (28, 7)
    assert model["fc.weight"].shape == (4, 7) and model["att_fc.weight"].shape == (1, 7)
    assert ref.BidirRecurrentModel("GRU", 5, 7, 1, True, 4).state_dict()["fc.weight"].shape == (
        4,
        14,
    )


def test_the_training_run_is_the_notebooks_data_and_the_references_outcome(trusted):
    check = CHECKS["training"]
    (data, settings) = trusted.inputs(Case("case_training", None))
    X, y, X_valid, _ = data
    assert X.shape == (240, 32, 20) and X.dtype == np.float32 and set(y) == {0, 1, 2}
    assert X_valid.shape == (120, 32, 20)
    assert settings["mode"] == "LSTM" and settings["seed"] == 42
    assert trusted.caller(check)(*copy.deepcopy((data, settings))) == (True, True)


def test_question_3_is_exact_after_trimming(trusted):
    class Notebook:
        def __init__(self, **values):
            self.__dict__.update(values)

    harness = trusted.harness
    expected = trusted.caller(CHECKS["question_3"])()
    assert expected == ("GRU", "LSTM", "RNN")
    assert harness.question_3(Notebook(A_model=" GRU ", B_model="LSTM", C_model="RNN\n")) == (
        expected
    )
    assert harness.question_3(Notebook(A_model="gru", B_model="LSTM")) == ("gru", "LSTM", None)


# -- through the sandbox ----------------------------------------------------------------------


def test_the_solution_scores_full_marks_with_every_test_passed(graded):
    result = graded("solution").result
    # Every check passed; the theory answers wait for a grader.
    assert result.status == "needs-grading"
    assert (result.score, result.max_score) == (100, 110)
    assert {t.name for t in result.pending} == set(THEORY)
    assert {t.status for t in checked(result)} == {"passed"}
    assert all(t.feedback == "" for t in checked(result))
    assert not result.notebook  # every cell ran cleanly


def test_the_starter_scores_only_its_given_code_without_a_grader_error(graded):
    result = graded("starter").result
    assert result.status == "graded"
    scored = {t.name: t.score for t in result.tests if t.score}
    # The given BasicRNNCell, and the given output layers' keys among RNNModel's parameters
    # on its worst case: at most 4 of the 10 keys of each mode (three layers without biases),
    # fewer on a random case of more keys.
    assert set(scored) == {"BasicRNNCell/state", "BasicRNNCell/hy", "RNNModel/state"}
    assert (scored["BasicRNNCell/state"], scored["BasicRNNCell/hy"]) == (1, 3)
    assert 0 < scored["RNNModel/state"] <= 6 * 4 / 10
    assert all(t.feedback for t in result.tests if not t.score)


@pytest.mark.parametrize(
    "mutant_id",
    ["lstm-cy-without-forget", "lstm-tuple-passed-on", "first-layer-like-the-others"],
)
def test_a_mutant_loses_marks_on_its_class_and_is_named(graded, mutant_id):
    mutant = MUTANTS[mutant_id]
    result = graded(mutant_id).result
    assert result.status == "needs-grading"  # the solution's theory answers are still there
    lost = {t.name: t for t in checked(result) if t.score < t.max_score}
    named = KNOWN_MISTAKE + mutant.description
    mine = [t for name, t in lost.items() if name.split("/")[0] == mutant.target]
    assert mine and any(named in t.feedback for t in mine)
    reached = {
        # The models use the notebook's cells: the cell's mistake is named there too.
        "lstm-cy-without-forget": {
            "LSTMCell/hy",
            "LSTMCell/cy",
            "RNNModel/LSTM",
            "BidirRecurrentModel/LSTM",
        },
        "lstm-tuple-passed-on": {"RNNModel/LSTM"},
        "first-layer-like-the-others": {
            "RNNModel/state",
            "RNNModel/LSTM",
            "RNNModel/GRU",
            "RNNModel/RNN_TANH",
            "RNNModel/RNN_RELU",
        },
    }[mutant_id]
    assert set(lost) == reached
    for name in reached:
        assert lost[name].status == "failed", lost[name]
    if mutant_id == "lstm-tuple-passed-on":
        assert lost["RNNModel/LSTM"].feedback.startswith(
            "RNNModel: LSTM raised TypeError: linear(): argument 'input' (position 1) must be "
            "Tensor, not tuple (on "
        )
    if mutant_id == "first-layer-like-the-others":
        assert named in lost["RNNModel/state"].feedback
        assert "RNNModel: LSTM cannot be checked: state does not have the keys and shapes" in (
            lost["RNNModel/LSTM"].feedback
        )


def test_a_mistake_in_one_modes_shapes_costs_that_mode_only(graded):
    notebook = graded.solution()
    first = "self.rnn_cell_list.append(GRUCell(self.input_size,"
    for cell in notebook.cells:
        if "class RNNModel" in cell.source:  # RNNModel's 2b only, not BidirRecurrentModel's
            cell.source = cell.source.replace(first, first.replace("input", "hidden"), 1)
    tests = {t.name: t for t in checked(graded.notebook(notebook).result)}
    lost = {name for name, t in tests.items() if t.score < t.max_score}
    assert lost == {"RNNModel/state", "RNNModel/GRU"}
    assert tests["RNNModel/state"].feedback.startswith(
        "RNNModel: state['GRU']['rnn_cell_list.0.x2h.weight'] has shape ("
    )
    assert tests["RNNModel/GRU"].feedback.startswith(
        "RNNModel: GRU cannot be checked: state does not have the keys and shapes expected"
    )
    assert KNOWN_MISTAKE not in tests["RNNModel/GRU"].feedback  # it is not the mutant's


def test_a_notebook_without_the_question_2_classes_is_missing_exactly_there(graded):
    result = graded.without("RNNModel", "BidirRecurrentModel").result
    assert result.status == "needs-grading"
    tests = {t.name: t for t in checked(result)}
    missing = {name for name, t in tests.items() if t.status == "missing"}
    prefixes = ("RNNModel/", "BidirRecurrentModel/", "training/")
    assert missing == {name for name in tests if name.startswith(prefixes)}
    for name, test in tests.items():
        if name not in missing:
            assert (test.status, test.score) == ("passed", test.max_score), test
    assert result.score == 100 - 30 - 20 - 10


def test_the_seeds_squeeze_fails_at_a_batch_of_one(graded):
    notebook = graded.solution()
    for cell in notebook.cells:
        cell.source = cell.source.replace("out = outs[-1]  #", "out = outs[-1].squeeze()  #")
        cell.source = cell.source.replace(
            "out_rev = outs_rev[0]  #", "out_rev = outs_rev[0].squeeze()  #"
        )
    tests = {t.name: t for t in graded.notebook(notebook).result.tests}
    # (batch, output) is right: at a batch of 1 the squeezed output has lost its batch axis.
    feedback = tests["RNNModel/LSTM"].feedback
    assert feedback.startswith("RNNModel: LSTM has shape (") and ", expected (1, " in feedback
    assert "(on the assignment's own test case)" in feedback
    assert {tests[f"RNNModel/{mode}"].score for mode in ("LSTM", "GRU")} == {0}
    # torch.cat(..., 1) of two squeezed vectors raises.
    assert (
        "BidirRecurrentModel: LSTM raised IndexError" in tests["BidirRecurrentModel/LSTM"].feedback
    )
    assert tests["LSTMCell/hy"].status == "passed"
