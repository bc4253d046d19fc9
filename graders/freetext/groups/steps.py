"""The three grouping steps in one pass, each answer in at most one suggestion."""

from __future__ import annotations

from collections.abc import Mapping

from graders.freetext.groups.clusters import (
    DEFAULT_NEAR_THRESHOLD,
    Texts,
    complete_link,
    distinct_texts,
    near_similarity,
    suggestions_from,
)
from graders.freetext.groups.semantic import Encoder, bundled_encoder, cosine_similarity
from graders.freetext.groups.suggestion import Suggestion


def _subset(found: Texts, keep: list[int]) -> Texts:
    return Texts(
        tuple(found.texts[i] for i in keep),
        tuple(found.ids[i] for i in keep),
        tuple(found.representative[i] for i in keep),
    )


def suggest_groups(
    answers: Mapping[str, str],
    *,
    near_threshold: float = DEFAULT_NEAR_THRESHOLD,
    semantic_threshold: float | None = None,
    encoder: Encoder | None = None,
    ignore_word_order: bool = False,
    workers: int = 1,
) -> list[Suggestion]:
    """Exact, then near, then (with ``semantic_threshold``) semantic groups of answers
    (id -> text), so that each answer is in at most one suggestion: the one of the
    strictest step that still groups it with another.

    Near groups absorb exact ones; the semantic step only sees the distinct texts that no
    near group took, and it needs the ``embeddings`` extra (or an ``encoder``). Largest
    groups first within each step, near before semantic before exact-only groups.
    """
    found = distinct_texts(answers)
    near: list[Suggestion] = []
    taken: set[int] = set()
    if len(found.texts) > 1:
        similarity = near_similarity(
            found.texts, near_threshold, ignore_word_order=ignore_word_order, workers=workers
        )
        clusters = complete_link(similarity, near_threshold, found.weights)
        near = suggestions_from("near", found, similarity, clusters)
        taken = {m for members in clusters for m in members}
    rest = _subset(found, [i for i in range(len(found.texts)) if i not in taken])
    semantic: list[Suggestion] = []
    if semantic_threshold is not None and len(rest.texts) > 1:
        encode = encoder if encoder is not None else bundled_encoder()
        similarity = cosine_similarity(encode(rest.texts))
        clusters = complete_link(similarity, semantic_threshold, rest.weights)
        semantic = suggestions_from("semantic", rest, similarity, clusters)
        grouped = {m for members in clusters for m in members}
        rest = _subset(rest, [i for i in range(len(rest.texts)) if i not in grouped])
    exact = [
        Suggestion("exact", ids, rep, 1.0)
        for ids, rep in zip(rest.ids, rest.representative, strict=True)
        if len(ids) > 1
    ]
    exact.sort(key=lambda g: (-len(g.member_ids), g.member_ids[0]))
    return near + semantic + exact
