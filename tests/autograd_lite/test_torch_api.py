"""The tensor API PyTorch users reach for: a table of names (each present, or listed in the
page "Coming from PyTorch", docs/guide/pytorch.md, with its reason), gradchecks in float64
of the differentiable ones this table added, comparisons with torch, and the refusals that
name the alternative."""

from __future__ import annotations

import re
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite.testing import arrays_for_grad, assert_grad_matches_numeric

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "pytorch.md"
PAGE = GUIDE.read_text(encoding="utf-8")

# (kind, name): torch.<name> for "fn", Tensor.<name> for "method"
# reductions PyTorch has both as a function and as a method, with dim
REDUCTIONS = ["sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum", "cumprod"]
API = {
    "creation": [
        ("fn", n)
        for n in [
            "tensor",
            "as_tensor",
            "from_numpy",
            "zeros",
            "ones",
            "full",
            "empty",
            "zeros_like",
            "ones_like",
            "full_like",
            "empty_like",
            "rand",
            "randn",
            "rand_like",
            "randn_like",
            "randint",
            "arange",
            "linspace",
            "eye",
            "manual_seed",
            "Generator",
        ]
    ],
    "dtypes and devices": [
        ("fn", n)
        for n in [
            "float32",
            "float64",
            "float16",
            "int64",
            "int32",
            "int16",
            "int8",
            "uint8",
            "long",
            "int",
            "float",
            "double",
            "half",
            "bool",
            "get_default_dtype",
            "set_default_dtype",
            "device",
            "cuda",
        ]
    ]
    + [
        ("method", n)
        for n in [
            "device",
            "to",
            "cpu",
            "cuda",
            "float",
            "double",
            "long",
            "int",
            "bool",
            "half",
            "type",
        ]
    ],
    "grad modes": [
        ("fn", n) for n in ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]
    ],
    "indexing": [
        ("method", n)
        for n in [
            "__getitem__",
            "__setitem__",
            "__index__",
            "index_select",
            "masked_select",
            "gather",
            "scatter",
            "scatter_",
            "scatter_add",
            "scatter_add_",
        ]
    ]
    + [("fn", n) for n in ["gather", "where", "scatter", "scatter_add"]],
    "reductions with dim": [("method", n) for n in [*REDUCTIONS, "prod", "var", "std"]]
    + [("fn", n) for n in [*REDUCTIONS, "logsumexp"]],
    "ordering": [("method", n) for n in ["sort", "argsort", "topk", "unique"]]
    + [("fn", n) for n in ["sort", "argsort", "topk", "unique"]],
    "views and copies": [
        ("method", n)
        for n in [
            "clone",
            "detach",
            "contiguous",
            "view",
            "reshape",
            "permute",
            "transpose",
            "T",
            "mT",
            "t",
            "squeeze",
            "unsqueeze",
            "flatten",
            "expand",
            "repeat",
            "chunk",
            "split",
        ]
    ]
    + [
        ("fn", n) for n in ["cat", "stack", "flatten", "reshape", "transpose", "permute", "squeeze"]
    ],
    "masked and in-place": [
        ("method", n)
        for n in [
            "masked_fill",
            "masked_fill_",
            "add_",
            "sub_",
            "mul_",
            "div_",
            "zero_",
            "fill_",
            "copy_",
            "clamp_",
            "exp_",
            "requires_grad_",
        ]
    ],
    "comparisons": [("method", n) for n in ["eq", "ne", "lt", "le", "gt", "ge", "nonzero"]]
    + [("fn", n) for n in ["allclose", "equal", "is_tensor", "numel", "maximum", "minimum"]],
    "products and norms": [("method", n) for n in ["dot", "mm", "bmm", "matmul", "norm"]]
    + [("fn", n) for n in ["dot", "mm", "bmm", "matmul", "norm", "einsum"]],
    "NumPy interop": [("method", n) for n in ["numpy", "tolist", "item"]] + [("fn", "from_numpy")],
    # Names PyTorch users reach for that are not here (yet): each is listed in the README
    # section "Coming from PyTorch" with its reason.
    "not here": [("fn", "autograd")],
}
TABLE = [(group, kind, name) for group, rows in API.items() for kind, name in rows]


