"""Which numbers match: the dtype kinds a student may return, and elementwise closeness.

``close`` is ``|got - expected| <= atol + rtol * |expected|`` computed without overflow: NaN is
never close, an infinity only to the same infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Which dtype kinds a student may return for each kind the reference has.
ACCEPTED_KINDS = {
    "b": "b",
    "i": "iuf",
    "u": "iuf",
    "f": "iuf",
    "c": "iufc",
    "U": "U",
    "S": "S",
    "M": "M",
    "m": "m",
}
NUMERIC = "iufc"


def got_array(value: object) -> np.ndarray | None:
    """The student's leaf as an array, or None if it is not an array or a number."""
    # Exact types only: an ndarray subclass (np.matrix...) has its own shape rules.
    if type(value) is np.ndarray:
        return value
    if type(value) in (bool, int, float, complex):
        return scalar_array(value)
    if isinstance(value, np.generic) and type(value) is value.dtype.type:
        return np.asarray(value)
    return None


def scalar_array(value: object) -> np.ndarray:
    """A Python or NumPy scalar as a 0-d array (an int too large for NumPy as a float)."""
    array = np.asarray(value)
    if array.dtype.kind == "O" and type(value) is int:
        # Beyond uint64: compare as a float; out of float range it is infinitely far off.
        try:
            return np.asarray(float(value))
        except OverflowError:
            return np.asarray(math.inf if value > 0 else -math.inf)
    return array


def compatible(expected: np.dtype, got: np.dtype) -> bool:
    """Whether a student may answer an array of dtype ``expected`` with one of ``got``."""
    return got.kind in ACCEPTED_KINDS.get(expected.kind, "")


@dataclass(frozen=True)
class Tolerance:
    """Elementwise closeness: ``|got - expected| <= atol + rtol * |expected|``."""

    rtol: float = 1e-6
    atol: float = 1e-8

    def __post_init__(self) -> None:
        for field, value in (("rtol", self.rtol), ("atol", self.atol)):
            # `not value >= 0` also rejects NaN, which would make every comparison fail.
            if not value >= 0:
                raise ValueError(f"{field} must be a non-negative number, not {value!r}")


def close(e: np.ndarray, g: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Elementwise closeness of two same-shape arrays of compatible dtypes; NaN is never close."""
    if e.dtype.kind not in NUMERIC or g.dtype.kind not in NUMERIC:
        return np.asarray(e == g).reshape(e.shape)
    # At least float64, but keep longdouble/complex if either side has it, so nothing is lost.
    work = np.promote_types(np.promote_types(e.dtype, g.dtype), np.float64)
    ef = e.astype(work).ravel()
    gf = g.astype(work).ravel()
    with np.errstate(all="ignore"):
        finite = np.isfinite(ef) & np.isfinite(gf)
        diff = np.abs(gf - ef)
        near: np.ndarray = diff <= tol.atol + tol.rtol * np.abs(ef)
        # g - e overflowed for finite inputs: halve both sides, which is exact at that magnitude
        # and cannot overflow; if the halved tolerance still overflows, the true tolerance
        # exceeds twice the largest float and so any finite difference.
        overflowed = finite & ~np.isfinite(diff)
        if overflowed.any():
            eh, gh = ef[overflowed] / 2, gf[overflowed] / 2
            near[overflowed] = np.abs(gh - eh) <= tol.atol / 2 + tol.rtol * np.abs(eh)
        # An infinity matches only the same infinity; NaN == anything is already False.
        special = ~finite
        near[special] = ef[special] == gf[special]
    return near.reshape(e.shape)


def all_close(e: np.ndarray, g: np.ndarray, tol: Tolerance) -> bool:
    """True when float arrays of one shape are close everywhere (the common case, in a
    third of :func:`close`'s operations); False also means "look closer" with :func:`close`:
    a NaN, an infinity or an overflow never passes here."""
    if e.dtype.kind != "f" or g.dtype.kind != "f" or e.itemsize > 8 or g.itemsize > 8:
        return False
    with np.errstate(all="ignore"):
        diff = np.abs(g - e)
        # A finite difference means both sides are finite (inf - inf is NaN, an overflow inf).
        return bool((diff <= tol.atol + tol.rtol * np.abs(e)).all() and np.isfinite(diff).all())


def first_true(mask: np.ndarray) -> tuple[int, ...] | None:
    """The first index (C order) where ``mask`` is true, ``None`` if nowhere."""
    flat = np.asarray(mask).ravel()  # ravel is C order whatever the memory layout
    if not flat.any():
        return None
    position = int(np.argmax(flat))
    return tuple(int(i) for i in np.unravel_index(position, mask.shape))
