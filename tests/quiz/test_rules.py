"""The number rules at their edges, and their invariants on any float (hypothesis)."""

from __future__ import annotations

import math
import sys
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from graders.quiz import grade_question, parse, rules
from graders.quiz.questions import Question
from graders.quiz.rules import CONTEXT, exact, round_half_up, significant, truncate


def number_question(answer, rule, **params) -> Question:
    return Question(id="q1", type="number", prompt="?", answer=answer, rule=rule, **params)


def accepted(question: Question, typed: str) -> bool:
    return rules.accepts(question, parse.number(typed))


TANH = 0.24491866240370913  # tanh(0.25)


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("0.24491", True),
        ("0.24492", False),  # rounded, not cut
        ("0.244918", True),  # more decimals than asked: cut like the key
        ("0.24491866240370913", True),
        ("0.244910", True),
        ("0.2449", False),
        ("0.24490", False),
        ("2.4491e-1", True),
        ("-0.24491", False),
    ],
)
def test_truncate_cuts_and_never_rounds(typed, ok):
    assert accepted(number_question(TANH, "truncate", decimals=5), typed) is ok


@pytest.mark.parametrize(
    ("typed", "ok"), [("0.24492", True), ("0.24491", False), ("0.244915", True)]
)
def test_round_rounds(typed, ok):
    assert accepted(number_question(TANH, "round", decimals=5), typed) is ok


def test_truncate_works_on_the_decimal_a_person_reads():
    # math.floor(0.29 * 100) / 100 is 0.28: the float 0.29 is 0.28999999999999998...
    assert accepted(number_question(0.29, "truncate", decimals=2), "0.29")
    assert rules.typed(number_question(0.29, "truncate", decimals=2)) == "0.29"
    # round(2.675, 2) is 2.67 in binary floating point; a person rounds 2.675 to 2.68.
    assert accepted(number_question(2.675, "round", decimals=2), "2.68")
    assert accepted(number_question(0.125, "round", decimals=2), "0.13")
    assert not accepted(number_question(0.125, "round", decimals=2), "0.12")


def test_negative_numbers_are_cut_towards_zero_and_rounded_away_from_it():
    key = -TANH
    assert accepted(number_question(key, "truncate", decimals=5), "-0.24491")
    assert not accepted(number_question(key, "truncate", decimals=5), "-0.24492")
    assert rules.typed(number_question(key, "truncate", decimals=5)) == "-0.24491"
    assert accepted(number_question(key, "round", decimals=5), "-0.24492")
    assert accepted(number_question(-0.125, "round", decimals=2), "-0.13")


def test_negative_zero():
    for rule, params in [("truncate", {"decimals": 2}), ("round", {"decimals": 2})]:
        question = number_question(0.0, rule, **params)
        for typed in ("0", "-0.0", "-0", "0.00", "-0.001", "0.004"):
            assert accepted(question, typed), (rule, typed)
        assert rules.typed(question) == "0.00"
    # A tiny negative key cut to 2 decimals is typed 0.00, not -0.00.
    assert rules.typed(number_question(-0.001, "truncate", decimals=2)) == "0.00"
    assert accepted(number_question(-0.0, "abs", tolerance=0.0), "0")
    assert accepted(number_question(0.0, "rel", tolerance=0.1), "-0.0")
    assert accepted(number_question(-0.0, "sigfig", digits=3), "0")


def test_subnormal_numbers_are_compared_exactly():
    tiny = 1e-320
    assert tiny > 0 and tiny < sys.float_info.min  # subnormal
    question = number_question(tiny, "rel", tolerance=1e-6)
    assert accepted(question, "1e-320")
    assert accepted(question, "0.00000000000000000000000000000000000001e-282")
    assert not accepted(question, "1.1e-320")
    assert not accepted(question, "0")  # a float computation would underflow to 0 here
    assert accepted(number_question(tiny, "truncate", decimals=5), "0")
    assert accepted(number_question(tiny, "sigfig", digits=2), "1.0e-320")
    assert not accepted(number_question(tiny, "sigfig", digits=2), "1.1e-320")


def test_absolute_and_relative_tolerances_include_their_bound():
    assert accepted(number_question(0.1, "abs", tolerance=0.05), "0.15")  # 0.15 - 0.1 == 0.05
    assert accepted(number_question(0.1, "abs", tolerance=0.05), "0.05")
    assert not accepted(number_question(0.1, "abs", tolerance=0.05), "0.1500001")
    assert accepted(number_question(200.0, "rel", tolerance=0.01), "198")
    assert accepted(number_question(-200.0, "rel", tolerance=0.01), "-202")
    assert not accepted(number_question(-200.0, "rel", tolerance=0.01), "202")
    assert not accepted(number_question(200.0, "rel", tolerance=0.01), "197.99")


def test_significant_figures():
    question = number_question(1234.5, "sigfig", digits=3)
    assert accepted(question, "1230")
    assert accepted(question, "1.23e3")
    assert accepted(question, "1234")
    assert not accepted(question, "1240")
    assert not accepted(question, "123")
    assert rules.typed(question) == "1.23e+3"
    assert rules.typed(number_question(TANH, "sigfig", digits=3)) == "0.245"
    assert accepted(number_question(9.996, "sigfig", digits=3), "10.0")


def test_ranges_are_inclusive():
    question = number_question((5.8, 6.0), "range")
    for typed, ok in [("5.8", True), ("6", True), ("5.9", True), ("5.79", False), ("6.01", False)]:
        assert accepted(question, typed) is ok, typed
    assert rules.typed(question) == "any number from 5.8 to 6.0"