def _ours(kind: str, name: str) -> bool:
    return hasattr(al if kind == "fn" else al.Tensor, name)


def _coming_from_pytorch() -> str:
    part = PAGE.split("# Coming from PyTorch", 1)
    assert len(part) == 2, "docs/guide/pytorch.md is not the page 'Coming from PyTorch'"
    return part[1].split("\n## ", 1)[0]


@pytest.mark.parametrize(("group", "kind", "name"), TABLE, ids=[f"{k}:{n}" for _, k, n in TABLE])
def test_api_name_is_here_or_listed_as_missing(group, kind, name):
    section = _coming_from_pytorch()
    if _ours(kind, name):
        assert group != "not here", f"{name} is here now: move it to its group"
        return
    spelled = f"torch.{name}" if kind == "fn" else f"Tensor.{name}"
    assert f"`{spelled}`" in section, f"{spelled} is missing and not listed in {GUIDE.name}"


def test_api_names_are_pytorchs():
    torch = pytest.importorskip("torch")
    for _, kind, name in TABLE:
        assert hasattr(torch if kind == "fn" else torch.Tensor, name), name


# -- devices ------------------------------------------------------------------------------


def test_cpu_device_accepted_everywhere():
    x = al.tensor([1.0, 2.0])
    assert x.device == al.device("cpu") == "cpu" and str(x.device) == "cpu"
    assert x.to("cpu") is x and x.cpu() is x and x.to(al.device("cpu")) is x
    assert x.to("cpu", al.float64).dtype == np.float64
    assert x.to(device="cpu", dtype=al.long).dtype == np.int64
    assert not al.cuda.is_available()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.to("cuda"),
        lambda x: x.cuda(),
        lambda x: x.to("cuda:0", al.float64),
        lambda x: al.device("mps"),
    ],
)
def test_other_devices_refused_clearly(call):
    with pytest.raises(RuntimeError, match=r"not available.*CPU.*device\('cpu'\)"):
        call(al.tensor([1.0]))


# -- max(dim), min(dim): (values, indices) -------------------------------------------------


def test_max_dim_is_a_named_pair_and_refuses_arithmetic():
    x = al.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    r = x.max(1)
    values, indices = r
    assert r.values is values and r.indices is indices and r[1] is indices
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert indices.dtype == np.int64
    with pytest.raises(TypeError, match=r"max\(dim\) returns.*\.values"):
        _ = x + r
    with pytest.raises(TypeError, match=r"amax"):
        al.max(x, (0, 1))
    with pytest.raises(TypeError, match=r"maximum"):
        al.max(x, np.ones(3))


def test_max_dim_gradient_goes_to_the_index_as_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 4.0, 4.0], [7.0, 2.0, 7.0]])
    x, t = al.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    x.max(1).values.sum().backward()
    t.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
    assert x.max(1).indices.tolist() == t.max(1).indices.tolist()


def test_max_with_tensor_is_maximum():
    a, b = al.tensor([1.0, 5.0]), al.tensor([3.0, 2.0])
    assert al.max(a, b).tolist() == [3.0, 5.0] and al.min(a, b).tolist() == [1.0, 2.0]


# -- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda: al.arange(10) / 10, np.float32),
        (lambda: al.tensor([1, 2, 3]) * 2.5, np.float32),
        (lambda: al.rand(3).pow(al.tensor([1, 2, 3])), np.float32),
        (lambda: al.rand(3) + al.tensor([1, 2, 3]), np.float32),
        (lambda: al.exp(al.tensor([1, 2])), np.float32),
        (lambda: al.full((2, 3), 7), np.int64),
        (lambda: al.full((2, 3), 7.0), np.float32),
        (lambda: al.full((2,), True), np.bool_),
        (lambda: al.tensor([1.0], dtype=al.float64) * 2.5, np.float64),
        (lambda: al.tensor([1, 2]) * al.tensor(2.0, dtype=al.float64), np.float64),
        (lambda: al.rand(2) * al.tensor(2.0, dtype=al.float64), np.float32),
        (lambda: al.tensor([1.0, 2.0]).double(), np.float64),
    ],
)
def test_dtype_rules_follow_pytorch(make, dtype):
    assert make().dtype == dtype


