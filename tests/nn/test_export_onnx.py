"""nn.export.to_onnx: the ONNX model passes onnx.checker, and ONNX Runtime computes what the
model computes (float32 to 1e-5) at batch sizes other than the example's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import autograd_lite as al  # noqa: E402
import nn  # noqa: E402
from autograd_lite import Function  # noqa: E402
from autograd_lite.ops.table import OPS  # noqa: E402
from nn.export import to_onnx  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_BATCH = 4
BATCHES = (1, 7)  # neither is the example's: the batch dimension really is dynamic


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))


def _demo_model() -> nn.Module:
    # visualize/cli/demo.py's model for the spiral (2 features, hidden 100, 3 classes)
    return nn.Sequential(
        nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 3)
    )


def _convnet() -> nn.Module:
    """Conv, batch norm, both poolings, dropout, flatten: the layers whose eval graph differs
    from their training graph."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.3), nn.Conv2d(4, 6, (3, 2), stride=(1, 2), padding=1),
        nn.AvgPool2d(3, stride=2, padding=1), nn.Flatten(), nn.Linear(24, 8),
        nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 4),
    )  # fmt: skip


def _activations() -> nn.Module:
    """Every activation module of nn, Maxout too, and a 3-D Linear (MatMul, not Gemm)."""
    return nn.Sequential(
        nn.Linear(5, 8), nn.LeakyReLU(0.2), nn.ELU(0.5), nn.GELU(), nn.Sigmoid(), nn.Tanh(),
        nn.GELU("tanh"), nn.Maxout(8, 6, 3), nn.Identity(), nn.Softmax(dim=1), nn.Linear(6, 4),
        nn.LogSoftmax(dim=-1),
    )  # fmt: skip


MODELS = [
    ("mlp", _mlp, (6,)),
    ("demo", _demo_model, (2,)),
    ("convnet", _convnet, (1, 8, 8)),
    ("activations", _activations, (3, 5)),
]


def _trained_statistics(model: nn.Module, shape: tuple, rng: np.random.Generator) -> None:
    """A few training-mode batches, so batch norm's running statistics are not 0 and 1."""
    model.train()
    with al.no_grad():
        for _ in range(3):
            model(al.tensor(rng.normal(size=(8, *shape)).astype(np.float32)))


def _ours(model, x: np.ndarray) -> np.ndarray:
    with al.no_grad():
        return model(al.tensor(x)).numpy()


def _session(path: Path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("opset", [17, 13, 20])
@pytest.mark.parametrize(("name", "make", "shape"), MODELS, ids=[m[0] for m in MODELS])
def test_onnx_runtime_matches_at_two_batch_sizes(name, make, shape, opset, tmp_path):
    rng = np.random.default_rng(0)
    al.manual_seed(0)
    model = make()
    _trained_statistics(model, shape, rng)
    model.eval()
    path = tmp_path / f"{name}.onnx"
    example = rng.normal(size=(EXAMPLE_BATCH, *shape)).astype(np.float32)
    proto = to_onnx(model, example, path, opset=opset)

    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)  # with strict shape inference
    assert loaded.opset_import[0].version == opset
    assert loaded.graph == proto.graph
    (graph_input,) = loaded.graph.input
    assert graph_input.name == "input"
    assert graph_input.type.tensor_type.shape.dim[0].dim_param == "batch"
    session = _session(path)
    for n in BATCHES:
        x = rng.normal(size=(n, *shape)).astype(np.float32)
        (theirs,) = session.run(None, {"input": x})
        np.testing.assert_allclose(theirs, _ours(model, x), rtol=1e-5, atol=1e-5)


def test_parameters_are_initializers_named_by_state_dict_keys(tmp_path):
    model = _convnet().eval()
    proto = to_onnx(model, np.zeros((2, 1, 8, 8), np.float32), tmp_path / "m.onnx")
    initializers = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    for key, value in model.state_dict().items():
        if key.endswith(("weight", "bias")):
            np.testing.assert_array_equal(initializers[key], value.numpy())
    names = [node.name for node in proto.graph.node]
    # the module scope is in every node's name, so Netron groups them by module
    assert "/Sequential/0/Conv" in names and "/Sequential/3/MaxPool" in names
    assert "/Sequential/6/AveragePool" in names and "/Sequential/8/Gemm" in names
    # eval mode: dropout records nothing, batch norm uses the running statistics
    assert not any(n.startswith(("/Sequential/4/", "/Sequential/10/")) for n in names)
    assert not any(node.op_type.startswith("Reduce") for node in proto.graph.node)


