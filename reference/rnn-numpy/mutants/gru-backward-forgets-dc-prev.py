"""Each step backpropagates da[:, :, t] alone, dropping dc_prevt from the later step."""

import numpy as np

TARGET = "gru_backward"


def _gru_cell_backward(da_next, cache):
    (_, _, c_prev, ut, rt, cct, xt, parameters) = cache
    Wu = parameters["Wu"]
    Wr = parameters["Wr"]
    Wc = parameters["Wc"]
    n_c = c_prev.shape[0]
    c_diff = cct - c_prev
    cx = np.concatenate((c_prev, xt), axis=0)
    rcx = np.concatenate((c_prev * rt, xt), axis=0)
    c0 = np.concatenate((c_prev, np.zeros(xt.shape)), axis=0)
    r0 = np.concatenate((rt, np.zeros(xt.shape)), axis=0)
    dz_u = da_next * c_diff * ut * (1 - ut)
    dz_c = da_next * ut * (1 - cct**2)
    dz_r = dz_c * rt * (1 - rt) * Wc.dot(c0)
    dWu = dz_u.dot(cx.T)
    dbu = np.sum(dz_u, axis=1).reshape((-1, 1))
    dWr = dz_r.dot(cx.T)
    dbr = np.sum(dz_r, axis=1).reshape((-1, 1))
    dWc = dz_c.dot(rcx.T)
    dbc = np.sum(dz_c, axis=1).reshape((-1, 1))
    da_prev = (
        da_next * (1 - ut) + Wu[:, :n_c].T.dot(dz_u) + dz_c * Wc.dot(r0) + Wr[:, :n_c].T.dot(dz_r)
    )
    dxt = Wu[:, n_c:].T.dot(dz_u) + Wc[:, n_c:].T.dot(dz_c) + Wr[:, n_c:].T.dot(dz_r)
    return {
        "dxt": dxt,
        "da_prev": da_prev,
        "dc_prev": da_prev,
        "dWu": dWu,
        "dWr": dWr,
        "dWc": dWc,
        "dbc": dbc,
        "dbu": dbu,
        "dbr": dbr,
    }


def gru_backward(da, caches):
    (caches, x) = caches
    (_, _, c_prev, _, _, _, _, parameters) = caches[0]
    T_x = da.shape[2]
    dx = np.zeros(x.shape)
    dWu = np.zeros(parameters["Wu"].shape)
    dWr = np.zeros(parameters["Wr"].shape)
    dWc = np.zeros(parameters["Wc"].shape)
    dbu = np.zeros(parameters["bu"].shape)
    dbr = np.zeros(parameters["br"].shape)
    dbc = np.zeros(parameters["bc"].shape)
    dc_prevt = np.zeros(c_prev.shape)
    for t in reversed(range(T_x)):
        gradients = _gru_cell_backward(da[:, :, t], caches[t])
        dc_prevt = gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        dWu += gradients["dWu"]
        dWr += gradients["dWr"]
        dWc += gradients["dWc"]
        dbu += gradients["dbu"]
        dbr += gradients["dbr"]
        dbc += gradients["dbc"]
    return {
        "dx": dx,
        "dc0": dc_prevt,
        "dWu": dWu,
        "dWr": dWr,
        "dWc": dWc,
        "dbc": dbc,
        "dbu": dbu,
        "dbr": dbr,
    }
