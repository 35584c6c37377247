"""A two-minute tour of the engine: ``python -m autograd_lite``.

It runs the two circuits of the cs231n backprop notes and prints every value and
gradient, then checks them numerically.
"""

from __future__ import annotations

import autograd_lite as al


def main() -> None:
    print("1. f(x, y, z) = (x + y) * z  at x = -2, y = 5, z = -4")
    x = al.tensor(-2.0, requires_grad=True, name="x")
    y = al.tensor(5.0, requires_grad=True, name="y")
    z = al.tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    f = q * z
    f.backward()
    print(f"   forward:  q = x + y = {q.item():g},  f = q * z = {f.item():g}")
    print(
        f"   backward: df/dx = {x.grad.item():g}, df/dy = {y.grad.item():g}, "
        f"df/dz = {z.grad.item():g}"
    )

    print("\n2. a sigmoid neuron  f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    w = al.tensor([2.0, -3.0, -3.0], requires_grad=True, dtype="float64")
    xs = al.tensor([-1.0, -2.0], requires_grad=True, dtype="float64")

    def neuron(w: al.Tensor, xs: al.Tensor) -> al.Tensor:
        return al.sigmoid(w[0] * xs[0] + w[1] * xs[1] + w[2])

    out = neuron(w, xs)
    out.backward()
    print(f"   forward:  f = {out.item():.4f}")
    print(f"   backward: dw = {w.grad.numpy().round(3)}, dx = {xs.grad.numpy().round(3)}")
    ok = al.gradcheck(neuron, (w, xs))
    print(f"   gradcheck against central differences: {'passed' if ok else 'FAILED'}")


if __name__ == "__main__":
    main()