def test_default_float64_makes_int_division_float64():
    al.set_default_dtype(np.float64)
    try:
        assert (al.arange(4) / 2).dtype == np.float64
    finally:
        al.set_default_dtype(np.float32)


# -- NumPy interop: shared as in PyTorch ------------------------------------------------


def test_numpy_then_inplace_shares_as_pytorch():
    t = al.ones(3)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0, 2.0, 2.0]
    w = al.ones(2, requires_grad=True)
    arr = w.detach().numpy()
    with al.no_grad():
        w -= 0.5
    assert arr.tolist() == [0.5, 0.5]  # what an optimizer step does to a taken array
    a = np.zeros(2)
    b = al.from_numpy(a)
    b.add_(3)
    assert a.tolist() == [3.0, 3.0]
    assert t.numpy(force=True) is not t.numpy()


def test_numpy_sharing_matches_torch_side_by_side():
    torch = pytest.importorskip("torch")
    for lib in (al, torch):
        t = lib.ones(3)
        n = t.numpy()
        t.add_(1)
        n[0] = 5.0  # writes into the array show in the tensor too
        assert n.tolist() == [5.0, 2.0, 2.0] and t.tolist() == [5.0, 2.0, 2.0], lib
        a = np.zeros(2, np.float32)
        b = lib.from_numpy(a)
        b.mul_(2).add_(3)
        a[1] = 7.0
        assert a.tolist() == [3.0, 7.0] and b.tolist() == [3.0, 7.0], lib
        w = lib.ones(2, requires_grad=True)
        (w * w).sum().backward()
        g = w.grad.numpy()  # a gradient does not require grad: numpy() is allowed
        taken = w.detach().numpy()
        with lib.no_grad():
            w -= 0.5 * w.grad
        assert g.tolist() == [2.0, 2.0] and taken.tolist() == [0.0, 0.0], lib
    # PyTorch refuses numpy() on a tensor that requires grad; here it gives the same shared
    # array detach().numpy() gives (outside the graph): a difference on purpose that never
    # gives another value (README, "Coming from PyTorch").
    w = al.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        torch.ones(2, requires_grad=True).numpy()
    assert np.shares_memory(w.numpy(), w.detach().numpy())


def test_index_and_numpy_interop():
    classes = ("a", "b", "c")
    assert classes[al.tensor(2)] == "c" and list(range(al.tensor(3))) == [0, 1, 2]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        classes[al.tensor(1.0)]
    x = al.tensor([[1.0, 2.0]])
    assert np.asarray(x).shape == (1, 2) and np.exp(x).grad_fn is None


# -- gradchecks (float64, hypothesis) of the differentiable names added here ------------------


def distinct(shape):
    return hnp.arrays(np.int64, shape, elements=st.integers(-300, 300), unique=True).map(
        lambda a: a / 100.0
    )


@given(x=distinct((3, 4)), dim=st.sampled_from([0, 1, -1]), keepdim=st.booleans())
def test_max_min_dim_gradcheck(x, dim, keepdim):
    assert_grad_matches_numeric(lambda t: al.max(t, dim, keepdim).values, x)
    assert_grad_matches_numeric(lambda t: t.min(dim=dim, keepdim=keepdim).values, x)


@given(x=distinct((3, 4)), dim=st.sampled_from([0, 1]), descending=st.booleans())
def test_sort_and_topk_gradcheck(x, dim, descending):
    assert_grad_matches_numeric(lambda t: al.sort(t, dim, descending).values, x)
    assert_grad_matches_numeric(lambda t: t.topk(2, dim=dim, largest=descending).values, x)


