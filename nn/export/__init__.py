"""nn.export: hand a model to the engines people grow into.

- ``to_torch(model)`` / ``from_torch(torch_model)``: the same model as a ``torch.nn.Module``
  (same state_dict keys), to continue on a GPU or with ``DistributedDataParallel``; and back.
- ``to_onnx(model, example_input, path)``: an ONNX file built from the recorded graph of one
  forward pass, for ONNX Runtime, Netron and every serving stack that reads ONNX.

(``nn.save(model, "m.safetensors")`` writes the weights in the safetensors format.)

Importing this package imports neither PyTorch nor ONNX; each function imports what it needs
when called, and says which extra to install if it is missing:
``pip install -e ".[export,torch]"``.
"""

from nn.export.onnx_export import to_onnx
from nn.export.pytorch import from_torch, to_torch

__all__ = ["from_torch", "to_onnx", "to_torch"]
