"""The consistency audit: near-identical answers that were graded with different rubric items."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from graders.freetext.groups.clusters import DEFAULT_NEAR_THRESHOLD
from graders.freetext.groups.steps import suggest_groups
from graders.freetext.groups.suggestion import Suggestion


@dataclass(frozen=True)
class Inconsistency:
    """A group of alike answers whose graders applied different rubric items.

    ``variants`` pairs each distinct set of applied item ids with the answers that got it,
    the most common set first. Only graded answers (those in ``applied``) are counted.
    """

    group: Suggestion
    variants: tuple[tuple[frozenset[str], tuple[str, ...]], ...]

    @property
    def answer_ids(self) -> tuple[str, ...]:
        return tuple(sorted(i for _, ids in self.variants for i in ids))


def consistency_audit(
    answers: Mapping[str, str],
    applied: Mapping[str, Collection[str]],
    *,
    near_threshold: float = DEFAULT_NEAR_THRESHOLD,
    ignore_word_order: bool = False,
) -> list[Inconsistency]:
    """Groups of identical or near-identical answers (id -> text) that received different
    sets of rubric items (``applied``: answer id -> the item ids applied to it).

    Answers not in ``applied`` are not graded yet and are left out of the comparison. The
    groups are :func:`suggest_groups`'s exact and near ones; most answers affected first.
    """
    found = []
    groups = suggest_groups(
        answers, near_threshold=near_threshold, ignore_word_order=ignore_word_order
    )
    for group in groups:
        by_items: dict[frozenset[str], list[str]] = {}
        for answer_id in group.member_ids:
            if answer_id in applied:
                by_items.setdefault(frozenset(applied[answer_id]), []).append(answer_id)
        if len(by_items) > 1:
            variants = sorted(
                ((items, tuple(ids)) for items, ids in by_items.items()),
                key=lambda v: (-len(v[1]), v[1][0]),
            )
            found.append(Inconsistency(group, tuple(variants)))
    return sorted(found, key=lambda f: (-len(f.answer_ids), f.answer_ids[0]))
