"""Adapters between the judge's plain data and the notebook's torch modules (rnn-cells-torch).

The judge calls ``NAME(nb, *inputs)`` inside the sandbox, where ``nb`` is the notebook and its
classes are torch modules: the harness builds the student's module with the case's sizes, reads
its parameters (``state_dict()``, as a dict of float32 arrays), runs it on the case's inputs
and returns both as plain data. In the grading process the judge calls ``NAME(nb, *inputs,
state)`` with ``nb`` the NumPy reference and ``state`` those parameters (``given = "state"``
in assignment.toml): the same code builds the reference's module, loads the student's
weights into it and computes what the student's module should have given. The ``state`` it
returns there is the reference module's own: which keys and shapes the student's must have.

torch is imported only when the module built is a torch module, so the grading process never
imports it. Nothing here computes a gate or a layer: every equation is the notebook's.
"""

import numpy as np

MODES = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU")
RAISED = "raised "


def _torch_of(module):
    """torch, when ``module`` (or this class) is a torch module (in the sandbox); else ``None``."""
    for klass in (module if isinstance(module, type) else type(module)).__mro__:
        if (klass.__module__ or "").split(".")[0] == "torch":
            import torch

            return torch
    return None


def _parameters(module, torch):
    """The module's ``state_dict()`` as a plain dict of float32 arrays."""
    state = module.state_dict()
    if torch is None:
        return {key: np.asarray(value, dtype=np.float32) for key, value in state.items()}
    return {key: value.detach().cpu().numpy().astype(np.float32) for key, value in state.items()}


def _tensor(torch, value):
    if isinstance(value, tuple):
        return tuple(_tensor(torch, v) for v in value)
    if value is None or torch is None:
        return value
    return torch.from_numpy(np.array(value, dtype=np.float32))


def _plain(value):
    """What the module returned, as float32 arrays (tuples stay tuples)."""
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float32) if isinstance(value, np.ndarray) else value


def _built(module, state):
    """The module's own parameters, then ``state`` loaded into it (grading process only)."""
    torch = _torch_of(module)
    own = _parameters(module, torch)
    if state is not None:
        module.load_state_dict(state)
    return torch, own


def _run(torch, module, *inputs):
    if torch is None:
        return _plain(module(*inputs))
    with torch.no_grad():
        return _plain(module(*(_tensor(torch, x) for x in inputs)))


# -- Question 1: the cells ------------------------------------------------------------------


def lstm_cell(nb, input_size, hidden_size, bias, x, hx, cx, state=None):
    """``LSTMCell(input_size, hidden_size, bias)``: its parameters and ``(hy, cy)`` on ``x``
    (from the zero state when ``hx`` is ``None``, as the cell's default)."""
    cell = nb.LSTMCell(input_size, hidden_size, bias)
    torch, own = _built(cell, state)
    inputs = (x,) if hx is None else (x, (hx, cx))
    hy, cy = _run(torch, cell, *inputs)
    return own, hy, cy


def gru_cell(nb, input_size, hidden_size, bias, x, hx, state=None):
    """``GRUCell(input_size, hidden_size, bias)``: its parameters and ``hy`` on ``x``."""
    cell = nb.GRUCell(input_size, hidden_size, bias)
    torch, own = _built(cell, state)
    inputs = (x,) if hx is None else (x, hx)
    return own, _run(torch, cell, *inputs)


def basic_rnn_cell(nb, input_size, hidden_size, bias, nonlinearity, x, hx, state=None):
    """``BasicRNNCell(input_size, hidden_size, bias, nonlinearity)``: parameters and ``hy``."""
    cell = nb.BasicRNNCell(input_size, hidden_size, bias, nonlinearity)
    torch, own = _built(cell, state)
    inputs = (x,) if hx is None else (x, hx)
    return own, _run(torch, cell, *inputs)


# -- Question 2: the models -----------------------------------------------------------------


def _every_mode(make, x, state):
    """Each mode's model: its parameters, and its output on ``x`` or, when building, loading
    or running it raised, ``"raised <type>: <message>"`` (the other modes still count).

    In the grading process a mode whose parameters do not load (the student's have other
    shapes) reports so for its output alone; its parameters stay the reference's own.
    """
    parameters, outputs = {}, []
    for mode in MODES:
        try:
            model = make(mode)
            torch, parameters[mode] = _built(model, None)
        except Exception as exc:
            parameters[mode] = _raised(exc)
            outputs.append(_raised(exc))
            continue
        try:
            if state is not None:
                model.load_state_dict(state[mode])
            outputs.append(_run(torch, model, x))
        except Exception as exc:
            outputs.append(_raised(exc))
    return (parameters, *outputs)


def _raised(exc):
    return f"{RAISED}{type(exc).__name__}: {exc}"


def rnn_model(nb, input_size, hidden_size, num_layers, bias, output_size, x, state=None):
    """``RNNModel`` in each mode: ``(parameters by mode, LSTM, GRU, RNN_TANH, RNN_RELU)``."""

    def make(mode):
        return nb.RNNModel(mode, input_size, hidden_size, num_layers, bias, output_size)

    return _every_mode(make, x, state)


def bidir_model(nb, input_size, hidden_size, num_layers, bias, output_size, x, state=None):
    """``BidirRecurrentModel`` in each mode, as :func:`rnn_model`."""

    def make(mode):
        return nb.BidirRecurrentModel(mode, input_size, hidden_size, num_layers, bias, output_size)

    return _every_mode(make, x, state)


# -- the training run -----------------------------------------------------------------------


def training_run(nb, data, settings):
    """The notebook's training loop (Adam on cross-entropy) for the notebook's
    ``BidirRecurrentModel``, seeded and deterministic, on one thread: ``(loss_falls,
    beats_chance)``.

    ``loss_falls``: the mean loss of the last ``window`` steps is below ``fall`` times that of
    the first ``window``; ``beats_chance``: the accuracy on the validation set is at least
    ``chance + margin``. In the grading process, the reference says what a right notebook shows.
    """
    s = settings
    X, y, X_valid, y_valid = data
    make = nb.BidirRecurrentModel
    torch = _torch_of(make)
    if torch is None:
        return nb.training_outcome(data, settings)
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(s["seed"])
        model = make(s["mode"], X.shape[2], s["hidden"], s["layers"], True, s["classes"])
        criterion = torch.nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=s["learning_rate"])
        X, y = torch.from_numpy(X), torch.from_numpy(y)
        order = torch.Generator().manual_seed(s["seed"])
        losses = []
        for _ in range(s["steps"]):
            batch = torch.randint(0, X.shape[0], (s["batch_size"],), generator=order)
            optimizer.zero_grad()
            loss = criterion(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            losses.append(float(loss.item()))
        with torch.no_grad():
            predicted = torch.max(model(torch.from_numpy(X_valid)).data, 1)[1].numpy()
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    w = s["window"]
    falls = bool(np.mean(losses[-w:]) < s["fall"] * np.mean(losses[:w]))
    accuracy = float(np.mean(predicted == y_valid))
    return falls, bool(accuracy >= 1.0 / s["classes"] + s["margin"])


# -- Question 3 -----------------------------------------------------------------------------


def question_3(nb):
    """``A_model``, ``B_model``, ``C_model`` as the notebook sets them, surrounding spaces
    removed (``None`` for one it does not set)."""
    answers = []
    for name in ("A_model", "B_model", "C_model"):
        value = getattr(nb, name, None)
        answers.append(value.strip() if isinstance(value, str) else value)
    return tuple(answers)
