"""Graded samples: answers an instructor graded once, kept to check the rubric still agrees.

``samples/NAME.answers.json`` holds answers in a quiz's answer-file form
(``{"answers": {"q1": "..."}}``); ``samples/NAME.expected.toml`` the grade of each::

    [q1]
    items = ["s2s-apps", "no-gradient"]
    score = 2.0
    adjustment = 0.0   # optional

``markwell validate`` checks that each expected item is in the rubric and that the expected
score is what the rubric gives those items now.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.freetext import UnreadableAnswer, answer_from_json
from graders.rubric.model import Rubric
from graders.rubric.score import score

SAMPLES = "samples"
ANSWERS = ".answers.json"
EXPECTED = ".expected.toml"


@dataclass(frozen=True)
class SampleCheck:
    """One sample's verdict."""

    name: str
    ok: bool
    message: str


def sample_names(folder: Path) -> list[str]:
    """The samples of an assignment folder, by name (either file makes a sample)."""
    root = folder / SAMPLES
    if not root.is_dir():
        return []
    names = {p.name[: -len(ANSWERS)] for p in root.glob(f"*{ANSWERS}")}
    names |= {p.name[: -len(EXPECTED)] for p in root.glob(f"*{EXPECTED}")}
    return sorted(names)


def check_samples(folder: Path, questions: Sequence[Any], rubric: Rubric) -> list[SampleCheck]:
    """Every sample of ``folder`` checked against ``rubric`` and the questions' points."""
    return [check_sample(folder, name, questions, rubric) for name in sample_names(folder)]


def check_sample(folder: Path, name: str, questions: Sequence[Any], rubric: Rubric) -> SampleCheck:
    """One sample: its files read, each expected grade matched against the rubric."""
    answers_path = folder / SAMPLES / f"{name}{ANSWERS}"
    expected_path = folder / SAMPLES / f"{name}{EXPECTED}"
    try:
        answers = _answers(answers_path)
        expected = _expected(expected_path)
        totals = _totals(expected, expected_path.name)
    except _Bad as bad:
        return SampleCheck(name, False, bad.message)
    free = {q.id: q for q in questions if q.type == "free-text"}
    problems = []
    scores = []
    for qid, grade in expected.items():
        problem = _grade_problem(qid, grade, free, rubric, answers)
        if problem:
            problems.append(f"{qid}: {problem}")
        else:
            scores.append(f"{qid} {grade['score']:g}")
    total = sum(grade["score"] for grade in expected.values())
    if "score" in totals and abs(totals["score"] - total) > 1e-6:
        problems.append(
            f"score: {totals['score']:g}, but the questions' scores add up to {total:g}"
        )
    most = sum(q.points for q in free.values())
    if "max_score" in totals and abs(totals["max_score"] - most) > 1e-6:
        problems.append(
            f"max_score: {totals['max_score']:g}, but the free-text points are {most:g}"
        )
    if problems:
        return SampleCheck(name, False, f"{expected_path.name}: {'; '.join(problems)}")
    return SampleCheck(name, True, f"scores as expected ({', '.join(scores) or 'nothing graded'})")


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _answers(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        raise _Bad(f"{path.name} is missing (the answers the expected grades are of)")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Bad(f"{path.name} is not valid JSON: {exc}") from None
    answers = document.get("answers") if isinstance(document, dict) else None
    if not isinstance(answers, dict):
        raise _Bad(f'{path.name} must be {{"answers": {{"q1": "...", ...}}}}')
    return answers


TOTALS = {"assignment": str, "answers": str, "score": float, "max_score": float}
"""Top-level fields of an expected file beside its question tables: what it is of, and the
totals (checked against the questions' scores and points)."""


def _totals(data: dict[str, Any], name: str) -> dict[str, Any]:
    totals = {key: data.pop(key) for key in list(data) if key in TOTALS}
    for key, value in totals.items():
        if TOTALS[key] is str and not isinstance(value, str):
            raise _Bad(f"{name}: {key}: must be a string")
        if TOTALS[key] is float and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise _Bad(f"{name}: {key}: must be a finite number")
    return totals


def _expected(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        raise _Bad(f"{path.name} is missing (the grades expected of the answers)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _Bad(f"{path.name} is not valid TOML: {exc}") from None
    for qid, grade in data.items():
        where = f"{path.name}: {qid}"
        if qid in TOTALS:
            continue
        if not isinstance(grade, dict):
            raise _Bad(f"{where}: must be a table ([{qid}] with items and score)")
        extra = sorted(set(grade) - {"items", "score", "adjustment", "why"})
        if extra:
            raise _Bad(f"{where}.{extra[0]}: unknown field (known: adjustment, items, score, why)")
        items = grade.get("items")
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise _Bad(f"{where}.items: must be a list of item ids")
        for key in ("score", "adjustment"):
            value = grade.get(key, 0.0 if key == "adjustment" else None)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _Bad(f"{where}.{key}: must be a number")
            if not math.isfinite(value):
                raise _Bad(f"{where}.{key}: must be a finite number")
            grade[key] = float(value)
    return data


def _grade_problem(
    qid: str,
    grade: dict[str, Any],
    free: Mapping[str, Any],
    rubric: Rubric,
    answers: Mapping[str, Any],
) -> str:
    if qid not in free:
        return f"not a free-text question (those are {', '.join(free) or 'none'})"
    question = rubric.get(qid)
    if question is None:
        return "has no rubric"
    unknown = [i for i in grade["items"] if question.item(i) is None]
    if unknown:
        return f"no item {', '.join(unknown)} in the rubric"
    try:
        answer = answer_from_json(answers.get(qid), qid)
    except UnreadableAnswer as unreadable:
        return f"the sample's answer cannot be read: {unreadable.message}"
    if answer.empty:
        return "the sample does not answer it"
    got = score(question, grade["items"], grade["adjustment"], points=free[qid].points)
    if abs(got - grade["score"]) > 1e-6:
        return f"expected score {grade['score']:g}, but the rubric gives those items {got:g}"
    return ""
