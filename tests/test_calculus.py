"""sciml.calculus: operators against SymPy at random points, the Cubic Function in every autograd mode,
check_function catching a wrong backward, and the SymPy → torch bridge against sympy.lambdify (NumPy/SciPy)."""

import numpy as np
import pytest
import sympy
import torch
import torch.autograd.forward_ad as fwAD
from torch.func import jacfwd, jacrev, vmap

from sciml.calculus import (
    Cubic,
    UnsupportedExpressionError,
    check_function,
    cubic,
    derivative,
    divergence,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    laplacian,
    to_torch,
    vjp,
)
from sciml.calculus._operators import _forward_mode_ready

F64 = torch.float64
TOL = {"rtol": 1e-12, "atol": 1e-12}

x, y, z = sympy.symbols("x y z", real=True)
XYZ = [x, y, z]
SCALAR = x**2 * y * sympy.sin(z) + sympy.exp(x * y / 3) - sympy.log(1 + z**2)
VECTOR = [x * y * z, sympy.cos(x) + y**3, sympy.atan(z - x)]
VECTOR_2 = [x * y * z, sympy.cos(x) + y**3]  # R³ → R²


def _torch_scalar(expr=SCALAR):
    f = to_torch(expr, XYZ)
    return lambda p: f(*p.unbind(-1))


def _torch_vector(exprs):
    fs = [to_torch(e, XYZ) for e in exprs]
    return lambda p: torch.stack([f(*p.unbind(-1)) for f in fs], dim=-1)


def _at(matrix, point) -> torch.Tensor:
    """A SymPy matrix/expression evaluated at a numeric point, by lambdify (an independent reference)."""
    fn = sympy.lambdify(XYZ, matrix, "numpy")
    return torch.tensor(np.array(fn(*point.tolist()), dtype=float), dtype=F64)


@pytest.fixture
def points(generator):
    return [torch.rand(3, dtype=F64, generator=generator) * 2 - 1 for _ in range(3)]


def setup_module():
    _forward_mode_ready()  # torch warns (DeprecationWarning) on its first forward-mode use


# ---------------------------------------------------------------- operators against SymPy


def test_grad_hessian_laplacian_against_sympy(points):
    f = _torch_scalar()
    H = sympy.hessian(SCALAR, XYZ)
    for p in points:
        torch.testing.assert_close(grad(f)(p), _at([sympy.diff(SCALAR, s) for s in XYZ], p), **TOL)
        torch.testing.assert_close(hessian(f)(p), _at(H, p), **TOL)
        torch.testing.assert_close(laplacian(f)(p), _at(H.trace(), p), **TOL)


@pytest.mark.parametrize("exprs", [VECTOR, VECTOR_2], ids=["square", "wide"])
@pytest.mark.parametrize("mode", ["rev", "fwd", "auto"])
def test_jacobian_modes_against_sympy(points, exprs, mode):
    J = sympy.Matrix(exprs).jacobian(XYZ)
    for p in points:
        torch.testing.assert_close(jacobian(_torch_vector(exprs), mode)(p), _at(J, p), **TOL)


def test_jacobian_auto_picks_forward_for_tall_outputs(points):
    # R¹ → R³: more outputs than inputs takes the forward branch of mode="auto"
    exprs = [x**2, sympy.sin(x), sympy.exp(-x)]
    f = lambda t: torch.stack([t[0] ** 2, torch.sin(t[0]), torch.exp(-t[0])])  # noqa: E731
    J = sympy.Matrix(exprs).jacobian([x])
    for p in points:
        t = p[:1]
        expected = torch.tensor(np.array(sympy.lambdify([x], J)(float(t)), dtype=float), dtype=F64)
        for mode in ("rev", "fwd", "auto"):
            torch.testing.assert_close(jacobian(f, mode)(t), expected, **TOL)


