"""In-place ops and version counters (issue 13): what changes, what is recorded, where the
gradients go, when backward refuses, and what shares memory.

The gradients of each in-place op against central differences and PyTorch are in
test_ops_gradcheck.py and test_torch_differential.py; random programs with in-place steps in
tests/hardening/test_fuzz.py.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import autograd_lite as al
import nn
from autograd_lite import AutogradError, ShapeError


def leaf(values, name=None):
    return al.tensor(np.asarray(values, dtype=np.float64), requires_grad=True, name=name)


def address(t: al.Tensor) -> int:
    """Where t's values live (an int: keeping it keeps no reference to the array)."""
    return t.data.__array_interface__["data"][0]


# -- version counters ---------------------------------------------------------------------

CHANGES = [
    ("+=", lambda y: y.__iadd__(1.0)),
    ("-=", lambda y: y.__isub__(1.0)),
    ("*=", lambda y: y.__imul__(2.0)),
    ("/=", lambda y: y.__itruediv__(2.0)),
    ("**=", lambda y: y.__ipow__(2)),
    ("@=", lambda y: y.__imatmul__(al.eye(2, dtype=np.float64))),
    ("add_", lambda y: y.add_(1.0)),
    ("sub_", lambda y: y.sub_(1.0, alpha=2)),
    ("mul_", lambda y: y.mul_(3.0)),
    ("div_", lambda y: y.div_(4.0)),
    ("clamp_", lambda y: y.clamp_(0.0, 1.0)),
    ("zero_", lambda y: y.zero_()),
    ("fill_", lambda y: y.fill_(7.0)),
    ("copy_", lambda y: y.copy_(al.ones(2, 2, dtype=np.float64))),
    ("[]=", lambda y: y.__setitem__((0, 1), 5.0) or y),
]


@pytest.mark.parametrize(("name", "change"), CHANGES, ids=[c[0] for c in CHANGES])
def test_every_in_place_change_bumps_the_version(name, change):
    # on a tensor outside the graph, on one in the graph, and under no_grad
    x = al.tensor(np.arange(4.0).reshape(2, 2))
    assert x._version == 0
    assert change(x) is x
    assert x._version == 1
    y = leaf(np.arange(4.0).reshape(2, 2)) * 1.0
    change(y)
    assert y._version == 1 and y.requires_grad and y.grad_fn is not None
    with al.no_grad():
        change(y)
    assert y._version == 2


def test_versions_start_at_zero_and_ops_do_not_bump():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = (y + 1).exp()
    assert (x._version, y._version, z._version) == (0, 0, 0)
    al.increment_version(x)  # a change made through x.data, told to the engine
    assert x._version == 1
    with pytest.raises(TypeError, match="increment_version: expected a Tensor"):
        al.increment_version(x.data)


def test_change_records_are_dropped_with_their_tensor():
    from autograd_lite import inplace

    t = al.zeros(3)
    y = leaf([1.0, 2.0, 3.0]) * 1.0
    t += 1.0
    y[0] = t[1]
    assert t in inplace.CHANGES and y in inplace.SNAPSHOTS
    before = len(inplace.CHANGES._items), len(inplace.SNAPSHOTS._items)
    del t, y
    assert (len(inplace.CHANGES._items), len(inplace.SNAPSHOTS._items)) == (
        before[0] - 2,
        before[1] - 1,
    )


def test_many_changes_after_saving_still_name_the_versions():
    x, w = leaf([1.0]), leaf([2.0])
    loss = (x * w).sum()
    with al.no_grad():
        for _ in range(70):  # more changes than the stamps kept per tensor
            w += 0.0
    with pytest.raises(AutogradError, match="saved version 6 or older, it is now at version 70"):
        loss.backward()


# -- the version error, for each kind of saved tensor ---------------------------------------


def test_changed_saved_leaf_input_is_refused_naming_op_tensor_and_versions():
    x = leaf([1.0, 2.0, 3.0])
    w = leaf([0.5, 0.5, 0.5], name="w")
    loss = (x * w).sum()  # mul saves w for x's gradient
    with al.no_grad():
        w -= 0.1  # an optimizer step before backward
    with pytest.raises(AutogradError) as info:
        loss.backward()
    msg = str(info.value)
    assert "mul needs its input 1" in msg and "'w'" in msg and "(3,)" in msg
    assert "saved version 0" in msg and "now at version 1" in msg


def test_changed_saved_non_leaf_input_is_refused():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    h = x * 2
    out = (h * w).sum()  # mul saves h (a non-leaf) for w's gradient
    h += 1
    with pytest.raises(AutogradError, match=r"mul needs its input 0 .* saved version 0.*version 1"):
        out.backward()


