"""sciml.calculus (fused tanh path): the fused, chunked Taylor-mode Function for tanh MLPs against nested
reverse-mode autograd (values, gradients in the parameters and in x, double backward), its chunking and
buffer reuse, and the fallbacks to the list form (torch.func, forward AD, other networks, order 3)."""

import copy
import itertools

import pytest
import torch
from torch import nn

from sciml.calculus import _taylor_tanh as taylor_tanh
from sciml.calculus import derivative, taylor_derivatives

F64 = torch.float64


def _net(generator, widths=(1, 9, 7, 2), bias=True, dtype=F64):
    layers = []
    for i, (m, k) in enumerate(itertools.pairwise(widths)):
        linear = nn.Linear(m, k, bias=bias, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.randn(k, m, dtype=F64, generator=generator))
            if bias:
                linear.bias.copy_(torch.randn(k, dtype=F64, generator=generator))
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def _nested(net, x, order):
    """u, ..., u^(order) of every output by nested torch.autograd.grad, differentiable (the reference)."""
    out = [net(x[:, None])]
    for _ in range(order):
        prev = out[-1]
        out.append(torch.stack([torch.autograd.grad(prev[:, j].sum(), x, create_graph=True)[0]
                                for j in range(prev.shape[1])], dim=-1))
    return torch.stack(out)


