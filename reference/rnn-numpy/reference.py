"""Reference for rnn-numpy (seed 003): RNN, LSTM and GRU in NumPy, with Adam.

Signatures, return values and cache layouts are the seed's. Where the seed's printed code cannot
run or is ambiguous, a comment at the spot says what we do; README.md explains each case. Extra
trusted helpers, accepted as alternatives: ``softmax_per_column``, ``softmax_unshifted``,
``update_parameters_with_adam_eps_outside``, ``gru_cell_backward_exact`` and
``gru_backward_exact``.
"""

import numpy as np

# -- utilities ------------------------------------------------------------------------------


def softmax(x):
    """Softmax over axis 0 (the classes), shifted by the array's global maximum as in the seed."""
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def softmax_per_column(x):
    """Accepted variant: softmax over axis 0, each column shifted by its own maximum."""
    e_x = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e_x / e_x.sum(axis=0, keepdims=True)


def softmax_unshifted(x):
    """Accepted variant: softmax over axis 0 with no shift (same values unless exp overflows)."""
    e_x = np.exp(x)
    return e_x / e_x.sum(axis=0)


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x))."""
    return 1 / (1 + np.exp(-x))


# -- Adam -----------------------------------------------------------------------------------


def initialize_adam(parameters):
    """Zero moment estimates v and s with keys dW1, db1, ..., shaped like W1, b1, ..."""
    n_layers = len(parameters) // 2
    v = {}
    s = {}
    for layer in range(1, n_layers + 1):
        for name in ("W", "b"):
            v["d" + name + str(layer)] = np.zeros(parameters[name + str(layer)].shape)
            s["d" + name + str(layer)] = np.zeros(parameters[name + str(layer)].shape)
    return v, s


def _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, eps_inside):
    n_layers = len(parameters) // 2
    for layer in range(1, n_layers + 1):
        for name in ("W", "b"):
            key = "d" + name + str(layer)
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            v_corrected = v[key] / (1 - beta1**t)
            s[key] = beta2 * s[key] + (1 - beta2) * (grads[key] ** 2)
            s_corrected = s[key] / (1 - beta2**t)
            if eps_inside:
                denominator = np.sqrt(s_corrected + epsilon)
            else:
                denominator = np.sqrt(s_corrected) + epsilon
            parameters[name + str(layer)] = (
                parameters[name + str(layer)] - learning_rate * v_corrected / denominator
            )
    return parameters, v, s


def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """One Adam step; updates parameters, v and s in place and returns (parameters, v, s).

    As in the seed, epsilon sits inside the square root: W -= lr * v_hat / sqrt(s_hat + eps).
    """
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, True)


def update_parameters_with_adam_eps_outside(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """Accepted variant: the textbook Adam step, W -= lr * v_hat / (sqrt(s_hat) + eps)."""
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, False)


# -- RNN forward ----------------------------------------------------------------------------


def rnn_cell_forward(xt, a_prev, parameters):
    """One RNN step: a_next (n_a, m), yt_pred (n_y, m), cache (a_next, a_prev, xt, parameters)."""
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    a_next = np.tanh(Wax.dot(xt) + Waa.dot(a_prev) + ba)
    yt_pred = softmax(Wya.dot(a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """RNN over x (n_x, m, T_x). Returns a (n_a, m, T_x), y_pred (n_y, m, T_x), (caches, x)."""
    caches = []
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt
        caches.append(cache)
    return a, y_pred, (caches, x)


# -- LSTM forward ---------------------------------------------------------------------------


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step; the gates act on concat = [a_prev; xt].

    Returns a_next, c_next, yt_pred and the 10-item cache
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters).
    """
    # The seed's docstring lists a 6-item cache; its code (and its printed len) has 10 items.
    Wf = parameters["Wf"]
    bf = parameters["bf"]
    Wi = parameters["Wi"]
    bi = parameters["bi"]
    Wc = parameters["Wc"]
    bc = parameters["bc"]
    Wo = parameters["Wo"]
    bo = parameters["bo"]
    Wy = parameters["Wy"]
    by = parameters["by"]
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = sigmoid(Wf.dot(concat) + bf)
    it = sigmoid(Wi.dot(concat) + bi)
    cct = np.tanh(Wc.dot(concat) + bc)
    c_next = ft * c_prev + it * cct
    ot = sigmoid(Wo.dot(concat) + bo)
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(Wy.dot(a_next) + by)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """LSTM over x (n_x, m, T_x) from a0 and c0 = 0. Returns a, y, c, (caches, x)."""
    caches = []
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    a_next = a0
    c_next = np.zeros((n_a, m))
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        y[:, :, t] = yt
        c[:, :, t] = c_next
        caches.append(cache)
    return a, y, c, (caches, x)


# -- GRU forward ----------------------------------------------------------------------------