def test_exports_in_eval_mode_and_restores_each_module_mode(tmp_path):
    rng = np.random.default_rng(1)
    model = _convnet()
    _trained_statistics(model, (1, 8, 8), rng)
    model.train()
    model[1].eval()  # a mixed state, to be restored exactly
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    path = tmp_path / "m.onnx"
    to_onnx(model, rng.normal(size=(3, 1, 8, 8)).astype(np.float32), path)
    assert [m.training for m in model] == [m is not model[1] for m in model]
    for key, value in model.state_dict().items():  # no running statistic moved
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)
    x = rng.normal(size=(5, 1, 8, 8)).astype(np.float32)
    (theirs,) = _session(path).run(None, {"input": x})
    np.testing.assert_allclose(theirs, _ours(model.eval(), x), rtol=1e-5, atol=1e-5)


class _Cube(Function):
    """A user's own op: y = x³."""

    def forward(self, x):
        return x**3

    def backward(self, g):
        (x,) = self.inputs
        return g * 3.0 * x * x


class _CubeModule(nn.Module):
    def forward(self, x):
        return _Cube.apply(x)


def test_an_op_without_mapping_is_named_with_its_module():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), _CubeModule()))
    with pytest.raises(NotImplementedError) as info:
        to_onnx(model, np.ones((2, 3), np.float32), "never-written.onnx")
    message = str(info.value)
    assert "op '_cube' in module '1.1' has no ONNX mapping" in message
    assert "_Cube" in message and "LinearFunction" in message  # the class, and what is supported
    assert not os.path.exists("never-written.onnx")


def test_a_users_op_can_be_added_to_the_table(tmp_path, monkeypatch):
    from nn.export.onnx_ops import ONNX_OPS

    monkeypatch.setitem(
        ONNX_OPS, _Cube, lambda ctx: ctx.finish("Pow", [ctx.input(0), ctx.constant(3.0)])
    )
    model = nn.Sequential(nn.Linear(3, 3), _CubeModule())
    to_onnx(model, np.ones((2, 3), np.float32), tmp_path / "cube.onnx")
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    (theirs,) = _session(tmp_path / "cube.onnx").run(None, {"input": x})
    np.testing.assert_allclose(theirs, _ours(model, x), rtol=1e-5, atol=1e-5)


class _SignGate(nn.Module):
    """Uses a comparison, which the graph does not record: x > 0 reaches where() as a constant."""

    def forward(self, x):
        return al.where(x > 0, x, x * 0.1)


class _CenterOverBatch(nn.Module):
    """Subtracts the batch mean: mean divides by N, a constant that follows the batch size."""

    def forward(self, x):
        return x - x.mean(axis=0)


def test_constants_computed_from_the_input_are_refused(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), _SignGate())
    with pytest.raises(ValueError) as info:
        to_onnx(model, np.ones((2, 3), np.float32), tmp_path / "m.onnx")
    message = str(info.value)
    assert "op 'where' in module '1'" in message
    assert "changes with the input" in message and "outside the recorded graph" in message
    assert os.listdir(tmp_path) == []


def test_batch_dependent_constants_need_a_fixed_batch(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), _CenterOverBatch())
    example = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=r"op 'div' in module '1'.*dynamic_batch=False"):
        to_onnx(model, example, tmp_path / "m.onnx")
    proto = to_onnx(model, example, tmp_path / "m.onnx", dynamic_batch=False)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 5
    (theirs,) = _session(tmp_path / "m.onnx").run(None, {"input": example})
    np.testing.assert_allclose(theirs, _ours(model, example), rtol=1e-5, atol=1e-5)


