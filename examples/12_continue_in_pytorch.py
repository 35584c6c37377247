"""Start here, continue in PyTorch: train on digits, hand the model to DistributedDataParallel,
and serve it with ONNX Runtime.

What this teaches
  * The layers here carry PyTorch's names and state_dict keys, so a model crosses over
    whole: ``nn.export.to_torch(model)`` is the same network as a ``torch.nn.Module``
    (its accuracy right after the hand-off is the accuracy it had here).
  * Training on several processes is PyTorch's job: two processes on this machine, each
    with half of every batch, their gradients averaged by ``DistributedDataParallel``
    (gloo backend, loopback only). Accuracy goes on from where it was.
  * The weights come back as a safetensors file (no pickle), load into the nn model, and
    ``nn.export.to_onnx`` writes an ONNX file that ONNX Runtime runs with the same result.

Needs the digits, torch and export extras:  pip install -e ".[digits,torch,export]"
Run it
  python examples/12_continue_in_pytorch.py --out out/12_continue_in_pytorch
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import socket
import time
from pathlib import Path

import numpy as np

from _common import parse_args, savefig

# The two training processes start fresh Pythons that import this file again (that is how
# torch.multiprocessing.spawn finds ddp_worker), so what only the main process needs —
# autograd-lite, matplotlib — is imported inside main(), and they start faster.

WORLD_SIZE = 2  # processes training together
SKIP = "skipped: install autograd-lite[digits,torch,export] ({} is missing) to run this example"


def missing_extra() -> str | None:
    """The first package this example needs that is not installed, or None."""
    import importlib.util

    for name in ("sklearn", "torch", "onnx", "onnxruntime", "safetensors"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def mlp():
    import nn

    # Batch norm and dropout on purpose: their train/eval modes and running statistics
    # have to cross over too.
    return nn.Sequential(
        nn.Linear(64, 64, bias=False),
        nn.BatchNorm1d(64),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(64, 10),
    )


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- what each of the two PyTorch processes runs ---------------------------------------------


def ddp_worker(rank: int, torch_model, data: dict, settings: dict) -> None:
    """One of WORLD_SIZE processes: the usual PyTorch DDP recipe, on the CPU."""
    import torch
    import torch.distributed as dist
    from safetensors.torch import save_file
    from torch.nn.parallel import DistributedDataParallel as DDP
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    torch.set_num_threads(1)  # two processes on two cores: one thread each
    os.environ["GLOO_SOCKET_IFNAME"] = settings["interface"]  # talk over loopback only
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{settings['port']}",
        rank=rank,
        world_size=WORLD_SIZE,
        timeout=datetime.timedelta(seconds=settings["timeout"]),  # a lost peer ends the run
    )
    try:
        torch.manual_seed(settings["seed"])
        # torch.multiprocessing hands tensors to the processes in shared memory: without a
        # copy of its own, each process would also apply the other's updates to one model.
        model = DDP(copy.deepcopy(torch_model))  # copies rank 0's weights, averages gradients
        train = TensorDataset(torch.from_numpy(data["X_train"]), torch.from_numpy(data["y_train"]))
        sampler = DistributedSampler(
            train, num_replicas=WORLD_SIZE, rank=rank, seed=settings["seed"]
        )
        loader = DataLoader(train, batch_size=settings["batch_size"] // WORLD_SIZE, sampler=sampler)
        # A fresh optimizer: the weights cross over, Adam's running moments start again.
        optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
        loss_fn = torch.nn.CrossEntropyLoss()
        accuracies = []
        for epoch in range(settings["epochs"]):  # bounded: a fixed number of steps
            sampler.set_epoch(epoch)  # a different shuffle each epoch, the same on both ranks
            model.train()
            for xb, yb in loader:
                optimizer.zero_grad()
                loss_fn(model(xb), yb).backward()  # DDP all-reduces the gradients here
                optimizer.step()
            if rank == 0:
                accuracies.append(torch_accuracy(model.module, data["X_test"], data["y_test"]))
        if rank == 0:  # the weights go back as safetensors, the accuracies as JSON
            state = {k: v.detach().contiguous() for k, v in model.module.state_dict().items()}
            save_file(state, settings["weights"])
            Path(settings["accuracies"]).write_text(json.dumps(accuracies))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def torch_accuracy(model, X: np.ndarray, y: np.ndarray) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(X)).argmax(dim=1).numpy()
    return float((predicted == y).mean())


def run_ddp(torch_model, data: dict, settings: dict, deadline: float) -> list[float]:
    """Train on WORLD_SIZE processes; never wait past ``deadline`` seconds."""
    import torch.multiprocessing as mp

    context = mp.spawn(
        ddp_worker, args=(torch_model, data, settings), nprocs=WORLD_SIZE, join=False
    )
    end = time.monotonic() + deadline
    while not context.join(timeout=1.0):  # True once every process has finished
        if time.monotonic() > end:
            for process in context.processes:
                process.terminate()  # our own children, by their handles
            for process in context.processes:
                process.join(5)
            raise TimeoutError(f"DistributedDataParallel training did not finish in {deadline} s")
    return json.loads(Path(settings["accuracies"]).read_text())


# -- the story -----------------------------------------------------------------------------------


def accuracy(model, X: np.ndarray, y: np.ndarray) -> float:
    import autograd_lite as al

    model.eval()
    with al.no_grad():
        return float((model(al.tensor(X)).numpy().argmax(axis=1) == y).mean())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__, __file__, argv)
    missing = missing_extra()
    if missing:
        print(SKIP.format(missing))
        return
    import matplotlib

    matplotlib.use("Agg")  # draw to files, no window
    import matplotlib.pyplot as plt
    import onnxruntime
    import torch

    import autograd_lite as al
    import nn
    from nn.export import to_onnx, to_torch

    args.out.mkdir(parents=True, exist_ok=True)
    al.manual_seed(args.seed)
    X, y = nn.datasets.digits()  # (1797, 64) in [0, 1], labels 0..9
    split = nn.data.train_val_test_split(X, y, val=0.0, test=0.25, seed=args.seed, stratify=True)
    X_train, y_train, X_test, y_test = split.X_train, split.y_train, split.X_test, split.y_test
    if args.fast:
        X_train, y_train = X_train[:600], y_train[:600]
    epochs_here, epochs_ddp = (2, 2) if args.fast else (2, 8)

    # 1. Here: a few epochs with autograd-lite.
    model = mlp()
    train = nn.data.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=args.seed)
    test = nn.data.DataLoader(X_test, y_test, batch_size=len(y_test))
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    history = nn.fit(
        model, nn.CrossEntropyLoss(), optimizer, train, epochs_here, val_loader=test, progress=False
    )
    acc_here = accuracy(model, X_test, y_test)
    nn.save(model, args.out / "here.safetensors")
    print(f"wrote {args.out / 'here.safetensors'}")

    # 2. The same network in PyTorch: same keys, same numbers.
    torch_model = to_torch(model)
    assert list(torch_model.state_dict()) == list(model.state_dict())
    print(
        f"to_torch: {type(torch_model).__name__} with keys {list(torch_model.state_dict())[:3]} ..."
    )
    print(
        f"   accuracy right after the hand-off: {torch_accuracy(torch_model, X_test, y_test):.3f}"
    )

    # 3. Continue with DistributedDataParallel on two processes.
    settings = {
        "port": free_port(),
        "interface": "lo",
        "timeout": 30,
        "seed": args.seed,
        "epochs": epochs_ddp,
        "batch_size": 64,
        "lr": 1e-3,
        "weights": str(args.out / "after_ddp.safetensors"),
        "accuracies": str(args.out / "ddp_accuracy.json"),
    }
    data = {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}
    start = time.perf_counter()
    ddp_accuracies = run_ddp(torch_model, data, settings, deadline=40 if args.fast else 300)
    print(
        f"DistributedDataParallel: {WORLD_SIZE} processes, {epochs_ddp} epochs in "
        f"{time.perf_counter() - start:.1f} s; test accuracy after each epoch: "
        + ", ".join(f"{a:.3f}" for a in ddp_accuracies)
    )
    for name in ("after_ddp.safetensors", "ddp_accuracy.json"):
        print(f"wrote {args.out / name}")

    # 4. Back here (a safetensors file PyTorch wrote), then to ONNX for serving.
    trained = mlp()
    trained.load_state_dict(nn.load(args.out / "after_ddp.safetensors"))
    acc_ddp = accuracy(trained, X_test, y_test)
    onnx_path = args.out / "model.onnx"
    to_onnx(trained, X_test[:8], onnx_path)
    print(f"wrote {onnx_path}")
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (scores,) = session.run(None, {"input": X_test})  # the whole test set: a dynamic batch
    acc_onnx = float((scores.argmax(axis=1) == y_test).mean())

    rows = [
        (f"here (autograd-lite, {epochs_here} epochs)", acc_here),
        (f"after DDP (PyTorch, {WORLD_SIZE} processes, +{epochs_ddp} epochs)", acc_ddp),
        ("ONNX Runtime (the same weights)", acc_onnx),
    ]
    print(f"\ntest accuracy on {len(y_test)} held-out digits")
    for label, value in rows:
        print(f"   {label:46s} {value:.3f}")
    print(f"   (torch {torch.__version__}, onnxruntime {onnxruntime.__version__})")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    here = history.val_metrics["accuracy"]
    ax.plot(range(1, len(here) + 1), here, "o-", label="autograd-lite")
    ddp_x = range(len(here), len(here) + len(ddp_accuracies) + 1)
    ax.plot(ddp_x, [here[-1], *ddp_accuracies], "s-", label=f"PyTorch DDP, {WORLD_SIZE} processes")
    ax.plot([ddp_x[-1]], [acc_onnx], "k*", markersize=12, label="ONNX Runtime")
    ax.axvline(len(here), color="gray", linestyle=":", label="to_torch: the hand-off")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")
    ax.set_title("one model, three engines")
    ax.legend(loc="lower right")
    savefig(fig, args.out / "accuracy.png")


if __name__ == "__main__":
    main()
