"""Every time step starts from a0 instead of the previous step's a_next."""

import numpy as np

TARGET = "rnn_forward"


def _softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def _rnn_cell_forward(xt, a_prev, parameters):
    a_next = np.tanh(parameters["Wax"].dot(xt) + parameters["Waa"].dot(a_prev) + parameters["ba"])
    yt_pred = _softmax(parameters["Wya"].dot(a_next) + parameters["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x, a0, parameters):
    caches = []
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    for t in range(T_x):
        a_next, yt, cache = _rnn_cell_forward(x[:, :, t], a0, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt
        caches.append(cache)
    return a, y_pred, (caches, x)
