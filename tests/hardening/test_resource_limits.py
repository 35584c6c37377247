"""Resource limits: huge graphs are summarized (not handed to Graphviz), oversized
step-throughs are refused, and concurrent threads recording and backpropagating their own
graphs get exactly the single-threaded results.

(The 1,000,000-node backward lives in tests/autograd_lite/test_engine.py, flat memory over
1,000 training steps in tests/nn/test_training.py, and the one-thread-in-no_grad check in
test_engine.py; these do not repeat them.)
"""

from __future__ import annotations

import re
import sys
import threading
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_lite as al
import nn
import visualize

N_OPS = 100_000


def dot_node_ids(source: str) -> list[str]:
    """IDs of the node statements in DOT source (edges, defaults and the label boxes on
    wires excluded: a wire's label is part of the wire)."""
    statements = re.findall(r"^\s*([A-Za-z_]\w*) \[(.*)$", source, flags=re.M)
    return [
        i
        for i, rest in statements
        if i not in ("graph", "node", "edge") and "wirelabel" not in rest
    ]


@pytest.fixture(scope="module")
def long_chain():
    """y = (((x * a) + b) * a + b ...) with 100,000 ops after x."""
    x = al.tensor(0.5, dtype="float64", requires_grad=True, name="x")
    y = x
    for i in range(N_OPS // 2):
        y = y * 0.99999 + 1e-6 * (i % 3)
    return x, y


@pytest.mark.timeout(120)
def test_drawing_a_100k_op_graph_is_summarized(long_chain):
    _, y = long_chain
    view = visualize.draw_graph(y, max_nodes=500)  # (the timeout mark guards a runaway)
    assert isinstance(view, visualize.GraphView)
    assert view.model.truncated
    nodes = dot_node_ids(view.source)
    assert 400 <= len(nodes) <= 500 + 1  # max_nodes plus the note
    note = next(line for line in view.source.splitlines() if "shape=note" in line)
    assert "max_nodes=500" in note
    # the note counts what was left out: every op but the ~500 drawn
    counts = [int(n) for n in re.findall(r"(\d+) more ops", note)]
    assert counts and counts[0] >= N_OPS - 500
    svg = view.svg()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert len(svg) < 2_000_000


@pytest.mark.timeout(120)
def test_drawing_a_graph_with_many_leaves_is_summarized():
    """Fan-in instead of depth: 50,000 leaves, each through its own op, into one stack."""
    xs = [al.tensor(float(i), requires_grad=True) for i in range(50_000)]
    y = al.stack([x * 2.0 for x in xs]).sum()
    view = visualize.draw_graph(y, max_nodes=100)  # (the timeout mark guards a runaway)
    assert len(dot_node_ids(view.source)) <= 101
    assert view.model.truncated
    ET.fromstring(view.svg())


@pytest.mark.timeout(60)
def test_backward_steps_refuses_a_huge_graph_quickly(long_chain):
    x, y = long_chain
    with pytest.raises(ValueError, match=r"more than max_steps=200.*use draw_graph"):
        visualize.backward_steps(y)
    # refusing ran no backward: x has no gradient yet
    assert x.grad is None


@pytest.mark.timeout(120)
def test_backward_through_the_100k_chain_after_drawing(long_chain):
    """Drawing walks the graph without consuming it; backward afterwards is still exact."""
    x, y = long_chain
    visualize.draw_graph(y, max_nodes=50)
    y.backward()
    assert x.grad.item() == pytest.approx(0.99999 ** (N_OPS // 2), rel=1e-9)


# ---------------------------------------------------------------------------------------
# Threads


def _mlp_gradients(seed: int, no_grad_probe: bool = False) -> dict[str, np.ndarray]:
    """Build a small MLP from ``seed``, run a forward/backward, return every gradient.

    Uses no global state but grad mode and name scopes (thread-local), so its result must
    not depend on what other threads do at the same time.
    """
    rng = np.random.default_rng(seed)
    w1 = al.tensor(rng.standard_normal((4, 8)), requires_grad=True)
    b1 = al.tensor(rng.standard_normal(8), requires_grad=True)
    w2 = al.tensor(rng.standard_normal((8, 3)), requires_grad=True)
    x = al.tensor(rng.standard_normal((5, 4)))
    target = rng.integers(0, 3, size=5)
    with al.name_scope(f"worker{seed}"):
        h = al.tanh(x @ w1 + b1)
        if no_grad_probe:
            with al.no_grad():
                probe = h * 2  # must record nothing, in this thread only
            assert probe.grad_fn is None and not probe.requires_grad
        logits = h @ w2
        loss = nn.functional.cross_entropy(logits, target) + (w1 * w1).sum() * 1e-3
    (gx,) = al.grad(loss, [w1], retain_graph=True)
    loss.backward()
    assert np.allclose(gx.data, w1.grad.data)
    return {"w1": w1.grad.data, "b1": b1.grad.data, "w2": w2.grad.data, "loss": loss.data}


@pytest.mark.timeout(120)
def test_threads_recording_and_backpropagating_concurrently_match_single_threaded():
    n_threads, rounds = 6, 40
    seeds = {k: [1000 * k + r for r in range(rounds)] for k in range(n_threads)}
    expected = {s: _mlp_gradients(s) for ss in seeds.values() for s in ss}

    barrier = threading.Barrier(n_threads)
    results: dict[int, dict[str, np.ndarray]] = {}
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            barrier.wait()
            for r, s in enumerate(seeds[k]):
                if k % 2 and r % 3 == 0:
                    # odd threads also flip grad mode off and on around their own work
                    with al.no_grad():
                        assert not al.is_grad_enabled()
                        time.sleep(0)
                    assert al.is_grad_enabled()
                results[s] = _mlp_gradients(s, no_grad_probe=bool(k % 2))
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so their ops interleave finely
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=100)
    finally:
        sys.setswitchinterval(interval)
    assert not any(th.is_alive() for th in threads), "a worker thread hung"
    assert not errors, errors
    assert results.keys() == expected.keys()
    for s, grads in results.items():
        for name, value in grads.items():
            np.testing.assert_array_equal(value, expected[s][name], err_msg=f"seed {s} {name}")


@pytest.mark.timeout(60)
def test_no_grad_in_many_threads_never_leaks_into_a_recording_thread():
    """Many threads toggling no_grad in a tight loop; the main thread records throughout."""
    stop = threading.Event()

    def toggler() -> None:
        while not stop.is_set():
            with al.no_grad(), al.set_grad_enabled(False):
                pass

    threads = [threading.Thread(target=toggler) for _ in range(4)]
    for th in threads:
        th.start()
    try:
        x = al.tensor([1.0, 2.0], requires_grad=True)
        for _ in range(2000):
            y = x * 3.0
            assert al.is_grad_enabled() and y.grad_fn is not None
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=10)
    assert not any(th.is_alive() for th in threads)
