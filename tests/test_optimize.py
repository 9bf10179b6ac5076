"""sciml.optimize against exact minimizers and scipy.optimize, with second-order verification."""

import itertools
import math

import numpy as np
import pytest
import scipy.optimize
import torch

from sciml.optimize import ConvergenceWarning, OptimizeResult, SecondOrderWarning, Status, minimize
from sciml.optimize._linesearch import armijo, strong_wolfe

METHODS = ["gd", "momentum", "newton", "bfgs"]


def quartic(x):
    return x**4 - 3 * x**3 + 2


def rosen(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


# --- quadratics: exact answers ------------------------------------------------------------------------------
A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 2.0]])
B = np.array([1.0, -2.0, 0.5])


def quadratic(x):
    At, bt = torch.as_tensor(A, dtype=x.dtype), torch.as_tensor(B, dtype=x.dtype)
    return 0.5 * x @ At @ x - bt @ x


@pytest.mark.parametrize("method", METHODS)
def test_quadratic_exact_minimizer(method):
    res = minimize(quadratic, [3.0, -1.0, 2.0], method=method, gtol=1e-11)
    x_star = np.linalg.solve(A, B)
    assert res.success and res.status == Status.SUCCESS and res.second_order == "verified"
    np.testing.assert_allclose(res.x.numpy(), x_star, rtol=0, atol=1e-10)
    assert res.fun == pytest.approx(-0.5 * B @ x_star, abs=1e-14)
    assert res.min_eigenvalue == pytest.approx(np.linalg.eigvalsh(A)[0], rel=1e-12)
    np.testing.assert_allclose(res.hess.numpy(), A, atol=1e-13)
    assert res.trajectory.shape == (res.nit + 1, 3)
    assert torch.equal(res.trajectory[0], torch.tensor([3.0, -1.0, 2.0], dtype=torch.float64))
    assert torch.equal(res.trajectory[-1], res.x)


def test_newton_solves_a_quadratic_in_one_step():
    res = minimize(quadratic, [3.0, -1.0, 2.0], method="newton", gtol=1e-12)
    assert res.nit == 1


@pytest.mark.parametrize("lr, beta", [(0.2, 0.0), (0.2, 0.5)])
def test_fixed_step_heavy_ball_on_quadratic(lr, beta):
    # lr < 2/λ_max and β < 1: Polyak's iteration converges on a quadratic
    method = "gd" if beta == 0 else "momentum"
    options = {"lr": lr} if beta == 0 else {"lr": lr, "beta": beta}
    res = minimize(quadratic, [0.0, 0.0, 0.0], method=method, options=options, gtol=1e-11)
    np.testing.assert_allclose(res.x.numpy(), np.linalg.solve(A, B), atol=1e-10)
    assert res.second_order == "verified"


# --- Rosenbrock against SciPy ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scipy_rosen():
    ref = scipy.optimize.minimize(scipy.optimize.rosen, [-1.2, 1.0], jac=scipy.optimize.rosen_der,
                                  method="BFGS", options={"gtol": 1e-10})
    assert ref.success
    return ref


@pytest.mark.parametrize("method, gtol, tol", [("bfgs", 1e-10, 1e-9), ("newton", 1e-10, 1e-9),
                                               ("momentum", 1e-8, 1e-7), ("gd", 1e-4, 1e-3)])
def test_rosenbrock_against_scipy(method, gtol, tol, scipy_rosen):
    res = minimize(rosen, [-1.2, 1.0], method=method, gtol=gtol)
    assert res.success and res.second_order == "verified"
    np.testing.assert_allclose(res.x.numpy(), scipy_rosen.x, rtol=0, atol=tol)
    assert abs(res.fun - scipy_rosen.fun) <= tol
    # every line-search method decreases f monotonically (up to the rounding the line searches tolerate)
    values = [float(rosen(x)) for x in res.trajectory]
    assert all(b <= a + 1e-12 * a for a, b in itertools.pairwise(values))


def test_bfgs_iterations_comparable_to_scipy(scipy_rosen):
    res = minimize(rosen, [-1.2, 1.0], method="BFGS", gtol=1e-10)  # names are case-insensitive
    assert res.nit <= 2 * scipy_rosen.nit


def test_user_jac_and_hess_give_the_same_answer():
    def jac(x):
        return torch.stack([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])

    def hess(x):
        return torch.stack([torch.stack([2 - 400 * x[1] + 1200 * x[0] ** 2, -400 * x[0]]),
                            torch.stack([-400 * x[0], 200 + 0 * x[0]])])

    auto = minimize(rosen, [-1.2, 1.0], method="newton", gtol=1e-10)
    given = minimize(rosen, [-1.2, 1.0], method="newton", jac=jac, hess=hess, gtol=1e-10)
    np.testing.assert_allclose(given.x.numpy(), auto.x.numpy(), atol=1e-12)
    assert given.nit == auto.nit and given.njev == auto.njev


