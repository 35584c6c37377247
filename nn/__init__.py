"""nn: layers, activations, losses, initialization, optimizers, data and training.

PyTorch's names and shapes, built on autograd_lite, so that what is learned here
carries over: ``nn.Linear(in_features, out_features)`` has ``weight`` of shape
``(out_features, in_features)`` and computes ``x @ weight.T + bias``.
"""

from nn import data, datasets
from nn.serialization import load, save

# -- layers and modules (nn/module.py, linear.py, conv.py, ...) -----------------------

# -- losses, optimizers, training -----------------------------------------------------
