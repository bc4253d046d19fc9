"""The judge's copies of arguments are deep copies: changing one never changes the original,
and what was shared stays shared, as with ``copy.deepcopy``."""

from __future__ import annotations

import copy

import numpy as np

from graders.judge.copies import plain_copy


class Box:
    def __init__(self, inner: object) -> None:
        self.inner = inner


def test_a_copy_of_nested_plain_data_is_independent_of_the_original():
    original = ({"W": np.ones((2, 2)), "b": [np.zeros(2), 1.5]}, [1, "x", None], np.float64(2))
    copied = plain_copy(original)
    copied[0]["W"][0, 0] = 9
    copied[0]["b"][0][:] = 7
    copied[0]["b"].append("more")
    copied[1][0] = 5
    assert original[0]["W"][0, 0] == 1 and original[0]["b"][0].tolist() == [0, 0]
    assert len(original[0]["b"]) == 2 and original[1][0] == 1
    assert copied[2] == original[2]


def test_what_was_shared_stays_shared_as_with_deepcopy():
    params = {"W": np.ones(3)}
    caches = ((np.zeros(1), params), (np.zeros(1), params))
    copied = plain_copy((params, caches))
    deep = copy.deepcopy((params, caches))
    assert copied[0] is copied[1][0][1] is copied[1][1][1]
    assert (deep[0] is deep[1][0][1]) == (copied[0] is copied[1][0][1])
    assert copied[0] is not params


def test_other_objects_are_deep_copied_with_the_same_sharing():
    shared = np.arange(3)
    value = [Box(shared), shared, {"loop": None}]
    value[2]["loop"] = value  # a cycle through a list
    copied = plain_copy(value)
    assert copied[0] is not value[0] and copied[0].inner is copied[1]
    assert copied[2]["loop"] is copied
    copied[1][0] = 99
    assert shared[0] == 0
