r"""Taylor-mode derivatives of an MLP in its (scalar) input: the two entries, and which path serves a call.

The derivatives :math:`u^{(d)}(x)`, :math:`d = 0..K`, of a network of ``Linear`` layers and elementwise
activations are propagated forward as truncated Taylor series (:mod:`~sciml.calculus._taylor_series`, the list
form): a few matrix products per order in one forward pass, instead of ``K`` nested reverse passes over ever
larger graphs. It is built from plain torch operations: differentiable in the parameters (a PINN loss on
:math:`u''` trains through it), and it works under ``torch.func`` transforms.

- :func:`taylor_derivatives` — a ``torch.nn.Sequential``;
- :func:`tanh_mlp_derivatives` — a tanh MLP given by its weights and biases (a network on a flat parameter
  vector, such as the PINN's), at points of any shape;
- :func:`fused_taylor` — switch the fused tanh Function of :mod:`~sciml.calculus._taylor_tanh` off (or back
  on) inside a ``with`` block.

A tanh MLP at order 1 or 2 under plain autograd takes the fused Function; anything else (other activations,
other orders, ``torch.func`` transforms, forward AD, ``fused=False``) the list form. The choice is made per
call by :func:`_use_fused` from the call's ``fused`` argument and the innermost :func:`fused_taylor` block;
there is no module-level switch.

Imports: this module → :mod:`~sciml.calculus._taylor_tanh` → :mod:`~sciml.calculus._taylor_series`, and this
module → :mod:`~sciml.calculus._taylor_series` (no cycle).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence

import torch
from torch import nn

from sciml._validation import check_bool, check_int
from sciml.calculus import _taylor_tanh as taylor_tanh
from sciml.calculus._taylor_series import SUPPORTED, activation_series, propagate, tanh_list_form

_FUSED = contextvars.ContextVar("sciml.calculus.fused_taylor", default=True)
"""What ``fused=None`` means in this context: the fused Function where it applies (``True``), or never."""


@contextlib.contextmanager
def fused_taylor(enabled: bool = True) -> Iterator[None]:
    r"""Inside the ``with`` block, let Taylor mode use its fused tanh Function (``enabled=True``) or not.

    :func:`taylor_derivatives`, :func:`tanh_mlp_derivatives` and :func:`~sciml.calculus.derivative` compute
    :math:`u, u', u''` of a ``Linear, Tanh, …, Linear`` network under plain autograd with one fused, chunked
    autograd Function; everything else uses the list form, plain torch operations. Both give the same numbers
    to rounding (about :math:`10^{-13}` relative in float64); the fused one is 1.4-5× faster to train through
    on a CPU. ``with fused_taylor(False):`` sends every call with ``fused=None`` (the default) through the list
    form — to time the difference (``benchmarks/ablation_taylor_tanh.py``), or to rule the fused Function out
    while debugging. An explicit ``fused=True`` or ``fused=False`` argument overrides the block.

    The setting is a :class:`contextvars.ContextVar`: it holds in the current thread (or asyncio task) until
    the block exits, exception or not, and blocks nest. Other threads keep the default (enabled).

    Parameters
    ----------
    enabled : bool
        ``False``: the list form for every call in the block; ``True``: the fused Function wherever it applies
        (the default outside any block).

    Examples
    --------
    >>> import torch
    >>> from sciml.calculus import fused_taylor, taylor_derivatives
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    >>> x = torch.linspace(0, 1, 5, dtype=torch.float64)
    >>> with fused_taylor(False):
    ...     D = taylor_derivatives(net, x, 2)
    >>> torch.allclose(D, taylor_derivatives(net, x, 2), rtol=1e-13, atol=1e-13)
    True
    """
    check_bool(enabled, "fused_taylor: enabled")
    token = _FUSED.set(enabled)
    try:
        yield
    finally:
        _FUSED.reset(token)


def _use_fused(layers, x: torch.Tensor, order: int, fused: bool | None) -> bool:
    """Whether this call takes the fused Function: ``fused=None`` when :func:`fused_taylor` allows it and it
    applies; ``False`` never; ``True`` always, or a ``ValueError`` saying why it cannot."""
    if fused is None:  # the context last: torch.compile breaks its graph on a ContextVar, and never fuses
        return taylor_tanh.applies(layers, x, order) and _FUSED.get()
    if not isinstance(fused, bool):
        raise TypeError(f"fused must be None (automatic), True or False, got {fused!r}")
    if fused and not taylor_tanh.applies(layers, x, order):
        if layers is None:
            why = "the network is not Linear, Tanh, Linear, …, Tanh, Linear"
        elif order not in (1, 2):
            why = f"it computes orders 1 and 2, got order={order}"
        else:
            why = "it runs under plain autograd only, and this call is inside a torch.func transform or forward AD"
        raise ValueError(f"fused=True, but the fused tanh Function cannot serve this call: {why}; pass "
                         "fused=None to fall back to the list form where it does not apply")
    return fused


def taylor_derivatives(net: nn.Sequential, x, order: int, *, fused: bool | None = None) -> torch.Tensor:
    r"""The derivatives :math:`d^k u / dx^k`, :math:`k = 0..K`, of a scalar-input network at many points.

    Forward Taylor-coefficient propagation (Taylor mode) through a ``torch.nn.Sequential`` of ``Linear``
    layers and elementwise activations (``Tanh``, ``Sigmoid``, ``SiLU``, ``ReLU``, ``Softplus``, exact
    ``GELU``, ``Identity`` and :class:`~sciml.calculus.Sin`). The first layer must take one input feature; the
    network may have several outputs. A ``Linear, Tanh, …, Linear`` network at order 1 or 2 under plain
    autograd takes the fused, chunked path of :mod:`~sciml.calculus._taylor_tanh`: the same numbers to
    rounding, and a training step through u″ of a 1-64-64-64-1 network 1.4-2.4× faster at 10³-10⁴ points,
    4-5× at 10⁵ (2 CPU cores, 1 or 2 threads; ``benchmarks/ablation_taylor_tanh.py``).

    Parameters
    ----------
    net : torch.nn.Sequential
        ``u = net(x[:, None])``.
    x : (N,) floating tensor
        The points; the result is differentiable in ``x`` (when it requires grad) and in the parameters of
        ``net``.
    order : int >= 0
        The highest derivative ``K``.
    fused : bool or None
        ``None`` (default): the fused tanh Function where it applies, unless a :func:`fused_taylor` block
        says otherwise. ``False``: the list form. ``True``: the fused Function, or a ``ValueError`` saying
        why it cannot serve this call.

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
    return _derivatives(net, x, order, fused)


