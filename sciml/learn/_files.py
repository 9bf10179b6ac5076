"""Readers of the image sets in their original file formats, from a directory the user gives.

- MNIST and Fashion-MNIST: four IDX files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
  ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``), gzip-compressed (``.gz``) or raw. The IDX format
  is big-endian: a magic number (2051 for images, 2049 for labels), the counts, then ``uint8`` values.
- CIFAR-10: the "python version" batches (``data_batch_1`` … ``data_batch_5``, ``test_batch``, in the
  directory or its ``cifar-10-batches-py`` subdirectory), pickled dictionaries with ``data`` (N × 3072
  ``uint8``, channel-major 32 × 32 images) and ``labels``. They are read with an unpickler that admits only
  NumPy's array reconstruction, so a tampered file cannot run code.

Nothing is downloaded; a missing or corrupt file is an error naming the file and the format expected.
"""

from __future__ import annotations

import gzip
import io
import os
import pathlib
import pickle
import struct

import numpy as np
import torch

from sciml._validation import check_bool, check_dtype

_IDX = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _directory(root, name: str, what: str) -> pathlib.Path:
    if not isinstance(root, str | os.PathLike):
        raise TypeError(f"root must be the directory holding the {what} files (str or os.PathLike), got "
                        f"{type(root).__name__}")
    path = pathlib.Path(root)
    if not path.is_dir():
        raise ValueError(f"root={str(root)!r} is not a directory; pass the directory holding the {what} files "
                         f"({name})")
    return path


