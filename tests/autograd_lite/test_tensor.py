"""Tensor creation, dtype rules, conversions, indexing, in-place updates and bad input."""

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import AutogradError, ShapeError


def test_creation_from_scalars_lists_and_arrays():
    assert al.tensor(2.5).dtype == np.float32
    assert al.tensor([[1.0, 2.0], [3.0, 4.0]]).shape == (2, 2)
    assert al.tensor([1, 2, 3]).dtype == np.int64
    assert al.tensor([True, False]).dtype == np.bool_
    assert al.tensor(np.ones(3)).dtype == np.float64  # arrays keep their dtype
    assert al.tensor([1, 2], dtype="float64").dtype == np.float64


def test_tensor_copies_but_Tensor_shares():
    a = np.zeros(3)
    t, s = al.tensor(a), al.Tensor(a)
    a[0] = 7
    assert t.data[0] == 0 and s.data[0] == 7


def test_default_dtype_can_be_changed():
    try:
        al.set_default_dtype(np.float64)
        assert al.tensor(1.5).dtype == np.float64
        assert al.zeros(2).dtype == np.float64
    finally:
        al.set_default_dtype(np.float32)
    assert al.get_default_dtype() == np.float32
    with pytest.raises(TypeError, match="floating"):
        al.set_default_dtype(np.int32)


def test_python_scalars_never_upcast():
    x = al.tensor([1.0, 2.0])
    for y in (x * 2.0, 2.0 * x, x / 3, 1 - x, x**2.0, 2.0**x, x + np.float64(1.0)):
        assert y.dtype == np.float32


def test_numpy_scalars_from_0d_results_never_upcast():
    # Ops on 0-d arrays give NumPy scalars (np.bool_ masks, np.float64 numbers): none of
    # them may change a float32 tensor's dtype, whether 0-d or not.
    for x in (al.tensor(1.5), al.tensor([1.5, -2.0])):
        for c in (np.True_, np.float64(2.0), np.int64(3), x.data.sum() > 0):
            for y in (x * c, x + c, x - c, x / c if c else x):
                assert y.dtype == np.float32 and y.shape == x.shape
        assert (x * (x.data > 0)).tolist() == np.where(x.data > 0, x.data, 0).tolist()


def test_0d_results_are_arrays_forward_and_backward():
    # NumPy returns scalars for 0-d results; a Tensor always holds an ndarray.
    x = al.tensor(0.5, requires_grad=True)
    outs = [x + 1.0, x - x, x * 2.0, x / 3.0, -x, x**2, x.exp(), x.log(), x.sqrt()]
    outs += [x.sin(), x.cos(), x.tanh(), x.sigmoid(), x.relu(), abs(x)]
    for y in outs:
        assert type(y.data) is np.ndarray and y.shape == () and y.dtype == np.float32
    sum(outs[1:], outs[0]).backward()
    assert type(x.grad.data) is np.ndarray and x.grad.shape == ()


def test_creation_functions():
    assert al.zeros(2, 3).shape == (2, 3) and al.zeros((2, 3)).shape == (2, 3)
    assert np.all(al.ones(4).data == 1)
    assert np.all(al.full((2, 2), 7.0).data == 7)
    assert al.arange(5).tolist() == [0, 1, 2, 3, 4] and al.arange(5).dtype == np.int64
    assert al.arange(0, 1, 0.5).dtype == np.float32
    assert np.allclose(al.eye(3).data, np.eye(3))
    x = al.randn(2, 3, dtype="float64")
    assert al.zeros_like(x).dtype == np.float64 and al.ones_like(x).shape == (2, 3)
    al.manual_seed(0)
    a = al.rand(3).numpy().copy()
    al.manual_seed(0)
    assert np.array_equal(a, al.rand(3).numpy())


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ("abc", TypeError, "str"),
        (["a", "b"], TypeError, "strings"),
        (None, TypeError, "NoneType"),
        (object(), TypeError, "object"),
        ([[1, 2], [3]], ValueError, "ragged"),
        ([1 + 2j], TypeError, "complex"),
    ],
)
def test_bad_data_is_refused_clearly(data, error, message):
    with pytest.raises(error, match=message):
        al.tensor(data)


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="int64"):
        al.tensor([1, 2], requires_grad=True)
    t = al.tensor([1, 2])
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad = True


