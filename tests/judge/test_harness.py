"""Checks that go through ``harness.py``: the student's own class is built inside the sandbox
from plain data, and mutants of a helper it uses are named through the reference's code."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from graders import AssignmentError, grade, load_catalog, read_assignment
from graders.assignments import Assignment
from tests.make_notebook import notebook

MANIFEST = """
id = "layer"
title = "A layer object"

[limits]
cell_seconds = 5
call_seconds = 3

[[checks]]
function = "activate"
inputs = "activate_inputs"
points = 2

[[checks]]
function = "Layer"
call = "layer_output"
requires = ["Layer", "activate"]
inputs = "layer_inputs"
points = 4
"""

REFERENCE = """
import numpy as np

def activate(z):
    return np.tanh(z)

class Layer:
    def __init__(self, weights):
        self.W, self.b = weights["W"], weights["b"]

    def forward(self, x):
        return activate(self.W @ x + self.b)
"""

CHECKS = """
def activate_inputs(rng, ref):
    return (rng.normal(size=(3, 2)),)

def layer_inputs(rng, ref):
    weights = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=(2, 1))}
    return weights, rng.normal(size=(3, 4))
"""

HARNESS = """
def layer_output(nb, weights, x):
    return nb.Layer(weights).forward(x)
"""

SOLUTION = """
import numpy as np

def activate(z):
    return np.tanh(z)

class Layer:
    def __init__(self, weights):
        self.W = weights["W"]
        self.b = weights["b"]

    def forward(self, x):
        return activate(self.W @ x + self.b)
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory) -> Assignment:
    root = tmp_path_factory.mktemp("course")
    folder = root / "layer"
    (folder / "mutants").mkdir(parents=True)
    (folder / "assignment.toml").write_text(MANIFEST)
    (folder / "reference.py").write_text(REFERENCE)
    (folder / "checks.py").write_text(CHECKS)
    (folder / "harness.py").write_text(HARNESS)
    (folder / "mutants" / "sigmoid-for-tanh.py").write_text(
        '"""activate uses a sigmoid where tanh belongs."""\nimport numpy as np\n'
        'TARGET = "activate"\n\n\ndef activate(z):\n    return 1 / (1 + np.exp(-z))\n'
    )
    nbformat.write(notebook(SOLUTION), folder / "solution.ipynb")
    nbformat.write(notebook("class Layer:\n    pass"), folder / "starter.ipynb")
    return load_catalog([root], builtin=False)["layer"]


def by_name(result) -> dict[str, object]:
    return {t.name: t for t in result.tests}


def test_the_harness_builds_the_students_own_class_in_the_sandbox(layer):
    result = grade(layer, layer.solution).result
    assert (result.score, result.max_score) == (6, 6)


def test_a_class_right_given_its_wrong_helper_keeps_its_points_and_says_where_the_mistake_is(
    layer,
):
    wrong = SOLUTION.replace("return np.tanh(z)", "return 1 / (1 + np.exp(-z))")
    tests = by_name(grade(layer, notebook(wrong)).result)
    assert tests["activate"].status == "failed"
    assert tests["activate"].feedback.endswith(
        "This matches a known mistake: activate uses a sigmoid where tanh belongs."
    )
    assert (tests["Layer"].status, tests["Layer"].score) == ("passed", 4)
    assert tests["Layer"].feedback == (
        "Layer is right given your activate; the mistake is in activate, "
        "so it costs marks there only."
    )


def test_costing_a_helpers_mistake_everywhere_names_it_where_the_class_uses_it(
    layer, tmp_path: Path
):
    folder = tmp_path / "layer"
    shutil.copytree(layer.folder, folder)
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text() + "\n[feedback]\ncarry_forward = false\n")
    everywhere = read_assignment(folder)
    wrong = SOLUTION.replace("return np.tanh(z)", "return 1 / (1 + np.exp(-z))")
    tests = by_name(grade(everywhere, notebook(wrong)).result)
    assert (tests["Layer"].status, tests["Layer"].score) == ("failed", 0)
    assert tests["Layer"].feedback.endswith(
        "This matches a known mistake: activate uses a sigmoid where tanh belongs. "
        "Layer is right given your activate: fix the mistake in activate first."
    )


def test_a_check_whose_requirement_is_missing_is_missing_and_says_what(layer):
    only_class = SOLUTION.replace("def activate(z):\n    return np.tanh(z)\n", "")
    tests = by_name(grade(layer, notebook(only_class)).result)
    assert tests["Layer"].status == "missing"
    assert tests["Layer"].feedback.startswith(
        "Layer needs activate, which the notebook does not define"
    )


def test_a_call_without_a_harness_file_names_the_missing_file(layer, tmp_path: Path):
    folder = tmp_path / "layer"
    folder.mkdir()
    for item in layer.folder.iterdir():
        if item.is_file() and item.name != "harness.py":
            (folder / item.name).write_bytes(item.read_bytes())
    with pytest.raises(AssignmentError) as err:
        read_assignment(folder)
    assert "harness.py" in str(err.value)
    assert "checks[1].call" in str(err.value)
