"""to_torch where a derivative is infinite at a finite value: no 0·∞ NaN where the argument is locally constant.

Found by ``sciml verify-corpus`` at 10⁴ expressions: ``sqrt(atan2(0, x))`` had a NaN gradient where it is the
constant 0, and ``Abs(log(Piecewise((-3, y <= y), (y, True))))`` a NaN value where SymPy's is real. The
reference for every derivative is SymPy's (``diff`` then exact substitution), or the closed form 0 where the
expression is constant on a neighbourhood of the point.
"""

import math

import pytest
import sympy
import torch

from sciml.calculus import grad, to_torch

X, Y = sympy.symbols("x y", real=True)


def _autograd(expr, x, y):
    f = to_torch(expr, ["x", "y"])
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    out = f(xt, yt)
    dx, dy = torch.autograd.grad(out, (xt, yt))
    return out.item(), dx.item(), dy.item()


def _sympy(expr, x, y):
    e = sympy.sympify(expr, locals={"x": X, "y": Y})
    point = {X: sympy.Rational(x), Y: sympy.Rational(y)}
    return [_number(v.subs(point)) for v in (e, e.diff(X), e.diff(Y))]


def _number(v):
    try:
        return complex(sympy.N(v, 30))
    except TypeError:  # SymPy's own 0·∞ (e.g. zoo·Derivative(floor(x))): no value
        return complex(math.nan)


# (expression, point) where the argument of the singular function is locally constant: the derivative is 0
LOCALLY_CONSTANT = [
    ("sqrt(atan2(0, x))", (0.7, -0.3)),
    ("sqrt(Heaviside(y)/atan2(7/9, x))", (0.7, -0.3)),
    ("(Heaviside(-x)*(x**2 + y))**(1/3)", (0.5, 0.25)),
    ("sqrt(Piecewise((0, y < 0), (x, True)))", (0.7, -0.3)),
    ("acos(floor(x)) + y", (1.5, 0.25)),
    ("asin(sign(x)*sign(y))*x", (0.5, 0.25)),
    ("acosh(1 + 0*x)*y + sqrt(sign(x) - 1)", (0.5, 0.25)),
]


@pytest.mark.parametrize(("expr", "point"), LOCALLY_CONSTANT)
def test_locally_constant_argument_of_a_singular_function_has_zero_derivative(expr, point):
    value, dx, dy = _autograd(expr, *point)
    ref_value, ref_dx, ref_dy = _sympy(expr, *point)
    assert math.isclose(value, ref_value.real, rel_tol=1e-14, abs_tol=1e-15)
    e = sympy.sympify(expr, locals={"x": X, "y": Y})
    # the closed form: constant on a neighbourhood (checked by SymPy at nearby points), so the slope is 0
    near = [e.subs({X: sympy.Rational(point[0]) + h, Y: sympy.Rational(point[1]) + k})
            for h, k in ((sympy.Rational(1, 1000), 0), (0, sympy.Rational(1, 1000)))]
    if all(sympy.N(n - e.subs({X: sympy.Rational(point[0]), Y: sympy.Rational(point[1])})) == 0 for n in near):
        assert (dx, dy) == (0.0, 0.0)
    else:  # only one variable holds it constant: the other slope is SymPy's
        for got, ref in ((dx, ref_dx), (dy, ref_dy)):
            assert got == 0.0 or math.isclose(got, ref.real, rel_tol=1e-12)


@pytest.mark.parametrize(("expr", "point"), [
    ("sqrt(Heaviside(y)/atan2(7/9, x))", (0.7, 0.4)),
    ("(Heaviside(-x)*(x**2 + y))**(1/3)", (-0.5, 0.25)),
    ("sqrt(Piecewise((0, y < 0), (x, True)))", (0.7, 0.3)),
    ("sqrt(x**2 + y**2)", (0.3, 0.4)),
    ("acos(x*y)", (0.5, 0.25)),
])
def test_where_the_argument_varies_the_derivative_is_sympys(expr, point):
    value, dx, dy = _autograd(expr, *point)
    for got, ref in zip((value, dx, dy), _sympy(expr, *point), strict=True):
        assert math.isclose(got, ref.real, rel_tol=1e-12, abs_tol=1e-15)


def test_a_genuinely_infinite_slope_stays_infinite():
    # sqrt(x) at 0 varies there: its one-sided slope is +inf, not 0
    _, dx, _ = _autograd("sqrt(x)", 0.0, 0.5)
    assert dx == math.inf
    _, dx, _ = _autograd("x**(1/3)", 0.0, 0.5)
    assert dx == math.inf


def test_under_torch_func_too():
    f = to_torch("sqrt(Heaviside(y)/atan2(7/9, x))", ["x", "y"])
    g = torch.func.vmap(grad(lambda p: f(p[0], p[1])))
    points = torch.tensor([[0.7, -0.3], [0.7, 0.4]], dtype=torch.float64)
    out = g(points)
    assert torch.equal(out[0], torch.zeros(2, dtype=torch.float64))
    ref = _sympy("sqrt(Heaviside(y)/atan2(7/9, x))", 0.7, 0.4)
    assert math.isclose(out[1, 0].item(), ref[1].real, rel_tol=1e-12)