class _EveryOp(nn.Module):
    """The rest of the table in one forward: arithmetic with constants, reductions, shape ops,
    a float64 detour (Cast), an expand to the batch size, and two inputs and two outputs."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.scale = nn.Parameter(np.array([0.5, -1.0, 2.0, 1.5], dtype=np.float32))

    def forward(self, x, y):
        h = self.fc(x)
        a = (h - 0.3) / 1.7 + h * 2.0 - (-h) ** 2 + h.abs().sqrt() + (h * h + 1.0).log()
        b = h.exp() * 0.1 + h.sin() + h.cos() + al.maximum(h, y) + al.minimum(h, y)
        c = (
            h.clip(-0.5, 0.5)
            + h.clip(min=0.0)
            + al.where(np.array([True, False, True, False]), h, y)
        )
        d = h.double().tanh().float() + h.sigmoid() + h.relu() + h.leaky_relu(0.3) + h.elu(2.0)
        e = (
            h.sum(axis=1, keepdims=True)
            + h.max(axis=1, keepdims=True)
            + h.min(axis=-1, keepdims=True)
        )
        e = (
            e
            + h.logsumexp(axis=1, keepdims=True)
            + h.mean(axis=1, keepdims=True)
            + h.var(axis=1, keepdims=True)
        )
        f = h.softmax(axis=1) + h.log_softmax(axis=0) + nn.functional.erf(h)
        s = al.stack([a, b], axis=1)  # (N, 2, 4)
        s = al.concatenate([s, s.permute(0, 2, 1).reshape(-1, 2, 4)], axis=1)  # (N, 4, 4)
        s = al.pad(s, (1, 2), value=0.25).transpose(1, 2)  # (N, 7, 4)
        s = s @ self.scale + (s @ np.ones((4, 2), np.float32)).sum(axis=-1)  # (N, 7)
        bias = self.scale.reshape(1, 4).expand(x.shape[0], 4)  # grows with the batch
        out1 = (c + d + e + f + bias).flatten(1)
        return out1, s.unsqueeze(1).squeeze(1)


def test_every_mapped_op_matches_onnx_runtime(tmp_path):
    rng = np.random.default_rng(2)
    al.manual_seed(2)
    model = _EveryOp()
    path = tmp_path / "every.onnx"
    x, y = (rng.normal(size=(3, 4)).astype(np.float32) for _ in range(2))
    proto = to_onnx(model, (x, y), path, opset=17)
    onnx.checker.check_model(proto, full_check=True)
    assert [i.name for i in proto.graph.input] == ["input_0", "input_1"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]
    mapped = {node.op_type for node in proto.graph.node}
    expected = {"Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Sqrt", "Log", "Exp", "Sin",
                "Cos", "Max", "Min", "Clip", "Where", "Cast", "Tanh", "Sigmoid", "Relu",
                "LeakyRelu", "Elu", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceLogSumExp",
                "Softmax", "LogSoftmax", "Erf", "Concat", "Unsqueeze", "Transpose", "Reshape",
                "Pad", "MatMul", "Expand", "Gemm", "Shape", "Gather"}  # fmt: skip
    assert expected <= mapped, f"not exercised: {expected - mapped}"
    session = _session(path)
    for n in BATCHES:
        xs, ys = (rng.normal(size=(n, 4)).astype(np.float32) for _ in range(2))
        theirs = session.run(None, {"input_0": xs, "input_1": ys})
        with al.no_grad():
            ours = [t.numpy() for t in model(al.tensor(xs), al.tensor(ys))]
        for t, o in zip(theirs, ours):
            np.testing.assert_allclose(t, o, rtol=1e-5, atol=1e-5)


def test_float64_model(tmp_path):
    model = _mlp().double()
    x = np.random.default_rng(3).normal(size=(5, 6))
    to_onnx(model, x, tmp_path / "m64.onnx")
    (theirs,) = _session(tmp_path / "m64.onnx").run(None, {"input": x})
    assert theirs.dtype == np.float64
    np.testing.assert_allclose(theirs, _ours(model, x), rtol=1e-10, atol=1e-10)


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        to_onnx(_mlp(), np.ones((2, 6), np.float32), path)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["m.onnx"]
    with pytest.raises(FileNotFoundError, match=r"to_onnx: directory '.*nodir' does not exist"):
        to_onnx(_mlp(), np.ones((2, 6), np.float32), tmp_path / "nodir" / "m.onnx")


def test_bad_arguments(tmp_path):
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match="opset must be an int >= 13, got 12"):
        to_onnx(_mlp(), np.ones((2, 6), np.float32), path, opset=12)
    with pytest.raises(ValueError, match="opset 999 is newer"):
        to_onnx(_mlp(), np.ones((2, 6), np.float32), path, opset=999)
    with pytest.raises(TypeError, match="example inputs must be floating point, got dtype int64"):
        to_onnx(_mlp(), np.ones((2, 6), np.int64), path)
    with pytest.raises(ValueError, match=r"share a first \(batch\) dimension"):
        to_onnx(lambda a, b: a + b, (np.ones((2, 6)), np.ones((3, 6))), path)
    with pytest.raises(TypeError, match="must return a Tensor or a tuple of them, got dict"):
        to_onnx(lambda x: {"y": x}, np.ones((2, 6)), path)
    assert os.listdir(tmp_path) == []


def test_nn_export_imports_without_the_extras_and_says_what_to_install():
    code = """
