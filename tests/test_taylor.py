"""sciml.calculus.taylor_derivatives: Taylor-mode derivatives of nn.Sequential MLPs against nested reverse-mode autograd
(orders 0-4, every supported activation, float64), gradients of a PINN loss through them, derivative()'s
dispatch to Taylor mode, and bad input."""

import itertools

import pytest
import torch
from torch import nn

from sciml.calculus import Sin, derivative, taylor_derivatives

F64 = torch.float64
TOL = {"rtol": 1e-12, "atol": 1e-12}

ACTIVATIONS = {
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
    "relu": nn.ReLU,
    "softplus": nn.Softplus,
    "softplus-threshold": lambda: nn.Softplus(beta=2.0, threshold=1.0),  # the linear branch is hit
    "gelu": nn.GELU,
    "sin": Sin,
}


def _net(act, generator, widths=(1, 12, 12, 2)):
    layers = []
    for i, (m, k) in enumerate(itertools.pairwise(widths)):
        linear = nn.Linear(m, k, dtype=F64)
        with torch.no_grad():
            linear.weight.copy_(torch.randn(k, m, dtype=F64, generator=generator))
            linear.bias.copy_(torch.randn(k, dtype=F64, generator=generator))
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def _nested(net, x, order):
    """u, u', ..., u^(order) of every output by nested torch.autograd.grad (the independent reference)."""
    xg = x.detach().requires_grad_(True)
    out = [net(xg[:, None])]
    for _ in range(order):
        prev = out[-1]
        cols = [torch.autograd.grad(prev[:, j].sum(), xg, create_graph=True, materialize_grads=True)[0]
                for j in range(prev.shape[1])]
        out.append(torch.stack(cols, dim=-1))
    return torch.stack(out)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_orders_0_to_4_equal_nested_autograd(name, generator):
    net = _net(ACTIVATIONS[name], generator)
    x = torch.randn(40, dtype=F64, generator=generator)
    D = taylor_derivatives(net, x, 4)
    assert D.shape == (5, 40, 2)
    torch.testing.assert_close(D, _nested(net, x, 4).detach(), **TOL)
    for k in range(4):  # a lower truncation gives the same leading coefficients
        torch.testing.assert_close(taylor_derivatives(net, x, k), D[: k + 1], **TOL)


def test_closed_form_for_a_one_neuron_network():
    # u(x) = tanh(2x + 1): u' = 2(1 - u²), u'' = -8 u (1 - u²)
    net = nn.Sequential(nn.Linear(1, 1, dtype=F64), nn.Tanh())
    with torch.no_grad():
        net[0].weight.fill_(2.0)
        net[0].bias.fill_(1.0)
    x = torch.linspace(-2, 2, 9, dtype=F64)
    u = torch.tanh(2 * x + 1)
    D = taylor_derivatives(net, x, 2)[:, :, 0]
    torch.testing.assert_close(D, torch.stack([u, 2 * (1 - u**2), -8 * u * (1 - u**2)]).detach(), **TOL)


@pytest.mark.parametrize("name", ["tanh", "sin", "gelu"])
def test_gradient_of_a_pinn_loss_equals_nested_autograd(name, generator):
    net = _net(ACTIVATIONS[name], generator, widths=(1, 10, 10, 1))
    params = list(net.parameters())
    x = torch.rand(30, dtype=F64, generator=generator) * 2 - 1

    def loss(D):
        return ((D[2, :, 0] + D[0, :, 0]) ** 2).mean() + (D[1, :, 0] ** 2).mean()

    got = torch.autograd.grad(loss(taylor_derivatives(net, x, 2)), params)
    want = torch.autograd.grad(loss(_nested(net, x, 2)), params)
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, **TOL)


def test_differentiable_in_x_and_under_vmap(generator):
    net = _net(nn.Tanh, generator, widths=(1, 8, 1))
    x = torch.randn(5, dtype=F64, generator=generator, requires_grad=True)
    (dx,) = torch.autograd.grad(taylor_derivatives(net, x, 1)[1].sum(), x)  # d/dx u' = u''
    torch.testing.assert_close(dx, taylor_derivatives(net, x.detach(), 2)[2, :, 0], **TOL)
    batched = torch.func.vmap(lambda t: taylor_derivatives(net, t, 2))(x.detach().reshape(5, 1))
    torch.testing.assert_close(batched[:, :, 0, :], taylor_derivatives(net, x.detach(), 2).transpose(0, 1).detach(),
                               **TOL)


def test_derivative_dispatches_sequentials_to_taylor_mode(generator):
    net = _net(nn.Tanh, generator, widths=(1, 8, 8, 1))
    x = torch.randn(20, dtype=F64, generator=generator)
    ref = _nested(net, x, 3).detach()[:, :, 0]
    for k in range(4):
        torch.testing.assert_close(derivative(net, x, k), ref[k], **TOL)
        got = derivative(net, x, k, create_graph=False)
        assert not got.requires_grad
        torch.testing.assert_close(got, ref[k], **TOL)
    assert derivative(net, x, 2).requires_grad  # trainable through
    # an unsupported layer falls back to nested reverse mode with the same convention
    odd = nn.Sequential(nn.Linear(1, 6, dtype=F64), nn.ELU(), nn.Linear(6, 1, dtype=F64))
    torch.testing.assert_close(derivative(odd, x, 2), _nested(odd, x, 2)[2, :, 0], **TOL)


def test_bad_input():
    x = torch.linspace(0, 1, 4, dtype=F64)
    with pytest.raises(TypeError, match=r"net\[1\] is a LeakyReLU, which Taylor mode does not support"):
        taylor_derivatives(nn.Sequential(nn.Linear(1, 3, dtype=F64), nn.LeakyReLU()), x, 1)
    with pytest.raises(TypeError, match="GELU"):
        taylor_derivatives(nn.Sequential(nn.Linear(1, 3, dtype=F64), nn.GELU(approximate="tanh")), x, 1)
    with pytest.raises(TypeError, match=r"net must be a torch\.nn\.Sequential"):
        taylor_derivatives(nn.Linear(1, 1, dtype=F64), x, 1)
    with pytest.raises(TypeError, match="net must start with a Linear layer"):
        taylor_derivatives(nn.Sequential(nn.Tanh(), nn.Linear(1, 1, dtype=F64)), x, 1)
    net = nn.Sequential(nn.Linear(1, 3, dtype=F64), nn.Tanh(), nn.Linear(3, 1, dtype=F64))
    with pytest.raises(ValueError, match=r"x must be a 1-D tensor of points, shape \(N,\), got shape \(4, 1\)"):
        taylor_derivatives(net, x[:, None], 1)
    with pytest.raises(TypeError, match=r"x must be a floating-point tensor.*torch.int64.*x.double\(\)"):
        taylor_derivatives(net, torch.arange(4), 1)
    with pytest.raises(TypeError, match="x must be a 1-D floating-point tensor of points, got list"):
        taylor_derivatives(net, [0.0, 1.0], 1)
    with pytest.raises(TypeError, match=r"dtype and device of net's parameters \(torch.float64"):
        taylor_derivatives(net, x.float(), 1)
    with pytest.raises(ValueError, match="order must be a non-negative integer"):
        taylor_derivatives(net, x, -1)
    with pytest.raises(ValueError, match="must take 1 input feature"):
        taylor_derivatives(nn.Sequential(nn.Linear(2, 1, dtype=F64)), x, 1)
    with pytest.raises(ValueError, match="derivative: f must have one output, got a Sequential with 2"):
        derivative(nn.Sequential(nn.Linear(1, 2, dtype=F64)), x, 1)
