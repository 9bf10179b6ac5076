r"""Linear recursive filtering on tensors: ``lfilter`` and ``lfilter_zi``, differentiable.

The difference equation :math:`\sum_{k=0}^{p} a_k y_{n-k} = \sum_{k=0}^{p} b_k x_{n-k}` (``a_0 = 1``) with
SciPy's transposed-direct-form states. On the CPU the recursion runs in SciPy's C loop (the values are
SciPy's to the last bit) inside an autograd function whose backward pass is the adjoint filter — the same
recursion run backwards in time, :math:`\bar w = \text{lfilter}(1, a, \bar y \text{ reversed})` reversed —
and correlations: :math:`\partial/\partial x_n = \sum_k b_k \bar w_{n+k}`,
:math:`\partial/\partial b_k = \sum_n \bar w_n x_{n-k}`, :math:`\partial/\partial a_k = -\sum_n \bar w_n
y_{n-k}`, :math:`\partial/\partial z_i = \bar w_i`. The backward pass is itself differentiable. Off the CPU
the recursion is the blocked parallel scan of :mod:`sciml.signal._allpole`.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.signal
import torch
import torch.nn.functional as F

from sciml._validation import as_tensor
from sciml.signal._allpole import all_pole, fir
from sciml.signal._memory import recording
from sciml.signal._segments import as_samples, check_finite


def _correlate(g: torch.Tensor, v: torch.Tensor, m: int) -> torch.Tensor:
    """``c_k = Σ_n g_n v_{n−k}`` for ``k < m``, summed over every batch dimension."""
    n = g.shape[-1]
    return torch.stack([(g[..., k:] * v[..., :n - k]).sum() if k < n else g.new_zeros(()) for k in range(m)])


def _scipy_lfilter(b: torch.Tensor, a: torch.Tensor, x: torch.Tensor, zi: torch.Tensor | None) -> torch.Tensor:
    """``scipy.signal.lfilter(b, a, x, zi=zi)[0]`` along the last dimension of CPU tensors."""
    arrays = [t.detach().numpy() for t in (b, a, x)]
    if zi is None:
        y = scipy.signal.lfilter(*arrays, axis=-1)
    else:
        y = scipy.signal.lfilter(*arrays, axis=-1, zi=zi.detach().numpy().copy())[0]
    return torch.from_numpy(np.ascontiguousarray(y)).to(x.dtype)


class _LFilter(torch.autograd.Function):
    """``scipy.signal.lfilter(b, a, x, zi=zi)[0]`` along the last dimension (normalised ``a``), with the
    adjoint-filter backward pass."""

    @staticmethod
    def forward(ctx, b, a, x, zi):  # the ctx-first form: no per-call signature binding (setup_context costs it)
        y = _scipy_lfilter(b, a, x, zi)
        ctx.save_for_backward(b, a, x, y)
        ctx.has_zi = zi is not None
        return y

    @staticmethod
    def backward(ctx, gy):
        b, a, x, y = ctx.saved_tensors
        one = torch.ones(1, dtype=a.dtype)
        gw = _LFilter.apply(one, a, gy.flip(-1), None).flip(-1)
        m = b.shape[0]
        gx = fir(b, gw.flip(-1)).flip(-1) if ctx.needs_input_grad[2] else None
        gb = _correlate(gw, x, m) if ctx.needs_input_grad[0] else None
        ga = -_correlate(gw, y, a.shape[0]) if ctx.needs_input_grad[1] else None
        gz = None
        if ctx.has_zi and ctx.needs_input_grad[3]:
            p = a.shape[0] - 1
            gz = F.pad(gw[..., :p], (0, max(p - gw.shape[-1], 0)))
        return gb, ga, gx, gz


def recursion(b: torch.Tensor, a: torch.Tensor, x: torch.Tensor, zi: torch.Tensor | None) -> torch.Tensor:
    """``y`` of the difference equation along the last dimension of the real ``x`` (normalised, equal-length
    ``b`` and ``a``; ``zi`` (..., p) or None): SciPy's loop on the CPU, the blocked scan elsewhere."""
    if x.device.type == "cpu":
        if zi is not None:
            zi = zi.expand(*x.shape[:-1], zi.shape[-1])
        if not recording(b, a, x, zi):  # no autograd node to build
            return _scipy_lfilter(b, a, x, zi)
        return _LFilter.apply(b, a, x, zi)
    p, n = a.shape[0] - 1, x.shape[-1]
    w = fir(b, x)
    if zi is not None and p:
        w = w + F.pad(zi[..., :min(p, n)], (0, max(n - p, 0)))
    return all_pole(a, w)


def coefficients(b, a) -> tuple[torch.Tensor, torch.Tensor]:
    """``b`` and ``a`` as 1-D real tensors with ``a[0] ≠ 0`` and a stable denominator."""
    b = as_tensor(b, "b", ndim=1, real=True, nonempty=True)
    a = as_tensor(a, "a", ndim=1, real=True, nonempty=True)
    if float(a.detach()[0]) == 0:
        raise ValueError("a[0] must be non-zero (it normalises the difference equation); got a[0] = 0")
    check_stable(a.detach().cpu().numpy(), "a")
    return b, a


