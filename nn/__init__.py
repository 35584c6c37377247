"""nn: layers, activations, losses, initialization, optimizers, data and training.

PyTorch's names and shapes, built on autograd_lite, so that what is learned here
carries over: ``nn.Linear(in_features, out_features)`` has ``weight`` of shape
``(out_features, in_features)`` and computes ``x @ weight.T + bias``.
"""

import os as _os

from autograd_lite.function import LIBRARY_DIRS as _LIBRARY_DIRS
from nn import data, datasets
from nn.serialization import load, save

# detect_anomaly() should point at the user's line, not at a line inside nn.
_LIBRARY_DIRS.append(_os.path.dirname(__file__) + _os.sep)

# -- layers and modules (nn/module.py, linear.py, conv.py, ...) -----------------------

# -- losses, optimizers, training -----------------------------------------------------
