"""The number rules: whether a number answer matches a question's key.

Comparisons are exact decimal arithmetic, on the answer as the student wrote it and on the key's
shortest decimal form (``repr``), the way a person compares numbers on paper: 0.29 cut to two
decimals is 0.29 (not the 0.28 that ``math.floor(0.29 * 100) / 100`` gives), and 0.15 is within
0.05 of 0.1.

- ``truncate``: the answer cut to ``decimals`` (towards zero, never rounded) equals the key
  cut so;
- ``round``: the answer rounded to ``decimals`` (half away from zero) equals the key rounded so;
- ``abs``: ``|answer - key| <= tolerance``;
- ``rel``: ``|answer - key| <= tolerance * |key|``;
- ``sigfig``: the answer rounded to ``digits`` significant figures equals the key rounded so;
- ``range``: ``low <= answer <= high`` (``answer = [low, high]``).

An answer with more decimals than asked is cut or rounded like the key (0.2449186 is right
for "0.244918... cut to 5 decimals"); one with fewer is compared as it is (0.25 is 0.25000).
"""

from __future__ import annotations

from decimal import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from graders.quiz.questions import Question, bounds

CONTEXT = Context(
    prec=1200, Emax=999_999, Emin=-999_999, traps=[InvalidOperation, DivisionByZero, Overflow]
)
"""Enough digits that no operation on a readable answer or a float key is ever rounded
(a float has at most 767 significant decimal digits; answers are at most 100 characters)."""


def exact(value: float) -> Decimal:
    """A float as a person reads it: its shortest decimal form, ``repr``."""
    return Decimal(repr(float(value)))


def truncate(value: Decimal, decimals: int) -> Decimal:
    """``value`` cut to ``decimals`` places, towards zero: -0.2449 -> -0.24."""
    return _zero_unsigned(value.quantize(_unit(decimals), ROUND_DOWN, CONTEXT))


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places, a half away from zero: 0.125 -> 0.13."""
    return _zero_unsigned(value.quantize(_unit(decimals), ROUND_HALF_UP, CONTEXT))


def significant(value: Decimal, digits: int) -> Decimal:
    """``value`` rounded to ``digits`` significant figures, a half away from zero."""
    if not value:
        return Decimal(0)
    exponent = value.adjusted() - digits + 1
    return _zero_unsigned(value.quantize(Decimal(1).scaleb(exponent), ROUND_HALF_UP, CONTEXT))


def accepts(question: Question, answer: Decimal) -> bool:
    """Whether ``answer`` matches the key of a number question under its rule."""
    rule, key = question.rule, question.answer
    with localcontext(CONTEXT):
        if rule == "range":
            low, high = bounds(key)
            return exact(low) <= answer <= exact(high)
        assert isinstance(key, float)
        expected = exact(key)
        if rule == "truncate":
            assert question.decimals is not None
            return truncate(answer, question.decimals) == truncate(expected, question.decimals)
        if rule == "round":
            assert question.decimals is not None
            return round_half_up(answer, question.decimals) == round_half_up(
                expected, question.decimals
            )
        if rule == "sigfig":
            assert question.digits is not None
            return significant(answer, question.digits) == significant(expected, question.digits)
        assert question.tolerance is not None
        allowed = exact(question.tolerance)
        if rule == "rel":
            allowed *= abs(expected)
        return abs(answer - expected) <= allowed


def typed(question: Question) -> str:
    """The key as a student would type it under the rule: ``0.24491`` for 0.244918...
    cut to 5 decimals."""
    rule, key = question.rule, question.answer
    if rule == "range":
        assert isinstance(key, tuple)
        return f"any number from {key[0]!r} to {key[1]!r}"
    assert isinstance(key, float)
    if rule == "truncate":
        assert question.decimals is not None
        return _plain(truncate(exact(key), question.decimals))
    if rule == "round":
        assert question.decimals is not None
        return _plain(round_half_up(exact(key), question.decimals))
    if rule == "sigfig":
        assert question.digits is not None
        return f"{significant(exact(key), question.digits):.{question.digits}g}"
    return repr(key)


def describe(question: Question) -> str:
    """The rule in words, for feedback: ``the value cut to 5 decimals, without rounding``."""
    rule = question.rule
    if rule == "truncate":
        return f"the value cut to {decimals_text(question.decimals)}, without rounding"
    if rule == "round":
        return f"the value rounded to {decimals_text(question.decimals)}"
    if rule == "sigfig":
        return f"the value to {question.digits} significant figures"
    if rule == "abs":
        return f"within {question.tolerance:g} of the value"
    if rule == "rel":
        assert question.tolerance is not None
        return f"within {question.tolerance * 100:g}% of the value"
    return "in the range of accepted values"


def decimals_of(value: Decimal) -> int:
    """How many decimals a written number has: 3 for ``0.250``, 2 for ``2.5e-1``."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def decimals_text(count: int | None) -> str:
    """``1 decimal``, ``5 decimals``."""
    return "1 decimal" if count == 1 else f"{count} decimals"


def _unit(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _zero_unsigned(value: Decimal) -> Decimal:
    """-0.00 is 0.00: a person never types the sign of zero on purpose."""
    return value if value else value.copy_abs()


def _plain(value: Decimal) -> str:
    return format(value, "f")