@given(x=arrays_for_grad((3, 4)), idx=hnp.arrays(np.int64, (3, 2), elements=st.integers(0, 3)))
def test_gather_index_select_masked_select_gradcheck(x, idx):
    assert_grad_matches_numeric(lambda t: al.gather(t, 1, idx), x)
    assert_grad_matches_numeric(lambda t: t.index_select(1, al.tensor(idx[:, 0])), x)
    assert_grad_matches_numeric(lambda t: t.masked_select(al.tensor(x > 0)), x)


@given(x=arrays_for_grad((3, 4), kinks=(0.0,)), p=st.sampled_from([2, "fro", 1, 3]))
def test_norm_gradcheck(x, p):
    assert_grad_matches_numeric(lambda t: al.norm(t, p), x)
    assert_grad_matches_numeric(lambda t: t.norm(p, dim=1, keepdim=True), x)


@given(x=distinct((3, 4)))
def test_norm_inf_gradcheck(x):
    assert_grad_matches_numeric(lambda t: al.norm(t, float("inf"), dim=0), x)


def test_norm_gradient_at_zero_is_zero_as_pytorch():
    x = al.zeros(3, dtype=al.float64, requires_grad=True)
    al.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@given(
    a=arrays_for_grad((2, 3)),
    b=arrays_for_grad((3, 4)),
    v=arrays_for_grad((3,)),
    w=arrays_for_grad((3,)),
)
def test_products_gradcheck(a, b, v, w):
    assert_grad_matches_numeric(al.mm, a, b)
    assert_grad_matches_numeric(al.dot, v, w)
    assert_grad_matches_numeric(lambda x, y: x.dot(y), a, b)  # NumPy's dot: matmul for 2-D
    assert_grad_matches_numeric(lambda x, y: al.bmm(x[None], y[None]), a, b)


@given(x=arrays_for_grad((2, 3)))
def test_views_and_copies_gradcheck(x):
    assert_grad_matches_numeric(lambda t: t.clone() * 2, x)
    assert_grad_matches_numeric(lambda t: t.t(), x)
    assert_grad_matches_numeric(lambda t: t[None].mT, x)
    assert_grad_matches_numeric(lambda t: t.repeat(2, 1, 2), x)
    assert_grad_matches_numeric(lambda t: al.stack(t.chunk(2, 1)[:1] * 2), x)
    assert_grad_matches_numeric(lambda t: t.masked_fill(al.tensor(x > 0), 0.5), x)


@given(x=arrays_for_grad((2, 3)))
def test_exp_inplace_gradcheck(x):
    def f(t):
        y = t * 1.0
        y.exp_()
        return y

    assert_grad_matches_numeric(f, x)


# -- against torch -------------------------------------------------------------------------


@given(x=distinct((3, 5)))
def test_against_torch(x):
    torch = pytest.importorskip("torch")
    ours, theirs = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cases = [
        lambda m, t: m.sort(t, 1, descending=True).values,
        lambda m, t: m.topk(t, 3, dim=1, largest=False).values,
        lambda m, t: m.gather(t, 1, m.tensor([[0, 4], [1, 1], [3, 2]])),
        lambda m, t: m.norm(t, dim=0),
        lambda m, t: m.norm(t, 1),
        lambda m, t: m.mm(t, t.t()),
        lambda m, t: t.masked_fill(t > 0, -1.0),
        lambda m, t: t.repeat(2, 1),
        lambda m, t: t.index_select(1, m.tensor([4, 0])),
        lambda m, t: t.max(0).values + t.min(1, keepdim=True).values,
    ]
    for case in cases:
        ours.grad, theirs.grad = None, None
        a, b = case(al, ours), case(torch, theirs)
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-6, atol=1e-12)
        a.sum().backward()
        b.sum().backward()
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-6, atol=1e-12)
    assert al.argsort(ours, 1).tolist() == torch.argsort(theirs, dim=1, stable=True).tolist()


