"""The hidden state skips the tanh of the cell (h = o * C instead of o * tanh(C))."""

import numpy as np

TARGET = "forward"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def forward(x, h_prev, C_prev, p=None):
    if p is None:  # the notebook's default argument, p = parameters
        p = globals()["parameters"]
    z = np.vstack((h_prev, x))
    f = _sigmoid(np.dot(p.W_f.v, z) + p.b_f.v)
    i = _sigmoid(np.dot(p.W_i.v, z) + p.b_i.v)
    C_bar = np.tanh(np.dot(p.W_C.v, z) + p.b_C.v)
    o = _sigmoid(np.dot(p.W_o.v, z) + p.b_o.v)
    C = f * C_prev + i * C_bar
    h = o * C
    v = np.dot(p.W_v.v, h) + p.b_v.v
    y = _softmax(v)
    return z, f, i, C_bar, C, o, h, v, y
