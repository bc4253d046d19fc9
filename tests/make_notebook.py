"""Tiny notebooks built in code, so the test suite carries no ``.ipynb`` files."""

from __future__ import annotations

import textwrap

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def notebook(*cells: str, markdown: str | None = None) -> NotebookNode:
    """A notebook of code cells (dedented), optionally led by one markdown cell.

    With ``markdown`` the code cells start at nbformat index 1; without it at 0, so a cell's
    position in ``cells`` is its ``CellReport.index``.
    """
    nb = new_notebook()
    if markdown is not None:
        nb.cells.append(new_markdown_cell(markdown))
    nb.cells.extend(new_code_cell(textwrap.dedent(src).strip("\n")) for src in cells)
    return nb
