r"""The list form of Taylor mode: truncated Taylor series of activations, and their propagation through an MLP.

A series is a list of tensors ``[z₀, z₁, …, z_K]``, the normalized coefficients :math:`z_k = z^{(k)}/k!` of
:math:`z(x + t) = \sum_k z_k t^k`. A ``Linear`` layer maps every coefficient linearly (the bias goes to
:math:`z_0` only); an activation :math:`y = \sigma(z)` with :math:`y' = F(y, z)\,z'` gives the recurrence

.. math:: k\, y_k = \sum_{j=1}^{k} j\, z_j\, c_{k-j}, \qquad c = F(y, z)\ \text{(as a series)},

e.g. :math:`c = 1 - y^2` for tanh. Everything here is plain torch operations: differentiable to any order,
and it works under ``torch.func`` transforms and forward AD. Both the general entry
(:mod:`~sciml.calculus._taylor`) and the fused tanh Function (:mod:`~sciml.calculus._taylor_tanh`, for its
double backward) build on this module, which imports neither.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class Sin(nn.Module):
    """The activation ``sin(z)`` as a module (torch has none), understood by
    :func:`~sciml.calculus.taylor_derivatives`."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sin(z)


def tanh_series(z: list[torch.Tensor]) -> list[torch.Tensor]:
    """Taylor coefficients of ``tanh`` of the series ``z`` (same truncation order)."""
    y0 = torch.tanh(z[0])
    c0 = 1 - y0 * y0
    n = len(z) - 1
    y, c = [y0], [c0]
    if n >= 1:
        y.append(c0 * z[1])
    if n >= 2:  # closed form of the recurrence at k = 2: y2 = c0 (z2 - y0 z1²)
        y.append(c0 * (z[2] - y0 * z[1] * z[1]))
    for k in range(3, n + 1):
        while len(c) < k:  # c = 1 - y² as a series, up to c_{k-1}
            m = len(c)
            c.append(-sum(y[i] * y[m - i] for i in range(m + 1)))
        y.append(sum(j * z[j] * c[k - j] for j in range(1, k + 1)) / k)
    return y


def _ode_series(y0: torch.Tensor, z: list[torch.Tensor], slope) -> list[torch.Tensor]:
    """Coefficients of ``y = σ(z)`` where ``σ' = F``: ``slope(y, k)`` is the k-th coefficient of ``F``."""
    y = [y0]
    c = [slope(y, 0)]
    for k in range(1, len(z)):
        y.append(sum(j * z[j] * c[k - j] for j in range(1, k + 1)) / k)
        if k < len(z) - 1:
            c.append(slope(y, k))
    return y


def _sigmoid_series(z: list[torch.Tensor]) -> list[torch.Tensor]:
    # σ' = σ - σ²
    return _ode_series(torch.sigmoid(z[0]), z, lambda y, k: y[k] - sum(y[i] * y[k - i] for i in range(k + 1)))


def _mul(a: list[torch.Tensor], b: list[torch.Tensor]) -> list[torch.Tensor]:
    """The truncated product of two series."""
    return [sum(a[i] * b[k - i] for i in range(k + 1)) for k in range(len(a))]


def _integral(z: list[torch.Tensor], y0: torch.Tensor, dy: list[torch.Tensor]) -> list[torch.Tensor]:
    """Coefficients of ``y`` with ``y(z₀) = y0`` and ``dy/dz = dy`` (a series): ``k y_k = Σ j z_j dy_{k-j}``."""
    return [y0] + [sum(j * z[j] * dy[k - j] for j in range(1, k + 1)) / k for k in range(1, len(z))]


def _sin_series(z: list[torch.Tensor]) -> list[torch.Tensor]:
    s, c = [torch.sin(z[0])], [torch.cos(z[0])]
    for k in range(1, len(z)):  # s' = c z', c' = -s z'
        s.append(sum(j * z[j] * c[k - j] for j in range(1, k + 1)) / k)
        c.append(-sum(j * z[j] * s[k - j] for j in range(1, k + 1)) / k)
    return s


