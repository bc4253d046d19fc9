"""NumPy reference for rnn-cells-torch (seed 001): the coursework's PyTorch classes, in NumPy.

Each class here stands in for the student's class of the same name, with the part of its
interface that ``harness.py`` uses: built with the same arguments, ``state_dict()`` and
``load_state_dict()`` with torch's keys (``x2h.weight``, ``rnn_cell_list.0.h2h.bias``...),
called like the module. The judge loads the student's own weights (read out of their module in
the sandbox) into these and compares what both compute on the same inputs.

The equations follow the seed, gate by gate: the LSTM's ``x2h`` and ``h2h`` outputs are chunked
input, forget, cell, output; the GRU's reset, update, new, with ``hy = update * hx + (1 -
update) * new``; the basic cell is ``tanh`` or ``relu`` of ``x2h(x) + h2h(h)``. Arithmetic is
in float64, returned as float32 like torch's. ``Linear`` raises what ``nn.Linear`` raises on
an input that is not an array or has the wrong width, so a mistake that makes the student's
module raise makes its mutant here raise the same message.

No torch here: this module runs in the grading process only.
"""

import numpy as np

# Question 3: the seed's own answer (README.md says what it rests on).
A_model = "GRU"
B_model = "LSTM"
C_model = "RNN"

MODES = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU")


# -- a minimal module system, with torch's state_dict keys ----------------------------------


class Module:
    """Parameters and submodules, registered in order as torch registers them."""

    def __init__(self):
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_children", {})

    def __setattr__(self, name, value):
        if isinstance(value, Module):
            self._children[name] = value
        object.__setattr__(self, name, value)

    def state_dict(self, prefix=""):
        state = {prefix + k: v.astype(np.float32) for k, v in self._params.items()}
        for name, child in self._children.items():
            state.update(child.state_dict(f"{prefix}{name}."))
        return state

    def load_state_dict(self, state):
        """Strict, as torch's: the same keys, the same shapes."""
        own = self.state_dict()
        if set(state) != set(own):
            missing, extra = sorted(set(own) - set(state)), sorted(set(state) - set(own))
            raise KeyError(f"missing keys {missing}, unexpected keys {extra}")
        for key, value in state.items():
            if np.shape(value) != own[key].shape:
                raise ValueError(f"{key} has shape {np.shape(value)}, expected {own[key].shape}")
            *path, leaf = key.split(".")
            module = self
            for name in path:
                module = module._children[name]
            module._params[leaf] = np.asarray(value, dtype=np.float64)

    def __call__(self, *args):
        return self.forward(*args)


class ModuleList(Module):
    def __init__(self):
        super().__init__()
        self._items = []

    def append(self, module):
        self._children[str(len(self._items))] = module
        self._items.append(module)

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)


class Linear(Module):
    """``nn.Linear``: ``x @ weight.T + bias``; its weights are loaded, never drawn here."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self._params["weight"] = np.zeros((out_features, in_features))
        if bias:
            self._params["bias"] = np.zeros(out_features)

    def forward(self, x):
        if not isinstance(x, np.ndarray):
            raise TypeError(
                f"linear(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}"
            )
        if x.shape[-1] != self.in_features:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({x.shape[0]}x{x.shape[-1]} and "
                f"{self.in_features}x{self.out_features})"
            )
        y = np.asarray(x, dtype=np.float64) @ self._params["weight"].T
        return y + self._params["bias"] if "bias" in self._params else y


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def relu(x):
    return np.maximum(x, 0.0)


def _zeros(input, hidden_size):
    """The cells' default state, ``input.new_zeros(input.size(0), hidden_size)``."""
    if not isinstance(input, np.ndarray):  # what the given code raises on another input
        raise AttributeError(f"'{type(input).__name__}' object has no attribute 'new_zeros'")
    return np.zeros((input.shape[0], hidden_size))


# -- Question 1: the cells ------------------------------------------------------------------


class LSTMCell(Module):
    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.x2h = Linear(input_size, hidden_size * 4, bias=bias)  # 1a
        self.h2h = Linear(hidden_size, hidden_size * 4, bias=bias)

    def forward(self, input, hx=None):
        if hx is None:
            hx = _zeros(input, self.hidden_size)
            hx = (hx, hx)
        hx, cx = hx
        gates = self.x2h(input) + self.h2h(hx)  # 1b
        input_g, forget_g, cell_g, output_g = np.split(gates, 4, axis=1)
        i_t = sigmoid(input_g)
        f_t = sigmoid(forget_g)
        g_t = np.tanh(cell_g)
        o_t = sigmoid(output_g)
        cy = cx * f_t + i_t * g_t
        hy = o_t * np.tanh(cy)
        return (hy, cy)


class BasicRNNCell(Module):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.nonlinearity = nonlinearity
        if self.nonlinearity not in ["tanh", "relu"]:
            raise ValueError("Invalid nonlinearity selected for RNN.")
        self.x2h = Linear(input_size, hidden_size, bias=bias)
        self.h2h = Linear(hidden_size, hidden_size, bias=bias)

    def forward(self, input, hx=None):
        if hx is None:
            hx = _zeros(input, self.hidden_size)
        activation = np.tanh if self.nonlinearity == "tanh" else relu
        return activation(self.x2h(input) + self.h2h(hx))