def tanh_mlp_derivatives(params: Sequence[torch.Tensor | None], x: torch.Tensor, order: int, *,
                         fused: bool | None = None) -> torch.Tensor:
    r"""The derivatives :math:`d^k u / dx^k`, :math:`k = 0..K`, of a tanh MLP given by its weights and biases.

    The network is

    .. math:: u(x) = W_L\, h_{L-1} + b_L, \qquad h_l = \tanh(W_l\, h_{l-1} + b_l), \qquad h_{-1} = x,

    with ``params = (W₀, b₀, W₁, b₁, …, W_L, b_L)`` — the order of ``nn.Sequential(Linear, Tanh, …,
    Linear).parameters()``, or slices of one flat parameter vector. The derivatives come from Taylor mode as
    in :func:`taylor_derivatives`: at order 1 or 2 under plain autograd, one fused, chunked autograd Function
    (hand-derived backward, reused buffers); otherwise — ``torch.func`` transforms such as a ``vmap``-ed
    ``jacrev`` in the parameters, forward AD, other orders — plain torch operations. Either result is
    differentiable in ``x`` and in every parameter, to any order. A network on a rescaled input
    :math:`\xi = s x + c` gets :math:`d^k u/dx^k = s^k\, d^k u/d\xi^k`: call this at ``ξ`` and scale.

    Parameters
    ----------
    params : sequence of tensors
        ``W₀`` of shape ``(m₁, 1)``, ``b₀`` of shape ``(m₁,)`` or ``None``, …, ``W_L`` of shape
        ``(n_out, m_L)``, ``b_L`` of shape ``(n_out,)`` or ``None``; the dtype and device of ``x``.
    x : floating tensor of any shape
        The points.
    order : int >= 0
        The highest derivative ``K``.
    fused : bool or None
        ``None`` (default): the fused Function where it applies, unless a :func:`fused_taylor` block says
        otherwise. ``False``: the list form. ``True``: the fused Function, or a ``ValueError`` saying why it
        cannot serve this call.

    Returns
    -------
    torch.Tensor
        Shape ``(order + 1, *x.shape, n_out)``: entry ``[k, ..., j]`` is :math:`d^k u_j / dx^k` at that point.

    Raises ``ValueError`` for a negative or non-integer ``order`` or ``params`` that are not weight-bias pairs
    starting with one input feature, ``TypeError`` for a non-floating ``x``.

    Examples
    --------
    >>> import torch
    >>> from sciml.calculus import tanh_mlp_derivatives
    >>> g = torch.Generator().manual_seed(0)
    >>> params = [torch.randn(8, 1, generator=g, dtype=torch.float64), torch.zeros(8, dtype=torch.float64),
    ...           torch.randn(1, 8, generator=g, dtype=torch.float64), None]
    >>> x = torch.linspace(-1, 1, 6, dtype=torch.float64).reshape(2, 3)
    >>> D = tanh_mlp_derivatives(params, x, 2)
    >>> D.shape
    torch.Size([3, 2, 3, 1])
    >>> u = lambda t: params[2] @ torch.tanh(params[0] @ t.reshape(1) + params[1])
    >>> torch.allclose(D[2, 1, 2], torch.func.hessian(u)(x[1, 2]))
    True
    """
    _check_order(order)
    if len(params) < 2 or len(params) % 2 or params[0].dim() != 2 or params[0].shape[1] != 1:
        raise ValueError("params must be (W₀, b₀, W₁, b₁, …), weight-bias pairs with W₀ of shape (width, 1), got "
                         f"{len(params)} tensors" + (f", W₀ of shape {tuple(params[0].shape)}" if params else ""))
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor of points, got "
                        f"{x.dtype if isinstance(x, torch.Tensor) else type(x).__name__}; pass it as float64")
    if x.dtype != params[0].dtype:
        raise TypeError(f"x has dtype {x.dtype} but the parameters {params[0].dtype}; pass x.to({params[0].dtype})")
    if _use_fused(params, x, order, fused):
        D = taylor_tanh.TanhTaylor.apply(x.reshape(-1), order, *params)
        return D.reshape(order + 1, *x.shape, D.shape[-1])
    return tanh_list_form(x, params[0::2], params[1::2], order)


