"""Write docs/_inv/numpy.inv and docs/_inv/torch.inv: Sphinx inventories (objects.inv,
format version 2) of the NumPy and PyTorch names these docs link to.

    python docs/_inv/make_inventories.py

Why: Sphinx's intersphinx downloads each project's objects.inv when the site is built, and
the build machine and CI have no network beyond the package registries. These small files
stand in for the downloads; each entry's address is the page on numpy.org or pytorch.org,
so the links in the built site go to the real documentation. Add a name here (and rerun)
when a page links to one that is missing: the build's nitpicky mode reports it.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (role, page relative to the project's base URL); "#$" anchors at the name.
NUMPY = {
    "numpy.ndarray": ("py:class", "reference/generated/numpy.ndarray.html#$"),
    "numpy.dtype": ("py:class", "reference/generated/numpy.dtype.html#$"),
    "numpy.random.Generator": ("py:class", "reference/random/generator.html#$"),
    "numpy.random.default_rng": ("py:function", "reference/random/generator.html#$"),
    "numpy.einsum": ("py:function", "reference/generated/numpy.einsum.html#$"),
    "numpy.exp": ("py:data", "reference/generated/numpy.exp.html#$"),
    "numpy.dot": ("py:function", "reference/generated/numpy.dot.html#$"),
    "numpy.float32": ("py:attribute", "reference/arrays.scalars.html#$"),
    "numpy.float64": ("py:attribute", "reference/arrays.scalars.html#$"),
    "numpy.int64": ("py:attribute", "reference/arrays.scalars.html#$"),
    "numpy.lib.mixins.NDArrayOperatorsMixin": (
        "py:class",
        "reference/generated/numpy.lib.mixins.NDArrayOperatorsMixin.html#$",
    ),
}

TORCH = {
    "torch.Tensor": ("py:class", "tensors.html#$"),
    "torch.nn.Module": ("py:class", "generated/torch.nn.Module.html#$"),
    "torch.autograd.grad": ("py:function", "generated/torch.autograd.grad.html#$"),
    "torch.autograd.Function": ("py:class", "autograd.html#$"),
    "torch.autograd.gradcheck.gradcheck": (
        "py:function",
        "generated/torch.autograd.gradcheck.gradcheck.html#$",
    ),
    "torch.autograd.forward_ad.make_dual": (
        "py:function",
        "generated/torch.autograd.forward_ad.make_dual.html#$",
    ),
    "torch.func.grad": ("py:function", "generated/torch.func.grad.html#$"),
    "torch.func.jvp": ("py:function", "generated/torch.func.jvp.html#$"),
    "torch.func.vjp": ("py:function", "generated/torch.func.vjp.html#$"),
    "torch.func.jacrev": ("py:function", "generated/torch.func.jacrev.html#$"),
    "torch.func.jacfwd": ("py:function", "generated/torch.func.jacfwd.html#$"),
    "torch.func.hessian": ("py:function", "generated/torch.func.hessian.html#$"),
    "torch.optim.SGD": ("py:class", "generated/torch.optim.SGD.html#$"),
    "torch.optim.Adam": ("py:class", "generated/torch.optim.Adam.html#$"),
    "torch.utils.data.DataLoader": ("py:class", "data.html#$"),
    "torch.utils.data.Dataset": ("py:class", "data.html#$"),
    "torch.nn.Linear": ("py:class", "generated/torch.nn.Linear.html#$"),
    "torch.nn.Conv2d": ("py:class", "generated/torch.nn.Conv2d.html#$"),
    "torch.nn.CrossEntropyLoss": ("py:class", "generated/torch.nn.CrossEntropyLoss.html#$"),
    "torch.nn.functional.cross_entropy": (
        "py:function",
        "generated/torch.nn.functional.cross_entropy.html#$",
    ),
    "torch.onnx.export": ("py:function", "onnx_torchscript.html#$"),
}


def inventory(project: str, version: str, entries: dict[str, tuple[str, str]]) -> bytes:
    """The bytes of an objects.inv (version 2): a plain header, then zlib-compressed lines
    ``name domain:role priority uri dispname`` (``-`` means the display name is the name)."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, (role, uri) in sorted(entries.items()))
    return header.encode() + zlib.compress(body.encode())


def main() -> None:
    for name, project, version, entries in [
        ("numpy.inv", "NumPy", "2.3", NUMPY),
        ("torch.inv", "PyTorch", "2.13", TORCH),
    ]:
        (HERE / name).write_bytes(inventory(project, version, entries))
        print(f"{name}: {len(entries)} names")


if __name__ == "__main__":
    main()
