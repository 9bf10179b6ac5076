"""to_sympy: round trips with to_torch/sympy_function, traced torch functions against autograd, exact tensors."""

import math
from fractions import Fraction

import mpmath
import pytest
import sympy
import torch
import torch.nn.functional as F

from sciml.calculus._symbolic_function import sympy_function
from sciml.calculus._sympy_bridge import to_torch
from sciml.calculus._torch_to_sympy import UnsupportedOperationError, to_sympy

F64 = torch.float64
X, Y = sympy.symbols("x y")


@pytest.mark.parametrize("expr", ["x**2*y + y + 2", "sin(x)*exp(-y)/(1 + x**2)", "Piecewise((x, x > y), (y, True))",
                                  "atan2(y, x) + Max(x, 1) + Abs(y)", "besselj(0, x)*erf(y)"])
def test_round_trip_through_to_torch_and_sympy_function(expr):
    e = sympy.parse_expr(expr)
    assert to_sympy(to_torch(e, ["x", "y"])) == e
    assert to_sympy(sympy_function(expr, ["x", "y"])) == e
    a, b = sympy.symbols("a b")
    assert to_sympy(to_torch(e, ["x", "y"]), ["a", "b"]) == e.xreplace({X: a, Y: b})
    assert to_sympy(sympy_function(e, [X, Y]), [b, a]) == e.xreplace({X: b, Y: a})


# (torch function, the expression it must trace to)
TRACED = [
    (lambda x, y: torch.sin(x) * y**2 + torch.exp(-x), sympy.sin(X) * Y**2 + sympy.exp(-X)),
    (lambda x, y: x.tanh().pow(2) / (1 + y.square()) - x.sqrt(), sympy.tanh(X)**2 / (1 + Y**2) - sympy.sqrt(X)),
    (lambda x, y: torch.atan2(y, x) + torch.log1p(x * y) + torch.erf(x - y), sympy.atan2(Y, X)
     + sympy.log(1 + X * Y) + sympy.erf(X - Y)),
    (lambda x, y: torch.sigmoid(x) * torch.special.expit(y) + torch.abs(x - y) + abs(y),
     1 / (1 + sympy.exp(-X)) / (1 + sympy.exp(-Y)) + sympy.Abs(X - Y) + sympy.Abs(Y)),
    (lambda x, y: torch.maximum(x, y) + torch.minimum(x, 2.0 * y) + torch.clamp(x, min=0.5, max=1.5),
     sympy.Max(X, Y) + sympy.Min(X, 2 * Y) + sympy.Min(sympy.Max(X, sympy.Rational(1, 2)), sympy.Rational(3, 2))),
    (lambda x, y: torch.where(x > y, x**3, torch.cos(y)) + torch.pow(x, 0.5) * math.pi,
     sympy.Piecewise((X**3, X > Y), (sympy.cos(Y), True)) + sympy.pi * sympy.sqrt(X)),
    (lambda x, y: F.softplus(x) + F.relu(y - 1) + F.silu(x) + torch.tensor(0.25) * torch.cosh(y) / torch.tan(x),
     sympy.log(1 + sympy.exp(X)) + sympy.Max(Y - 1, 0) + X / (1 + sympy.exp(-X)) + sympy.cosh(Y) / (4 * sympy.tan(X))),
    (lambda x, y: torch.add(x, y, alpha=2) - torch.sub(x, 3) * torch.div(y, x) + torch.exp2(x) + torch.rsqrt(y),
     X + 2 * Y - (X - 3) * Y / X + 2**X + 1 / sympy.sqrt(Y)),
]


@pytest.mark.parametrize(("f", "expected"), TRACED)
def test_traced_functions_give_their_expressions(f, expected):
    got = to_sympy(f)
    assert sympy.simplify(got - expected) == 0, got


@pytest.mark.parametrize(("f", "expected"), TRACED)
def test_sympy_diff_of_traced_expressions_matches_autograd(f, expected, generator):
    # at random points of (0.3, 1.2)², away from the kinks of Max/Min/clamp/where/relu/|.|
    expr = to_sympy(f)
    p = 0.3 + 0.9 * torch.rand(40, 2, dtype=F64, generator=generator)
    kinks = [p[:, 0] - p[:, 1], p[:, 0] - 2 * p[:, 1], p[:, 0] - 0.5, p[:, 0] - 1.5, p[:, 1] - 1]
    p = p[(torch.stack(kinks).abs() > 1e-3).all(0)][:10]
    x, y = p[:, 0].clone().requires_grad_(True), p[:, 1].clone().requires_grad_(True)
    gx, gy = torch.autograd.grad(f(x, y).sum(), (x, y))
    real = {X: sympy.Symbol("x", real=True), Y: sympy.Symbol("y", real=True)}
    e = expr.xreplace(real)
    for g, v in ((gx, real[X]), (gy, real[Y])):
        d = sympy.lambdify((real[X], real[Y]), sympy.diff(e, v).replace(sympy.DiracDelta, lambda *a: 0), "mpmath")
        with mpmath.workdps(30):
            ref = torch.tensor([float(d(mpmath.mpf(a), mpmath.mpf(b))) for a, b in p.tolist()], dtype=F64)
        torch.testing.assert_close(g, ref, rtol=1e-11, atol=1e-12)
    # and the expression evaluates to the function again through to_torch
    torch.testing.assert_close(to_torch(expr, ["x", "y"])(p[:, 0], p[:, 1]), f(p[:, 0], p[:, 1]),
                               rtol=1e-13, atol=1e-14)


