"""Write your own gate: a Function subclass with a forward on arrays and a backward on tensors.

What this teaches
  * A gate (cs231n's word) is two methods: ``forward`` computes the output from NumPy
    arrays; ``backward`` turns dL/d(output) into dL/d(input) using Tensor ops.
  * A fused sigmoid: one node instead of four (neg, exp, +1, 1/x), computed without
    overflow, with the local gradient sigma * (1 - sigma) from its own output.
  * A gate with two inputs (hypot = sqrt(a^2 + b^2)) returns a tuple of gradients; the
    engine undoes broadcasting for you.
  * How to trust a new gate: gradcheck (central differences), gradgradcheck (the backward
    is made of tensor ops, so it has a derivative too), hypothesis-generated inputs with
    ``autograd_lite.testing`` -- and what gradcheck says when backward has a bug.

Run it
  python examples/02_custom_function.py --out out/02_custom_function
"""

from __future__ import annotations

import numpy as np

import autograd_lite as al
import visualize

from _common import parse_args, save


class FusedSigmoid(al.Function):
    """y = 1 / (1 + e^-x);  dy/dx = y (1 - y)."""

    label = "fused sigmoid"  # the name drawn on the graph node

    def forward(self, x):
        # e^-|x| never overflows: for x < 0 use the equal form e^x / (1 + e^x).
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)

    def backward(self, grad):
        y = self.output  # the forward result, as a Tensor
        return grad * y * (1.0 - y)


class Hypot(al.Function):
    """h = sqrt(a^2 + b^2);  dh/da = a / h,  dh/db = b / h."""

    def forward(self, a, b):
        return np.hypot(a, b)

    def backward(self, grad):
        a, b = self.inputs  # the input Tensors
        h = self.output
        return grad * a / h, grad * b / h  # one gradient per input


class BuggySigmoid(al.Function):
    """The same gate with a classic slip: the local gradient is y instead of y (1 - y)."""

    def forward(self, x):
        return 1.0 / (1.0 + np.exp(-x))

    def backward(self, grad):
        return grad * self.output


def sigmoid(x):
    return FusedSigmoid.apply(x)


def composite_sigmoid(x):
    return 1.0 / (1.0 + al.exp(-x))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    # 1. It computes the same thing as the composite, with one node instead of four.
    data = rng.normal(size=5)
    print("1. fused sigmoid vs 1 / (1 + exp(-x)) on 5 random numbers")
    results = {}
    for name, fn in (("fused", sigmoid), ("composite", composite_sigmoid)):
        x = al.tensor(data, requires_grad=True, name="x")
        y = fn(x).sum()
        y.name = "sum"
        y.backward(retain_graph=True)  # keep the graph to draw it with its gradients
        results[name] = (y.item(), x.grad.numpy())
        view = visualize.draw_graph(y, title=f"{name} sigmoid")
        print(f"   {name:9s} sigmoid, then sum: {view!r}")
        path = args.out / f"graph_{name}.svg"
        save(view, path)
    (y1, g1), (y2, g2) = results.values()
    print(f"   values agree: {np.isclose(y1, y2)}    gradients agree: {np.allclose(g1, g2)}")
    print(f"   no overflow at x = -1000: sigmoid = {sigmoid(al.tensor(-1000.0)).item()}")

    # 2. gradcheck: analytic gradients against central differences, in float64.
    xd = al.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    a = al.tensor(rng.normal(size=(3, 1)), requires_grad=True)  # broadcast against b
    b = al.tensor(rng.normal(size=(1, 4)), requires_grad=True)
    print("\n2. checks")
    print(f"   gradcheck(FusedSigmoid)     : {al.gradcheck(sigmoid, (xd,))}")
    print(f"   gradgradcheck(FusedSigmoid) : {al.gradgradcheck(sigmoid, (xd,))}")
    print(f"   gradcheck(Hypot), (3,1) with (1,4): {al.gradcheck(Hypot.apply, (a, b))}")
    try:
        al.gradcheck(BuggySigmoid.apply, (xd,))
    except al.GradcheckError as err:
        print(f"   gradcheck(BuggySigmoid) fails, and says where:\n     {err}")

    # 3. Property-based testing: hypothesis draws many arrays (shapes and values away from
    #    kinks), and assert_grad_matches_numeric is gradcheck as an assertion.
    try:
        from hypothesis import given, settings
        from hypothesis import strategies as st

        from autograd_lite.testing import (
            arrays_for_grad,
            assert_grad_matches_numeric,
            broadcastable_shapes,
            shapes,
        )
    except ImportError:
        print("\n3. hypothesis checks skipped: install autograd-lite[test]")
    else:
        n = 10 if args.fast else 100

        @settings(max_examples=n, deadline=None, database=None)
        @given(arrays_for_grad(shape=shapes(max_dims=3)))
        def test_fused_sigmoid(x):
            assert_grad_matches_numeric(sigmoid, x)

        @settings(max_examples=n, deadline=None, database=None)
        @given(broadcastable_shapes(num_shapes=2), st.data())
        def test_hypot(two_shapes, data):
            a = data.draw(arrays_for_grad(shape=two_shapes[0]))
            b = data.draw(arrays_for_grad(shape=two_shapes[1]))
            assert_grad_matches_numeric(Hypot.apply, a, b)

        test_fused_sigmoid()  # calling a @given test runs all its examples
        test_hypot()
        print(f"\n3. hypothesis: {n} random arrays for each gate, all gradients match")

    # 4. A picture of the new gate and its derivative (computed by autograd through it).
    path = args.out / "fused_sigmoid.png"
    visualize.plot_function(sigmoid, (-6, 6), path=path, title="fused sigmoid")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
