"""The rnn-numpy reference (seed 003): the seed's printed outputs, exact GRU gradients, mutants.

The seed's test cells are rebuilt here draw for draw (``np.random.seed(1)`` and the global
NumPy generator, as the seed does), and the printed numbers are compared at the precision they
were printed with.
"""

from __future__ import annotations

import ast
import copy
import inspect
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.reference.modules import load_file

FOLDER = Path(__file__).resolve().parents[2] / "reference" / "rnn-numpy"
MUTANTS = sorted((FOLDER / "mutants").glob("*.py"))

GRADED = (
    "softmax",
    "sigmoid",
    "initialize_adam",
    "update_parameters_with_adam",
    "rnn_cell_forward",
    "rnn_forward",
    "lstm_cell_forward",
    "lstm_forward",
    "gru_cell_forward",
    "gru_forward",
    "rnn_cell_backward",
    "rnn_backward",
    "gru_cell_backward",
    "gru_backward",
)
# Reference functions whose output also earns full marks, per graded function.
ACCEPTED = {
    "softmax": ("softmax", "softmax_per_column", "softmax_unshifted"),
    "update_parameters_with_adam": (
        "update_parameters_with_adam",
        "update_parameters_with_adam_eps_outside",
    ),
    "gru_cell_backward": ("gru_cell_backward", "gru_cell_backward_exact"),
    "gru_backward": ("gru_backward", "gru_backward_exact"),
}


@pytest.fixture(scope="module")
def ref() -> ModuleType:
    return load_file(FOLDER / "reference.py", "rnn_numpy_reference")


# -- comparing with printed numbers ---------------------------------------------------------

NUMBER = re.compile(r"-?\d+\.\d*(?:e[-+]?\d+)?")


def assert_printed(value, printed: str) -> None:
    """``value`` equals what the seed printed, at the printed precision.

    Arrays were printed by NumPy with 8 decimals (trailing zeros dropped); scalars with repr,
    where the last digits may differ by a few ulps across BLAS builds.
    """
    if printed.lstrip().startswith("["):
        expected = np.array([float(n) for n in NUMBER.findall(printed)])
        actual = np.asarray(value, dtype=float).ravel()
        assert actual.shape == expected.shape, (actual, printed)
        assert np.all(np.abs(actual - expected) <= 0.5e-8 + 1e-15), (actual, printed)
    else:
        expected_scalar = float(printed)
        decimals = len(printed.split(".")[1])
        tolerance = 0.5 * 10.0**-decimals + 1e-14 * max(1.0, abs(expected_scalar))
        assert abs(float(value) - expected_scalar) <= tolerance, (float(value), printed)


def _randn(*shape):
    return np.random.randn(*shape)


# -- the seed's test cells, rebuilt -----------------------------------------------------------


def _rnn_forward_cell_parameters():
    """In [62]: its ``ba`` is the one the later rnn_cell_backward cell (In [72]) still sees."""
    np.random.seed(1)
    x = _randn(3, 10, 4)
    a0 = _randn(5, 10)
    Waa = _randn(5, 5)
    Wax = _randn(5, 3)
    Wya = _randn(2, 5)
    ba = _randn(5, 1)
    by = _randn(2, 1)
    return x, a0, {"Waa": Waa, "Wax": Wax, "Wya": Wya, "ba": ba, "by": by}


def _lstm_cell_inputs(steps: int | None):
    np.random.seed(1)
    x = _randn(3, 10) if steps is None else _randn(3, 10, steps)
    a_prev = _randn(5, 10)
    c_prev = _randn(5, 10) if steps is None else None
    names = ("Wf", "bf", "Wi", "bi", "Wo", "bo", "Wc", "bc")
    parameters = {n: _randn(5, 8) if n[0] == "W" else _randn(5, 1) for n in names}
    parameters["Wy"] = _randn(2, 5)
    parameters["by"] = _randn(2, 1)
    return x, a_prev, c_prev, parameters


