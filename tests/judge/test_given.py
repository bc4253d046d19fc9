"""Checks with ``given``: the student's module draws its own weights in the sandbox, the harness
returns them as one output, and the trusted process computes the expected output from them.

The module here is plain NumPy (its weights drawn from NumPy's global generator, a fresh draw
every run), so the behaviour is the judge's, not torch's.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from graders import (
    AssignmentError,
    dump_runs,
    evaluate,
    grade,
    load_catalog,
    load_runs,
    read_assignment,
)
from graders.assignments import Assignment
from graders.judge import given
from graders.judge.runs import Case
from graders.judge.trusted import Trusted
from graders.validation import mutant_notebook
from tests.make_notebook import notebook

MANIFEST = """
id = "dense"
title = "A dense layer with weights of its own"

[limits]
cell_seconds = 5
call_seconds = 3

[[checks]]
function = "Dense"
call = "dense"
given = "state"
inputs = "dense_inputs"
outputs = ["state", "out"]
points.state = 1
points.out = 3

[[checks]]
function = "answer"
call = "answer"
requires = []
inputs = "no_inputs"
seed_cases = ["case_notebook"]
random_cases = 0
points = 1
"""

REFERENCE = """
import numpy as np

ANSWER = "GRU"


class Dense:
    def __init__(self, n_in, n_out):
        self.state = {"weight": np.zeros((n_out, n_in)), "bias": np.zeros(n_out)}

    def load(self, state):
        for key, value in state.items():
            if np.shape(value) != self.state[key].shape:
                raise ValueError(key)
        self.state = dict(state)

    def __call__(self, x):
        return np.tanh(x @ self.state["weight"].T + self.state["bias"])
"""

CHECKS = """
def dense_inputs(rng, ref):
    n_in, n_out = int(rng.integers(2, 5)), int(rng.integers(5, 8))
    return n_in, n_out, rng.normal(size=(3, n_in))


def no_inputs(rng, ref):
    return ()


def case_notebook(ref):
    return ()
"""

HARNESS = """
RAISED = "raised "


def dense(nb, n_in, n_out, x, state=None):
    layer = nb.Dense(n_in, n_out)
    own = {k: v.copy() for k, v in layer.state.items()}
    if state is not None:  # the grading process: the student's weights into the reference
        layer.load(state)
    try:
        out = layer(x)
    except Exception as exc:
        out = f"{RAISED}{type(exc).__name__}: {exc}"
    return own, out


def answer(nb):
    return getattr(nb, "ANSWER", None)
"""

SOLUTION = """
import numpy as np


class Dense:
    def __init__(self, n_in, n_out):
        weight, bias = np.random.normal(size=(n_out, n_in)), np.random.normal(size=n_out)
        self.state = {"weight": weight, "bias": bias}

    def __call__(self, x):
        return np.tanh(x @ self.state["weight"].T + self.state["bias"])


ANSWER = "GRU"
"""

MUTANT = '''"""Dense leaves out the bias."""

TARGET = "Dense"

NOTEBOOK = """
class Dense:
    def __init__(self, n_in, n_out):
        self.state = {"weight": np.random.normal(size=(n_out, n_in)), "bias": np.ones(n_out)}

    def __call__(self, x):
        return np.tanh(x @ self.state["weight"].T)
