"""The notebook every benchmark runs: a small, realistic student submission.

It imports NumPy, defines ``sigmoid``, ``softmax``, ``rnn_cell_forward`` and ``rnn_forward``
on small arrays, and does a few tiny computations, the last of them a numerical gradient check
(about 0.2 s of work in a warm kernel). The same student code exists in three forms:

* :func:`student_notebook`: the plain notebook (items 1 to 4 of the benchmark);
* :func:`nbgrader_source`: nbgrader's source notebook, with solution cells and autograder test
  cells holding ``assert`` statements (for ``generate_assignment``), and
  :func:`nbgrader_submission`: the released notebook with the student's answers filled in;
* :func:`markwell_checks`: the same assertions, made from outside the sandbox with
  ``session.call``.
"""

from __future__ import annotations

import copy
from typing import Any

import nbformat
import numpy as np
from nbformat import NotebookNode

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

IMPORTS = """\
import numpy as np

np.random.seed(1)"""

SIGMOID_SOFTMAX = """\
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e_x = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e_x / e_x.sum(axis=0, keepdims=True)"""

TRY_SOFTMAX = """\
z = np.random.randn(4, 3)
print(softmax(z).sum(axis=0))
print(sigmoid(np.array([-1.0, 0.0, 1.0])))"""

RNN_CELL = """\
def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)
    yt_pred = softmax(Wya @ a_next + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache"""

TRY_RNN_CELL = """\
xt = np.random.randn(3, 10)
a_prev = np.random.randn(5, 10)
parameters = {
    "Waa": np.random.randn(5, 5),
    "Wax": np.random.randn(5, 3),
    "Wya": np.random.randn(2, 5),
    "ba": np.random.randn(5, 1),
    "by": np.random.randn(2, 1),
}
a_next, yt_pred, cache = rnn_cell_forward(xt, a_prev, parameters)
print("a_next[4] =", a_next[4])
print("yt_pred.shape =", yt_pred.shape)"""

RNN_FORWARD = """\
def rnn_forward(x, a0, parameters):
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)"""

TRY_RNN_FORWARD = """\
x = np.random.randn(3, 10, 4)
a0 = np.random.randn(5, 10)
a, y_pred, caches = rnn_forward(x, a0, parameters)
print("a.shape =", a.shape, " y_pred.shape =", y_pred.shape)"""

GRADIENT_CHECK = """\
def loss(parameters, x, a0, labels):
    _, y_pred, _ = rnn_forward(x, a0, parameters)
    return -np.mean(np.log(np.sum(y_pred * labels, axis=0) + 1e-12))


seq = np.random.randn(3, 10, 100)
labels = np.eye(2)[:, np.random.randint(0, 2, size=(10, 100))]
eps = 1e-5
grad = np.zeros_like(parameters["Wax"])
for i in range(grad.shape[0]):
    for j in range(grad.shape[1]):
        plus = {k: v.copy() for k, v in parameters.items()}
        minus = {k: v.copy() for k, v in parameters.items()}
        plus["Wax"][i, j] += eps
        minus["Wax"][i, j] -= eps
        grad[i, j] = (loss(plus, seq, a0, labels) - loss(minus, seq, a0, labels)) / (2 * eps)
print("numerical dL/dWax:")
print(np.round(grad, 4))"""

SUMMARY = """\
print("loss =", round(float(loss(parameters, seq, a0, labels)), 4))"""

STUDENT_CELLS = [
    ("markdown", "# Building a recurrent neural network, step by step"),
    ("code", IMPORTS),
    ("markdown", "## 1. Activations"),
    ("code", SIGMOID_SOFTMAX),
    ("code", TRY_SOFTMAX),
    ("markdown", "## 2. One RNN cell"),
    ("code", RNN_CELL),
    ("code", TRY_RNN_CELL),
    ("markdown", "## 3. The forward pass over a sequence"),
    ("code", RNN_FORWARD),
    ("code", TRY_RNN_FORWARD),
    ("markdown", "## 4. A numerical gradient check"),
    ("code", GRADIENT_CHECK),
    ("code", SUMMARY),
]

# Autograder tests, placed after the cell that defines what they test (nbgrader's form).
TESTS = {
    SIGMOID_SOFTMAX: """\
assert abs(sigmoid(0.0) - 0.5) < 1e-12
_z = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
_s = softmax(_z)
assert _s.shape == (3, 2)
assert np.allclose(_s.sum(axis=0), 1.0)
assert np.allclose(_s[:, 0], np.exp(_z[:, 0]) / np.exp(_z[:, 0]).sum())""",
    RNN_CELL: """\
_rng = np.random.RandomState(7)
_p = {"Waa": _rng.randn(5, 5), "Wax": _rng.randn(5, 3), "Wya": _rng.randn(2, 5),
      "ba": _rng.randn(5, 1), "by": _rng.randn(2, 1)}
_xt, _ap = _rng.randn(3, 10), _rng.randn(5, 10)
_a, _y, _c = rnn_cell_forward(_xt, _ap, _p)
_expect = np.tanh(_p["Waa"] @ _ap + _p["Wax"] @ _xt + _p["ba"])
assert _a.shape == (5, 10) and _y.shape == (2, 10)
assert np.allclose(_a, _expect)
assert np.allclose(_y.sum(axis=0), 1.0)""",
    RNN_FORWARD: """\
_rng = np.random.RandomState(8)
_p = {"Waa": _rng.randn(5, 5), "Wax": _rng.randn(5, 3), "Wya": _rng.randn(2, 5),
      "ba": _rng.randn(5, 1), "by": _rng.randn(2, 1)}
_x, _a0 = _rng.randn(3, 10, 4), _rng.randn(5, 10)
_a, _y, _caches = rnn_forward(_x, _a0, _p)
assert _a.shape == (5, 10, 4) and _y.shape == (2, 10, 4)
assert np.allclose(_a[:, :, 0], np.tanh(_p["Waa"] @ _a0 + _p["Wax"] @ _x[:, :, 0] + _p["ba"]))
assert len(_caches[0]) == 4""",
}