def _read_idx(folder: pathlib.Path, stem: str, magic: int, what: str) -> np.ndarray:
    """The array of the IDX file ``stem`` (``.gz`` or raw) in ``folder``."""
    for path in (folder / f"{stem}.gz", folder / stem):
        if path.is_file():
            break
    else:
        raise ValueError(f"{what}: {str(folder / stem)!r}[.gz] does not exist; the directory must hold the four "
                         f"IDX files {', '.join(s for pair in _IDX.values() for s in pair)} (gzip or raw)")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ValueError(f"{str(path)!r} is not a readable gzip file ({exc}); expected a gzip-compressed IDX "
                         "file") from None
    ndim = magic - 2048
    expected = "IDX images (magic 2051, count, rows, cols, uint8 pixels)" if ndim == 3 else \
        "IDX labels (magic 2049, count, uint8 labels)"
    header = 4 * (1 + ndim)
    if len(raw) < header or struct.unpack(">i", raw[:4])[0] != magic:
        raise ValueError(f"{str(path)!r} is not in the expected format: {expected}")
    shape = struct.unpack(f">{ndim}i", raw[4:header])
    if len(raw) != header + int(np.prod(shape)):
        raise ValueError(f"{str(path)!r} is truncated or corrupt: the header promises shape {shape} "
                         f"({header + int(np.prod(shape))} bytes), the file has {len(raw)}; expected {expected}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _load_idx(root, train, dtype, what: str):
    folder = _directory(root, "train-images-idx3-ubyte.gz, ...", what)
    split = "train" if check_bool(train, "train") else "test"
    dtype = check_dtype(torch.float32 if dtype is None else dtype, complex=False)
    images_stem, labels_stem = _IDX[split]
    images = _read_idx(folder, images_stem, 2051, what)
    labels = _read_idx(folder, labels_stem, 2049, what)
    if len(images) != len(labels):
        raise ValueError(f"{what}: {images_stem} holds {len(images)} images but {labels_stem} {len(labels)} labels; "
                         "the files belong to different sets")
    x = torch.from_numpy(images.copy()).to(dtype).div_(255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def load_mnist(root, train: bool = True, *, dtype=None):
    """MNIST from its original IDX files in ``root``: images in [0, 1] and their labels.

    Parameters
    ----------
    root : str or os.PathLike
        Directory holding ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` (or the same names without ``.gz``).
    train : bool
        The 60 000 training images (``True``) or the 10 000 test images.
    dtype : torch.dtype, optional
        Of the images: float32 (default) or float64.

    Returns
    -------
    images : (N, 1, 28, 28) tensor
        Grey levels divided by 255 (0 background, 1 ink).
    labels : (N,) int64 tensor of ``0..9``

    Raises
    ------
    ValueError
        A missing file, or one that is not IDX (named, with the format expected).

    Examples
    --------
    >>> import tempfile
    >>> load_mnist(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: MNIST: '...train-images-idx3-ubyte'[.gz] does not exist; ...

    References
    ----------
    Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of handwritten digits" (1998).
    """
    return _load_idx(root, train, dtype, "MNIST")


def load_fashion_mnist(root, train: bool = True, *, dtype=None):
    """Fashion-MNIST from its IDX files in ``root`` (the same file names and format as MNIST).

    Parameters
    ----------
    root : str or os.PathLike
        Directory holding the four IDX files (gzip or raw).
    train : bool
        The 60 000 training images (``True``) or the 10 000 test images.
    dtype : torch.dtype, optional
        Of the images: float32 (default) or float64.

    Returns
    -------
    images : (N, 1, 28, 28) tensor in [0, 1]
    labels : (N,) int64 tensor of ``0..9`` (T-shirt/top, trouser, pullover, dress, coat, sandal, shirt,
        sneaker, bag, ankle boot)

    Examples
    --------
    >>> load_fashion_mnist(3)
    Traceback (most recent call last):
    ...
    TypeError: root must be the directory holding the Fashion-MNIST files (str or os.PathLike), got int

    References
    ----------
    H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a novel image dataset for benchmarking machine learning
    algorithms", arXiv:1708.07747 (2017).
    """
    return _load_idx(root, train, dtype, "Fashion-MNIST")


class _ArraysOnly(pickle.Unpickler):
    """Unpickles NumPy arrays, lists, dicts, numbers and strings; any other global is refused."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR-10 batch")


def _cifar_batch(path: pathlib.Path):
    expected = ("a CIFAR-10 python batch: a pickled dict with b'data' (N x 3072 uint8) and b'labels' "
                "(N ints in 0..9)")
    try:
        with open(path, "rb") as f:
            batch = _ArraysOnly(io.BytesIO(f.read()), encoding="bytes").load()
    except Exception as exc:  # any unreadable file gets the same message
        raise ValueError(f"{str(path)!r} cannot be read ({type(exc).__name__}: {exc}); expected {expected}") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{str(path)!r} is not in the expected format: {expected}")
    data, labels = batch.get(b"data", batch.get("data")), batch.get(b"labels", batch.get("labels"))
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3072 or labels is None \
            or len(labels) != len(data):
        raise ValueError(f"{str(path)!r} is not in the expected format: {expected}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{str(path)!r} holds labels outside 0..9; expected {expected}")
    return data.astype(np.uint8, copy=False), labels


def load_cifar10(root, train: bool = True, *, dtype=None):
    """CIFAR-10 from its python batches in ``root`` (or ``root/cifar-10-batches-py``).

    Parameters
    ----------
    root : str or os.PathLike
        Directory holding ``data_batch_1`` … ``data_batch_5`` and ``test_batch``.
    train : bool
        The five training batches (50 000 images) or the test batch (10 000).
    dtype : torch.dtype, optional
        Of the images: float32 (default) or float64.

    Returns
    -------
    images : (N, 3, 32, 32) tensor
        RGB values divided by 255.
    labels : (N,) int64 tensor of ``0..9`` (airplane, automobile, bird, cat, deer, dog, frog, horse, ship,
        truck)

    Examples
    --------
    >>> import pickle, tempfile, pathlib, numpy as np
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 7]}
    >>> _ = (root / "test_batch").write_bytes(pickle.dumps(batch))
    >>> images, labels = load_cifar10(root, train=False)
    >>> images.shape, labels.tolist()
    (torch.Size([2, 3, 32, 32]), [3, 7])

    References
    ----------
    A. Krizhevsky, "Learning multiple layers of features from tiny images", technical report (2009).
    """
    folder = _directory(root, "data_batch_1 ... data_batch_5, test_batch", "CIFAR-10")
    if (folder / "cifar-10-batches-py").is_dir():
        folder = folder / "cifar-10-batches-py"
    names = [f"data_batch_{i}" for i in range(1, 6)] if check_bool(train, "train") else ["test_batch"]
    dtype = check_dtype(torch.float32 if dtype is None else dtype, complex=False)
    parts = []
    for name in names:
        if not (folder / name).is_file():
            raise ValueError(f"CIFAR-10: {str(folder / name)!r} does not exist; the directory must hold the python "
                             "batches data_batch_1 ... data_batch_5 and test_batch (cifar-10-python.tar.gz, "
                             "extracted)")
        parts.append(_cifar_batch(folder / name))
    data = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    images = torch.from_numpy(data.reshape(-1, 3, 32, 32).copy()).to(dtype).div_(255.0)
    return images, torch.from_numpy(labels)
