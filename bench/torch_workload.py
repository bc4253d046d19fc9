"""The notebooks of ``bench_torch.py``: the batch's submissions of rnn-cells-torch, whose
graded classes share cells, and the seconds of the cells its time goes to."""

from __future__ import annotations

import ast
import copy
import random
from datetime import datetime

import nbformat
from bench_grading import Notebooks, Submission
from nbformat import NotebookNode

from graders import Assignment
from graders.report import RunReport


def class_spans(nb: NotebookNode, names: set[str]) -> dict[str, tuple[int, int, int]]:
    """Graded class -> (cell index, first line, last line) of its definition."""
    spans: dict[str, tuple[int, int, int]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.ClassDef) and node.name in names:
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                spans[node.name] = (index, first, node.end_lineno or node.lineno)
    return spans


class TorchNotebooks(Notebooks):
    """``bench_grading``'s submissions for graded classes: several classes share a cell here,
    so a deletion removes the classes' definitions from their cells, not the cells."""

    def __init__(self, assignment: Assignment) -> None:
        self.assignment = assignment
        self.solution = nbformat.read(assignment.solution, as_version=4)
        self.spans = class_spans(self.solution, {c.function for c in assignment.checks})
        # The training and Question 3 checks judge what the notebook does, not a class.
        self.functions = [c.function for c in assignment.checks if c.function in self.spans]
        self.cells = {f: self.spans[f][0] for f in self.functions}
        self.answers = {f: self.solution.cells[i].source for f, i in self.cells.items()}

    def of_deletion(self, name: str, seed: int) -> Submission:
        """Half of the graded classes' definitions removed."""
        deleted = tuple(
            sorted(random.Random(seed).sample(self.functions, len(self.functions) // 2))
        )
        nb = copy.deepcopy(self.solution)
        for index in {self.cells[f] for f in deleted}:
            gone = {
                line
                for f in deleted
                if self.spans[f][0] == index
                for line in range(self.spans[f][1], self.spans[f][2] + 1)
            }
            lines = nb.cells[index].source.splitlines()
            kept = (text for number, text in enumerate(lines, 1) if number not in gone)
            nb.cells[index].source = "\n".join(kept)
        answers = {f: ("" if f in deleted else s) for f, s in self.answers.items()}
        return Submission(name, "deleted", nb, answers, deleted=deleted)


def cell_index(nb: NotebookNode, marker: str) -> int:
    """The first code cell whose source holds ``marker``."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and marker in cell.source:
            return index
    raise RuntimeError(f"no cell of the solution holds {marker!r}")


class Cells:
    """The cells the time goes to: the one importing torch, the training loop."""

    def __init__(self, nb: NotebookNode) -> None:
        self.import_cell = cell_index(nb, "import torch")
        self.training_cell = cell_index(nb, "optimizer.step()")

    def of_report(self, report: RunReport | None) -> dict[str, float]:
        """Seconds of the run and of those two cells, as Markwell's report times them."""
        if report is None:
            return {}
        seconds = {c.index: c.seconds for c in report.cells}
        return {
            "run": round(report.seconds, 3),
            "import_cell": round(seconds.get(self.import_cell, 0.0), 3),
            "training_cell": round(seconds.get(self.training_cell, 0.0), 3),
        }

    def of_nbclient(self, nb: NotebookNode) -> dict[str, float]:
        """The same from an executed notebook's ``metadata.execution`` (nbclient's timing)."""

        def seconds(index: int) -> float:
            timing = nb.cells[index].metadata.get("execution", {})
            start = timing.get("iopub.execute_input")
            end = timing.get("shell.execute_reply")
            if not start or not end:
                return 0.0
            iso = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (start, end))
            begin, finish = iso
            return round((finish - begin).total_seconds(), 3)

        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        return {
            "cells": round(sum(seconds(i) for i in code), 3),
            "import_cell": seconds(self.import_cell),
            "training_cell": seconds(self.training_cell),
        }
