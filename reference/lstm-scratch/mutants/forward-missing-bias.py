"""The gates and the logits leave out their biases (W @ z instead of W @ z + b)."""

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
    f = _sigmoid(np.dot(p.W_f.v, z))
    i = _sigmoid(np.dot(p.W_i.v, z))
    C_bar = np.tanh(np.dot(p.W_C.v, z))
    o = _sigmoid(np.dot(p.W_o.v, z))
    C = f * C_prev + i * C_bar
    h = o * np.tanh(C)
    v = np.dot(p.W_v.v, h)
    y = _softmax(v)
    return z, f, i, C_bar, C, o, h, v, y
