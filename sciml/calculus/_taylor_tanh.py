r"""The fast path of Taylor mode: u, u′, u″ of a ``Linear``–``Tanh``–…–``Linear`` network as one Function.

:func:`~sciml.calculus.taylor_derivatives` propagates Taylor coefficients with plain torch operations,
which autograd records op by op. On a CPU most of a PINN training step then goes to elementwise passes
over fresh ``N × width`` tensors and to the page faults of allocating them. For the common case — a tanh
MLP, derivatives up to order 2, plain autograd — :class:`TanhTaylor` computes the same numbers chunk by
chunk of points in preallocated buffers that are reused across chunks and calls:

- the coefficients of all orders are stacked, so a Linear layer maps them with one matrix product;
- tanh and its backward are hand-derived formulas (:func:`_forward`, :func:`_tanh_vjp`) with about half
  the elementwise passes of the autograd graph;
- the forward keeps only its inputs; the backward recomputes each chunk (except the last, still in the
  buffers) and accumulates the parameter gradients.

With ``t = tanh z₀``, ``s = 1 − t²`` and normalized coefficients ``z = z₀ + z₁ε + z₂ε²``, tanh maps to
``y₀ = t``, ``y₁ = s z₁``, ``y₂ = s (z₂ − t z₁²)``. A backward with ``create_graph=True`` (a Hessian in
the parameters, say) goes through the differentiable list form
(:func:`~sciml.calculus._taylor_series.tanh_list_form`), so every higher derivative stays exact; ``torch.func``
transforms and forward AD use that list form directly. Which path a call takes is decided in
:mod:`~sciml.calculus._taylor` (:func:`applies` here says only whether this one can serve); this module
imports only :mod:`~sciml.calculus._taylor_series`.
"""

from __future__ import annotations

import math
import os
import threading

import torch
from torch import nn

from sciml.calculus._taylor_series import tanh_list_form

CHUNK = 2**16
"""Size of a chunk: ``CHUNK // min(widest, 128)`` points, so that one coefficient of the widest layer holds
about ``CHUNK`` numbers and a chunk's arrays stay in cache (1024 points at width 64, 512 at widths of 128 and
more). Measured on 2 CPU cores, 3 layers of width 64, u″ and a training step at N = 10⁴ and 10⁵ ran 20-25 %
faster with 1024-point chunks than with 4096, on 1 thread and on 2 (512: slower again, per-operation
overhead); widths 16 and 32 liked 4096 and 2048, width 128 liked 512. Where every operation has a high fixed
cost the chunks are :data:`COSTLY_OPS_FACTOR` times larger. The buffers (16 MiB at width 64, order 2, float64)
are kept per thread for the next call; :func:`clear_buffers` releases them."""

COSTLY_OPS_FACTOR = 8
"""Chunks this many times larger where a torch operation has a high fixed cost: under
``OMP_WAIT_POLICY=PASSIVE`` with more than one thread (every parallel operation wakes its sleeping threads,
about 60 µs; 8192-point chunks made u″ at N = 10⁴ 1.8× faster than 1024 there), and on GPUs (a kernel launch
per operation; not measured here)."""

_PASSIVE = os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"

_CACHE = threading.local()  # per thread: the buffer pool of the last network shape


def clear_buffers() -> None:
    """Release this thread's chunk buffers (kept for reuse across calls; see :class:`_Pool`)."""
    _CACHE.pools = {}


def tanh_mlp(net) -> list[nn.Linear] | None:
    """The Linear layers of ``net`` when it is ``Linear, Tanh, Linear, …, Tanh, Linear``, else ``None``."""
    if not isinstance(net, nn.Sequential) or len(net) % 2 == 0:
        return None
    for i, module in enumerate(net):
        if not isinstance(module, nn.Tanh if i % 2 else nn.Linear):
            return None
    return list(net)[0::2]


def applies(layers, x: torch.Tensor, order: int) -> bool:
    """Whether :class:`TanhTaylor` can serve: a tanh MLP (``layers`` from :func:`tanh_mlp`, or the parameters of
    one; ``None`` for another network), order 1 or 2, and plain autograd (no ``torch.func`` transform, no
    forward AD)."""
    return (layers is not None and order in (1, 2)
            and torch._C._functorch.peek_interpreter_stack() is None
            and torch.autograd.forward_ad._current_level < 0)