def _gru_inputs(steps: int | None):
    np.random.seed(1)
    x = _randn(3, 10) if steps is None else _randn(3, 10, steps)
    c_prev = _randn(5, 10)
    names = ("Wu", "bu", "Wr", "br", "Wc", "bc")
    parameters = {n: _randn(5, 8) if n[0] == "W" else _randn(5, 1) for n in names}
    parameters["Wy"] = _randn(2, 5)
    parameters["by"] = _randn(2, 1)
    return x, c_prev, parameters


def test_seed_rnn_cell_forward(ref):
    np.random.seed(1)
    xt = _randn(3, 10)
    a_prev = _randn(5, 10)
    Waa = _randn(5, 5)
    Wax = _randn(5, 3)
    Wya = _randn(2, 5)
    ba = _randn(5, 1)
    by = _randn(2, 1)
    parameters = {"Waa": Waa, "Wax": Wax, "Wya": Wya, "ba": ba, "by": by}
    a_next, yt_pred, cache = ref.rnn_cell_forward(xt, a_prev, parameters)
    assert_printed(
        a_next[4],
        "[ 0.59584544  0.18141802  0.61311866  0.99808218  0.85016201  0.99980978"
        " -0.18887155  0.99815551  0.6531151   0.82872037]",
    )
    assert a_next.shape == (5, 10)
    assert_printed(
        yt_pred[1],
        "[0.9888161  0.01682021 0.21140899 0.36817467 0.98988387 0.88945212"
        " 0.36920224 0.9966312  0.9982559  0.17746526]",
    )
    assert yt_pred.shape == (2, 10)
    assert len(cache) == 4
    assert cache[0] is a_next and cache[1] is a_prev and cache[2] is xt
    assert cache[3] is parameters


def test_seed_rnn_forward(ref):
    x, a0, parameters = _rnn_forward_cell_parameters()
    a, y_pred, caches = ref.rnn_forward(x, a0, parameters)
    assert_printed(a[4][1], "[-0.99999375  0.77911235 -0.99861469 -0.99833267]")
    assert a.shape == (5, 10, 4)
    assert_printed(y_pred[1][3], "[0.79560373 0.86224861 0.11118257 0.81515947]")
    assert y_pred.shape == (2, 10, 4)
    assert_printed(caches[1][1][3], "[-1.1425182  -0.34934272 -0.20889423  0.58662319]")
    assert len(caches) == 2
    assert len(caches[0]) == 4


def test_seed_lstm_cell_forward(ref):
    xt, a_prev, c_prev, parameters = _lstm_cell_inputs(None)
    a_next, c_next, yt, cache = ref.lstm_cell_forward(xt, a_prev, c_prev, parameters)
    assert_printed(
        a_next[4],
        "[-0.66408471  0.0036921   0.02088357  0.22834167 -0.85575339  0.00138482"
        "  0.76566531  0.34631421 -0.00215674  0.43827275]",
    )
    assert a_next.shape == c_next.shape == (5, 10)
    assert_printed(
        c_next[2],
        "[ 0.63267805  1.00570849  0.35504474  0.20690913 -1.64566718  0.11832942"
        "  0.76449811 -0.0981561  -0.74348425 -0.26810932]",
    )
    assert_printed(
        yt[1],
        "[0.79913913 0.15986619 0.22412122 0.15606108 0.97057211 0.31146381"
        " 0.00943007 0.12666353 0.39380172 0.07828381]",
    )
    assert yt.shape == (2, 10)
    assert_printed(
        cache[1][3],
        "[-0.16263996  1.03729328  0.72938082 -0.54101719  0.02752074 -0.30821874"
        "  0.07651101 -1.03752894  1.41219977 -0.37647422]",
    )
    # The docstring promises 6 items; the seed's code returns (and prints) 10.
    assert len(cache) == 10
    assert cache[2] is a_prev and cache[3] is c_prev and cache[8] is xt
    assert cache[9] is parameters


