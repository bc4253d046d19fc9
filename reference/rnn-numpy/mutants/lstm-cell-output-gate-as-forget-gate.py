"""c_next uses the output gate ot where the forget gate ft belongs: ot * c_prev + it * cct."""

import numpy as np

TARGET = "lstm_cell_forward"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
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
    ft = _sigmoid(Wf.dot(concat) + bf)
    it = _sigmoid(Wi.dot(concat) + bi)
    cct = np.tanh(Wc.dot(concat) + bc)
    ot = _sigmoid(Wo.dot(concat) + bo)
    c_next = ot * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    yt_pred = _softmax(Wy.dot(a_next) + by)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache
