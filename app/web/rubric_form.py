"""The rubric page's form: one row of fields per item of each free-text question, plus one
empty row to add an item, read back into ``rubrics.toml``'s tables for the rubric service.

Field names are ``{question}.{item}.{part}`` (``q1.s2s-app.points``) and ``{question}.new.{part}``
for the new row: question and item ids are ``[a-z0-9-]`` (and ``_`` for question ids), so the
dot never occurs inside one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graders.rubric import ITEM_ID, Rubric

MAX_POINTS = 1000.0
NEW = "new"
"""The row that adds an item (no item id is ``new``: ids are made from the text, see
:func:`new_item_id`)."""


@dataclass(frozen=True)
class ItemRow:
    """One item's fields as the form shows them."""

    id: str
    text: str
    points: str
    group: str
    delete: bool = False


@dataclass(frozen=True)
class QuestionForm:
    """One free-text question's part of the form."""

    id: str
    prompt: str
    points: float
    floor: bool
    items: tuple[ItemRow, ...]
    new: ItemRow

    @property
    def rows(self) -> tuple[ItemRow, ...]:
        """The items, then the row that adds one."""
        return (*self.items, self.new)


def _number(value: float) -> str:
    return f"{value:g}"


def form_of(rubric: Rubric, questions: Sequence[Any]) -> list[QuestionForm]:
    """The form as the current rubric fills it (``questions``: the assignment's free-text
    questions, for their prompts and points)."""
    forms = []
    for question in questions:
        if question.id not in rubric:
            continue
        current = rubric[question.id]
        rows = tuple(ItemRow(i.id, i.text, _number(i.points), i.group) for i in current.items)
        forms.append(
            QuestionForm(
                question.id,
                question.prompt,
                question.points,
                current.floor,
                rows,
                ItemRow(NEW, "", "", ""),
            )
        )
    return forms


def typed_form(
    form: Mapping[str, str], rubric: Rubric, questions: Sequence[Any]
) -> list[QuestionForm]:
    """The form as it came back (refused), so the page shows what was typed."""
    forms = []
    for shown in form_of(rubric, questions):
        rows = tuple(_typed_row(form, shown.id, row.id) for row in shown.items)
        forms.append(
            QuestionForm(
                shown.id,
                shown.prompt,
                shown.points,
                form.get(f"{shown.id}.floor") == "yes",
                rows,
                _typed_row(form, shown.id, NEW),
            )
        )
    return forms


def _typed_row(form: Mapping[str, str], question: str, item: str) -> ItemRow:
    prefix = f"{question}.{item}."
    return ItemRow(
        item,
        form.get(prefix + "text", ""),
        form.get(prefix + "points", ""),
        form.get(prefix + "group", ""),
        form.get(prefix + "delete") == "yes",
    )


def new_item_id(text: str, taken: set[str]) -> str:
    """An id for a new item from its text (``Names the vanishing gradient`` ->
    ``names-the-vanishing-gradient``), unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:36].strip("-") or "item"
    candidate, n = base, 2
    while candidate in taken or candidate == NEW:
        candidate = f"{base}-{n}"
        n += 1
    assert ITEM_ID.match(candidate)
    return candidate


def _points(raw: str, field: str, errors: dict[str, str]) -> float | None:
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        errors[field] = "points must be a number, such as 1, 0.5 or -1"
        return None
    if not math.isfinite(value) or abs(value) > MAX_POINTS:
        errors[field] = f"points must be between -{MAX_POINTS:g} and {MAX_POINTS:g}"
        return None
    return value


def parse_form(form: Mapping[str, str], rubric: Rubric) -> tuple[dict[str, Any], dict[str, str]]:
    """``rubrics.toml``'s tables from the form, and the problems by field name (the tables
    are only to be used when there are none). Items keep their ids; a row marked for deletion
    is left out; the new row, when it has text, becomes an item with an id made from it."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in rubric.questions:
        items: list[dict[str, Any]] = []
        for item in question.items:
            prefix = f"{question.id}.{item.id}."
            if form.get(prefix + "delete") == "yes":
                continue
            text = form.get(prefix + "text", "").strip()
            if not text:
                errors[prefix + "text"] = "say what the answer does (or tick Delete)"
            value = _points(form.get(prefix + "points", ""), prefix + "points", errors)
            row: dict[str, Any] = {"id": item.id, "text": text, "points": value}
            if group := form.get(prefix + "group", "").strip():
                row["group"] = group
            items.append(row)
        prefix = f"{question.id}.{NEW}."
        text = form.get(prefix + "text", "").strip()
        raw = form.get(prefix + "points", "").strip()
        if text or raw:
            if not text:
                errors[prefix + "text"] = "say what the answer does, or clear the points"
            value = _points(raw, prefix + "points", errors) if raw else None
            if raw == "":
                errors[prefix + "points"] = "give the new item's points"
            taken = {i["id"] for i in items} | {i.id for i in question.items}
            row = {"id": new_item_id(text, taken), "text": text, "points": value}
            if group := form.get(prefix + "group", "").strip():
                row["group"] = group
            items.append(row)
        if not items:
            errors[f"{question.id}.items"] = "a question keeps at least one item"
        data[question.id] = {"floor": form.get(f"{question.id}.floor") == "yes", "items": items}
    return data, errors