def test_the_feedback_states_the_rule_and_never_the_key():
    question = number_question(TANH, "truncate", decimals=5)
    wrong = grade_question(question, "0.24492")
    assert wrong.feedback == '"0.24492" is not the value cut to 5 decimals, without rounding.'
    short = grade_question(question, "0.2")
    assert short.feedback.endswith("The question asks for 5 decimals; your answer has 1.")
    for rule, params, phrase in [
        ("round", {"decimals": 1}, "is not the value rounded to 1 decimal."),
        ("abs", {"tolerance": 0.01}, "is not within 0.01 of the value."),
        ("rel", {"tolerance": 0.02}, "is not within 2% of the value."),
        ("sigfig", {"digits": 3}, "is not the value to 3 significant figures."),
    ]:
        test = grade_question(number_question(TANH, rule, **params), "7.00000")
        assert test.feedback == f'"7.00000" {phrase}'
        assert "0.24" not in test.feedback
    ranged = grade_question(number_question((5.8, 6.0), "range"), "7")
    assert ranged.feedback == '"7" is not in the range of accepted values.'


# -- invariants on any float ------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
decimals = st.integers(min_value=0, max_value=12)


@given(finite)
@example(1e-320)
@example(-0.0)
@example(5e-324)
@example(sys.float_info.max)
def test_a_float_printed_with_repr_reads_back_exactly(x):
    value = parse.number(repr(x))
    assert value == Decimal(repr(x))
    assert float(value) == x
    assert math.copysign(1, float(value)) == math.copysign(1, x)


@given(finite, decimals)
@example(TANH, 5)
@example(0.29, 2)
@example(-0.0, 3)
@example(1e-320, 5)
def test_any_float_s_own_truncation_is_accepted_and_one_unit_more_is_not(x, n):
    question = number_question(x, "truncate", decimals=n)
    typed = rules.typed(question)
    assert accepted(question, typed)
    assert rules.accepts(question, exact(x))  # all the digits are right too
    unit = Decimal(1).scaleb(-n)
    away = CONTEXT.add(parse.number(typed), unit if x >= 0 else -unit)
    assert not rules.accepts(question, away)


@given(finite, decimals)
def test_truncation_goes_towards_zero_by_less_than_one_unit(x, n):
    value = exact(x)
    cut = truncate(value, n)
    unit = Decimal(1).scaleb(-n)
    assert abs(cut) <= abs(value)
    assert CONTEXT.subtract(abs(value), abs(cut)) < unit
    assert cut == 0 or (cut > 0) == (value > 0)


@given(finite, decimals)
@example(0.125, 2)
@example(2.675, 2)
@example(-0.125, 2)
def test_rounding_and_truncation_agree_exactly_when_the_next_digit_is_below_5(x, n):
    value = exact(x)
    unit = Decimal(1).scaleb(-n)
    next_digit = int(CONTEXT.remainder(CONTEXT.multiply(abs(value), Decimal(10) ** (n + 1)), 10))
    difference = CONTEXT.subtract(round_half_up(value, n), truncate(value, n))
    if next_digit < 5:
        assert difference == 0
    else:
        assert difference == (unit if value > 0 else -unit)


@given(finite, decimals)
def test_any_float_s_own_rounding_is_accepted(x, n):
    question = number_question(x, "round", decimals=n)
    assert accepted(question, rules.typed(question))
    assert rules.accepts(question, exact(x))


@given(finite, st.integers(min_value=1, max_value=17))
def test_any_float_s_own_significant_figures_are_accepted(x, digits):
    question = number_question(x, "sigfig", digits=digits)
    assert accepted(question, rules.typed(question))
    assert rules.accepts(question, exact(x))
    rounded = significant(exact(x), digits)
    assert len(rounded.normalize().as_tuple().digits) <= digits or rounded == 0


tolerances = st.floats(min_value=1e-300, max_value=1e300)


@given(finite, tolerances)
def test_an_absolute_tolerance_accepts_its_bound_and_nothing_past_it(x, tol):
    question = number_question(x, "abs", tolerance=tol)
    key, bound = exact(x), exact(tol)
    assert rules.accepts(question, key)
    assert rules.accepts(question, CONTEXT.add(key, bound))
    assert rules.accepts(question, CONTEXT.subtract(key, bound))
    past = CONTEXT.multiply(bound, Decimal("1.0000001"))
    assert not rules.accepts(question, CONTEXT.add(key, past))


@given(finite, st.floats(min_value=1e-12, max_value=0.5))
def test_a_relative_tolerance_scales_with_the_key(x, tol):
    assume(x != 0)
    question = number_question(x, "rel", tolerance=tol)
    key = exact(x)
    bound = CONTEXT.multiply(exact(tol), abs(key))
    assert rules.accepts(question, CONTEXT.add(key, bound))
    assert not rules.accepts(question, CONTEXT.add(key, CONTEXT.multiply(bound, Decimal(2))))
    assert not rules.accepts(question, -key)


@given(finite, finite, finite)
def test_a_range_accepts_exactly_its_closed_interval(a, b, x):
    low, high = sorted((a, b))
    question = number_question((low, high), "range")
    assert rules.accepts(question, exact(x)) == (low <= x <= high)


@given(finite)
def test_forgiving_forms_of_a_number_read_the_same(x):
    text = repr(x)
    assert parse.number(f"  {text}\n") == parse.number(text)
    if x >= 0 and not text.startswith("-"):
        assert parse.number("+" + text) == parse.number(text)
    digits = "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)  # full-width
    assert parse.number(digits) == parse.number(text)
