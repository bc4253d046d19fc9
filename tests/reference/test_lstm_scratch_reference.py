"""The lstm-scratch reference (seed 000) and its mutants: quiz values, shapes, gradients, loss."""

from __future__ import annotations

import ast
import math
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.reference.modules import load_file

FOLDER = Path(__file__).resolve().parents[2] / "reference" / "lstm-scratch"
MUTANTS = sorted((FOLDER / "mutants").glob("*.py"))
FORWARD_MUTANTS = [
    "forward-cbar-sigmoid",
    "forward-concat-order",
    "forward-h-without-tanh",
    "forward-missing-bias",
    "forward-ot-where-ft-belongs",
]
DERIVATIVE_MUTANTS = ["dsigmoid-of-raw-input", "dtanh-of-raw-input"]
ACTIVATION_MUTANTS = ["sigmoid-sign-flip"]
REFERENCE_LOSS = 92.0427
"""Final smoothed loss of the graded run (TRAINING_RUN), measured; README.md quotes it."""


def fresh_reference() -> types.ModuleType:
    return load_file(FOLDER / "reference.py", "lstm_scratch_reference_copy")


def with_mutant(mutant_id: str) -> types.ModuleType:
    """A fresh copy of the reference whose TARGET is the mutant's: a cell appended to a notebook."""
    ref = fresh_reference()
    mutant = load_file(FOLDER / "mutants" / f"{mutant_id}.py", f"lstm_scratch_{mutant_id}")
    setattr(ref, mutant.TARGET, getattr(mutant, mutant.TARGET))
    return ref


ref = load_file(FOLDER / "reference.py", "lstm_scratch_reference")


def random_parameters(hidden: int, x_size: int, seed: int) -> object:
    """Parameters with non-zero biases, so a forgotten bias shows."""
    p = ref.Parameters(hidden + x_size, hidden, x_size, rng=np.random.default_rng(seed))
    gen = np.random.default_rng(seed + 1000)
    for param in p.all():
        if param.name.startswith("b_"):
            param.v[...] = gen.normal(0.0, 0.5, param.v.shape)
    return p


def one_hot(index: int, size: int) -> np.ndarray:
    x = np.zeros((size, 1))
    x[index] = 1
    return x


# --- the quiz --------------------------------------------------------------------------------


def test_quiz_values_match_the_seed_as_truncated() -> None:
    q = ref.quiz_values()
    assert ref.truncate(q["sigmoid(0)"], 1) == "0.5"
    assert ref.truncate(q["dsigmoid(sigmoid(0))"], 2) == "0.25"
    assert ref.truncate(q["tanh(dsigmoid(sigmoid(0)))"], 5) == "0.24491"
    assert ref.truncate(q["dtanh(tanh(dsigmoid(sigmoid(0))))"], 5) == "0.94001"
    assert (q["size_a"], q["size_b"], q["size_c"]) == ("Hidden_Layer_size", "z_size", "X_size")
    assert q["len(forward(...))"] == 9
    assert q["z.shape"] == (85, 1)
    assert q["np.sum(f)"] == 5.0
    # The seed's answer sheet says 3.0; its own notebook printed 0.0, the only possible value.
    assert q["np.sum(z)"] == 0.0


@pytest.mark.parametrize(("hidden", "x_size", "seed"), [(10, 75, 0), (100, 75, 3), (7, 5, 11)])
def test_zero_inputs_give_sum_z_zero_and_sum_f_half_hidden(
    hidden: int, x_size: int, seed: int
) -> None:
    # z = [h_prev; x] is all zeros, so np.sum(z) == 0.0 whatever the sizes or the weights, and
    # f = sigmoid(b_f) = 0.5 with the notebook's zero biases: np.sum(f) == 5.0 means 10 units.
    q = ref.quiz_values(hidden=hidden, X_size=x_size, seed=seed)
    assert q["z.shape"] == (hidden + x_size, 1)
    assert q["np.sum(z)"] == 0.0
    assert q["np.sum(f)"] == 0.5 * hidden


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(0.29, 2, "0.29"), (0.2449186624, 5, "0.24491"), (-1.999, 2, "-1.99"), (5.0, 1, "5.0")],
)
def test_truncate_cuts_and_never_rounds(value: float, decimals: int, text: str) -> None:
    assert ref.truncate(value, decimals) == text


