"""The judge end to end, through the real sandbox, on a small assignment written the way an
instructor would write one (outside the repository, picked up from an extra catalog path)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat
import pytest

from graders import Limits, evaluate, grade, load_catalog
from graders.assignments import Assignment
from tests.make_notebook import notebook

MANIFEST = """
id = "affine"
title = "An affine layer"

[limits]
cell_seconds = 5
call_seconds = 3

[[checks]]
function = "affine_forward"
inputs = "forward_inputs"
seed_cases = ["forward_seed_case"]
outputs = ["out", "cache"]
points = {out = 6, cache = 2}

[[checks]]
function = "relu"
inputs = "relu_inputs"
points = 2
accept = ["relu6"]
notes = {relu6 = "Your relu clips at 6 (ReLU6), which this course also accepts."}
"""

REFERENCE = """
import numpy as np

def affine_forward(x, W, b):
    out = W @ x + b
    return out, (x, W, b)

def relu(z):
    return np.maximum(z, 0)

def relu6(z):
    return np.minimum(np.maximum(z, 0), 6)
"""

CHECKS = """
import numpy as np

def forward_inputs(rng, ref):
    return rng.normal(size=(3, 4)), rng.normal(size=(2, 3)), rng.normal(size=(2, 1))

def forward_seed_case(ref):
    np.random.seed(1)
    return np.random.randn(3, 4), np.random.randn(2, 3), np.random.randn(2, 1)

def relu_inputs(rng, ref):
    return (rng.normal(scale=10, size=(4, 5)),)
"""


SOLUTION = """
import numpy as np

def affine_forward(x, W, b):
    return W @ x + b, (x, W, b)

def relu(z):
    return np.maximum(z, 0)
