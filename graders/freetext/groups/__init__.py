"""Grouping free-text answers for grading by hand, offline: ids in, groups of ids out.

An instructor with a few hundred answers to one question grades alike answers together:

- :func:`exact_groups`: equal once normalised (:func:`normalise`: case, spacing,
  punctuation, markdown markup, NFKC);
- :func:`near_groups`: near-identical (typos, a word changed), by rapidfuzz;
- :func:`semantic_groups`: the same thing in other words, by a small sentence-embedding
  model (the ``embeddings`` extra; without it, :class:`EmbeddingsUnavailable`);
- :func:`suggest_groups`: the three steps at once, each answer in at most one group.

Every group is a :class:`Suggestion` with a stable ``key`` for the service's log. Flags
(:func:`near_empty`, :func:`copies_prompt`, :func:`shared_answers`) and the
:func:`consistency_audit` use the same groups. Nothing here grades: how alike an answer is
to another, or to a model answer, is never turned into a score.
"""

from graders.freetext.groups.audit import Inconsistency, consistency_audit
from graders.freetext.groups.clusters import DEFAULT_NEAR_THRESHOLD, exact_groups, near_groups
from graders.freetext.groups.flags import (
    NON_ANSWERS,
    Flag,
    FlagKind,
    SharedAnswer,
    copies_prompt,
    near_empty,
    shared_answers,
)
from graders.freetext.groups.normalise import normalise
from graders.freetext.groups.semantic import (
    DEFAULT_SEMANTIC_THRESHOLD,
    EmbeddingsUnavailable,
    Encoder,
    bundled_encoder,
    embeddings_available,
    semantic_groups,
)
from graders.freetext.groups.steps import suggest_groups
from graders.freetext.groups.suggestion import METHODS, Method, Suggestion, stable_key

__all__ = [
    "DEFAULT_NEAR_THRESHOLD",
    "DEFAULT_SEMANTIC_THRESHOLD",
    "METHODS",
    "NON_ANSWERS",
    "EmbeddingsUnavailable",
    "Encoder",
    "Flag",
    "FlagKind",
    "Inconsistency",
    "Method",
    "SharedAnswer",
    "Suggestion",
    "bundled_encoder",
    "consistency_audit",
    "copies_prompt",
    "embeddings_available",
    "exact_groups",
    "near_empty",
    "near_groups",
    "normalise",
    "semantic_groups",
    "shared_answers",
    "stable_key",
    "suggest_groups",
]
