"""The trusted judge's comparison: what matches, what does not, and what the student is told."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest

from graders import Opaque
from graders.judge.compare import (
    Part,
    Tolerance,
    compare,
    first_difference,
    matches,
    score,
)


@pytest.fixture(autouse=True)
def warnings_are_errors() -> Iterator[None]:
    # The judge must never warn (overflow, invalid value...): a warning here fails the test.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def only(parts: list[Part]) -> Part:
    assert len(parts) == 1, parts
    return parts[0]


# --- pinned messages -------------------------------------------------------------------------


def test_value_message_names_part_index_values_count_and_shapes() -> None:
    expected = np.zeros((5, 10))
    got = expected.copy()
    expected[2, 3], got[2, 3] = 0.63271, 0.11834
    got[3, 0] = 1.0
    got[4, 9] = -2.0
    part = only(compare(expected, got, "a_next"))
    assert part.message == (
        "a_next differs from the reference at [2, 3]: expected 0.6327, got 0.1183 "
        "(3 of 50 values differ; shapes (5, 10) and (5, 10))."
    )
    assert (part.ok, part.problem, part.index) == (False, "value", (2, 3))
    assert part.expected == pytest.approx(0.63271)
    assert part.got == pytest.approx(0.11834)


def test_nan_message_names_first_nan_and_expected_value() -> None:
    expected = np.full((2, 6), 0.2213)
    got = expected.copy()
    got[0, 4] = np.nan
    got[1, 1] = np.nan
    part = only(compare(expected, got, "y_pred"))
    assert part.message == "y_pred contains NaN at [0, 4] (expected 0.2213)."
    assert (part.problem, part.index) == ("nan", (0, 4))


def test_transposed_array_is_a_shape_failure_with_both_shapes() -> None:
    expected = np.ones((5, 10))
    part = only(compare(expected, expected.T.copy(), "a_next"))
    assert part.message == "a_next has shape (10, 5), expected (5, 10)."
    assert (part.problem, part.expected, part.got) == ("shape", (5, 10), (10, 5))


# --- NaN, infinities, signed zero --------------------------------------------------------------


def test_nan_in_got_is_never_equal_even_to_nan_in_got_only() -> None:
    part = only(compare(0.5, float("nan"), "loss"))
    assert (part.ok, part.problem, part.index) == (False, "nan", ())
    assert part.message == "loss is NaN (expected 0.5)."


def test_nan_in_got_is_never_equal_even_to_nan() -> None:
    # The reference never produces NaN; if it does, the leaf fails and says the reference is bad.
    expected = np.array([1.0, np.nan, 3.0])
    part = only(compare(expected, expected.copy(), "h"))
    assert (part.ok, part.problem, part.index) == (False, "nan", (1,))
    assert "reference itself is not finite" in part.message
    assert part.message.startswith("h cannot be graded")


def test_nan_in_reference_is_reported_before_any_student_mistake() -> None:
    part = only(compare(np.array([np.nan, 1.0]), None, "h"))
    assert part.problem == "nan"
    assert "reference itself is not finite" in part.message


def test_complex_nan_in_got_is_found() -> None:
    expected = np.array([1 + 1j, 2 + 2j])
    part = only(compare(expected, np.array([1 + 1j, complex(2, np.nan)]), "z"))
    assert (part.problem, part.index) == ("nan", (1,))


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinity_equals_the_same_infinity(value: float) -> None:
    assert matches(np.array([1.0, value]), np.array([1.0, value]))
    assert matches(value, value)


def test_infinity_does_not_equal_the_other_infinity_or_a_huge_number() -> None:
    part = only(compare(np.array([np.inf]), np.array([-np.inf]), "x"))
    assert (part.problem, part.index) == ("value", (0,))
    assert "expected inf, got -inf" in part.message
    assert not matches(np.inf, 1e308)
    assert not matches(1e308, np.inf)
    assert not matches(-np.inf, -1e308)


def test_infinity_is_not_close_even_with_infinite_tolerance_of_finite_values() -> None:
    assert not matches(np.inf, 1.0, Tolerance(rtol=1.0, atol=1e300))


def test_negative_zero_equals_zero() -> None:
    assert matches(0.0, -0.0)
    assert matches(np.array([0.0, -0.0]), np.array([-0.0, 0.0]))
    assert matches(np.array([0.0]), np.array([-0.0]), Tolerance(rtol=0.0, atol=0.0))


# --- tolerance ---------------------------------------------------------------------------------


def test_closeness_scales_with_the_reference_not_the_student_value() -> None:
    tol = Tolerance(rtol=0.5, atol=0.0)
    # |10 - 1| = 9 > 0.5 * |1|, although 9 <= 0.5 * |10| (np.isclose(a, b) would accept it).
    assert not matches(1.0, 10.0, tol)
    assert matches(10.0, 6.0, tol)


def test_values_at_the_tolerance_edge_are_close_and_just_beyond_are_not() -> None:
    tol = Tolerance(rtol=0.0, atol=0.25)
    assert matches(1.0, 1.25, tol)
    assert not matches(1.0, 1.2500001, tol)
    assert matches(np.array([4.0]), np.array([4.0 + 4e-6]), Tolerance(rtol=1e-6, atol=0.0))


def test_tiny_differences_below_atol_pass_with_default_tolerance() -> None:
    assert matches(0.0, 5e-9)
    assert not matches(0.0, 2e-8)


@pytest.mark.parametrize("bad", [-1.0, float("nan")])
def test_tolerance_rejects_negative_or_nan(bad: float) -> None:
    with pytest.raises(ValueError):
        Tolerance(rtol=bad)
    with pytest.raises(ValueError):
        Tolerance(atol=bad)


def test_huge_values_do_not_overflow_or_warn() -> None:
    big = np.array([1e308, -1e308, 1.7e308, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert matches(big, big.copy())
        part = only(compare(big, -big, "x"))
    assert (part.problem, part.index) == ("value", (0,))
    assert "4 of 4 values differ" in part.message
    assert "expected 1e+308, got -1e+308" in part.message


def test_huge_difference_is_close_when_tolerance_is_larger_than_the_float_range() -> None:
    # |1e308 - (-1e308)| = 2e308 overflows; the tolerance 3 * 1e308 covers it all the same.
    assert matches(1e308, -1e308, Tolerance(rtol=3.0, atol=0.0))
    assert not matches(1e308, -1e308, Tolerance(rtol=1.5, atol=0.0))


def test_huge_python_int_is_compared_without_overflow() -> None:
    assert not matches(1.0, 10**400)
    assert not matches(1.0, -(10**400))
    assert matches(float(2**70), 2**70)


# --- numeric types -----------------------------------------------------------------------------


def test_int_where_float_expected_is_fine_when_values_match() -> None:
    assert matches(np.array([1.0, 2.0, 3.0]), np.array([1, 2, 3]))
    assert matches(3.0, 3)
    assert matches(3, 3.0)
    assert matches(np.float64(2.0), np.int32(2))


def test_int_where_float_expected_still_fails_on_value() -> None:
    part = only(compare(np.array([1.5, 2.0]), np.array([1, 2]), "v"))
    assert (part.problem, part.index, part.expected, part.got) == ("value", (0,), 1.5, 1)


def test_narrower_float_and_unsigned_ints_are_accepted() -> None:
    assert matches(np.array([0.5, 0.25]), np.array([0.5, 0.25], dtype=np.float32))
    assert matches(np.array([1, 2], dtype=np.int64), np.array([1, 2], dtype=np.uint8))


@pytest.mark.parametrize(
    ("expected", "got"),
    [
        (np.array([1.0, 0.0]), np.array([True, False])),
        (np.array([1, 0]), np.array([True, False])),
        (1.0, True),
        (np.array([True, False]), np.array([1, 0])),
        (True, 1),
        (True, 1.0),
    ],
)
def test_bool_and_numbers_are_not_interchangeable(expected: object, got: object) -> None:
    part = only(compare(expected, got, "mask"))
    assert (part.ok, part.problem) == (False, "dtype")


def test_bools_compare_exactly() -> None:
    assert matches(np.array([True, False]), np.array([True, False]))
    assert matches(False, np.bool_(False))
    part = only(compare(np.array([True, False]), np.array([True, True]), "mask"))
    assert (part.problem, part.index, part.expected, part.got) == ("value", (1,), False, True)


def test_complex_where_real_expected_is_a_dtype_failure_even_with_zero_imaginary_part() -> None:
    part = only(compare(np.array([1.0, 2.0]), np.array([1 + 0j, 2 + 0j]), "x"))
    assert part.problem == "dtype"
    assert part.message == "x holds complex numbers (complex128), expected real numbers (float64)."
    assert only(compare(1.0, 1 + 0j, "x")).problem == "dtype"


def test_real_where_complex_expected_is_compared_by_value() -> None:
    assert matches(np.array([1 + 0j, 2 + 0j]), np.array([1.0, 2.0]))
    assert not matches(np.array([1 + 1j]), np.array([1.0]))


def test_string_where_number_expected_is_a_type_failure() -> None:
    part = only(compare(0.5, "0.5", "loss"))
    assert (part.problem, part.message) == ("type", "loss is a string, expected a single number.")
    assert only(compare(np.array([1.0]), np.array(["1.0"]), "x")).problem == "dtype"


def test_object_array_arrives_opaque_and_never_matches() -> None:
    got = Opaque(type_name="numpy.ndarray", why="object arrays are not plain data")
    part = only(compare(np.array([1.0, 2.0]), got, "a_next"))
    assert (part.ok, part.problem) == (False, "opaque")
    assert part.message == "a_next is not plain data: object arrays are not plain data."


def test_opaque_in_place_of_a_whole_structure_is_one_failed_part() -> None:
    got = Opaque(type_name="Cache", why="Cache is not plain data")
    part = only(compare({"a": 1.0, "b": (1.0, 2.0)}, got, "cache"))
    assert (part.name, part.problem, part.got) == ("cache", "opaque", "Cache")


def test_reference_that_is_not_plain_data_is_a_grader_bug() -> None:
    with pytest.raises(TypeError):
        compare(np.array([object()], dtype=object), np.array([1.0]), "x")
    with pytest.raises(TypeError):
        compare(object(), 1.0, "x")


class Sneaky(np.ndarray):
    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return True


def test_ndarray_subclass_from_student_is_a_type_failure() -> None:
    got = np.ones((2, 2)).view(Sneaky)
    assert only(compare(np.ones((2, 2)), got, "m")).problem == "type"


# --- shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected_shape", "got_shape"),
    [((5,), (5, 1)), ((5, 1), (5,)), ((1, 5), (5,)), ((5,), (1, 5)), ((3, 4), (4, 3))],
)
def test_broadcastable_or_transposed_shapes_are_shape_failures(
    expected_shape: tuple[int, ...], got_shape: tuple[int, ...]
) -> None:
    part = only(compare(np.ones(expected_shape), np.ones(got_shape), "a"))
    assert (part.problem, part.expected, part.got) == ("shape", expected_shape, got_shape)
    assert part.message == f"a has shape {got_shape}, expected {expected_shape}."


def test_scalar_and_zero_d_array_are_the_same() -> None:
    assert matches(0.5, np.array(0.5))
    assert matches(np.array(0.5), 0.5)
    assert matches(np.float64(0.5), np.array(0.5, dtype=np.float32))


@pytest.mark.parametrize("shape", [(1,), (1, 1)])
def test_size_one_array_where_scalar_expected_is_a_shape_failure(shape: tuple[int, ...]) -> None:
    part = only(compare(0.5, np.full(shape, 0.5), "cost"))
    assert (part.problem, part.got) == ("shape", shape)
    assert part.message == (
        f"cost is an array of shape {shape}, expected a single number "
        "(use float(...) or .item() to return the value itself)."
    )


def test_scalar_where_array_expected_is_a_shape_failure() -> None:
    part = only(compare(np.ones(1), 1.0, "b"))
    assert part.problem == "shape"
    assert part.message == "b is a single number, expected an array of shape (1,)."


def test_empty_arrays_of_same_shape_match() -> None:
    assert matches(np.zeros((0, 3)), np.zeros((0, 3)))
    assert not matches(np.zeros((0, 3)), np.zeros((3, 0)))


# --- strings and None --------------------------------------------------------------------------


def test_strings_compare_exactly() -> None:
    assert matches("relu", "relu")
    assert matches("relu", np.str_("relu"))
    part = only(compare("relu", "ReLU", "activation"))
    assert (part.problem, part.message) == ("value", "activation is 'ReLU', expected 'relu'.")
    assert not matches("relu", "relu ")


def test_none_only_equals_none() -> None:
    assert matches(None, None)
    part = only(compare(None, 0.0, "x"))
    assert (part.problem, part.message) == ("type", "x is a single number, expected None.")
    part = only(compare(np.ones((5, 10)), None, "a_next"))
    assert part.message == "a_next is None, expected an array of shape (5, 10)."


# --- structure ---------------------------------------------------------------------------------


def lstm_output(seed: int = 0) -> tuple[object, ...]:
    rng = np.random.default_rng(seed)
    cache = {"Wax": rng.normal(size=(5, 3)), "ba": rng.normal(size=(5, 1))}
    return (rng.normal(size=(5, 10)), rng.normal(size=(2, 10)), [cache, (1.0, 2)])


def test_nested_structure_gives_one_part_per_leaf_with_paths() -> None:
    expected = lstm_output()
    parts = compare(expected, lstm_output(), "out")
    assert [p.name for p in parts] == [
        "out[0]",
        "out[1]",
        "out[2][0]['Wax']",
        "out[2][0]['ba']",
        "out[2][1][0]",
        "out[2][1][1]",
    ]
    assert all(p.ok for p in parts) and score(parts) == 1.0


def test_one_wrong_leaf_in_nested_structure_gives_partial_score() -> None:
    expected = lstm_output()
    got = lstm_output()
    got[2][0]["Wax"] = got[2][0]["Wax"] + 1.0  # type: ignore[index]
    parts = compare(expected, got, "out")
    failed = [p for p in parts if not p.ok]
    assert [(p.name, p.problem) for p in failed] == [("out[2][0]['Wax']", "value")]
    assert failed[0].message.startswith("out[2][0]['Wax'] differs from the reference at [0, 0]")
    assert score(parts) == pytest.approx(5 / 6)


def test_int_dict_keys_are_named_without_quotes() -> None:
    parts = compare({3: {"Wax": 1.0}}, {3: {"Wax": 2.0}}, "cache")
    assert only(parts).name == "cache[3]['Wax']"


def test_missing_key_is_one_failed_part_naming_the_key() -> None:
    expected = {"Wax": np.ones(2), "cache": (np.ones(2), np.ones(3))}
    parts = compare(expected, {"Wax": np.ones(2)}, "params")
    assert [(p.name, p.ok, p.problem) for p in parts] == [
        ("params['Wax']", True, None),
        ("params['cache']", False, "missing-key"),
    ]
    assert parts[1].message == "params is missing the key 'cache'."
    assert score(parts) == pytest.approx(1 / 3)  # the missing value held two of three leaves


def test_extra_keys_are_one_failed_part() -> None:
    got = {"a": 1.0, "b": 2.0, "c": 3.0}
    parts = compare({"a": 1.0}, got, "d")
    assert [(p.name, p.problem) for p in parts] == [("d['a']", None), ("d", "extra-key")]
    assert parts[1].message == "d has unexpected keys 'b', 'c'."
    assert parts[1].got == ("b", "c")
    assert only(compare({}, {"z": 1}, "d")).message == "d has an unexpected key 'z'."


def test_many_extra_keys_are_listed_briefly() -> None:
    got = {f"k{i}": i for i in range(100)}
    part = only(compare({}, got, "d"))
    assert part.message == "d has unexpected keys 'k0', 'k1', 'k2', 'k3', 'k4' and 95 more."


def test_key_types_must_match() -> None:
    parts = compare({1: 1.0}, {"1": 1.0}, "d")
    assert [p.problem for p in parts] == ["missing-key", "extra-key"]


def test_list_and_tuple_are_interchangeable() -> None:
    assert matches((np.ones(2), 1.0), [np.ones(2), 1.0])
    assert matches([np.ones(2), 1.0], (np.ones(2), 1.0))


def test_length_mismatch_is_one_failed_part_naming_both_lengths() -> None:
    part = only(compare((1.0, 2.0, 3.0), [1.0, 2.0], "caches"))
    assert (part.name, part.problem, part.expected, part.got) == ("caches", "length", 3, 2)
    assert part.message == "caches has 2 items, expected 3."


def test_container_of_the_wrong_kind_is_a_type_failure() -> None:
    part = only(compare((1.0, 2.0), np.array([1.0, 2.0]), "pair"))
    assert part.problem == "type"
    assert part.message == "pair is an array of shape (2,), expected a tuple of 2 items."
    assert (
        only(compare({"a": 1.0}, [1.0], "d")).message == "d is a list of 1 item, expected a dict."
    )
    assert only(compare(np.ones(2), [1.0, 1.0], "v")).problem == "type"


def test_opaque_inside_a_structure_fails_only_its_leaf() -> None:
    got = (1.0, Opaque(type_name="Tensor", why="torch.Tensor is not plain data"))
    parts = compare((1.0, np.ones(3)), got, "out")
    assert [(p.name, p.problem) for p in parts] == [("out[0]", None), ("out[1]", "opaque")]


# --- score, matches, first_difference ----------------------------------------------------------


def test_score_is_the_fraction_of_ok_parts_and_one_for_nothing() -> None:
    ok = Part("a", True, None, "")
    bad = Part("b", False, "value", "b differs.")
    assert score([]) == 1.0
    assert score([ok, bad, bad, ok]) == 0.5
    assert score([bad]) == 0.0


def test_empty_expected_structure_has_no_parts() -> None:
    assert compare((), [], "t") == []
    assert compare({}, {}, "d") == []


def test_first_difference_is_in_c_order_and_none_when_close() -> None:
    expected = np.zeros((3, 4))
    got = np.asfortranarray(expected.copy())
    got[2, 0] = 1.0
    got[1, 3] = 1.0
    tol = Tolerance()
    assert first_difference(expected, got, tol) == (1, 3)
    assert first_difference(expected, expected.copy(), tol) is None
    assert first_difference(np.array(1.0), np.array(2.0), tol) == ()


def test_first_difference_counts_nan_and_incompatible_dtypes_as_differences() -> None:
    tol = Tolerance()
    assert first_difference(np.array([1.0, np.nan]), np.array([1.0, np.nan]), tol) == (1,)
    assert first_difference(np.array([1.0, 2.0]), np.array(["1", "2"]), tol) == (0,)
    with pytest.raises(ValueError):
        first_difference(np.ones(3), np.ones((3, 1)), tol)


def test_values_equal_to_four_digits_are_printed_with_more() -> None:
    part = only(compare(0.123456, 0.123466, "x"))
    assert part.message == "x differs from the reference: expected 0.123456, got 0.123466."


def test_a_malformed_answer_never_outscores_a_well_formed_wrong_one():
    expected = ({"a": np.ones(2), "b": np.ones(2), "c": np.ones(2), "d": np.ones(2)}, np.ones(2))
    malformed = (None, np.ones(2))
    all_wrong = ({k: np.zeros(2) for k in "abcd"}, np.ones(2))
    assert score(compare(expected, malformed, "cache")) == pytest.approx(0.2)
    assert score(compare(expected, all_wrong, "cache")) == pytest.approx(0.2)
    short = (expected[0],)
    assert score(compare(expected, short, "cache")) == 0.0
