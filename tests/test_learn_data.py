"""sciml.learn's data: the toy sets against scikit-learn's generators, the IDX and CIFAR-10 readers on files written
in the real formats (and on ../shared/data when present), and the tensor transforms against plain references."""

import gzip
import os
import pathlib
import pickle
import struct

import numpy as np
import pytest
import torch

from sciml.learn import (
    circles,
    digits,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    moons,
    random_crop,
    random_flip,
    spirals,
    standardize,
    train_val_split,
    xor,
)
from sciml.learn._toy import _seed

DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


def test_moons_and_circles_are_sklearns_for_the_drawn_seed():
    from sklearn.datasets import make_circles, make_moons

    X, y = moons(300, noise=0.1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    Xr, yr = make_moons(300, noise=0.1, random_state=_seed(torch.Generator().manual_seed(3)))
    np.testing.assert_array_equal(X.numpy(), Xr)
    np.testing.assert_array_equal(y.numpy(), yr)
    X, y = circles(200, noise=0.05, factor=0.3, generator=torch.Generator().manual_seed(4))
    Xr, yr = make_circles(200, noise=0.05, factor=0.3, random_state=_seed(torch.Generator().manual_seed(4)))
    np.testing.assert_allclose(X.numpy(), Xr, rtol=1e-6)
    assert X.dtype == torch.float32 and y.dtype == torch.int64


def test_same_generator_same_set_and_no_global_state():
    state = torch.get_rng_state()
    a = spirals(100, generator=torch.Generator().manual_seed(1))
    b = spirals(100, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert torch.equal(torch.get_rng_state(), state)


def test_xor_and_spirals_geometry():
    X, y = xor(400, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert bool((X.abs() <= 1).all()) and torch.equal(y, (X[:, 0] * X[:, 1] < 0).long())
    X, y = spirals(400, n_classes=4, noise=0.0, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.bincount(y).tolist() == [100] * 4
    r = X.norm(dim=1)
    assert float(r.max()) == pytest.approx(1.0) and float(r.min()) == 0.0
    # noiseless arm k at radius r has angle 2π(r + k/4): rotating arm 0 by a quarter turn gives arm 1
    a0, a1 = X[y == 0], X[y == 1]
    rot = torch.stack([a0[:, 1], -a0[:, 0]], dim=1)
    torch.testing.assert_close(a1, rot, rtol=0, atol=1e-12)


def test_digits_is_sklearns():
    from sklearn.datasets import load_digits

    images, labels = digits(dtype=torch.float64)
    ref = load_digits()
    np.testing.assert_array_equal(images.reshape(len(images), -1).numpy() * 16, ref.data)
    np.testing.assert_array_equal(labels.numpy(), ref.target)


def _write_idx(folder, stem, array, magic, compress=True):
    raw = struct.pack(f">{1 + array.ndim}i", magic, *array.shape) + array.astype(np.uint8).tobytes()
    path = folder / (stem + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


@pytest.mark.parametrize("compress", [True, False])
def test_idx_reader_on_files_in_the_real_format(tmp_path, compress):
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5)
    _write_idx(tmp_path, "t10k-images-idx3-ubyte", images, 2051, compress)
    _write_idx(tmp_path, "t10k-labels-idx1-ubyte", labels, 2049, compress)
    x, y = load_mnist(tmp_path, train=False)
    assert x.shape == (5, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    np.testing.assert_allclose(x[:, 0].numpy() * 255, images, atol=1e-4)
    np.testing.assert_array_equal(y.numpy(), labels)
    x, _ = load_fashion_mnist(tmp_path, train=False, dtype=torch.float64)
    assert x.dtype == torch.float64


def test_idx_reader_names_missing_and_corrupt_files(tmp_path):
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte'\[\.gz\] does not exist"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz' is not a readable gzip file"):
        load_mnist(tmp_path, train=False)
    _write_idx(tmp_path, "t10k-images-idx3-ubyte", np.zeros((2, 28, 28)), 2049)  # a label magic on images
    with pytest.raises(ValueError, match="not in the expected format: IDX images \\(magic 2051"):
        load_mnist(tmp_path, train=False)
    path = _write_idx(tmp_path, "t10k-images-idx3-ubyte", np.zeros((2, 28, 28)), 2051)
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-10]))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_mnist(tmp_path, train=False)
    _write_idx(tmp_path, "t10k-images-idx3-ubyte", np.zeros((2, 28, 28)), 2051)
    _write_idx(tmp_path, "t10k-labels-idx1-ubyte", np.zeros(3), 2049)
    with pytest.raises(ValueError, match="holds 2 images but t10k-labels-idx1-ubyte 3 labels"):
        load_mnist(tmp_path, train=False)
    with pytest.raises(ValueError, match="is not a directory"):
        load_mnist(tmp_path / "nowhere")


@pytest.mark.parametrize(("loader", "name"), [(load_mnist, "mnist"), (load_fashion_mnist, "fashion-mnist")])
def test_the_shared_copies(loader, name):
    root = DATA / name
    if not (root / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"{root} is absent")
    x, y = loader(root, train=False)
    assert x.shape == (10000, 1, 28, 28) and float(x.min()) == 0.0 and float(x.max()) == 1.0
    counts = torch.bincount(y).tolist()
    if name == "mnist":  # the published class counts of the MNIST test set
        assert counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    else:
        assert counts == [1000] * 10


@pytest.mark.slow
@pytest.mark.parametrize(("loader", "name"), [(load_mnist, "mnist"), (load_fashion_mnist, "fashion-mnist")])
def test_the_shared_training_sets(loader, name):
    root = DATA / name
    if not (root / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"{root} is absent")
    x, y = loader(root)
    assert x.shape == (60000, 1, 28, 28)
    assert torch.bincount(y).tolist()[:2] == ([5923, 6742] if name == "mnist" else [6000, 6000])


def _cifar_batch(folder, name, data, labels):
    (folder / name).write_bytes(pickle.dumps({b"batch_label": b"x", b"labels": list(labels), b"data": data,
                                              b"filenames": [b"f"] * len(labels)}))


def test_cifar10_from_batches_in_the_real_format(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, 256, (3, 3072), dtype=np.uint8) for _ in range(6)]
    for i in range(5):
        _cifar_batch(folder, f"data_batch_{i + 1}", batches[i], [i, i + 1, i + 2])
    _cifar_batch(folder, "test_batch", batches[5], [9, 0, 1])
    x, y = load_cifar10(tmp_path)
    assert x.shape == (15, 3, 32, 32) and y.tolist()[:3] == [0, 1, 2]
    # channel-major rows: the first 1024 bytes are the red plane, row by row
    np.testing.assert_allclose(x[0, 0].numpy() * 255, batches[0][0, :1024].reshape(32, 32), atol=1e-4)
    np.testing.assert_allclose(x[0, 2].numpy() * 255, batches[0][0, 2048:].reshape(32, 32), atol=1e-4)
    x, y = load_cifar10(folder, train=False)
    assert y.tolist() == [9, 0, 1]


class _Evil:
    def __reduce__(self):
        return (os.getcwd, ())


def test_cifar10_refuses_missing_corrupt_and_tampered_batches(tmp_path):
    with pytest.raises(ValueError, match="test_batch' does not exist"):
        load_cifar10(tmp_path, train=False)
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": _Evil(), b"labels": [1]}))
    with pytest.raises(ValueError, match=r"global posix\.getcwd is not allowed"):
        load_cifar10(tmp_path, train=False)
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}))
    with pytest.raises(ValueError, match=r"expected a CIFAR-10 python batch|not in the expected format"):
        load_cifar10(tmp_path, train=False)


