"""Input generators for rnn-numpy (seed 003); ``assignment.toml`` names them.

``*_inputs(rng, ref)`` draw fresh float64 arguments from the judge's ``rng`` at the seed's small
sizes (a few features, units and examples, 3 to 6 time steps), with the sizes themselves drawn so
that no shape can be hard-coded. ``seed_*(ref)`` rebuild the seed's own test cells draw for draw,
quirks included (README.md, "Where the seed is inconsistent"): the draws of ``np.random.seed(1)``
followed by ``np.random.randn``, taken from a ``np.random.RandomState(1)`` of their own so that
NumPy's global generator is never touched. A backward function's cache always comes from
``ref``'s forward, so a mistake in a student's forward never costs marks again in their backward.
"""

import numpy as np

from graders.judge.gradient import Descent, Probe

# -- random inputs --------------------------------------------------------------------------


def _sizes(rng):
    """n_x, n_a, n_y, m, T_x: small, like the seed's 3, 5, 2, 10, 4..7."""
    n_x = int(rng.integers(2, 5))
    n_a = int(rng.integers(3, 7))
    n_y = int(rng.integers(2, 4))
    m = int(rng.integers(3, 9))
    T_x = int(rng.integers(3, 7))
    return n_x, n_a, n_y, m, T_x


def _rnn_parameters(rng, n_x, n_a, n_y):
    return {
        "Wax": rng.normal(size=(n_a, n_x)),
        "Waa": rng.normal(size=(n_a, n_a)),
        "Wya": rng.normal(size=(n_y, n_a)),
        "ba": rng.normal(size=(n_a, 1)),
        "by": rng.normal(size=(n_y, 1)),
    }


def _gated_parameters(rng, gates, n_x, n_a, n_y):
    """Weights (n_a, n_a + n_x) and biases (n_a, 1) per gate, then Wy and by."""
    parameters = {}
    for gate in gates:
        parameters["W" + gate] = rng.normal(size=(n_a, n_a + n_x))
        parameters["b" + gate] = rng.normal(size=(n_a, 1))
    parameters["Wy"] = rng.normal(size=(n_y, n_a))
    parameters["by"] = rng.normal(size=(n_y, 1))
    return parameters


def softmax_inputs(rng, ref):
    # Logits of moderate range: the accepted shifts (global, per column, none) agree to rounding.
    n_classes, m = int(rng.integers(2, 6)), int(rng.integers(3, 9))
    return (3.0 * rng.normal(size=(n_classes, m)),)


def sigmoid_inputs(rng, ref):
    return (4.0 * rng.normal(size=(int(rng.integers(2, 6)), int(rng.integers(3, 9)))),)


def _adam_shapes(rng):
    """Shapes of W1, b1, ..., WL, bL for 1 to 3 layers of 2 to 5 units."""
    units = [int(n) for n in rng.integers(2, 6, size=int(rng.integers(2, 5)))]
    shapes = {}
    for layer in range(1, len(units)):
        shapes["W" + str(layer)] = (units[layer], units[layer - 1])
        shapes["b" + str(layer)] = (units[layer], 1)
    return shapes


def initialize_adam_inputs(rng, ref):
    return ({name: rng.normal(size=shape) for name, shape in _adam_shapes(rng).items()},)


def update_parameters_with_adam_inputs(rng, ref):
    """parameters, grads, v, s, t, learning_rate, as after t - 1 earlier steps.

    Gradient magnitudes spread from 1e-4 to 1, so ``s_corrected`` reaches 1e-8 and below, where
    epsilon inside and outside the square root part: each placement then matches only its own
    accepted reference, and the feedback says which one the student's follows.
    """
    shapes = _adam_shapes(rng)
    t = int(rng.integers(1, 11))
    parameters, grads, v, s = {}, {}, {}, {}
    for name, shape in shapes.items():
        scale = 10.0 ** rng.uniform(-4, 0, size=shape)
        parameters[name] = rng.normal(size=shape)
        grads["d" + name] = scale * rng.normal(size=shape)
        v["d" + name] = (1 - 0.9 ** (t - 1)) * scale * rng.normal(size=shape)
        s["d" + name] = (1 - 0.999 ** (t - 1)) * (scale * rng.normal(size=shape)) ** 2
    learning_rate = float(rng.choice([0.01, 0.005, 0.02]))
    return parameters, grads, v, s, t, learning_rate


def rnn_cell_forward_inputs(rng, ref):
    n_x, n_a, n_y, m, _ = _sizes(rng)
    xt = rng.normal(size=(n_x, m))
    a_prev = rng.normal(size=(n_a, m))
    return xt, a_prev, _rnn_parameters(rng, n_x, n_a, n_y)


def rnn_forward_inputs(rng, ref):
    n_x, n_a, n_y, m, T_x = _sizes(rng)
    x = rng.normal(size=(n_x, m, T_x))
    a0 = rng.normal(size=(n_a, m))
    return x, a0, _rnn_parameters(rng, n_x, n_a, n_y)