import sys
for name in ("torch", "onnx", "onnxruntime", "safetensors"):
    sys.modules[name] = None  # as if not installed: importing it raises ImportError
import numpy as np
import nn, nn.export
for call in (lambda: nn.export.to_onnx(nn.Linear(2, 2), np.ones((1, 2)), "x.onnx"),
             lambda: nn.export.to_torch(nn.Linear(2, 2)),
             lambda: nn.save(nn.Linear(2, 2), "m.safetensors")):
    try:
        call()
    except ImportError as e:
        print(e)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    assert "to_onnx needs the package 'onnx'" in lines[0] and '".[export]"' in lines[0]
    assert "to_torch needs the package 'torch'" in lines[1] and '".[export,torch]"' in lines[1]
    assert "'safetensors'" in lines[2] and '".[export]"' in lines[2]


def test_import_nn_imports_no_extra():
    code = "import sys, nn, nn.export; print(sorted(m for m in ('torch', 'onnx', "
    code += "'onnxruntime', 'safetensors') if m in sys.modules))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class _Indexed(nn.Module):
    def __init__(self, index) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.index = index

    def forward(self, x):
        return self.fc(x).reshape(-1, 2, 3)[self.index]


INDICES = [
    (slice(None), 0),  # h[:, 0]
    (slice(None), slice(None, None, -1), slice(1, None)),  # h[:, ::-1, 1:]
    (Ellipsis, -1),  # h[..., -1]
    (slice(None), None, 1, slice(0, 2)),  # h[:, None, 1, 0:2]
    (slice(None), slice(None), np.array([2, 0, 0])),  # h[:, :, [2, 0, 0]]
    (slice(None), -1, slice(None, None, -2)),  # h[:, -1, ::-2]
    (Ellipsis,),  # h[...]
]


@pytest.mark.parametrize("index", INDICES, ids=[repr(i) for i in INDICES])
def test_indexing_matches_onnx_runtime(index, tmp_path):
    rng = np.random.default_rng(5)
    al.manual_seed(5)
    model = _Indexed(index)
    path = tmp_path / "indexed.onnx"
    proto = to_onnx(model, rng.normal(size=(EXAMPLE_BATCH, 6)).astype(np.float32), path)
    onnx.checker.check_model(proto, full_check=True)
    session = _session(path)
    for n in BATCHES:
        x = rng.normal(size=(n, 6)).astype(np.float32)
        (theirs,) = session.run(None, {"input": x})
        ours = _ours(model, x)
        assert theirs.shape == ours.shape
        np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ((slice(None), np.array([True, False])), r"indexes with \[.*a bool array of shape"),
        ((np.array([0, 1]), np.array([1, 0])), "one integer array among slices"),
        ((slice(None), 0, np.array([1, 2])), "mixes an integer array with ints or None"),
    ],
)
def test_indexing_onnx_cannot_express_is_refused_by_name(index, message, tmp_path):
    x = np.ones((EXAMPLE_BATCH, 6), np.float32)
    with pytest.raises(ValueError, match=message) as info:
        to_onnx(_Indexed(index), x, tmp_path / "m.onnx")
    assert "op 'getitem' in module '_Indexed'" in str(info.value)
    assert not (tmp_path / "m.onnx").exists()


# -- every op the op table maps to ONNX -----------------------------------------------------

TABLE_ONNX = [
    pytest.param(row, sample, id=f"{row.name}[{sample.label}]" if sample.label else row.name)
    for row in OPS
    if row.onnx
    for sample in row.samples
]


@pytest.mark.parametrize(("row", "sample"), TABLE_ONNX)
def test_every_op_table_row_exports_and_runs(row, sample, tmp_path):
    # Each sample of each row with an ONNX mapping, its tensors the graph's inputs (float32):
    # ONNX Runtime gives the engine's values.
    rng = np.random.default_rng(0)
    sizes = sample.shapes or ((3, 4),) * sample.n_inputs
    arrays = [sample.domain(i).draw(rng, s).astype(np.float32) for i, s in enumerate(sizes)]

    def model(*xs):
        return sample.call(row.function, list(xs))

    path = tmp_path / "op.onnx"
    to_onnx(model, tuple(arrays), path, dynamic_batch=False)
    names = ["input"] if len(arrays) == 1 else [f"input_{i}" for i in range(len(arrays))]
    (theirs,) = _session(path).run(None, dict(zip(names, arrays)))
    with al.no_grad():
        ours = model(*[al.tensor(a) for a in arrays]).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-5)
