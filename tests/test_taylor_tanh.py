"""sciml.calculus (fused tanh path): the fused, chunked Taylor-mode Function for tanh MLPs against nested
reverse-mode autograd (values, gradients in the parameters and in x, double backward), its chunking and
buffer reuse, the fallbacks to the list form (torch.func, forward AD, other networks, order 3), the choice of
path (fused=, fused_taylor), and tanh_mlp_derivatives on weights and biases."""

import copy
import itertools
import threading

import pytest
import torch
from torch import nn

from sciml.calculus import _taylor_tanh as taylor_tanh
from sciml.calculus import derivative, fused_taylor, tanh_mlp_derivatives, taylor_derivatives

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
    # switched off: the list form, the same numbers
    torch.testing.assert_close(taylor_derivatives(net, x, 2, fused=False), fused, rtol=1e-13, atol=1e-13)
    with fused_taylor(False):
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


def _spy(monkeypatch):
    """Count the calls of the fused Function."""
    calls = []
    apply = taylor_tanh.TanhTaylor.apply
    monkeypatch.setattr(taylor_tanh.TanhTaylor, "apply", lambda *a: calls.append(1) or apply(*a))
    return calls


def test_fused_argument_and_fused_taylor_choose_the_path(monkeypatch, generator):
    """fused=None follows the innermost fused_taylor block (on outside any); fused=True/False override it;
    the block is restored on exit, exception or not, nests, and does not reach other threads."""
    calls = _spy(monkeypatch)
    net = _net(generator)
    x = torch.randn(6, dtype=F64, generator=generator)

    def fused_calls(f=taylor_derivatives, net=net, **kw):
        before = len(calls)
        f(net, x, 2, **kw)
        return len(calls) - before

    one_output = _net(generator, widths=(1, 5, 1))
    assert (fused_calls(), fused_calls(fused=True), fused_calls(fused=False)) == (1, 1, 0)
    assert fused_calls(derivative, one_output) == 1
    with fused_taylor(False):
        assert (fused_calls(), fused_calls(fused=True), fused_calls(fused=False)) == (0, 1, 0)
        assert fused_calls(derivative, one_output) == 0  # derivative() follows the block too
        with fused_taylor(True):
            assert fused_calls() == 1
        assert fused_calls() == 0
        seen = []
        thread = threading.Thread(target=lambda: seen.append(fused_calls()))
        thread.start()
        thread.join()
        assert seen == [1]  # another thread: the default
    with pytest.raises(RuntimeError, match="boom"), fused_taylor(False):
        raise RuntimeError("boom")
    assert fused_calls() == 1
    with pytest.raises(TypeError, match="enabled must be True or False"), fused_taylor(0):
        pass
    with pytest.raises(TypeError, match="fused must be None"):
        taylor_derivatives(net, x, 2, fused=1)


def test_fused_true_says_why_it_cannot_serve(generator):
    net = _net(generator)
    x = torch.randn(6, dtype=F64, generator=generator)
    with pytest.raises(ValueError, match="orders 1 and 2, got order=3"):
        taylor_derivatives(net, x, 3, fused=True)
    sigmoid = nn.Sequential(nn.Linear(1, 4, dtype=F64), nn.Sigmoid(), nn.Linear(4, 1, dtype=F64))
    with pytest.raises(ValueError, match="not Linear, Tanh"):
        taylor_derivatives(sigmoid, x, 2, fused=True)
    with pytest.raises(ValueError, match=r"inside a torch\.func transform"):
        torch.func.vmap(lambda t: taylor_derivatives(net, t, 2, fused=True))(x[:, None])
    params = list(net.parameters())
    with pytest.raises(ValueError, match=r"inside a torch\.func transform"):
        torch.func.grad(lambda p0: tanh_mlp_derivatives([p0, *params[1:]], x, 1, fused=True).sum())(params[0])


@pytest.mark.parametrize("bias", [True, False])
def test_tanh_mlp_derivatives_on_weights_and_biases(bias, chunk, monkeypatch, generator):
    """Points of any shape; the fused Function under plain autograd at orders 1-2, the list form otherwise,
    all equal to taylor_derivatives of the same nn.Sequential (itself checked against nested autograd)."""
    calls = _spy(monkeypatch)
    net = _net(generator, bias=bias)
    params = [p for layer in net[0::2] for p in (layer.weight, layer.bias)]
    x = torch.randn(3, 5, dtype=F64, generator=generator)
    for order in range(4):
        want = taylor_derivatives(net, x.reshape(-1), order, fused=False)
        n_before = len(calls)
        got = tanh_mlp_derivatives(params, x, order)
        assert len(calls) - n_before == (order in (1, 2))
        assert got.shape == (order + 1, 3, 5, 2)
        torch.testing.assert_close(got.reshape(want.shape), want, rtol=1e-13, atol=1e-13)
        torch.testing.assert_close(tanh_mlp_derivatives(params, x, order, fused=False), got, rtol=1e-13,
                                   atol=1e-13)
    # gradients in the parameters through the fused Function equal those of the list form
    w = torch.randn(3, 3, 5, 2, dtype=F64, generator=generator)
    leaves = [p for p in params if p is not None]
    got = torch.autograd.grad((w * tanh_mlp_derivatives(params, x, 2)).sin().sum(), leaves)
    want = torch.autograd.grad((w * tanh_mlp_derivatives(params, x, 2, fused=False)).sin().sum(), leaves)
    for g, r in zip(got, want, strict=True):
        torch.testing.assert_close(g, r, rtol=1e-12, atol=1e-12)
    # under vmap over points: the list form, the same numbers
    batched = torch.func.vmap(lambda t: tanh_mlp_derivatives(params, t, 2))(x.reshape(-1))  # (15, 3, 2)
    torch.testing.assert_close(batched.transpose(0, 1), tanh_mlp_derivatives(params, x, 2).reshape(3, 15, 2),
                               rtol=1e-13, atol=1e-13)


def test_tanh_mlp_derivatives_bad_input(generator):
    params = list(_net(generator).parameters())
    x = torch.randn(4, dtype=F64, generator=generator)
    with pytest.raises(ValueError, match="order must be a non-negative integer"):
        tanh_mlp_derivatives(params, x, -1)
    with pytest.raises(TypeError, match="order must be a non-negative integer, got bool True"):
        tanh_mlp_derivatives(params, x, True)
    with pytest.raises(ValueError, match=r"weight-bias pairs.*got 5 tensors"):
        tanh_mlp_derivatives(params[:5], x, 1)
    with pytest.raises(ValueError, match=r"W₀ of shape \(9, 2\)"):
        tanh_mlp_derivatives([torch.ones(9, 2, dtype=F64), *params[1:]], x, 1)
    with pytest.raises(TypeError, match=r"floating-point tensor of points, got torch\.int64"):
        tanh_mlp_derivatives(params, torch.arange(4), 1)
    with pytest.raises(TypeError, match="got list"):
        tanh_mlp_derivatives(params, [0.0, 1.0], 1)
