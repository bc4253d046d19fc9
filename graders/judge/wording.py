"""How values are named in the messages a student reads: "an array of shape (2, 3)", "a real
number", a number to as many digits as tell it apart, an untrusted repr cut short."""

from __future__ import annotations

import numpy as np

from graders.judge.arrays import NUMERIC, scalar_array
from graders.protocol.codec import Opaque

_KIND_WORDS = {
    "b": ("a bool", "bools"),
    "i": ("an integer", "integers"),
    "u": ("an integer", "integers"),
    "f": ("a real number", "real numbers"),
    "c": ("a complex number", "complex numbers"),
    "U": ("a string", "strings"),
    "S": ("a bytes value", "bytes values"),
    "M": ("a datetime", "datetimes"),
    "m": ("a timedelta", "timedeltas"),
    "O": ("a Python object", "Python objects"),
}
# Caps what an untrusted output can put into a message.
MAX_KEYS_LISTED = 5
MAX_REPR = 60


def shape_message(name: str, e: np.ndarray, g: np.ndarray) -> str | None:
    """Why ``g``'s shape does not do for ``e``'s, ``None`` when they are the same."""
    # Shapes must match exactly: (5,) against (5, 1) would broadcast and "compare" silently.
    if e.shape == g.shape:
        return None
    if e.ndim == 0:
        message = f"{name} is an array of shape {g.shape}, expected {single(e)}"
        if g.size == 1:
            message += " (use float(...) or .item() to return the value itself)"
        return message + "."
    if g.ndim == 0:
        return f"{name} is {single(g)}, expected an array of shape {e.shape}."
    return f"{name} has shape {g.shape}, expected {e.shape}."


def describe(value: object) -> str:
    """What ``value`` is, in words: "None", "a string", "an array of shape (2, 3)"..."""
    if value is None:
        return "None"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bytes):
        return "a bytes value"
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape}"
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return single(scalar_array(value))
    if type(value) is dict:
        return "a dict"
    if type(value) in (tuple, list):
        assert isinstance(value, (tuple, list))
        return f"a {type(value).__name__} of {items(len(value))}"
    return type_name(value)


def single(array: np.ndarray) -> str:
    """One value of ``array``'s kind: "a single number", "a string"..."""
    if array.dtype.kind in NUMERIC:
        return "a single number"
    return _KIND_WORDS.get(array.dtype.kind, ("a single value",))[0]


def kind_words(array: np.ndarray) -> str:
    """What ``array`` holds, with its dtype: "real numbers (float32)"."""
    singular, plural = _KIND_WORDS.get(array.dtype.kind, ("a value", "values"))
    return f"{singular if array.ndim == 0 else plural} ({array.dtype})"


def type_name(value: object) -> str:
    """The qualified name of ``value``'s type (an opaque value's recorded one)."""
    if isinstance(value, Opaque):
        return value.type_name
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def items(n: int) -> str:
    """``1 item``, ``3 items``."""
    return "1 item" if n == 1 else f"{n} items"


def format_index(index: tuple[int, ...]) -> str:
    """``(1, 2)`` as ``[1, 2]``."""
    return "[" + ", ".join(str(i) for i in index) + "]"


def format_number(value: object, digits: int = 4) -> str:
    """A number to ``digits`` significant digits; anything else as a short repr."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, float, complex, np.number)):
        return f"{value:.{digits}g}"
    return short_repr(value)


def format_pair(expected: object, got: object) -> tuple[str, str]:
    """4 significant digits, or more when 4 would print two different values identically."""
    for digits in (4, 6, 8, 10, 12, 17):
        pair = format_number(expected, digits), format_number(got, digits)
        if pair[0] != pair[1]:
            return pair
    return pair


def short_repr(value: object) -> str:
    """``repr(value)``, cut to :data:`MAX_REPR` characters."""
    text = repr(value)
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."