def test_products_against_sympy(points, generator):
    F = _torch_vector(VECTOR_2)
    J = sympy.Matrix(VECTOR_2).jacobian(XYZ)
    f = _torch_scalar()
    H = sympy.hessian(SCALAR, XYZ)
    for p in points:
        v3 = torch.randn(3, dtype=F64, generator=generator)
        v2 = torch.randn(2, dtype=F64, generator=generator)
        torch.testing.assert_close(jvp(F, p, v3), _at(J, p) @ v3, **TOL)
        torch.testing.assert_close(vjp(F, p, v2), v2 @ _at(J, p), **TOL)
        torch.testing.assert_close(hvp(f, p, v3), _at(H, p) @ v3, **TOL)
        torch.testing.assert_close(hvp(f, p, v3), hessian(f)(p) @ v3, **TOL)


def test_divergence_against_sympy(points):
    F = _torch_vector(VECTOR)
    div = sum(sympy.diff(e, s) for e, s in zip(VECTOR, XYZ, strict=True))
    for p in points:
        torch.testing.assert_close(divergence(F)(p), _at(div, p), **TOL)


def test_vmap_batches_every_operator(generator):
    X = torch.rand(5, 3, dtype=F64, generator=generator)
    f, F = _torch_scalar(), _torch_vector(VECTOR)
    for op in (grad(f), hessian(f), laplacian(f), jacobian(F), divergence(F)):
        batched = vmap(op)(X)
        torch.testing.assert_close(batched, torch.stack([op(p) for p in X]), **TOL)
    # many Hessian-vector products at one point: hvp switches to the transformable route under vmap
    H = hessian(f)(X[0])
    torch.testing.assert_close(vmap(lambda v: hvp(f, X[0], v))(torch.eye(3, dtype=F64)), H, **TOL)


def test_hvp_create_graph_is_differentiable():
    a = torch.tensor(1.5, dtype=F64, requires_grad=True)
    x0 = torch.tensor([0.3, -0.7], dtype=F64)
    v = torch.tensor([1.0, 2.0], dtype=F64)
    # f = a (x0³ + x1³): H v = 6 a (x0 v0, x1 v1); d/da of the sum = 6 (x0 v0 + x1 v1)
    product = hvp(lambda t: a * (t**3).sum(), x0, v, create_graph=True)
    (da,) = torch.autograd.grad(product.sum(), a)
    torch.testing.assert_close(da, 6 * (x0 * v).sum(), **TOL)
    assert not hvp(lambda t: a * (t**3).sum(), x0, v).requires_grad
    # affine f: the product vanishes instead of failing
    torch.testing.assert_close(hvp(lambda t: 2 * t.sum(), x0, v), torch.zeros(2, dtype=F64))


# ---------------------------------------------------------------- derivative(f, x, order)


def test_derivative_orders_against_closed_forms(generator):
    t = torch.rand(7, dtype=F64, generator=generator) * 4 - 2
    e = torch.exp(2 * t)
    for k in range(4):
        torch.testing.assert_close(derivative(lambda s: torch.exp(2 * s), t, order=k), 2**k * e, **TOL)
    cube = lambda s: s**3  # noqa: E731
    torch.testing.assert_close(derivative(cube, t, 1), 3 * t**2, **TOL)
    torch.testing.assert_close(derivative(cube, t, 2), 6 * t, **TOL)
    torch.testing.assert_close(derivative(cube, t, 3), torch.full_like(t, 6.0), **TOL)
    torch.testing.assert_close(derivative(cube, t, 5), torch.zeros_like(t), **TOL)


def test_derivative_create_graph_trains_through_u_second_derivative(generator):
    t = torch.rand(6, dtype=F64, generator=generator)
    a = torch.tensor(0.8, dtype=F64, requires_grad=True)
    # u = a sin(3t): u'' = -9 a sin(3t); the loss sum(u'') has d/da = -9 sum(sin 3t)
    second = derivative(lambda s: a * torch.sin(3 * s), t, order=2)
    (da,) = torch.autograd.grad(second.sum(), a)
    torch.testing.assert_close(da, -9 * torch.sin(3 * t).sum(), **TOL)
    # differentiable in the points too: d/dt of sum(u') = u''
    tg = t.clone().requires_grad_(True)
    (dt,) = torch.autograd.grad(derivative(lambda s: a * torch.sin(3 * s), tg, 1).sum(), tg)
    torch.testing.assert_close(dt, (-9 * a * torch.sin(3 * t)).detach(), **TOL)
    assert not derivative(torch.sin, t, 2, create_graph=False).requires_grad


