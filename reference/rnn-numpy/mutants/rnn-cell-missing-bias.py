"""a_next leaves out the bias ba: tanh(Wax xt + Waa a_prev)."""

import numpy as np

TARGET = "rnn_cell_forward"


def _softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def rnn_cell_forward(xt, a_prev, parameters):
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    by = parameters["by"]
    a_next = np.tanh(Wax.dot(xt) + Waa.dot(a_prev))
    yt_pred = _softmax(Wya.dot(a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