def test_bad_inputs_name_the_op():
    x = al.ones(2, 3)
    with pytest.raises(al.ShapeError, match=r"mm: expects 2-D"):
        al.mm(x, al.ones(3))
    with pytest.raises(al.ShapeError, match=r"bmm: batch sizes differ"):
        al.bmm(al.ones(2, 2, 3), al.ones(3, 3, 1))
    with pytest.raises(al.ShapeError, match=r"dot: .*matmul"):
        al.dot(al.ones(2, 2, 2), x)
    with pytest.raises(al.ShapeError, match=r"topk: k=4"):
        x.topk(4)
    with pytest.raises(IndexError, match=r"gather: index values"):
        al.gather(x, 1, al.tensor([[3]]))
    with pytest.raises(TypeError, match=r"masked_fill: mask must be a bool"):
        x.masked_fill(al.ones(2, 3), 0.0)
    with pytest.raises(ValueError, match=r"t: expects a tensor of at most 2"):
        al.ones(2, 2, 2).t()
    with pytest.raises(ValueError, match=r"randint: high"):
        al.randint(3, 3, (2,))


def test_dtype_names_compare_with_tensor_dtypes():
    assert al.ones(1).dtype == al.float32 == al.float
    assert al.tensor([1]).dtype == al.long == al.int64
    assert al.zeros(2, dtype=al.bool).dtype == np.bool_
    assert "float" not in al.__all__ and "float32" in al.__all__  # no builtin hidden by import *


def test_inference_mode_is_no_grad():
    x = al.ones(2, requires_grad=True)
    with al.inference_mode():
        assert not (x * 2).requires_grad
    with al.inference_mode(False):
        assert (x * 2).requires_grad

    @al.inference_mode()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and al.is_grad_enabled()


def test_generator_and_random_creation():
    g1, g2 = al.Generator().manual_seed(3), al.Generator().manual_seed(3)
    assert g1.rng.integers(100) == g2.rng.integers(100)
    r = al.randint(0, 5, (100,))
    assert r.dtype == np.int64 and r.data.min() >= 0 and r.data.max() < 5
    assert al.rand_like(al.ones(2, 3)).shape == (2, 3)
    assert al.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert re.match(r"autograd_lite.return_types.max\(", repr(al.ones(2, 2).max(0)))


# -- scatter, scatter_add, cumsum: beyond the op table's samples -------------------------------


def test_scatter_family_matches_torch_in_place_and_with_a_larger_src():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, src = rng.standard_normal((3, 5)), rng.standard_normal((4, 4))
    idx = np.array([[0, 4, 2], [1, 3, 0]])  # (2, 3): src larger, index smaller than a
    for dim in (0, 1):
        i = idx if dim == 1 else idx % 3
        ours = al.tensor(a).scatter(dim, al.tensor(i), al.tensor(src))
        theirs = torch.tensor(a).scatter(dim, torch.tensor(i), torch.tensor(src))
        np.testing.assert_array_equal(ours, theirs.numpy())
        ours = al.scatter_add(al.tensor(a), dim, al.tensor(i), al.tensor(src))
        theirs = torch.scatter_add(torch.tensor(a), dim, torch.tensor(i), torch.tensor(src))
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)
    x, tx = al.tensor(a), torch.tensor(a)
    x.scatter_(1, al.tensor(idx), 2.5)
    tx.scatter_(1, torch.tensor(idx), 2.5)
    x.scatter_add_(0, al.tensor(idx % 3), al.tensor(src))
    tx.scatter_add_(0, torch.tensor(idx % 3), torch.tensor(src))
    x.scatter_(0, al.tensor([[2, 0]]), value=-1.0)
    tx.scatter_(0, torch.tensor([[2, 0]]), value=-1.0)
    np.testing.assert_allclose(x, tx.numpy(), rtol=1e-12)
    # int tensors scatter without a gradient (one_hot's way), dtype kept
    labels = al.tensor([2, 0, 1])
    hot = al.zeros(3, 4, dtype=al.long).scatter_(1, labels.unsqueeze(1), 1)
    t_hot = torch.zeros(3, 4, dtype=torch.long).scatter_(1, torch.tensor([[2], [0], [1]]), 1)
    assert hot.dtype == np.int64 and hot.tolist() == t_hot.tolist()


