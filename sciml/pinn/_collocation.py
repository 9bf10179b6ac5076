"""Collocation points on an interval: Chebyshev–Lobatto, uniform, random, or given by the user."""

from __future__ import annotations

import math

import torch

from sciml._validation import as_tensor, check_dtype, check_int, check_real

KINDS = ("chebyshev", "uniform", "random")


def collocation_points(domain, n_points: int, kind="chebyshev", *, generator=None, dtype=torch.float64,
                       device=None) -> torch.Tensor:
    """``n_points`` points in ``[a, b]``, sorted.

    Parameters
    ----------
    domain : (a, b)
    n_points : int
        At least 2.
    kind : {"chebyshev", "uniform", "random"} or tensor
        ``chebyshev``: the Chebyshev–Lobatto points ``a + (b - a)(1 - cos(πj/(n - 1)))/2`` (clustered at the
        ends, where a trial function is hardest to fit); ``uniform``: equispaced, ends included;
        ``random``: uniform draws from ``generator``. A tensor is taken as the points themselves.

    Examples
    --------
    >>> collocation_points((0.0, 1.0), 3)
    tensor([0.0000, 0.5000, 1.0000], dtype=torch.float64)
    """
    if not isinstance(domain, list | tuple) or len(domain) != 2:
        raise ValueError(f"domain must be a pair (a, b) with a < b, got {domain!r}")
    a, b = check_real(domain[0], "domain[0]"), check_real(domain[1], "domain[1]")
    if not a < b:
        raise ValueError(f"domain must be an interval (a, b) with a < b, got ({a:g}, {b:g}); swap the ends")
    if dtype is not None:
        check_dtype(dtype, complex=False)
    if not isinstance(kind, str):
        x = as_tensor(kind, "collocation", dtype=dtype, device=device, ndim=1)
        if x.shape[0] < 1:
            raise ValueError("collocation points are empty: pass at least one point")
        if bool((x < a).any() or (x > b).any()):
            raise ValueError(f"collocation points must lie in the domain [{a:g}, {b:g}]")
        return x
    if kind not in KINDS:
        raise ValueError(f"collocation must be one of {KINDS} or a tensor of points, got {kind!r}")
    check_int(n_points, "n_points", low=2)
    if kind == "chebyshev":
        j = torch.arange(n_points, dtype=torch.float64)
        s = (1 - torch.cos(math.pi * j / (n_points - 1))) / 2
    elif kind == "uniform":
        s = torch.linspace(0, 1, n_points, dtype=torch.float64)
    else:
        s = torch.sort(torch.rand(n_points, generator=generator, dtype=torch.float64)).values
    return (a + (b - a) * s).to(dtype=dtype, device=device)
