"""dba keeps one column per example instead of summing over the batch (axis 1)."""

import numpy as np

TARGET = "rnn_cell_backward"


def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    dtanh = 1 - a_next**2
    dxt = np.dot(Wax.T, da_next * dtanh)
    dWax = np.dot(da_next * dtanh, xt.T)
    da_prev = np.dot(Waa.T, da_next * dtanh)
    dWaa = np.dot(da_next * dtanh, a_prev.T)
    dba = dtanh * da_next
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
