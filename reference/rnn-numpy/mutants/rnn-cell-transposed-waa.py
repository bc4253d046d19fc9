"""a_next multiplies a_prev by Waa.T instead of Waa."""

import numpy as np

TARGET = "rnn_cell_forward"


def _softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def rnn_cell_forward(xt, a_prev, parameters):
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    a_next = np.tanh(Wax.dot(xt) + Waa.T.dot(a_prev) + ba)
    yt_pred = _softmax(Wya.dot(a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