def test_repr_reads_like_pytorch():
    assert repr(al.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    x = al.tensor(2.0, requires_grad=True)
    assert repr(x) == "tensor(2., requires_grad=True)"
    assert repr(x * 3) == "tensor(6., grad_fn=<Mul>)"
    assert "dtype=float64" in repr(al.tensor([1.0], dtype="float64"))
    assert "name='w'" in repr(al.tensor(1.0, name="w"))


def test_conversions():
    x = al.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]]
    assert isinstance(x.numpy(), np.ndarray)
    assert al.tensor(3.0).item() == 3.0 and float(al.tensor(3.0)) == 3.0
    assert np.allclose(np.asarray(x), [[1.5, 2.0]])
    assert x.size() == (1, 2) and x.size(1) == 2 and x.numel() == 2 and x.ndim == 2
    with pytest.raises(ValueError, match="one-element"):
        x.item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)


def test_numpy_array_on_the_left_calls_tensor_operator():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], dtype=np.float32) * x
    assert isinstance(y, al.Tensor) and y.grad_fn is not None


def test_comparisons_return_bool_tensors_outside_the_graph():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == np.bool_ and m.tolist() == [False, True, True]
    assert not m.requires_grad
    assert (x == x).all().item()
    assert {x: 1}[x] == 1  # still hashable


def test_detach_and_leaf_status():
    x = al.tensor(1.0, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.data is y.data


def test_inplace_update_only_outside_the_graph():
    w = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AutogradError, match="no_grad"):
        w -= 1.0
    with al.no_grad():
        w -= 1.0
        w[0] = 5.0
    assert w.tolist() == [5.0, 1.0] and w.requires_grad and w.is_leaf


def test_indexing_forms_and_scatter_add_gradient():
    x = al.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    assert x[1].shape == (4,)
    assert x[..., 0].shape == (3,)
    assert x[None, :, 1:3].shape == (1, 3, 2)
    assert x[x > 5].shape == (6,)
    idx = al.tensor([0, 0, 2])
    x[idx, 1].sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 1], expected[2, 1] = 2, 1  # the repeated index adds up
    assert np.array_equal(x.grad, expected)


def test_index_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"\(3,\)"):
        al.tensor([1.0, 2.0, 3.0])[5]


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a**b,
        al.maximum,
        al.minimum,
    ],
)
def test_binary_ops_refuse_mismatched_shapes(op):
    a, b = al.ones(3), al.ones(4)
    with pytest.raises(ShapeError, match=r"\(3,\) and \(4,\).*broadcast"):
        op(a, b)


def test_matmul_error_names_both_shapes_and_the_rule():
    with pytest.raises(ShapeError, match=r"matmul: \(3, 2\) @ \(3, 5\): inner dimensions 2 and 3"):
        al.ones(3, 2) @ al.ones(3, 5)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.sum(axis=2),
        lambda x: x.mean(axis=-3),
        lambda x: x.max(axis=5),
        lambda x: al.softmax(x, axis=2),
        lambda x: x.unsqueeze(4),
        lambda x: x.transpose(0, 2),
    ],
)
def test_axis_out_of_range(call):
    with pytest.raises(ShapeError, match=r"axis .* out of range .*\(2, 3\)"):
        call(al.ones(2, 3))


def test_reshape_and_ops_with_bad_arguments():
    with pytest.raises(ShapeError, match=r"reshape: .*\(2, 3\).*6 elements.*\(4,\)"):
        al.ones(2, 3).reshape(4)
    with pytest.raises(TypeError, match="mul"):
        al.ones(2) * "a"
    with pytest.raises(TypeError, match="add"):
        al.ones(2) + None
    with pytest.raises(ShapeError, match="expand"):
        al.ones(3).expand(4)


def test_empty_joins_and_bad_activation_parameters():
    with pytest.raises(ValueError, match=r"^stack: needs at least one tensor$"):
        al.stack([])
    with pytest.raises(ValueError, match=r"^concatenate: needs at least one tensor$"):
        al.concatenate([])
    with pytest.raises(TypeError, match="leaky_relu: negative_slope must be a number"):
        al.leaky_relu(al.ones(2), "a")
    with pytest.raises(TypeError, match="elu: alpha must be a number"):
        al.elu(al.ones(2), None)