def test_seed_lstm_forward(ref):
    x, a0, _, parameters = _lstm_cell_inputs(7)
    a, y, c, caches = ref.lstm_forward(x, a0, parameters)
    assert_printed(a[4][3][6], "0.17211776753291672")
    assert a.shape == (5, 10, 7)
    assert_printed(y[1][4][3], "0.9508734618501101")
    assert y.shape == (2, 10, 7)
    assert_printed(
        caches[1][1][1],
        "[ 0.82797464  0.23009474  0.76201118 -0.22232814 -0.20075807  0.18656139  0.41005165]",
    )
    assert_printed(c[1][2][1], "-0.8555449167181981")
    assert len(caches) == 2


def test_seed_gru_cell_forward(ref):
    xt, c_prev, parameters = _gru_inputs(None)
    c_next, yt, cache = ref.gru_cell_forward(xt, c_prev, parameters)
    assert_printed(
        c_next[2],
        "[ 0.96835301 -0.88762039  0.62503132  0.01958295  0.97551784  0.38587312"
        "  0.88733595  0.24367956  0.82957926  0.92582788]",
    )
    assert c_next.shape == (5, 10)
    assert_printed(
        yt[1],
        "[0.75531427 0.00261152 0.04392701 0.03915876 0.09527215 0.2514967"
        "  0.1331264  0.10993315 0.01768743 0.53323971]",
    )
    assert yt.shape == (2, 10)
    assert_printed(
        cache[1][3],
        "[-0.45979987  0.95361345  0.44527489 -0.9784312   0.54871199 -0.97785524"
        "  0.92927724 -0.68982212  1.99551341 -0.49854442]",
    )
    # The docstring promises 6 items; the seed's code returns (and prints) 8.
    assert len(cache) == 8
    assert cache[0] is cache[1] is c_next
    assert cache[2] is c_prev and cache[6] is xt and cache[7] is parameters


def test_seed_gru_forward(ref):
    x, c0, parameters = _gru_inputs(7)
    y, c, caches = ref.gru_forward(x, c0, parameters)
    assert_printed(y[1][4][3], "0.41095408633521757")
    assert y.shape == (2, 10, 7)
    assert_printed(
        caches[1][1][1],
        "[ 0.82797464  0.23009474  0.76201118 -0.22232814 -0.20075807  0.18656139  0.41005165]",
    )
    assert_printed(c[1][2][1], "1.5179668926616001")
    assert c.shape == (5, 10, 7)
    assert len(caches) == 2


def _rnn_cell_backward_cell(ba):
    """In [72], draw for draw: it draws ``b`` but builds parameters with the leftover ``ba``."""
    np.random.seed(1)
    xt = _randn(3, 10)
    a_prev = _randn(5, 10)
    Wax = _randn(5, 3)
    Waa = _randn(5, 5)
    Wya = _randn(2, 5)
    b = _randn(5, 1)
    by = _randn(2, 1)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": b if ba is None else ba, "by": by}
    return xt, a_prev, parameters


def test_seed_rnn_cell_backward_with_the_leftover_ba(ref):
    _, _, earlier = _rnn_forward_cell_parameters()
    xt, a_prev, parameters = _rnn_cell_backward_cell(earlier["ba"])
    _, _, cache = ref.rnn_cell_forward(xt, a_prev, parameters)
    da_next = _randn(5, 10)
    gradients = ref.rnn_cell_backward(da_next, cache)
    assert_printed(gradients["dxt"][1][2], "-0.4605641030588796")
    assert gradients["dxt"].shape == (3, 10)
    assert_printed(gradients["da_prev"][2][3], "0.08429686538067724")
    assert gradients["da_prev"].shape == (5, 10)
    assert_printed(gradients["dWax"][3][1], "0.39308187392193034")
    assert gradients["dWax"].shape == (5, 3)
    assert_printed(gradients["dWaa"][1][2], "-0.28483955786960663")
    assert gradients["dWaa"].shape == (5, 5)
    assert_printed(gradients["dba"][4], "[0.80517166]")
    assert gradients["dba"].shape == (5, 1)