def _softplus_series(module: nn.Softplus):
    beta, threshold = float(module.beta), float(module.threshold)

    def series(z):
        # softplus' = sigmoid(β z); above the threshold torch switches to the identity, and so do we
        s = _sigmoid_series([beta * zk for zk in z])
        y = _integral(z, nn.functional.softplus(z[0], beta, threshold), s)
        linear = beta * z[0] > threshold
        return [y[0]] + [torch.where(linear, zk, yk) for zk, yk in zip(z[1:], y[1:], strict=True)]

    return series


def _silu_series(z: list[torch.Tensor]) -> list[torch.Tensor]:
    return _mul(z, _sigmoid_series(z))  # z σ(z)


def _gelu_series(z: list[torch.Tensor]) -> list[torch.Tensor]:
    # gelu = z Φ(z), Φ' = φ = exp(-z²/2)/√(2π): φ from exp of a series, Φ by integration
    g = [-0.5 * zk for zk in _mul(z, z)]
    phi = _ode_series(torch.exp(g[0]) / math.sqrt(2 * math.pi), g, lambda e, k: e[k])
    big_phi = _integral(z, 0.5 * (1 + torch.erf(z[0] / math.sqrt(2))), phi)
    return _mul(z, big_phi)


def _relu_series(z: list[torch.Tensor]) -> list[torch.Tensor]:
    on = z[0] > 0  # torch's relu backward: slope 0 at 0
    return [torch.relu(z[0])] + [torch.where(on, zk, torch.zeros_like(zk)) for zk in z[1:]]


def activation_series(module: nn.Module):
    """The series map of the activation ``module``, or ``None`` when Taylor mode does not support it."""
    if isinstance(module, nn.Tanh):
        return tanh_series
    if isinstance(module, nn.Sigmoid):
        return _sigmoid_series
    if isinstance(module, nn.SiLU):
        return _silu_series
    if isinstance(module, nn.ReLU):
        return _relu_series
    if isinstance(module, nn.Softplus):
        return _softplus_series(module)
    if isinstance(module, nn.GELU) and module.approximate == "none":
        return _gelu_series
    if isinstance(module, nn.Identity):
        return lambda z: z
    if isinstance(module, Sin):
        return _sin_series
    return None


SUPPORTED = ("Linear", "Tanh", "Sigmoid", "SiLU", "ReLU", "Softplus", "GELU (approximate='none')", "Identity",
             "sciml.calculus.Sin")


def _linear(h: list[torch.Tensor], W: torch.Tensor, b: torch.Tensor | None) -> list[torch.Tensor]:
    if b is None:
        first = h[0] @ W.T
    else:  # one fused product where the points form a matrix (not one point under vmap)
        first = torch.addmm(b, h[0], W.T) if h[0].dim() == 2 else h[0] @ W.T + b
    return [first] + [hk @ W.T for hk in h[1:]]


def propagate(x: torch.Tensor, steps: list, order: int) -> torch.Tensor:
    """The derivatives ``(order + 1, *x.shape, n_out)`` by propagating the normalized coefficients ``u^(k)/k!``
    as a list of plain torch tensors. ``steps`` are ``("linear", (W, b))`` and ``("activation", series)``, the
    first a Linear layer taking one feature."""
    # the first layer sees the series x + t, affine: only the coefficients z0 and z1 are nonzero
    W, b = steps[0][1]
    z0 = x[..., None] * W[:, 0] if b is None else torch.addcmul(b, x[..., None], W[:, 0])
    h = [z0] + [W[:, 0].expand_as(z0)] * min(order, 1) + [torch.zeros_like(z0)] * (order - 1)
    for kind, step in steps[1:]:
        h = _linear(h, *step) if kind == "linear" else step(h)
    # derivatives are k! times the normalized coefficients
    return torch.stack([hk if k < 2 else hk * math.factorial(k) for k, hk in enumerate(h)])


def tanh_list_form(x: torch.Tensor, Ws, bs, order: int) -> torch.Tensor:
    """The derivatives of the tanh MLP with weights ``Ws`` and biases ``bs`` (``None`` for none) at points ``x``
    of any shape, ``(order + 1, *x.shape, n_out)``, from plain differentiable operations."""
    steps = [("linear", (Ws[0], bs[0]))]
    for W, b in zip(Ws[1:], bs[1:], strict=True):
        steps += [("activation", tanh_series), ("linear", (W, b))]
    return propagate(x, steps, order)