def derivatives(layers: list[nn.Linear], x: torch.Tensor, order: int) -> torch.Tensor:
    """``d^k u/dx^k`` for ``k = 0..order`` at the points ``x``: shape ``(order + 1, N, n_out)``."""
    params = []
    for layer in layers:
        params += [layer.weight, layer.bias]
    return TanhTaylor.apply(x, order, *params)


class TanhTaylor(torch.autograd.Function):
    """``(x, order, W₀, b₀, W₁, b₁, …) ↦ D`` with ``D[k, i, j] = d^k u_j/dx^k (x_i)``; biases may be ``None``."""

    @staticmethod
    def forward(ctx, x, order, *params):
        ctx.order = order
        ctx.save_for_backward(x, *params)
        Ws, bs = params[0::2], params[1::2]
        D = x.new_empty((order + 1, x.shape[0], Ws[-1].shape[0]))
        ctx.token = object()  # marks the buffers that still hold this forward's last chunk
        pool = _pool(x, Ws, order)
        for lo, hi in _chunks(x.shape[0], Ws):
            out = _forward(x[lo:hi], Ws, bs, order, pool.buffers(x, Ws, order, hi - lo))
            D[:, lo:hi] = out.permute(1, 2, 0)
            pool.holds = (ctx.token, lo)
        return D

    @staticmethod
    def backward(ctx, G):
        x, *params = ctx.saved_tensors
        order = ctx.order
        if torch.is_grad_enabled():  # create_graph=True: differentiate the differentiable form
            dx, *dparams = _recompute(x, params, order, G, ctx.needs_input_grad)
            return (dx, None, *dparams)
        Ws, bs = params[0::2], params[1::2]
        dWs = [torch.zeros_like(W) for W in Ws]
        dbs = [None if b is None else torch.zeros_like(b) for b in bs]
        dx = torch.empty_like(x) if ctx.needs_input_grad[0] else None
        pool = _pool(x, Ws, order)
        for lo, hi in reversed(_chunks(x.shape[0], Ws)):  # the last chunk first: the pool may still hold it
            buf = pool.buffers(x, Ws, order, hi - lo)
            if pool.holds != (ctx.token, lo):
                _forward(x[lo:hi], Ws, bs, order, buf)
            pool.holds = None
            Gc = G[:, lo:hi].permute(2, 0, 1).contiguous()  # (output, order, point), as the buffers
            if order == 2:
                Gc[:, 2] *= 2  # d²u/dx² = 2 u₂ (normalized coefficient)
            _backward(x[lo:hi], Ws, bs, order, buf, Gc, dWs, dbs, None if dx is None else dx[lo:hi])
        grads = []
        for dW, db in zip(dWs, dbs, strict=True):
            grads += [dW, db]
        return (dx, None, *grads)