def test_standardize_is_sklearns_scaler():
    from sklearn.preprocessing import StandardScaler

    X = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 5 + 2
    Z, mean, std = standardize(X)
    np.testing.assert_allclose(Z.numpy(), StandardScaler().fit_transform(X.numpy()), rtol=1e-12, atol=1e-12)
    Z2, _, _ = standardize(X[:5], mean, std)
    torch.testing.assert_close(Z2, Z[:5])
    images = torch.rand(4, 3, 5, 5, dtype=torch.float64)
    Z, mean, _ = standardize(images, dim=(0, 2, 3))
    assert mean.shape == (1, 3, 1, 1)
    torch.testing.assert_close(Z.mean(dim=(0, 2, 3)), torch.zeros(3, dtype=torch.float64), rtol=0, atol=1e-12)


def test_split_is_a_partition():
    X, y = torch.arange(20.0)[:, None], torch.arange(20)
    (Xa, ya), (_, yb) = train_val_split(X, y, val_fraction=0.25, generator=torch.Generator().manual_seed(0))
    assert len(yb) == 5 and sorted(ya.tolist() + yb.tolist()) == list(range(20))
    assert torch.equal(Xa[:, 0].long(), ya)
    with pytest.raises(ValueError, match="different numbers of samples"):
        train_val_split(X, y[:3])
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(X, y, val_fraction=1.0)


def test_flip_and_crop_against_explicit_references():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(16, 2, 6, 7, generator=g)
    out = random_flip(x, generator=torch.Generator().manual_seed(1))
    flips = torch.rand(16, generator=torch.Generator().manual_seed(1)) < 0.5
    for i in range(16):
        assert torch.equal(out[i], x[i].flip(-1) if flips[i] else x[i])
    out = random_crop(x, padding=2, generator=torch.Generator().manual_seed(2))
    gen = torch.Generator().manual_seed(2)
    dy, dx = torch.randint(0, 5, (16,), generator=gen), torch.randint(0, 5, (16,), generator=gen)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    for i in range(16):
        assert torch.equal(out[i], padded[i, :, dy[i]:dy[i] + 6, dx[i]:dx[i] + 7])
    with pytest.raises(ValueError, match="at least 4 dimension"):
        random_crop(torch.zeros(3, 3))
