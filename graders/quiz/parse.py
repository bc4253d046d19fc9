"""Typed answers into values: forgiving where a person would be, precise where it must be.

Each reader takes one answer as it came from an answer file (a string as the student typed it;
a JSON number or list is accepted where it makes sense) and returns a value, or raises
:class:`Refusal` with the sentence the student reads. Nothing here raises anything else for any
input, however large or strange.

Digits of any script (Unicode decimal digits: Arabic-Indic, Devanagari, full-width) read as the
digits 0-9, and the minus sign (U+2212, what documents and LaTeX print) as ``-``: a keyboard
that types them costs no marks. Other numeric characters (superscripts, fractions such as
U+00BD, Roman numerals) are refused with a message, never read as digits.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_NUMBER_CHARS = 400
"""Longest number answer read (after surrounding spaces); a longer one is refused. Any float
written out with up to 30 decimals fits (1.8e308 has 309 digits before the point)."""
MAX_TEXT_CHARS = 2000
"""Longest text answer read (exact answers, shapes, choices)."""
MAX_ITEMS = 100
"""Most items an any-order answer or a list of choices may hold."""
MAX_DIMENSIONS = 32
"""NumPy's own limit on the dimensions of an array."""
LARGEST_EXPONENT = 308
"""Numbers from ``1e309`` up are refused: past the largest float (about 1.8e308), which no key
can exceed, and refusing them keeps every comparison cheap."""
SMALLEST_EXPONENT = -1000
"""Numbers below ``1e-1000`` (other than 0) are refused, for the same reasons."""
_SHOWN_CHARS = 40


class Refusal(Exception):
    """An answer that cannot be read; ``message`` says why, and what to type instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_blank(value: object) -> bool:
    """No answer at all: absent (``None``) or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def shown(text: str) -> str:
    """The student's text, quoted for a message: clipped, control characters escaped."""
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 3] + "..."
    if not text.isprintable():
        text = repr(text)[1:-1]
    return f'"{text}"'