class GRUCell(Module):
    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.x2h = Linear(input_size, 3 * hidden_size, bias=bias)  # 1c
        self.h2h = Linear(hidden_size, 3 * hidden_size, bias=bias)

    def forward(self, input, hx=None):
        if hx is None:
            hx = _zeros(input, self.hidden_size)
        x_t = self.x2h(input)  # 1d
        h_t = self.h2h(hx)
        x_reset, x_up, x_new = np.split(x_t, 3, axis=1)
        h_reset, h_up, h_new = np.split(h_t, 3, axis=1)
        reset_gate = sigmoid(x_reset + h_reset)
        update_gate = sigmoid(x_up + h_up)
        new_gate = np.tanh(x_new + (reset_gate * h_new))
        hy = update_gate * hx + (1 - update_gate) * new_gate
        return hy


# -- Question 2: the models -----------------------------------------------------------------


def cells(mode, input_size, hidden_size, num_layers, bias):
    """Questions 2a-2d: one cell per layer, the first taking the input, the others ``h``."""
    if mode == "LSTM":
        make = LSTMCell
    elif mode == "GRU":
        make = GRUCell
    elif mode in ("RNN_TANH", "RNN_RELU"):
        nonlinearity = "tanh" if mode == "RNN_TANH" else "relu"

        def make(i, h, b):
            return BasicRNNCell(i, h, b, nonlinearity)
    else:
        raise ValueError("Invalid RNN mode selected.")
    layers = ModuleList()
    layers.append(make(input_size, hidden_size, bias))
    for _ in range(1, num_layers):
        layers.append(make(hidden_size, hidden_size, bias))
    return layers


def run_layers(mode, layers, X, h0):
    """Question 2e: each layer over every time step, its outputs the next layer's inputs.

    An LSTM cell returns ``(h, c)``: ``h`` goes on to the next layer, the pair to the next step.
    """
    X = list(X)
    for j, cell in enumerate(layers):
        hx_minus_one = h0[j]
        for i in range(len(X)):
            hx = cell(X[i], hx_minus_one)
            hx_minus_one = hx
            X[i] = hx[0] if mode == "LSTM" else hx
    return X


class RNNModel(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers, bias, output_size):
        super().__init__()
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.output_size = num_layers, bias, output_size
        self.rnn_cell_list = cells(mode, input_size, hidden_size, num_layers, bias)
        self.att_fc = Linear(self.hidden_size, 1)  # given code; never used
        self.fc = Linear(self.hidden_size, self.output_size)

    def forward(self, input_data, hx=None):
        h0 = [None] * self.num_layers if hx is None else list(hx)
        X = list(np.transpose(input_data, (1, 0, 2)))  # time major
        outs = run_layers(self.mode, self.rnn_cell_list, X, h0)
        # (batch, hidden) at the last step: the seed's .squeeze() would drop a batch of 1.
        return self.fc(outs[-1]).astype(np.float32)


class BidirRecurrentModel(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers, bias, output_size):
        super().__init__()
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.output_size = num_layers, bias, output_size
        self.rnn_cell_list = cells(mode, input_size, hidden_size, num_layers, bias)
        self.rnn_cell_list_rev = cells(mode, input_size, hidden_size, num_layers, bias)
        self.fc = Linear(self.hidden_size * 2, self.output_size)

    def forward(self, input_data, hx=None):
        h0 = [None] * self.num_layers if hx is None else list(hx)
        hT = [None] * self.num_layers if hx is None else list(hx)
        X = list(np.transpose(input_data, (1, 0, 2)))
        XT = list(reversed(X))
        outs = run_layers(self.mode, self.rnn_cell_list, X, h0)
        outs_rev = run_layers(self.mode, self.rnn_cell_list_rev, XT, hT)
        # The given code: the forward pass's last step and the reverse pass's first step (both
        # at the last frame, as torch's bidirectional output[:, -1]).
        out = np.concatenate((outs[-1], outs_rev[0]), axis=1)
        return self.fc(out).astype(np.float32)


# -- the synthetic data set (the notebook builds the same) -----------------------------------


def synthetic_commands(n, seed, frames=32, features=20, classes=3):
    """``n`` sequences of ``frames`` x ``features`` (float32) and their labels (int64).

    Each class is a pattern moving across the features at its own speed, as a word's formants
    move across MFCC bands, plus noise. The same code is in the notebook.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n)
    t = np.arange(frames)[:, None] / frames
    f = np.arange(features)[None, :] / features
    X = np.empty((n, frames, features), dtype=np.float32)
    for k in range(n):
        speed = 1.0 + labels[k]
        phase = rng.uniform(0, 2 * np.pi)
        pattern = np.sin(2 * np.pi * (speed * t + 2 * f) + phase)
        X[k] = pattern + 0.8 * rng.normal(size=(frames, features))
    return X, labels.astype(np.int64)


# -- the training check ----------------------------------------------------------------------


def training_outcome(*args):
    """What the graded training run of a right notebook shows: the loss falls, the accuracy
    beats chance by the margin (checks.TRAINING); ``harness.training_run`` measures it."""
    return True, True
