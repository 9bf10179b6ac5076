r"""Taylor-mode derivatives of a ``torch.nn.Sequential`` MLP in its (scalar) input.

The derivatives :math:`u^{(d)}(x)`, :math:`d = 0..K`, of a network of ``Linear`` layers and elementwise
activations are propagated forward as truncated Taylor series :math:`z(x + t) = \sum_k z_k t^k`
(normalized coefficients :math:`z_k = z^{(k)}/k!`). A ``Linear`` layer maps every coefficient linearly
(the bias goes to :math:`z_0` only); an activation :math:`y = \sigma(z)` with :math:`y' = F(y, z)\,z'`
gives the recurrence

.. math:: k\, y_k = \sum_{j=1}^{k} j\, z_j\, c_{k-j}, \qquad c = F(y, z)\ \text{(as a series)},

e.g. :math:`c = 1 - y^2` for tanh. This costs a few matrix products per order in one forward pass,
instead of ``K`` nested reverse passes over ever larger graphs, and it is built from plain torch operations:
differentiable in the parameters (a PINN loss on :math:`u''` trains through it), and it works under
``torch.func`` transforms.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sciml.calculus import _taylor_tanh as taylor_tanh


class Sin(nn.Module):
    """The activation ``sin(z)`` as a module (torch has none), understood by :func:`taylor_derivatives`."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sin(z)


def _tanh_series(z: list[torch.Tensor]) -> list[torch.Tensor]:
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


def _activation(module: nn.Module):
    if isinstance(module, nn.Tanh):
        return _tanh_series
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


def _plan(net) -> list:
    """The layers of ``net`` as (kind, payload) steps, or a TypeError naming the first unsupported one."""
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"net must be a torch.nn.Sequential of Linear layers and elementwise activations, "
                        f"got {type(net).__name__}")
    steps = []
    for i, module in enumerate(net):
        if isinstance(module, nn.Linear):
            steps.append(("linear", module))
            continue
        series = _activation(module)
        if series is None:
            raise TypeError(f"net[{i}] is a {type(module).__name__}, which Taylor mode does not support; "
                            f"supported layers: {', '.join(SUPPORTED)}. Use nested reverse mode "
                            "(sciml.calculus.derivative with a plain function) for other layers")
        steps.append(("activation", series))
    if not steps or steps[0][0] != "linear":
        raise TypeError("net must start with a Linear layer taking 1 input feature (u = net(x[:, None])), got "
                        f"{type(net[0]).__name__ if len(net) else 'an empty Sequential'} first")
    return steps


def _linear(h: list[torch.Tensor], W: torch.Tensor, b: torch.Tensor | None) -> list[torch.Tensor]:
    if b is None:
        first = h[0] @ W.T
    else:  # one fused product where the points form a matrix (not one point under vmap)
        first = torch.addmm(b, h[0], W.T) if h[0].dim() == 2 else h[0] @ W.T + b
    return [first] + [hk @ W.T for hk in h[1:]]


def taylor_derivatives(net: nn.Sequential, x, order: int) -> torch.Tensor:
    r"""The derivatives :math:`d^k u / dx^k`, :math:`k = 0..K`, of a scalar-input network at many points.

    Forward Taylor-coefficient propagation (Taylor mode) through a ``torch.nn.Sequential`` of ``Linear``
    layers and elementwise activations (``Tanh``, ``Sigmoid``, ``SiLU``, ``ReLU``, ``Softplus``, exact
    ``GELU``, ``Identity`` and :class:`Sin`). The first layer must
    take one input feature; the network may have several outputs. A ``Linear, Tanh, …, Linear`` network
    at order 1 or 2 under plain autograd takes the fused, chunked path of
    :mod:`~sciml.calculus._taylor_tanh`: the same numbers to rounding, and a training step through u″ of a
    1-64-64-64-1 network 1.4-2.4× faster at 10³-10⁴ points, 4-5× at 10⁵ (2 CPU cores, 1 or 2 threads;
    ``benchmarks/ablation_taylor_tanh.py``).

    Parameters
    ----------
    net : torch.nn.Sequential
        ``u = net(x[:, None])``.
    x : (N,) floating tensor
        The points; the result is differentiable in ``x`` (when it requires grad) and in the parameters of
        ``net``.
    order : int >= 0
        The highest derivative ``K``.

    Returns
    -------
    torch.Tensor
        Shape ``(order + 1, N, n_out)``: entry ``[k, i, j]`` is :math:`d^k u_j / dx^k` at ``x[i]``.

    Raises ``TypeError`` for an unsupported layer (naming it) or a non-floating ``x``, ``ValueError`` for an
    ``x`` that is not 1-D or a first layer that does not take one feature.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    >>> x = torch.linspace(0, 1, 5, dtype=torch.float64)
    >>> D = taylor_derivatives(net, x, 2)
    >>> D.shape
    torch.Size([3, 5, 1])
    >>> torch.allclose(D[0], net(x[:, None]))
    True
    """
    return _derivatives(net, x, order)


def _derivatives(net: nn.Sequential, x, order: int) -> torch.Tensor:
    """:func:`taylor_derivatives` with its input checked: the fused tanh path where it applies, else the list
    form."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be a non-negative integer, got {order!r}")
    steps = _plan(net)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a 1-D floating-point tensor of points, got {type(x).__name__}; "
                        "pass torch.as_tensor(x, dtype=torch.float64)")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor to differentiate at, got dtype {x.dtype}; "
                        "pass x.double() (or a float dtype of your choice)")
    if x.dim() != 1:
        raise ValueError(f"x must be a 1-D tensor of points, shape (N,), got shape {tuple(x.shape)}; "
                         "flatten it with x.reshape(-1)")
    first = steps[0][1]
    if first.in_features != 1:
        raise ValueError(f"the first Linear layer of net must take 1 input feature (u = net(x[:, None])), "
                         f"got in_features={first.in_features}")
    if x.dtype != first.weight.dtype or x.device != first.weight.device:
        raise TypeError(f"x must have the dtype and device of net's parameters ({first.weight.dtype}, "
                        f"{first.weight.device}), got ({x.dtype}, {x.device}); pass x.to(...) or net.to(...)")
    layers = taylor_tanh.tanh_mlp(net)
    if taylor_tanh.applies(layers, x, order):
        return taylor_tanh.derivatives(layers, x, order)
    steps = [(kind, (step.weight, step.bias) if kind == "linear" else step) for kind, step in steps]
    return _propagate(x, steps, order)


def _propagate(x: torch.Tensor, steps: list, order: int) -> torch.Tensor:
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


def n_outputs(net) -> int | None:
    """The number of outputs of ``net`` when :func:`taylor_derivatives` handles it (supported layers, one input
    feature), else ``None``."""
    try:
        steps = _plan(net)
    except TypeError:
        return None
    if steps[0][1].in_features != 1:
        return None
    return [m for kind, m in steps if kind == "linear"][-1].out_features
