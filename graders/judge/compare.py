"""Compare a student's output with the reference output, part by part.

Both sides are already plain data in the trusted process (see ``graders.protocol.codec``):
NumPy arrays, Python/NumPy scalars, ``str``/``bytes``, ``None`` and tuples, lists and dicts of
those. Only the student's side may hold :class:`graders.Opaque` records, which never match.

``compare`` walks the *expected* structure and returns one :class:`Part` per leaf; a structural
problem (wrong type, missing key, wrong length, opaque value) yields a single failed Part for
the whole subtree it covers, and extra dict keys in the student's output add one failed Part.
``score`` weights every Part equally.

Numbers are close when ``|got - expected| <= atol + rtol * |expected|`` elementwise (note the
asymmetry: the tolerance scales with the reference only). NaN never matches; an infinity
matches only the same infinity; ``-0.0`` matches ``0.0``. A student may return integers where
floats are expected (and reals where complex numbers are expected), but never booleans for
numbers, numbers for booleans, or complex numbers for reals.

A reference value that is not plain data (an object array, an arbitrary object) is a bug in
the grader, not the student's fault, so it raises ``TypeError`` instead of producing a Part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graders.judge.arrays import (
    ACCEPTED_KINDS,
    Tolerance,
    all_close,
    close,
    compatible,
    first_true,
    got_array,
    scalar_array,
)
from graders.judge.wording import (
    MAX_KEYS_LISTED,
    describe,
    format_index,
    format_number,
    format_pair,
    items,
    kind_words,
    shape_message,
    short_repr,
    type_name,
)
from graders.protocol.codec import Opaque

__all__ = [
    "DEFAULT_TOLERANCE",
    "Part",
    "Tolerance",
    "compare",
    "first_difference",
    "matches",
    "score",
]


DEFAULT_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class Part:
    """The comparison of one leaf (or one structural mismatch) of an output.

    ``problem`` is ``None`` when ok, else one of "type", "shape", "dtype", "nan", "value",
    "missing-key", "extra-key", "length", "opaque". For "value" and "nan", ``index`` is the
    first differing index in C order (``()`` for a scalar) and ``expected``/``got`` are the
    Python scalars there; for structural problems they hold what was expected and found
    (type names, shapes, dtype names, lengths, the missing key, or the extra keys).
    """

    name: str
    ok: bool
    problem: str | None
    message: str
    index: tuple[int, ...] | None = None
    expected: object = None
    got: object = None
    weight: int = 1
    """How many leaves of ``expected`` this part stands for: a structural failure weighs as
    much as the leaves it hides, so a malformed answer never outscores a well-formed wrong one."""


def compare(
    expected: object, got: object, name: str, tol: Tolerance = DEFAULT_TOLERANCE
) -> list[Part]:
    """Compare part by part: one Part per leaf of ``expected``; a structural problem gets one Part
    covering (and weighing as much as) the subtree."""
    parts: list[Part] = []
    _walk(expected, got, name, tol, parts)
    return parts


def score(parts: list[Part]) -> float:
    """Fraction of the leaves that are ok, by weight (0.0 .. 1.0); 1.0 for an empty list."""
    total = sum(part.weight for part in parts)
    if not total:
        return 1.0
    return sum(part.weight for part in parts if part.ok) / total


def matches(expected: object, got: object, tol: Tolerance = DEFAULT_TOLERANCE) -> bool:
    """True iff every Part of ``compare(expected, got)`` is ok.

    Walked without building any Part and stopped at the first difference: mutants and the
    diagnosis ask this of hundreds of candidate outputs per grading, most of them wrong.
    """
    if isinstance(got, Opaque):
        return False
    if isinstance(expected, dict):
        return (
            type(got) is dict
            and got.keys() == expected.keys()
            and all(matches(value, got[key], tol) for key, value in expected.items())
        )
    if isinstance(expected, (tuple, list)):
        return (
            type(got) in (tuple, list)
            and len(got) == len(expected)  # type: ignore[arg-type]
            and all(matches(e, g, tol) for e, g in zip(expected, got, strict=True))  # type: ignore[call-overload]
        )
    if (
        type(expected) is np.ndarray
        and type(got) is np.ndarray
        and expected.dtype.kind == "f"
        and got.dtype.kind == "f"
        and expected.shape == got.shape
    ):
        if expected.size == 0 or all_close(expected, got, tol):
            return True
        if not (np.isnan(expected).any() or np.isnan(got).any()):
            return bool(close(expected, got, tol).all())
    return _compare_leaf(expected, got, "value", tol).ok


def first_difference(
    expected: np.ndarray, got: np.ndarray, tol: Tolerance = DEFAULT_TOLERANCE
) -> tuple[int, ...] | None:
    """First index (C order) where ``got`` is not close to ``expected``, or None if none is.

    NaN on either side counts as a difference; if the dtypes cannot be compared (say strings
    against numbers) every element differs. Raises ValueError when the shapes differ.
    """
    e, g = np.asarray(expected), np.asarray(got)
    if e.shape != g.shape:
        raise ValueError(f"shapes differ: {e.shape} and {g.shape}")
    if e.size == 0:
        return None
    if not compatible(e.dtype, g.dtype):
        return (0,) * e.ndim
    return first_true(~close(e, g, tol))


def _walk(expected: object, got: object, name: str, tol: Tolerance, out: list[Part]) -> None:
    if isinstance(got, Opaque):
        why = got.why.rstrip()
        if not why.endswith((".", "!", "?")):
            why += "."
        out.append(
            _fail(
                name,
                "opaque",
                f"{name} is not plain data: {why}",
                expected=type_name(expected),
                got=got.type_name,
                weight=_leaves(expected),
            )
        )
        return
    if isinstance(expected, dict):
        _walk_dict(expected, got, name, tol, out)
    elif isinstance(expected, (tuple, list)):
        _walk_sequence(expected, got, name, tol, out)
    else:
        out.append(_compare_leaf(expected, got, name, tol))


def _walk_dict(
    expected: dict[object, object], got: object, name: str, tol: Tolerance, out: list[Part]
) -> None:
    if type(got) is not dict:
        out.append(_type_part(name, expected, got))
        return
    assert isinstance(got, dict)
    for key, value in expected.items():
        child = f"{name}[{key!r}]"
        if key in got:
            _walk(value, got[key], child, tol, out)
        else:
            out.append(
                _fail(
                    child,
                    "missing-key",
                    f"{name} is missing the key {key!r}.",
                    expected=key,
                    weight=_leaves(value),
                )
            )
    extra = [key for key in got if key not in expected]
    if extra:
        listed = ", ".join(short_repr(key) for key in extra[:MAX_KEYS_LISTED])
        if len(extra) > MAX_KEYS_LISTED:
            listed += f" and {len(extra) - MAX_KEYS_LISTED} more"
        noun = "an unexpected key" if len(extra) == 1 else "unexpected keys"
        out.append(_fail(name, "extra-key", f"{name} has {noun} {listed}.", got=tuple(extra)))


def _walk_sequence(
    expected: tuple[object, ...] | list[object],
    got: object,
    name: str,
    tol: Tolerance,
    out: list[Part],
) -> None:
    # Students often build a list where the reference returns a tuple; the order is what counts.
    if type(got) not in (tuple, list):
        out.append(_type_part(name, expected, got))
        return
    assert isinstance(got, (tuple, list))
    if len(got) != len(expected):
        out.append(
            _fail(
                name,
                "length",
                f"{name} has {items(len(got))}, expected {len(expected)}.",
                expected=len(expected),
                got=len(got),
                weight=_leaves(expected),
            )
        )
        return
    for i, (e, g) in enumerate(zip(expected, got, strict=True)):
        _walk(e, g, f"{name}[{i}]", tol, out)


def _compare_leaf(expected: object, got: object, name: str, tol: Tolerance) -> Part:
    if expected is None:
        if got is None:
            return _ok(name)
        return _type_part(name, expected, got)
    if isinstance(expected, (str, bytes)):
        return _compare_text(expected, got, name)
    e = _expected_array(expected)
    g = got_array(got)
    if e.dtype.kind in "fc" and np.isnan(e).any():
        return _reference_nan(name, e, g)
    if g is None:
        return _type_part(name, expected, got)
    shape_problem = shape_message(name, e, g)
    if shape_problem is not None:
        return _fail(name, "shape", shape_problem, expected=e.shape, got=g.shape)
    if not compatible(e.dtype, g.dtype):
        return _fail(
            name,
            "dtype",
            f"{name} holds {kind_words(g)}, expected {kind_words(e)}.",
            expected=str(e.dtype),
            got=str(g.dtype),
        )
    if e.size == 0 or all_close(e, g, tol):
        return _ok(name)
    if g.dtype.kind in "fc" and np.isnan(g).any():
        index = first_true(np.isnan(g))
        assert index is not None
        expected_text = format_number(e[index].item())
        where = f"contains NaN at {format_index(index)}" if index else "is NaN"
        return _fail(
            name,
            "nan",
            f"{name} {where} (expected {expected_text}).",
            index=index,
            expected=e[index].item(),
            got=g[index].item(),
        )
    differs = ~close(e, g, tol)
    index = first_true(differs)
    if index is None:
        return _ok(name)
    want, have = e[index].item(), g[index].item()
    want_text, have_text = format_pair(want, have)
    if index:
        count = int(np.count_nonzero(differs))
        verb = "differs" if count == 1 else "differ"
        message = (
            f"{name} differs from the reference at {format_index(index)}: expected {want_text}, "
            f"got {have_text} ({count} of {e.size} values {verb}; shapes {e.shape} and {g.shape})."
        )
    else:
        message = f"{name} differs from the reference: expected {want_text}, got {have_text}."
    return _fail(name, "value", message, index=index, expected=want, got=have)


def _reference_nan(name: str, e: np.ndarray, g: np.ndarray | None) -> Part:
    # Checked before anything the student did: a broken reference must surface as such.
    index = first_true(np.isnan(e))
    assert index is not None
    where = f" at {format_index(index)}" if index else ""
    return _fail(
        name,
        "nan",
        f"{name} cannot be graded: the reference itself is not finite (NaN{where}); "
        "please tell your instructor.",
        index=index,
        expected=e[index].item(),
        got=g[index].item() if g is not None and g.shape == e.shape else None,
    )


def _compare_text(expected: str | bytes, got: object, name: str) -> Part:
    # np.str_ / np.bytes_ subclass str / bytes; the codec decodes NumPy string scalars to them.
    want: str | bytes
    have: str | bytes
    if isinstance(expected, str):
        if type(got) not in (str, np.str_):
            return _type_part(name, expected, got)
        want, have = str(expected), str(got)
    else:
        if type(got) not in (bytes, np.bytes_):
            return _type_part(name, expected, got)
        assert isinstance(got, bytes)
        want, have = bytes(expected), bytes(got)
    if want == have:
        return _ok(name)
    return _fail(
        name,
        "value",
        f"{name} is {short_repr(have)}, expected {short_repr(want)}.",
        expected=want,
        got=have,
    )


def _expected_array(value: object) -> np.ndarray:
    """The reference leaf as an array; anything else is a grader bug."""
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (bool, int, float, complex, np.generic)):
        array = scalar_array(value)
    else:
        raise TypeError(f"reference output holds {type_name(value)}, which is not plain data")
    if array.dtype.kind not in ACCEPTED_KINDS:
        raise TypeError(f"reference output holds an array of dtype {array.dtype}")
    return array


def _ok(name: str) -> Part:
    return Part(name=name, ok=True, problem=None, message="")


def _fail(
    name: str,
    problem: str,
    message: str,
    *,
    index: tuple[int, ...] | None = None,
    expected: object = None,
    got: object = None,
    weight: int = 1,
) -> Part:
    return Part(
        name=name,
        ok=False,
        problem=problem,
        message=message,
        index=index,
        expected=expected,
        got=got,
        weight=weight,
    )


def _leaves(value: object) -> int:
    """How many leaves ``value`` has (at least 1, so an empty container still counts)."""
    if isinstance(value, dict):
        return max(1, sum(_leaves(v) for v in value.values()))
    if isinstance(value, (tuple, list)):
        return max(1, sum(_leaves(v) for v in value))
    return 1


def _type_part(name: str, expected: object, got: object) -> Part:
    return _fail(
        name,
        "type",
        f"{name} is {describe(got)}, expected {describe(expected)}.",
        expected=type_name(expected),
        got=type_name(got),
        weight=_leaves(expected),
    )
