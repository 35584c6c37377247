"""nn: layers, activations, losses, initialization, optimizers, data and training.

PyTorch's names and shapes, built on autograd_lite, so that what is learned here
carries over: ``nn.Linear(in_features, out_features)`` has ``weight`` of shape
``(out_features, in_features)`` and computes ``x @ weight.T + bias``.
"""

import os as _os

from autograd_lite.anomaly import LIBRARY_DIRS as _LIBRARY_DIRS

# -- modules and layers, data, saving ---------------------------------------------------
from nn import data, datasets, functional, init
from nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    Maxout,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from nn.conv import Conv2d
from nn.dropout import Dropout
from nn.linear import Flatten, Identity, Linear
from nn.module import Module, ModuleList, Parameter, Sequential
from nn.normalization import BatchNorm1d, BatchNorm2d
from nn.pooling import AvgPool2d, MaxPool2d
from nn.serialization import load, save

# isort: split

# -- losses, optimizers, training -----------------------------------------------------
from nn import export, optim, utils
from nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    MulticlassSVMLoss,
    MultiMarginLoss,
    NLLLoss,
)
from nn.training import History, evaluate, fit

__all__ = [
    "ELU",
    "GELU",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "History",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Maxout",
    "Module",
    "ModuleList",
    "MultiMarginLoss",
    "MulticlassSVMLoss",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "data",
    "datasets",
    "evaluate",
    "export",
    "fit",
    "functional",
    "init",
    "load",
    "optim",
    "save",
    "utils",
]

# detect_anomaly() should point at the user's line, not at a line inside nn.
_LIBRARY_DIRS.append(_os.path.dirname(__file__) + _os.sep)
