"""dsigmoid takes the raw input (sigmoid(x) * (1 - sigmoid(x))) instead of a sigmoid output.

The notebook calls ``dsigmoid(sigmoid(0))`` and ``dsigmoid(f)``: its argument is already a
sigmoid output, so the derivative is ``y * (1 - y)``; applying the sigmoid again gives 0.2350
instead of 0.25.
"""

import numpy as np

TARGET = "dsigmoid"


def dsigmoid(y):
    s = 1 / (1 + np.exp(-y))
    return s * (1 - s)
