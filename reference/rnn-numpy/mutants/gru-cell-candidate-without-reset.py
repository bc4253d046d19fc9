"""The candidate cct uses c_prev where the reset gate needs rt * c_prev."""

import numpy as np

TARGET = "gru_cell_forward"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def gru_cell_forward(xt, c_prev, parameters):
    Wu = parameters["Wu"]
    bu = parameters["bu"]
    Wr = parameters["Wr"]
    br = parameters["br"]
    Wc = parameters["Wc"]
    bc = parameters["bc"]
    Wy = parameters["Wy"]
    by = parameters["by"]
    concat = np.concatenate((c_prev, xt), axis=0)
    ut = _sigmoid(Wu.dot(concat) + bu)
    rt = _sigmoid(Wr.dot(concat) + br)
    cct = np.tanh(Wc.dot(np.concatenate((c_prev, xt), axis=0)) + bc)
    c_next = ut * cct + (1 - ut) * c_prev
    a_next = c_next
    yt_pred = _softmax(Wy.dot(a_next) + by)
    cache = (a_next, c_next, c_prev, ut, rt, cct, xt, parameters)
    return c_next, yt_pred, cache
