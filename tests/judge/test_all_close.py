"""The judge's quick closeness check never accepts what the full one refuses."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from graders.judge.arrays import Tolerance, all_close, close

SPECIAL = st.sampled_from([0.0, -0.0, 1e-9, 1.0, -1.0, 1e308, -1e308, np.inf, -np.inf, np.nan])
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), SPECIAL)
TOLERANCES = st.builds(
    Tolerance,
    rtol=st.sampled_from([0.0, 1e-6, 1.0, 1e300]),
    atol=st.sampled_from([0.0, 1e-8, 1.0, 1e300]),
)


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
