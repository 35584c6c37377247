"""PyTorch's beginner material, run with only the imports changed.

Each snippet below is code from "Learn the Basics", "Learning PyTorch with Examples" or the
60-minute blitz (pytorch.org/tutorials), written once as a function of the modules it
imports -- ``torch``, ``nn`` (torch.nn), ``optim`` (torch.optim), ``data``
(torch.utils.data), ``F`` (torch.nn.functional) -- and run twice: with PyTorch's modules and
with ours (``autograd_lite``, ``nn``, ``nn.optim``, ``nn.data``, ``nn.functional``). Random
inputs and initial weights come from NumPy (``A(...)``, ``init(...)``) so both runs see the
same numbers. Each snippet returns what a learner would print; the test compares values,
shapes, dtypes and gradients with PyTorch's when torch is installed, and otherwise checks
that ours runs.

The differences on purpose (README, "Coming from PyTorch") are left out here and tested in
test_pytorch_habits.py: ``torch.autograd.Function``'s ctx API, ``.data`` being an ndarray,
``.pt`` files.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
import nn as al_nn

try:
    import torch as _torch
except ImportError:  # the comparison needs torch; the snippets run without it
    _torch = None

OURS = SimpleNamespace(torch=al, nn=al_nn, optim=al_nn.optim, data=al_nn.data, F=al_nn.functional)


def _theirs() -> SimpleNamespace:
    import torch.nn.functional
    import torch.utils.data

    return SimpleNamespace(
        torch=_torch,
        nn=_torch.nn,
        optim=_torch.optim,
        data=_torch.utils.data,
        F=torch.nn.functional,
    )


def A(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """Deterministic float32 normal samples: the same inputs for both libraries."""
    rng = np.random.default_rng([seed, *shape])
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def init(model: Any, torch: Any, scale: float = 0.3) -> Any:
    """Give every parameter deterministic values (in place, as a user would)."""
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(A(*p.shape, seed=100 + i, scale=scale)))
    return model


SNIPPETS = []


def snippet(fn):
    SNIPPETS.append(fn)
    return fn


# ---------------------------------------------------------------------------------------
# Learn the Basics: Tensors


@snippet
def basics_tensor_from_data(torch, nn, optim, data, F):
    d = [[1, 2], [3, 4]]
    x_data = torch.tensor(d)
    x_np = torch.from_numpy(np.array(d))
    return {"x_data": x_data, "x_np": x_np, "dtype": x_data.dtype}


@snippet
def basics_like(torch, nn, optim, data, F):
    x_data = torch.tensor([[1, 2], [3, 4]])
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    return {"x_ones": x_ones, "rand_shape": tuple(x_rand.shape), "rand_dtype": x_rand.dtype}


@snippet
def basics_shapes(torch, nn, optim, data, F):
    shape = (2, 3)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    return {
        "rand": (tuple(rand_tensor.shape), rand_tensor.dtype),
        "ones": ones_tensor,
        "zeros": zeros_tensor,
    }


@snippet
def basics_attributes(torch, nn, optim, data, F):
    tensor = torch.rand(3, 4)
    return {
        "shape": tuple(tensor.shape),
        "dtype": tensor.dtype,
        "device": str(tensor.device),
        "same": tensor.device == torch.device("cpu"),
    }


@snippet
def basics_device_choice(torch, nn, optim, data, F):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tensor = torch.tensor(A(2, 2)).to(device)
    model = init(nn.Linear(2, 3), torch).to(device)
    return {"device": device, "out": model(tensor), "where": str(tensor.device)}


@snippet
def basics_indexing(torch, nn, optim, data, F):
    tensor = torch.ones(4, 4)
    tensor[:, 1] = 0
    return {
        "first_row": tensor[0],
        "first_column": tensor[:, 0],
        "last_column": tensor[..., -1],
        "tensor": tensor,
    }


@snippet
def basics_cat(torch, nn, optim, data, F):
    tensor = torch.tensor(A(4, 4))
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    t2 = torch.stack([tensor, tensor], dim=0)
    return {"t1": t1, "t2": t2}


@snippet
def basics_arithmetic(torch, nn, optim, data, F):
    tensor = torch.tensor(A(4, 4))
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    return {"y1": y1, "y2": y2, "z1": z1, "z2": z2}


@snippet
def basics_single_element(torch, nn, optim, data, F):
    tensor = torch.tensor(A(4, 4))
    agg = tensor.sum()
    agg_item = agg.item()
    return {"agg": agg, "item": agg_item, "type": type(agg_item).__name__}


@snippet
def basics_inplace(torch, nn, optim, data, F):
    tensor = torch.tensor(A(4, 4))
    tensor.add_(5)
    tensor.mul_(2)
    return {"tensor": tensor}


@snippet
def basics_bridge_tensor_to_numpy(torch, nn, optim, data, F):
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    return {"t": t, "n": n.copy()}


@snippet
def basics_bridge_numpy_to_tensor(torch, nn, optim, data, F):
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    return {"t": t, "n": n.copy()}


# ---------------------------------------------------------------------------------------
# Learn the Basics: Datasets & DataLoaders


def _custom_dataset(data, torch, kind):
    X, Y = A(10, 3, seed=1), np.arange(10) % 3

    class CustomDataset(data.Dataset):
        def __len__(self):
            return len(X)

        def __getitem__(self, idx):
            x = torch.tensor(X[idx])
            if kind == "x":
                return x
            if kind == "dict":
                return {"x": x, "label": int(Y[idx])}
            return x, int(Y[idx])

    return CustomDataset()


@snippet
def data_custom_dataset_pairs(torch, nn, optim, data, F):
    loader = data.DataLoader(_custom_dataset(data, torch, "pair"), batch_size=4, shuffle=False)
    batches = list(loader)
    features, labels = batches[0]
    return {"n": len(batches), "features": features, "labels": labels, "last": batches[-1]}


@snippet
def data_custom_dataset_bare_samples(torch, nn, optim, data, F):
    loader = data.DataLoader(_custom_dataset(data, torch, "x"), batch_size=5)
    model = init(nn.Linear(3, 1), torch)
    return {"batches": list(loader), "pred": model(next(iter(loader))).squeeze(1)}


@snippet
def data_custom_dataset_dicts(torch, nn, optim, data, F):
    loader = data.DataLoader(_custom_dataset(data, torch, "dict"), batch_size=3, drop_last=True)
    return {"batches": list(loader), "len": len(loader)}


@snippet
def data_default_batch_size_is_one(torch, nn, optim, data, F):
    loader = data.DataLoader(_custom_dataset(data, torch, "pair"))
    first = next(iter(loader))
    return {"len": len(loader), "first": first}


@snippet
def data_shuffled_batch_shapes(torch, nn, optim, data, F):
    loader = data.DataLoader(_custom_dataset(data, torch, "pair"), batch_size=4, shuffle=True)
    train_features, train_labels = next(iter(loader))
    return {"shapes": (tuple(train_features.size()), tuple(train_labels.size()))}


@snippet
def data_tensor_dataset(torch, nn, optim, data, F):
    ds = data.TensorDataset(torch.tensor(A(7, 2)), torch.arange(7))
    loader = data.DataLoader(ds, batch_size=3)
    return {"len": len(ds), "item": ds[2], "batches": list(loader)}


@snippet
def data_random_split_and_subset(torch, nn, optim, data, F):
    ds = data.TensorDataset(torch.tensor(A(10, 2)), torch.arange(10))
    train, val = data.random_split(ds, [0.8, 0.2])
    sub = data.Subset(ds, [1, 3, 5])
    return {"lengths": (len(train), len(val)), "sub": list(data.DataLoader(sub, batch_size=3))}


@snippet
def data_batch_sampler(torch, nn, optim, data, F):
    sampler = data.BatchSampler(data.SequentialSampler(range(10)), batch_size=3, drop_last=False)
    return {"batches": list(sampler), "len": len(sampler)}


@snippet
def data_default_collate(torch, nn, optim, data, F):
    from_numbers = data.default_collate([1.5, 2.5])
    from_ints = data.default_collate([1, 2, 3])
    nested = data.default_collate([(np.ones(2, np.float32), 1), (np.zeros(2, np.float32), 0)])
    return {"floats": from_numbers, "ints": from_ints, "nested": nested}


@snippet
def data_one_hot_target(torch, nn, optim, data, F):
    y = torch.tensor([0, 3, 1])
    return {"one_hot": F.one_hot(y, num_classes=5), "auto": F.one_hot(y)}


# ---------------------------------------------------------------------------------------
# Learn the Basics: Build the Neural Network


def _neural_network(nn):
    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(6 * 6, 16),
                nn.ReLU(),
                nn.Linear(16, 16),
                nn.ReLU(),
                nn.Linear(16, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    return NeuralNetwork()


@snippet
def model_predict(torch, nn, optim, data, F):
    model = init(_neural_network(nn), torch)
    X = torch.tensor(A(1, 6, 6, seed=2))
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    return {"logits": logits, "probab": pred_probab, "y_pred": y_pred}


@snippet
def model_layers(torch, nn, optim, data, F):
    input_image = torch.tensor(A(3, 6, 6, seed=3))
    flat_image = nn.Flatten()(input_image)
    layer1 = init(nn.Linear(in_features=6 * 6, out_features=20), torch)
    hidden1 = layer1(flat_image)
    return {"flat": tuple(flat_image.size()), "hidden": hidden1, "relu": nn.ReLU()(hidden1)}


@snippet
def model_named_parameters(torch, nn, optim, data, F):
    model = _neural_network(nn)
    return {
        "names": [name for name, _ in model.named_parameters()],
        "sizes": [tuple(param.size()) for _, param in model.named_parameters()],
        "state_keys": list(model.state_dict()),
    }


# ---------------------------------------------------------------------------------------
# Learn the Basics: Autograd


@snippet
def autograd_bce_logits(torch, nn, optim, data, F):
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.tensor(A(5, 3, seed=4), requires_grad=True)
    b = torch.tensor(A(3, seed=5), requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = F.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    return {"loss": loss, "w.grad": w.grad, "b.grad": b.grad}


@snippet
def autograd_disable_tracking(torch, nn, optim, data, F):
    x, w = torch.ones(5), torch.tensor(A(5, 3), requires_grad=True)
    z = torch.matmul(x, w)
    before = z.requires_grad
    with torch.no_grad():
        z = torch.matmul(x, w)
    z_det = torch.matmul(x, w).detach()
    return {"before": before, "no_grad": z.requires_grad, "detached": z_det.requires_grad}


@snippet
def autograd_jacobian_product(torch, nn, optim, data, F):
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out))
    second = inp.grad.clone()
    inp.grad.zero_()
    out2 = (inp + 1).pow(2).t()
    out2.backward(torch.ones_like(out2))
    return {"first": first, "second": second, "after_zero": inp.grad}


# ---------------------------------------------------------------------------------------
# Learn the Basics: Optimization loop


def _loops(torch, nn, optim, steps=3):
    model = init(_neural_network(nn), torch)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=1e-1)
    X, y = torch.tensor(A(8, 6, 6, seed=6)), torch.tensor(np.arange(8) % 10)
    losses = []
    model.train()
    for _ in range(steps):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return model, loss_fn, X, y, losses


@snippet
def optimization_train_loop(torch, nn, optim, data, F):
    model, _, _, _, losses = _loops(torch, nn, optim)
    return {"losses": losses, "weight": model.linear_relu_stack[0].weight}


@snippet
def optimization_test_loop(torch, nn, optim, data, F):
    model, loss_fn, X, y, _ = _loops(torch, nn, optim)
    model.eval()
    size = len(X)
    test_loss, correct = 0, 0
    with torch.no_grad():
        pred = model(X)
        test_loss += loss_fn(pred, y).item()
        correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return {"loss": test_loss, "accuracy": correct / size}


@snippet
def optimization_state_dict_round_trip(torch, nn, optim, data, F):
    model = init(_neural_network(nn), torch)
    model2 = _neural_network(nn)
    model2.load_state_dict(model.state_dict())
    X = torch.tensor(A(2, 6, 6, seed=7))
    return {"same": torch.allclose(model(X), model2(X)), "out": model2(X)}


# ---------------------------------------------------------------------------------------
# Learning PyTorch with Examples: the third-order polynomial fit of sin(x)


def _poly_data(torch, dtype):
    x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype)
    y = torch.sin(x)
    return x, y


@snippet
def examples_tensors_manual_gradients(torch, nn, optim, data, F):
    dtype = torch.float
    x, y = _poly_data(torch, dtype)
    a, b, c, d = (torch.tensor(v, dtype=dtype) for v in A(4, seed=8) * 0.1)
    learning_rate = 1e-5
    for _ in range(20):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return {"loss": loss, "coefficients": [a, b, c, d]}


@snippet
def examples_autograd(torch, nn, optim, data, F):
    dtype = torch.float
    x, y = _poly_data(torch, dtype)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in A(4, seed=9) * 0.1)
    learning_rate = 1e-5
    for _ in range(20):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return {"loss": loss, "result": [a.item(), b.item(), c.item(), d.item()]}


@snippet
def examples_nn_module(torch, nn, optim, data, F):
    x, y = _poly_data(torch, torch.float)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = init(nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)), torch)
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for _ in range(20):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    return {
        "xx": xx,
        "loss": loss.item(),
        "bias": linear_layer.bias.item(),
        "w0": linear_layer.weight[:, 0].item(),
    }


@snippet
def examples_optim_rmsprop(torch, nn, optim, data, F):
    x, y = _poly_data(torch, torch.float)
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    model = init(nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)), torch)
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = optim.RMSprop(model.parameters(), lr=1e-3)
    for _ in range(20):
        loss = loss_fn(model(xx), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"loss": loss.item(), "weight": model[0].weight}


@snippet
def examples_custom_module(torch, nn, optim, data, F):
    class Polynomial3(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.tensor(0.1))
            self.b = nn.Parameter(torch.tensor(-0.2))
            self.c = nn.Parameter(torch.tensor(0.05))
            self.d = nn.Parameter(torch.tensor(0.01))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self):
            return f"y = {self.a.item():.4f} + {self.b.item():.4f} x"

    x, y = _poly_data(torch, torch.float)
    model = Polynomial3()
    criterion = nn.MSELoss(reduction="sum")
    optimizer = optim.SGD(model.parameters(), lr=1e-6)
    for _ in range(20):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"loss": loss, "string": model.string(), "n_params": len(list(model.parameters()))}


@snippet
def examples_dynamic_net(torch, nn, optim, data, F):
    class DynamicNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.tensor(0.1))
            self.b = nn.Parameter(torch.tensor(0.2))
            self.e = nn.Parameter(torch.tensor(0.01))

        def forward(self, x, depth):
            y = self.a + self.b * x
            for exp in range(4, depth):
                y = y + self.e * x**exp
            return y

    x, y = _poly_data(torch, torch.float)
    model = DynamicNet()
    optimizer = optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for depth in (4, 5, 6, 5):
        loss = nn.MSELoss(reduction="sum")(model(x, depth), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"loss": loss, "e": model.e}


# ---------------------------------------------------------------------------------------
# The 60-minute blitz: tensors


@snippet
def blitz_construct(torch, nn, optim, data, F):
    x = torch.empty(5, 3)
    z = torch.zeros(5, 3, dtype=torch.long)
    t = torch.tensor([5.5, 3])
    o = t.new_ones(5, 3, dtype=torch.double)
    r = torch.randn_like(o, dtype=torch.float)
    return {"empty": tuple(x.shape), "zeros": z, "t": t, "o": o, "r": (r.dtype, r.size())}


@snippet
def blitz_operations(torch, nn, optim, data, F):
    x, y = torch.tensor(A(5, 3, seed=10)), torch.tensor(A(5, 3, seed=11))
    s1 = x + y
    s2 = torch.add(x, y)
    y.add_(x)
    return {"s1": s1, "s2": s2, "y": y, "column": x[:, 1]}


@snippet
def blitz_view(torch, nn, optim, data, F):
    x = torch.tensor(A(4, 4, seed=12))
    y = x.view(16)
    z = x.view(-1, 8)
    return {"sizes": (tuple(x.size()), tuple(y.size()), tuple(z.size())), "z": z}


@snippet
def blitz_item(torch, nn, optim, data, F):
    x = torch.tensor(A(1, seed=13))
    return {"item": x.item(), "float": float(x)}


@snippet
def blitz_numpy_bridge(torch, nn, optim, data, F):
    a = torch.ones(5)
    b = a.numpy()
    a.add_(1)
    c = np.ones(5)
    d = torch.from_numpy(c)
    np.add(c, 1, out=c)
    return {"a": a, "b": b.copy(), "d": d}


# ---------------------------------------------------------------------------------------
# The 60-minute blitz: autograd


@snippet
def blitz_autograd_mean(torch, nn, optim, data, F):
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    return {"has_grad_fn": y.grad_fn is not None, "z": z, "out": out, "x.grad": x.grad}


@snippet
def blitz_autograd_external_grad(torch, nn, optim, data, F):
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    return {"a": 9 * a**2 == a.grad, "b": -2 * b == b.grad, "Q": Q}


@snippet
def blitz_requires_grad_(torch, nn, optim, data, F):
    a = torch.tensor(A(2, 2, seed=14))
    a = (a * 3) / (a - 1)
    before = a.requires_grad
    a.requires_grad_(True)
    b = (a * a).sum()
    return {"before": before, "after": a.requires_grad, "b": b, "fn": b.grad_fn is not None}


@snippet
def blitz_exclusion_from_dag(torch, nn, optim, data, F):
    x, y = torch.rand(5, 5), torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    b = x + z
    return {"a": a.requires_grad, "b": b.requires_grad}


@snippet
def blitz_finetune_frozen(torch, nn, optim, data, F):
    model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), torch)
    for param in model.parameters():
        param.requires_grad = False
    model[2] = init(nn.Linear(8, 2), torch)
    optimizer = optim.SGD(model[2].parameters(), lr=1e-2, momentum=0.9)
    loss = model(torch.tensor(A(3, 4, seed=15))).sum()
    loss.backward()
    optimizer.step()
    return {"frozen": model[0].weight.grad, "trained": model[2].weight}


@snippet
def blitz_no_grad_and_detach(torch, nn, optim, data, F):
    x = torch.tensor(A(3, seed=16), requires_grad=True)
    with torch.no_grad():
        y = x * 2
    with torch.inference_mode():
        w = x * 3
    return {"y": y.requires_grad, "w": w.requires_grad, "detach": x.detach().requires_grad}


# ---------------------------------------------------------------------------------------
# The 60-minute blitz: neural networks (LeNet)


def _lenet(nn, F, torch):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    return init(Net(), torch, scale=0.1)


@snippet
def blitz_lenet_forward(torch, nn, optim, data, F):
    net = _lenet(nn, F, torch)
    params = list(net.parameters())
    out = net(torch.tensor(A(1, 1, 32, 32, seed=17)))
    return {"n_params": len(params), "conv1": tuple(params[0].size()), "out": out}


@snippet
def blitz_lenet_backward_random_grad(torch, nn, optim, data, F):
    net = _lenet(nn, F, torch)
    out = net(torch.tensor(A(1, 1, 32, 32, seed=18)))
    net.zero_grad()
    out.backward(torch.tensor(A(1, 10, seed=19)))
    return {"conv1.bias.grad": net.conv1.bias.grad, "fc3.weight.grad": net.fc3.weight.grad}


@snippet
def blitz_lenet_loss_and_backprop(torch, nn, optim, data, F):
    net = _lenet(nn, F, torch)
    output = net(torch.tensor(A(1, 1, 32, 32, seed=20)))
    target = torch.tensor(A(10, seed=21))
    target = target.view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    net.zero_grad()
    before = net.conv1.bias.grad
    loss.backward()
    return {"loss": loss, "before": before, "after": net.conv1.bias.grad}


@snippet
def blitz_lenet_optimizer_step(torch, nn, optim, data, F):
    net = _lenet(nn, F, torch)
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    inp, target = torch.tensor(A(1, 1, 32, 32, seed=22)), torch.tensor(A(1, 10, seed=23))
    criterion = nn.MSELoss()
    for _ in range(2):
        optimizer.zero_grad()
        loss = criterion(net(inp), target)
        loss.backward()
        optimizer.step()
    return {"loss": loss, "fc3.bias": net.fc3.bias}


@snippet
def blitz_manual_sgd_without_data(torch, nn, optim, data, F):
    # The blitz writes f.data.sub_(f.grad.data * learning_rate); the form that runs in both
    # (and that the README gives) updates under no_grad.
    net = _lenet(nn, F, torch)
    loss = net(torch.tensor(A(1, 1, 32, 32, seed=24))).pow(2).sum()
    loss.backward()
    learning_rate = 0.01
    with torch.no_grad():
        for f in net.parameters():
            f -= learning_rate * f.grad
    return {"fc3.weight": net.fc3.weight}


@snippet
def blitz_manual_sgd_through_data(torch, nn, optim, data, F):
    # The blitz's own line: a parameter's .data and its gradient's .data, updated in place.
    net = _lenet(nn, F, torch)
    loss = net(torch.tensor(A(1, 1, 32, 32, seed=24))).pow(2).sum()
    loss.backward()
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    loss2 = net(torch.tensor(A(1, 1, 32, 32, seed=24))).pow(2).sum()
    return {"fc3.weight": net.fc3.weight, "conv1.bias": net.conv1.bias, "loss2": loss2}


@snippet
def old_style_grad_data_zero(torch, nn, optim, data, F):
    # Before zero_grad(): p.grad.data.zero_() between steps, so grads never accumulate.
    model = init(nn.Linear(3, 2), torch)
    x = torch.tensor(A(4, 3, seed=40))
    grads = []
    for _ in range(2):
        model(x).pow(2).sum().backward()
        grads.append(model.weight.grad.clone())
        for p in model.parameters():
            p.grad.data.zero_()
    return {"first": grads[0], "second": grads[1], "zeroed": model.bias.grad}


@snippet
def data_copy_add_mul_habits(torch, nn, optim, data, F):
    # A target network's soft update (copy_), weight decay (mul_), a noise step (add_).
    source, target = init(nn.Linear(3, 2), torch), nn.Linear(3, 2)
    for t, s in zip(target.parameters(), source.parameters()):
        t.data.copy_(s.data)
    tau = 0.25
    for t, s in zip(target.parameters(), source.parameters()):
        t.data.copy_(tau * s.data + (1 - tau) * t.data)
        t.data.mul_(0.5)
        t.data.add_(torch.tensor(np.ones(tuple(t.shape), np.float32)), alpha=0.1)
    out = target(torch.tensor(A(2, 3, seed=41)))
    out.sum().backward()
    return {"weight": target.weight, "bias": target.bias, "grad": target.weight.grad}


# ---------------------------------------------------------------------------------------
# The 60-minute blitz: training a classifier (CIFAR-10's loop on made-up data)

CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _outputs_and_labels(torch):
    return torch.tensor(A(12, 10, seed=25)), torch.tensor(np.arange(12) % 10)


@snippet
def classifier_torch_max_accuracy(torch, nn, optim, data, F):
    outputs, labels = _outputs_and_labels(torch)
    correct, total = 0, 0
    _, predicted = torch.max(outputs, 1)
    total += labels.size(0)
    correct += (predicted == labels).sum().item()
    return {"predicted": predicted, "correct": correct, "total": total}


@snippet
def classifier_max_method_index(torch, nn, optim, data, F):
    outputs, _ = _outputs_and_labels(torch)
    return {"pred": outputs.max(1)[1], "values": outputs.max(1)[0], "named": outputs.max(dim=1)}


@snippet
def classifier_max_of_data(torch, nn, optim, data, F):
    outputs, _ = _outputs_and_labels(torch)
    outputs = outputs.clone().requires_grad_(True)
    _, predicted = torch.max(outputs.data, 1)
    return {"predicted": predicted}


@snippet
def classifier_class_names(torch, nn, optim, data, F):
    outputs, labels = _outputs_and_labels(torch)
    _, predicted = torch.max(outputs, 1)
    correct_pred = dict.fromkeys(CLASSES, 0)
    total_pred = dict.fromkeys(CLASSES, 0)
    for label, prediction in zip(labels, predicted):
        if label == prediction:
            correct_pred[CLASSES[label]] += 1
        total_pred[CLASSES[label]] += 1
    names = " ".join(f"{CLASSES[labels[j]]:5s}" for j in range(4))
    return {"correct": correct_pred, "total": total_pred, "names": names}


@snippet
def classifier_training_loop(torch, nn, optim, data, F):
    net = init(nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 10)), torch)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    inputs, labels = _outputs_and_labels(torch)
    loader = data.DataLoader(data.TensorDataset(inputs, labels), batch_size=4)
    running_loss = 0.0
    for epoch in range(2):  # noqa: B007 - the tutorial's loop, as written
        for i, (inputs_b, labels_b) in enumerate(loader, 0):  # noqa: B007
            optimizer.zero_grad()
            outputs = net(inputs_b)
            loss = criterion(outputs, labels_b)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
    return {"running_loss": running_loss, "weight": net[0].weight}


# ---------------------------------------------------------------------------------------
# Habits around the tutorials: dtypes, reductions, ordering, conversions


@snippet
def habits_integer_division_and_scalars(torch, nn, optim, data, F):
    x = torch.rand(3)
    return {
        "arange_div": torch.arange(10) / 10,
        "int_times_float": torch.tensor([1, 2, 3]) * 2.5,
        "pow_int_tensor": torch.tensor(A(3, seed=26)).pow(torch.tensor([1, 2, 3])),
        "full_int": torch.full((2, 3), 7),
        "full_float": torch.full((2, 3), 7.0),
        "full_bool": torch.full((2,), True),
        "float_plus_int": (x + torch.tensor([1, 2, 3])).dtype,
        "exp_int": torch.exp(torch.tensor([0, 1])),
        "scalar_keeps": (torch.tensor(A(2), dtype=torch.float64) * 2.5).dtype,
    }


@snippet
def habits_reductions_with_dim(torch, nn, optim, data, F):
    x = torch.tensor(A(3, 4, seed=27), requires_grad=True)
    values, indices = torch.min(x, dim=0)
    s = x.sum(dim=1, keepdim=True)
    m = x.mean(1)
    mx = torch.max(x, 1, keepdim=True)
    (values.sum() + s.sum() + m.sum() + mx.values.sum()).backward()
    return {"values": values, "indices": indices, "mx": mx, "grad": x.grad, "amax": x.amax(1)}


@snippet
def habits_max_with_other_tensor(torch, nn, optim, data, F):
    a, b = torch.tensor(A(5, seed=28)), torch.tensor(A(5, seed=29))
    return {"max": torch.max(a, b), "min": torch.min(a, b), "whole": torch.max(a)}


@snippet
def habits_sort_topk(torch, nn, optim, data, F):
    x = torch.tensor(A(3, 5, seed=30), requires_grad=True)
    s = torch.sort(x, dim=1, descending=True)
    t = x.topk(2)
    (s.values[:, 0].sum() + t.values.sum() * 2).backward()
    return {
        "sorted": s,
        "topk": t,
        "argsort": torch.argsort(x, dim=0),
        "grad": x.grad,
        "unique": torch.unique(torch.tensor([3, 1, 3, 2, 1])),
    }


@snippet
def habits_conversions(torch, nn, optim, data, F):
    x = torch.tensor(A(2, 3, seed=31))
    return {
        "long": x.long(),
        "int": x.int(),
        "bool": (x > 0).int(),
        "double": x.to(torch.float64),
        "to_cpu_dtype": x.to("cpu", torch.float64),
        "type": x.type(),
        "float_type": x.long().type(torch.float32),
        "clone": x.clone(),
        "t": x.t(),
        "mT": x.unsqueeze(0).mT,
    }


@snippet
def habits_masked_and_products(torch, nn, optim, data, F):
    x = torch.tensor(A(3, 3, seed=32), requires_grad=True)
    masked = x.masked_fill(x < 0, 0.0)
    v = torch.tensor(A(3, seed=33))
    out = (masked.mm(x) + torch.dot(v, v) + x.norm() + torch.norm(x, dim=1).sum()).sum()
    out.backward()
    b = torch.bmm(x.unsqueeze(0), x.unsqueeze(0))
    return {"masked": masked, "out": out, "grad": x.grad, "bmm": b}


@snippet
def habits_exp_inplace_and_gather(torch, nn, optim, data, F):
    x = torch.tensor(A(2, 3, seed=34))
    y = x.clone()
    y.exp_()
    g = torch.gather(x, 1, torch.tensor([[0, 0], [2, 1]]))
    return {"y": y, "gather": g, "allclose": torch.allclose(y, torch.exp(x))}


@snippet
def habits_randint_and_linspace(torch, nn, optim, data, F):
    r = torch.randint(0, 10, (3, 4))
    r2 = torch.randint(5, (2,))
    return {
        "randint": (r.dtype, tuple(r.shape), bool((r >= 0).all()), bool((r < 10).all())),
        "randint_high": (r2.dtype, tuple(r2.shape)),
        "linspace": torch.linspace(0, 1, steps=5),
    }


# ---------------------------------------------------------------------------------------
# Running and comparing


def _np(x: Any) -> Any:
    return x.detach().cpu().numpy() if hasattr(x, "detach") else x


def _dtype_name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


def assert_same(ours: Any, theirs: Any, path: str = "result") -> None:
    """Values, shapes and dtypes of our result equal PyTorch's."""
    if _torch is not None and isinstance(theirs, _torch.Tensor):
        assert isinstance(ours, al.Tensor), f"{path}: ours is {type(ours).__name__}, not a Tensor"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{path}: shape"
        assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype), (
            f"{path}: dtype {ours.dtype} vs {theirs.dtype}"
        )
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-4, atol=1e-5, err_msg=path)
    elif _torch is not None and isinstance(theirs, _torch.dtype):
        assert _dtype_name(ours) == _dtype_name(theirs), f"{path}: dtype"
    elif isinstance(theirs, _torch.Size if _torch is not None else ()):
        assert tuple(ours) == tuple(theirs), f"{path}: size"
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype, path
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5, err_msg=path)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), f"{path}: keys"
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{path}: {type(ours).__name__}"
        assert len(ours) == len(theirs), f"{path}: length"
        if hasattr(theirs, "_fields") or type(theirs).__module__ == "torch.return_types":
            assert ours.values is ours[0] and ours.indices is ours[1], f"{path}: fields"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{path}[{i}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-5), path
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{path}: {ours!r} vs {theirs!r}"


def test_there_are_at_least_sixty_snippets():
    assert len(SNIPPETS) >= 60


@pytest.mark.parametrize("snip", SNIPPETS, ids=[s.__name__ for s in SNIPPETS])
def test_snippet_runs_and_matches_pytorch(snip):
    al.manual_seed(0)
    ours = snip(**vars(OURS))
    assert isinstance(ours, dict) and ours
    if _torch is None:
        return  # compared with PyTorch when it is installed (the `torch` extra, CI)
    _torch.manual_seed(0)
    theirs = snip(**vars(_theirs()))
    assert_same(ours, theirs)