@pytest.fixture(params=[None, 21], ids=["one-chunk", "small-chunks"])
def chunk(request, monkeypatch):
    if request.param is not None:  # ragged chunks: 2 points at width 9, 7 at width 3
        monkeypatch.setattr(taylor_tanh, "CHUNK", request.param)
    taylor_tanh.clear_buffers()
    return request.param


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("bias", [True, False])
def test_values_and_gradients_equal_nested_autograd(order, bias, chunk, generator):
    net = _net(generator, bias=bias)
    params = list(net.parameters())
    x = torch.randn(40, dtype=F64, generator=generator, requires_grad=True)
    assert taylor_tanh.applies(taylor_tanh.tanh_mlp(net), x, order)
    D = taylor_derivatives(net, x, order)
    R = _nested(net, x, order)
    torch.testing.assert_close(D, R, rtol=1e-13, atol=1e-13)
    # a PINN-like loss mixing every order: gradients in the parameters and in x
    w = torch.randn(D.shape, dtype=F64, generator=generator)
    got = torch.autograd.grad((w * D.sin()).sum(), [x, *params])
    want = torch.autograd.grad((w * R.sin()).sum(), [x, *params])
    for g, r in zip(got, want, strict=True):
        torch.testing.assert_close(g, r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("order", [1, 2])
def test_double_backward_equals_nested_autograd(order, chunk, generator):
    """create_graph=True through the Function (a Hessian-vector product in the parameters)."""
    net = _net(generator)
    params = list(net.parameters())
    x = torch.randn(25, dtype=F64, generator=generator, requires_grad=True)
    v = [torch.randn(p.shape, dtype=F64, generator=generator) for p in params]

    def hvp(D):
        g = torch.autograd.grad((D[order] ** 2).sum(), params, create_graph=True)
        return torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v, strict=True)), [x, *params])

    for got, want in zip(hvp(taylor_derivatives(net, x, order)), hvp(_nested(net, x, order)), strict=True):
        torch.testing.assert_close(got, want, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("order", [1, 2])
def test_gradcheck_and_gradgradcheck(order, chunk, generator):
    net = _net(generator, widths=(1, 3, 3, 2))
    x = torch.randn(9, dtype=F64, generator=generator, requires_grad=True)
    params = [p.detach().clone().requires_grad_(True) for p in net.parameters()]

    def f(x, *params):
        return taylor_tanh.TanhTaylor.apply(x, order, *params)

    assert torch.autograd.gradcheck(f, (x, *params))
    assert torch.autograd.gradgradcheck(f, (x, *params))


def test_the_training_step_equals_nested_autograd_to_1e12(generator):
    """The benchmark's claim at a smaller N: loss = mean((u'' + u)²) through a 1-64-64-64-1 network."""
    net = _net(generator, widths=(1, 64, 64, 64, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(0.3)
    params = list(net.parameters())
    x = torch.linspace(-1, 1, 3000, dtype=F64, requires_grad=True)
    D = taylor_derivatives(net, x, 2)
    got = torch.autograd.grad(((D[2] + D[0]) ** 2).mean(), params)
    R = _nested(net, x, 2)
    want = torch.autograd.grad(((R[2] + R[0]) ** 2).mean(), params)
    for g, r in zip(got, want, strict=True):
        assert ((g - r).abs().max() / r.abs().max()).item() <= 1e-12


def test_buffers_shared_by_two_networks_of_one_shape(monkeypatch, generator):
    """Forward A, forward B (same shapes, same buffers), backward A: A's last chunk is recomputed, not B's."""
    monkeypatch.setattr(taylor_tanh, "CHUNK", 9 * 8)  # chunks of 8 points at width 9
    a, b = _net(generator), _net(generator)
    x = torch.randn(20, dtype=F64, generator=generator)
    Da = taylor_derivatives(a, x, 2)
    taylor_derivatives(b, x, 2)
    got = torch.autograd.grad(Da[2].sum(), list(a.parameters()))
    xg = x.clone().requires_grad_(True)
    want = torch.autograd.grad(_nested(a, xg, 2)[2].sum(), list(a.parameters()))
    for g, r in zip(got, want, strict=True):
        torch.testing.assert_close(g, r, rtol=1e-12, atol=1e-12)


def test_chunk_sizes_follow_the_widest_layer_and_the_cost_of_an_operation(monkeypatch):
    def points(width, n=10**5):
        Ws = [torch.empty(width, 1), torch.empty(width, width), torch.empty(1, width)]
        sizes = {hi - lo for lo, hi in taylor_tanh._chunks(n, Ws)}
        assert len(sizes) <= 2  # equal chunks but the last
        return max(sizes)

    # 10⁵ points in equal chunks of at most 4096, 1024, 512 and 512 points
    assert [points(w) for w in (16, 64, 128, 512)] == [4000, 1021, 511, 511]
    assert points(64, n=1000) == 1000  # one chunk
    threads = torch.get_num_threads()
    monkeypatch.setattr(taylor_tanh, "_PASSIVE", True)
    assert points(64) == 1021  # one thread: nothing to wake
    try:
        torch.set_num_threads(2)
        assert points(64) == 7693  # 8 × 1024 at most: 13 chunks
    finally:
        torch.set_num_threads(threads)


def test_float32_and_empty_input(generator):
    net = _net(generator).float()
    x = torch.randn(30, generator=generator).float()
    D = taylor_derivatives(net, x, 2)
    R = _nested(copy.deepcopy(net).double(), x.double().requires_grad_(True), 2)
    assert D.dtype == torch.float32
    torch.testing.assert_close(D.double(), R.detach(), rtol=1e-4, atol=1e-4)
    assert taylor_derivatives(net, torch.zeros(0), 2).shape == (3, 0, 2)


def test_derivative_uses_the_fused_path_and_can_detach(generator):
    net = _net(generator, widths=(1, 8, 8, 1))
    x = torch.linspace(-2, 2, 33, dtype=F64)
    xg = x.clone().requires_grad_(True)
    want = _nested(net, xg, 2)[2, :, 0]
    got = derivative(net, x, 2)
    assert got.requires_grad
    torch.testing.assert_close(got, want, rtol=1e-13, atol=1e-13)
    detached = derivative(net, x, 2, create_graph=False)
    assert not detached.requires_grad
    torch.testing.assert_close(detached, want.detach(), rtol=1e-13, atol=1e-13)


def test_fallbacks_to_the_list_form(generator):
    net = _net(generator)
    x = torch.randn(6, dtype=F64, generator=generator)
    layers = taylor_tanh.tanh_mlp(net)
    assert not taylor_tanh.applies(layers, x, 3) and not taylor_tanh.applies(layers, x, 0)
    fused = taylor_derivatives(net, x, 2)
    with pytest.MonkeyPatch.context() as m:  # switched off: the list form, the same numbers
        m.setattr(taylor_tanh, "ENABLED", False)
        assert not taylor_tanh.applies(layers, x, 2)
        torch.testing.assert_close(taylor_derivatives(net, x, 2), fused, rtol=1e-13, atol=1e-13)
    assert taylor_tanh.tanh_mlp(nn.Sequential(nn.Linear(1, 4), nn.Sigmoid(), nn.Linear(4, 1))) is None
    assert taylor_tanh.tanh_mlp(nn.Sequential(nn.Linear(1, 4), nn.Tanh())) is None
    # under torch.func the Function steps aside, and the numbers are the same
    flags = []
    torch.func.vmap(lambda t: flags.append(taylor_tanh.applies(layers, t, 2)) or t)(x[:, None])
    assert flags == [False]
    batched = torch.func.vmap(lambda t: taylor_derivatives(net, t, 2))(x[:, None])  # (N, 3, 1, 2)
    torch.testing.assert_close(batched[:, :, 0].transpose(0, 1), taylor_derivatives(net, x, 2),
                               rtol=1e-13, atol=1e-13)
    # forward AD: a JVP in x of u'' equals u''' (list form, order 3)
    import torch.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        dual = fwAD.make_dual(x, torch.ones_like(x))
        tangent = fwAD.unpack_dual(taylor_derivatives(net, dual, 2)[2]).tangent
    torch.testing.assert_close(tangent, taylor_derivatives(net, x, 3)[3], rtol=1e-12, atol=1e-12)
