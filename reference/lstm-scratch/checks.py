"""Input generators for lstm-scratch (seed 000); ``assignment.toml`` names them.

``*_inputs(rng, ref)`` draw fresh float64 arguments from the judge's ``rng``, with sizes drawn
too, so no shape can be hard-coded. ``seed_*(ref)`` are the quiz's own calls: ``sigmoid(0)``,
``dsigmoid(sigmoid(0))``, ``tanh(dsigmoid(sigmoid(0)))``, ``dtanh(tanh(dsigmoid(sigmoid(0))))``,
``Parameters()`` (question 5), the zero-input ``forward`` of questions 6 and 7 at the quiz's sizes,
and the bounded training run README.md describes. Nothing here touches NumPy's global generator,
which concurrent grading threads share.

Weights travel as plain dicts of arrays (``{"W_f": ..., "b_v": ...}``); ``harness.py`` puts them
into the objects the notebook's code expects.
"""

import numpy as np

PARAMETER_NAMES = ("W_f", "W_i", "W_C", "W_o", "W_v", "b_f", "b_i", "b_C", "b_o", "b_v")


def _matrix_shape(rng):
    return int(rng.integers(2, 10)), int(rng.integers(1, 5))


def _weights(p):
    """A Parameters object's values as a dict of arrays (copies)."""
    return {q.name: np.array(q.v) for q in p.all()}


# -- activations ------------------------------------------------------------------------------


def sigmoid_inputs(rng, ref):
    return (4.0 * rng.normal(size=_matrix_shape(rng)),)


def dsigmoid_inputs(rng, ref):
    # dsigmoid takes a sigmoid output: values in (0, 1), as f, i and o are.
    return (rng.uniform(0.02, 0.98, size=_matrix_shape(rng)),)


def tanh_inputs(rng, ref):
    return (2.0 * rng.normal(size=_matrix_shape(rng)),)


def dtanh_inputs(rng, ref):
    # dtanh takes a tanh output: values in (-1, 1), as C_bar and tanh(C) are.
    return (rng.uniform(-0.98, 0.98, size=_matrix_shape(rng)),)


def seed_sigmoid(ref):
    """Quiz question 1: ``sigmoid(0)``."""
    return (0,)


def seed_dsigmoid(ref):
    """Quiz question 2: ``dsigmoid(sigmoid(0))``."""
    return (ref.sigmoid(0),)


def seed_tanh(ref):
    """Quiz question 3: ``tanh(dsigmoid(sigmoid(0)))``."""
    return (ref.dsigmoid(ref.sigmoid(0)),)


def seed_dtanh(ref):
    """Quiz question 4: ``dtanh(tanh(dsigmoid(sigmoid(0))))``."""
    return (ref.tanh(ref.dsigmoid(ref.sigmoid(0))),)


# -- Param and Parameters -----------------------------------------------------------------------


def param_inputs(rng, ref):
    """A name and a value of a drawn shape, as ``Parameters`` passes them to ``Param``."""
    name = str(rng.choice(PARAMETER_NAMES))
    return name, rng.normal(size=_matrix_shape(rng))


def no_inputs(rng, ref):
    """For the checks whose one case is the seed's (``random_cases = 0``): no arguments."""
    return ()


def seed_parameters(ref):
    """Quiz question 5: the notebook's own ``Parameters()``, built at its own sizes."""
    return ()


# -- forward ----------------------------------------------------------------------------------


def forward_inputs(rng, ref):
    """``x`` (one character, one-hot), ``h_prev``, ``C_prev`` and weights with non-zero biases.

    Biases are drawn too: at the notebook's zero biases a forward that forgets them gives the
    right outputs.
    """
    hidden, x_size = int(rng.integers(2, 9)), int(rng.integers(3, 12))
    z_size = hidden + x_size
    x = np.zeros((x_size, 1))
    x[int(rng.integers(x_size))] = 1.0
    h_prev = rng.uniform(-1, 1, size=(hidden, 1))
    C_prev = rng.normal(size=(hidden, 1))
    weights = {}
    for gate in ("f", "i", "C", "o"):
        weights["W_" + gate] = 0.5 * rng.normal(size=(hidden, z_size))
        weights["b_" + gate] = 0.5 * rng.normal(size=(hidden, 1))
    weights["W_v"] = rng.normal(size=(x_size, hidden))
    weights["b_v"] = 0.5 * rng.normal(size=(x_size, 1))
    return x, h_prev, C_prev, weights


def seed_forward(ref):
    """Quiz questions 6 and 7: ``forward`` of zeros, with Hidden_Layer_size 10 and X_size 75.

    The weights are a fresh ``Parameters`` at those sizes (zero biases); with zero inputs only
    the biases matter, so ``np.sum(f) == 5.0`` and ``np.sum(z) == 0.0`` whatever the weights.
    """
    hidden, x_size = ref.QUIZ_HIDDEN, ref.QUIZ_X_SIZE
    p = ref.Parameters(hidden + x_size, hidden, x_size, rng=0)
    zeros = np.zeros((hidden, 1))
    return np.zeros((x_size, 1)), zeros, zeros.copy(), _weights(p)


# -- the training run ---------------------------------------------------------------------------


def seed_training(ref):
    """The graded run (``ref.TRAINING_RUN``): the shipped text and the initial weights of seed 5.

    The weights are the reference's ``Parameters(..., rng=5)``: what the notebook's
    ``Parameters()`` draws right after ``np.random.seed(5)``. The notebook's code trains from
    them, so its loss can be held to the reference's within ``ref.LOSS_TOLERANCE``.
    """
    run = ref.TRAINING_RUN
    text = ref.training_text()
    x_size = len(ref.vocabulary(text))
    p = ref.Parameters(run["hidden"] + x_size, run["hidden"], x_size, rng=run["seed"])
    return text, _weights(p), run["time_steps"], run["iterations"], ref.LEARNING_RATE
