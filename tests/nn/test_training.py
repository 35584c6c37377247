"""Tests for nn.training (fit, evaluate, History): problems that must be learned, the loop's
contract (modes, no_grad, progress bar, schedules), and no memory growth over many steps."""

import gc
import sys
import tracemalloc

import numpy as np
import pytest

import autograd_lite as al
import nn
from nn.data import DataLoader, StandardScaler, train_val_test_split


def mlp(n_in, n_hidden, n_out, act=nn.ReLU):
    return nn.Sequential(nn.Linear(n_in, n_hidden), act(), nn.Linear(n_hidden, n_out))


# ------------------------------------------------------------------ problems that must be learned


def test_spiral_reaches_98_percent():
    al.manual_seed(0)
    X, y = nn.datasets.spiral()  # 3 classes x 100 points
    model = mlp(2, 100, 3)
    loader = DataLoader(X, y, batch_size=len(X))  # full batch
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=300, progress=False)
    assert len(history) == 300
    assert history.train_loss[-1] < history.train_loss[0] / 10
    assert nn.evaluate(model, loader)["accuracy"] >= 0.98


def test_spiral_with_sgd_momentum():
    al.manual_seed(0)
    X, y = nn.datasets.spiral()
    model = mlp(2, 100, 3)
    loader = DataLoader(X, y, batch_size=len(X))
    opt = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=400, progress=False)
    assert nn.evaluate(model, loader)["accuracy"] >= 0.98


def test_xor_is_learned_exactly():
    al.manual_seed(0)
    X, y = nn.datasets.xor()
    model = mlp(2, 8, 2, act=nn.Tanh)
    loader = DataLoader(X, y, batch_size=4)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=300, progress=False)
    assert history.train_metrics["accuracy"][-1] == 1.0
    assert nn.evaluate(model, loader)["accuracy"] == 1.0


def test_xor_with_one_logit_and_bce():
    # a single output column: accuracy thresholds the logit at 0
    al.manual_seed(0)
    X, y = nn.datasets.xor()
    model = mlp(2, 8, 1, act=nn.Tanh)
    loader = DataLoader(X, y.astype(np.float32).reshape(-1, 1), batch_size=4)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    nn.fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=300, progress=False)
    assert nn.evaluate(model, loader, nn.BCEWithLogitsLoss())["accuracy"] == 1.0


def test_digits_test_accuracy():
    pytest.importorskip("sklearn")
    al.manual_seed(0)
    X, y = nn.datasets.digits()
    split = train_val_test_split(X, y, val=0.0, test=0.2, seed=0, stratify=True)
    scaler = StandardScaler().fit(split.X_train)
    train = DataLoader(
        scaler.transform(split.X_train), split.y_train, batch_size=32, shuffle=True, seed=0
    )
    test = DataLoader(scaler.transform(split.X_test), split.y_test, batch_size=512)
    model = mlp(64, 128, 10)
    opt = nn.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    history = nn.fit(model, loss_fn, opt, train, epochs=15, val_loader=test, progress=False)
    result = nn.evaluate(model, test, loss_fn)
    assert result["accuracy"] >= 0.97
    assert history.val_metrics["accuracy"][-1] == pytest.approx(result["accuracy"])
    assert history.val_loss[-1] == pytest.approx(result["loss"])


def test_digits_convnet_test_accuracy():
    pytest.importorskip("sklearn")
    al.manual_seed(0)
    X, y = nn.datasets.digits(flatten=False)  # (N, 1, 8, 8) in [0, 1]
    split = train_val_test_split(X, y, val=0.0, test=0.2, seed=0, stratify=True)
    train = DataLoader(split.X_train, split.y_train, batch_size=32, shuffle=True, seed=0)
    test = DataLoader(split.X_test, split.y_test, batch_size=512)
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),  # -> (N, 16, 8, 8)
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> (N, 16, 4, 4)
        nn.Conv2d(16, 32, kernel_size=3, padding=1),  # -> (N, 32, 4, 4)
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> (N, 32, 2, 2)
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )
    opt = nn.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    nn.fit(model, loss_fn, opt, train, epochs=20, progress=False)  # >= 0.975 for seeds 0-4
    assert nn.evaluate(model, test, loss_fn)["accuracy"] >= 0.97


# ------------------------------------------------------------------ History