def test_the_cells_own_b_does_not_give_the_printed_values(ref):
    xt, a_prev, parameters = _rnn_cell_backward_cell(None)
    _, _, cache = ref.rnn_cell_forward(xt, a_prev, parameters)
    gradients = ref.rnn_cell_backward(_randn(5, 10), cache)
    with pytest.raises(AssertionError):
        assert_printed(gradients["dxt"][1][2], "-0.4605641030588796")


def test_seed_rnn_backward(ref):
    np.random.seed(1)
    x = _randn(3, 10, 4)
    a0 = _randn(5, 10)
    Wax = _randn(5, 3)
    Waa = _randn(5, 5)
    Wya = _randn(2, 5)
    ba = _randn(5, 1)
    by = _randn(2, 1)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": ba, "by": by}
    _, _, caches = ref.rnn_forward(x, a0, parameters)
    da = _randn(5, 10, 4)
    gradients = ref.rnn_backward(da, caches)
    assert_printed(gradients["dx"][1][2], "[-2.07101689 -0.59255627  0.02466855  0.01483317]")
    assert gradients["dx"].shape == (3, 10, 4)
    assert_printed(gradients["da0"][2][3], "-0.31494237512664996")
    assert gradients["da0"].shape == (5, 10)
    assert_printed(gradients["dWax"][3][1], "11.264104496527777")
    assert gradients["dWax"].shape == (5, 3)
    assert_printed(gradients["dWaa"][1][2], "2.303333126579893")
    assert gradients["dWaa"].shape == (5, 5)
    assert_printed(gradients["dba"][4], "[-0.74747722]")
    assert gradients["dba"].shape == (5, 1)


def _seed_gru_cell_backward_case(ref):
    xt, c_prev, parameters = _gru_inputs(None)
    _, _, cache = ref.gru_cell_forward(xt, c_prev, parameters)
    return _randn(5, 10), cache


def test_seed_gru_cell_backward(ref):
    da_next, cache = _seed_gru_cell_backward_case(ref)
    gradients = ref.gru_cell_backward(da_next, cache)
    assert_printed(gradients["dxt"][1][2], "-0.5587102488376965")
    assert gradients["dxt"].shape == (3, 10)
    assert_printed(gradients["da_prev"][2][3], "0.07043422916503733")
    assert gradients["da_prev"].shape == (5, 10)
    assert gradients["dc_prev"] is gradients["da_prev"]
    assert_printed(gradients["dWu"][3][1], "-0.0907624548994332")
    assert gradients["dWu"].shape == (5, 8)
    assert_printed(gradients["dWc"][1][2], "-0.28268841181863846")
    assert gradients["dWc"].shape == (5, 8)
    assert_printed(gradients["dbr"][4], "[0.08794573]")
    assert gradients["dbr"].shape == (5, 1)
    assert set(gradients) == {"dxt", "da_prev", "dc_prev", "dWu", "dWr", "dWc", "dbc", "dbu", "dbr"}


def test_the_printed_gru_cell_backward_crashes(ref):
    """The seed's line ``Wu[:, n_c:].T.dot(...)`` in da_prev is (n_x, m), added to (n_a, m)."""
    da_next, cache = _seed_gru_cell_backward_case(ref)
    (_, _, c_prev, ut, _, cct, _, parameters) = cache
    n_c = c_prev.shape[0]
    dz_u = da_next * (cct - c_prev) * ut * (1 - ut)
    with pytest.raises(ValueError):
        _ = da_next * (1 - ut) + parameters["Wu"][:, n_c:].T.dot(dz_u)


def _seed_gru_backward_case(ref, steps_of_da=4):
    """In [214]: x has 7 steps, da only 4."""
    x, c0, parameters = _gru_inputs(7)
    _, _, caches = ref.gru_forward(x, c0, parameters)
    return _randn(5, 10, steps_of_da), caches