def lstm_cell_forward_inputs(rng, ref):
    n_x, n_a, n_y, m, _ = _sizes(rng)
    xt = rng.normal(size=(n_x, m))
    a_prev = rng.normal(size=(n_a, m))
    c_prev = rng.normal(size=(n_a, m))
    return xt, a_prev, c_prev, _gated_parameters(rng, "fico", n_x, n_a, n_y)


def lstm_forward_inputs(rng, ref):
    n_x, n_a, n_y, m, T_x = _sizes(rng)
    x = rng.normal(size=(n_x, m, T_x))
    a0 = rng.normal(size=(n_a, m))
    return x, a0, _gated_parameters(rng, "fico", n_x, n_a, n_y)


def gru_cell_forward_inputs(rng, ref):
    n_x, n_a, n_y, m, _ = _sizes(rng)
    xt = rng.normal(size=(n_x, m))
    c_prev = rng.normal(size=(n_a, m))
    return xt, c_prev, _gated_parameters(rng, "urc", n_x, n_a, n_y)


def gru_forward_inputs(rng, ref):
    n_x, n_a, n_y, m, T_x = _sizes(rng)
    x = rng.normal(size=(n_x, m, T_x))
    c0 = rng.normal(size=(n_a, m))
    return x, c0, _gated_parameters(rng, "urc", n_x, n_a, n_y)


def rnn_cell_backward_inputs(rng, ref):
    _, _, cache = ref.rnn_cell_forward(*rnn_cell_forward_inputs(rng, ref))
    (a_next, _, _, _) = cache
    return rng.normal(size=a_next.shape), cache


def rnn_backward_inputs(rng, ref):
    a, _, caches = ref.rnn_forward(*rnn_forward_inputs(rng, ref))
    return rng.normal(size=a.shape), caches


def gru_cell_backward_inputs(rng, ref):
    c_next, _, cache = ref.gru_cell_forward(*gru_cell_forward_inputs(rng, ref))
    return rng.normal(size=c_next.shape), cache


def gru_backward_inputs(rng, ref):
    # da has as many time steps as x (the seed's own case has fewer: seed_gru_backward).
    _, c, caches = ref.gru_forward(*gru_forward_inputs(rng, ref))
    return rng.normal(size=c.shape), caches


# -- the seed's own test cells ----------------------------------------------------------------
#
# Each test cell starts with np.random.seed(1) and draws with np.random.randn. A RandomState(1)
# of its own gives the very same draws without touching NumPy's global generator, which another
# grading thread may be using at the same moment.


def _seed_rng():
    return np.random.RandomState(1)


def _seed_rnn_forward_cell(rs):
    x = rs.randn(3, 10, 4)
    a0 = rs.randn(5, 10)
    Waa = rs.randn(5, 5)
    Wax = rs.randn(5, 3)
    Wya = rs.randn(2, 5)
    ba = rs.randn(5, 1)
    by = rs.randn(2, 1)
    return x, a0, {"Waa": Waa, "Wax": Wax, "Wya": Wya, "ba": ba, "by": by}


def _seed_lstm_parameters(rs):
    parameters = {}
    for name in ("Wf", "bf", "Wi", "bi", "Wo", "bo", "Wc", "bc"):
        parameters[name] = rs.randn(5, 5 + 3) if name[0] == "W" else rs.randn(5, 1)
    parameters["Wy"] = rs.randn(2, 5)
    parameters["by"] = rs.randn(2, 1)
    return parameters


def _seed_gru_parameters(rs):
    parameters = {}
    for name in ("Wu", "bu", "Wr", "br", "Wc", "bc"):
        parameters[name] = rs.randn(5, 5 + 3) if name[0] == "W" else rs.randn(5, 1)
    parameters["Wy"] = rs.randn(2, 5)
    parameters["by"] = rs.randn(2, 1)
    return parameters


def seed_rnn_cell_forward(ref):
    """In [60]."""
    rs = _seed_rng()
    xt = rs.randn(3, 10)
    a_prev = rs.randn(5, 10)
    Waa = rs.randn(5, 5)
    Wax = rs.randn(5, 3)
    Wya = rs.randn(2, 5)
    ba = rs.randn(5, 1)
    by = rs.randn(2, 1)
    parameters = {"Waa": Waa, "Wax": Wax, "Wya": Wya, "ba": ba, "by": by}
    return xt, a_prev, parameters


def seed_rnn_forward(ref):
    """In [62]."""
    return _seed_rnn_forward_cell(_seed_rng())


def seed_lstm_cell_forward(ref):
    """In [64]."""
    rs = _seed_rng()
    xt = rs.randn(3, 10)
    a_prev = rs.randn(5, 10)
    c_prev = rs.randn(5, 10)
    return xt, a_prev, c_prev, _seed_lstm_parameters(rs)


def seed_lstm_forward(ref):
    """In [66]."""
    rs = _seed_rng()
    x = rs.randn(3, 10, 7)
    a0 = rs.randn(5, 10)
    return x, a0, _seed_lstm_parameters(rs)


def _seed_gru_cell(rs):
    xt = rs.randn(3, 10)
    c_prev = rs.randn(5, 10)
    return xt, c_prev, _seed_gru_parameters(rs)


