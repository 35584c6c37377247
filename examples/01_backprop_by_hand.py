"""Backpropagation by hand: the two circuits of the cs231n backprop notes.

What this teaches
  * A computation is a graph of small gates; backward() applies the chain rule gate by
    gate, from the output back to the inputs (each gate only knows its local derivative).
  * The circuit f = (x + y) * z at x = -2, y = 5, z = -4: the add gate passes its
    gradient to both inputs unchanged, the multiply gate swaps its inputs.
  * The 2-D sigmoid neuron f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))): the same graph
    written gate by gate (as drawn in the notes) and with one sigmoid gate, which gives the
    same gradients because d(sigma)/da = sigma * (1 - sigma).
  * Patterns in the backward flow (the notes' circuit 2 * (x*y + max(z, w))): the add gate
    distributes its gradient, the max gate routes it to the larger input only, the
    multiply gate swaps its inputs' values.
  * gradcheck confirms every gradient with central differences.

Run it
  python examples/01_backprop_by_hand.py --out out/01_backprop_by_hand
and open circuit_steps.html in a browser to step through the backward pass.
"""

from __future__ import annotations

import math
from pathlib import Path

import autograd_lite as al
import visualize

from _common import parse_args, save


def circuit_add_mul(out: Path) -> None:
    print("1. f(x, y, z) = (x + y) * z   at x = -2, y = 5, z = -4")
    x = al.tensor(-2.0, requires_grad=True, name="x")
    y = al.tensor(5.0, requires_grad=True, name="y")
    z = al.tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    # retain_graph=True keeps the graph (and each gate's gradient) so we can draw it.
    f.backward(retain_graph=True)

    print(f"   forward : q = x + y = {q.item():g}    f = q * z = {f.item():g}")
    print("   backward: df/dq = z = -4      df/dz = q = 3")
    print("             df/dx = df/dq * dq/dx = -4 * 1 = -4   (the add gate copies)")
    print(
        f"   autograd: df/dx = {x.grad.item():g}, df/dy = {y.grad.item():g}, "
        f"df/dz = {z.grad.item():g}"
    )

    ok = al.gradcheck(lambda x, y, z: (x + y) * z, (x, y, z))
    print(f"   gradcheck (central differences): {'passed' if ok else 'FAILED'}")

    save(visualize.draw_graph(f, title="f = (x + y) * z"), out / "circuit_add_mul.svg")
    # One frame per gate, in the order backward visits them: the cs231n figure, animated.
    save(visualize.backward_steps(f), out / "circuit_steps.html")


def neuron_gate_by_gate(w0, x0, w1, x1, w2):
    """The neuron as the notes draw it: *, *, +, +, *-1, exp, +1, 1/x."""
    dot = w0 * x0 + w1 * x1 + w2
    return 1.0 / (1.0 + al.exp(-dot))


def neuron_one_gate(w0, x0, w1, x1, w2):
    """The same neuron with sigmoid as a single gate."""
    return al.sigmoid(w0 * x0 + w1 * x1 + w2)


def sigmoid_neuron(out: Path) -> None:
    print("\n2. sigmoid neuron f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    print("   at w = [2, -3, -3], x = [-1, -2]")
    names = ["w0", "x0", "w1", "x1", "w2"]
    values = [2.0, -1.0, -3.0, -2.0, -3.0]

    for label, neuron, file in [
        ("gate by gate", neuron_gate_by_gate, "neuron_gates.svg"),
        ("one sigmoid gate", neuron_one_gate, "neuron_sigmoid.svg"),
    ]:
        inputs = [al.tensor(v, requires_grad=True, name=n) for n, v in zip(names, values)]
        f = neuron(*inputs)
        f.name = "f"
        f.backward(retain_graph=True)
        grads = "  ".join(f"d{n} = {t.grad.item():+.3f}" for n, t in zip(names, inputs))
        print(f"   {label:17s} f = {f.item():.4f}   {grads}")
        save(visualize.draw_graph(f, title=f"sigmoid neuron, {label}"), out / file)
        if neuron is neuron_gate_by_gate:
            save(visualize.backward_steps(f), out / "neuron_steps.html")

    # The shortcut the notes point out: the sigmoid's local gradient is (1 - f) * f.
    dot = 2.0 * -1.0 + -3.0 * -2.0 + -3.0  # w0*x0 + w1*x1 + w2 = 1
    f = 1.0 / (1.0 + math.exp(-dot))
    local = (1.0 - f) * f
    print(f"   by hand: dot = {dot:g}, f = {f:.4f}, local gradient (1 - f) * f = {local:.4f}")
    print(
        f"            then dw0 = {local:.3f} * x0 = {local * -1:.3f}, "
        f"dx0 = {local:.3f} * w0 = {local * 2:.3f}  (the multiply gates swap)"
    )

    inputs = [al.tensor(v, requires_grad=True, dtype="float64") for v in values]
    ok = al.gradcheck(neuron_gate_by_gate, inputs) and al.gradcheck(neuron_one_gate, inputs)
    print(f"   gradcheck of both versions: {'passed' if ok else 'FAILED'}")


def backward_patterns(out: Path) -> None:
    print("\n3. patterns in backward flow: f = 2 * (x*y + max(z, w))  at x=3, y=-4, z=2, w=-1")
    x, y, z, w = (
        al.tensor(v, requires_grad=True, name=n) for n, v in zip("xyzw", (3.0, -4.0, 2.0, -1.0))
    )
    f = 2.0 * (x * y + al.maximum(z, w))
    f.name = "f"
    f.backward(retain_graph=True)
    print(f"   f = {f.item():g}; the final '* 2' sends a gradient of 2 into the add gate")
    print("   add  distributes: x*y and max(z, w) both get 2")
    print(f"   max  routes     : dz = {z.grad.item():g} (z was larger), dw = {w.grad.item():g}")
    print(f"   mul  swaps      : dx = 2 * y = {x.grad.item():g}, dy = 2 * x = {y.grad.item():g}")
    save(visualize.draw_graph(f, title="f = 2 * (x*y + max(z, w))"), out / "gate_patterns.svg")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    circuit_add_mul(args.out)
    sigmoid_neuron(args.out)
    backward_patterns(args.out)


if __name__ == "__main__":
    main()
