"""The methods of sciml.optimize.minimize against scipy.optimize.minimize and closed forms: l-bfgs, newton-cg,
trust-ncg, trust-exact, nesterov/adam/rmsprop (torch.optim's rules), bounds (l-bfgs-b, projected newton and
trust-exact), finite-difference and complex-step gradients, relative tolerances, batches, comparisons."""

import math

import numpy as np
import pytest
import scipy.optimize
import torch

from sciml.optimize import METHODS, ConvergenceWarning, Status, compare, minimize, plot_comparison
from sciml.optimize._mgh import mgh_problems
from sciml.optimize._trust_region import exact_step

MGH = {p.number: p for p in mgh_problems()}


def rosen(x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def scipy_run(fun, x0, method, **kw):
    def fg(z):
        x = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        f = fun(x)
        (g,) = torch.autograd.grad(f, x)
        return float(f.detach()), g.numpy()

    def hess(z):
        return torch.func.hessian(fun)(torch.tensor(z, dtype=torch.float64)).numpy()

    needs_hess = method in ("Newton-CG", "trust-ncg", "trust-exact")
    return scipy.optimize.minimize(fg, np.asarray(x0, dtype=float), jac=True, method=method,
                                   hess=hess if needs_hess else None, **kw)


SECOND_ORDER = [("l-bfgs", "L-BFGS-B"), ("newton-cg", "Newton-CG"), ("trust-ncg", "trust-ncg"),
                ("trust-exact", "trust-exact")]


@pytest.mark.parametrize("method, scipy_method", SECOND_ORDER)
@pytest.mark.parametrize("number", [1, 7] + [pytest.param(k, marks=pytest.mark.slow) for k in (14, 20, 35)])
def test_methods_reach_scipys_minimum_on_mgh(method, scipy_method, number):
    p = MGH[number]
    tight = {"L-BFGS-B": {"ftol": 1e-15, "gtol": 1e-12}, "Newton-CG": {"xtol": 1e-12}}.get(scipy_method,
                                                                                          {"gtol": 1e-10})
    ref = scipy_run(p.fun, p.x0, scipy_method, options={"maxiter": 5000, **tight})
    res = minimize(p.fun, p.start(), method=method)
    assert res.success and res.second_order == "verified"
    # the same minimum as SciPy (Chebyquad: each may find either tabulated one), and a tabulated one
    assert p.reached(res.fun)
    if number != 35:
        assert res.fun <= ref.fun + 1e-6 * abs(ref.fun) + 1e-12
        np.testing.assert_allclose(res.x.numpy(), ref.x, rtol=1e-4, atol=1e-4)


# scale invariance (c f for c = 2^±27 bit for bit, c = 1e±8 to the minimum): tests/test_optimize_scaling.py


def test_torch_lbfgs_watson_trap_is_avoided():
    """torch.optim.LBFGS's absolute thresholds stall on Watson; the relative tests of l-bfgs do not."""
    p = MGH[20]
    res = minimize(p.fun, p.start(), method="l-bfgs")
    assert res.success and abs(res.fun - 1.39976e-6) <= 1e-5 * 1.39976e-6


@pytest.mark.parametrize("method, rule, options", [
    ("nesterov", torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    ("adam", torch.optim.Adam, {}),
    ("rmsprop", torch.optim.RMSprop, {}),
])
def test_fixed_lr_methods_follow_torch_optim(method, rule, options):
    """With a fixed lr the iterates are exactly torch.optim's."""
    lr = 1e-3
    with pytest.warns(ConvergenceWarning, match="max_iter = 50"):
        res = minimize(rosen, [-1.2, 1.0], method=method, options={"lr": lr}, max_iter=50, check_hessian=False)
    z = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = rule([z], lr=lr, **options)
    for _ in range(50):
        opt.zero_grad()
        rosen(z).backward()
        opt.step()
    torch.testing.assert_close(res.x, z.detach(), rtol=1e-12, atol=1e-14)
    assert res.status == Status.MAX_ITER


@pytest.mark.parametrize("method", ["nesterov", "adam", "rmsprop", "momentum"])
def test_first_order_with_line_search_reach_the_minimum(method):
    quad = torch.tensor([[3.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
    b = torch.tensor([1.0, -2.0], dtype=torch.float64)
    res = minimize(lambda x: 0.5 * x @ quad @ x - b @ x, [2.0, 2.0], method=method)
    assert res.success
    np.testing.assert_allclose(res.x.numpy(), np.linalg.solve(quad.numpy(), b.numpy()), atol=1e-8)


def test_trust_exact_subproblem_against_scipy():
    from scipy.optimize._trustregion_exact import IterativeSubproblem

    rng = np.random.default_rng(1)
    for _ in range(40):
        n = int(rng.integers(1, 6))
        A = rng.standard_normal((n, n))
        H, g, radius = A + A.T, rng.standard_normal(n), float(10 ** rng.uniform(-2, 1))

        def model(p, H=H, g=g):
            return g @ p + 0.5 * p @ H @ p

        sub = IterativeSubproblem(np.zeros(n), lambda x: 0.0, lambda x, g=g: g, lambda x, H=H: H,
                                  k_easy=1e-12, k_hard=1e-12)
        ref, _ = sub.solve(radius)
        p = exact_step(torch.tensor(H), torch.tensor(g), radius).numpy()
        assert np.linalg.norm(p) <= radius * (1 + 1e-9)
        # ours is the global minimizer in the ball up to SciPy's own tolerance
        assert model(p) <= model(ref) + 1e-9 * abs(model(ref))


def test_newton_cg_large_without_a_hessian():
    p = MGH[21]  # extended Rosenbrock, here with n = 4000
    x0 = torch.tensor([-1.2, 1.0] * 2000, dtype=torch.float64)
    res = minimize(p.fun, x0, method="newton-cg", check_hessian=False)
    assert res.success and res.fun < 1e-12 and res.nhev > 0 and res.hess is None


# --- bounds ---------------------------------------------------------------------------------------------
BOUNDED = [
    # Rosenbrock with the minimizer cut off: SciPy L-BFGS-B as the reference
    (lambda x: rosen(x), [-1.2, 0.1], [(-2.0, 0.5), (None, 0.2)]),
    (lambda x: ((x - torch.arange(4.0, dtype=x.dtype)) ** 2).sum() + x.prod(), [0.5] * 4, [(0.0, 1.5)] * 4),
]


@pytest.mark.parametrize("method", ["l-bfgs-b", "newton", "trust-exact"])
@pytest.mark.parametrize("case", range(len(BOUNDED)))
def test_bounds_against_scipy_lbfgsb(method, case):
    fun, x0, bounds = BOUNDED[case]
    ref = scipy_run(fun, x0, "L-BFGS-B", bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
    res = minimize(fun, x0, method=method, bounds=bounds)
    assert res.success and res.second_order == "verified", res.message
    assert res.fun == pytest.approx(ref.fun, rel=1e-8, abs=1e-12)
    np.testing.assert_allclose(res.x.numpy(), ref.x, atol=1e-5)
    low = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    high = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    assert np.all(res.x.numpy() >= low) and np.all(res.x.numpy() <= high)
    active = (res.x.numpy() == low) | (res.x.numpy() == high)
    np.testing.assert_array_equal(res.active.numpy(), active)


def test_kkt_signs_and_vertex():
    # the unconstrained minimizer (2, 2) lies outside [0, 1]^2: the vertex (1, 1) with positive multipliers
    res = minimize(lambda x: ((x - 2) ** 2).sum(), [0.2, 0.3], method="l-bfgs-b",
                   bounds=(torch.zeros(2), torch.ones(2)))
    assert res.success and res.x.tolist() == [1.0, 1.0] and res.active.all()
    assert "2 bound(s) active with multipliers of the right sign" in res.message
    assert math.isinf(res.min_eigenvalue)


def test_saddle_on_a_bound_is_not_verified():
    # f = -x0^2 + x1^2 on x0 in [0, 1]: at (0, 0) the gradient vanishes, the bound is inactive (zero
    # multiplier) and the free curvature along x0 is negative: not a minimum; escape finds x0 = 1
    res = minimize(lambda x: -x[0] ** 2 + x[1] ** 2, [0.0, 0.5], method="newton", bounds=[(0.0, 1.0), (None, None)])
    assert res.success and res.x.tolist() == pytest.approx([1.0, 0.0], abs=1e-10) and res.escapes == 1


def test_bounds_bad_input():
    with pytest.raises(ValueError, match="low > high for entry 1"):
        minimize(rosen, [0.0, 0.0], method="l-bfgs-b", bounds=[(0, 1), (2, 1)])
    with pytest.raises(ValueError, match="does not take bounds; use one of"):
        minimize(rosen, [0.0, 0.0], method="bfgs", bounds=[(0, 1), (0, 1)])
    with pytest.warns(UserWarning, match="outside the bounds in 1 entry"):
        res = minimize(rosen, [3.0, 0.5], method="l-bfgs-b", bounds=[(0, 2), (0, 2)])
    assert res.success and res.x.tolist() == pytest.approx([1.0, 1.0], abs=1e-7)
    bounds = scipy.optimize.Bounds([0.0, 0.0], [0.5, 2.0])
    assert minimize(rosen, [0.1, 0.1], method="l-bfgs-b", bounds=bounds).x[0] == 0.5


# --- black boxes: finite differences and complex step -----------------------------------------------------
def numpy_rosen(x):
    z = np.asarray(x)
    return np.sum(100.0 * (z[1:] - z[:-1] ** 2) ** 2 + (1 - z[:-1]) ** 2)


@pytest.mark.parametrize("jac, tol", [("2-point", 1e-5), ("3-point", 1e-8), ("cs", 1e-10)])
def test_black_box_gradients(jac, tol):
    res = minimize(numpy_rosen, [-1.2, 1.0], method="bfgs", jac=jac, gtol=1e-6 if jac == "2-point" else 1e-9)
    ref = scipy.optimize.minimize(numpy_rosen, [-1.2, 1.0], method="BFGS", jac=jac if jac != "cs" else "3-point")
    assert res.success and res.second_order == "verified"
    np.testing.assert_allclose(res.x.numpy(), [1.0, 1.0], atol=tol * 1e3)
    np.testing.assert_allclose(res.x.numpy(), ref.x, atol=1e-4)


def test_finite_difference_steps_are_scipys():
    from scipy.optimize._numdiff import approx_derivative

    x = np.array([0.3, -2.5, 1e3])
    for method in ("2-point", "3-point", "cs"):
        obj = minimize.__globals__["Objective"](numpy_rosen, (3,), torch.float64, jac=method)
        g = obj.value_and_grad(torch.tensor(x))[1].numpy()
        ref = approx_derivative(numpy_rosen, x, method=method)
        np.testing.assert_allclose(g, ref, rtol=1e-12 if method == "cs" else 1e-9, atol=0)


def test_finite_differences_stay_in_the_box():
    from scipy.optimize._numdiff import approx_derivative

    def f(x):  # NaN outside [0, 1]^2
        z = np.asarray(x)
        return float(np.sum(np.sqrt(z) + np.sqrt(1 - z) + z**2))

    box = (torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
    x = np.array([1.0, 1e-12])
    for method in ("2-point", "3-point"):
        obj = minimize.__globals__["Objective"](f, (2,), torch.float64, jac=method,
                                                box=minimize.__globals__["as_box"](box, 2, torch.float64, None))
        g = obj.value_and_grad(torch.tensor(x))[1].numpy()
        assert np.isfinite(g).all()
        np.testing.assert_allclose(g, approx_derivative(f, x, method=method, bounds=([0, 0], [1, 1])), rtol=1e-6)
    res = minimize(f, [0.5, 0.5], method="l-bfgs-b", jac="3-point", bounds=box)
    assert res.success and np.isfinite(res.fun)


def test_complex_step_needs_complex_arithmetic():
    with pytest.raises(TypeError, match="jac='cs' needs fun to compute in complex arithmetic"):
        minimize(lambda x: float(np.sum(np.abs(np.asarray(x)) ** 2)), [1.0, 2.0], jac="cs")


def test_unknown_fd_method():
    with pytest.raises(ValueError, match=r"jac must be None .*\['2-point', '3-point', 'cs'\]"):
        minimize(rosen, [0.0, 0.0], jac="4-point")


# --- tolerances, dtype -------------------------------------------------------------------------------------
def test_float32_rosenbrock_is_verified():
    """The issue's report: float32 Rosenbrock n = 10 stops at x = 1; the threshold fits float32."""
    res = minimize(rosen, torch.tensor([-1.2, 1.0] * 5, dtype=torch.float32))
    assert res.success and res.second_order == "verified" and res.x.dtype == torch.float32
    assert "above the threshold" in res.message
    np.testing.assert_allclose(res.x.numpy(), 1.0, atol=1e-3)


def test_ftol_stop_is_a_success():
    res = minimize(rosen, [-1.2, 1.0], method="gd", ftol=1e-3, check_hessian=False)
    assert res.status == Status.FTOL and res.success


def test_nan_during_run_names_the_iteration():
    with pytest.warns(ConvergenceWarning, match=r"not finite at iteration 1"):
        res = minimize(torch.log, 1.0, method="adam", options={"lr": 2.0})
    assert res.status == Status.NONFINITE


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_solves_a_quadratic(method):
    quad = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64)
    res = minimize(lambda x: x @ quad @ x + x[0], [1.0, -1.0], method=method)
    ref = np.linalg.solve(2 * quad.numpy(), [-1.0, 0.0])
    assert res.success and res.second_order == "verified", res.message
    np.testing.assert_allclose(res.x.numpy(), ref, atol=1e-7)


def test_unknown_option_is_a_type_error_listing_the_valid_ones():
    with pytest.raises(TypeError, match=r"'lr' is not an option of method 'l-bfgs' \(its options: c1, c2, m, max_ls\)"):
        minimize(rosen, [0.0, 0.0], method="l-bfgs", options={"lr": 1.0})


# --- batches ----------------------------------------------------------------------------------------------
def batch_rosen(x):
    return 100 * (x[:, 1] - x[:, 0] ** 2) ** 2 + (1 - x[:, 0]) ** 2


@pytest.mark.parametrize("method", ["newton", "bfgs", "l-bfgs"])
def test_batched_rosenbrock(method, generator):
    x0 = torch.rand(64, 2, generator=generator, dtype=torch.float64) * 4 - 2
    res = minimize(batch_rosen, x0, method=method, batched=True)
    assert res.success.all() and res.x.shape == (64, 2) and res.nit.shape == (64,)
    assert float(res.fun.max()) < 1e-12
    np.testing.assert_allclose(res.x.numpy(), 1.0, atol=1e-6)
    assert all(s == "verified" for s in res.second_order)
    # every instance took its own path: iteration counts differ
    assert res.nit.unique().numel() > 1


@pytest.mark.parametrize("method", ["gd", "adam"])
def test_batched_first_order_on_quadratics(method):
    c = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0]], dtype=torch.float64)
    opts = {"lr": 0.05} if method == "adam" else None
    res = minimize(lambda x: ((x - c) ** 2).sum(1), torch.zeros(3, 2, dtype=torch.float64), method=method,
                   batched=True, options=opts, gtol=1e-9)
    assert res.success.all()
    np.testing.assert_allclose(res.x.numpy(), c.numpy(), atol=1e-8)


def test_batched_nan_stops_only_its_instance():
    x0 = torch.tensor([[0.5, 0.5], [-1.0, 1.0], [2.0, 2.0]], dtype=torch.float64)

    def fun(x):
        return (x**2).sum(1) + torch.sqrt(x[:, 0] + 0.9)  # NaN for instance 1 at the start

    with pytest.warns(ConvergenceWarning, match="2 of 3 instances converged"):
        res = minimize(fun, x0, method="bfgs", batched=True)
    assert res.success.tolist() == [True, False, True]
    assert int(res.status[1]) == int(Status.NONFINITE)


def test_batched_bad_input():
    with pytest.raises(ValueError, match=r"shape \(3,\), when batched=True; got \(\)"):
        minimize(lambda x: x.sum(), torch.zeros(3, 2), batched=True)
    with pytest.raises(ValueError, match=r"x0 must have shape \(B, n\)"):
        minimize(batch_rosen, torch.zeros(2), batched=True)
    with pytest.raises(ValueError, match="no batched form"):
        minimize(batch_rosen, torch.zeros(3, 2), batched=True, method="trust-exact")


# --- comparisons ------------------------------------------------------------------------------------------
def test_compare_and_plot():
    from matplotlib.figure import Figure

    f2 = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
    runs = compare(f2, [-1.2, 1.0], methods=["gd", "momentum", "adam", "rmsprop", "l-bfgs"], max_iter=100,
                   options={"adam": {"lr": 1e-2}, "rmsprop": {"lr": 1e-3}})
    assert list(runs) == ["gd", "momentum", "adam", "rmsprop", "l-bfgs"]
    assert runs["l-bfgs"].success and not runs["adam"].success
    for r in runs.values():
        assert r.trajectory.shape[0] == r.fun_history.numel() == r.nit + 1
        assert r.fun_history[-1] == pytest.approx(r.fun)
    fig = Figure()
    artists = plot_comparison(runs, ax=(fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)), contour=f2)
    assert len(artists) == 11
    with pytest.raises(ValueError, match="each once"):
        compare(f2, [0.0, 0.0], methods=["gd", "gd"])
