"""sigmoid computes 1 / (1 + exp(x)) instead of 1 / (1 + exp(-x))."""

import numpy as np

TARGET = "sigmoid"


def sigmoid(x):
    return 1 / (1 + np.exp(x))