@functools.lru_cache(maxsize=256)
def _pole_radius(coefficients: tuple[float, ...]) -> float:
    """The largest pole modulus of a denominator (cached: filters are applied again and again)."""
    a = np.trim_zeros(np.asarray(coefficients, dtype=float), "b")
    return float(np.max(np.abs(np.roots(a)))) if a.shape[0] > 1 else 0.0


def check_stable(a: np.ndarray, name: str) -> None:
    """Refuse a denominator with a pole on or outside the unit circle (its output grows without bound)."""
    a = np.asarray(a, dtype=float)
    if a.shape[0] > 1:
        radius = _pole_radius(tuple(a.tolist()))
        if not radius < 1:
            raise ValueError(f"{name}: the filter is unstable (a pole at |z| = {radius:.6g} ≥ 1); design a stable "
                             "filter, e.g. scipy.signal.butter(..., output='sos') and sosfilt")


def states(zi, x: torch.Tensor, p: int, axis: int, name: str = "zi") -> torch.Tensor:
    """``zi`` (``x``'s shape with ``axis`` replaced by the ``p`` states; a 1-D vector broadcasts) with the
    states last, broadcast against ``x``'s other dimensions."""
    zi = as_tensor(zi, name, real=not x.is_complex(), device=x.device).to(x.dtype)
    if zi.dim() == 1 and x.dim() > 1 and zi.shape[0] == p:
        zi = zi.reshape([p if d == axis else 1 for d in range(x.dim())])
    if zi.dim() != x.dim() or zi.shape[axis] != p:
        want = list(x.shape)
        want[axis] = p
        raise ValueError(f"{name} must have shape {tuple(want)} (x's shape with axis {axis} replaced by the "
                         f"{p} filter states), got {tuple(zi.shape)}")
    zi = zi.movedim(axis, -1)
    batch = x.movedim(axis, -1).shape[:-1]
    try:
        return zi.expand(*torch.broadcast_shapes(zi.shape[:-1], batch), p)
    except RuntimeError:
        raise ValueError(f"{name} of shape {tuple(zi.shape)} does not broadcast against x") from None


def filter_last(b: torch.Tensor, a: torch.Tensor, x: torch.Tensor, zi: torch.Tensor | None, final: bool = True):
    """``lfilter`` along the last dimension with normalised, equal-length (p + 1) ``b`` and ``a``;
    ``zi`` (..., p) or None. Returns ``(y, zf)`` (``zf`` None unless ``final``)."""
    if x.is_complex():
        yr, zr = filter_last(b, a, x.real, None if zi is None else zi.real, final)
        yi, zim = filter_last(b, a, x.imag, None if zi is None else zi.imag, final)
        return torch.complex(yr, yi), (torch.complex(zr, zim) if final else None)
    p, n = a.shape[0] - 1, x.shape[-1]
    y = recursion(b, a, x, zi)
    if not final:
        return y, None
    # final states z_i = Σ_{m ≤ p-1-i} (b_{i+1+m} x_{N-1-m} − a_{i+1+m} y_{N-1-m}) (+ zi_{i+N} when N < p)
    xr = F.pad(x[..., -p:], (max(p - n, 0), 0)).flip(-1) if p else x[..., :0]
    yr = F.pad(y[..., -p:], (max(p - n, 0), 0)).flip(-1) if p else y[..., :0]
    i = torch.arange(p, device=x.device)
    k = i[:, None] + 1 + i[None, :]
    H_b = torch.where(k <= p, b[k.clamp(max=p)], 0.0)
    H_a = torch.where(k <= p, a[k.clamp(max=p)], 0.0)
    zf = xr @ H_b.T - yr @ H_a.T
    if zi is not None and n < p:
        zf = zf + F.pad(zi[..., n:], (0, n))
    return y, zf