@pytest.mark.parametrize("op", [al.exp, al.tanh, al.sigmoid, al.sqrt, al.softmax])
def test_changed_saved_output_is_refused(op):
    x = leaf([0.5, 1.0, 2.0])
    y = op(x)  # these ops' derivatives use their output
    y.mul_(2.0)
    with pytest.raises(AutogradError, match=f"{op.__name__} needs its output .*version 0"):
        y.sum().backward()


def test_optimizer_step_before_backward_is_refused():
    # PyTorch refuses this common mistake too: the step changed weights the graph saved.
    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = model(al.randn(5, 3)).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(
        AutogradError, match=r"linear needs its input 1 \(tensor 'weight' of shape \(1, 4\)"
    ):
        loss.backward()


def test_no_error_when_backward_does_not_read_the_changed_value():
    # add's derivative needs no values: the gradient still reaches x (as in PyTorch)
    x = leaf([1.0, 2.0])
    loss = (x + 1.0).sum() + (x * 3.0).sum()
    with al.no_grad():
        x += 5.0
    loss.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])
    assert x.tolist() == [6.0, 7.0]


def test_version_error_is_raised_in_every_thread():
    # the switch that makes nodes record versions is one per process
    x, w = leaf([1.0]), leaf([2.0])
    loss = (x * w).sum()

    def change():
        with al.no_grad():
            w.mul_(3.0)

    t = threading.Thread(target=change)
    t.start()
    t.join()
    with pytest.raises(AutogradError, match="mul needs its input 1"):
        loss.backward()


# -- recording: where the gradients go --------------------------------------------------------


def test_in_place_change_is_recorded_and_rewires_old_uses():
    x = leaf([1.0, 2.0])
    y = x * 2  # version 0
    first = y * 3  # uses y at version 0 (mul by a constant: its values are not needed)
    y += x  # version 1: y is now the output of an add whose first input is y as it was
    assert type(y.grad_fn).__name__ == "Add" and y._version == 1
    (first + y * 10).sum().backward()
    # d/dx: 3·2 through the old y, 10·(2 + 1) through the new one
    np.testing.assert_array_equal(x.grad, [36.0, 36.0])


def test_in_place_with_a_grad_operand_makes_a_leaf_a_non_leaf():
    acc = al.zeros(3, dtype=np.float64)  # a leaf that does not require grad
    x = leaf([1.0, 2.0, 3.0])
    acc += x * x
    acc[1] = x[0] * 10
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    np.testing.assert_array_equal(x.grad, [12.0, 0.0, 6.0])


def test_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = leaf([1.0, 2.0])
    for change in (
        lambda: w.__iadd__(1.0),
        lambda: w.add_(1.0),
        lambda: w.zero_(),
        lambda: w.__setitem__(0, 3.0),
        lambda: w.copy_(al.ones(2)),
    ):
        with pytest.raises(AutogradError, match=r"leaf tensor that requires grad.*no_grad"):
            change()
    assert w.tolist() == [1.0, 2.0] and w._version == 0
    with al.no_grad():
        w -= 0.5
        w[1] = 9.0
    assert w.tolist() == [0.5, 9.0] and w.is_leaf and w.requires_grad and w._version == 2


def test_no_grad_change_of_a_non_leaf_keeps_its_producer():
    x = leaf([1.0, 2.0])
    y = x * 2
    with al.no_grad():
        y += 100.0  # not recorded: backward sees y as x * 2 (as in PyTorch)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    assert y.tolist() == [102.0, 104.0]


def test_retain_grad_and_hooks_after_in_place():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))  # on y as it was
    y *= 3.0
    (y * y).sum().backward()
    # retain_grad follows the tensor: the gradient of the new y, 2·y
    np.testing.assert_array_equal(y.grad, 2 * y.data)
    assert seen == [[36.0, 72.0]]  # the old y's gradient: 3 · 2y
    assert y.retains_grad


def test_in_place_through_create_graph():
    x = leaf([0.5, 1.5])
    y = x * x
    y *= x  # x³
    (g,) = al.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


# -- x[index] = v ---------------------------------------------------------------------------------


def test_setitem_index_kinds_values_and_gradients():
    base = np.arange(12.0).reshape(3, 4)
    cases = [
        ((1, 2), 5.0),  # basic: one element
        ((slice(None), 1), [1.0, 2.0, 3.0]),  # a column
        ((Ellipsis, slice(0, 2)), [[-1.0, -2.0]]),  # broadcast over the rows
        (([0, 2], [1, 3]), [7.0, 8.0]),  # advanced
        (base > 6, 0.0),  # a boolean mask
        ((al.tensor([2, 0]),), 4.0),  # an index tensor
    ]
    for index, value in cases:
        x = leaf(base)
        v = leaf(value)
        y = x * 1.0
        y[index] = v
        np_index = (
            tuple(i.data if isinstance(i, al.Tensor) else i for i in index)
            if (isinstance(index, tuple))
            else index
        )
        expected = base.copy()
        expected[np_index] = value
        np.testing.assert_array_equal(y.data, expected)
        y.backward(al.ones_like(y))
        kept = np.ones_like(base)
        kept[np_index] = 0.0
        np.testing.assert_array_equal(x.grad, kept)  # x's gradient: not where it was overwritten
        written = np.broadcast_to(np.asarray(value), base[np_index].shape)
        assert v.grad.shape == np.shape(value)
        assert v.grad.sum().item() == written.size  # each written element once