"""


class Dense(Dense):  # reference.py's, which a mutant with a NOTEBOOK cell sees
    def __call__(self, x):
        return np.tanh(x @ self.state["weight"].T)
'''


def _folder(root: Path, manifest: str = MANIFEST) -> Path:
    folder = root / "dense"
    (folder / "mutants").mkdir(parents=True, exist_ok=True)
    (folder / "assignment.toml").write_text(manifest)
    (folder / "reference.py").write_text(REFERENCE)
    (folder / "checks.py").write_text(CHECKS)
    (folder / "harness.py").write_text(HARNESS)
    (folder / "mutants" / "no-bias.py").write_text(MUTANT)
    nbformat.write(notebook(SOLUTION), folder / "solution.ipynb")
    nbformat.write(notebook("class Dense:\n    pass"), folder / "starter.ipynb")
    return folder


@pytest.fixture(scope="module")
def dense(tmp_path_factory) -> Assignment:
    root = tmp_path_factory.mktemp("course")
    _folder(root)
    return load_catalog([root], builtin=False)["dense"]


def by_name(result) -> dict[str, object]:
    return {t.name: t for t in result.tests}


def test_the_reference_computes_from_the_students_own_weights(dense):
    # The notebook draws new weights every run: only the student's own can be the reference's.
    result = grade(dense, dense.solution).result
    assert (result.score, result.max_score) == (5, 5), result.tests


def test_judging_the_stored_runs_again_gives_the_same_result(dense):
    # The student's weights are kept with the run: the reference needs nothing else.
    graded = grade(dense, notebook(SOLUTION.replace("np.tanh(x @", "np.tanh(2 * x @")))
    again = evaluate(dense, load_runs(dump_runs(graded.runs)))
    assert [(t.name, t.score, t.feedback) for t in again.tests] == [
        (t.name, t.score, t.feedback) for t in graded.result.tests
    ]
    assert by_name(again)["Dense/out"].status == "failed"


def test_a_two_sided_mutant_runs_its_notebook_cell_and_is_named_by_its_stand_in(dense):
    (mutant,) = dense.mutants
    assert mutant.cell.lstrip().startswith("class Dense:")
    appended = mutant_notebook(dense, mutant).cells[-1].source
    assert appended == mutant.cell and "class Dense(Dense)" not in appended
    tests = by_name(grade(dense, mutant_notebook(dense, mutant)).result)
    assert (tests["Dense/state"].status, tests["Dense/state"].score) == ("passed", 1)
    assert tests["Dense/out"].status == "failed"
    assert tests["Dense/out"].feedback.endswith(
        "This matches a known mistake: Dense leaves out the bias."
    )


def test_wrong_shapes_fail_the_given_output_and_leave_the_others_unchecked(dense):
    wrong = SOLUTION.replace("size=(n_out, n_in))", "size=(n_in, n_in))")
    tests = by_name(grade(dense, notebook(wrong)).result)
    assert tests["Dense/state"].status == "failed"
    assert tests["Dense/state"].feedback.startswith("Dense: state['weight'] has shape (")
    assert tests["Dense/out"].score == 0
    assert tests["Dense/out"].feedback.startswith(
        "Dense: out cannot be checked: state does not have the keys and shapes expected "
        "(see Dense/state)"
    )


def test_outputs_are_unchecked_only_where_the_reference_cannot_take_the_parameters(dense):
    check = dense.checks[0]
    state, out = check.outputs
    trusted = Trusted(dense)
    reference = trusted.caller(check)
    case = Case(check.inputs, 7, got=np.zeros(3))
    args = trusted.inputs(case)
    # Not the tuple of the outputs: the comparison says so, not that out cannot be checked.
    prepared = given.prepare(check, reference, args, case)
    assert (prepared.fits, prepared.malformed) == (False, True)
    assert prepared.unchecked(out, None) is None
    own = reference(*args)[0]
    # Shapes the reference's load refuses: out cannot be checked, and no weights are passed.
    case = Case(check.inputs, 7, got=({"weight": own["weight"].T, "bias": own["bias"]}, None))
    prepared = given.prepare(check, reference, args, case)
    assert (prepared.fits, prepared.partly, prepared.args) == (False, False, args)
    assert prepared.unchecked(out, None).feedback.startswith("Dense: out cannot be checked")
    # Keys the reference takes, but cannot compute out from: it reports out as raised.
    case = Case(check.inputs, 7, got=({"weight": own["weight"]}, None))
    prepared = given.prepare(check, reference, args, case)
    assert (prepared.fits, prepared.partly, len(prepared.args)) == (False, True, len(args) + 1)
    expected = prepared.value(reference(*prepared.args))
    assert expected[1] == "raised KeyError: 'bias'"
    assert prepared.unchecked(out, expected).feedback.startswith("Dense: out cannot be checked")
    assert prepared.unchecked(state, expected) is None
    # What it does compute from the parameters it took is compared.
    assert prepared.unchecked(out, (expected[0], np.zeros((3, 6)))) is None


def test_an_output_the_harness_reports_as_raised_says_what_was_raised(dense):
    wrong = SOLUTION.replace("return np.tanh(", "raise ValueError('not yet')\n        return (")
    tests = by_name(grade(dense, notebook(wrong)).result)
    assert tests["Dense/state"].status == "passed"
    assert tests["Dense/out"].feedback.startswith("Dense: out raised ValueError: not yet (on ")


def test_a_check_that_requires_nothing_reads_a_variable(dense):
    tests = by_name(grade(dense, notebook(SOLUTION.replace('"GRU"', '"LSTM"'))).result)
    assert tests["answer"].status == "failed"
    tests = by_name(grade(dense, notebook("import numpy as np")).result)
    assert tests["answer"].status == "failed"  # not missing: an unset variable reads as None
    assert tests["Dense/out"].status == "missing"


def test_given_must_name_an_output_of_a_harness_check(tmp_path):
    with pytest.raises(AssignmentError, match=r"checks\[0\]\.given: must be one of outputs"):
        read_assignment(_folder(tmp_path, MANIFEST.replace('given = "state"', 'given = "weights"')))
    no_call = MANIFEST.replace('call = "dense"\n', "", 1)
    with pytest.raises(AssignmentError, match=r"checks\[0\]\.given: needs call"):
        read_assignment(_folder(tmp_path, no_call))
