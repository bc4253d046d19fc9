"""Rubrics: the items an instructor ticks when grading a free-text answer by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

ITEM_ID = re.compile(r"^[a-z0-9-]{1,40}$")
RUBRICS = "rubrics.toml"


@dataclass(frozen=True)
class RubricItem:
    """One thing an answer does (or fails to do), and what it is worth."""

    id: str
    """Stable within its question (``[a-z0-9-]{1,40}``): grades store it, not the text."""
    text: str
    points: float
    """May be negative: a deduction."""
    group: str = ""
    """A heading the grading page shows the item under."""


@dataclass(frozen=True)
class RubricQuestion:
    """The rubric of one free-text question."""

    id: str
    floor: bool = True
    """The total never goes below 0 (it never goes above the question's points either)."""
    items: tuple[RubricItem, ...] = ()

    def item(self, item_id: str) -> RubricItem | None:
        """The item called ``item_id``, if there is one."""
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def most(self) -> float:
        """The sum of the positive items: the most an answer can earn before the cap."""
        return round(sum(i.points for i in self.items if i.points > 0), 6)


@dataclass(frozen=True)
class Rubric(Mapping[str, RubricQuestion]):
    """An assignment's rubrics, by question id, in the file's order."""

    questions: tuple[RubricQuestion, ...] = ()

    def __getitem__(self, question_id: str) -> RubricQuestion:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def __iter__(self) -> Iterator[str]:
        return iter(q.id for q in self.questions)

    def __len__(self) -> int:
        return len(self.questions)
