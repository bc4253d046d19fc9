"""The memory state starts from a0 instead of zeros (c0 must be 0)."""

import numpy as np

TARGET = "lstm_forward"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def _lstm_cell_forward(xt, a_prev, c_prev, parameters):
    p = parameters
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = _sigmoid(p["Wf"].dot(concat) + p["bf"])
    it = _sigmoid(p["Wi"].dot(concat) + p["bi"])
    cct = np.tanh(p["Wc"].dot(concat) + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = _sigmoid(p["Wo"].dot(concat) + p["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = _softmax(p["Wy"].dot(a_next) + p["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    caches = []
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    a_next = a0
    c_next = a0
    for t in range(T_x):
        a_next, c_next, yt, cache = _lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        y[:, :, t] = yt
        c[:, :, t] = c_next
        caches.append(cache)
    return a, y, c, (caches, x)
