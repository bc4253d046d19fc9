"""The plain-data codec: what round-trips exactly, and what is refused or marked opaque."""

from __future__ import annotations

import numpy as np
import pytest

from graders.protocol.codec import DecodeError, Opaque, decode, encode

DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "longdouble",
    "complex64",
    "complex128",
    "datetime64[ns]",
    "timedelta64[s]",
    "U7",
    "S5",
    ">f8",
    ">i4",
]


def roundtrip(value):
    skeleton, buffers = encode(value)
    return decode(skeleton, buffers)


@pytest.mark.parametrize("dtype", DTYPES)
def test_arrays_of_every_plain_dtype_round_trip_exactly(dtype):
    arr = np.arange(12).reshape(3, 4).astype(dtype)
    back = roundtrip(arr)
    assert type(back) is np.ndarray
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert back.tobytes() == arr.tobytes()


def test_non_contiguous_and_empty_and_zero_d_arrays_keep_their_shape():
    base = np.arange(24.0).reshape(4, 6)
    for arr in (base.T, base[::2, 1::3], np.empty((0, 3)), np.array(5.0)):
        back = roundtrip(arr)
        assert back.shape == arr.shape
        np.testing.assert_array_equal(back, arr)


def test_nan_and_inf_come_back_as_themselves():
    arr = np.array([np.nan, np.inf, -np.inf, -0.0])
    back = roundtrip(arr)
    assert np.isnan(back[0]) and back[1] == np.inf and back[2] == -np.inf
    assert np.signbit(back[3])
    value = roundtrip((float("nan"), float("-inf")))
    assert np.isnan(value[0]) and value[1] == float("-inf")


def test_nested_tuples_of_dicts_of_arrays_keep_their_structure():
    cache = (
        np.ones((5, 10)),
        {"Wf": np.zeros((5, 8)), "bf": np.ones((5, 1)), "meta": [1, 2.5, "x", None, True]},
        [np.float64(0.5), np.int32(3), 7, 1 + 2j, b"raw"],
    )
    back = roundtrip(cache)
    assert type(back) is tuple and type(back[1]) is dict and type(back[2]) is list
    np.testing.assert_array_equal(back[1]["Wf"], cache[1]["Wf"])
    assert back[1]["meta"] == [1, 2.5, "x", None, True]
    assert type(back[2][0]) is np.float64 and type(back[2][1]) is np.int32
    assert back[2][2:] == [7, 1 + 2j, b"raw"]


def test_int_keys_and_big_ints_survive():
    assert roundtrip({1: 2**80, "a": -3}) == {1: 2**80, "a": -3}


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (np.array([1, "a"], dtype=object), "object arrays"),
        (np.matrix([[1.0, 2.0]]), "subclass of numpy.ndarray"),
        (np.ma.masked_array([1.0, 2.0]), "subclass of numpy.ndarray"),
        (np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]), "structured"),
    ],
)
def test_arrays_that_are_not_plain_data_come_back_opaque(value, why):
    back = roundtrip(value)
    assert isinstance(back, Opaque)
    assert why in back.why


def test_objects_with_custom_eq_never_compare_equal():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    class SneakyFloat(float):
        def __eq__(self, other):
            return True

    class SneakyArray(np.ndarray):
        pass

    for value in (AlwaysEqual(), SneakyFloat(1.0), np.zeros(3).view(SneakyArray)):
        back = roundtrip(value)
        assert isinstance(back, Opaque)
        assert back != back
        assert not back.__eq__(1.0)
        assert not np.array_equal(np.asarray(back, dtype=object), np.asarray(1.0))


def test_self_containing_list_is_opaque_not_infinite():
    lst: list = [1]
    lst.append(lst)
    back = roundtrip(lst)
    assert back[0] == 1 and isinstance(back[1], Opaque)


def test_dict_with_unhashable_or_object_keys_is_opaque():
    assert isinstance(roundtrip({(1, 2): 3}), Opaque)


def test_decode_rejects_buffer_of_the_wrong_length():
    skeleton, buffers = encode(np.ones((3, 3)))
    with pytest.raises(DecodeError, match="needs 72 bytes"):
        decode(skeleton, [buffers[0][:-8]])


def test_decode_rejects_a_huge_claimed_shape_without_allocating():
    skeleton = {"t": "nd", "i": 0, "dtype": "<f8", "shape": [10**12, 10**12]}
    with pytest.raises(DecodeError):
        decode(skeleton, [b"\0" * 8])


@pytest.mark.parametrize("dtype", ["|O", "O", "V8", "[('a', '<f8')]", "object", "x" * 100])
def test_decode_refuses_object_void_and_unknown_dtypes(dtype):
    with pytest.raises(DecodeError):
        decode({"t": "nd", "i": 0, "dtype": dtype, "shape": [1]}, [b"\0" * 8])


@pytest.mark.parametrize(
    "skeleton",
    [
        [],
        {"t": "nd"},
        {"t": "nd", "i": 5, "dtype": "<f8", "shape": [1]},
        {"t": "nd", "i": 0, "dtype": "<f8", "shape": [-1]},
        {"t": "int", "v": "1"},
        {"t": "float", "v": 1.0},
        {"t": "dict", "k": ["a"], "v": []},
        {"t": "eval", "v": "__import__('os')"},
        {"t": "list", "v": [{"t": "list", "v": []}] * 1} | {"v": "notalist"},
    ],
)
def test_decode_rejects_malformed_skeletons(skeleton):
    with pytest.raises(DecodeError):
        decode(skeleton, [b"\0" * 8])


def test_decode_refuses_deep_nesting():
    node: dict = {"t": "none"}
    for _ in range(100):
        node = {"t": "list", "v": [node]}
    with pytest.raises(DecodeError):
        decode(node, [])