# ---------------------------------------------------------------- bad input


def test_bad_input_errors():
    p = torch.tensor([1.0, 2.0], dtype=F64)
    vector_f = lambda t: t**2  # noqa: E731
    with pytest.raises(ValueError, match="grad: f must return a scalar, got an output of shape"):
        grad(vector_f)(p)
    with pytest.raises(ValueError, match="hessian: f must return a scalar"):
        hessian(vector_f)(p)
    with pytest.raises(ValueError, match="hvp: f must return a scalar"):
        hvp(vector_f, p, p)
    with pytest.raises(TypeError, match=r"x must be a floating-point tensor.*torch.int64.*x.double\(\)"):
        grad(lambda t: t.sum())(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        derivative(torch.sin, torch.arange(3))
    with pytest.raises(ValueError, match=r"v must have the shape of x, \(2,\), got shape \(3,\)"):
        jvp(vector_f, p, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"v must have the shape of f\(x\), \(\), got shape \(2,\)"):
        vjp(lambda t: t.sum(), p, [1.0, 1.0])
    with pytest.raises(ValueError, match="v must have the shape of x"):
        hvp(lambda t: t.sum(), p, [1.0])
    with pytest.raises(ValueError, match="mode must be one of"):
        jacobian(vector_f, mode="reverse")
    with pytest.raises(TypeError, match="f must be a callable"):
        grad(3.0)
    with pytest.raises(TypeError, match="f must return a tensor"):
        jacobian(lambda t: 1.0)(p)
    with pytest.raises(ValueError, match="order must be a non-negative integer"):
        derivative(torch.sin, p, order=-1)
    with pytest.raises(ValueError, match=r"x must be a 1-D tensor of points"):
        derivative(torch.sin, p.reshape(1, 2))
    with pytest.raises(ValueError, match="pointwise"):
        derivative(lambda t: t.sum(), p)
    with pytest.raises(ValueError, match=r"divergence: f\(x\) must have the shape of x"):
        divergence(lambda t: t[:1])(p)


# ---------------------------------------------------------------- the custom Cubic Function

POINTS = torch.tensor([-2.0, -0.5, 0.0, 0.5, 1.0, 2.0], dtype=F64)
CUBIC_1 = torch.where(POINTS >= 0, 3 * POINTS**2, 0.0)
CUBIC_2 = torch.where(POINTS >= 0, 6 * POINTS, 0.0)


def test_cubic_against_sympy():
    f = sympy.Piecewise((x**3, x >= 0), (0, True))
    for k, fn in enumerate([cubic, grad(cubic), grad(grad(cubic))]):
        expected = [float(sympy.diff(f, x, k).subs(x, float(p))) for p in POINTS]
        torch.testing.assert_close(vmap(fn)(POINTS), torch.tensor(expected, dtype=F64), **TOL)


def test_cubic_gradcheck_gradgradcheck_vmap():
    t = POINTS.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(Cubic.apply, (t,), check_batched_grad=True)
    assert torch.autograd.gradgradcheck(Cubic.apply, (t,))


def test_cubic_forward_mode():
    with fwAD.dual_level():
        out = cubic(fwAD.make_dual(POINTS, torch.ones_like(POINTS)))
        tangent = fwAD.unpack_dual(out).tangent
    torch.testing.assert_close(tangent, CUBIC_1, **TOL)
    torch.testing.assert_close(jvp(cubic, POINTS, torch.ones_like(POINTS)), CUBIC_1, **TOL)


@pytest.mark.parametrize("outer,inner", [(jacrev, jacrev), (jacfwd, jacrev), (jacrev, jacfwd)],
                         ids=["rev-rev", "fwd-rev", "rev-fwd"])
def test_cubic_second_derivative_compositions(outer, inner):
    second = vmap(outer(inner(cubic)))(POINTS)
    torch.testing.assert_close(second, CUBIC_2, **TOL)


@pytest.mark.xfail(reason="torch 2.13: forward-over-forward through custom Functions returns 0 (pytorch#197867)",
                   strict=True)
def test_cubic_forward_over_forward():
    torch.testing.assert_close(vmap(jacfwd(jacfwd(cubic)))(POINTS), CUBIC_2, **TOL)


class WrongCubic(torch.autograd.Function):
    """x³ with a wrong backward (2x² instead of 3x²): every check must catch it."""

    @staticmethod
    def forward(t):
        return t**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (t,) = ctx.saved_tensors
        return grad_output * 2 * t**2


def test_check_function_passes_cubic_and_catches_a_wrong_backward(generator):
    good = check_function(Cubic, POINTS)
    assert good.passed and good.gradcheck and good.gradgradcheck and good.forward_ad and good.vmap
    assert good.max_abs_error < 1e-5
    bad = check_function(WrongCubic, generator=generator)
    assert not bad.passed and not bad.gradcheck
    assert not bad.forward_ad  # no jvp: forward mode is reported as a failure, not raised
    assert bad.max_abs_error > 0.1
    assert "gradcheck: GradcheckError" in bad.message
    t = POINTS.clone().requires_grad_(True)
    assert not torch.autograd.gradcheck(WrongCubic.apply, (t,), raise_exception=False)
    with pytest.raises(TypeError, match="fn must be"):
        check_function(3)


# ---------------------------------------------------------------- SymPy → torch

# torch's float64 Bessel J and Y are accurate to about 1e-8 (4e-7 near x = 5, measured against SciPy);
# I and K, and everything else, to a few ulps.
BESSEL_JY = {"rtol": 1e-6, "atol": 1e-6}
BRIDGE_CASES = [  # expression, whether sympy.diff has a printable derivative to compare the gradient with
    ("Max(x, 1) + Min(y, 1/2, x)", True, TOL),
    ("exp(2)*x + pi*y + E", True, TOL),
    ("atan2(y, x)", True, TOL),
    ("Piecewise((log(x), x > 0), (sqrt(-x)*y, True))", True, TOL),
    ("Piecewise((1/x, x < -1), (sqrt(x + 1), x < 1), (log(x), True))", True, TOL),
    ("Abs(x)*y", True, TOL),
    ("sign(x) + Heaviside(y - 1/2)", False, TOL),
    ("erf(x) + erfc(y)", True, TOL),
    ("besselj(0, 3*x) + besselj(1, x)*bessely(0, y + 1)", True, BESSEL_JY),
    ("besseli(1, x) + besselk(0, y + 1) + besseli(0, x)*besselk(1, y)", True, TOL),
    ("gamma(x) + loggamma(y + 1)", True, TOL),
    ("y**(S(5)/2)*(x**2 + 1)**(S(1)/3) + sqrt(y)/(1 + x**2)", True, TOL),
    ("tanh(x)*sinh(y) - acos(x/3)", True, TOL),
]


@pytest.mark.parametrize("text,check_grad,tol", BRIDGE_CASES, ids=[c[0] for c in BRIDGE_CASES])
def test_to_torch_against_lambdify(text, check_grad, tol, generator):
    expr = sympy.sympify(text, locals={"x": x, "y": y})
    # x avoids 0 and the poles of gamma; y > 0 keeps the powers real
    xs = (torch.rand(20, dtype=F64, generator=generator) * 4 - 2).clamp_min(-1.9)
    xs = torch.where(xs.abs() < 0.05, xs + 0.1, xs)
    xs = torch.where((xs - xs.round()).abs() < 0.05, xs + 0.1, xs)
    ys = torch.rand(20, dtype=F64, generator=generator) * 2 + 0.05
    modules = ["scipy", "numpy"]
    with np.errstate(all="ignore"):  # lambdify's Piecewise evaluates every branch everywhere
        expected = sympy.lambdify([x, y], expr, modules)(xs.numpy(), ys.numpy())
    X, Y = xs.clone().requires_grad_(True), ys.clone().requires_grad_(True)
    out = to_torch(expr, ["x", "y"])(X, Y)
    torch.testing.assert_close(out.detach(), torch.as_tensor(expected, dtype=F64).expand(20), **tol)
    gx, gy = torch.autograd.grad(out.sum(), (X, Y), allow_unused=True, materialize_grads=True)
    assert torch.isfinite(gx).all() and torch.isfinite(gy).all()  # no NaN leaking from inactive branches
    if check_grad:
        for g, s in ((gx, x), (gy, y)):
            with np.errstate(all="ignore"):
                d = sympy.lambdify([x, y], sympy.diff(expr, s), modules)(xs.numpy(), ys.numpy())
            torch.testing.assert_close(g, torch.as_tensor(d, dtype=F64).expand(20), **tol)
    else:
        assert (gx == 0).all() and (gy == 0).all()


def test_to_torch_second_derivatives_of_bessel_functions(generator):
    # torch's Bessel functions are not differentiable; the bridge's come from the recurrences
    t = torch.rand(8, dtype=F64, generator=generator) * 5 + 0.1
    for text, tol in (("besselj(0, x)", BESSEL_JY), ("besseli(1, x)", TOL), ("besselk(1, x)", TOL)):
        f = to_torch(text, ["x"])
        expected = sympy.lambdify([x], sympy.diff(sympy.sympify(text, locals={"x": x}), x, 2), "scipy")
        torch.testing.assert_close(derivative(f, t, 2), torch.as_tensor(expected(t.numpy())), **tol)
        assert torch.autograd.gradgradcheck(f, (t.clone().requires_grad_(True),))
    # I1(x)/x -> 1/2 at 0, so I1'(0) = 1/2 and I1''(0) = 0 (odd function)
    i1, zero = to_torch("besseli(1, x)", ["x"]), torch.zeros(1, dtype=F64)
    torch.testing.assert_close(derivative(i1, zero, 1), torch.tensor([0.5], dtype=F64), **TOL)
    torch.testing.assert_close(derivative(i1, zero, 2), zero, **TOL)


def test_to_torch_broadcasts_and_keeps_dtype():
    f = to_torch("x*y + 1", ["x", "y"])
    out = f(torch.ones(3, 1, dtype=torch.float32), torch.arange(4, dtype=torch.float32))
    assert out.shape == (3, 4) and out.dtype == torch.float32
    torch.testing.assert_close(out[0], torch.arange(4, dtype=torch.float32) + 1)
    const = to_torch("exp(2)", ["x"])(torch.zeros(5, dtype=F64))
    torch.testing.assert_close(const, torch.full((5,), float(sympy.exp(2)), dtype=F64), **TOL)
    # without a final True branch, Piecewise is NaN where no condition holds (SymPy's nan)
    partial = to_torch("Piecewise((x, x > 0))", ["x"])(torch.tensor([-1.0, 2.0], dtype=F64))
    assert torch.isnan(partial[0]) and partial[1] == 2


def test_to_torch_errors():
    with pytest.raises(UnsupportedExpressionError, match="LambertW"):
        to_torch("LambertW(x)", ["x"])
    with pytest.raises(UnsupportedExpressionError, match="order 2"):
        to_torch("besselj(2, x)", ["x"])
    with pytest.raises(ValueError, match="uses y, which is not among the declared variables"):
        to_torch("x + y", ["x"])
    with pytest.raises(ValueError, match="SymPy cannot parse"):
        to_torch("x +* 2", ["x"])
    with pytest.raises(TypeError, match=r"expected 2 arguments \(x, y\), got 1"):
        to_torch("x + y", ["x", "y"])(torch.ones(2))


def test_to_torch_constant_broadcasts_and_integers_compute_in_float64():
    f = to_torch("3", ["x", "y"])
    assert f(torch.ones(3, 1), torch.ones(4)).shape == (3, 4)
    g = to_torch("sin(x)", ["x"])
    out = g(torch.tensor([1, 2]))
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, torch.sin(torch.tensor([1.0, 2.0], dtype=torch.float64)), rtol=0, atol=0)
