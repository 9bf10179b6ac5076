"""Issue 13, calculus classes: expressions that do not depend on a variable (constants, Piecewise of constants)
have a zero derivative of the right shape everywhere; a check with nothing compared says so (a status, the
domain asked for, the fix) instead of failing like a wrong derivative."""

import math

import pytest
import sympy
import torch

from sciml.calculus import (
    DerivativeStatus,
    derivative,
    grad,
    hessian,
    jacobian,
    laplacian,
    sympy_function,
    to_torch,
    verify,
)
from sciml.results import Status

CONSTANTS = [  # (expression, variables): none of them varies smoothly with every variable
    ("Piecewise((1/2, y > 0), (cos(6**(1/3)/2), True))", ["y"]),
    ("3", ["x", "y"]),
    ("x**2", ["x", "y"]),
    ("Piecewise((x, y > 0), (1, True))", ["x", "y"]),
    ("exp(2) - sqrt(2)", ["x"]),
]


def _reference_grad(expr, variables, points):
    """SymPy's gradient evaluated at the points (closed form, independent of torch)."""
    e = sympy.sympify(expr)
    symbols = [sympy.Symbol(v) for v in variables]
    return [[float(sympy.diff(e, s).subs(dict(zip(symbols, p, strict=True)))) for s in symbols] for p in points]


@pytest.mark.parametrize("maker", [to_torch, sympy_function], ids=["to_torch", "sympy_function"])
@pytest.mark.parametrize(("expr", "variables"), CONSTANTS, ids=[c[0] for c in CONSTANTS])
def test_backward_of_an_expression_free_of_a_variable_is_zero_of_its_shape(maker, expr, variables):
    f = maker(expr, variables)
    xs = [torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True) for _ in variables]
    out = f(*xs)
    grads = torch.autograd.grad(out.sum(), xs)
    points = list(zip(*[x.tolist() for x in xs], strict=True))
    want = torch.tensor(_reference_grad(expr, variables, points), dtype=torch.float64).T
    assert all(g.shape == x.shape for g, x in zip(grads, xs, strict=True))
    torch.testing.assert_close(torch.stack(grads), want, rtol=0, atol=1e-15)
    # backward too, into .grad
    out = f(*xs)
    out.sum().backward()
    torch.testing.assert_close(torch.stack([x.grad for x in xs]), want, rtol=0, atol=1e-15)


def test_operators_on_a_constant_give_zeros_of_the_right_shape():
    f = to_torch("Piecewise((1/2, y > 0), (cos(6**(1/3)/2), True))", ["y"])
    c = to_torch("3", ["x", "y"])
    p = torch.tensor([0.3, -0.7], dtype=torch.float64)
    assert torch.equal(grad(lambda q: c(q[0], q[1]))(p), torch.zeros(2, dtype=torch.float64))
    assert torch.equal(hessian(lambda q: c(q[0], q[1]))(p), torch.zeros(2, 2, dtype=torch.float64))
    assert float(laplacian(lambda q: c(q[0], q[1]))(p)) == 0.0
    assert torch.equal(jacobian(lambda q: torch.stack([c(q[0], q[1]), f(q[1])]))(p),
                       torch.zeros(2, 2, dtype=torch.float64))
    x = torch.linspace(-1, 1, 7, dtype=torch.float64)
    for k in (1, 2, 3):
        assert torch.equal(derivative(f, x, order=k), torch.zeros(7, dtype=torch.float64))
    torch.testing.assert_close(derivative(f, x, order=0),
                               torch.where(x > 0, 0.5, math.cos(6 ** (1 / 3) / 2)).to(torch.float64))


@pytest.mark.parametrize(("expr", "variables"), CONSTANTS, ids=[c[0] for c in CONSTANTS])
def test_verify_passes_constant_expressions_at_second_order(expr, variables):
    report = verify(to_torch(expr, variables), expr, variables, order=2, points=20)
    assert report.passed and report.status == DerivativeStatus.SUCCESS and report.n_points == 20


def test_a_wrong_derivative_is_a_mismatch_not_nothing_checked():
    report = verify(lambda x: 2 * torch.sin(x), "sin(x)", ["x"], points=10)
    assert not report.passed and report.status == DerivativeStatus.MISMATCH == Status.MISMATCH
    assert report.n_points == 10


@pytest.mark.parametrize(("expr", "variables", "domain"), [
    ("sqrt(-x + Min(y**2, x - 5))", ["x", "y"], (-2.0, 2.0)),  # never real: -x + Min(y², x - 5) <= -5
    ("log(x - 5)", ["x"], (-2.0, 2.0)),  # real only for x > 5
    ("asin(x)", ["x"], (2.0, 3.0)),  # real only on [-1, 1]
])
def test_an_empty_domain_says_nothing_was_checked(expr, variables, domain):
    report = verify(to_torch(expr, variables), expr, variables, domain=domain, points=30)
    assert report.status == DerivativeStatus.NOTHING_CHECKED and not report.status.success
    assert report.n_points == 0 and report.n_skipped == 30 and not report.passed
    assert report.domain == dict.fromkeys(variables, domain)
    assert "nothing was checked" in report.message and "pass domain=" in report.message
    assert f"[{domain[0]:g}, {domain[1]:g}]" in report.message


def test_the_fix_the_message_names_works():
    report = verify(to_torch("log(x - 5)", ["x"]), "log(x - 5)", ["x"], domain={"x": (6.0, 9.0)}, points=30)
    assert report.passed and report.status == DerivativeStatus.SUCCESS and report.n_points == 30


def test_explicit_points_none_checkable_name_points():
    report = verify(to_torch("log(x)", ["x"]), "log(x)", ["x"], points=[[-1.0], [-2.0]])
    assert report.status == DerivativeStatus.NOTHING_CHECKED and report.domain is None
    assert "pass points=" in report.message
