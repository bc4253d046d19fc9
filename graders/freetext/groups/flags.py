"""Flags an instructor may want to see before grading: answers that say nothing, answers
that only copy the question, and the same answer handed in by different students."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from graders.freetext.groups.clusters import exact_groups, near_groups
from graders.freetext.groups.normalise import normalise, words
from graders.freetext.groups.suggestion import Method, stable_key

FlagKind = Literal["near-empty", "copies-prompt"]

# Short English non-answers, in normalised form. A short list on purpose: a real answer can
# be one word ("translation"), so length alone never flags anything but the near-empty.
NON_ANSWERS = frozenset(
    {
        "idk",
        "i dont know",
        "dont know",
        "no idea",
        "not sure",
        "none",
        "n a",
        "na",
        "nothing",
        "todo",
        "tbd",
        "skip",
        "pass",
        "your answer here",
        "answer here",
        "type your answer here",
    }
)


@dataclass(frozen=True)
class Flag:
    """One answer worth a look: ``kind`` says why, ``figure`` how strongly, in [0, 1]
    (for ``copies-prompt``, the share of the answer's words found in the prompt)."""

    answer_id: str
    kind: FlagKind
    figure: float


def near_empty(answers: Mapping[str, str], min_chars: int = 3) -> list[Flag]:
    """Answers (id -> text) that are empty, shorter than ``min_chars`` once normalised, or a
    stock non-answer ("idk", "n/a", "TODO", ...)."""
    flags = []
    for answer_id, raw in answers.items():
        text = normalise(raw)
        if len(text) < min_chars or text in NON_ANSWERS:
            flags.append(Flag(answer_id, "near-empty", 1.0))
    return sorted(flags, key=lambda f: f.answer_id)


def copies_prompt(
    answers: Mapping[str, str],
    prompt: str,
    *,
    min_overlap: float = 0.8,
    max_new_words: int = 3,
) -> list[Flag]:
    """Answers (id -> text) that mostly repeat the question: at least ``min_overlap`` of
    their words occur in ``prompt`` and at most ``max_new_words`` do not.

    An answer that restates the question and then answers it has many words of its own and
    is not flagged; nor is a short answer that uses none of the prompt's words.
    """
    vocabulary = set(words(prompt))
    flags = []
    for answer_id, raw in answers.items():
        answer_words = words(raw)
        if not answer_words:
            continue
        new = [w for w in answer_words if w not in vocabulary]
        overlap = 1 - len(new) / len(answer_words)
        if overlap >= min_overlap and len(new) <= max_new_words:
            flags.append(Flag(answer_id, "copies-prompt", round(overlap, 4)))
    return sorted(flags, key=lambda f: f.answer_id)


@dataclass(frozen=True)
class SharedAnswer:
    """Different students who handed in the same answer: an integrity signal, for
    instructors' eyes only. ``similarity`` is as in a grouping suggestion."""

    method: Method
    student_ids: tuple[str, ...]
    answer_ids: tuple[str, ...]
    similarity: float

    @property
    def key(self) -> str:
        """Stable across runs, like a suggestion's key, over the students."""
        return stable_key(f"shared-{self.method}", self.student_ids)


def shared_answers(
    answers: Mapping[str, str],
    students: Mapping[str, str],
    *,
    min_words: int = 8,
    near_threshold: float | None = None,
) -> list[SharedAnswer]:
    """Groups of two or more students (``students``: answer id -> student id) whose answers
    (id -> text) are identical once normalised, or also near-identical when
    ``near_threshold`` is given (a copy with a few words changed).

    Answers shorter than ``min_words`` words are left out: many students write the same
    short right answer on their own. Several answers by one student count once.
    """
    long_enough = {i: t for i, t in answers.items() if len(words(t)) >= min_words}
    groups = exact_groups(long_enough)
    if near_threshold is not None:
        near = near_groups(long_enough, near_threshold)
        # A near group holds every answer of each text in it, so an exact group is either
        # wholly inside one or outside them all.
        covered = {i for g in near for i in g.member_ids}
        groups = near + [g for g in groups if not set(g.member_ids) <= covered]
    shared = []
    for group in groups:
        owners = tuple(sorted({students[i] for i in group.member_ids}))
        if len(owners) > 1:
            shared.append(SharedAnswer(group.method, owners, group.member_ids, group.similarity))
    return sorted(shared, key=lambda s: (-len(s.student_ids), s.student_ids))
