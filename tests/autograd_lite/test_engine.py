"""The backward pass: accumulation, retain_graph, create_graph, grad(), hooks, grad mode."""

import gc
import threading
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import AutogradError, Function, ShapeError, engine


def leaf(value, dtype="float64"):
    return al.tensor(value, dtype=dtype, requires_grad=True)


# -- accumulation and topological order --------------------------------------------------


def test_tensor_used_twice_gets_both_gradients():
    x = leaf(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad.item() == pytest.approx(7.0)


def test_diamond_graph_calls_each_backward_once():
    calls = []

    class Count(Function):
        def forward(self, a):
            return a * 1.0

        def backward(self, g):
            calls.append(1)
            return g

    x = leaf(2.0)
    h = Count.apply(x)
    y = h * h + h.exp()  # h feeds two branches
    y.backward()
    assert len(calls) == 1
    assert x.grad.item() == pytest.approx(2 * 2.0 + np.exp(2.0))


def test_leaf_grads_accumulate_across_backward_calls_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert np.allclose(x.grad, [6.0, 6.0])
    x.grad = None
    (x * 3).sum().backward()
    assert np.allclose(x.grad, [3.0, 3.0])


def test_broadcast_gradient_is_summed_back_to_input_shape():
    a = leaf(np.ones((3, 1)))
    b = leaf(np.arange(4.0))
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and np.allclose(a.grad, 6.0)
    assert b.grad.shape == (4,) and np.allclose(b.grad, 3.0)


def test_grads_of_two_leaves_do_not_share_memory():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x + y).sum().backward()  # Add's backward hands the same gradient to both
    x.grad.data *= 10  # e.g. gradient clipping in place
    assert np.allclose(y.grad, [1.0, 1.0])


def test_backward_of_leaf_itself():
    x = leaf(5.0)
    x.backward()
    assert x.grad.item() == 1.0


# -- errors that explain themselves ------------------------------------------------------


def test_non_scalar_backward_needs_a_gradient():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(AutogradError, match=r"shape \(2,\)"):
        y.backward()
    y.backward(al.ones_like(y))  # with a gradient it works


def test_backward_gradient_of_wrong_shape():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2,\)"):
        y.backward(np.ones(3))


def test_second_backward_through_freed_graph_names_retain_graph():
    x = leaf(2.0)
    y = x * x
    y.backward()
    with pytest.raises(AutogradError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_backward_on_tensor_without_grad():
    with pytest.raises(AutogradError, match="does not require grad"):
        al.tensor(1.0).backward()


def test_custom_function_returning_wrong_gradient_shape_is_caught():
    class Bad(Function):
        def forward(self, a):
            return a.sum()

        def backward(self, g):
            return al.ones(5, dtype="float64")  # input has shape (3,)

    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match=r"Bad.backward.*\(5,\).*\(3,\)"):
        Bad.apply(x).backward()


def test_custom_function_returning_wrong_number_of_gradients():
    class Bad(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return g

    with pytest.raises(AutogradError, match="1 gradient"):
        Bad.apply(leaf(1.0), leaf(2.0)).backward()


# -- higher order and grad() ------------------------------------------------------------------


def test_second_and_third_derivatives():
    x = leaf(2.0)
    y = x**3
    (dy,) = al.grad(y, x, create_graph=True)
    (d2y,) = al.grad(dy, x, create_graph=True)
    (d3y,) = al.grad(d2y, x)
    assert dy.item() == pytest.approx(12.0)
    assert d2y.item() == pytest.approx(12.0)
    assert d3y.item() == pytest.approx(6.0)


def test_backward_create_graph_makes_grad_differentiable():
    x = leaf(0.5)
    y = al.tanh(x)
    y.backward(create_graph=True)
    g = x.grad  # 1 - tanh²
    assert g.requires_grad
    x2 = leaf(0.5)
    (d2,) = al.grad(1 - al.tanh(x2) ** 2, x2)
    (gg,) = al.grad(g, x)
    assert gg.item() == pytest.approx(d2.item())


def test_hessian_vector_product():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = leaf([1.0, -1.0])
    f = 0.5 * (x @ al.tensor(a, dtype="float64") @ x)  # Hessian is a
    (g,) = al.grad(f, x, create_graph=True)
    v = al.tensor([1.0, 2.0], dtype="float64")
    (hv,) = al.grad((g * v).sum(), x)
    assert np.allclose(hv, a @ v.numpy())


def test_grad_does_not_touch_dot_grad_and_unused_inputs():
    x, z = leaf(1.0), leaf(2.0)
    y = x * 3
    with pytest.raises(AutogradError, match="not used"):
        al.grad(y, [x, z], retain_graph=True)
    gx, gz = al.grad(y, [x, z], allow_unused=True)
    assert gx.item() == 3.0 and gz is None
    assert x.grad is None


def test_grad_wrt_intermediate_tensor():
    x = leaf(2.0)
    h = x * 3
    y = h * h
    (gh,) = al.grad(y, h)
    assert gh.item() == pytest.approx(12.0)


# -- hooks and retain_grad ----------------------------------------------------------------------


def test_retain_grad_keeps_intermediate_gradient():
    x = leaf(2.0)
    h = x * 3
    h.retain_grad()
    (h * h).backward()
    assert h.grad.item() == pytest.approx(12.0)
    with pytest.warns(UserWarning, match="retain_grad"):
        assert (x * 2).grad is None  # non-leaf grads are not kept by default


def test_hook_can_replace_gradient_on_leaf_and_non_leaf():
    x = leaf(1.0)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.item()) or g * 10)
    x.register_hook(lambda g: g + 1)
    h.backward()
    assert seen == [1.0]
    assert x.grad.item() == pytest.approx(2 * 10 + 1)