@given(x=arrays_for_grad((3, 5)), src=arrays_for_grad((4, 4)))
@settings(max_examples=30)
def test_scatter_with_a_larger_src_gradcheck(x, src):
    idx = np.array([[0, 4, 2], [1, 3, 0]])
    assert_grad_matches_numeric(lambda a, s: al.scatter(a, 1, idx, s), x, src)
    assert_grad_matches_numeric(lambda a, s: al.scatter_add(a, 0, idx % 3, s), x, src)


def test_inplace_scatter_records_the_gradient():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a, src, v = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(4)
    idx = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    grads = []
    for lib in (al, torch):
        x, s, w = (lib.tensor(z, requires_grad=True) for z in (a, src, v))
        y = x * 1.0
        y.scatter_(0, lib.tensor(idx), s)
        y.scatter_add_(0, lib.tensor(idx), s * 2.0)
        (y * w).sum().backward()
        grads.append([np.asarray(t.grad) for t in (x, s, w)])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumsum_cumprod_dtypes_and_dims_match_torch(name):
    torch = pytest.importorskip("torch")
    for data, kwargs in [
        ([[1, 2], [3, 4]], {"dim": 1}),
        ([[True, False], [True, True]], {"dim": 0}),
        (np.arange(6, dtype=np.int32).reshape(2, 3), {"dim": -1}),
        (np.ones((2, 3), np.float32), {"dim": 0}),
        (2.5, {"dim": 0}),
        ([1, 2, 3], {"dim": 0, "dtype": al.float64}),
    ]:
        tkw = dict(kwargs, dtype=torch.float64) if "dtype" in kwargs else kwargs
        ours = getattr(al, name)(al.tensor(data), **kwargs)
        theirs = getattr(torch, name)(torch.tensor(data), **tkw)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), data
        np.testing.assert_array_equal(ours, theirs.numpy())
    assert al.tensor([1.0, 2.0]).cumsum(0).tolist() == [1.0, 3.0]
    assert al.tensor([[2.0, 3.0]]).cumprod(dim=1).tolist() == [[2.0, 6.0]]


def test_scatter_and_cumsum_refuse_clearly():
    x = al.zeros(3, 4)
    with pytest.raises(
        al.ShapeError, match=r"scatter: index \(2,\) must have as many dim.*\(3, 4\)"
    ):
        al.scatter(x, 0, np.array([0, 1]), al.ones(2))
    with pytest.raises(al.ShapeError, match=r"scatter_add: index \(2, 5\) is larger.*\(3, 4\)"):
        al.scatter_add(x, 0, np.zeros((2, 5), np.int64), al.ones(2, 5))
    with pytest.raises(al.ShapeError, match=r"scatter: src \(1, 4\) .* index \(2, 4\)"):
        x.scatter(0, np.zeros((2, 4), np.int64), al.ones(1, 4))
    with pytest.raises(IndexError, match=r"scatter_: index values must be in \[0, 3\)"):
        x.scatter_(0, np.full((1, 4), 3), 1.0)
    with pytest.raises(
        TypeError, match=r"scatter: src has dtype float64 but the input has float32"
    ):
        x.scatter(0, np.zeros((1, 4), np.int64), al.ones(1, 4, dtype=al.float64))
    with pytest.raises(TypeError, match=r"scatter: index must be an integer tensor"):
        x.scatter(0, al.zeros(1, 4), 1.0)
    with pytest.raises(TypeError, match=r"scatter_add: src must be a tensor, got float"):
        al.scatter_add(x, 0, np.zeros((1, 4), np.int64), 1.0)
    with pytest.raises(NotImplementedError, match=r"scatter: reduce='multiply'.*scatter_add"):
        x.scatter(0, np.zeros((1, 4), np.int64), 1.0, reduce="multiply")
    with pytest.raises(al.ShapeError, match=r"cumsum: axis 2 is out of range"):
        al.cumsum(x, 2)
    with pytest.raises(TypeError, match=r"cumsum: dim must be an int"):
        al.cumsum(x, None)
    with pytest.raises(TypeError, match=r"cumprod: dim must be an int"):
        x.cumprod((0, 1))
