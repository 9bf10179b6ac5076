r"""Gustafsson's forward-backward filtering (``filtfilt(..., method="gust")``): initial states for both passes
chosen so that filtering forward-then-backward and backward-then-forward agree, in the least-squares sense.

With the filter's observability matrix :math:`O` (column :math:`k`: the zero-input response to the unit
state :math:`e_k`, of :math:`m` samples), its row reversal :math:`O^R` and :math:`S` the filter applied to
:math:`O^R` (the response of the second pass to the first pass's initial transient), the zero-state passes
:math:`y_{fb}^0` and :math:`y_{bf}^0` differ by :math:`\Delta`; the optimal states solve

.. math:: \min_{x_0, x_{N-1}} \left\| \begin{bmatrix} S^R - O & O^R - S \end{bmatrix}
          \begin{bmatrix} x_0 \\ x_{N-1} \end{bmatrix} - \Delta \right\|_2,
          \qquad y = y_{fb}^0 + \begin{bmatrix} S^R & O^R \end{bmatrix}
          \begin{bmatrix} x_0 \\ x_{N-1} \end{bmatrix}.

With ``irlen`` (the impulse response's non-negligible length :math:`m`) and :math:`N > 2m`, only the first
and last :math:`m` samples take part (the two ends decouple: a block-diagonal system), as in SciPy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sciml._validation import check_int
from sciml.signal._lfilter import filter_last


def _run(b: torch.Tensor, a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return filter_last(b, a, x, None, final=False)[0]


def _blocks(top: torch.Tensor, bottom: torch.Tensor, split: bool) -> torch.Tensor:
    """``[top, bottom]`` side by side (``split=False``), or block-diagonal ``[[top, 0], [0, bottom]]``."""
    if not split:
        return torch.cat([top, bottom], -1)
    m, p = top.shape
    zeros = top.new_zeros(m, p)
    return torch.cat([torch.cat([top, zeros], -1), torch.cat([zeros, bottom], -1)], 0)


def gustafsson(b: torch.Tensor, a: torch.Tensor, x: torch.Tensor, irlen) -> torch.Tensor:
    """Forward-backward filtering of ``x`` along its last dimension with Gustafsson's initial states
    (normalised, equal-length ``b`` and ``a``), as SciPy's ``_filtfilt_gust``."""
    p, n = a.shape[0] - 1, x.shape[-1]
    if p == 0:
        return (b[0] / a[0]) ** 2 * x
    irlen = None if irlen is None else check_int(irlen, "irlen", low=1)
    m = n if irlen is None or n <= 2 * irlen else irlen
    split = m < n
    impulse = F.pad(torch.ones(1, dtype=a.dtype, device=a.device), (0, p - 1))
    first = filter_last(b, a, a.new_zeros(m), impulse, final=False)[0]
    obs = torch.stack([F.pad(first, (k, 0))[:m] for k in range(p)], -1)  # (m, p): O
    s = _run(b, a, obs.flip(0).T).T  # (m, p): S, the filter run down O's reversed rows
    system = _blocks(s.flip(0) - obs, obs.flip(0) - s, split)
    weights = _blocks(s.flip(0), obs.flip(0), split)

    y_fb = _run(b, a, _run(b, a, x).flip(-1)).flip(-1)
    y_bf = _run(b, a, _run(b, a, x.flip(-1)).flip(-1))
    delta = y_bf - y_fb
    if split:
        delta = torch.cat([delta[..., :m], delta[..., -m:]], -1)
    solve = torch.linalg.pinv(system)  # least squares for every signal of the batch at once
    ic = delta @ solve.T.to(delta.dtype)
    correction = ic @ weights.T.to(ic.dtype)
    if not split:
        return y_fb + correction
    middle = y_fb[..., m:n - m]
    return torch.cat([y_fb[..., :m] + correction[..., :m], middle, y_fb[..., n - m:] + correction[..., m:]], -1)
