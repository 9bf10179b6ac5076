"""sciml.calculus operators: bad input names the operator, the argument and the fix (gaps not covered by
tests/test_calculus.py::test_bad_input_errors)."""

import pytest
import torch

from sciml.calculus import derivative, divergence, grad, hessian, hvp, jacobian, jvp, laplacian, vjp

F64 = torch.float64
P = torch.tensor([1.0, 2.0], dtype=F64)
INTEGER = torch.tensor([1, 2])


@pytest.mark.parametrize(("op", "call"), [
    ("grad", lambda x: grad(lambda t: t.sum())(x)),
    ("jacobian", lambda x: jacobian(torch.sin)(x)),
    ("hessian", lambda x: hessian(lambda t: t.sum())(x)),
    ("laplacian", lambda x: laplacian(lambda t: t.sum())(x)),
    ("divergence", lambda x: divergence(torch.sin)(x)),
    ("jvp", lambda x: jvp(torch.sin, x, P)),
    ("vjp", lambda x: vjp(torch.sin, x, P)),
    ("hvp", lambda x: hvp(lambda t: t.sum(), x, P)),
    ("derivative", lambda x: derivative(torch.sin, x)),
])
def test_integer_points_are_refused_naming_the_operator_and_the_fix(op, call):
    with pytest.raises(TypeError, match=rf"{op}: x must be a floating-point tensor.*torch\.int64.*x\.double\(\)"):
        call(INTEGER)
    with pytest.raises(TypeError, match=rf"{op}: x must be a floating-point tensor.*torch\.complex"):
        call(P.to(torch.complex128))


def test_non_scalar_outputs_name_the_operator():
    with pytest.raises(ValueError, match=r"laplacian: f must return a scalar, got an output of shape \(2,\)"):
        laplacian(lambda t: t**2)(P)
    with pytest.raises(TypeError, match="hessian: f must return a tensor, got float"):
        hessian(lambda t: 1.0)(P)
    with pytest.raises(TypeError, match="jacobian: f must return a tensor, got float"):
        jacobian(lambda t: 1.0, mode="fwd")(P)


def test_direction_shape_and_type_errors():
    with pytest.raises(ValueError, match=r"v must have the shape of x, \(2,\), got shape \(1, 2\)"):
        jvp(torch.sin, P, [[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"v must have the shape of f\(x\), \(2,\), got shape \(3,\)"):
        vjp(torch.sin, P, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="v must be a tensor, array, list or number, got str"):
        jvp(torch.sin, P, "a")
    # an integer direction is a direction, not a point: it is cast to x's dtype
    torch.testing.assert_close(jvp(torch.sin, P, torch.tensor([1, 2])), torch.cos(P) * P, rtol=1e-15, atol=0)


def test_the_fallback_of_derivative_for_sequentials_keeps_the_point_convention():
    net = torch.nn.Sequential(torch.nn.Linear(1, 4, dtype=F64), torch.nn.ELU(), torch.nn.Linear(4, 1, dtype=F64))
    x = torch.linspace(-1, 1, 7, dtype=F64)
    got = derivative(net, x, 1)
    assert got.shape == (7,)
    xg = x.clone().requires_grad_(True)
    (want,) = torch.autograd.grad(net(xg[:, None]).sum(), xg)
    torch.testing.assert_close(got, want, rtol=1e-14, atol=1e-14)
