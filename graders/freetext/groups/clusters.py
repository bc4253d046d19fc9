"""Exact and near-identical groups, and the clustering they share with semantic groups.

Clustering is greedy complete linkage: every two members of a group are at least
``threshold`` alike. Connected components of the "alike" graph would be simpler, but they
chain: A ~ B and B ~ C put A and C in one group even when A and C have nothing in common,
and on a few hundred short answers such chains grow into one group that swallows whole
families of different answers. Complete linkage cannot chain, and a greedy pass (seeds
taken by how many neighbours they have, members added most-alike first) keeps it fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from graders.freetext.groups.normalise import normalise
from graders.freetext.groups.suggestion import Method, Suggestion

Similarity = npt.NDArray[np.float32]

DEFAULT_NEAR_THRESHOLD = 0.9


@dataclass(frozen=True)
class Texts:
    """The distinct normalised texts of some answers, and which ids have each."""

    texts: tuple[str, ...]
    ids: tuple[tuple[str, ...], ...]
    """Per text, its answers' ids, sorted."""
    representative: tuple[str, ...]
    """Per text, the id whose raw answer is the most common spelling (lowest id on a tie)."""

    @property
    def weights(self) -> npt.NDArray[np.int64]:
        return np.array([len(ids) for ids in self.ids], dtype=np.int64)


def distinct_texts(answers: Mapping[str, str]) -> Texts:
    """Answers grouped by their normalised text; answers that normalise to nothing are left out."""
    by_text: dict[str, list[str]] = {}
    for answer_id, raw in answers.items():
        text = normalise(raw)
        if text:
            by_text.setdefault(text, []).append(answer_id)
    texts = sorted(by_text, key=lambda t: min(by_text[t]))
    ids = tuple(tuple(sorted(by_text[t])) for t in texts)
    representative = tuple(_most_common_spelling(group, answers) for group in ids)
    return Texts(tuple(texts), ids, representative)


def _most_common_spelling(ids: Sequence[str], answers: Mapping[str, str]) -> str:
    counts = Counter(answers[i].strip() for i in ids)
    return min(ids, key=lambda i: (-counts[answers[i].strip()], i))


def exact_groups(answers: Mapping[str, str]) -> list[Suggestion]:
    """Groups of answers (id -> text) that are equal once normalised (:func:`normalise`).

    Largest groups first. Answers that are empty once normalised are never grouped: they are
    flagged instead (``graders.freetext.groups.near_empty``).
    """
    found = distinct_texts(answers)
    groups = [
        Suggestion("exact", ids, rep, 1.0)
        for ids, rep in zip(found.ids, found.representative, strict=True)
        if len(ids) > 1
    ]
    return sorted(groups, key=_order)


def near_similarity(
    texts: Sequence[str], threshold: float, *, ignore_word_order: bool = False, workers: int = 1
) -> Similarity:
    """Pairwise similarity in [0, 1] of normalised texts; pairs below ``threshold`` are 0."""
    # Word order is kept by default: "the encoder feeds the decoder" and "the decoder feeds
    # the encoder" are not the same answer, though every word matches.
    scorer = fuzz.token_sort_ratio if ignore_word_order else fuzz.ratio
    scores = process.cdist(
        texts,
        texts,
        scorer=scorer,
        score_cutoff=threshold * 100,
        dtype=np.float32,
        workers=workers,
    )
    return np.asarray(scores, dtype=np.float32) / np.float32(100)


def complete_link(
    similarity: Similarity, threshold: float, weights: npt.NDArray[np.int64]
) -> list[list[int]]:
    """Clusters (lists of indices, seed first) of two or more items whose every pair is at
    least ``threshold`` alike. ``weights`` counts the answers behind each item."""
    size = similarity.shape[0]
    alike = similarity >= np.float32(threshold)
    np.fill_diagonal(alike, False)
    # A seed with many (weighted) neighbours is the middle of a family of answers, so the
    # family forms around it rather than around one of its edges.
    reach = alike.astype(np.int64) @ weights + weights
    strength = np.where(alike, similarity, 0).sum(axis=1)
    order = sorted(range(size), key=lambda i: (-reach[i], -strength[i], i))
    free = np.ones(size, dtype=bool)
    clusters: list[list[int]] = []
    for seed in order:
        if not free[seed]:
            continue
        free[seed] = False
        candidates = np.flatnonzero(alike[seed] & free)
        if candidates.size == 0:
            continue
        # Most alike first; the index breaks ties so the result does not depend on sort
        # stability.
        ranked = sorted(candidates.tolist(), key=lambda j: (-similarity[seed, j], j))
        members = [seed]
        for j in ranked:
            if alike[j, members].all():
                members.append(j)
        free[members] = False
        clusters.append(members)
    return clusters


def suggestions_from(
    method: Method, found: Texts, similarity: Similarity, clusters: list[list[int]]
) -> list[Suggestion]:
    """Clusters of texts as suggestions over the answers' ids."""
    groups = []
    for members in clusters:
        ids = tuple(sorted(i for m in members for i in found.ids[m]))
        block = similarity[np.ix_(members, members)]
        lowest = float(block[~np.eye(len(members), dtype=bool)].min())
        # Shown first: the most common text of the group, then the one most like the rest
        # (the seed may be a misspelt variant with many neighbours).
        weights = found.weights[members]
        centre = max(range(len(members)), key=lambda k: (weights[k], block[k] @ weights, -k))
        representative = found.representative[members[centre]]
        groups.append(Suggestion(method, ids, representative, round(lowest, 4)))
    return sorted(groups, key=_order)


def near_groups(
    answers: Mapping[str, str],
    threshold: float = DEFAULT_NEAR_THRESHOLD,
    *,
    ignore_word_order: bool = False,
    workers: int = 1,
) -> list[Suggestion]:
    """Groups of near-identical answers (id -> text): typos, spacing, a word changed.

    Every two distinct texts in a group have a normalised edit similarity (rapidfuzz's
    ``ratio``, or ``token_sort_ratio`` with ``ignore_word_order``) of at least ``threshold``
    in (0, 1]; no group is chained through a third answer. A group holds at least two
    distinct normalised texts (equal ones are :func:`exact_groups`) and all their answers.
    ``workers`` is rapidfuzz's thread count (-1: every core).
    """
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    found = distinct_texts(answers)
    if len(found.texts) < 2:
        return []
    similarity = near_similarity(
        found.texts, threshold, ignore_word_order=ignore_word_order, workers=workers
    )
    clusters = complete_link(similarity, threshold, found.weights)
    return suggestions_from("near", found, similarity, clusters)


def _order(group: Suggestion) -> tuple[int, str]:
    return (-len(group.member_ids), group.member_ids[0])