def test_hook_handle_removes_hook():
    x = leaf(1.0)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).backward()
    assert x.grad.item() == 2.0


# -- grad mode ----------------------------------------------------------------------------------


def test_no_grad_records_nothing_and_enable_grad_restores():
    x = leaf(1.0)
    with al.no_grad():
        y = x * 2
        with al.enable_grad():
            z = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None
    assert al.is_grad_enabled()


def test_no_grad_as_decorator_and_set_grad_enabled():
    @al.no_grad()
    def f(t):
        return t * 2

    assert f(leaf(1.0)).grad_fn is None
    with al.set_grad_enabled(False):
        assert not al.is_grad_enabled()
    assert al.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = leaf(1.0)
    ready, done = threading.Event(), threading.Event()
    result = {}

    def worker():
        with al.no_grad():
            ready.set()
            done.wait(5)
            result["worker"] = (x * 2).grad_fn

    t = threading.Thread(target=worker)
    t.start()
    ready.wait(5)
    result["main"] = (x * 2).grad_fn  # main thread still records
    done.set()
    t.join()
    assert result["main"] is not None
    assert result["worker"] is None


def test_each_thread_starts_with_its_own_recording_state():
    # Grad mode, name scope and anomaly mode are one per-thread state: a new thread starts
    # recording, with no scope and no anomaly checks, whatever the creating thread is in.
    x = leaf(1.0)
    seen = {}

    def worker():
        y = x * 2
        seen["node"], seen["scope"] = y.grad_fn, y.grad_fn.scope
        seen["anomaly_line"] = y.grad_fn._created_at

    with al.no_grad(), al.name_scope("outer"), al.detect_anomaly():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert (x * 2).grad_fn is None  # this thread is still in no_grad
    assert seen["node"] is not None and seen["scope"] == () and seen["anomaly_line"] is None


def test_name_scope_is_recorded_on_nodes():
    x = leaf(1.0)
    with al.name_scope("model"), al.name_scope("0"):
        y = x * 2
    z = y + 1
    assert y.grad_fn.scope == ("model", "0")
    assert z.grad_fn.scope == ()


# -- anomaly detection --------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/Inf on purpose
def test_detect_anomaly_names_op_and_line_in_forward():
    x = leaf([-1.0, 1.0])
    with al.detect_anomaly(), pytest.raises(AutogradError, match=r"log.*test_engine\.py"):
        al.log(x)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/Inf on purpose
def test_detect_anomaly_in_backward():
    x = leaf(0.0)
    with al.detect_anomaly():
        y = al.sqrt(x * x + 0.0)  # forward is finite (0) but d sqrt at 0 is inf
        with pytest.raises(AutogradError, match=r"Sqrt\.backward"):
            y.backward()


def test_detect_anomaly_checks_the_gradient_given_to_backward():
    # The roots' gradients go through the same loop as every node's, checks included.
    x = leaf([1.0, 2.0])
    y = x * 3.0
    with al.detect_anomaly(), pytest.raises(AutogradError, match=r"given to backward\(\).*NaN"):
        y.backward(al.tensor([1.0, np.nan], dtype="float64"))
    y = x * 3.0
    y.backward(al.tensor([1.0, np.nan], dtype="float64"))  # outside the block: no check
    assert np.isnan(x.grad.data[1])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/Inf on purpose
def test_no_anomaly_checks_outside_the_block():
    x = leaf([-1.0])
    y = al.log(x)  # nan, but no error outside detect_anomaly
    assert np.isnan(y.data).all()


# -- memory: freeing, cycles, deep graphs ---------------------------------------------------------


def test_backward_frees_saved_arrays():
    x = leaf(np.ones(1000))
    h = al.exp(x)
    y = (h * 2).sum()
    node = y.grad_fn
    y.backward()
    assert node.inputs is None
    assert h.grad_fn.inputs is None


