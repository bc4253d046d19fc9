"""Each step backpropagates da[:, :, t] alone, dropping da_prevt from the later step."""

import numpy as np

TARGET = "rnn_backward"


def _rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    dz = da_next * (1 - a_next**2)
    return {
        "dxt": parameters["Wax"].T.dot(dz),
        "da_prev": parameters["Waa"].T.dot(dz),
        "dWax": dz.dot(xt.T),
        "dWaa": dz.dot(a_prev.T),
        "dba": np.sum(dz, axis=1, keepdims=True),
    }


def rnn_backward(da, caches):
    (caches, x) = caches
    (_, a0, _, parameters) = caches[0]
    T_x = da.shape[2]
    dx = np.zeros(x.shape)
    dWax = np.zeros(parameters["Wax"].shape)
    dWaa = np.zeros(parameters["Waa"].shape)
    dba = np.zeros(parameters["ba"].shape)
    da_prevt = np.zeros(a0.shape)
    for t in reversed(range(T_x)):
        gradients = _rnn_cell_backward(da[:, :, t], caches[t])
        da_prevt = gradients["da_prev"]
        dx[:, :, t] = gradients["dxt"]
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba += gradients["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}