# --- parameters and forward ------------------------------------------------------------------


def test_parameters_have_the_seeds_shapes() -> None:
    hidden, x_size = 10, 75
    p = ref.Parameters(hidden + x_size, hidden, x_size, rng=0)
    for name in ("W_f", "W_i", "W_C", "W_o"):
        assert getattr(p, name).v.shape == (hidden, hidden + x_size)  # (size_a, size_b)
    for name in ("b_f", "b_i", "b_C", "b_o"):
        assert getattr(p, name).v.shape == (hidden, 1)
    assert p.W_v.v.shape == (x_size, hidden)
    assert p.b_v.v.shape == (x_size, 1)  # (size_c, 1)
    assert [q.name for q in p.all()] == [
        "W_f", "W_i", "W_C", "W_o", "W_v", "b_f", "b_i", "b_C", "b_o", "b_v"
    ]  # fmt: skip
    for param in p.all():
        assert param.value is param.v
        assert param.d.shape == param.m.shape == param.v.shape
        assert not param.d.any() and not param.m.any()
        if param.name.startswith("b_"):
            assert not param.v.any()


def test_parameters_without_sizes_use_the_notebook_like_globals() -> None:
    # As the notebook's Parameters() reads its globals: the quiz's sizes here.
    assert (ref.Hidden_Layer_size, ref.X_size, ref.z_size) == (10, 75, 85)
    p = ref.Parameters(rng=3)
    assert p.W_f.v.shape == (ref.Hidden_Layer_size, ref.z_size)
    assert p.W_v.v.shape == (ref.X_size, ref.Hidden_Layer_size)
    np.testing.assert_array_equal(p.W_f.v, ref.Parameters(85, 10, 75, rng=3).W_f.v)
    assert ref.Parameters(12, 4, 8).W_f.v.shape == (4, 12)  # given sizes win


def test_parameters_reject_a_wrong_z_size() -> None:
    with pytest.raises(ValueError, match="z_size"):
        ref.Parameters(80, 10, 75)


def test_an_int_seed_draws_what_the_notebook_draws_after_np_random_seed() -> None:
    hidden, x_size, sd = 4, 6, 0.1
    state = np.random.get_state()
    try:
        np.random.seed(9)  # the notebook's Parameters(): np.random.randn, in this order
        expected = {
            "W_f": np.random.randn(hidden, hidden + x_size) * sd + 0.5,
            "W_i": np.random.randn(hidden, hidden + x_size) * sd + 0.5,
            "W_C": np.random.randn(hidden, hidden + x_size) * sd,
            "W_o": np.random.randn(hidden, hidden + x_size) * sd + 0.5,
            "W_v": np.random.randn(x_size, hidden) * sd,
        }
    finally:
        np.random.set_state(state)
    p = ref.Parameters(hidden + x_size, hidden, x_size, rng=9)
    for name, value in expected.items():
        np.testing.assert_array_equal(getattr(p, name).v, value)
    # A Generator is accepted too, and is used as given.
    a = ref.Parameters(hidden + x_size, hidden, x_size, rng=np.random.default_rng(1))
    b = ref.Parameters(hidden + x_size, hidden, x_size, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.W_f.v, b.W_f.v)
    assert abs(a.W_f.v.mean() - 0.5) < 0.05 and abs(a.W_C.v.mean()) < 0.05


@pytest.mark.parametrize(("hidden", "x_size"), [(10, 75), (3, 5)])
def test_forward_returns_nine_values_with_their_shapes(hidden: int, x_size: int) -> None:
    p = random_parameters(hidden, x_size, seed=1)
    gen = np.random.default_rng(2)
    out = ref.forward(
        one_hot(1, x_size), gen.normal(size=(hidden, 1)), gen.normal(size=(hidden, 1)), p
    )
    assert len(out) == 9
    z, f, i, C_bar, C, o, h, v, y = out
    assert z.shape == (hidden + x_size, 1)
    for array in (f, i, C_bar, C, o, h):
        assert array.shape == (hidden, 1)
    assert v.shape == y.shape == (x_size, 1)
    assert math.isclose(float(y.sum()), 1.0, rel_tol=1e-12)
    assert (np.abs(f - 0.5) < 0.5).all() and (np.abs(C_bar) < 1).all()