def test_seed_gru_backward_with_the_short_da(ref):
    da, caches = _seed_gru_backward_case(ref)
    gradients = ref.gru_backward(da, caches)
    assert_printed(
        gradients["dx"][1][2],
        "[-0.53193461 -0.4208328  -0.507653   -0.54948361  0.          0.          0.        ]",
    )
    assert gradients["dx"].shape == (3, 10, 7)
    assert_printed(gradients["dc0"][2][3], "-2.464280256218576")
    assert gradients["dc0"].shape == (5, 10)
    assert_printed(gradients["dWu"][3][1], "1.6118495631921883")
    assert gradients["dWu"].shape == (5, 8)
    assert_printed(gradients["dWc"][1][2], "0.04836978742650893")
    assert gradients["dWc"].shape == (5, 8)
    assert_printed(gradients["dbr"][4], "[0.77298005]")
    assert gradients["dbr"].shape == (5, 1)
    assert set(gradients) == {"dx", "dc0", "dWu", "dWr", "dWc", "dbc", "dbu", "dbr"}


@pytest.mark.parametrize("name", ["gru_backward", "gru_backward_exact"])
def test_a_short_da_is_a_zero_padded_da(ref, name):
    da, caches = _seed_gru_backward_case(ref)
    padded = np.concatenate([da, np.zeros((5, 10, 3))], axis=2)
    short, full = getattr(ref, name)(da, caches), getattr(ref, name)(padded, caches)
    assert set(short) == set(full)
    for key in short:
        np.testing.assert_allclose(short[key], full[key], rtol=1e-12, atol=1e-12)
    assert not short["dx"][:, :, 4:].any()


def test_the_seed_gru_backward_is_not_the_exact_gradient_on_the_seed_inputs(ref):
    da_next, cache = _seed_gru_cell_backward_case(ref)
    seed, exact = ref.gru_cell_backward(da_next, cache), ref.gru_cell_backward_exact(da_next, cache)
    for key in ("dWu", "dbu", "dWc", "dbc"):
        np.testing.assert_allclose(seed[key], exact[key], rtol=1e-12, atol=1e-14)
    for key in ("dxt", "da_prev", "dWr", "dbr"):
        assert not np.allclose(seed[key], exact[key], rtol=1e-3, atol=1e-6), key


# -- accepted variants ------------------------------------------------------------------------


def test_softmax_variants_agree_on_ordinary_inputs(ref):
    x = np.random.default_rng(0).normal(size=(4, 7)) * 3
    expected = ref.softmax(x)
    np.testing.assert_allclose(expected.sum(axis=0), 1.0, rtol=1e-12)
    for name in ACCEPTED["softmax"]:
        np.testing.assert_allclose(getattr(ref, name)(x), expected, rtol=1e-12, atol=1e-15)


def test_where_the_softmax_variants_part(ref):
    """Graders must pick inputs where all three agree; these are the cases where they do not."""
    far_apart = np.array([[0.0, -1000.0], [1.0, -1001.0]])
    with np.errstate(invalid="ignore", under="ignore"):
        assert np.isnan(ref.softmax(far_apart)[:, 1]).all()  # one global shift underflows
        assert np.isnan(ref.softmax_unshifted(far_apart)[:, 1]).all()
    np.testing.assert_allclose(ref.softmax_per_column(far_apart).sum(axis=0), 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(ref.softmax_unshifted(np.array([[1000.0], [999.0]]))).any()


def _adam_case(rng, t=3):
    shapes = {"W1": (3, 4), "b1": (3, 1), "W2": (2, 3), "b2": (2, 1)}
    parameters = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = {"d" + k: rng.normal(size=s) for k, s in shapes.items()}
    v = {"d" + k: 0.1 * rng.normal(size=s) for k, s in shapes.items()}
    s = {"d" + k: 0.01 * np.abs(rng.normal(size=s)) for k, s in shapes.items()}
    return parameters, grads, v, s, t


def test_initialize_adam(ref):
    parameters = _adam_case(np.random.default_rng(1))[0]
    v, s = ref.initialize_adam(parameters)
    assert set(v) == set(s) == {"dW1", "db1", "dW2", "db2"}
    for key in v:
        assert v[key].shape == s[key].shape == parameters[key[1:]].shape
        assert not v[key].any() and not s[key].any()
    assert v["dW1"] is not s["dW1"]


def test_adam_puts_epsilon_inside_the_square_root(ref):
    parameters, grads, v, s, t = _adam_case(np.random.default_rng(2))
    w1 = parameters["W1"].copy()
    new, v2, s2 = ref.update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01)
    assert new is parameters and v2 is v and s2 is s  # updated in place, as in the seed
    v_hat = v["dW1"] / (1 - 0.9**t)
    s_hat = s["dW1"] / (1 - 0.999**t)
    np.testing.assert_allclose(new["W1"], w1 - 0.01 * v_hat / np.sqrt(s_hat + 1e-8), rtol=1e-14)


