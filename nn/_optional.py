"""The optional packages (pyproject's extras), imported only when a function needs them.

``import nn`` must stay fast and work without PyTorch, ONNX or safetensors installed, so the
functions that hand models to them import them on their first call, through
``import_extra``, whose error says exactly what to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def import_extra(module: str, extra: str, where: str) -> ModuleType:
    """``import module``, or an ImportError naming ``where`` (the function that needs it) and
    the pip command that installs it, e.g. ``pip install -e ".[export,torch]"``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        package = module.split(".")[0]
        raise ImportError(
            f"{where} needs the package {package!r}, which is not installed; install the "
            f'extra: pip install -e ".[{extra}]" (or pip install "autograd-lite[{extra}]")'
        ) from e