def test_forward_follows_the_notebooks_equations() -> None:
    p = random_parameters(4, 6, seed=3)
    gen = np.random.default_rng(4)
    x, h_prev, C_prev = one_hot(2, 6), gen.normal(size=(4, 1)), gen.normal(size=(4, 1))
    z, f, i, C_bar, C, o, h, v, y = ref.forward(x, h_prev, C_prev, p)

    def sig(a: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-a))

    np.testing.assert_array_equal(z, np.concatenate([h_prev, x]))
    np.testing.assert_allclose(f, sig(p.W_f.v @ z + p.b_f.v), rtol=1e-12)
    np.testing.assert_allclose(i, sig(p.W_i.v @ z + p.b_i.v), rtol=1e-12)
    np.testing.assert_allclose(C_bar, np.tanh(p.W_C.v @ z + p.b_C.v), rtol=1e-12)
    np.testing.assert_allclose(C, f * C_prev + i * C_bar, rtol=1e-12)
    np.testing.assert_allclose(o, sig(p.W_o.v @ z + p.b_o.v), rtol=1e-12)
    np.testing.assert_allclose(h, o * np.tanh(C), rtol=1e-12)
    np.testing.assert_allclose(v, p.W_v.v @ h + p.b_v.v, rtol=1e-12)
    np.testing.assert_allclose(y, np.exp(v) / np.exp(v).sum(), rtol=1e-12)


# --- backward --------------------------------------------------------------------------------


def test_backward_matches_finite_differences_on_a_tiny_model() -> None:
    hidden, x_size = 3, 4
    p = random_parameters(hidden, x_size, seed=5)
    inputs, targets = [0, 2, 1, 3, 2], [2, 1, 3, 2, 0]
    gen = np.random.default_rng(6)
    h0, C0 = gen.normal(0, 0.5, (hidden, 1)), gen.normal(0, 0.5, (hidden, 1))

    loss, _, _ = ref.forward_backward(inputs, targets, h0, C0, p, clip=False)
    assert math.isclose(loss, ref.sequence_loss(inputs, targets, h0, C0, p), rel_tol=1e-12)
    eps = 1e-6
    for param in p.all():
        analytic = param.d.copy()
        numeric = np.zeros_like(param.v)
        for index in np.ndindex(param.v.shape):
            kept = param.v[index]
            param.v[index] = kept + eps
            up = ref.sequence_loss(inputs, targets, h0, C0, p)
            param.v[index] = kept - eps
            down = ref.sequence_loss(inputs, targets, h0, C0, p)
            param.v[index] = kept
            numeric[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=param.name)


def test_forward_backward_clips_gradients_to_one() -> None:
    p = random_parameters(3, 4, seed=7)
    p.W_v.v *= 100  # large logits give gradients far beyond 1
    zeros = np.zeros((3, 1))
    ref.forward_backward([0, 1, 2, 3], [1, 2, 3, 0], zeros, zeros, p, clip=False)
    assert max(float(np.abs(q.d).max()) for q in p.all()) > 1
    ref.forward_backward([0, 1, 2, 3], [1, 2, 3, 0], zeros, zeros, p)
    assert max(float(np.abs(q.d).max()) for q in p.all()) <= 1


# --- mutants ---------------------------------------------------------------------------------


def test_every_mutant_file_has_the_format_the_catalog_reads() -> None:
    assert {m.stem for m in MUTANTS} == set(
        FORWARD_MUTANTS + DERIVATIVE_MUTANTS + ACTIVATION_MUTANTS
    )
    for path in MUTANTS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree)
        assert doc and doc.splitlines()[0].strip().endswith("."), path.name
        assert isinstance(tree.body[0], ast.Expr)  # the docstring comes first
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        assert [(a.name, a.asname) for n in imports for a in n.names] == [("numpy", "np")]
        module = load_file(path, f"lstm_scratch_format_{path.stem}")
        assert callable(getattr(module, module.TARGET)), path.name
        public = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert [n for n in public if not n.startswith("_")] == [module.TARGET], path.name