def _seed_gru_sequence(rs):
    x = rs.randn(3, 10, 7)
    c0 = rs.randn(5, 10)
    return x, c0, _seed_gru_parameters(rs)


def seed_gru_cell_forward(ref):
    """In [68]."""
    return _seed_gru_cell(_seed_rng())


def seed_gru_forward(ref):
    """In [70]."""
    return _seed_gru_sequence(_seed_rng())


def seed_rnn_cell_backward(ref):
    """In [72], with the leftover ``ba`` of In [62] that the cell's ``parameters`` picks up.

    The cell draws ``b = np.random.randn(5, 1)`` but builds ``parameters`` with ``"ba": ba``; the
    seed's printed gradients come from In [62]'s ``ba``, so that is the one used here.
    """
    _, _, earlier = _seed_rnn_forward_cell(_seed_rng())
    rs = _seed_rng()
    xt = rs.randn(3, 10)
    a_prev = rs.randn(5, 10)
    Wax = rs.randn(5, 3)
    Waa = rs.randn(5, 5)
    Wya = rs.randn(2, 5)
    _b = rs.randn(5, 1)  # drawn and never used, as in the seed
    by = rs.randn(2, 1)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": earlier["ba"], "by": by}
    _, _, cache = ref.rnn_cell_forward(xt, a_prev, parameters)
    da_next = rs.randn(5, 10)
    return da_next, cache


def seed_rnn_backward(ref):
    """In [74]."""
    rs = _seed_rng()
    x = rs.randn(3, 10, 4)
    a0 = rs.randn(5, 10)
    Wax = rs.randn(5, 3)
    Waa = rs.randn(5, 5)
    Wya = rs.randn(2, 5)
    ba = rs.randn(5, 1)
    by = rs.randn(2, 1)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": ba, "by": by}
    _, _, caches = ref.rnn_forward(x, a0, parameters)
    da = rs.randn(5, 10, 4)
    return da, caches


def seed_gru_cell_backward(ref):
    """In [212]."""
    rs = _seed_rng()
    _, _, cache = ref.gru_cell_forward(*_seed_gru_cell(rs))
    da_next = rs.randn(5, 10)
    return da_next, cache


def seed_gru_backward(ref):
    """In [214]: x has 7 time steps but da only 4, as in the seed (dx[:, :, 4:] stays 0)."""
    rs = _seed_rng()
    _, _, caches = ref.gru_forward(*_seed_gru_sequence(rs))
    da = rs.randn(5, 10, 4)
    return da, caches


# -- gradient probes: the forward each backward differentiates ------------------------------
#
# The judge checks the student's gradients against centred finite differences of these
# forwards (graders.judge.gradient), to tell a wrong formula from a backward that follows a
# wrong forward of the student's own.

_WEIGHTS = {
    "rnn": ("Wax", "Waa", "ba"),
    "gru": ("Wu", "Wr", "Wc", "bu", "br", "bc"),
}


def _wrt(first, state, kind):
    """Gradient key -> input path: x (argument 0), the state (1), then the weights (2, name)."""
    wrt = {first: (0,)}
    for key in state:
        wrt[key] = (1,)
    for name in _WEIGHTS[kind]:
        wrt["d" + name] = (2, name)
    return wrt


def rnn_cell_backward_probe(da_next, cache):
    (_, a_prev, xt, parameters) = cache
    return Probe(
        forward="rnn_cell_forward",
        inputs=(xt, a_prev, parameters),
        loss=lambda out: np.sum(da_next * out[0]),
        wrt=_wrt("dxt", ["da_prev"], "rnn"),
    )


def rnn_backward_probe(da, caches):
    (cell_caches, x) = caches
    (_, a0, _, parameters) = cell_caches[0]
    return Probe(
        forward="rnn_forward",
        inputs=(x, a0, parameters),
        loss=lambda out: np.sum(da * out[0]),
        wrt=_wrt("dx", ["da0"], "rnn"),
    )


def gru_cell_backward_probe(da_next, cache):
    (_, _, c_prev, _, _, _, xt, parameters) = cache
    return Probe(
        forward="gru_cell_forward",
        inputs=(xt, c_prev, parameters),
        loss=lambda out: np.sum(da_next * out[0]),
        wrt=_wrt("dxt", ["da_prev", "dc_prev"], "gru"),
    )


def gru_backward_probe(da, caches):
    (cell_caches, x) = caches
    c0, parameters = cell_caches[0][2], cell_caches[0][7]
    return Probe(
        forward="gru_forward",
        inputs=(x, c0, parameters),
        loss=lambda out: np.sum(da * out[1]),
        wrt=_wrt("dx", ["dc0"], "gru"),
    )


def update_parameters_with_adam_probe(parameters, grads, v, s, t, learning_rate):
    """The bowl sum(0.5 * (W - W_star) ** 2) with W_star = W - dW has gradient dW at W: a loss
    the given gradients come from, along which the update step must go downhill."""
    star = {name: value - grads["d" + name] for name, value in parameters.items()}

    def bowl(params):
        return sum(0.5 * np.sum((params[name] - star[name]) ** 2) for name in star)

    return Descent(loss=bowl, before=parameters, output="parameters")