def normalised(b: torch.Tensor, a: torch.Tensor, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """``b/a[0]`` and ``a/a[0]`` zero-padded to a common length, in ``dtype``."""
    m = max(b.shape[0], a.shape[0])
    b, a = F.pad(b, (0, m - b.shape[0])).to(dtype), F.pad(a, (0, m - a.shape[0])).to(dtype)
    return b / a[0], a / a[0]


def lfilter(b, a, x, axis=-1, zi=None):
    r"""Filter ``x`` along ``axis`` by the rational transfer function :math:`B(z)/A(z)`, as
    ``scipy.signal.lfilter``.

    .. math:: a_0 y_n = \sum_{k=0}^{M} b_k x_{n-k} - \sum_{k=1}^{N} a_k y_{n-k},

    in SciPy's direct form II transposed, whose ``max(M, N)`` states ``zi``/``zf`` continue a filtering
    across calls. On the CPU the recursion is SciPy's C loop (its values exactly), off it a blocked parallel
    scan; batched over the other dimensions of ``x`` and differentiable in ``b``, ``a``, ``x`` and ``zi``
    (see the module docstring).

    Parameters
    ----------
    b, a : (M+1,), (N+1,) tensor-like
        Numerator and denominator coefficients; ``a[0] ≠ 0`` and the poles (roots of ``a``) inside the unit
        circle. For high orders prefer second-order sections (:func:`sosfilt`).
    x : tensor-like
        Real or complex samples along ``axis``.
    axis : int
        The samples' dimension (default the last).
    zi : tensor-like, optional
        Initial states: ``x``'s shape with ``axis`` replaced by ``max(M, N)`` (a 1-D vector broadcasts); see
        :func:`lfilter_zi`.

    Returns
    -------
    y : tensor
        The output, of ``x``'s shape (the common dtype of ``x``, ``b`` and ``a``).
    zf : tensor
        Final states, only when ``zi`` is given (then ``(y, zf)`` is returned).

    Raises
    ------
    ValueError
        ``a[0] = 0``, an unstable denominator, a ``zi`` of the wrong shape, an empty or non-finite input.

    References
    ----------
    .. [1] A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal Processing*, 3rd ed., Pearson, 2010,
       §6.5 (transposed direct form).
    .. [2] G. E. Blelloch, "Prefix sums and their applications", CMU-CS-90-190, 1990 (the scan across
       blocks).
    .. [3] ``scipy.signal.lfilter``.

    Examples
    --------
    An exponential average :math:`y_n = 0.5 y_{n-1} + 0.5 x_n` of a step:

    >>> lfilter([0.5], [1.0, -0.5], torch.ones(4, dtype=torch.float64)).tolist()
    [0.5, 0.75, 0.875, 0.9375]
    """
    b, a = coefficients(b, a)
    x, axis_i = as_samples(x, "x", axis, finite=False)
    dtype = torch.promote_types(x.dtype, b.dtype)
    x = x.to(dtype)
    b, a = normalised(b.to(x.device), a.to(x.device), x.real.dtype)
    p = a.shape[0] - 1
    # SciPy's loop carries a NaN or an infinity into every state and every later output (0·NaN = NaN), so with
    # states the last outputs are finite exactly when the input is (barring overflow): no pass over x first
    after = p > 0 and x.device.type == "cpu"
    if not after:
        check_finite(x, "x")
    z = None if zi is None else states(zi, x.movedim(-1, axis_i), p, axis_i)
    y, zf = filter_last(b, a, x, z, final=zi is not None)
    if after and not bool(torch.isfinite(y[..., -1]).all()):
        check_finite(x, "x")
    y = y.movedim(-1, axis_i)
    return y if zi is None else (y, zf.movedim(-1, axis_i))


def lfilter_zi(b, a) -> torch.Tensor:
    r"""Initial states of :func:`lfilter` for the steady state of a unit step.

    The states :math:`z` that a constant input 1 leaves unchanged: :math:`(I - A^\mathsf{T}) z = B`, with
    :math:`A` the companion matrix of :math:`a` and :math:`B_i = b_{i+1} - a_{i+1} b_0` (normalised by
    :math:`a_0`). Scaled by the first sample, they start a filtering without its transient.

    Parameters
    ----------
    b, a : tensor-like
        Filter coefficients (stable, ``a[0] ≠ 0``).

    Returns
    -------
    (max(len(a), len(b)) − 1,) tensor
        The states (differentiable in ``b`` and ``a``).

    Raises
    ------
    ValueError
        ``a[0] = 0`` or an unstable filter.

    References
    ----------
    .. [1] F. Gustafsson, "Determining the initial states in forward-backward filtering", *IEEE Trans.
       Signal Process.* 44(4), 988–992, 1996.
    .. [2] ``scipy.signal.lfilter_zi``.

    Examples
    --------
    >>> zi = lfilter_zi([0.5], [1.0, -0.5])
    >>> lfilter([0.5], [1.0, -0.5], torch.ones(3, dtype=torch.float64), zi=zi)[0].tolist()
    [1.0, 1.0, 1.0]
    """
    b, a = coefficients(b, a)
    dtype = torch.promote_types(b.dtype, a.dtype)
    return steady_states(*normalised(b, a.to(b.device), dtype))


def steady_states(b: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """:func:`lfilter_zi` of normalised, equal-length coefficients."""
    p, dtype = a.shape[0] - 1, a.dtype
    if p == 0:
        return b[:0]
    companion = torch.cat([-a[1:][None, :], torch.eye(p - 1, p, dtype=dtype, device=b.device)], 0)
    rhs = b[1:] - a[1:] * b[0]
    return torch.linalg.solve(torch.eye(p, dtype=dtype, device=b.device) - companion.T, rhs)