def test_the_two_epsilon_placements_differ_for_small_gradients(ref):
    case = _adam_case(np.random.default_rng(3), t=1)
    grads = {k: g * 1e-5 for k, g in case[1].items()}
    zeros = {k: np.zeros_like(x) for k, x in case[2].items()}
    inside = ref.update_parameters_with_adam(
        copy.deepcopy(case[0]), grads, copy.deepcopy(zeros), copy.deepcopy(zeros), 1
    )[0]
    outside = ref.update_parameters_with_adam_eps_outside(
        copy.deepcopy(case[0]), grads, copy.deepcopy(zeros), copy.deepcopy(zeros), 1
    )[0]
    assert not np.allclose(inside["W1"], outside["W1"], rtol=1e-6, atol=1e-8)


# -- finite differences -----------------------------------------------------------------------


def _small_gru(rng, n_x=2, n_a=3, m=4, steps=3):
    parameters = {
        "Wu": rng.normal(size=(n_a, n_a + n_x)),
        "bu": rng.normal(size=(n_a, 1)),
        "Wr": rng.normal(size=(n_a, n_a + n_x)),
        "br": rng.normal(size=(n_a, 1)),
        "Wc": rng.normal(size=(n_a, n_a + n_x)),
        "bc": rng.normal(size=(n_a, 1)),
        "Wy": rng.normal(size=(2, n_a)),
        "by": rng.normal(size=(2, 1)),
    }
    return rng.normal(size=(n_x, m, steps)), rng.normal(size=(n_a, m)), parameters


def _numerical_gradient(loss, array, h=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + h
        plus = loss()
        array[index] = saved - h
        minus = loss()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def _assert_close_to_numerical(analytic, numerical):
    np.testing.assert_allclose(analytic, numerical, rtol=1e-6, atol=1e-8)


def test_exact_gru_cell_backward_matches_finite_differences(ref):
    rng = np.random.default_rng(4)
    x, c_prev, parameters = _small_gru(rng)
    xt = x[:, :, 0].copy()
    da_next = rng.normal(size=c_prev.shape)

    def loss():
        return float(np.sum(da_next * ref.gru_cell_forward(xt, c_prev, parameters)[0]))

    _, _, cache = ref.gru_cell_forward(xt, c_prev, parameters)
    exact = ref.gru_cell_backward_exact(da_next, cache)
    seed = ref.gru_cell_backward(da_next, cache)
    arrays = {"dxt": xt, "dc_prev": c_prev} | {"d" + k: v for k, v in parameters.items()}
    for key in ("dxt", "dc_prev", "dWu", "dWr", "dWc", "dbu", "dbr", "dbc"):
        numerical = _numerical_gradient(loss, arrays[key])
        _assert_close_to_numerical(exact[key], numerical)
        if key in ("dWu", "dWc", "dbu", "dbc"):  # the seed's formulas are exact for these
            _assert_close_to_numerical(seed[key], numerical)
        else:
            assert not np.allclose(seed[key], numerical, rtol=1e-3, atol=1e-5), key
    assert exact["da_prev"] is exact["dc_prev"]


@pytest.mark.parametrize("steps_of_da", [3, 2])
def test_exact_gru_backward_matches_finite_differences(ref, steps_of_da):
    rng = np.random.default_rng(5)
    x, c0, parameters = _small_gru(rng)
    da = rng.normal(size=(*c0.shape, steps_of_da))

    def loss():
        c = ref.gru_forward(x, c0, parameters)[1]
        return float(np.sum(da * c[:, :, :steps_of_da]))

    gradients = ref.gru_backward_exact(da, ref.gru_forward(x, c0, parameters)[2])
    arrays = {"dx": x, "dc0": c0} | {"d" + k: v for k, v in parameters.items()}
    for key in ("dx", "dc0", "dWu", "dWr", "dWc", "dbu", "dbr", "dbc"):
        _assert_close_to_numerical(gradients[key], _numerical_gradient(loss, arrays[key]))


def test_rnn_backward_matches_finite_differences(ref):
    rng = np.random.default_rng(6)
    n_x, n_a, m, steps = 2, 3, 4, 3
    x = rng.normal(size=(n_x, m, steps))
    a0 = rng.normal(size=(n_a, m))
    parameters = {
        "Wax": rng.normal(size=(n_a, n_x)),
        "Waa": rng.normal(size=(n_a, n_a)),
        "Wya": rng.normal(size=(2, n_a)),
        "ba": rng.normal(size=(n_a, 1)),
        "by": rng.normal(size=(2, 1)),
    }
    da = rng.normal(size=(n_a, m, steps))

    def loss():
        return float(np.sum(da * ref.rnn_forward(x, a0, parameters)[0]))

    gradients = ref.rnn_backward(da, ref.rnn_forward(x, a0, parameters)[2])
    arrays = {"dx": x, "da0": a0, "dWax": parameters["Wax"], "dWaa": parameters["Waa"]}
    arrays["dba"] = parameters["ba"]
    for key, array in arrays.items():
        _assert_close_to_numerical(gradients[key], _numerical_gradient(loss, array))


# -- the reference file itself ----------------------------------------------------------------


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name} as {a.asname}" for a in node.names]
    return found