def test_variables_defaults_and_modules():
    def u(x, k=3.0):
        return torch.sin(k * x)

    t, c = sympy.symbols("t c")
    assert to_sympy(u) == sympy.sin(3 * X)  # parameters with defaults keep them
    assert to_sympy(u, ["t", c]) == sympy.sin(c * t)
    r = sympy.Symbol("r", positive=True)
    assert to_sympy(lambda x: torch.sqrt(x**2), [r]) == r
    net = torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Softplus(beta=2))
    assert to_sympy(net, ["z"]) == sympy.log(1 + sympy.exp(2 * sympy.tanh(sympy.Symbol("z")))) / 2
    assert to_sympy(lambda x, y: (x * y, x + y)) == (X * Y, X + Y)
    assert to_sympy(lambda x: torch.heaviside(x, torch.tensor(0.5))).subs(X, 0) == sympy.Rational(1, 2)


def test_tensors_convert_exactly():
    assert to_sympy(torch.tensor(2**62 + 1)) == sympy.Integer(2**62 + 1)
    v = to_sympy(torch.tensor(0.1, dtype=F64))
    assert isinstance(v, sympy.Float) and sympy.Rational(v) == sympy.Rational(Fraction(0.1))
    t32 = torch.tensor(0.1, dtype=torch.float32)  # its binary value, not 0.1
    assert sympy.Rational(to_sympy(t32)) == sympy.Rational(Fraction(t32.item())) != sympy.Rational(1, 10)
    m = to_sympy(torch.tensor([[1, 2], [3, 4]]))
    assert isinstance(m, sympy.Matrix) and m == sympy.Matrix([[1, 2], [3, 4]]) and m.det() == -2
    a = to_sympy(torch.arange(3.0, requires_grad=True))
    assert isinstance(a, sympy.NDimArray) and a.shape == (3,) and [float(e) for e in a] == [0, 1, 2]
    b = to_sympy(torch.ones(2, 1, 3, dtype=torch.bool))
    assert b == sympy.Array([[[1, 1, 1]], [[1, 1, 1]]]) and isinstance(b[1, 0, 2], sympy.Integer)
    assert to_sympy(torch.tensor(1.5 - 2j, dtype=torch.complex128)) == sympy.Float(1.5) - sympy.Float(2) * sympy.I
    assert to_sympy(X**2) == X**2


def test_bad_input():
    with pytest.raises(UnsupportedOperationError, match=r"the tensor method \.sum\(\) has no SymPy counterpart"):
        to_sympy(lambda x: x.sum())
    with pytest.raises(UnsupportedOperationError, match=r"torch\.cumsum has no SymPy counterpart"):
        to_sympy(lambda x: torch.cumsum(x, 0))
    with pytest.raises(UnsupportedOperationError, match=r"operator\.matmul"):
        to_sympy(lambda x: x @ x)
    with pytest.raises(UnsupportedOperationError, match=r"module '0' \(Linear\)"):
        to_sympy(torch.nn.Sequential(torch.nn.Linear(2, 2)))
    with pytest.raises(UnsupportedOperationError, match=r"control flow.*torch\.where"):
        to_sympy(lambda x: x if x > 0 else -x)
    with pytest.raises(UnsupportedOperationError, match=r"tensor constant of shape \(2,\)"):
        to_sympy(lambda x: x * torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"one positional parameter per variable"):
        to_sympy(lambda *xs: xs[0])
    with pytest.raises(ValueError, match=r"must name the parameters \['x', 'y'\]"):
        to_sympy(lambda x, y: x * y, ["x"])
    with pytest.raises(ValueError, match="distinct"):
        to_sympy(lambda x, y: x * y, ["x", "x"])
    with pytest.raises(ValueError, match=r"1 variables \['a'\] given for a callable of 2 \(x, y\)"):
        to_sympy(to_torch("x*y", ["x", "y"]), ["a"])
    with pytest.raises(TypeError, match="variables apply to callables"):
        to_sympy(torch.ones(2), ["x"])
    with pytest.raises(TypeError, match="expected a tensor or a callable, got int"):
        to_sympy(3)