def gru_cell_forward(xt, c_prev, parameters):
    """One GRU step (the seed's equations; the state is c, and a_next is c_next).

    ut = sigmoid(Wu [c_prev; xt] + bu), rt = sigmoid(Wr [c_prev; xt] + br),
    cct = tanh(Wc [rt * c_prev; xt] + bc), c_next = ut * cct + (1 - ut) * c_prev.
    Returns c_next, yt_pred and the 8-item cache
    (a_next, c_next, c_prev, ut, rt, cct, xt, parameters).
    """
    # The seed's docstring lists a 6-item LSTM-style cache; its code (and printed len) has 8 items.
    Wu = parameters["Wu"]
    bu = parameters["bu"]
    Wr = parameters["Wr"]
    br = parameters["br"]
    Wc = parameters["Wc"]
    bc = parameters["bc"]
    Wy = parameters["Wy"]
    by = parameters["by"]
    concat = np.concatenate((c_prev, xt), axis=0)
    ut = sigmoid(Wu.dot(concat) + bu)
    rt = sigmoid(Wr.dot(concat) + br)
    cct = np.tanh(Wc.dot(np.concatenate((rt * c_prev, xt), axis=0)) + bc)
    c_next = ut * cct + (1 - ut) * c_prev
    a_next = c_next
    yt_pred = softmax(Wy.dot(a_next) + by)
    cache = (a_next, c_next, c_prev, ut, rt, cct, xt, parameters)
    return c_next, yt_pred, cache


def gru_forward(x, c0, parameters):
    """GRU over x (n_x, m, T_x) from c0. Returns y (n_y, m, T_x), c (n_a, m, T_x), (caches, x)."""
    caches = []
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    c_next = c0
    for t in range(T_x):
        c_next, yt, cache = gru_cell_forward(x[:, :, t], c_next, parameters)
        y[:, :, t] = yt
        c[:, :, t] = c_next
        caches.append(cache)
    return y, c, (caches, x)


# -- RNN backward ---------------------------------------------------------------------------


