"""An assignment written from docs/assignments.md alone, in a course folder outside the
repository, is listed, graded and validated by the real ``markwell`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell

from tests.make_notebook import notebook

REPO = Path(__file__).resolve().parents[1]

MANIFEST = """
id = "polynomial"
title = "Polynomials: evaluate, fit and differentiate"

[limits]
cell_seconds = 10
call_seconds = 5

[[checks]]
function = "poly_eval"
inputs = "eval_inputs"
seed_cases = ["seed_eval"]
points = 3

[[checks]]
function = "poly_fit"
inputs = "fit_inputs"
seed_cases = ["seed_fit"]
outputs = ["coeffs", "residual"]
points = { coeffs = 3, residual = 1 }
accept = ["poly_fit_mean_residual"]
notes.poly_fit = "Your residual is the sum of the squared errors, as the course defines it."
notes.poly_fit_mean_residual = "Your residual is the mean squared error; the course sums them."

[[checks]]
function = "poly_derivative"
inputs = "derivative_inputs"
points = 3
"""

REFERENCE = '''
import numpy as np


def poly_eval(coeffs, x):
    """The polynomial at every x; coeffs[0] multiplies the highest power (NumPy's order)."""
    y = np.zeros(np.shape(x))
    for c in coeffs:
        y = y * x + c
    return y


def poly_fit(x, y, degree):
    """Least-squares coefficients, highest power first, and the sum of squared errors."""
    vander = np.vander(x, degree + 1)
    coeffs = np.linalg.lstsq(vander, y, rcond=None)[0]
    return coeffs, float(np.sum((vander @ coeffs - y) ** 2))


def poly_fit_mean_residual(x, y, degree):
    """Accepted variant: the mean of the squared errors instead of their sum."""
    coeffs, total = poly_fit(x, y, degree)
    return coeffs, total / len(x)


def poly_derivative(coeffs):
    """Coefficients of the derivative, highest power first."""
    degree = len(coeffs) - 1
    return coeffs[:-1] * np.arange(degree, 0, -1)
'''

CHECKS = """
import numpy as np


def eval_inputs(rng, ref):
    degree = int(rng.integers(1, 5))
    return rng.normal(size=degree + 1), rng.uniform(-2, 2, size=int(rng.integers(3, 9)))


def seed_eval(ref):
    return np.array([1.0, -2.0, 3.0]), np.array([0.0, 1.0, 2.0])


def fit_inputs(rng, ref):
    degree = int(rng.integers(1, 4))
    n = int(rng.integers(degree + 4, 15))
    x = np.sort(rng.uniform(-1, 1, size=n))
    y = ref.poly_eval(rng.normal(size=degree + 1), x) + 0.1 * rng.normal(size=n)
    return x, y, degree


def seed_fit(ref):
    x = np.linspace(0.0, 1.0, 6)
    noise = np.array([0.1, -0.1, 0.05, 0.0, -0.05, 0.1])
    return x, 1.0 + 2.0 * x + 3.0 * x**2 + noise, 2


def derivative_inputs(rng, ref):
    # The coefficients come from the reference fit: a wrong poly_fit costs nothing here.
    coeffs, _ = ref.poly_fit(*fit_inputs(rng, ref))
    return (coeffs,)
"""

MISTAKE = (
    "poly_eval takes coeffs[0] as the constant term, but coeffs[0] multiplies the highest power."
)

MUTANT = f'''"""{MISTAKE}"""

import numpy as np

TARGET = "poly_eval"


def poly_eval(coeffs, x):
    y = np.zeros(np.shape(x))
    for c in coeffs[::-1]:
        y = y * x + c
    return y
'''

SOLUTION = REFERENCE.split("def poly_fit_mean_residual")[0] + (
    "def poly_derivative" + REFERENCE.split("def poly_derivative")[1]
)

STARTER = """
import numpy as np


def poly_eval(coeffs, x):
    ### START CODE HERE ###
    y = None
    ### END CODE HERE ###
    return y


def poly_fit(x, y, degree):
    ### START CODE HERE ###
    coeffs = None
    residual = None
    ### END CODE HERE ###
    return coeffs, residual


def poly_derivative(coeffs):
    ### START CODE HERE ###
    derivative = None
    ### END CODE HERE ###
    return derivative
"""

# A student who writes the mutant's mistake their own way, fits with np.polyfit, averages the
# squared errors (an accepted reading) and differentiates with np.polyder.
STUDENT = """
import numpy as np


def poly_eval(coeffs, x):
    return sum(c * x**i for i, c in enumerate(coeffs))


def poly_fit(x, y, degree):
    coeffs = np.polyfit(x, y, degree)
    return coeffs, np.mean((np.polyval(coeffs, x) - y) ** 2)


def poly_derivative(coeffs):
    return np.polyder(coeffs)
"""


def with_title(code: str) -> nbformat.NotebookNode:
    nb = notebook(code)
    nb.cells.insert(0, new_markdown_cell("# Polynomials"))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    assert not root.resolve().is_relative_to(REPO)
    folder = root / "polynomial"
    (folder / "mutants").mkdir(parents=True)
    (folder / "assignment.toml").write_text(MANIFEST)
    (folder / "reference.py").write_text(REFERENCE)
    (folder / "checks.py").write_text(CHECKS)
    (folder / "mutants" / "lowest-power-first.py").write_text(MUTANT)
    nbformat.write(with_title(SOLUTION), folder / "solution.ipynb")
    nbformat.write(with_title(STARTER), folder / "starter.ipynb")
    nbformat.write(notebook(STUDENT), root / "student.ipynb")
    return root


def markwell(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MARKWELL_ASSIGNMENTS_PATH=str(course))
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def grade_json(course: Path, notebook_path: Path) -> dict:
    done = markwell(course, "grade", "polynomial", str(notebook_path), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def by_name(result: dict) -> dict[str, dict]:
    return {t["name"]: t for t in result["tests"]}


def test_the_catalog_lists_the_course_folder(course):
    done = markwell(course, "assignments")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("polynomial "))
    assert line.split()[:5] == ["polynomial", "notebook", "10", "3", "1"]
    assert line.endswith("Polynomials: evaluate, fit and differentiate")


def test_the_solution_scores_full_marks_with_the_references_note(course):
    result = grade_json(course, course / "polynomial" / "solution.ipynb")
    assert (result["status"], result["score"], result["max_score"]) == ("graded", 10.0, 10.0)
    tests = by_name(result)
    assert list(tests) == [
        "poly_eval",
        "poly_fit/coeffs",
        "poly_fit/residual",
        "poly_derivative",
    ]
    assert [t["status"] for t in tests.values()] == ["passed"] * 4
    assert tests["poly_fit/residual"]["feedback"] == (
        "Your residual is the sum of the squared errors, as the course defines it."
    )
    # Both readings give the same coefficients: no note says which one they follow.
    assert tests["poly_fit/coeffs"]["feedback"] == ""


def test_the_mutants_mistake_loses_marks_and_is_named(course):
    result = grade_json(course, course / "student.ipynb")
    tests = by_name(result)
    wrong = tests["poly_eval"]
    assert (wrong["status"], wrong["score"], wrong["max_score"]) == ("failed", 0.0, 3.0)
    assert wrong["feedback"].startswith("poly_eval differs from the reference at [")
    assert "(on the assignment's own test case)" in wrong["feedback"]
    assert wrong["feedback"].endswith(f"This matches a known mistake: {MISTAKE}")
    # The other functions are right, the residual in its accepted reading.
    assert [tests[n]["status"] for n in tests if n != "poly_eval"] == ["passed"] * 3
    assert tests["poly_fit/residual"]["feedback"].startswith(
        "Your residual is the mean squared error"
    )
    assert result["score"] == 7.0


def test_the_starter_scores_nothing_without_a_grader_error(course):
    result = grade_json(course, course / "polynomial" / "starter.ipynb")
    assert (result["status"], result["score"]) == ("graded", 0.0)
    assert {t["status"] for t in result["tests"]} == {"failed"}
    assert by_name(result)["poly_eval"]["feedback"] == (
        "poly_eval is None, expected an array of shape (3,) (on the assignment's own test case)."
    )


def test_validate_passes_the_solution_and_catches_the_mutant(course, tmp_path):
    junit = tmp_path / "validate.xml"
    done = markwell(course, "validate", "polynomial", "--junit", str(junit))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "[ok  ] polynomial solution: scored 10/10"
    assert lines[1] == (
        "[ok  ] polynomial mutant lowest-power-first: lost 3 points on poly_eval; "
        "automatic diagnosis alone: does not name it"
    )
    assert lines[-1] == "markwell validate: 2 ok, 0 failed"
    assert '<testsuite name="polynomial" tests="2" failures="0">' in junit.read_text()