def test_recording_an_op_creates_no_reference_cycle():
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.ones(10))
        y = al.exp(x) * 2
        (y.sum()).backward(retain_graph=True)
        node_ref = weakref.ref(y.grad_fn)
        del y
        assert node_ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_create_graph_leaves_no_cycle_through_saved_output():
    gc.collect()
    gc.disable()
    try:
        x = leaf(0.3)
        y = al.tanh(x)
        y.backward(create_graph=True)
        node_ref = weakref.ref(y.grad_fn)
        del y
        x.grad = None
        assert node_ref() is None
    finally:
        gc.enable()


def test_long_chain_without_recursion_error():
    x = leaf(1.0)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


@pytest.mark.slow
def test_million_op_chain_backpropagates_under_2gb():
    import resource

    x = al.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y * 1.000001
    y.backward()
    assert x.grad.item() == pytest.approx(1.000001**1_000_000, rel=0.1)  # float32 rounding
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 2048


@pytest.mark.slow
def test_memory_flat_over_many_training_steps():
    import tracemalloc

    rng = np.random.default_rng(0)
    w1 = al.Tensor(rng.standard_normal((8, 16)).astype(np.float32) * 0.1, requires_grad=True)
    w2 = al.Tensor(rng.standard_normal((16, 3)).astype(np.float32) * 0.1, requires_grad=True)
    xb = al.Tensor(rng.standard_normal((32, 8)).astype(np.float32))

    def step():
        loss = (al.relu(xb @ w1) @ w2).logsumexp(axis=1).mean()
        loss.backward()
        with al.no_grad():
            for w in (w1, w2):
                w -= 0.01 * w.grad
                w.grad = None

    tracemalloc.start()
    for _ in range(300):  # warm-up: NumPy's and Python's caches fill, then stay
        step()
    middle = []
    for _ in range(3):
        for _ in range(300):
            step()
        middle.append(tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    # A leak of even one small tensor per step would add > 30 kB per 300 steps.
    assert middle[2] - middle[1] < 10_000
    assert middle[2] - middle[0] < 20_000


def test_retain_graph_keeps_each_nodes_gradient_for_drawing():
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    q = x + y
    f = q * z
    f.backward(retain_graph=True)
    assert f.grad_fn.grad.item() == 1.0
    assert q.grad_fn.grad.item() == -4.0  # df/dq = z
    assert q.grad_fn.inputs[0] is x  # the structure is still there


def test_topological_order_puts_consumers_first():
    from autograd_lite.engine import topological_order

    x = leaf(1.0)
    a = x * 2
    b = a + 1
    c = a * b
    order = topological_order([c.grad_fn])
    position = {id(n): k for k, n in enumerate(order)}
    assert position[id(c.grad_fn)] < position[id(b.grad_fn)] < position[id(a.grad_fn)]


def test_topological_order_is_the_order_backward_runs():
    # a = x*2; b = x.exp(); c = b + a: the engine runs +, exp, * (newest first), which
    # reversing a forward walk (+, *, exp) would not give.
    from autograd_lite.engine import topological_order

    x = leaf(0.5)
    a = x * 2
    b = x.exp()
    c = b + a
    d = (c * a).sum() + b
    ran = []
    for t in (a, b, c, d):
        t.register_hook(lambda g, node=t.grad_fn: ran.append(node))
    listed = topological_order([d.grad_fn])
    d.backward(retain_graph=True)
    hooked = {id(t.grad_fn) for t in (a, b, c, d)}
    assert [id(n) for n in listed if id(n) in hooked] == [id(n) for n in ran]
    assert [type(n).__name__ for n in topological_order([c.grad_fn])] == ["Add", "Exp", "Mul"]


def test_topological_order_of_a_freed_graph_names_the_op():
    from autograd_lite.engine import topological_order

    x = leaf(1.0)
    y = (x * 2).exp()
    y.backward()
    with pytest.raises(al.AutogradError, match=r"draw: .*Exp.*retain_graph=True"):
        topological_order([y.grad_fn], where="draw")
    # Drawings walk the skeleton a plain backward() keeps.
    assert [type(n).__name__ for n in topological_order([y.grad_fn], freed=True)] == [
        "Exp",
        "Mul",
    ]


def test_accumulated_scalar_gradients_are_arrays():
    x = al.tensor(2.0, requires_grad=True)
    h = x * 3.0
    y = h * h + h  # h receives two gradients; x is used through h twice
    y.backward()
    y2 = x * 1.0
    y2.backward()  # accumulates into an existing x.grad
    assert type(x.grad.data) is np.ndarray and x.grad.data.shape == ()
    assert x.grad.item() == pytest.approx(3 * (2 * 6.0 + 1) + 1)
    np.asarray(x.grad)  # __array__ must produce an array


def test_leaf_grad_never_shares_memory_with_the_callers_gradient():
    # clip_grad_norm_ and friends change .grad in place: that must not change `seed`.
    seed = al.ones(3)
    a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a + 0.0).backward(seed)
    b = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b.backward(seed)
    for leaf in (a, b):
        assert not np.shares_memory(leaf.grad.data, seed.data)
        leaf.grad.data *= 0.0
    assert seed.tolist() == [1.0, 1.0, 1.0]


