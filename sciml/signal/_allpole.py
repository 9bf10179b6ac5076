r"""The all-pole recursion :math:`y_n = w_n - \sum_{k\ge1} a_k y_{n-k}` without a loop over samples, for
tensors off the CPU (on the CPU :func:`~sciml.signal.lfilter` delegates the recursion to SciPy's C loop).

The recursion is a cascade of one-pole recursions :math:`u_n = w_n + r u_{n-1}` over the poles :math:`r` of
:math:`1/a` (a conjugate pair as one real section, :math:`2\,\mathrm{Re}(c\, u)` by partial fractions).
Each is solved in blocks of :math:`L` samples: inside a block :math:`u = T w + r^{t+1} s` with
:math:`T_{ts} = r^{t-s}` lower triangular and :math:`s` the previous block's last value, and the block ends
carry by :math:`s_j = r^L s_{j-1} + e_j`, solved by recursive doubling in :math:`\lceil\log_2(N/L)\rceil`
batched steps. Poles with exact powers :math:`r^k` keep it accurate where the poles approach the unit circle.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: block length of the all-pole recursion (at least the filter order)
BLOCK = 32


def _powers(r: torch.Tensor, n: int) -> torch.Tensor:
    """``r**k`` for ``k = 0, …, n − 1`` (exact powers, not a running product)."""
    return r ** torch.arange(n, dtype=r.real.dtype, device=r.device)


def _scan(e: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """``s_j = m s_{j−1} + e_j`` (``s_{−1} = 0``) along the last dimension by recursive doubling."""
    d, n = 1, e.shape[-1]
    while d < n:
        e = torch.cat([e[..., :d], e[..., d:] + (m ** d) * e[..., :-d]], -1)
        d *= 2
    return e


def _one_pole(r: torch.Tensor, w: torch.Tensor, c=None) -> torch.Tensor:
    """``u_n = w_n + r u_{n−1}`` along the last dimension of the real ``w``, in blocks; for a complex pole,
    returns ``2 Re(c u)`` (one real section of a conjugate pair in partial fractions)."""
    n = w.shape[-1]
    block = BLOCK
    nb = -(-n // block)
    W = F.pad(w, (0, nb * block - n)).reshape(*w.shape[:-1], nb, block)
    powers = _powers(r, block + 1)
    i = torch.arange(block, device=w.device)
    lag = i[:, None] - i[None, :]
    T = torch.where(lag >= 0, powers[lag.clamp(min=0)], 0.0)  # T[t, s] = r^(t−s)
    ends = W @ T[-1].real if c is None else torch.complex(W @ T[-1].real, W @ T[-1].imag)
    S = _scan(ends, r ** block)
    prev = F.pad(S[..., :-1], (1, 0))[..., None]  # the state entering each block
    if c is None:
        Y = W @ T.T + prev * powers[1:]
    else:
        Y = W @ (2 * (c * T).real).T + 2 * (c * prev * powers[1:]).real
    return Y.reshape(*w.shape[:-1], nb * block)[..., :n]


def poles(a: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """The real poles ``(r, None)`` and one of each conjugate pair with its partial-fraction weight
    ``(r, r/(r − r̄))`` of ``1/a`` (``a[0] = 1``): closed form up to order 2, companion eigenvalues above."""
    p = a.shape[0] - 1
    if p == 1:
        return [(-a[1], None)]
    if p == 2:
        disc = a[1] * a[1] - 4 * a[2]
        if float(disc.detach()) >= 0:  # two real poles, the larger-magnitude one without cancellation
            q = -(a[1] + torch.copysign(torch.sqrt(disc), a[1])) / 2
            return [(q, None), (a[2] / q, None)] if float(q.detach()) != 0 else []
        r = torch.complex(-a[1] / 2, torch.sqrt(-disc) / 2)
        return [(r, r / (2j * r.imag))]
    companion = torch.cat([-a[1:][None, :], torch.eye(p - 1, p, dtype=a.dtype, device=a.device)], 0)
    roots = torch.linalg.eigvals(companion)
    tol = 1e-9 * float(roots.detach().abs().max())
    out = [(z.real, None) for z in roots if abs(float(z.imag.detach())) <= tol]
    out += [(z, z / (2j * z.imag)) for z in roots if float(z.imag.detach()) > tol]
    return out


def all_pole(a: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``y`` with ``y_n = w_n − Σ_{k≥1} a_k y_{n−k}`` (zero initial state) along the last dimension of ``w``:
    a cascade of one-pole recursions over the poles of ``1/a`` (a conjugate pair as one real section)."""
    if a.shape[0] == 1 or w.shape[-1] == 0:
        return w
    for r, c in poles(a):
        if float(r.detach().abs()) != 0:  # a pole at 0 is a delay-free identity
            w = _one_pole(r, w, c)
    return w


def fir(b: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The causal convolution ``Σ_k b_k x_{n−k}`` along the last dimension, truncated to ``x``'s length:
    shifted sums for short ``b``, ``conv1d`` for long."""
    m, n = b.shape[0], x.shape[-1]
    if m <= 8:
        xp = F.pad(x, (m - 1, 0)) if m > 1 else x
        w = b[0] * x
        for k in range(1, m):
            w = w + b[k] * xp[..., m - 1 - k:m - 1 - k + n]
        return w
    shape = x.shape
    xx = F.pad(x.reshape(-1, 1, n), (m - 1, 0))
    return F.conv1d(xx, b.flip(0).reshape(1, 1, -1)).reshape(shape)