#: the highest order of Taylor mode: the coefficients carry factorials, and beyond it float64 loses them
MAX_ORDER = 20


def _check_order(order) -> None:
    check_int(order, "order", low=0)
    if order > MAX_ORDER:
        raise ValueError(f"order={order} is above {MAX_ORDER}, the highest order Taylor mode computes accurately "
                         "in float64 (its coefficients carry k!); differentiate the result again if you need more")


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
        series = activation_series(module)
        if series is None:
            raise TypeError(f"net[{i}] is a {type(module).__name__}, which Taylor mode does not support; "
                            f"supported layers: {', '.join(SUPPORTED)}. Use nested reverse mode "
                            "(sciml.calculus.derivative with a plain function) for other layers")
        steps.append(("activation", series))
    if not steps or steps[0][0] != "linear":
        raise TypeError("net must start with a Linear layer taking 1 input feature (u = net(x[:, None])), got "
                        f"{type(net[0]).__name__ if len(net) else 'an empty Sequential'} first")
    return steps


def _derivatives(net: nn.Sequential, x, order: int, fused: bool | None = None) -> torch.Tensor:
    """:func:`taylor_derivatives` with its input checked: the fused tanh path where it serves, else the list
    form."""
    _check_order(order)
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
    if _use_fused(layers, x, order, fused):
        return taylor_tanh.derivatives(layers, x, order)
    steps = [(kind, (step.weight, step.bias) if kind == "linear" else step) for kind, step in steps]
    return propagate(x, steps, order)


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