def test_dtanh_of_raw_input_gives_the_other_reading() -> None:
    mutant = with_mutant("dtanh-of-raw-input")
    value = mutant.dtanh(ref.tanh(ref.dsigmoid(ref.sigmoid(0))))
    assert ref.truncate(value, 5) == "0.94233"


def test_dsigmoid_of_raw_input_gives_the_other_reading() -> None:
    mutant = with_mutant("dsigmoid-of-raw-input")
    assert ref.truncate(mutant.dsigmoid(ref.sigmoid(0)), 2) == "0.23"


@pytest.mark.parametrize("mutant_id", FORWARD_MUTANTS)
def test_forward_mutants_differ_from_the_reference_but_keep_the_shapes(mutant_id: str) -> None:
    forward = with_mutant(mutant_id).forward
    p = random_parameters(5, 7, seed=8)
    gen = np.random.default_rng(9)
    args = (one_hot(3, 7), gen.normal(size=(5, 1)), gen.normal(size=(5, 1)))
    expected = ref.forward(*args, p)
    got = forward(*args, p)
    assert [a.shape for a in got] == [a.shape for a in expected]
    assert not all(np.allclose(a, b) for a, b in zip(got, expected, strict=True))


# --- the training run ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def accepted() -> tuple[float, float]:
    low, high = ref.loss_range()
    return low, high


def test_the_shipped_text_is_small_plain_english() -> None:
    text = ref.training_text()
    assert 10_000 <= len(text.encode("utf-8")) <= 30_000
    assert text.isascii()
    assert len(ref.vocabulary(text)) == 68


def test_the_reference_loss_is_pinned_and_in_its_range(accepted: tuple[float, float]) -> None:
    low, high = accepted
    loss = (low + high) / 2
    assert math.isclose(loss, REFERENCE_LOSS, abs_tol=1e-3)
    assert high - low == pytest.approx(2 * ref.LOSS_TOLERANCE)


def test_training_starts_at_a_uniform_guess_and_goes_down() -> None:
    text = ref.training_text()
    history = ref.train(text, hidden=10, time_steps=25, iterations=30, seed=0)
    assert len(history) == 30
    start = math.log(68) * 25
    assert start * 0.98 < history[0] < start * 1.001
    assert history[-1] < history[0]


@pytest.mark.parametrize("mutant_id", FORWARD_MUTANTS + DERIVATIVE_MUTANTS + ACTIVATION_MUTANTS)
def test_mutants_train_to_a_loss_outside_the_range(
    mutant_id: str, accepted: tuple[float, float]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # h without tanh overflows
        loss = with_mutant(mutant_id).train(ref.training_text(), **ref.TRAINING_RUN)[-1]
    low, high = accepted
    assert not low <= loss <= high, f"{mutant_id}: {loss}"
    assert loss > high + 0.5  # every mistake here trains worse, by a clear margin


def _notebook_style_forward(x, h_prev, C_prev, p):
    """A correct forward written the other ways students write it (np.dot, no softmax shift)."""
    z = np.concatenate((h_prev, x), axis=0)
    f = 1 / (1 + np.exp(-(np.dot(p.W_f.v, z) + p.b_f.v)))
    i = np.exp(np.dot(p.W_i.v, z) + p.b_i.v) / (1 + np.exp(np.dot(p.W_i.v, z) + p.b_i.v))
    C_bar = np.tanh(p.W_C.v.dot(z) + p.b_C.v)
    C = C_prev * f + C_bar * i
    o = 1 / (1 + np.exp(-(np.dot(p.W_o.v, z) + p.b_o.v)))
    h = np.tanh(C) * o
    v = np.dot(p.W_v.v, h) + p.b_v.v
    y = np.exp(v) / np.sum(np.exp(v))
    return z, f, i, C_bar, C, o, h, v, y


def test_a_correct_forward_written_differently_lands_in_the_range(
    accepted: tuple[float, float],
) -> None:
    other = fresh_reference()
    other.forward = _notebook_style_forward
    other.dtanh = lambda y: 1 - y**2
    loss = other.train(ref.training_text(), **ref.TRAINING_RUN)[-1]
    low, high = accepted
    assert low <= loss <= high
    assert math.isclose(loss, (low + high) / 2, abs_tol=1e-9)  # rounding only, not chaos
