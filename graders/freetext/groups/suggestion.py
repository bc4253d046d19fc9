"""A suggested group of answers, which an instructor accepts or rejects."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Method = Literal["exact", "near", "semantic"]
METHODS: tuple[Method, ...] = ("exact", "near", "semantic")


def stable_key(method: str, ids: Iterable[str]) -> str:
    """A key that names the same group of ids found by the same method, in any order, on
    any run: 32 hex digits of SHA-256 over the method and the sorted ids."""
    digest = hashlib.sha256(method.encode())
    for answer_id in sorted(ids):
        # The separator cannot occur in a str id's UTF-8, so ("a", "bc") != ("ab", "c").
        digest.update(b"\xff" + answer_id.encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Suggestion:
    """Answers that look alike enough to be graded together: a suggestion, never a grade.

    ``similarity`` is the lowest similarity between any two members, in [0, 1] (1.0 for an
    exact group; for a near or semantic group it is at least the threshold used).
    ``representative_id`` is the member to show first.
    """

    method: Method
    member_ids: tuple[str, ...]
    representative_id: str
    similarity: float

    def __post_init__(self) -> None:
        if len(self.member_ids) < 2:
            raise ValueError("a group has at least two members")
        if self.representative_id not in self.member_ids:
            raise ValueError("the representative must be a member")

    @property
    def key(self) -> str:
        """Stable across runs and orderings; the service logs suggestions under it."""
        return stable_key(self.method, self.member_ids)

    def __len__(self) -> int:
        return len(self.member_ids)