def test_reference_is_pure_numpy_and_has_every_function(ref):
    assert _imports(FOLDER / "reference.py") == ["import numpy as np"]
    helpers = {name for names in ACCEPTED.values() for name in names}
    for name in (*GRADED, *helpers):
        assert callable(getattr(ref, name)), name


# -- mutants ----------------------------------------------------------------------------------


def _params(rng, shapes):
    return {k: rng.normal(size=s) for k, s in shapes.items()}


RNN_SHAPES = {"Wax": (5, 3), "Waa": (5, 5), "Wya": (2, 5), "ba": (5, 1), "by": (2, 1)}
LSTM_SHAPES = {
    **{w: (5, 8) for w in ("Wf", "Wi", "Wc", "Wo")},
    **{b: (5, 1) for b in ("bf", "bi", "bc", "bo")},
    "Wy": (2, 5),
    "by": (2, 1),
}
GRU_SHAPES = {
    **{w: (5, 8) for w in ("Wu", "Wr", "Wc")},
    **{b: (5, 1) for b in ("bu", "br", "bc")},
    "Wy": (2, 5),
    "by": (2, 1),
}


def _inputs(target, rng, ref):
    """Fresh random arguments for ``target`` (m=6 examples, 4 time steps, n_x=3, n_a=5)."""
    n = rng.normal
    if target in ("softmax", "sigmoid"):
        return (n(size=(4, 6)),)
    if target == "initialize_adam":
        return (_adam_case(rng)[0],)
    if target == "update_parameters_with_adam":
        return _adam_case(rng)
    if target == "rnn_cell_forward":
        return n(size=(3, 6)), n(size=(5, 6)), _params(rng, RNN_SHAPES)
    if target == "rnn_forward":
        return n(size=(3, 6, 4)), n(size=(5, 6)), _params(rng, RNN_SHAPES)
    if target == "lstm_cell_forward":
        return n(size=(3, 6)), n(size=(5, 6)), n(size=(5, 6)), _params(rng, LSTM_SHAPES)
    if target == "lstm_forward":
        return n(size=(3, 6, 4)), n(size=(5, 6)), _params(rng, LSTM_SHAPES)
    if target == "gru_cell_forward":
        return n(size=(3, 6)), n(size=(5, 6)), _params(rng, GRU_SHAPES)
    if target == "gru_forward":
        return n(size=(3, 6, 4)), n(size=(5, 6)), _params(rng, GRU_SHAPES)
    if target == "rnn_cell_backward":
        cache = ref.rnn_cell_forward(*_inputs("rnn_cell_forward", rng, ref))[2]
        return n(size=(5, 6)), cache
    if target == "rnn_backward":
        caches = ref.rnn_forward(*_inputs("rnn_forward", rng, ref))[2]
        return n(size=(5, 6, 4)), caches
    if target == "gru_cell_backward":
        cache = ref.gru_cell_forward(*_inputs("gru_cell_forward", rng, ref))[2]
        return n(size=(5, 6)), cache
    if target == "gru_backward":
        caches = ref.gru_forward(*_inputs("gru_forward", rng, ref))[2]
        return n(size=(5, 6, 4)), caches
    raise AssertionError(f"no inputs for {target}")


