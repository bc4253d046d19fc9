"""A one-function assignment folder written in code, with whatever ``assignment.toml`` extra
a test needs (``[sandbox]``, ``requires``, ``[limits]``)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from tests.make_notebook import notebook

REFERENCE = """
import numpy as np

def double(x):
    return 2 * x
"""

CHECKS = """
def double_inputs(rng, ref):
    return (rng.normal(size=(2, 3)),)
"""

SOLUTION = "import numpy as np\n\ndef double(x):\n    return 2 * x"


def write_assignment(root: Path, assignment_id: str, extra: str = "") -> Path:
    """``root/assignment_id``, an assignment checking ``double``; ``extra`` is TOML put
    before its ``[[checks]]``."""
    folder = root / assignment_id
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(
        f'id = "{assignment_id}"\ntitle = "Doubling"\n{extra}\n'
        '[[checks]]\nfunction = "double"\ninputs = "double_inputs"\npoints = 1\n'
    )
    (folder / "reference.py").write_text(REFERENCE)
    (folder / "checks.py").write_text(CHECKS)
    nbformat.write(notebook(SOLUTION), folder / "solution.ipynb")
    nbformat.write(notebook("def double(x):\n    pass"), folder / "starter.ipynb")
    return folder
