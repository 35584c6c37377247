"""An L-layer neural network, step by step (the deep-learning specialization, course 1).

What this teaches
  * The course's notation, with raw tensors: examples are COLUMNS.
        X: (n[0], m)    W[l]: (n[l], n[l-1])    b[l]: (n[l], 1)
        Z[l] = W[l] A[l-1] + b[l]        A[l] = g(Z[l])      (b broadcasts over the m columns)
  * The forward pass keeps a cache (A[l-1], Z[l]) per layer; the backward pass uses it:
        dZ[l] = dA[l] * g'(Z[l])     dW[l] = dZ[l] A[l-1].T / m
        db[l] = sum over columns of dZ[l] / m      dA[l-1] = W[l].T dZ[l]
    Written by hand here, and checked against autograd's gradients.
  * Gradient descent: W[l] -= lr * dW[l], b[l] -= lr * db[l].
  * The same network with nn.Sequential (examples as ROWS, Linear.weight (n[l], n[l-1]) is
    the same matrix): same loss and same gradients.

Run it
  python examples/04_deep_network_step_by_step.py --out out/04_deep_network_step_by_step
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import nn
import visualize

from _common import parse_args, savefig

LAYER_DIMS = [2, 20, 7, 5, 1]  # n[0] inputs, three hidden layers, one output unit


def initialize_parameters_deep(layer_dims: list[int], rng: np.random.Generator) -> dict:
    """W[l] ~ N(0, 1) / sqrt(n[l-1]) (as in the course's assignment), b[l] = 0."""
    params = {}
    for l in range(1, len(layer_dims)):
        w = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
        params[f"W{l}"] = al.tensor(w, requires_grad=True)
        params[f"b{l}"] = al.zeros(layer_dims[l], 1, requires_grad=True)
    return params


def L_model_forward(X: al.Tensor, params: dict, verbose: bool = False):
    """[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID. Returns AL (1, m) and the caches."""
    L = len(params) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = W @ A + b
        if verbose:  # the dimension check the course asks you to do on paper
            print(
                f"   Z[{l}] = W[{l}] {W.shape} @ A[{l - 1}] {A.shape} + b[{l}] {b.shape}"
                f" -> {Z.shape}"
            )
        caches.append((A, Z))  # what backward needs: the layer's input and its Z
        A = al.relu(Z) if l < L else al.sigmoid(Z)
    return A, caches


def compute_cost(AL: al.Tensor, Y: al.Tensor) -> al.Tensor:
    """Cross-entropy: J = -1/m * sum(Y log AL + (1 - Y) log(1 - AL))."""
    m = Y.shape[1]
    return -(Y * al.log(AL) + (1 - Y) * al.log(1 - AL)).sum() / m


def L_model_backward(AL, Y, caches, params) -> dict:
    """The course's backward pass, by hand, on arrays (no autograd here)."""
    AL, Y = AL.numpy(), Y.numpy()
    m, L = Y.shape[1], len(caches)
    grads = {}
    dA = -(Y / AL - (1 - Y) / (1 - AL))  # dJ/dAL (times m; the 1/m is in dW and db)
    for l in range(L, 0, -1):
        A_prev, Z = (t.numpy() for t in caches[l - 1])
        if l == L:
            s = 1 / (1 + np.exp(-Z))
            dZ = dA * s * (1 - s)  # sigmoid'(Z)
        else:
            dZ = dA * (Z > 0)  # relu'(Z)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = params[f"W{l}"].numpy().T @ dZ
    return grads


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    al.set_default_dtype(np.float64)  # so "the same" below means equal to ~1e-15
    rng = np.random.default_rng(args.seed)

    data, labels = nn.datasets.moons(n=300, noise=0.25, seed=args.seed)
    X = al.tensor(data.T)  # (n[0], m): one example per column, as in the course
    Y = al.tensor(labels.reshape(1, -1).astype(np.float64))  # (1, m)
    print(f"1. data: X {X.shape} (features x examples), Y {Y.shape}")

    params = initialize_parameters_deep(LAYER_DIMS, rng)
    print("\n2. parameters: " + "  ".join(f"{k} {v.shape}" for k, v in params.items()))

    print("\n3. one forward pass, with its dimension checks")
    AL, caches = L_model_forward(X, params, verbose=True)
    cost = compute_cost(AL, Y)
    print(f"   cost at initialization: {cost.item():.6f} (log 2 = {np.log(2):.6f})")

    print("\n4. backward by hand (from the caches) vs autograd (cost.backward())")
    grads = L_model_backward(AL, Y, caches, params)
    cost.backward()
    for l in range(1, len(LAYER_DIMS)):
        dW = np.abs(grads[f"dW{l}"] - params[f"W{l}"].grad.numpy()).max()
        db = np.abs(grads[f"db{l}"] - params[f"b{l}"].grad.numpy()).max()
        print(f"   layer {l}: max |dW by hand - autograd| = {dW:.1e}   db: {db:.1e}")

    print("\n5. gradient descent")
    lr, iterations = 0.3, 500 if args.fast else 2500
    costs = []
    for i in range(iterations + 1):
        AL, _ = L_model_forward(X, params)
        cost = compute_cost(AL, Y)
        for p in params.values():
            p.grad = None  # gradients accumulate: clear them before each backward
        cost.backward()
        with al.no_grad():  # the update itself must not be recorded
            for p in params.values():
                p -= lr * p.grad
        costs.append(cost.item())
        if i % (iterations // 5) == 0:
            accuracy = ((AL.numpy() > 0.5) == Y.numpy()).mean()
            print(f"   cost after iteration {i:4d}: {cost.item():.4f}   accuracy {accuracy:.3f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(costs)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title(f"L-layer network {LAYER_DIMS}, learning rate {lr}")
    ax.grid(alpha=0.3)
    savefig(fig, args.out / "cost.png")

    def predict(rows: al.Tensor) -> al.Tensor:
        # plot_decision_boundary sends examples as rows and reads "> 0" as class 1.
        return L_model_forward(rows.T, params)[0].T - 0.5

    path = args.out / "decision_boundary.png"
    visualize.plot_decision_boundary(predict, data, labels, path=path)
    print(f"wrote {path}")

    print("\n6. the same network with nn.Sequential (examples as rows)")
    model = nn.Sequential(
        nn.Linear(2, 20),
        nn.ReLU(),
        nn.Linear(20, 7),
        nn.ReLU(),
        nn.Linear(7, 5),
        nn.ReLU(),
        nn.Linear(5, 1),
        nn.Sigmoid(),
    )
    # Linear.weight is (n[l], n[l-1]) too, so W[l] copies over as it is; b[l] is flattened.
    # The Linear layers are children 0, 2, 4, 6 (the activations sit between them).
    state = {}
    for l in range(1, len(LAYER_DIMS)):
        state[f"{2 * (l - 1)}.weight"] = params[f"W{l}"].numpy()
        state[f"{2 * (l - 1)}.bias"] = params[f"b{l}"].numpy().reshape(-1)
    model.load_state_dict(state)

    loss = nn.BCELoss()(model(X.T), Y.T)  # X.T: (m, n[0]), one example per row
    loss.backward()
    AL, _ = L_model_forward(X, params)
    cost = compute_cost(AL, Y)
    for p in params.values():
        p.grad = None
    cost.backward()
    print(f"   raw tensors cost {cost.item():.10f}   nn.Sequential loss {loss.item():.10f}")
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for l, layer in enumerate(linears, start=1):
        dW = np.abs(layer.weight.grad.numpy() - params[f"W{l}"].grad.numpy()).max()
        db = np.abs(layer.bias.grad.numpy() - params[f"b{l}"].grad.numpy().ravel()).max()
        print(
            f"   layer {l}: Linear.weight.grad {layer.weight.shape} vs W{l}.grad: max diff "
            f"{dW:.1e}; bias: {db:.1e}"
        )


if __name__ == "__main__":
    main()