def _same(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_same(a[k], b[k]) for k in a)
        )
    if isinstance(a, tuple | list) or isinstance(b, tuple | list):
        return (
            isinstance(a, tuple | list)
            and isinstance(b, tuple | list)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-8, equal_nan=True))


def _as_notebook_cell(path: Path) -> dict:
    """Run the file the way it is appended to a solution notebook: as a cell in __main__."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def test_there_are_mutants():
    assert len(MUTANTS) >= 13


@pytest.mark.parametrize("path", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_mutant_is_well_formed(ref, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc, "the first line must say the mistake"
    first = doc.strip().splitlines()[0]
    assert first.endswith("."), first
    assert len(first) < 120, first
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", path.stem)
    assert _imports(path) == ["import numpy as np"]
    namespace = _as_notebook_cell(path)
    target = namespace["TARGET"]
    assert target in GRADED
    assert callable(namespace[target])
    assert inspect.signature(namespace[target]) == inspect.signature(getattr(ref, target))
    public = {
        n for n, v in namespace.items() if callable(v) and not n.startswith("_") and n != "np"
    }
    assert public == {target}, "helpers must be private so they cannot replace a graded name"


@pytest.mark.parametrize("path", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_mutant_differs_from_every_accepted_answer(ref, path):
    namespace = _as_notebook_cell(path)
    target = namespace["TARGET"]
    mutant = namespace[target]
    for seed in range(3):
        args = _inputs(target, np.random.default_rng(100 + seed), ref)
        got = mutant(*copy.deepcopy(args))
        for name in ACCEPTED.get(target, (target,)):
            expected = getattr(ref, name)(*copy.deepcopy(args))
            assert not _same(got, expected), f"{path.stem} matches {name} (seed {seed})"


def test_every_listed_kind_of_mistake_has_a_mutant():
    targets = {p.stem: _as_notebook_cell(p)["TARGET"] for p in MUTANTS}
    wanted = {
        "rnn-cell-transposed-waa": "rnn_cell_forward",
        "lstm-cell-concat-order": "lstm_cell_forward",
        "rnn-cell-sigmoid-activation": "rnn_cell_forward",
        "rnn-cell-missing-bias": "rnn_cell_forward",
        "softmax-wrong-axis": "softmax",
        "gru-cell-swapped-update-gate": "gru_cell_forward",
        "lstm-cell-output-gate-as-forget-gate": "lstm_cell_forward",
        "lstm-a-next-without-tanh": "lstm_cell_forward",
        "rnn-cell-cache-order": "rnn_cell_forward",
        "adam-no-bias-correction": "update_parameters_with_adam",
        "adam-uses-v-not-v-corrected": "update_parameters_with_adam",
        "rnn-backward-forgets-da-prev": "rnn_backward",
        "gru-backward-forgets-dc-prev": "gru_backward",
        "rnn-cell-backward-dba-not-summed": "rnn_cell_backward",
    }
    for mutant_id, target in wanted.items():
        assert targets.get(mutant_id) == target, mutant_id
