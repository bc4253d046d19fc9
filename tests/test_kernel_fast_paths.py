"""A grading kernel skips ipykernel's per-cell work it has no use for, and a notebook runs as
it would in Jupyter: IPython syntax still works, outputs land in their own cells, tracebacks
name the right lines. Real kernels in the real sandbox, plus IPython's own transforms as the
reference for which cells may skip them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from graders import Limits, SandboxConfig, run_notebook
from graders.kernel.lighten import is_plain_python
from tests.make_notebook import notebook

ROOT = Path(__file__).resolve().parents[1]

TRICKY = [
    "x = 5 % 3",
    "a = 1\nb = a != 2",
    "%matplotlib inline\nx = 1",
    "!ls",
    "x?",
    "%%time\nx = 1",
    "await f()",
    ">>> x = 1",
    "\n\nx = 1",
    "  x = 1",
    "x = d[\n...: 3]",
    "s = '%d' % 3\nprint(s)",
    "a = !ls",
    "b = %pwd",
    "print('?')",
    "x = '''\n>>> y\n'''",
    "x = [\n  ...,\n]",
    "In [1]: x",
    "def f():\n    return 1\n",
    "x = (1 +\n     2)",
    "\tx = 1",
    "x = \x00",
    "f'{x!r}'",
]


def _reference_cells() -> list[str]:
    cells = list(TRICKY)
    for path in sorted((ROOT / "reference").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                source = cell["source"]
                cells.append(source if isinstance(source, str) else "".join(source))
    return cells


def test_a_cell_skips_ipythons_transforms_only_when_they_would_leave_it_unchanged():
    manager = TransformerManager()
    rows = []
    for cell in _reference_cells():
        same = manager.transform_cell(cell) == (cell if cell.endswith("\n") else cell + "\n")
        rows.append((cell, is_plain_python(cell), same))
    wrong = [cell for cell, plain, same in rows if plain and not same]
    assert wrong == []
    skipped = sum(plain for _, plain, _ in rows)
    assert skipped > len(rows) // 2  # the notebooks' cells are plain Python: the point
    by_cell = {cell: plain for cell, plain, _ in rows}
    for ipython_syntax in ("%matplotlib inline\nx = 1", "!ls", "x?", "%%time\nx = 1"):
        assert by_cell[ipython_syntax] is False


@pytest.mark.timeout(120)
def test_a_notebook_with_ipython_syntax_and_output_runs_as_in_jupyter():
    nb = notebook(
        "%time x = 6 * 7",
        "y = x % 5\ny",
        "import asyncio\nawait asyncio.sleep(0)\nz = 'awaited'",
        "print('no newline', end='')",
        "s = '''\n>>> kept\n'''\nprint(s.strip())",
        "import sys\nprint('to stderr', file=sys.stderr)",
        "def f(a):\n    b = a + 1\n    return b / 0\n",
        "f(1)",
        "print(z, y)",
    )
    with run_notebook(nb, Limits(), SandboxConfig()) as session:
        cells = session.nb.cells
        report = session.report

    def text(i: int) -> str:
        return "".join(o.get("text", "") for o in cells[i].outputs if o.output_type == "stream")

    assert [c.status for c in report.cells] == ["ok"] * 7 + ["error", "ok"]
    assert "Wall time" in text(0)  # the magic ran
    assert cells[1].outputs[0]["data"]["text/plain"] == "2"
    assert text(3) == "no newline"
    assert text(4) == "kept\n"  # a string that looks like a prompt is left as IPython leaves it
    assert text(5) == "to stderr\n"
    traceback = "\n".join(cells[7].outputs[0]["traceback"])
    assert "ZeroDivisionError" in traceback and "----> 3" in traceback  # f's own line 3
    assert text(8) == "awaited 2\n"
