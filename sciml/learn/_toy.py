"""Small classification sets that need no download: scikit-learn's moons, circles and 8×8 digits, and seeded
XOR and spiral generators.

Every function returns ``(X, y)``: features of shape ``(n, 2)`` (images ``(n, 1, 8, 8)`` for digits) in
``dtype`` (float32 by default, the dtype networks train in) and int64 labels ``0, 1, ...``. Randomness comes
from ``generator`` (a :class:`torch.Generator`); scikit-learn's generators receive a seed drawn from it, so a
seeded generator gives the same set every time and the global random state is never touched.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from sciml._validation import check_dtype, check_int, check_real

#: the dtype of data and networks unless one is asked for
DEFAULT_DTYPE = torch.float32


def _seed(generator) -> int:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator (or None), got {type(generator).__name__}")
    return int(torch.randint(0, 2**31 - 1, (1,), generator=generator))


def _out(X, y, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    dtype = check_dtype(DEFAULT_DTYPE if dtype is None else dtype, complex=False)
    return torch.as_tensor(np.asarray(X), dtype=dtype), torch.as_tensor(np.asarray(y), dtype=torch.int64)


def moons(n_samples: int = 1000, *, noise: float = 0.2, generator=None, dtype=None):
    r"""Two interleaving half circles (scikit-learn's ``make_moons``), a set no line separates.

    Class 0 lies on :math:`(\cos t, \sin t)`, class 1 on :math:`(1 - \cos t, \tfrac12 - \sin t)`,
    :math:`t \in [0, \pi]`, each point moved by Gaussian noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int
        Number of points (split evenly between the two classes).
    noise : float
        Standard deviation of the Gaussian noise.
    generator : torch.Generator, optional
        Source of randomness (a seed for scikit-learn is drawn from it).
    dtype : torch.dtype, optional
        float32 (default) or float64.

    Returns
    -------
    X : (n_samples, 2) tensor
    y : (n_samples,) int64 tensor of 0 and 1

    Examples
    --------
    >>> X, y = moons(100, generator=torch.Generator().manual_seed(0))
    >>> X.shape, y.dtype, int(y.sum())
    (torch.Size([100, 2]), torch.int64, 50)

    References
    ----------
    scikit-learn, ``sklearn.datasets.make_moons``.
    """
    from sklearn.datasets import make_moons

    n = check_int(n_samples, "n_samples", low=2)
    noise = check_real(noise, "noise", low=0)
    return _out(*make_moons(n, noise=noise, random_state=_seed(generator)), dtype)


def circles(n_samples: int = 1000, *, noise: float = 0.1, factor: float = 0.5, generator=None, dtype=None):
    r"""A small circle inside a large one (scikit-learn's ``make_circles``).

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor``, each point moved by Gaussian
    noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int
        Number of points (split evenly).
    noise : float
        Standard deviation of the Gaussian noise.
    factor : float
        Radius of the inner circle, in (0, 1).
    generator : torch.Generator, optional
        Source of randomness.
    dtype : torch.dtype, optional
        float32 (default) or float64.

    Returns
    -------
    X : (n_samples, 2) tensor
    y : (n_samples,) int64 tensor of 0 and 1

    Examples
    --------
    >>> X, y = circles(200, noise=0.0, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> radii = X.norm(dim=1)
    >>> round(float(radii[y == 0].mean()), 6), round(float(radii[y == 1].mean()), 6)
    (1.0, 0.5)

    References
    ----------
    scikit-learn, ``sklearn.datasets.make_circles``.
    """
    from sklearn.datasets import make_circles

    n = check_int(n_samples, "n_samples", low=2)
    noise = check_real(noise, "noise", low=0)
    factor = check_real(factor, "factor", low=0, high=1, low_open=True, high_open=True)
    return _out(*make_circles(n, noise=noise, factor=factor, random_state=_seed(generator)), dtype)


def xor(n_samples: int = 1000, *, noise: float = 0.0, generator=None, dtype=None):
    r"""The XOR problem: points uniform in :math:`[-1, 1]^2`, label 1 where the coordinates' signs differ.

    .. math:: y = [\,x_1 x_2 < 0\,],

    with Gaussian noise of standard deviation ``noise`` added to the features after labelling.

    Parameters
    ----------
    n_samples : int
        Number of points.
    noise : float
        Standard deviation of the noise added to the features.
    generator : torch.Generator, optional
        Source of randomness.
    dtype : torch.dtype, optional
        float32 (default) or float64.

    Returns
    -------
    X : (n_samples, 2) tensor
    y : (n_samples,) int64 tensor of 0 and 1

    Examples
    --------
    >>> X, y = xor(500, generator=torch.Generator().manual_seed(0))
    >>> bool(((X[:, 0] * X[:, 1] < 0).long() == y).all())
    True
    """
    n = check_int(n_samples, "n_samples", low=1)
    noise = check_real(noise, "noise", low=0)
    dtype = check_dtype(DEFAULT_DTYPE if dtype is None else dtype, complex=False)
    _seed(generator)  # checks the generator
    X = torch.rand(n, 2, generator=generator, dtype=torch.float64) * 2 - 1
    y = (X[:, 0] * X[:, 1] < 0).long()
    X = X + noise * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    return X.to(dtype), y


def spirals(n_samples: int = 1000, *, n_classes: int = 2, noise: float = 0.2, turns: float = 1.0,
            generator=None, dtype=None):
    r"""Interleaved spiral arms, one per class (the seeds' two- and multi-class spirals).

    Arm :math:`k` holds the points :math:`r (\sin\theta, \cos\theta)` with radius :math:`r` from 0 to 1 and
    angle :math:`\theta = 2\pi\,\text{turns}\,r + 2\pi k / K + \varepsilon`, where :math:`K` is
    ``n_classes`` and :math:`\varepsilon \sim N(0, \text{noise}^2)`.

    Parameters
    ----------
    n_samples : int
        Number of points (split evenly between the arms; the remainder goes to the first arms).
    n_classes : int
        Number of arms (classes), at least 2.
    noise : float
        Standard deviation of the angular noise, in radians.
    turns : float
        How many turns each arm makes.
    generator : torch.Generator, optional
        Source of randomness.
    dtype : torch.dtype, optional
        float32 (default) or float64.

    Returns
    -------
    X : (n_samples, 2) tensor
    y : (n_samples,) int64 tensor of ``0, ..., n_classes - 1``

    Examples
    --------
    >>> X, y = spirals(300, n_classes=3, generator=torch.Generator().manual_seed(0))
    >>> X.shape, torch.bincount(y).tolist()
    (torch.Size([300, 2]), [100, 100, 100])

    References
    ----------
    A. Karpathy, CS231n: "Putting it together: minimal neural network case study" (the spiral data set).
    """
    n = check_int(n_samples, "n_samples", low=1)
    k = check_int(n_classes, "n_classes", low=2)
    noise = check_real(noise, "noise", low=0)
    turns = check_real(turns, "turns", low=0, low_open=True)
    dtype = check_dtype(DEFAULT_DTYPE if dtype is None else dtype, complex=False)
    _seed(generator)
    y = torch.arange(n) % k
    y = y.sort(stable=True).values
    r = torch.empty(n, dtype=torch.float64)
    for c in range(k):
        m = int((y == c).sum())
        r[y == c] = torch.linspace(0.0, 1.0, m, dtype=torch.float64) if m > 1 else torch.ones(m, dtype=torch.float64)
    theta = 2 * math.pi * (turns * r + y / k) + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    X = torch.stack([r * torch.sin(theta), r * torch.cos(theta)], dim=1)
    return X.to(dtype), y


def digits(*, dtype=None):
    """scikit-learn's bundled 8×8 handwritten digits: 1797 images with pixels scaled to [0, 1].

    The set ships inside scikit-learn (UCI optical recognition of handwritten digits, test part), so it works
    offline with nothing downloaded: the default data of ``sciml train``.

    Parameters
    ----------
    dtype : torch.dtype, optional
        float32 (default) or float64.

    Returns
    -------
    images : (1797, 1, 8, 8) tensor
        Grey levels ``0..16`` divided by 16.
    labels : (1797,) int64 tensor of ``0..9``

    Examples
    --------
    >>> images, labels = digits()
    >>> images.shape, float(images.max()), labels[:5].tolist()
    (torch.Size([1797, 1, 8, 8]), 1.0, [0, 1, 2, 3, 4])

    References
    ----------
    scikit-learn, ``sklearn.datasets.load_digits``; E. Alpaydin, C. Kaynak, UCI "Optical Recognition of
    Handwritten Digits" (1998).
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    return _out(data.images[:, None] / 16.0, data.target, dtype)