def test_args_are_passed_to_fun():
    res = minimize(lambda x, c: ((x - c) ** 2).sum(), [0.0, 0.0], args=(torch.tensor([1.0, -2.0]),))
    np.testing.assert_allclose(res.x.numpy(), [1.0, -2.0], atol=1e-10)


def test_float32_stays_float32():
    res = minimize(rosen, torch.tensor([-1.2, 1.0]), gtol=1e-4)
    assert res.x.dtype == torch.float32 and res.second_order == "verified"
    np.testing.assert_allclose(res.x.numpy(), [1.0, 1.0], atol=1e-3)


# --- the seed: an inflection point, saddles, degenerate points ---------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_seed_quartic_escapes_the_inflection_point(method):
    res = minimize(quartic, 0.0, method=method, gtol=1e-10)
    assert res.success and res.second_order == "verified" and res.escapes == 1
    assert res.x.shape == ()  # a scalar x0 gives a scalar x
    assert float(res.x) == pytest.approx(9 / 4, abs=1e-11)
    assert res.fun == pytest.approx(-1675 / 256, abs=1e-13)
    assert res.min_eigenvalue == pytest.approx(81 / 4, rel=1e-9)  # f''(9/4) = 81/4
    assert res.trajectory[0] == 0 and res.trajectory.shape == (res.nit + 1,)


def test_seed_quartic_without_escape_reports_the_stall():
    stall = r"second-order conditions fail \(smallest Hessian eigenvalue 0\.0, not above the threshold 0\)"
    with pytest.warns(SecondOrderWarning, match=stall):
        res = minimize(quartic, 0.0, method="gd", escape=False)
    assert not res.success
    assert res.status == Status.SECOND_ORDER and res.second_order == "failed"
    assert float(res.x) == 0 and res.fun == 2 and res.min_eigenvalue == 0
    assert "not a verified minimum" in res.message and "escape=True" in res.message


def test_saddle_is_not_a_minimum():
    saddle = lambda x: x[0] ** 2 - x[1] ** 2  # noqa: E731
    with pytest.warns(SecondOrderWarning):
        res = minimize(saddle, [0.0, 0.0], escape=False)
    assert not res.success and res.second_order == "failed" and res.min_eigenvalue == pytest.approx(-2)
    # escaping goes down the negative-curvature direction, where f is unbounded below
    with pytest.warns(ConvergenceWarning, match="unbounded below"):
        res = minimize(saddle, [0.0, 0.0])
    assert not res.success and res.status == Status.UNBOUNDED and res.fun == -math.inf
    assert res.x[0] == 0 and res.escapes == 1


def test_escape_from_a_saddle_to_a_minimum():
    # f = x² + y⁴/4 − y²/2: a saddle at 0, minima at (0, ±1) with f = −1/4
    res = minimize(lambda x: x[0] ** 2 + x[1] ** 4 / 4 - x[1] ** 2 / 2, [0.0, 0.0], method="newton")
    assert res.success and res.second_order == "verified" and res.escapes == 1
    np.testing.assert_allclose(res.x.abs().numpy(), [0.0, 1.0], atol=1e-10)
    assert res.fun == pytest.approx(-0.25, abs=1e-14)
    assert res.min_eigenvalue == pytest.approx(2.0, rel=1e-9)


def test_degenerate_minimum_is_not_verified():
    with pytest.warns(SecondOrderWarning, match="degenerate minimum"):
        res = minimize(lambda x: x**4, 0.0)
    assert not res.success and res.second_order == "failed" and res.escapes == 0


def test_escape_budget():
    with pytest.warns(SecondOrderWarning, match="gave up after 0 escape"):
        res = minimize(quartic, 0.0, max_escapes=0)
    assert res.status == Status.SECOND_ORDER


def test_check_hessian_off_reports_not_checked():
    res = minimize(quadratic, [0.0, 0.0, 0.0], check_hessian=False)
    assert res.success and res.second_order == "not checked" and res.hess is None and res.nhev == 0


# --- stopping, reporting -------------------------------------------------------------------------------------
def test_callback_receives_iterates_and_can_stop():
    seen = []

    def callback(intermediate_result):
        assert isinstance(intermediate_result, OptimizeResult)
        seen.append((intermediate_result.nit, intermediate_result.fun, intermediate_result.x))
        if len(seen) == 3:
            raise StopIteration

    res = minimize(rosen, [-1.2, 1.0], callback=callback)  # no warning: the user asked to stop
    assert res.status == Status.CALLBACK and not res.success and res.nit == 3
    assert [s[0] for s in seen] == [1, 2, 3]
    assert all(f == pytest.approx(float(rosen(x)), rel=1e-15) for _, f, x in seen)
    assert torch.equal(seen[-1][2], res.x)


def test_max_iter_is_reported_not_raised():
    with pytest.warns(ConvergenceWarning, match="max_iter = 10"):
        res = minimize(rosen, [-1.2, 1.0], method="gd", max_iter=10)
    assert not res.success and res.status == Status.MAX_ITER and res.nit == 10
    assert res.second_order == "not checked" and res.trajectory.shape == (11, 2)


