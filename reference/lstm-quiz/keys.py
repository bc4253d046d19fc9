"""The lstm-quiz keys that the seed says are "calculated from your code".

Each function takes ``reference`` (``reference("lstm-scratch")`` is that assignment's
``reference.py``) and returns the key exactly as ``assignment.toml`` stores it; ``markwell keys``
prints them and checks the stored ones. Nothing here is typed by hand: the numbers come from the
lstm-scratch reference, and the training run of q8 is the one the lstm-scratch starter notebook
itself runs, its settings read from the notebook's cells.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

LOSS_DECIMALS = 4
"""Decimals kept in the bounds of q8's accepted range.

The range is 0.2 wide and correct implementations agree to about 1e-13, so cutting the bounds to
4 decimals changes nothing a student sees, while the stored key stays the same on machines whose
BLAS rounds the last bits of the loss differently.
"""


def _quiz(reference):
    return reference("lstm-scratch").quiz_values()


def sigmoid_of_zero(reference):
    """q1: ``sigmoid(0)``."""
    return _quiz(reference)["sigmoid(0)"]


def dsigmoid_of_sigmoid(reference):
    """q2: ``dsigmoid(sigmoid(0))``."""
    return _quiz(reference)["dsigmoid(sigmoid(0))"]


def tanh_of_dsigmoid(reference):
    """q3: ``tanh(dsigmoid(sigmoid(0)))``."""
    return _quiz(reference)["tanh(dsigmoid(sigmoid(0)))"]


def dtanh_of_tanh(reference):
    """q4: ``dtanh(tanh(dsigmoid(sigmoid(0))))``."""
    return _quiz(reference)["dtanh(tanh(dsigmoid(sigmoid(0))))"]


def parameter_sizes(reference):
    """q5: the three assignments ``size_a = ...``, ``size_b = ...``, ``size_c = ...``."""
    sizes = reference("lstm-scratch").QUIZ_SIZES
    return [f"{name} = {value}" for name, value in sizes.items()]


def forward_output_count(reference):
    """q6: ``len(forward(...))`` on zero inputs."""
    return _quiz(reference)["len(forward(...))"]


def z_shape(reference):
    """q7: ``z.shape`` after ``forward`` on zero inputs, at the quiz's sizes (10 and 75)."""
    return [int(n) for n in _quiz(reference)["z.shape"]]


def training_loss_range(reference):
    """q8: the accepted last loss printed by the starter notebook's training cell.

    The run is the notebook's own: its text, hidden size, time steps, learning rate, seed and
    number of iterations, all read from the notebook. ``loss_range`` trains the reference on
    them and returns its final smoothed loss +- ``LOSS_TOLERANCE``.
    """
    ref = reference("lstm-scratch")
    text, settings = notebook_training_run(Path(ref.__file__).resolve().parent / "starter.ipynb")
    low, high = ref.loss_range(text=text, **settings)
    return [round(low, LOSS_DECIMALS), round(high, LOSS_DECIMALS)]


def notebook_training_run(path: Path) -> tuple[str, dict]:
    """The text and the ``train`` settings of a notebook's training cell.

    Reads, from the notebook's code cells: ``data = "..."`` (the text), ``Hidden_Layer_size``,
    ``time_steps`` and ``learning_rate`` (plain number assignments), the argument of
    ``np.random.seed(...)`` (the seed in force when ``Parameters()`` draws the weights) and the
    ``N`` of ``for iteration in range(N)`` (the training loop). Raises ``ValueError`` naming
    what it cannot find, finds twice or cannot read as a literal, so a changed notebook cannot
    silently change the key.
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, list] = {
        "data": [],
        "Hidden_Layer_size": [],
        "time_steps": [],
        "learning_rate": [],
        "seed": [],
        "iterations": [],
    }
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id in found:
                    found[target.id].append(_literal(node.value, target.id, path))
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "np.random.seed":
                found["seed"].append(_literal(node.args[0], "seed", path))
            elif (
                isinstance(node, ast.For)
                and ast.unparse(node.target) == "iteration"
                and isinstance(node.iter, ast.Call)
                and ast.unparse(node.iter.func) == "range"
                and len(node.iter.args) == 1
            ):
                found["iterations"].append(_literal(node.iter.args[0], "iterations", path))
    for name, values in found.items():
        if len(values) != 1:
            raise ValueError(f"{path.name}: expected one {name}, found {len(values)}: {values}")
    return found["data"][0], {
        "hidden": found["Hidden_Layer_size"][0],
        "time_steps": found["time_steps"][0],
        "learning_rate": found["learning_rate"][0],
        "seed": found["seed"][0],
        "iterations": found["iterations"][0],
    }


def _literal(node: ast.expr, name: str, path: Path):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(
            f"{path.name}: {name} is {ast.unparse(node)!r}, not a literal value"
        ) from None