def _notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = cells
    return nb


def student_notebook(name: str = "student") -> NotebookNode:
    """The student's notebook as they hand it in (no test cells, no outputs)."""
    cells = [nbformat.v4.new_markdown_cell(f"Submitted by {name}")]
    for kind, source in STUDENT_CELLS:
        if kind == "code":
            cells.append(nbformat.v4.new_code_cell(source))
        else:
            cells.append(nbformat.v4.new_markdown_cell(source))
    return _notebook(cells)


def one_cell_notebook() -> NotebookNode:
    """The floor: one trivial cell."""
    return _notebook([nbformat.v4.new_code_cell("1 + 1")])


def _solution(source: str) -> str:
    """Wrap the body of every function in nbgrader's solution markers."""
    out: list[str] = []
    for line in source.splitlines():
        out.append(line)
        if line.startswith("def "):
            out.append("    ### BEGIN SOLUTION")
        elif line.startswith("    return"):
            out.append("    ### END SOLUTION")
    return "\n".join(out)


def nbgrader_source() -> NotebookNode:
    """nbgrader's source notebook: solution cells and autograder test cells (with points)."""
    cells: list[NotebookNode] = []
    n = 0
    for kind, source in STUDENT_CELLS:
        if kind == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        n += 1
        if source in TESTS:
            cell = nbformat.v4.new_code_cell(_solution(source))
            cell.metadata["nbgrader"] = {
                "grade": False,
                "solution": True,
                "locked": False,
                "grade_id": f"solution_{n}",
                "schema_version": 3,
            }
            cells.append(cell)
            test = nbformat.v4.new_code_cell(TESTS[source])
            test.metadata["nbgrader"] = {
                "grade": True,
                "solution": False,
                "locked": True,
                "points": 2,
                "grade_id": f"test_{n}",
                "schema_version": 3,
            }
            cells.append(test)
        else:
            cells.append(nbformat.v4.new_code_cell(source))
    return _notebook(cells)


def nbgrader_submission(released: NotebookNode, name: str) -> NotebookNode:
    """The released notebook with the student's code written into the solution cells."""
    nb = copy.deepcopy(released)
    answers = iter(TESTS)  # the solution cells, in notebook order
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = next(answers)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"Submitted by {name}"))
    return nb


# -- the same assertions, from outside the sandbox -------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _params(rng: np.random.RandomState) -> dict[str, np.ndarray]:
    return {
        "Waa": rng.randn(5, 5),
        "Wax": rng.randn(5, 3),
        "Wya": rng.randn(2, 5),
        "ba": rng.randn(5, 1),
        "by": rng.randn(2, 1),
    }


def markwell_checks(session: Any) -> int:
    """Make the assertions of :data:`TESTS` with ``session.call``; return the points (of 6)."""
    points = 0
    z = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    try:
        s = session.call("softmax", z).value
        half = session.call("sigmoid", np.float64(0.0)).value
        if abs(half - 0.5) < 1e-12 and s.shape == (3, 2) and np.allclose(s, _softmax(z)):
            points += 2
    except Exception:
        pass
    rng = np.random.RandomState(7)
    p = _params(rng)
    xt, ap = rng.randn(3, 10), rng.randn(5, 10)
    try:
        a, y, _ = session.call("rnn_cell_forward", xt, ap, p).value
        expect = np.tanh(p["Waa"] @ ap + p["Wax"] @ xt + p["ba"])
        if a.shape == (5, 10) and np.allclose(a, expect) and np.allclose(y.sum(axis=0), 1.0):
            points += 2
    except Exception:
        pass
    rng = np.random.RandomState(8)
    p = _params(rng)
    x, a0 = rng.randn(3, 10, 4), rng.randn(5, 10)
    try:
        a, y, caches = session.call("rnn_forward", x, a0, p).value
        first = np.tanh(p["Waa"] @ a0 + p["Wax"] @ x[:, :, 0] + p["ba"])
        shapes = a.shape == (5, 10, 4) and y.shape == (2, 10, 4) and len(caches[0]) == 4
        if shapes and np.allclose(a[:, :, 0], first):
            points += 2
    except Exception:
        pass
    return points
