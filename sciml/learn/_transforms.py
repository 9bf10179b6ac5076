"""Preparing tensors for training: standardization (a function, and the :class:`Standardize` layer),
train/validation splits and image augmentation.

All of it works on plain tensors (no torchvision), batched along the first dimension, with randomness from a
``generator``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sciml._validation import check_int, check_real


def _tensor(x, name: str, *, min_dim: int = 1) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}; convert with torch.as_tensor")
    if x.dim() < min_dim or x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample along its first dimension and have at least "
                         f"{min_dim} dimension(s), got shape {tuple(x.shape)}")
    return x


def _floating(x, name: str, *, min_dim: int = 1) -> torch.Tensor:
    x = _tensor(x, name, min_dim=min_dim)
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {x.dtype}; convert with {name}.float()")
    return x


def _generator(generator):
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator (or None), got {type(generator).__name__}")
    return generator


def standardize(x, mean=None, std=None, *, dim=0):
    r"""Shift and scale ``x`` to zero mean and unit standard deviation over ``dim``.

    .. math:: z = (x - \mu) / \sigma

    with :math:`\mu, \sigma` computed from ``x`` (``dim=0``: per feature; ``dim=(0, 2, 3)``: per channel of
    images) unless given — pass the training set's ``mean`` and ``std`` when standardizing test data.
    A constant feature (:math:`\sigma = 0`) is only shifted.

    Parameters
    ----------
    x : tensor
        Floating data, samples along the first dimension.
    mean, std : tensor, optional
        Statistics to use (shaped to broadcast against ``x``, as returned).
    dim : int or tuple of int
        The dimensions reduced to compute the statistics.

    Returns
    -------
    z : tensor
        The standardized data.
    mean, std : tensor
        The statistics used (keep them for new data).

    Examples
    --------
    >>> x = torch.tensor([[1.0, 10.0], [3.0, 10.0]])
    >>> z, mean, std = standardize(x)
    >>> z.tolist(), mean.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [[2.0, 10.0]])
    """
    x = _floating(x, "x")
    if (mean is None) != (std is None):
        raise ValueError("pass both mean and std (the training set's statistics) or neither")
    if mean is None:
        mean = x.mean(dim=dim, keepdim=True)
        std = x.std(dim=dim, keepdim=True, correction=0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (x - mean) / std, mean, std


def _statistic(value, name: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{name} must be a real tensor, got dtype {value.dtype}")
        return value.detach().double()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a real number or a tensor, got {type(value).__name__}")
    return torch.tensor(float(value), dtype=torch.float64)


class Standardize(nn.Module):
    r"""A layer that standardizes its input with fixed statistics, :math:`z = (x - \mu) / \sigma`.

    The module form of :func:`standardize` with the training set's statistics: put it first in a network
    (``nn.Sequential(Standardize(mu, sigma), net)``) and the network takes the data as loaded, for training,
    evaluation and prediction alike. It has no parameters.

    Parameters
    ----------
    mean, std : float or tensor
        :math:`\mu` and :math:`\sigma > 0`, broadcast against the input (e.g. shape (C, 1, 1) per channel).

    Examples
    --------
    >>> Standardize(0.5, 0.25)(torch.tensor([0.0, 0.5, 1.0])).tolist()
    [-2.0, 0.0, 2.0]
    """

    def __init__(self, mean, std):
        super().__init__()
        mean, std = _statistic(mean, "mean"), _statistic(std, "std")
        if not bool(torch.isfinite(mean).all()) or not bool((std > 0).all()) or not bool(torch.isfinite(std).all()):
            raise ValueError(f"Standardize needs a finite mean and a positive finite std, got mean={mean.tolist()}, "
                             f"std={std.tolist()}")
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            return (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        except RuntimeError:
            raise ValueError(f"Standardize's statistics of shapes {tuple(self.mean.shape)} and {tuple(self.std.shape)}"
                             f" do not broadcast against an input of shape {tuple(x.shape)}: give them one entry "
                             "per feature or channel, shaped to broadcast (e.g. (C, 1, 1) for images)") from None

    def extra_repr(self) -> str:
        return f"mean={self.mean.tolist()}, std={self.std.tolist()}"


def train_val_split(*tensors, val_fraction: float = 0.1, generator=None):
    """Shuffle samples (the first dimension, the same permutation for every tensor) and split off a validation set.

    Parameters
    ----------
    *tensors : tensor
        Inputs, labels, ... with the same number of samples.
    val_fraction : float
        Fraction of samples in the validation part, in (0, 1); at least one sample goes to each part.
    generator : torch.Generator, optional
        Source of the permutation.

    Returns
    -------
    train, val : tuple of tensor
        The two parts of every tensor, in the order given.

    Examples
    --------
    >>> X, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
    >>> (X_train, y_train), (X_val, y_val) = train_val_split(X, y, val_fraction=0.4,
    ...                                                      generator=torch.Generator().manual_seed(0))
    >>> len(y_train), len(y_val), sorted(y_train.tolist() + y_val.tolist())
    (3, 2, [0, 1, 2, 3, 4])
    """
    if not tensors:
        raise TypeError("train_val_split needs at least one tensor, e.g. train_val_split(X, y)")
    tensors = [_tensor(t, f"tensors[{i}]") for i, t in enumerate(tensors)]
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"the tensors hold different numbers of samples: {[len(t) for t in tensors]}")
    if n < 2:
        raise ValueError(f"splitting needs at least 2 samples, got {n}")
    fraction = check_real(val_fraction, "val_fraction", low=0, high=1, low_open=True, high_open=True)
    n_val = min(max(1, round(fraction * n)), n - 1)
    perm = torch.randperm(n, generator=_generator(generator))
    train_idx, val_idx = perm[n_val:], perm[:n_val]
    return tuple(t[train_idx.to(t.device)] for t in tensors), tuple(t[val_idx.to(t.device)] for t in tensors)


def random_flip(images, *, p: float = 0.5, generator=None):
    """Mirror each image left-right with probability ``p``.

    Parameters
    ----------
    images : (N, C, H, W) tensor
        A batch of images.
    p : float
        Probability of flipping each image.
    generator : torch.Generator, optional
        Source of randomness.

    Returns
    -------
    (N, C, H, W) tensor
        A new tensor; ``images`` is unchanged.

    Examples
    --------
    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
    >>> random_flip(x, p=1.0)[0, 0].tolist()
    [[1.0, 0.0], [3.0, 2.0]]
    """
    images = _tensor(images, "images", min_dim=4)
    p = check_real(p, "p", low=0, high=1)
    flip = torch.rand(len(images), generator=_generator(generator)) < p
    flip = flip.to(images.device).view(-1, *([1] * (images.dim() - 1)))
    return torch.where(flip, images.flip(-1), images)


def random_crop(images, *, padding: int = 4, generator=None):
    """Pad each image by ``padding`` zeros on every side and cut out a random window of the original size.

    Parameters
    ----------
    images : (N, C, H, W) tensor
        A batch of images.
    padding : int
        Zeros added on each side; the window moves by up to ``padding`` pixels each way.
    generator : torch.Generator, optional
        Source of randomness.

    Returns
    -------
    (N, C, H, W) tensor
        The shifted images.

    Examples
    --------
    >>> x = torch.ones(3, 1, 5, 5)
    >>> out = random_crop(x, padding=2, generator=torch.Generator().manual_seed(0))
    >>> out.shape, bool((out.sum(dim=(1, 2, 3)) >= 9).all())
    (torch.Size([3, 1, 5, 5]), True)
    """
    images = _tensor(images, "images", min_dim=4)
    pad = check_int(padding, "padding", low=0)
    if pad == 0:
        return images.clone()
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    gen = _generator(generator)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(images.device)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(images.device)
    rows = (dy[:, None] + torch.arange(h, device=images.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=images.device))[:, None, None, :]
    batch = torch.arange(n, device=images.device)[:, None, None, None]
    channels = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    return padded[batch, channels, rows, cols]
