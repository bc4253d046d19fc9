"""The judge's quick comparisons agree with the full ones: a quick closeness check never
accepts what the full one refuses, and ``matches`` says what every part of ``compare`` says."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from graders.judge.arrays import Tolerance, all_close, close
from graders.judge.compare import compare, matches
from graders.protocol.codec import Opaque

SPECIAL = st.sampled_from([0.0, -0.0, 1e-9, 1.0, -1.0, 1e308, -1e308, np.inf, -np.inf, np.nan])
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), SPECIAL)
TOLERANCES = st.builds(
    Tolerance,
    rtol=st.sampled_from([0.0, 1e-6, 1.0, 1e300]),
    atol=st.sampled_from([0.0, 1e-8, 1.0, 1e300]),
)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # hypothesis casting to float32
@settings(max_examples=400, deadline=None)
@given(
    e=arrays(np.float64, st.integers(1, 6), elements=FLOATS),
    data=st.data(),
    tol=TOLERANCES,
    dtype=st.sampled_from([np.float64, np.float32, np.float16]),
)
def test_quick_closeness_implies_full_closeness(e, data, tol, dtype):
    g = data.draw(arrays(dtype, e.shape, elements=FLOATS.map(lambda x: dtype(x).item())))
    if all_close(e, g, tol):
        assert close(e, g, tol).all()


def test_quick_closeness_accepts_close_finite_floats_and_defers_the_rest():
    tol = Tolerance()
    e = np.linspace(-3.0, 3.0, 7)
    assert all_close(e, e + 1e-12, tol)
    assert not all_close(e, e + 1.0, tol)
    inf = np.array([np.inf])
    assert not all_close(inf, inf, tol) and close(inf, inf, tol).all()  # the full check says
    assert not all_close(inf, -inf, Tolerance(rtol=1.0, atol=1e300))
    assert not all_close(np.array([1, 2]), np.array([1, 2]), tol)  # integers: the full check


LEAVES = st.one_of(
    arrays(st.sampled_from([np.float64, np.float32]), st.integers(0, 3), elements=FLOATS),
    arrays(np.int64, st.integers(0, 3), elements=st.integers(-3, 3)),
    FLOATS,
    st.integers(-3, 3),
    st.none(),
    st.text(max_size=2),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    ),
    max_leaves=6,
)


def _nudged(value, draw):
    """``value`` with some leaves changed a little, a lot, or for another kind of value."""
    if isinstance(value, dict):
        out = {k: _nudged(v, draw) for k, v in value.items()}
        if draw(st.booleans()) and out:
            out.pop(next(iter(out)))
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(_nudged(v, draw) for v in value)
    how = draw(st.sampled_from(["same", "tiny", "big", "other", "opaque"]))
    if how == "same" or not isinstance(value, np.ndarray | float):
        return value if how != "other" else draw(LEAVES)
    if how == "opaque":
        return Opaque("something", "it is not plain data")
    scale = 1e-12 if how == "tiny" else 1.0
    return value + scale if how != "other" else draw(LEAVES)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=400, deadline=None)
@given(expected=VALUES, data=st.data())
def test_matches_says_what_every_part_of_compare_says(expected, data):
    got = data.draw(st.sampled_from(["copy", "nudged", "other"]))
    if got == "copy":
        other = expected
    elif got == "nudged":
        other = _nudged(expected, data.draw)
    else:
        other = data.draw(VALUES)
    with np.errstate(all="ignore"):
        assert matches(expected, other) == all(p.ok for p in compare(expected, other, "value"))