@pytest.mark.parametrize(("expr", "expected"), [
    ("Abs(log(Piecewise((-3, y <= y), (y, True))))", math.hypot(math.log(3), math.pi)),
    ("Piecewise((1, x < x), (2, x >= x))", 2.0),
    ("Abs(log(Piecewise((-3, Eq(y, y)), (y, True))))*x", 0.5 * math.hypot(math.log(3), math.pi)),
])
def test_a_relation_of_a_term_with_itself_is_decided(expr, expected):
    value, dx, dy = _autograd(expr, 0.5, 0.25)
    assert math.isclose(value, expected, rel_tol=1e-14)
    ref = _sympy(expr, 0.5, 0.25)
    assert math.isclose(value, ref[0].real, rel_tol=1e-14)
    assert math.isclose(dx, ref[1].real, rel_tol=1e-14, abs_tol=0) and dy == 0.0


# closed forms (IEEE semantics: 1/0 = inf, log(0) = -inf, as NumPy's reference in verify; SymPy's exact
# substitution gives zoo/nan there instead): value, d/dx, d/dy
STEPS_OF_SINGULAR = [
    ("sign((E - x)/Heaviside(x))", (-1.2, -1.1), (1.0, 0.0, 0.0)),  # found by the order-2 corpus
    ("floor(sqrt(Heaviside(y)*x)) + y", (0.7, -0.3), (-0.3, 0.0, 1.0)),
    ("Heaviside(log(Heaviside(x)))*x", (-0.5, 0.25), (0.0, 0.0, 0.0)),
]


@pytest.mark.parametrize(("expr", "point", "expected"), STEPS_OF_SINGULAR)
def test_a_step_of_a_singular_argument_has_zero_derivative(expr, point, expected):
    assert _autograd(expr, *point) == expected
    f = to_torch(expr, ["x", "y"])  # second order too, as the corpus checks
    h = torch.func.hessian(lambda p: f(p[0], p[1]))(torch.tensor(point, dtype=torch.float64))
    assert torch.equal(h, torch.zeros(2, 2, dtype=torch.float64))


def test_an_infinite_factor_of_a_singular_argument():
    # found by the depth-4 corpus (seed 2): tan(x)/Heaviside(x) is +inf for x < 0 near -1.87, so the whole
    # expression is 0 on a neighbourhood there and its derivative is 0 (SymPy's too)
    expr = "(x + Max(y, log(3)/x))/sqrt(tan(x)/Heaviside(x))"
    value, dx, dy = _autograd(expr, -1.87, -1.99)
    assert (value, dx, dy) == (0.0, 0.0, 0.0)
    _, dx, dy = _autograd(expr, 0.5, -1.99)  # x > 0: SymPy's derivative
    ref = _sympy(expr, 0.5, -1.99)
    assert math.isclose(dx, ref[1].real, rel_tol=1e-12) and math.isclose(dy, ref[2].real, abs_tol=1e-15)


def test_an_unevaluated_tree_means_what_sympy_makes_of_it():
    y = sympy.Symbol("y", real=True)
    expr = sympy.tan(sympy.sign(sympy.exp(sympy.tan(y), evaluate=False), evaluate=False), evaluate=False)
    f = to_torch(expr, ["y"])
    # exp(tan(y)) underflows to 0 in float64 near -pi/2, but it is positive: sign is 1, as SymPy evaluates it
    assert f(torch.tensor(-1.5703795407351646, dtype=torch.float64)).item() == math.tan(1.0)


def test_variables_are_real_as_in_verify():
    # found by the depth-4 corpus (seed 2): parsed with plain symbols, sign(exp(tan(y))) stayed unevaluated
    # and underflowed to sign(0) = 0; for real y SymPy (and verify's reference) make it 1
    f = to_torch("tan(sign(exp(tan(y))))", ["x", "y"])
    y = torch.tensor([-1.5703795407351646, 0.3], dtype=torch.float64)
    assert torch.equal(f(torch.zeros(2, dtype=torch.float64), y), torch.full((2,), math.tan(1.0), dtype=torch.float64))


def test_log_of_exp_is_its_argument_beyond_exps_range():
    # found by the order-2 corpus (seed 3): y²/x² = 671 at this point, exp(671) ~ 1.6e291 and its square
    # overflows in the second derivative; SymPy's Hessian of log(exp(u)) is u's
    f = to_torch("log(exp(y**2/x**2))", ["x", "y"])
    point = torch.tensor([-0.06154632098437851, -1.5945961530499835], dtype=torch.float64)
    h = torch.func.hessian(lambda p: f(p[0], p[1]))(point)
    x, y = point.tolist()
    ref = torch.tensor([[6 * y**2 / x**4, -4 * y / x**3], [-4 * y / x**3, 2 / x**2]], dtype=torch.float64)
    torch.testing.assert_close(h, ref, rtol=1e-13, atol=0)
    assert f(torch.tensor(0.5, dtype=torch.float64), torch.tensor(30.0, dtype=torch.float64)).item() == 3600.0