def test_setitem_repeated_index_gives_the_gradient_to_the_last_write():
    y = al.zeros(3, dtype=np.float64)
    v = leaf([1.0, 2.0, 3.0])
    y[[0, 0, 2]] = v  # NumPy keeps the last write to position 0: v[1]
    assert y.tolist() == [2.0, 0.0, 3.0]
    (y * al.tensor([10.0, 20.0, 30.0])).sum().backward()
    np.testing.assert_array_equal(v.grad, [0.0, 10.0, 30.0])


def test_setitem_bad_input_names_the_shapes():
    x = al.zeros(3, 4)
    with pytest.raises(
        ShapeError, match=r"\[\]=: a value of shape \(3,\).*x\[index\] of shape \(4,\)"
    ):
        x[0] = al.ones(3)
    with pytest.raises(IndexError, match=r"index: .*\(3, 4\)"):
        x[5] = 1.0
    with pytest.raises(TypeError, match="int64 tensor cannot hold a value that requires grad"):
        al.zeros(3, dtype=np.int64)[0] = leaf(1.0)


def test_in_place_shape_and_dtype_rules():
    x = al.zeros(3)
    with pytest.raises(ShapeError, match=r"\+=: .*shape \(3,\).*operand of shape \(2, 3\)"):
        x += al.ones(2, 3)
    with pytest.raises(TypeError, match=r"/=: .*int64.*same_kind"):
        i = al.tensor([1, 2])
        i /= 2
    f32 = al.ones(2)  # float32 += float64 stays float32, as in NumPy and PyTorch
    f32 += np.ones(2, dtype=np.float64)
    assert f32.dtype == np.float32 and f32.tolist() == [2.0, 2.0]
    g = leaf([1.0, 2.0]) * 1.0  # ... also when recorded (copy-on-write path: **=)
    g32 = g.float()
    g32 **= leaf([2.0, 2.0])
    assert g32.dtype == np.float32
    with pytest.raises(ValueError, match="fill_: value must be a number"):
        al.zeros(2).fill_([1.0, 2.0])
    with pytest.raises(ValueError, match="clamp_: at least one of min and max"):
        al.zeros(2).clamp_()


# -- memory: in place when the array is the tensor's alone, else copy-on-write --------------


def test_change_writes_into_the_array_when_nothing_else_refers_to_it():
    x = al.tensor([1.0, 2.0])
    where = address(x)
    x += 1.0
    x[0] = 5.0
    y = leaf([1.0, 2.0]) * 2  # a non-leaf: its producer keeps the array as its output
    where_y = address(y)
    y *= 3.0
    assert address(x) == where and address(y) == where_y


def test_views_are_copied_on_write_in_both_directions():
    x = al.tensor([[1.0, 2.0], [3.0, 4.0]])
    row = x[0]  # shares x's memory, as a NumPy view
    row += 10.0
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and row.tolist() == [11.0, 12.0]
    t = x.T
    x[0, 1] = -1.0  # x is shared with t: x gets its own copy, t keeps the old values
    assert t.tolist() == [[1.0, 3.0], [2.0, 4.0]] and x.tolist() == [[1.0, -1.0], [3.0, 4.0]]
    x[0] += 1.0  # NumPy users' way to change a row: x changes
    assert x.tolist() == [[2.0, 0.0], [3.0, 4.0]]


def test_detach_and_tensor_of_an_array_are_copied_on_write_numpy_is_shared():
    x = al.tensor([1.0, 2.0])
    d = x.detach()
    d += 1.0
    assert x.tolist() == [1.0, 2.0] and d.tolist() == [2.0, 3.0]
    arr = np.array([1.0, 2.0])
    t = al.Tensor(arr)  # shares arr
    t += 1.0
    assert arr.tolist() == [1.0, 2.0] and t.tolist() == [2.0, 3.0]
    values = t.numpy()  # shared as in PyTorch: in-place ops write into it
    t.zero_()
    assert values.tolist() == [0.0, 0.0] and t.tolist() == [0.0, 0.0]


