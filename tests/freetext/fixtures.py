"""Small assignments with free-text questions, written the way an instructor would, and the
pictures the tests hand in (made with Pillow, which only the tests use)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.small_assignment import CHECKS, REFERENCE, SOLUTION

QUESTIONS = """
[[questions]]
id = "q1"
type = "free-text"
prompt = "Why does a vanilla RNN forget long-range context?"
points = 2

[[questions]]
id = "q2"
type = "free-text"
prompt = "Sketch the unrolled network."
points = 1
image = "allowed"
"""

RUBRICS = """
[q1]
[[q1.items]]
id = "vanishing"
text = "Names vanishing gradients"
points = 1
group = "Cause"

[[q1.items]]
id = "repeated-product"
text = "Explains the repeated product of Jacobians"
points = 1
group = "Cause"

[[q1.items]]
id = "wrong-claim"
text = "Claims the weights are reset each step"
points = -1

[q2]
floor = false
[[q2.items]]
id = "unrolled"
text = "Shows one cell per time step, sharing weights"
points = 1
"""

PLACEHOLDER = "*Write your answer here.*"


def answer_cell(qid: str, text: str, metadata: bool = True, marker: bool = True) -> NotebookNode:
    """A markdown answer cell, marked by metadata, by the marker line, or both."""
    source = f"<!-- answer: {qid} -->\n{text}" if marker else text
    cell = new_markdown_cell(source)
    if metadata:
        cell.metadata["markwell"] = {"answer": qid}
    return cell


def notebook_with(*cells: NotebookNode, code: str = SOLUTION) -> NotebookNode:
    return new_notebook(cells=[new_code_cell(code), *cells])


def starter() -> NotebookNode:
    return notebook_with(
        answer_cell("q1", PLACEHOLDER),
        answer_cell("q2", PLACEHOLDER),
        code="def double(x):\n    pass",
    )


def write_notebook_assignment(
    root: Path, rubrics: str | None = RUBRICS, questions: str = QUESTIONS
) -> Path:
    """``root/theory``: one checked function (``double``) and two free-text questions."""
    folder = root / "theory"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(
        'id = "theory"\ntitle = "Doubling, and why"\n'
        '[[checks]]\nfunction = "double"\ninputs = "double_inputs"\npoints = 1\n'
        + textwrap.dedent(questions)
    )
    (folder / "reference.py").write_text(REFERENCE)
    (folder / "checks.py").write_text(CHECKS)
    if rubrics is not None:
        (folder / "rubrics.toml").write_text(textwrap.dedent(rubrics))
    nbformat.write(starter(), folder / "starter.ipynb")
    solution = notebook_with(
        answer_cell("q1", "Gradients vanish: a product of many small Jacobians."),
        answer_cell("q2", "One cell per step, the same weights each time."),
    )
    nbformat.write(solution, folder / "solution.ipynb")
    return folder


QUIZ = """
id = "essay-quiz"
title = "Short answers"
kind = "quiz"

[[questions]]
id = "q1"
type = "single"
prompt = "Which is a gate of the LSTM?"
options = ["forget", "remember"]
answer = "a"
"""


def write_quiz(root: Path, rubrics: str | None = RUBRICS, questions: str = QUESTIONS) -> Path:
    """``root/essay-quiz``: a choice question (``q1`` renamed ``c1``) and the free-text ones."""
    folder = root / "essay-quiz"
    folder.mkdir(parents=True)
    manifest = textwrap.dedent(QUIZ).replace('id = "q1"', 'id = "c1"')
    (folder / "assignment.toml").write_text(manifest + textwrap.dedent(questions))
    if rubrics is not None:
        (folder / "rubrics.toml").write_text(textwrap.dedent(rubrics))
    return folder


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (16, 16), progressive: bool = False) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(out, format="JPEG", progressive=progressive)
    return out.getvalue()
