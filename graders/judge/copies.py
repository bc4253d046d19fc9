"""Copies of plain data (the arguments the trusted side hands to reference code)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

_ATOMS = (int, float, bool, complex, str, bytes, type(None))


def plain_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """What ``copy.deepcopy(value)`` gives, faster on arrays, dicts, lists and tuples.

    The judge copies every case's arguments before reference code may change them, hundreds
    of times per grading; ``deepcopy``'s generic dispatch was most of that time. Shared parts
    stay shared in the copy (a cache that holds the parameters dict twice), as with deepcopy,
    and anything else is deep-copied through the same memo.
    """
    if memo is None:
        memo = {}
    t = type(value)
    if t in _ATOMS or isinstance(value, np.generic):
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    if t is np.ndarray:
        out: Any = value.copy()
    elif t is dict:
        out = {}
        memo[id(value)] = out
        for key, item in value.items():
            out[plain_copy(key, memo)] = plain_copy(item, memo)
        return out
    elif t is list:
        out = []
        memo[id(value)] = out
        out.extend(plain_copy(item, memo) for item in value)
        return out
    elif t is tuple:
        out = tuple(plain_copy(item, memo) for item in value)
    else:
        return copy.deepcopy(value, memo)
    memo[id(value)] = out
    return out