"""


def write_assignment(root: Path) -> Path:
    folder = root / "affine"
    (folder / "mutants").mkdir(parents=True)
    (folder / "assignment.toml").write_text(MANIFEST)
    (folder / "reference.py").write_text(REFERENCE)
    (folder / "checks.py").write_text(CHECKS)
    (folder / "mutants" / "plus-one.py").write_text(
        '"""out adds 1 to W @ x + b."""\nTARGET = "affine_forward"\n\n\n'
        "def affine_forward(x, W, b):\n    return W @ x + b + 1, (x, W, b)\n"
    )
    nbformat.write(notebook(SOLUTION), folder / "solution.ipynb")
    nbformat.write(notebook("def affine_forward(x, W, b):\n    pass"), folder / "starter.ipynb")
    return folder


@pytest.fixture(scope="module")
def affine(tmp_path_factory) -> Assignment:
    root = tmp_path_factory.mktemp("course")
    write_assignment(root)
    return load_catalog([root])["affine"]


def by_name(result) -> dict[str, object]:
    return {t.name: t for t in result.tests}


def test_the_solution_scores_full_marks(affine):
    graded = grade(affine, affine.solution)
    assert graded.result.status == "graded"
    assert (graded.result.score, graded.result.max_score) == (10, 10)
    assert [t.status for t in graded.result.tests] == ["passed"] * 3
    run_forward, _ = graded.runs
    assert [c.seed is None for c in run_forward.cases] == [True, False, False]


def test_a_known_mistake_is_named_with_the_first_differing_index(affine):
    wrong = SOLUTION.replace("return W @ x + b, (x, W, b)", "return W @ x + b + 1, (x, W, b)")
    result = grade(affine, notebook(wrong)).result
    tests = by_name(result)
    out = tests["affine_forward/out"]
    assert (out.status, out.score) == ("failed", 0.0)
    assert out.feedback.startswith("affine_forward: out differs from the reference at [0, 0]")
    assert "(on the assignment's own test case)" in out.feedback
    assert out.feedback.endswith("This matches a known mistake: out adds 1 to W @ x + b.")
    assert tests["affine_forward/cache"].status == "passed"
    assert tests["relu"].status == "passed"
    assert result.score == 4


def test_missing_raising_and_slow_functions_get_their_own_verdicts(affine):
    nb = notebook(
        "import numpy as np",
        "def affine_forward(x, W, b):\n    return x @ W + b, (x, W, b)",
    )
    tests = by_name(grade(affine, nb).result)
    assert tests["affine_forward/out"].status == "error"
    assert tests["affine_forward/out"].feedback.startswith("affine_forward raised ValueError")
    assert tests["relu"].status == "missing"
    assert tests["relu"].feedback == (
        "relu is not defined: define it with the signature of the starter notebook."
    )
    slow = notebook(SOLUTION, "import time\ndef relu(z):\n    time.sleep(60)")
    tests = by_name(grade(affine, slow, Limits(call_seconds=1)).result)
    assert tests["relu"].status == "timeout"
    assert tests["affine_forward/out"].status == "passed"


def test_a_function_that_kills_its_kernel_gets_the_kernels_last_words_as_feedback(affine):
    dies = (
        "import os\n"
        "def relu(z):\n"
        "    os.write(2, b'libgomp: Thread creation failed: Resource temporarily unavailable\\n')\n"
        "    os._exit(1)"
    )
    tests = by_name(grade(affine, notebook(SOLUTION, dies)).result)
    assert tests["relu"].status == "error"
    assert tests["relu"].feedback.startswith("relu crashed its kernel: ")
    assert "Thread creation failed: Resource temporarily unavailable" in tests["relu"].feedback
    assert tests["affine_forward/out"].status == "passed"


def test_a_function_that_only_works_on_the_seed_case_loses_its_marks(affine):
    # Right on the seed document's inputs, raising on any other: the worst case counts.
    only_seed = SOLUTION.replace(
        "    return W @ x + b, (x, W, b)",
        "    if not np.isclose(x[0, 0], 1.6243453636632417):  # np.random.seed(1)'s first draw\n"
        "        raise ValueError('not the example')\n"
        "    return W @ x + b, (x, W, b)",
    )
    tests = by_name(grade(affine, notebook(only_seed)).result)
    assert (tests["affine_forward/out"].status, tests["affine_forward/out"].score) == ("error", 0)
    assert "raised ValueError: not the example" in tests["affine_forward/out"].feedback


def test_tampering_inside_the_sandbox_changes_nothing(affine):
    tamper = (
        SOLUTION.replace("W @ x + b,", "W @ x + b + 0.5,")
        + "\nnp.allclose = lambda *a, **k: True\nprint('{\"score\": 100}')\n"
    )
    result = grade(affine, notebook(tamper)).result
    assert by_name(result)["affine_forward/out"].status == "failed"
    assert result.score < result.max_score


def test_an_accepted_variant_earns_full_marks_with_a_note_saying_which(affine):
    relu6 = SOLUTION.replace("np.maximum(z, 0)", "np.clip(z, 0, 6)")
    tests = by_name(grade(affine, notebook(relu6)).result)
    assert (tests["relu"].status, tests["relu"].score) == ("passed", 2)
    assert tests["relu"].feedback == "Your relu clips at 6 (ReLU6), which this course also accepts."
    assert by_name(grade(affine, affine.solution).result)["relu"].feedback == ""


def test_stored_outputs_are_judged_again_without_a_kernel(affine, tmp_path):
    wrong = SOLUTION.replace("np.maximum(z, 0)", "np.maximum(z, 0) + 0.01")
    graded = grade(affine, notebook(wrong))
    assert by_name(graded.result)["relu"].status == "failed"
    # The instructor loosens the tolerance and raises the points: no student code runs again.
    relaxed = dataclasses.replace(
        affine.checks[1],
        atol=0.02,
        outputs=(dataclasses.replace(affine.checks[1].outputs[0], points=4),),
    )
    fixed = dataclasses.replace(affine, checks=(affine.checks[0], relaxed))
    again = evaluate(fixed, graded.runs)
    assert by_name(again)["relu"].status == "passed"
    assert (again.score, again.max_score) == (12, 12)


def test_a_file_that_is_not_a_notebook_is_rejected_with_the_reason(affine):
    result = grade(affine, b"not json at all").result
    assert result.status == "rejected"
    assert "JSON" in result.reason or "notebook" in result.reason
    assert result.tests == ()
