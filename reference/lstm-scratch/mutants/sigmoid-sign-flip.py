"""sigmoid computes 1 / (1 + exp(x)) instead of 1 / (1 + exp(-x)).

sigmoid(0) is 0.5 either way, so the quiz's first question does not show it; every other input
does, and the gates f, i and o of forward come out as 1 - sigmoid.
"""

import numpy as np

TARGET = "sigmoid"


def sigmoid(x):
    return 1 / (1 + np.exp(x))