def rnn_cell_backward(da_next, cache):
    """Backward through one RNN step. Returns {dxt, da_prev, dWax, dWaa, dba}."""
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    dz = da_next * (1 - a_next**2)
    dxt = Wax.T.dot(dz)
    dWax = dz.dot(xt.T)
    da_prev = Waa.T.dot(dz)
    dWaa = dz.dot(a_prev.T)
    dba = np.sum(dz, axis=1).reshape((a_next.shape[0], 1))
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def rnn_backward(da, caches):
    """Backward through rnn_forward; da is (n_a, m, T). Returns {dx, da0, dWax, dWaa, dba}."""
    (cell_caches, x) = caches
    (_, a0, _, parameters) = cell_caches[0]
    T_x = da.shape[2]
    dx = np.zeros(x.shape)
    dWax = np.zeros(parameters["Wax"].shape)
    dWaa = np.zeros(parameters["Waa"].shape)
    dba = np.zeros(parameters["ba"].shape)
    da_prevt = np.zeros(a0.shape)
    for t in reversed(range(T_x)):
        grads = rnn_cell_backward(da[:, :, t] + da_prevt, cell_caches[t])
        da_prevt = grads["da_prev"]
        dx[:, :, t] = grads["dxt"]
        dWax += grads["dWax"]
        dWaa += grads["dWaa"]
        dba += grads["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


# -- GRU backward ---------------------------------------------------------------------------


def _gru_cell_pieces(da_next, cache):
    (_, _, c_prev, ut, rt, cct, xt, parameters) = cache
    n_c = c_prev.shape[0]
    dz_u = da_next * (cct - c_prev) * ut * (1 - ut)  # through the update gate's pre-activation
    dz_c = da_next * ut * (1 - cct**2)  # through the candidate's pre-activation
    cx = np.concatenate((c_prev, xt), axis=0)
    rcx = np.concatenate((rt * c_prev, xt), axis=0)
    return parameters, n_c, c_prev, rt, dz_u, dz_c, cx, rcx


def _gru_gradients(dxt, dc_prev, dWu, dWr, dWc, dbu, dbr, dbc):
    return {
        "dxt": dxt,
        "da_prev": dc_prev,
        "dc_prev": dc_prev,
        "dWu": dWu,
        "dWr": dWr,
        "dWc": dWc,
        "dbc": dbc,
        "dbu": dbu,
        "dbr": dbr,
    }


def gru_cell_backward(da_next, cache):
    """Backward through one GRU step with the seed's (taught) formulas.

    Returns {dxt, da_prev, dc_prev (same array), dWu, dWr, dWc, dbc, dbu, dbr}. dWu, dbu, dWc and
    dbc are exact; dxt, da_prev, dWr and dbr follow the seed, which differs from the exact
    gradient (see ``gru_cell_backward_exact``).
    """
    parameters, n_c, c_prev, rt, dz_u, dz_c, cx, rcx = _gru_cell_pieces(da_next, cache)
    ut = cache[3]
    Wu, Wr, Wc = parameters["Wu"], parameters["Wr"], parameters["Wc"]
    # Seed: Wc.dot([c_prev; 0]) multiplied elementwise, where the chain rule has Wc[:, :n_c].T.
    dz_r = dz_c * rt * (1 - rt) * Wc[:, :n_c].dot(c_prev)
    dWu = dz_u.dot(cx.T)
    dbu = np.sum(dz_u, axis=1).reshape((-1, 1))
    dWr = dz_r.dot(cx.T)
    dbr = np.sum(dz_r, axis=1).reshape((-1, 1))
    dWc = dz_c.dot(rcx.T)
    dbc = np.sum(dz_c, axis=1).reshape((-1, 1))
    # The seed prints Wu[:, n_c:] and Wr[:, n_c:] here, which cannot be added to an (n_a, m)
    # array and crashes; its printed outputs are reproduced by the state columns [:, :n_c].
    dc_prev = (
        da_next * (1 - ut)
        + Wu[:, :n_c].T.dot(dz_u)
        + dz_c * Wc[:, :n_c].dot(rt)
        + Wr[:, :n_c].T.dot(dz_r)
    )
    dxt = Wu[:, n_c:].T.dot(dz_u) + Wc[:, n_c:].T.dot(dz_c) + Wr[:, n_c:].T.dot(dz_r)
    return _gru_gradients(dxt, dc_prev, dWu, dWr, dWc, dbu, dbr, dbc)


def gru_cell_backward_exact(da_next, cache):
    """Accepted variant: the exact gradient of gru_cell_forward's c_next, same keys as the seed."""
    parameters, n_c, c_prev, rt, dz_u, dz_c, cx, rcx = _gru_cell_pieces(da_next, cache)
    ut = cache[3]
    Wu, Wr, Wc = parameters["Wu"], parameters["Wr"], parameters["Wc"]
    d_rc = Wc[:, :n_c].T.dot(dz_c)  # gradient with respect to rt * c_prev
    dz_r = d_rc * c_prev * rt * (1 - rt)
    dWu = dz_u.dot(cx.T)
    dbu = np.sum(dz_u, axis=1).reshape((-1, 1))
    dWr = dz_r.dot(cx.T)
    dbr = np.sum(dz_r, axis=1).reshape((-1, 1))
    dWc = dz_c.dot(rcx.T)
    dbc = np.sum(dz_c, axis=1).reshape((-1, 1))
    dc_prev = da_next * (1 - ut) + d_rc * rt + Wu[:, :n_c].T.dot(dz_u) + Wr[:, :n_c].T.dot(dz_r)
    dxt = Wu[:, n_c:].T.dot(dz_u) + Wc[:, n_c:].T.dot(dz_c) + Wr[:, n_c:].T.dot(dz_r)
    return _gru_gradients(dxt, dc_prev, dWu, dWr, dWc, dbu, dbr, dbc)


def _gru_backward_with(cell_backward, da, caches):
    (cell_caches, x) = caches
    parameters = cell_caches[0][7]
    c0 = cell_caches[0][2]
    # As in the seed, the number of steps comes from da: a shorter da acts as zero upstream
    # gradient for the remaining (later) steps, whose dx stays 0.
    T_x = da.shape[2]
    dx = np.zeros(x.shape)
    keys = ("dWu", "dWr", "dWc", "dbu", "dbr", "dbc")
    grads_sum = {key: np.zeros(parameters[key[1:]].shape) for key in keys}
    dc_prevt = np.zeros(c0.shape)
    for t in reversed(range(T_x)):
        grads = cell_backward(da[:, :, t] + dc_prevt, cell_caches[t])
        dc_prevt = grads["dc_prev"]
        dx[:, :, t] = grads["dxt"]
        for key in grads_sum:
            grads_sum[key] += grads[key]
    return {
        "dx": dx,
        "dc0": dc_prevt,
        "dWu": grads_sum["dWu"],
        "dWr": grads_sum["dWr"],
        "dWc": grads_sum["dWc"],
        "dbc": grads_sum["dbc"],
        "dbu": grads_sum["dbu"],
        "dbr": grads_sum["dbr"],
    }


def gru_backward(da, caches):
    """Backward through gru_forward with gru_cell_backward. Returns {dx, dc0, dWu, ..., dbr}."""
    return _gru_backward_with(gru_cell_backward, da, caches)


def gru_backward_exact(da, caches):
    """Accepted variant: gru_backward built on gru_cell_backward_exact (the exact gradient)."""
    return _gru_backward_with(gru_cell_backward_exact, da, caches)
