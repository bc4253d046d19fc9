"""dtanh takes the raw input (1 - tanh(x)**2) instead of a tanh output (1 - y**2).

The notebook calls ``dtanh(tanh(...))`` and ``dtanh(C_bar)``: its argument is already a tanh
output, so applying tanh again gives dtanh(tanh(0.25)) = 0.94233 instead of 0.94001.
"""

import numpy as np

TARGET = "dtanh"


def dtanh(y):
    return 1 - np.tanh(y) ** 2
