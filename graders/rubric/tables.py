"""``rubrics.toml`` as pydantic models, checked item by item; every problem names the file,
the question and the item (``q1.items[2].points``), like ``assignment.toml``'s."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, RootModel, field_validator

from graders.errors import AssignmentError
from graders.rubric.model import ITEM_ID, RUBRICS, Rubric, RubricItem, RubricQuestion
from graders.toml_tables import Table, matching, problem, validate

MAX_ITEMS = 100
MAX_TEXT_CHARS = 2000


def _text(value: str) -> str:
    if not value.strip():
        raise problem("must say what the answer does")
    if len(value) > MAX_TEXT_CHARS:
        raise problem(f"is longer than {MAX_TEXT_CHARS} characters")
    return value.strip()


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise problem("must be a finite number")
    return float(value)


class ItemTable(Table):
    """One ``[[q1.items]]``."""

    id: Annotated[str, matching(ITEM_ID, "use 1 to 40 lower-case letters, digits and -")]
    text: Annotated[str, AfterValidator(_text)]
    points: Annotated[float, AfterValidator(_finite)]
    group: str = ""


class QuestionTable(Table):
    """One ``[q1]``: whether the total is floored at 0, and the items."""

    floor: bool = True
    items: list[ItemTable]

    @field_validator("items")
    @classmethod
    def _unique(cls, items: list[ItemTable]) -> list[ItemTable]:
        if not items:
            raise problem("give at least one item ([[q1.items]])")
        if len(items) > MAX_ITEMS:
            raise problem(f"at most {MAX_ITEMS} items")
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                raise problem(f"{item.id} is the id of an earlier item: ids are unique", i, "id")
            seen.add(item.id)
        return items


class RubricsTable(RootModel[dict[str, QuestionTable]]):
    """The whole file: one table per free-text question."""


def rubric_from_dict(data: Mapping[str, Any], path: Path | str = RUBRICS) -> Rubric:
    """A rubric from ``rubrics.toml``'s tables (as ``tomllib`` reads them); raises
    :class:`~graders.errors.AssignmentError` naming ``path``, the question and the item."""
    for key, value in data.items():
        if not isinstance(value, Mapping):
            raise AssignmentError(str(path), str(key), "must be a table ([q1] with [[q1.items]])")
    try:
        table = validate(RubricsTable, dict(data), Path(path))
    except AssignmentError as exc:
        raise AssignmentError(exc.path, _with_item_id(exc.field, data), exc.problem) from None
    return Rubric(
        tuple(
            RubricQuestion(
                id=qid,
                floor=question.floor,
                items=tuple(RubricItem(i.id, i.text, i.points, i.group) for i in question.items),
            )
            for qid, question in table.root.items()
        )
    )


def _with_item_id(field: str, data: Mapping[str, Any]) -> str:
    """``q1.items[2].points`` as ``q1.items[2] (s2s-apps).points``: the item by its id too."""
    match = re.match(r"([^.]+)\.items\[(\d+)\]", field)
    if match is None:
        return field
    items = data.get(match.group(1), {}).get("items")
    index = int(match.group(2))
    if not isinstance(items, list) or index >= len(items) or not isinstance(items[index], dict):
        return field
    item_id = items[index].get("id")
    if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
        return field
    return f"{match.group(0)} ({item_id}){field[match.end() :]}"


def load_rubrics(folder: Path | str) -> Rubric:
    """The rubric of an assignment folder (``rubrics.toml``; none: an empty rubric)."""
    path = Path(folder) / RUBRICS
    if not path.is_file():
        return Rubric()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssignmentError(str(path), "", f"not valid TOML: {exc}") from exc
    return rubric_from_dict(data, path)


def check_rubric(rubric: Rubric, questions: Sequence[Any], path: Path | str) -> None:
    """Every free-text question of ``questions`` has a rubric whose most reachable score,
    capped, is its points, and the rubric is for no other question."""
    free = {q.id: q for q in questions if q.type == "free-text"}
    others = {q.id for q in questions} - set(free)
    for qid in rubric:
        if qid in others:
            raise AssignmentError(str(path), qid, f"{qid} is not a free-text question")
        if qid not in free:
            known = ", ".join(free) or "none"
            raise AssignmentError(str(path), qid, f"no such question (free-text ones: {known})")
    missing = [qid for qid in free if qid not in rubric]
    if missing:
        where = "missing" if not rubric else f"has no [{missing[0]}]"
        needs = f"every free-text question needs a rubric ({', '.join(missing)})"
        raise AssignmentError(str(path), "", f"{where}: {needs}")
    for qid, question in free.items():
        most = rubric[qid].most
        if min(most, question.points) != question.points:
            raise AssignmentError(
                str(path),
                f"{qid}.items",
                f"the positive items add up to {most:g}, below the question's "
                f"{question.points:g} points: no answer could earn full marks",
            )
