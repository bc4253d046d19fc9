"""Reading typed answers: every form a person would type is read, and every answer that cannot
be read is refused with a message that says why, never with a crash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graders.quiz import parse
from graders.quiz.parse import Refusal


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0.25", "0.25"),
        (" 0.25 ", "0.25"),
        ("\t0.25\n", "0.25"),
        ("2.5e-1", "0.25"),
        ("2.5E-1", "0.25"),
        (".25", "0.25"),
        ("+0.25", "0.25"),
        ("25.", "25"),
        ("-0.24491", "-0.24491"),
        ("-0.0", "0"),
        ("1e-320", "1e-320"),
        ("1.7976931348623157e308", "1.7976931348623157e308"),
        ("-9.99e308", "-9.99e308"),
        ("\u2212" + "0.5", "-0.5"),  # the minus sign documents print
        ("\u0660.\u0662\u0665", "0.25"),  # Arabic-Indic digits
        ("\u0966.\u0968\u096b", "0.25"),  # Devanagari digits
        ("\uff10\uff0e\uff12\uff15", "0.25"),  # full-width digits and point
        ("\u0660\u066b\u0662\u0665", "0.25"),  # Arabic decimal separator
        (0.25, "0.25"),  # a JSON number
        (3, "3"),
    ],
)
def test_numbers_are_read_as_a_person_writes_them(typed, value):
    assert parse.number(typed) == Decimal(value)


def test_the_sign_of_zero_is_kept_but_compares_equal():
    assert parse.number("-0.0") == 0
    assert parse.number("-0.0").is_signed()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0,25", '"0,25" has a comma: write decimals with a point'),
        ("1,000", "no thousands separators"),
        ("NaN", "NaN (not a number) cannot be graded"),
        ("nan", "NaN (not a number) cannot be graded"),
        ("-nan", "NaN (not a number) cannot be graded"),
        (float("nan"), "NaN (not a number) cannot be graded"),
        ("inf", "An infinity cannot be graded"),
        ("-Infinity", "An infinity cannot be graded"),
        ("\u221e", "An infinity cannot be graded"),
        (float("-inf"), "An infinity cannot be graded"),
        ("1e400", '"1e400" is too large to grade'),
        ("-1e309", "is too large to grade"),
        (10**400, "is too large to grade"),
        ("1e-1001", "is too small to grade"),
        ("1e99999999999999999999999", "too large or too small a number"),
        (["0.25"], "Give one number, not a list of 1 values."),
        (["0.25", "0.5"], "Give one number, not a list of 2 values."),
        ({"value": "0.25"}, "Give one number, not a table of values."),
        (True, "true or false is not a number"),
        ("0.25, 0.5", "looks like a list: give one number"),
        ("(0.25)", "looks like a list: give one number"),
        ("[0.25]", "looks like a list"),
        ("1/4", '"1/4" is a fraction: give it as a decimal number'),
        ("25%", "has a % sign: give the number itself"),
        ("0. 25", "has a space inside it"),
        ("1 000", "has a space inside it"),
        ("abc", '"abc" is not a number: write it with digits'),
        ("0x10", "is not a number"),
        ("1_000", "is not a number"),
        ("--1", "is not a number"),
        (".", "is not a number"),
        ("10\u00b2", "is not a number"),  # a superscript is not a digit
        ("\u00bd", "is not a number"),  # a vulgar fraction
        ("\u2167", "is not a number"),  # a Roman numeral
        ("1" * 401, "is 401 characters long; at most 400 are read"),
        ("1e309", "is too large to grade (below 1e309)"),
        ("1" * 10_000_000, "is 10,000,000 characters long"),
        ("0.25\x00", "is not a number"),
    ],
)
def test_numbers_that_cannot_be_read_are_refused_with_the_reason(typed, message):
    with pytest.raises(Refusal) as refused:
        parse.number(typed)
    assert message in refused.value.message


def test_a_refusal_quotes_a_long_or_strange_answer_briefly():
    with pytest.raises(Refusal) as refused:
        parse.number("x" * 90)
    assert len(refused.value.message) < 120
    with pytest.raises(Refusal) as refused:
        parse.number("1\x1b[31m")
    assert "\x1b" not in refused.value.message
    assert "\\x1b" in refused.value.message


@pytest.mark.parametrize(
    ("typed", "value"),
    [("9", 9), (" +9 ", 9), ("9.0", 9), ("1e3", 1000), ("-4", -4), (9, 9), ("\u0669", 9)],
)
def test_integers(typed, value):
    assert parse.integer(typed) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9.5", '"9.5" is not a whole number'),
        (9.5, '"9.5" is not a whole number'),
        ("nine", "is not a number"),
        ("9,0", "has a comma"),
        (["9"], "not a list"),
    ],
)
def test_integers_refused(typed, message):
    with pytest.raises(Refusal) as refused:
        parse.integer(typed)
    assert message in refused.value.message


@pytest.mark.parametrize(
    ("typed", "shape"),
    [
        ("(85, 1)", (85, 1)),
        ("85,1", (85, 1)),
        ("[85, 1]", (85, 1)),
        (" ( 85 ,1 ) ", (85, 1)),
        ("85 x 1", (85, 1)),
        ("85\u00d71", (85, 1)),
        ("85 1", (85, 1)),
        ("(85,)", (85,)),
        ("85", (85,)),
        ("()", ()),
        ("(85, 1,)", (85, 1)),
        ("torch.Size([85, 1])", (85, 1)),
        ([85, 1], (85, 1)),
        (["85", "1"], (85, 1)),
        ("(\u0668\u0665, \u0661)", (85, 1)),
    ],
)
def test_shapes(typed, shape):
    assert parse.shape(typed) == shape


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("(85, 1", "unbalanced brackets"),
        ("[85, 1)", "unbalanced brackets"),
        ("(85,, 1)", "has an empty dimension"),
        ("(85.0, 1)", '"85.0" is not a dimension'),
        ("(-85, 1)", '"-85" is negative'),
        ("(a, b)", '"a" is not a dimension'),
        ([85, True], "Each dimension of a shape is a whole number"),
        ([[85], 1], "Each dimension of a shape is a whole number"),
        ("(" + "1, " * 40 + ")", "at most 32 dimensions"),
        ("(10\u00b2, 1)", "is not a dimension"),
    ],
)
def test_shapes_refused(typed, message):
    with pytest.raises(Refusal) as refused:
        parse.shape(typed)
    assert message in refused.value.message


@pytest.mark.parametrize("typed", ["b", "B", " b ", "(b)", "b)", "b.", "\uff42"])
def test_one_option_letter(typed):
    assert parse.choice(typed, 4) == "b"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("e", "There is no option e: choose from a to d."),
        ("b, d", '"b, d" names several options: choose one.'),
        (["b"], "Choose one option: give a single letter, not a list."),
        ("2", '"2" is not an option: choose one letter, from a to d.'),
        (2, "Give one option letter as text, not a number."),
    ],
)
def test_one_option_letter_refused(typed, message):
    with pytest.raises(Refusal) as refused:
        parse.choice(typed, 4)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("typed", "letters"),
    [
        (["b", "d"], {"b", "d"}),
        (["D", "b"], {"b", "d"}),
        ("b, d", {"b", "d"}),
        ("B D", {"b", "d"}),
        ("bd", {"b", "d"}),
        ("b;d", {"b", "d"}),
        (["b", "b"], {"b"}),
        ([], set()),
    ],
)
def test_several_option_letters(typed, letters):
    assert parse.choices(typed, 4) == letters


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (["b", "z"], "There is no option z"),
        ("b, z", "There is no option z"),
        ("none", '"none" is not a list of options: give letters, like b, d (from a to d).'),
        ("b, 4", "is not a list of options"),
        ([["b"]], "not a list"),
        (["b"] * 101, "101 choices is too many"),
    ],
)
def test_several_option_letters_refused(typed, message):
    with pytest.raises(Refusal) as refused:
        parse.choices(typed, 4)
    assert message in refused.value.message


def test_items_split_on_lines_and_semicolons_and_drop_empty_ones():
    assert parse.items("a = 1\n\nb = 2; c = 3;") == ["a = 1", "b = 2", "c = 3"]
    assert parse.items([" a = 1 ", "b = 2"]) == ["a = 1", "b = 2"]
    with pytest.raises(Refusal, match="not a list"):
        parse.items([["a"]])


@pytest.mark.parametrize(
    ("text", "how", "normal"),
    [
        ("size_a = Hidden_Layer_size", "identifier", "size_a=Hidden_Layer_size"),
        (" size_a=Hidden_Layer_size ", "identifier", "size_a=Hidden_Layer_size"),
        ("The  Cat\tSAT", "text", "the cat sat"),
        ("  The  Cat ", "none", "The  Cat"),
    ],
)
def test_normalization(text, how, normal):
    assert parse.normalized(text, how) == normal


@pytest.mark.parametrize("value", [None, "", "   ", "\n\t"])
def test_blank_answers(value):
    assert parse.is_blank(value)


@pytest.mark.parametrize("value", ["0", [], 0, "a"])
def test_answers_that_are_not_blank(value):
    assert not parse.is_blank(value)