def test_history_lists_and_as_dict():
    al.manual_seed(0)
    X, y = nn.datasets.blobs(n=60, seed=0)
    train, val = DataLoader(X, y, batch_size=16), DataLoader(X[:20], y[:20], batch_size=8)
    model = mlp(2, 8, 3)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    h = nn.fit(model, nn.CrossEntropyLoss(), opt, train, epochs=3, val_loader=val, progress=False)
    assert len(h) == 3
    d = h.as_dict()
    assert list(d) == ["train_loss", "val_loss", "train_accuracy", "val_accuracy"]
    assert all(len(v) == 3 for v in d.values())
    assert all(0.0 <= a <= 1.0 for a in h.train_metrics["accuracy"])
    assert "3 epochs" in repr(h)
    no_val = nn.fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, progress=False)
    assert list(no_val.as_dict()) == ["train_loss", "train_accuracy"]
    assert no_val.val_loss == []


def test_epoch_loss_is_the_mean_over_examples():
    # batches of 3 and 1: the epoch loss weights each batch by its size
    X = np.array([[1.0], [2.0], [3.0], [4.0]], dtype=np.float32)
    Y = np.zeros((4, 1), dtype=np.float32)

    def model(x):
        return x * 1.0

    class NoOpt:
        def zero_grad(self):
            pass

        def step(self):
            pass

    def loss_fn(out, target):
        loss = nn.loss.mse_loss(out, target)
        return al.tensor(loss.data, requires_grad=True)  # something to call backward on

    h = nn.fit(
        model, loss_fn, NoOpt(), DataLoader(X, Y, batch_size=3), 1, metrics=None, progress=False
    )
    assert h.train_loss == [pytest.approx((1 + 4 + 9 + 16) / 4)]


def test_custom_metric_and_unknown_metric():
    X, y = nn.datasets.blobs(n=30, seed=1)
    model = mlp(2, 4, 3)
    loader = DataLoader(X, y, batch_size=10)

    def error_rate(out, target):
        return float(np.mean(out.argmax(axis=1) != target))

    r = nn.evaluate(model, loader, metrics=("accuracy", error_rate))
    assert r["accuracy"] + r["error_rate"] == pytest.approx(1.0)
    assert "loss" not in r
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        nn.evaluate(model, loader, metrics=("f1",))


# ------------------------------------------------------------------ the loop's contract


class Probe(nn.Module):
    """Records, for each call, whether it was in training mode and recording the graph."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.calls = []

    def forward(self, x):
        out = self.fc(x)
        self.calls.append((self.training, out.requires_grad))
        return out


def test_train_mode_for_training_eval_and_no_grad_for_evaluation():
    X, y = nn.datasets.blobs(n=20, seed=0)
    model = Probe()
    train, val = DataLoader(X, y, batch_size=10), DataLoader(X, y, batch_size=20)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    model.eval()  # fit switches to training mode itself
    nn.fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, val_loader=val, progress=False)
    # per epoch: 2 training batches, then 1 validation batch
    assert model.calls == [(True, True), (True, True), (False, False)] * 2
    model.train()
    nn.evaluate(model, val)
    assert model.calls[-1] == (False, False)
    assert model.training  # evaluate restores the mode it found


def test_scheduler_steps_once_per_epoch():
    X, y = nn.datasets.blobs(n=20, seed=0)
    model = mlp(2, 4, 3)
    opt = nn.optim.SGD(model.parameters(), lr=1.0)
    sched = nn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = nn.fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        DataLoader(X, y, batch_size=5),
        epochs=3,
        progress=False,
        scheduler=sched,
    )
    assert h.lr == [1.0, 0.5, 0.25]
    assert opt.param_groups[0]["lr"] == 0.125


def test_progress_bar_only_on_a_terminal(capsys, monkeypatch):
    X, y = nn.datasets.blobs(n=20, seed=0)
    model = mlp(2, 4, 3)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(X, y, batch_size=5)
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2)  # stderr is captured: no tty
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")
    nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2)
    out, err = capsys.readouterr()
    assert out == "" and "fit" in err and "8/8" in err and "accuracy=" in err


def test_bad_arguments():
    model = mlp(2, 4, 3)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    X, y = nn.datasets.blobs(n=10, seed=0)
    with pytest.raises(ValueError, match="epochs"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, DataLoader(X, y), epochs=-1)
    with pytest.raises(ValueError, match="no batches"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, [], epochs=1, progress=False)
    with pytest.raises(TypeError, match="tuple"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, [al.zeros(2, 2)], epochs=1, progress=False)


# ------------------------------------------------------------------ memory


def test_no_memory_growth_over_1000_steps():
    al.manual_seed(0)
    model = mlp(4, 16, 3)
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = al.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    y = al.tensor(rng.integers(0, 3, 8))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    tracemalloc.start()
    try:
        for i in range(1, 1001):
            step()
            if i == 100:
                gc.collect()
                at_100 = tracemalloc.get_traced_memory()[0]
        gc.collect()
        at_1000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # a leak of even one small array per step would be 900 x (>= 100 bytes)
    assert at_1000 - at_100 < 16 * 1024, (at_100, at_1000)
