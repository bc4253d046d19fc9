"""Fast comparisons of an edited reference's value with the student's, for the search.

``agree`` is the judge's closeness rule (``|got - expected| <= atol + rtol * |expected|``,
elementwise, same structure) without the wording ``graders.judge.compare`` builds for
feedback, which the search, running hundreds of edits, does not need. ``distance`` orders the
edits that agree nowhere yet: the nearer, the likelier one half of a pair.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders.judge.compare import Tolerance

_NUMBERS = (int, float, np.integer, np.floating)


def agree(expected: Any, got: Any, tol: Tolerance) -> bool:
    """Whether ``got`` is ``expected`` within the tolerance, part by part."""
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and expected.keys() == got.keys()
            and all(agree(expected[k], got[k], tol) for k in expected)
        )
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(got, (list, tuple))
            and len(got) == len(expected)
            and all(agree(e, g, tol) for e, g in zip(expected, got, strict=True))
        )
    if isinstance(expected, np.ndarray) or (
        isinstance(expected, _NUMBERS) and not isinstance(expected, bool)
    ):
        if isinstance(got, bool) or not isinstance(got, (np.ndarray, *_NUMBERS)):
            return False
        e, g = np.asarray(expected), np.asarray(got)
        if e.shape != g.shape or e.dtype.kind not in "iuf" or g.dtype.kind not in "iuf":
            return False
        with np.errstate(all="ignore"):
            return bool(np.all(np.abs(g - e) <= tol.atol + tol.rtol * np.abs(e)))
    try:
        return bool(type(expected) is type(got) and expected == got)
    except Exception:
        return False


def distance(expected: Any, got: Any) -> float:
    """How far apart two values are: 0 when equal, about 1 when unrelated or malformed."""
    if isinstance(expected, dict) and isinstance(got, dict):
        keys = expected.keys() | got.keys()
        parts = [distance(expected.get(k), got.get(k)) for k in keys]
        return sum(parts) / len(parts) if parts else 0.0
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(expected) != len(got) or not expected:
            return 1.0
        return sum(distance(e, g) for e, g in zip(expected, got, strict=True)) / len(got)
    if isinstance(expected, (dict, list, tuple)) or isinstance(got, (dict, list, tuple)):
        return 1.0
    try:
        e = np.asarray(expected, dtype=float)
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        try:
            return 0.0 if bool(expected == got) else 1.0
        except Exception:
            return 1.0
    if e.shape != g.shape:
        return 1.0
    with np.errstate(all="ignore"):
        apart = float(np.linalg.norm(e - g) / (np.linalg.norm(g) + np.linalg.norm(e) + 1e-12))
    return apart if np.isfinite(apart) else 1.0