# -- numbers ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAN = re.compile(r"[+-]?s?nan", re.IGNORECASE)
_INFINITY = re.compile(r"[+-]?(?:inf|infinity|∞)", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_FRACTION = re.compile(r"[+-]?\d+\s*/\s*\d+")
_SPACED = re.compile(r"[+-]?[\d.\s]*\d[\d.\s]*(?:[eE][+-]?\d+)?")
_SIGNS = {
    "\u2212": "-",  # minus sign
    "\uff0d": "-",  # full-width hyphen-minus
    "\uff0b": "+",  # full-width plus
    "\uff0e": ".",  # full-width full stop
    "\u066b": ".",  # Arabic decimal separator
}


def ascii_digits(text: str) -> str:
    """``text`` with every Unicode decimal digit as its ASCII digit, and the minus sign,
    full-width signs and point, and the Arabic decimal separator as ``-``, ``+``, ``.``."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() else _SIGNS.get(ch, ch) for ch in text
    )


def number(value: Any) -> Decimal:
    """A number answer, exactly as written (``Decimal``): ``' 0.25 '``, ``2.5e-1``, ``.25``,
    ``+0.25``, or a JSON number. ``-0.0`` reads as zero's negative and compares equal to 0."""
    if isinstance(value, bool):
        raise Refusal("true or false is not a number: type the number itself, like 0.25.")
    if isinstance(value, int):
        return _in_range(Decimal(value), str(value))
    if isinstance(value, float):
        if math.isnan(value):
            raise Refusal(_NAN_MESSAGE)
        if math.isinf(value):
            raise Refusal(_INFINITY_MESSAGE)
        return _in_range(Decimal(repr(value)), repr(value))
    text = _text(value, "one number", MAX_NUMBER_CHARS)
    digits = ascii_digits(text)
    if _NUMBER.fullmatch(digits):
        try:
            parsed = Decimal(digits)
        except InvalidOperation:  # an exponent beyond what Decimal holds
            raise Refusal(f"{shown(text)} is too large or too small a number to grade.") from None
        return _in_range(parsed, text)
    raise Refusal(_not_a_number(text, digits))


_NAN_MESSAGE = "NaN (not a number) cannot be graded: give the number your code computes."
_INFINITY_MESSAGE = "An infinity cannot be graded: give a finite number."


def _in_range(value: Decimal, text: str) -> Decimal:
    if value and value.adjusted() > LARGEST_EXPONENT:
        raise Refusal(f"{shown(text)} is too large to grade (below 1e{LARGEST_EXPONENT + 1}).")
    if value and value.adjusted() < SMALLEST_EXPONENT:
        raise Refusal(f"{shown(text)} is too small to grade (below 1e{SMALLEST_EXPONENT}).")
    return value


def _not_a_number(text: str, digits: str) -> str:
    if _NAN.fullmatch(digits):
        return _NAN_MESSAGE
    if _INFINITY.fullmatch(digits):
        return _INFINITY_MESSAGE
    if _DECIMAL_COMMA.fullmatch(digits):
        return (
            f"{shown(text)} has a comma: write decimals with a point, like 0.25, and no "
            "thousands separators."
        )
    if "," in digits or ";" in digits or digits[:1] in "([{":
        return f"{shown(text)} looks like a list: give one number."
    if _FRACTION.fullmatch(digits):
        return f"{shown(text)} is a fraction: give it as a decimal number, like 0.25."
    if digits.endswith("%") and _NUMBER.fullmatch(digits[:-1].strip()):
        return f"{shown(text)} has a % sign: give the number itself (25% is 0.25)."
    if _SPACED.fullmatch(digits):
        return f"{shown(text)} has a space inside it: write the number without spaces."
    return f"{shown(text)} is not a number: write it with digits, like 0.25, -3 or 2.5e-1."


def integer(value: Any) -> int:
    """A whole number: ``9``, ``' +9 '``, ``9.0`` or ``1e3`` (a value with no fraction)."""
    parsed = number(value)
    if parsed != parsed.to_integral_value():
        raise Refusal(f"{shown(_as_text(value))} is not a whole number: give a whole number.")
    return int(parsed)


# -- shapes -----------------------------------------------------------------------------------

_BRACKETS = {"(": ")", "[": "]"}
_SEPARATORS = re.compile(r"\s*[,x\u00d7*]\s*|\s+")
_TORCH_SIZE = re.compile(r"torch\.Size\((.*)\)", re.DOTALL)


def shape(value: Any) -> tuple[int, ...]:
    """An array shape: ``(85, 1)``, ``85,1``, ``[85, 1]``, ``85 x 1``, ``(85,)``, ``()``,
    ``torch.Size([85, 1])``, or a JSON list of whole numbers."""
    if isinstance(value, list):
        if len(value) > MAX_DIMENSIONS:
            raise Refusal(f"A shape has at most {MAX_DIMENSIONS} dimensions.")
        return tuple(_dimension(item) for item in value)
    text = _text(value, "one shape", MAX_TEXT_CHARS)
    inner = ascii_digits(text)
    match = _TORCH_SIZE.fullmatch(inner)
    if match:
        inner = match.group(1).strip()
    if inner[:1] in _BRACKETS:
        if inner[-1:] != _BRACKETS[inner[0]]:
            raise Refusal(f"{shown(text)} has unbalanced brackets: write a shape like (85, 1).")
        inner = inner[1:-1].strip()
    inner = inner.rstrip(",").strip()  # (85,) is a shape of one dimension
    if not inner:
        return ()
    parts = _SEPARATORS.split(inner)
    if len(parts) > MAX_DIMENSIONS:
        raise Refusal(f"A shape has at most {MAX_DIMENSIONS} dimensions.")
    if any(not p for p in parts):
        raise Refusal(f"{shown(text)} has an empty dimension: write a shape like (85, 1).")
    return tuple(_dimension(p) for p in parts)


def _dimension(item: Any) -> int:
    if isinstance(item, bool) or not isinstance(item, int | str):
        raise Refusal("Each dimension of a shape is a whole number, like (85, 1).")
    text = str(item).strip()
    digits = ascii_digits(text).lstrip("+")
    if digits.startswith("-") and digits[1:].isdigit():
        raise Refusal(f"{shown(text)} is negative: the dimensions of a shape are at least 0.")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 20:
        raise Refusal(f"{shown(text)} is not a dimension: each is a whole number, as in (85, 1).")
    return int(digits)


# -- choices ----------------------------------------------------------------------------------

_CHOICE = re.compile(r"\(?([a-z])[.)]?")


def choice(value: Any, count: int) -> str:
    """One option letter of ``count`` options: ``b``, ``B``, ``(b)``, ``b)``, ``b.``."""
    if isinstance(value, list):
        raise Refusal("Choose one option: give a single letter, not a list.")
    text = _text(value, "one option letter", MAX_TEXT_CHARS)
    normal = unicodedata.normalize("NFKC", text).strip().casefold()
    match = _CHOICE.fullmatch(normal)
    if match is None:
        if len(_letters(normal)) > 1:
            raise Refusal(f"{shown(text)} names several options: choose one.")
        raise Refusal(f"{shown(text)} is not an option: choose one letter, {_span(count)}.")
    return _letter(match.group(1), count)


def choices(value: Any, count: int) -> frozenset[str]:
    """Option letters of ``count`` options, in any order: a JSON list (``["b", "d"]``) or
    text (``b, d``, ``B D``, ``bd``). Empty (``[]``) means no option chosen."""
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise Refusal(f"{len(value)} choices is too many: choose from {_span(count)}.")
        return frozenset(choice(item, count) for item in value)
    text = _text(value, "option letters", MAX_TEXT_CHARS)
    normal = unicodedata.normalize("NFKC", text).casefold()
    if re.fullmatch(r"[\s,;a-z()]*", normal) is None:
        raise Refusal(f"{shown(text)} is not a list of options: give letters, like b, d.")
    letters = _letters(normal)
    if re.search(r"[a-z]{2}", normal) and any(_letter_index(x) >= count for x in letters):
        raise Refusal(
            f"{shown(text)} is not a list of options: give letters, like b, d ({_span(count)})."
        )
    return frozenset(_letter(letter, count) for letter in letters)


def _letters(text: str) -> list[str]:
    return re.findall(r"[a-z]", text)


def _letter_index(letter: str) -> int:
    return ord(letter) - ord("a")


def _letter(letter: str, count: int) -> str:
    if _letter_index(letter) >= count:
        raise Refusal(f"There is no option {letter}: choose {_span(count)}.")
    return letter


def _span(count: int) -> str:
    return f"from a to {chr(ord('a') + count - 1)}"


# -- text -------------------------------------------------------------------------------------


def text(value: Any) -> str:
    """One text answer (an exact question): a string, or a JSON number as its digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    return _text(value, "one answer", MAX_TEXT_CHARS)


def items(value: Any) -> list[str]:
    """Items of an any-order answer: a JSON list of strings, or text with one item per line
    or items separated by ``;``. Empty items are dropped."""
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise Refusal(f"{len(value)} items is too many: at most {MAX_ITEMS}.")
        found = [text(item) for item in value]
    else:
        found = re.split(r"[\n;]", _text(value, "your items", MAX_TEXT_CHARS))
    return [item.strip() for item in found if item.strip()]


def normalized(text: str, how: str) -> str:
    """``text`` as an exact question compares it (``normalize``): ``identifier`` drops every
    space and keeps case (``size_a=Hidden_Layer_size``), ``text`` folds case and runs of
    spaces (``the cat``), ``none`` only drops surrounding spaces."""
    if how == "identifier":
        return "".join(text.split())
    if how == "text":
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return text.strip()


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _text(value: Any, what: str, limit: int) -> str:
    """The stripped text of one answer, or a refusal for anything that is not text."""
    if isinstance(value, list):
        raise Refusal(f"Give {what}, not a list of {len(value)} values.")
    if isinstance(value, dict):
        raise Refusal(f"Give {what}, not a table of values.")
    if not isinstance(value, str):
        raise Refusal(f"Give {what} as text, not {_json_kind(value)}.")
    if len(value) > 4 * limit:  # before strip(): a huge answer is refused without copying it
        raise Refusal(f"Your answer is {len(value):,} characters long; at most {limit:,} are read.")
    stripped = value.strip()
    if len(stripped) > limit:
        raise Refusal(
            f"Your answer is {len(stripped):,} characters long; at most {limit:,} are read."
        )
    return stripped


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__