def test_nan_is_reported_not_raised():
    with pytest.warns(ConvergenceWarning, match="not finite"):
        res = minimize(torch.log, 1.0, method="gd", options={"lr": 2.0})  # jumps to x = -1
    assert res.status == Status.NONFINITE and not res.success and math.isnan(res.fun)


def test_line_search_failure_is_reported():
    # a wrong gradient: -jac is an ascent direction, no step decreases f
    with pytest.warns(ConvergenceWarning, match="line search"):
        res = minimize(lambda x: (x**2).sum(), [1.0, 1.0], method="gd", jac=lambda x: -2 * x)
    assert res.status == Status.LINE_SEARCH and not res.success


def test_repr_is_readable():
    res = minimize(quartic, 0.0, method="gd")
    text = repr(res)
    assert text.startswith("OptimizeResult(\n")
    for line in ("success: True", "second_order: 'verified'", "min_eigenvalue: 20.25", "method: 'gd'"):
        assert line in text
    assert "fun: -6.54296875" in text and "trajectory: tensor([0.  , 1.  , 2.25]" in text


# --- line searches ----------------------------------------------------------------------------------------
def test_strong_wolfe_conditions_hold():
    x = torch.tensor([-1.2, 1.0], dtype=torch.float64)
    w = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(rosen(w), w)
    d = -g
    f0, slope0 = float(rosen(x)), float(g @ d)

    def phi(t):
        z = (x + t * d).requires_grad_(True)
        f = rosen(z)
        return float(f.detach()), torch.autograd.grad(f, z)[0]

    ls = strong_wolfe(phi, f0, slope0, d, t0=1.0, c1=1e-4, c2=0.9)
    assert ls.ok and ls.t > 0
    assert ls.f <= f0 + 1e-4 * ls.t * slope0
    assert abs(float(ls.g @ d)) <= 0.9 * abs(slope0)
    bt = armijo(phi, f0, slope0, d, t0=1.0)
    assert bt.ok and bt.f <= f0 + 1e-4 * bt.t * slope0


# --- bad input --------------------------------------------------------------------------------------------
def test_integer_x0_becomes_float64():
    res = minimize(lambda x: ((x - 0.5) ** 2).sum(), torch.tensor([1, 2]))
    assert res.x.dtype == torch.float64
    np.testing.assert_allclose(res.x.numpy(), [0.5, 0.5], atol=1e-12)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"method": "adamw"}, ValueError, r"method must be one of \['adam', 'bfgs', 'gd', 'l-bfgs', 'l-bfgs-b', "
                                      r"'momentum', 'nesterov', 'newton', 'newton-cg', 'rmsprop', 'trust-exact', "
                                      r"'trust-ncg'\]"),
    ({"options": {"lr": 0.1}}, TypeError, r"'lr' is not an option of method 'bfgs' \(its options: c1, c2, max_ls\)"),
    ({"options": {"maxiter": 5}}, TypeError, "pass max_iter= to minimize"),
    ({"method": "gd", "options": {"lr": -1.0}}, ValueError, r"options\['lr'\] must be in"),
    ({"method": "bfgs", "options": {"c1": 0.3, "c2": 0.2}}, ValueError, "c1 < c2"),
    ({"options": [1]}, TypeError, "options must be a dict"),
    ({"gtol": 0.0}, ValueError, "gtol must be a positive finite number"),
    ({"tol": -1.0}, ValueError, "tol must be a positive finite number"),
    ({"max_iter": 2.5}, TypeError, "max_iter must be a non-negative integer"),
    ({"callback": 3}, TypeError, "callback must be callable"),
    ({"jac": 3}, TypeError, "jac must be None"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        minimize(rosen, [-1.2, 1.0], **kwargs)


@pytest.mark.parametrize("x0, error, match", [
    ([[1.0, 2.0]], ValueError, "x0 must have 0 or 1 dimension"),
    ([], ValueError, "x0 is empty"),
    ([1.0, math.nan], ValueError, "x0 contains NaN"),
    ("abc", TypeError, "x0 must be a tensor"),
])
def test_bad_x0(x0, error, match):
    with pytest.raises(error, match=match):
        minimize(lambda x: (x**2).sum(), x0)


@pytest.mark.parametrize("fun, error, match", [
    (lambda x: x**2, ValueError, r"fun must return a scalar .* shape \(2,\)"),
    (lambda x: float((x**2).sum()), TypeError, "fun must return a scalar torch tensor"),
    (lambda x: (x.detach() ** 2).sum(), TypeError, "not connected to x"),
    (42, TypeError, "fun must be callable"),
])
def test_bad_fun(fun, error, match):
    with pytest.raises(error, match=match):
        minimize(fun, [1.0, 2.0])


def test_bad_jac_shape():
    with pytest.raises(ValueError, match="jac must return 2 entries"):
        minimize(rosen, [-1.2, 1.0], jac=lambda x: torch.zeros(3, dtype=x.dtype))
