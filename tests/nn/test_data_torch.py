"""nn.data speaks torch.utils.data: Dataset, TensorDataset, Subset, random_split, samplers,
default_collate, and a DataLoader that indexes by len() and names a sample it cannot batch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from nn import data


class Pairs(data.Dataset):
    def __init__(self, n=10):
        self.X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return al.tensor(self.X[i]), int(i)


class WrapsAround:
    """A plain class whose __getitem__ never raises IndexError (X[i % n])."""

    def __init__(self):
        self.calls = []

    def __len__(self):
        return 4

    def __getitem__(self, i):
        self.calls.append(i)
        return np.full(2, i % 4, dtype=np.float32)


def test_dataset_of_pairs_gives_list_batches_as_pytorch():
    loader = data.DataLoader(Pairs(), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    xb, yb = batches[0]
    assert isinstance(batches[0], list)
    assert xb.shape == (4, 3) and xb.dtype == np.float32
    assert yb.tolist() == [0, 1, 2, 3] and yb.dtype == np.int64
    assert batches[-1][0].shape == (2, 3)


def test_default_batch_size_is_one_and_none_gives_samples():
    assert len(data.DataLoader(Pairs(5))) == 5
    samples = list(data.DataLoader(Pairs(3), batch_size=None))
    assert [int(y) for _, y in samples] == [0, 1, 2]


def test_loader_asks_only_indices_below_len():
    ds = WrapsAround()
    batches = list(data.DataLoader(ds, batch_size=3))
    assert sorted(ds.calls) == [0, 1, 2, 3]  # never iterated until IndexError
    assert [b.shape for b in batches] == [(3, 2), (1, 2)]


def test_plain_class_with_len_and_getitem_is_a_dataset():
    class Plain:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.ones(3) * i, np.int64(i)

    xb, yb = next(iter(data.DataLoader(Plain(), batch_size=4)))
    assert xb.dtype == np.float64 and xb.shape == (4, 3)  # arrays keep their dtype
    assert yb.tolist() == [0, 1, 2, 3]


def test_collate_error_names_the_sample_and_shapes():
    class Ragged(data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.ones(3 if i != 2 else 4), i

    with pytest.raises(TypeError, match=r"sample 2 .* at \[0\]: different shapes.*\(3,\).*\(4,\)"):
        list(data.DataLoader(Ragged(), batch_size=4))


def test_default_collate_rules():
    assert data.default_collate([1.5, 2.0]).dtype == np.float64
    assert data.default_collate([1, 2]).dtype == np.int64
    assert data.default_collate([True, False]).dtype == np.bool_
    d = data.default_collate([{"a": np.ones(2, np.float32), "s": "x"}] * 3)
    assert d["a"].shape == (3, 2) and d["s"] == ["x", "x", "x"]
    with pytest.raises(TypeError, match="keys"):
        data.default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(TypeError, match="default_collate: samples are object"):
        data.default_collate([object(), object()])


def test_samplers_and_seeded_generator():
    order = list(data.RandomSampler(range(10), generator=al.Generator().manual_seed(1)))
    again = list(data.RandomSampler(range(10), generator=al.Generator().manual_seed(1)))
    assert order == again and sorted(order) == list(range(10))
    assert list(data.BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(data.BatchSampler(range(7), 3, drop_last=False)) == 3
    loader = data.DataLoader(
        Pairs(), batch_size=5, shuffle=True, generator=al.Generator().manual_seed(0)
    )
    loader2 = data.DataLoader(
        Pairs(), batch_size=5, shuffle=True, generator=al.Generator().manual_seed(0)
    )
    assert [b[1].tolist() for b in loader] == [b[1].tolist() for b in loader2]
    sampled = data.DataLoader(Pairs(), batch_size=2, sampler=data.SubsetRandomSampler([1, 3]))
    assert sorted(i for b in sampled for i in b[1].tolist()) == [1, 3]
    with pytest.raises(ValueError, match="sampler"):
        data.DataLoader(Pairs(), sampler=data.SequentialSampler(Pairs()), shuffle=True)


def test_subset_and_random_split():
    ds = data.TensorDataset(np.arange(10.0), np.arange(10))
    a, b = data.random_split(ds, [7, 3], generator=al.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    parts = data.random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    with pytest.raises(ValueError, match="sum to 9"):
        data.random_split(ds, [5, 4])
    assert data.Subset(ds, [4, 2])[1][1] == 2


def test_tensor_dataset_of_tensors_gives_tensors_and_keeps_dtype():
    ds = data.TensorDataset(al.tensor(np.ones((4, 2))), al.arange(4))
    x, y = ds[1]
    assert isinstance(x, al.Tensor) and x.dtype == np.float64 and int(y) == 1
    xb, yb = next(iter(data.DataLoader(ds, batch_size=4)))
    assert xb.dtype == np.float64 and yb.tolist() == [0, 1, 2, 3]


def test_array_form_positional_batch_size_and_bad_second_argument():
    assert [b.shape for b in data.DataLoader(np.ones((5, 2)), 2)] == [(2, 2), (2, 2), (1, 2)]
    with pytest.raises(TypeError, match="batch_size"):
        data.DataLoader(Pairs(), np.ones(3))
    with pytest.raises(TypeError, match="unexpected keyword"):
        data.DataLoader(Pairs(), batch_size=2, shufle=True)
