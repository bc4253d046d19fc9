"""Input generators for rnn-cells-torch (seed 001); ``assignment.toml`` names them.

Sizes are drawn too, so no shape can be hard-coded; inputs are float32, as the notebook's
tensors. The student's module draws its own weights: the judge reads them out of it (the
``state`` output) and gives them to the reference, so nothing here draws a weight.

The seed cases are fixed coverage: for the models one layer at a batch of 1 (where the seed's
``.squeeze()`` dropped the batch axis) and three layers without biases at a batch of 3; for the
cells the default zero state and a given state. ``TRAINING`` is the graded training run.
Nothing here touches NumPy's global generator.
"""

import numpy as np

TRAINING = {
    "mode": "LSTM",  # the seed trains BidirRecurrentModel("LSTM", ...)
    "hidden": 16,
    "layers": 1,
    "classes": 3,
    "batch_size": 32,
    "learning_rate": 0.00666,  # the seed's
    "steps": 100,
    "seed": 42,  # the seed's set_seed(42)
    "window": 10,
    "fall": 0.8,  # the last 10 steps' mean loss below 0.8 x the first 10's
    "margin": 0.2,  # validation accuracy at least 1/3 + 0.2
}
TRAINING_SIZES = {"train": 240, "valid": 120}


def _state(rng, batch, hidden, given):
    return rng.normal(size=(batch, hidden)).astype(np.float32) if given else None


def _x(rng, *shape):
    return (1.5 * rng.normal(size=shape)).astype(np.float32)


# -- the cells ------------------------------------------------------------------------------


def _cell_sizes(rng):
    input_size, hidden_size = int(rng.integers(2, 8)), int(rng.integers(2, 7))
    batch = int(rng.integers(1, 5))
    bias = bool(rng.random() < 0.75)
    return input_size, hidden_size, bias, batch


def lstm_cell_inputs(rng, ref, given=None):
    input_size, hidden_size, bias, batch = _cell_sizes(rng)
    given = bool(rng.random() < 0.75) if given is None else given
    x = _x(rng, batch, input_size)
    hx, cx = _state(rng, batch, hidden_size, given), _state(rng, batch, hidden_size, given)
    return input_size, hidden_size, bias, x, hx, cx


def gru_cell_inputs(rng, ref, given=None):
    input_size, hidden_size, bias, batch = _cell_sizes(rng)
    given = bool(rng.random() < 0.75) if given is None else given
    return (
        input_size,
        hidden_size,
        bias,
        _x(rng, batch, input_size),
        _state(rng, batch, hidden_size, given),
    )


def basic_rnn_cell_inputs(rng, ref, given=None, nonlinearity=None):
    input_size, hidden_size, bias, batch = _cell_sizes(rng)
    given = bool(rng.random() < 0.75) if given is None else given
    nonlinearity = str(rng.choice(["tanh", "relu"])) if nonlinearity is None else nonlinearity
    x = _x(rng, batch, input_size)
    return input_size, hidden_size, bias, nonlinearity, x, _state(rng, batch, hidden_size, given)


def case_lstm_cell_with_state(ref):
    return lstm_cell_inputs(np.random.default_rng(101), ref, given=True)


def case_lstm_cell_zero_state(ref):
    return lstm_cell_inputs(np.random.default_rng(102), ref, given=False)


def case_gru_cell_with_state(ref):
    return gru_cell_inputs(np.random.default_rng(103), ref, given=True)


def case_gru_cell_zero_state(ref):
    return gru_cell_inputs(np.random.default_rng(104), ref, given=False)


def case_basic_rnn_cell_tanh(ref):
    return basic_rnn_cell_inputs(np.random.default_rng(105), ref, given=True, nonlinearity="tanh")


def case_basic_rnn_cell_relu(ref):
    return basic_rnn_cell_inputs(np.random.default_rng(106), ref, given=True, nonlinearity="relu")


# -- the models -----------------------------------------------------------------------------


def model_inputs(rng, ref, num_layers=None, batch=None, bias=None):
    """Sizes, and ``x`` of shape (batch, time, input_size). ``input_size`` is never
    ``hidden_size``, so a first layer built like the others shows."""
    input_size, hidden_size = int(rng.integers(3, 7)), int(rng.integers(7, 10))
    num_layers = int(rng.integers(1, 4)) if num_layers is None else num_layers
    batch = int(rng.integers(1, 5)) if batch is None else batch
    bias = bool(rng.random() < 0.75) if bias is None else bias
    output_size, steps = int(rng.integers(2, 5)), int(rng.integers(3, 7))
    x = _x(rng, batch, steps, input_size)
    return input_size, hidden_size, num_layers, bias, output_size, x


def case_one_layer_batch_one(ref):
    return model_inputs(np.random.default_rng(201), ref, num_layers=1, batch=1, bias=True)


def case_three_layers(ref):
    return model_inputs(np.random.default_rng(202), ref, num_layers=3, batch=3, bias=False)


# -- the training run and Question 3 ----------------------------------------------------------


def case_training(ref):
    """The synthetic set the notebook builds (its training and validation splits)."""
    X, y = ref.synthetic_commands(TRAINING_SIZES["train"], seed=0)
    X_valid, y_valid = ref.synthetic_commands(TRAINING_SIZES["valid"], seed=1)
    return (X, y, X_valid, y_valid), dict(TRAINING)


def no_inputs(rng, ref):
    return ()


def case_notebook(ref):
    """Question 3 reads the notebook's variables: no arguments."""
    return ()