# -- inputs that are not tensors: one rule on every path ---------------------------------------


class _Three(int):
    """An int subclass (like an IntEnum member)."""


@pytest.mark.parametrize(
    "constant, stored",
    [
        (np.float64(2.0), float),  # a NumPy number becomes a Python number (no upcast)
        (np.int32(2), int),
        (np.True_, np.ndarray),  # a NumPy bool becomes a 0-d bool array (the 0-d mask case)
        (_Three(3), int),  # a subclass of int becomes a plain int
        ([1, 2], np.ndarray),  # a list becomes an array in the tensor's float dtype
    ],
)
def test_one_constant_rule_on_the_fast_and_the_general_path(constant, stored):
    x = leaf([1.5, -2.0], dtype="float32")
    on_fast_path = x * constant  # apply_binary
    on_general_path = al.maximum(x, constant)  # Function.apply
    for y in (on_fast_path, on_general_path):
        kept = y.grad_fn.inputs[1]
        assert type(kept) is stored  # backward sees what forward saw
        assert y.dtype == np.float32
        if isinstance(kept, np.ndarray):
            assert kept.dtype in (np.bool_, np.float32)
    y = on_fast_path.sum() + on_general_path.sum()
    y.backward()
    assert x.grad.dtype == np.float32


def test_a_forward_that_raises_an_autograd_error_is_not_rewrapped():
    class Refuses(Function):
        def forward(self, a):
            raise AutogradError("refuses: no")

    with pytest.raises(AutogradError, match=r"^refuses: no$"):
        Refuses.apply(leaf(1.0))


def test_a_recorded_node_keeps_the_options_forward_was_given():
    class Scale(al.Function):
        def forward(self, a, *, factor):
            return a * factor

        def backward(self, g):
            return g * self.options["factor"]  # what tools reading the graph see too

    x = al.tensor([1.0, -2.0], requires_grad=True)
    y = Scale.apply(x, factor=3.0)
    assert dict(y.grad_fn.options) == {"factor": 3.0}
    y.sum().backward()
    assert np.array_equal(x.grad, [3.0, 3.0])
    assert dict((x * 2).grad_fn.options) == {}  # the fast paths take no options
    assert dict(x.sum(axis=0).grad_fn.options) == {"axis": 0, "keepdims": False}


def test_input_gradients_are_what_each_wire_received():
    # f = x * y + x with y broadcast: the * node sends y to x and x (summed over the
    # broadcast axis) to y; x's .grad is the sum of what its two wires carried.
    x = al.tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float64", requires_grad=True)
    y = al.tensor([10.0, -1.0], dtype="float64", requires_grad=True)
    p = x * y
    f = p + x
    f.sum().backward(retain_graph=True)
    to_x, to_y = engine.input_gradients(p.grad_fn)
    np.testing.assert_array_equal(to_x.data, np.broadcast_to(y.data, (2, 2)))
    np.testing.assert_array_equal(to_y.data, x.data.sum(axis=0))  # unbroadcast to (2,)
    to_p, to_x_from_add = engine.input_gradients(f.grad_fn)
    np.testing.assert_array_equal(to_p.data, np.ones((2, 2)))
    np.testing.assert_array_equal(to_x.data + to_x_from_add.data, x.grad.data)
    # Asking changes nothing: no accumulation, nothing recorded.
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(y.data + 1.0, (2, 2)))
    assert to_x.grad_fn is None and not to_x.requires_grad


def test_input_gradients_skip_inputs_that_need_none_and_need_a_kept_gradient():
    x = al.tensor(2.0, dtype="float64", requires_grad=True)
    c = al.tensor(5.0, dtype="float64")  # needs no gradient
    f = x * c
    with pytest.raises(al.AutogradError, match="input_gradients: Mul kept no gradient"):
        engine.input_gradients(f.grad_fn)
    f.backward(retain_graph=True)
    to_x, to_c = engine.input_gradients(f.grad_fn)
    assert to_x.item() == 5.0 and to_c is None
    g = x * 3.0
    g.backward()  # the graph is freed, the small shares are kept for drawings
    to_x, to_3 = engine.input_gradients(g.grad_fn)
    assert to_x.item() == 3.0 and to_3 is None
    h = x * 3.0
    al.grad(h, x, create_graph=True, retain_graph=False)  # freed, nothing kept
    with pytest.raises(al.AutogradError, match="kept no gradient"):
        engine.input_gradients(h.grad_fn)
