"""dtanh is 1 - tanh(a_next)**2, but a_next is already a tanh: it must be 1 - a_next**2."""

import numpy as np

TARGET = "rnn_cell_backward"


def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    dtanh = 1 - np.tanh(a_next) ** 2
    dxt = np.dot(Wax.T, da_next * dtanh)
    dWax = np.dot(da_next * dtanh, xt.T)
    da_prev = np.dot(Waa.T, da_next * dtanh)
    dWaa = np.dot(da_next * dtanh, a_prev.T)
    dba = np.sum(dtanh * da_next, axis=1).reshape((a_next.shape[0], 1))
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