def _chunks(n: int, Ws):
    """``[lo, hi)`` ranges of at most ``CHUNK // min(widest, 128)`` points (see :data:`CHUNK`), of equal size
    but the last (one buffer shape)."""
    if n == 0:
        return []
    most = max(1, CHUNK // min(max(W.shape[0] for W in Ws[:-1]), 128))
    if Ws[0].device.type != "cpu" or (_PASSIVE and torch.get_num_threads() > 1):
        most *= COSTLY_OPS_FACTOR
    c = -(-n // -(-n // most))  # ceil(n / number of chunks)
    return [(lo, min(lo + c, n)) for lo in range(0, n, c)]


class _Buffers:
    """One chunk's arrays, views of a flat storage (``flat=None`` only counts the elements needed).

    Layouts are feature-major: a layer's stacked coefficients are ``(width, order + 1, points)``, so that a
    Linear layer is ``W @ Y.view(width, -1)``; with MKL on a CPU that product, and the two of its backward,
    run about 25 % faster than the point-major ``Y @ W.T`` at 64 features.
    """

    def __init__(self, flat, Ws, order, c):
        k = order + 1
        self.numel = 0

        def new(*shape):
            start, self.numel = self.numel, self.numel + math.prod(shape)
            return None if flat is None else flat[start:self.numel].view(shape)

        widths = [W.shape[0] for W in Ws[:-1]]
        self.Z = [None] + [new(m, k, c) for m in widths[1:]]  # pre-activations of hidden layers, no bias
        self.Y = [new(m, k, c) for m in widths]  # activations: tanh coefficients
        self.S = [new(m, c) for m in widths]  # s = 1 - t²
        self.Q = [new(m, c) for m in widths] if order == 2 else None  # q = t z₁
        self.R = [new(m, c) for m in widths] if order == 2 else None  # r = z₂ - q z₁
        self.dY = {m: new(m, k, c) for m in set(widths)}
        self.dZ = {m: new(m, k, c) for m in set(widths)}
        self.ds = {m: new(m, c) for m in set(widths)}
        self.dt = {m: new(m, c) for m in set(widths)}
        self.out = new(Ws[-1].shape[0], k, c)
        if flat is not None:
            self.one, self.minus_one = flat.new_ones(()), -flat.new_ones(())


class _Pool:
    """The storage behind :class:`_Buffers` for one network shape, reused across chunks and calls: allocating
    fresh ``N × width`` tensors costs page faults that dominate the arithmetic on a CPU."""

    def __init__(self):
        self.flat, self.capacity, self.views = None, 0, {}
        self.holds = None  # (forward token, chunk start) of the chunk whose forward the storage holds

    def buffers(self, x, Ws, order, c) -> _Buffers:
        if c > self.capacity:
            self.flat = x.new_empty(_Buffers(None, Ws, order, c).numel)
            self.capacity, self.views, self.holds = c, {}, None
        if c not in self.views:
            self.views[c] = _Buffers(self.flat, Ws, order, c)
        return self.views[c]


def _pool(x, Ws, order) -> _Pool:
    """This thread's pool for the network shape of ``Ws`` (only the last shape used is kept)."""
    key = (x.dtype, x.device, order, tuple(tuple(W.shape) for W in Ws))
    pools = getattr(_CACHE, "pools", None)
    if pools is None or key not in pools:
        pools = _CACHE.pools = {key: _Pool()}
    return pools[key]


def _forward(xc, Ws, bs, order, buf):
    """The derivatives at the chunk ``xc`` into ``buf.out`` (shape ``(outputs, order + 1, points)``), leaving
    in ``buf`` what :func:`_backward` needs.

    With ``t = tanh z₀``, ``s = 1 − t²``: ``y₀ = t``, ``y₁ = s z₁``, ``y₂ = s r``, ``r = z₂ − t z₁²``. The first
    layer's input is the affine series ``x w + b + w ε``: ``z₁ = w``, ``z₂ = 0``.
    """
    w = Ws[0][:, :1]  # a column: the first layer's z₁ for every point
    z1, z2 = w, None
    for i, W in enumerate(Ws[1:]):
        Y, S = buf.Y[i], buf.S[i]
        t = Y[:, 0]
        # tanh z = 2 σ(2z) − 1: torch's float64 sigmoid is several times faster than its tanh on a CPU;
        # the bias of the layer before enters here, z₀ = (Z₀ without bias) + b
        if i == 0:
            torch.mul(2 * w, xc, out=t)
        else:
            torch.mul(buf.Z[i][:, 0], 2, out=t)
        if bs[i] is not None:
            t.add_(bs[i][:, None], alpha=2)
        torch.add(buf.minus_one, t.sigmoid_(), alpha=2, out=t)
        torch.addcmul(buf.one, t, t, value=-1, out=S)
        torch.mul(S, z1, out=Y[:, 1])
        if order == 2:
            Q, R = buf.Q[i], buf.R[i]
            torch.mul(t, z1, out=Q)
            if z2 is None:
                torch.mul(Q, z1, out=R).neg_()
            else:
                torch.addcmul(z2, Q, z1, value=-1, out=R)
            torch.mul(S, R, out=Y[:, 2])
        Z = buf.Z[i + 1] if i + 1 < len(buf.Z) else buf.out
        _linear(Y, W, Z)
        z1, z2 = Z[:, 1], (Z[:, 2] if order == 2 else None)
    if bs[-1] is not None:
        buf.out[:, 0] += bs[-1][:, None]
    if order == 2:
        buf.out[:, 2] *= 2
    return buf.out


def _linear(Y, W, out):
    """``W`` applied to every coefficient of the stacked series ``Y`` (into ``out``); the bias comes later."""
    Yf, of = Y.view(Y.shape[0], -1), out.view(out.shape[0], -1)
    if W.shape[0] == 1:  # one output: a vector-matrix product
        torch.mv(Yf.T, W[0], out=of[0])
    else:
        torch.mm(W, Yf, out=of)


def _backward(xc, Ws, bs, order, buf, G, dWs, dbs, dx):
    """Back-propagate the chunk's cotangent ``G`` (shape ``(outputs, order + 1, points)``) through the chunk
    left in ``buf`` by :func:`_forward`; accumulate into ``dWs``, ``dbs``, and write the gradient in ``xc``
    into ``dx`` (when not ``None``)."""
    for i in range(len(Ws) - 1, 0, -1):
        Y = buf.Y[i - 1]
        m = Y.shape[0]
        Gf, Yf = G.view(G.shape[0], -1), Y.view(m, -1)
        if dbs[i] is not None:
            dbs[i] += G[:, 0].sum(1)
        dY = buf.dY[m]
        if Gf.shape[0] == 1:  # one output: matrix-vector and outer products
            dWs[i][0].addmv_(Yf, Gf[0])
            torch.mul(Ws[i][0][:, None], Gf, out=dY.view(m, -1))
        else:
            dWs[i].addmm_(Gf, Yf.T)
            torch.mm(Ws[i].T, Gf, out=dY.view(m, -1))
        z1 = Ws[0][:, :1] if i == 1 else buf.Z[i - 1][:, 1]
        G = _tanh_vjp(buf, i - 1, z1, dY, order)
    # the first layer: z₀ = x w + b, z₁ = w, z₂ = 0
    if dbs[0] is not None:
        dbs[0] += G[:, 0].sum(1)
    dWs[0][:, 0] += G[:, 1].sum(1).addmv_(G[:, 0], xc)
    if dx is not None:
        torch.mv(G[:, 0].T, Ws[0][:, 0], out=dx)


def _tanh_vjp(buf, i, z1, dY, order):
    """``dZ`` from ``dY`` for layer ``i``'s tanh (chain rule through y₀ = t, y₁ = s z₁, y₂ = s r)."""
    t, S = buf.Y[i][:, 0], buf.S[i]
    m = S.shape[0]
    dZ, ds, dt = buf.dZ[m], buf.ds[m], buf.dt[m]
    if order == 2:
        g0, g1, g2 = dY.unbind(1)
        Q, R = buf.Q[i], buf.R[i]
        dr = torch.mul(g2, S, out=dZ[:, 2])  # ∂/∂z₂ = dr
        torch.mul(g2, R, out=ds).addcmul_(g1, z1)
        torch.mul(g1, S, out=dZ[:, 1]).addcmul_(dr, Q, value=-2)  # ∂r/∂z₁ = −2 t z₁ = −2q
        torch.mul(dr, z1, out=dt)
        torch.addcmul(g0, dt, z1, value=-1, out=dt)  # ∂r/∂t = −z₁²
    else:
        g0, g1 = dY.unbind(1)
        torch.mul(g1, z1, out=ds)
        torch.mul(g1, S, out=dZ[:, 1])
        dt.copy_(g0)
    dt.addcmul_(t, ds, value=-2)  # ∂s/∂t = −2t
    torch.mul(dt, S, out=dZ[:, 0])  # ∂t/∂z₀ = s
    return dZ


def _recompute(x, params, order, G, needs):
    """The backward under ``create_graph=True``: through the differentiable list form of Taylor mode."""
    inputs = [x, *params]
    flags = [needs[0], *needs[2:]]
    wanted = [t for t, n in zip(inputs, flags, strict=True) if n and t is not None]
    with torch.enable_grad():
        D = tanh_list_form(x, params[0::2], params[1::2], order)
    grads = iter(torch.autograd.grad(D, wanted, G, create_graph=True, allow_unused=True, materialize_grads=True))
    return [next(grads) if n and t is not None else None for t, n in zip(inputs, flags, strict=True)]

