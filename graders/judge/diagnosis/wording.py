"""What a student reads about the edits that reproduce their output, and the mistake's id.

Precision first: edits that mean different things but all match say only what they share (the
variable and line they change) or nothing; a wrong name is worse than none.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from graders.judge.diagnosis.edits import Edit

Level = Literal["name", "line", "off"]
LEVELS: tuple[Level, ...] = ("name", "line", "off")
ALIKE = {"axis", "name", "transpose"}
"""Operators whose readings, when several match alike on one variable, say the same thing."""
MAX_ID = 120
"""Longest mistake id: a longer one keeps its start and a digest of the whole (the service
stores ids in a column of 200 characters)."""


def _id(text: str) -> str:
    if len(text) <= MAX_ID:
        return text
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return f"{text[: MAX_ID - 11]}~{digest}"


@dataclass(frozen=True)
class Diagnosis:
    """A mistake found by editing the reference: its id and the sentence that names it."""

    mistake: str
    """``auto:<operator>:<detail>`` (dashboards group by it)."""
    sentence: str
    """Without a final full stop: shown as "This looks like: <sentence>."."""


def conclude(function: str, matched: list[tuple[Edit, ...]], level: Level) -> Diagnosis | None:
    """The diagnosis the matching edits support at ``level``, or ``None``."""
    if not matched or level == "off":
        return None
    meanings = {tuple(e.meaning for e in found) for found in matched}
    # One change to one variable written in more than one way (``axis=1`` and ``axis=-1`` of a
    # matrix, ``rcx.T`` and ``rcx``, two names holding the same array there): on random
    # inputs only equal values match alike, so the first reading says it. Two activations
    # matching alike still mean different things.
    kinds = {tuple((e.operator, e.target) for e in found) for found in matched}
    same = len(kinds) == 1 and all(e.operator in ALIKE for found in matched for e in found)
    if level == "name" and (len(meanings) == 1 or same):
        found = matched[0]
        operator = "+".join(e.operator for e in found)
        detail = "+".join(e.detail for e in found)
        return Diagnosis(_id(f"auto:{operator}:{detail}"), "; and ".join(e.words for e in found))
    places = {tuple(sorted({(e.target, e.line) for e in found})) for found in matched}
    targets = {tuple(sorted({e.target for e in found})) for found in matched}
    if len(targets) != 1:
        return None
    names = next(iter(targets))
    if len(names) != 1:
        return None  # two places at once: pointing at one of them would mislead
    target = names[0]
    what = f"the computation of `{target}`" if target else "the value it returns"
    if len(places) == 1:
        line = next(iter(places))[0][1]
        sentence = f"look at line {line} of your {function}: {what}"
    else:
        sentence = f"look at {what} in your {function}"
    return Diagnosis(_id(f"auto:line:{target or 'return'}"), sentence)
