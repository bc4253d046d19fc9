"""The update divides v, not the bias-corrected v_corrected, by sqrt(s_corrected + eps)."""

import numpy as np

TARGET = "update_parameters_with_adam"


def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    n_layers = len(parameters) // 2
    v_corrected = {}
    s_corrected = {}
    for layer in range(1, n_layers + 1):
        for name in ("W", "b"):
            key = "d" + name + str(layer)
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            v_corrected[key] = v[key] / (1 - beta1**t)
            s[key] = beta2 * s[key] + (1 - beta2) * (grads[key] ** 2)
            s_corrected[key] = s[key] / (1 - beta2**t)
            step = learning_rate * v[key] / np.sqrt(s_corrected[key] + epsilon)
            parameters[name + str(layer)] = parameters[name + str(layer)] - step
    return parameters, v, s