def test_copy_on_write_keeps_gradients_right():
    # the changed tensor is a view of a graph tensor: its values are copied first
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 2
    row = y[1]  # a view of y's array
    row *= y[0]  # row's derivative needs its old values: they must survive
    (row.sum() + y.sum()).backward()
    np.testing.assert_array_equal(x.grad, [[2 + 2 * 6, 2 + 2 * 8], [2 + 2 * 2, 2 + 2 * 4]])
    assert y.tolist() == [[2.0, 4.0], [6.0, 8.0]]


# -- cs231n's naive conv and max-pool, written with loops and out[...] = ... -------------------


def conv_forward_naive(x, w, b, stride, pad):
    """cs231n's conv_forward_naive, as a student writes it (np.* calls, out[...] = ...): it
    runs on ndarrays and, unchanged, on tensors."""
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros_like(x, shape=(N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    out[n, f, i, j] = np.sum(x_pad[n, :, hs : hs + HH, ws : ws + WW] * w[f]) + b[f]
    return out


def max_pool_forward_naive(x, pool_height, pool_width, stride):
    N, C, H, W = x.shape
    H_out = 1 + (H - pool_height) // stride
    W_out = 1 + (W - pool_width) // stride
    out = np.zeros_like(x, shape=(N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    out[n, c, i, j] = np.max(x[n, c, hs : hs + pool_height, ws : ws + pool_width])
    return out


@pytest.mark.parametrize(("stride", "pad"), [(1, 1), (2, 0), (2, 1)])
def test_naive_conv_gradients_equal_the_fused_conv2d(stride, pad):
    rng = np.random.default_rng(stride * 10 + pad)
    x, w, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    expected = al.conv2d(al.tensor(x), al.tensor(w), al.tensor(b), stride=stride, padding=pad)
    np.testing.assert_allclose(conv_forward_naive(x, w, b, stride, pad), expected.data, rtol=1e-12)

    dout = rng.normal(size=expected.shape)
    grads = []
    for forward in (
        lambda *ts: conv_forward_naive(*ts, stride, pad),
        lambda *ts: al.conv2d(*ts, stride=stride, padding=pad),
    ):
        ts = [leaf(a) for a in (x, w, b)]
        out = forward(*ts)
        out.backward(al.tensor(dout))
        grads.append([t.grad.data for t in ts])
    np.testing.assert_allclose(out.data, expected.data)
    for naive, fused in zip(*grads):
        np.testing.assert_allclose(naive, fused, rtol=1e-10, atol=1e-12)


def test_naive_max_pool_gradients_equal_the_fused_max_pool2d():
    rng = np.random.default_rng(3)
    x = rng.permutation(2 * 3 * 6 * 6).reshape(2, 3, 6, 6) / 10.0  # no ties
    expected = al.max_pool2d(al.tensor(x), 2, stride=2)
    np.testing.assert_array_equal(max_pool_forward_naive(x, 2, 2, 2), expected.data)
    dout = rng.normal(size=expected.shape)
    grads = []
    for forward in (lambda t: max_pool_forward_naive(t, 2, 2, 2), lambda t: al.max_pool2d(t, 2)):
        t = leaf(x)
        forward(t).backward(al.tensor(dout))
        grads.append(t.grad.data)
    np.testing.assert_array_equal(grads[0], grads[1])


# -- .grad of a non-leaf ------------------------------------------------------------------------


def test_reading_grad_of_a_non_leaf_warns_once_per_tensor():
    W = leaf([1.0, 2.0])
    (W * W).sum().backward()
    W = W - 0.1 * W.grad  # the mistake: W is now a non-leaf
    (W * W).sum().backward()
    with pytest.warns(UserWarning, match=r"not a leaf .*retain_grad\(\).*no_grad\(\): W -= lr"):
        assert W.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert W.grad is None  # once per tensor
        h = W * 2
        h.retain_grad()
        assert h.grad is None  # retained: None only until backward, no warning
        assert leaf([1.0]).grad is None  # leaves never warn
    with pytest.warns(UserWarning):
        assert (W * 3).grad is None  # another tensor warns again


def test_each_version_of_a_tensor_changed_many_times_gets_its_gradient():
    """Every reader of x is routed to the snapshot of the version it read (found by
    bisecting the stamps of x's changes)."""
    w = al.tensor(np.array([0.5, -0.3]), requires_grad=True)
    x = w * 1.0
    total = 0.0
    for _ in range(40):
        total = total + (x + w).sum()  # Add reads no values, so every version is allowed
        x += w * 0.01
    total.backward()
    # x_k = (1 + 0.01 k) w, so d/dw of sum_k (x_k + w) is sum_k (2 + 0.01 k) per element
    expected = sum(2 + 0.01 * k for k in range(40))
    np.testing.assert_allclose(w.grad.data, [expected, expected])
