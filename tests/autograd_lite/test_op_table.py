"""The op table (autograd_lite/ops/table.py) against the code, and every row's samples checked.

The table is the one list of ops: this file checks that it is true (every Function has a
row, every name a row gives exists and is wired where the row says) and runs every sample
of every row through gradcheck, gradgradcheck, the dtype rules and PyTorch (forward mode:
jvp_cases.py reads the same samples).
A new row is checked by all of it with no test written by hand.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from table_cases import SAMPLES, SMOOTH, applied, draw_inputs, params, torch_function

import autograd_lite as al
from autograd_lite import Function, ops
from autograd_lite.ops.table import MEMBER_OPS, OPS, Sample, X, public_names
from autograd_lite.testing import assert_grad_matches_numeric

ROWS = (*OPS, *MEMBER_OPS)


def _op_modules():
    return [
        importlib.import_module(f"autograd_lite.ops.{m.name}")
        for m in pkgutil.iter_modules(ops.__path__)
        if m.name != "table"
    ]


# -- the table against the code ------------------------------------------------------------


def test_every_function_class_has_a_row():
    # Each Function subclass of autograd_lite is a row's Function, or an internal one (made
    # only by a row's backward), and appears once.
    classes = {
        cls
        for module in _op_modules()
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, Function) and cls is not Function
    }
    assert len(classes) > 40, "the walk is broken"
    listed = [r.function_class for r in ROWS if r.function_class] + [
        c for r in ROWS for c in r.internal
    ]
    assert len(listed) == len(set(listed)), "a Function in two rows"
    assert classes - set(listed) == set(), "Function classes with no row in ops/table.py"
    assert set(listed) - classes == set()


def test_every_public_function_is_a_row_and_the_other_way():
    # ops.__all__ is read from the table; each module's __all__ names exactly its rows.
    assert ops.__all__ == public_names()
    assert len(set(ops.__all__)) == len(ops.__all__)
    per_module = sorted(n for m in _op_modules() for n in getattr(m, "__all__", []))
    assert per_module == sorted(ops.__all__)
    for row in OPS:
        module = importlib.import_module(row.function.__module__)
        assert getattr(module, row.name) is row.function, row.name
        for alias in row.aliases:
            assert getattr(module, alias) is row.function, alias
        assert getattr(al, row.name) is row.function
        cls = row.function_class
        if cls is not None:  # the Function sits in the same file as its function
            assert cls.__module__ == row.function.__module__, (row.name, cls)


def test_tensor_methods_are_the_op_functions_themselves():
    for row in OPS:
        for method in row.methods:
            assert vars(al.Tensor)[method] is row.function, method  # no wrapper: no extra call
    assert al.Tensor.exp is al.exp and al.Tensor.__getitem__ is al.getitem


def test_numpy_names_are_dispatched_to_the_row():
    from autograd_lite import numpy_dispatch

    for row in OPS:
        for name in row.numpy:
            f = getattr(np, name)
            handler = (
                numpy_dispatch.UFUNCS.get(f)
                if isinstance(f, np.ufunc)
                else numpy_dispatch.FUNCTIONS.get(f)
            )
            assert handler is not None, f"np.{name} ({row.name}) is not dispatched"
            if isinstance(f, np.ufunc):
                assert handler is row.function


UFUNC_SAMPLES = [
    c for c in SAMPLES if c[1].numpy and isinstance(getattr(np, c[1].numpy[0]), np.ufunc)
]


@pytest.mark.parametrize(("name", "row", "sample"), params(UFUNC_SAMPLES))
def test_numpy_ufunc_runs_the_op(name, row, sample):
    # np.exp(x) on tensors gives the op's values, and stays in the graph. (np.sum(x, axis=...)
    # and the other non-ufuncs take NumPy's options: test_numpy_dispatch.py.)
    f = getattr(np, row.numpy[0])
    rng = np.random.default_rng(0)
    arrays = [sample.domain(i).draw(rng, s) for i, s in enumerate(_sizes(sample))]
    xs = [al.tensor(a, requires_grad=True) for a in arrays]
    got = sample.call(f, xs)
    assert isinstance(got, al.Tensor) and got.grad_fn is not None
    np.testing.assert_allclose(got.data, sample.call(row.function, xs).data)
    np.testing.assert_allclose(got.data, sample.call(f, arrays), rtol=1e-12)


def test_calculator_names_are_the_rows():
    from visualize.cli.expression import FUNCTIONS

    expected = {}
    for row in OPS:
        if row.calc is not None:
            for name in (row.name, *row.calc.names):
                expected[name] = row.name
    assert {n: spec.engine_name for n, spec in FUNCTIONS.items()} == expected
    assert all(
        FUNCTIONS[n].engine() is al.ops.table.by_name(r).function for n, r in expected.items()
    )


def test_every_row_says_how_it_is_checked_and_exported():
    for row in ROWS:
        why = row.unsupported
        assert set(why) <= {"samples", "torch", "onnx"}, row.name
        assert all(isinstance(v, str) and len(v) > 10 for v in why.values()), row.name
        if row in OPS:
            assert row.samples or "samples" in why, f"{row.name}: no samples and no reason"
            assert row.torch or "torch" in why, f"{row.name}: no torch name and no reason"
        # a Function is exported to ONNX, or the row says why not (ops built from other ops
        # export through those)
        if row.function_class is not None:
            assert row.onnx or "onnx" in why, f"{row.name}: no ONNX mapping and no reason"
        assert not (row.onnx and "onnx" in why), row.name


def test_onnx_names_resolve_in_nn_export():
    pytest.importorskip("onnx")
    from nn.export import onnx_ops

    for row in ROWS:
        if row.onnx:
            assert onnx_ops.ONNX_OPS[row.function_class] is not None
            assert row.onnx in onnx_ops.EMITTERS or row.onnx[0].isupper(), row.onnx
    import onnx

    known = {s.name for s in onnx.defs.get_all_schemas()}
    plain = {r.onnx for r in ROWS if r.onnx and r.onnx not in onnx_ops.EMITTERS}
    assert plain <= known, f"not ONNX operators: {plain - known}"


def test_torch_names_resolve():
    pytest.importorskip("torch")
    for row in OPS:
        if row.torch:
            assert callable(torch_function(row)), row.torch


def test_samples_place_their_inputs():
    s = Sample(args=([X, X], 3))
    assert s.n_inputs == 2
    assert s.call(lambda xs, k: (xs, k), ["a", "b"]) == (["a", "b"], 3)


# -- every sample of every row, checked ------------------------------------------------------


def _sizes(sample: Sample) -> tuple:
    return sample.shapes or ((3, 4), (4,), (3, 4))[: sample.n_inputs]


@pytest.mark.parametrize(("name", "row", "sample"), params(SAMPLES))
@given(data=st.data())
def test_gradcheck(name, row, sample, data):
    assert_grad_matches_numeric(applied(row, sample), *draw_inputs(data, sample))


@pytest.mark.parametrize(("name", "row", "sample"), params(SMOOTH))
@given(data=st.data())
def test_gradgradcheck(name, row, sample, data):
    inputs = [al.tensor(a, requires_grad=True) for a in draw_inputs(data, sample)]
    assert al.gradgradcheck(applied(row, sample), inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "row", "sample"), params(SAMPLES))
def test_dtype_is_kept(name, row, sample, dtype):
    # float32 in, float32 out (and gradients); the same values as in float64.
    rng = np.random.default_rng(1)
    arrays = [sample.domain(i).draw(rng, s) for i, s in enumerate(_sizes(sample))]
    xs = [al.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    y = applied(row, sample)(*xs)
    assert y.dtype == dtype, f"{name}: {dtype.__name__} inputs gave {y.dtype}"
    y.sum().backward()
    for x in xs:
        assert x.grad is not None and x.grad.dtype == dtype and x.grad.shape == x.shape
    ref = applied(row, sample)(*[al.tensor(a) for a in arrays])
    np.testing.assert_allclose(y.data, ref.data, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("name", "row", "sample"), params([c for c in SAMPLES if c[1].torch]))
@given(data=st.data())
def test_matches_torch(name, row, sample, data):
    torch = pytest.importorskip("torch")
    arrays = draw_inputs(data, sample)
    ours = [al.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = sample.call(row.function, ours)
    ty = sample.call(torch_function(row), theirs, convert=torch.as_tensor)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-7, atol=1e-10)
    v = np.random.default_rng(0).standard_normal(y.shape)
    (y * al.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    for i, (a, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-7, atol=1e-10, err_msg=i)


def test_rows_are_documented_functions():
    for row in OPS:
        assert inspect.getdoc(row.function) or row.name in ("sin", "cos"), row.name
