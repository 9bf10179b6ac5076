"""sciml.pinn: the statement parser, the trial function, Levenberg–Marquardt's stops, the solver's accuracy
against closed forms and SciPy, and the references built from the statement."""

import math

import numpy as np
import pytest
import sympy
import torch
from torch.func import jacfwd

from sciml.pinn import BVP, IVP, BVPResult, BVPStatus, ConvergenceWarning, collocation_points, solve
from sciml.pinn._ansatz import Ansatz
from sciml.pinn._network import TanhMLP
from sciml.pinn._result import PINNSolution
from sciml.pinn.references import NoReferenceError, dsolve_solution, exact_solution, scipy_solution

F64 = torch.float64
SEED = ("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"])


def seed_problem(**kw):
    return BVP(*SEED, **kw)


def grid(a, b, n=1000):
    return torch.linspace(a, b, n, dtype=F64)


@pytest.fixture(scope="module")
def seed_result():
    return solve(seed_problem())


# -- the statement ----------------------------------------------------------------------------------------


def test_parse_seed():
    p = seed_problem()
    u0, u2 = sympy.symbols("u__0 u__2")
    assert p.functions == ("u",) and p.orders == {"u": 2} and p.order == 2
    assert sympy.simplify(p.residuals[0] - (u2 + u0)) == 0
    assert p.domain == (0.0, math.pi / 2) and p.domain_exact[1] == sympy.pi / 2
    assert str(p.variable) == "x" and not p.is_ivp
    values = [c.values[0] for c in p.conditions]
    assert [(v.function, v.order, v.point) for v in values] == [("u", 0, 0), ("u", 0, sympy.pi / 2)]
    assert [c.linear[1] for c in p.conditions] == [0.0, 1.0]


def test_parse_orders_variable_and_sympy_input():
    p = BVP("y''' - y' = x*y'' + 1", (0, 1), ["y(0) = 0", "y'(0) = 1", "y''(1) = 2"])
    assert p.orders == {"y": 3}
    assert [c.values[0].order for c in p.conditions] == [0, 1, 2]
    q = BVP("y' = -2*t*y", (0, 2), ["y(0) = 1"])
    assert str(q.variable) == "t" and q.is_ivp
    x, u = sympy.Symbol("x"), sympy.Function("u")
    r = BVP(sympy.Eq(u(x).diff(x, 2) + u(x), 0), (0, 1),
            [sympy.Eq(u(0), 0), sympy.Eq(sympy.Subs(u(x).diff(x), x, 1), 2)])
    assert r.orders == {"u": 2} and sympy.simplify(r.residuals[0] - seed_problem().residuals[0]) == 0
    assert (r.conditions[1].values[0].order, r.conditions[1].linear) == (1, ({sympy.Symbol("u__1__at1"): 1.0}, 2.0))


def test_parse_conditions_linear_or_not():
    p = BVP("u'' + u = 0", (0, 1), ["u(0) = u(1)", "2*u'(1) + 3*u(1) = 1"])
    assert p.conditions[0].linear[0] == {sympy.Symbol("u__0__at0"): 1.0, sympy.Symbol("u__0__at1"): -1.0}
    assert p.conditions[1].linear == ({sympy.Symbol("u__0__at1"): 3.0, sympy.Symbol("u__1__at1"): 2.0}, 1.0)
    q = BVP("u'' + u = 0", (0, 1), ["exp(u(0)) = 1", "u'(0.5) = 0"])
    assert q.conditions[0].linear is None and q.conditions[1].values[0].point == sympy.Rational(1, 2)


def test_parse_parameters_unknowns_systems():
    p = BVP("u'' + k*u = f", (0, 1), ["u(0) = 0", "u(1) = 0"], parameters={"k": "pi^2", "f": 2})
    assert sympy.simplify(p.residuals[0] - (sympy.Symbol("u__2") + sympy.pi**2 * sympy.Symbol("u__0") - 2)) == 0
    q = BVP("u'' + k*u = 0", (0, 1), ["u(0) = 0", "u(1) = 0", "u'(0) = 1"], unknowns={"k": 9})
    assert q.unknowns == {"k": 9.0} and sympy.Symbol("k") in q.residuals[0].free_symbols
    s = BVP(["y' = z", "z' = -y"], (0, 1), ["y(0) = 0", "z(0) = 1"])
    assert s.functions == ("y", "z") and s.orders == {"y": 1, "z": 1} and s.is_ivp
    assert IVP(["y' = z", "z' = -y"], (0, 1), ["y(0) = 0", "z(0) = 1"]).is_ivp


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (("u'' + = 0", (0, 1), ["u(0) = 0", "u(1) = 0"]), {}, r"equations\[0\].*cannot parse"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "v(1) = 0"]), {}, r"conditions\[1\].*unknown function 'v'"),
    (("u'' + k*u = 0", (0, 1), ["u(0) = 0", "u(1) = 0"]), {},
     r"uses k, which is neither the variable x nor an unknown function \(u\); give its value among the parameters"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "u(2) = 0"]), {}, r"conditions\[1\].*outside the domain"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0"]), {}, r"need 2 condition\(s\); got 1"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 0", "u'(0) = 0"]), {}, r"need 2 condition\(s\); got 3"),
    (("u'' + u = 0", (1, 1), ["u(0) = 0", "u(1) = 0"]), {}, "empty interval"),
    (("u'' + u = 0", (1, 0), ["u(0) = 0", "u(1) = 0"]), {}, "empty interval"),
    (("u'' + u = 0", (0, "a"), ["u(0) = 0", "u(1) = 0"]), {}, r"domain\[1\] must be a real constant"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "1 = 0"]), {}, "involves no value"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "u(x) = 0"]), {}, "fixed point"),
    (("u = 1", (0, 1), []), {}, "no unknown function"),
    ((["y' = z", "z' = -y"], (0, 1), ["y(0) = 0", "z(0) = 1"]), {"parameters": {"y": 1}}, "also an unknown function"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 0"]), {"parameters": {"x": 1}}, "reserved"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 0"]), {"exact": "sin(y)"}, r"exact\['u'\].*uses y"),
])
def test_bad_statements(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        BVP(*args, **kwargs)


def test_bad_types_and_ivp_alias():
    with pytest.raises(TypeError, match="conditions must be"):
        BVP("u' = u", (0, 1), 3)
    with pytest.raises(ValueError, match="an IVP has every condition at the left end"):
        IVP("u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 0"])
    with pytest.raises(ValueError, match="not independent"):
        solve(BVP("u'' + u = 0", (0, 1), ["u(0) = 0", "2*u(0) = 0"]), max_iter=0)


@pytest.mark.parametrize(("option", "match"), [
    ({"method": "newton"}, "method must be one of"), ({"n_points": 1}, "n_points"),
    ({"collocation": "gauss"}, "collocation must be one of"), ({"constraints": "firm"}, "constraints"),
    ({"max_iter": -1}, "max_iter"), ({"rtol": -1.0}, "rtol"), ({"theta0": torch.zeros(3)}, "theta0 has 3"),
    ({"hidden": ()}, "hidden"),
])
def test_bad_solver_options(option, match):
    with pytest.raises(ValueError, match=match):
        solve(seed_problem(), **option)
    with pytest.raises(TypeError, match=r"sciml\.pinn\.BVP"):
        solve("u'' + u = 0")


# -- network and trial function ---------------------------------------------------------------------------


def test_taylor_mode_derivatives_match_autograd(generator):
    net = TanhMLP((7, 5), 2, (-1.0, 2.0))
    theta = net.init(generator)
    x = torch.tensor([-1.0, 0.3, 1.7], dtype=F64)
    D = net.derivatives(theta, x, 3)
    f = lambda t: net(theta, t)  # noqa: E731
    d1, d2, d3 = jacfwd(f), jacfwd(jacfwd(f)), jacfwd(jacfwd(jacfwd(f)))
    for i, xi in enumerate(x):
        assert torch.allclose(D[0, i], f(xi), atol=1e-15)
        for k, dk in enumerate((d1, d2, d3), start=1):
            assert torch.allclose(D[k, i], dk(xi), rtol=1e-12, atol=1e-12)
    module = net.module(theta)
    assert torch.allclose(module(x[:, None]), net(theta, x), atol=1e-15)


@pytest.mark.parametrize("order", [1, 2])
def test_plain_autograd_takes_the_fused_path_with_the_same_numbers(order, generator, monkeypatch):
    """L-BFGS and Adam differentiate the residual by plain autograd: the network then runs the fused Function
    of sciml.calculus.tanh_mlp_derivatives in ξ (scaled by scaleᵈ); values and θ-gradients equal the list
    form that torch.func transforms get."""
    from sciml.calculus import _taylor_tanh as taylor_tanh

    calls = []
    apply = taylor_tanh.TanhTaylor.apply
    monkeypatch.setattr(taylor_tanh.TanhTaylor, "apply", lambda *a: calls.append(1) or apply(*a))
    net = TanhMLP((7, 5), 2, (-1.0, 2.0))  # scale 2/3: the chain rule in ξ is visible
    theta = net.init(generator)
    x = torch.rand(2, 11, dtype=F64, generator=generator) * 3 - 1  # any shape of points
    w = torch.randn(order + 1, 2, 11, 2, dtype=F64, generator=generator)

    def loss(t):
        return (net.derivatives(t, x, order) * w).square().sum()

    leaf = theta.clone().requires_grad_(True)
    D = net.derivatives(leaf, x, order)
    (g,) = torch.autograd.grad(loss(leaf), leaf)
    assert len(calls) == 2
    reference = torch.func.vmap(lambda t: net.derivatives(theta, t, order), out_dims=1)(x.reshape(-1))
    g_reference = torch.func.grad(loss)(theta)
    assert len(calls) == 2  # under torch.func: the list form
    assert D.shape == (order + 1, 2, 11, 2)
    torch.testing.assert_close(D, reference.reshape(D.shape), rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(g, g_reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("conditions", [
    ["u(0) = 0", "u(pi/2) = 1"],                       # Dirichlet
    ["u'(0) = 2", "u(pi/2) = -1"],                     # Neumann + Dirichlet
    ["u(0) = 1", "u'(pi/2) + 3*u(pi/2) = 0.5"],        # Robin
    ["u(0) = u(pi/2)", "u'(0) = u'(pi/2)"],            # periodic
    ["u(0) = 0.25", "u'(0) = -1"],                     # initial values
])
def test_ansatz_satisfies_linear_conditions_for_any_network(conditions):
    p = BVP("u'' + u = 0", (0, "pi/2"), conditions)
    net = TanhMLP((20, 20), 1, p.domain)
    ansatz = Ansatz(p, 2)
    assert ansatz.n_hard == 2 and not ansatz.soft
    for seed in range(5):
        theta = net.init(torch.Generator().manual_seed(seed)) * 3
        sol = PINNSolution(net, ansatz, theta, p.functions)
        for cond in p.conditions:
            values = {v.symbol: float(sol(float(v.point), nu=v.order)) for v in cond.values}
            coeffs, rhs = cond.linear
            assert abs(sum(c * values[s] for s, c in coeffs.items()) - rhs) < 1e-14


def test_ansatz_for_a_system_and_soft_conditions():
    p = BVP(["y' = z", "z' = -y"], (0, 1), ["y(0) + z(1) = 1", "z(0)^2 = 1"])
    ansatz = Ansatz(p, 1)
    assert ansatz.n_hard == 1 and len(ansatz.soft) == 1
    net = TanhMLP((8,), 2, p.domain)
    sol = PINNSolution(net, ansatz, net.init(torch.Generator().manual_seed(3)), p.functions)
    assert abs(float(sol(0.0)[0] + sol(1.0)[1]) - 1) < 1e-14
    assert tuple(sol(grid(0, 1, 7)).shape) == (7, 2)
    assert len(Ansatz(seed_problem(), 2, hard=False).soft) == 2


def test_collocation_points(generator):
    a, b = 1.0, 3.0
    for kind in ("chebyshev", "uniform", "random"):
        x = collocation_points((a, b), 9, kind, generator=generator)
        assert x.shape == (9,) and bool((x >= a).all() and (x <= b).all()) and bool((x.diff() >= 0).all())
    cheb = collocation_points((a, b), 5)
    expected = a + (b - a) * (1 - np.cos(np.pi * np.arange(5) / 4)) / 2
    assert np.allclose(cheb.numpy(), expected, atol=1e-15)
    with pytest.raises(ValueError, match="must lie in the domain"):
        collocation_points((a, b), 3, torch.tensor([0.0, 2.0]))


# -- the solver ----------------------------------------------------------------------------------------------


def test_seed_accuracy_against_sin_and_solve_bvp(seed_result):
    r = seed_result
    assert isinstance(r, BVPResult) and r.success and r.status == BVPStatus.SUCCESS == 0 and r.stop_reason == "residual"
    x = grid(0, math.pi / 2)
    assert float((r.sol(x) - torch.sin(x)).abs().max()) <= 1e-6
    ref = scipy_solution(seed_problem())
    assert np.abs(r.sol(x).numpy() - ref(x.numpy())).max() <= 1e-6
    assert float((r.sol(x, nu=1) - torch.cos(x)).abs().max()) <= 1e-5
    assert torch.equal(r.y, r.sol(r.x)) and r.x.shape == (64,) and r.unknowns == {}
    assert r.residual <= 1e-7 and r.residual_between <= 1e-6
    assert len(r.history) == r.niter + 1 and r.history[-1] == pytest.approx(r.loss)
    assert "success: True" in repr(r)


def solve_max_iter(problem, **options):
    """A run cut short by max_iter: it must say so with a ConvergenceWarning."""
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        return solve(problem, **options)


def test_determinism_and_resume(generator):
    p = seed_problem()
    runs = [solve_max_iter(p, max_iter=15, rtol=0, generator=torch.Generator().manual_seed(7)) for _ in range(2)]
    other = solve_max_iter(p, max_iter=15, rtol=0, generator=generator)
    assert torch.equal(runs[0].theta, runs[1].theta) and not torch.equal(runs[0].theta, other.theta)
    assert runs[0].stop_reason == "max_iter" and not runs[0].success
    assert runs[0].history.tolist() == runs[1].history.tolist()
    resumed = solve_max_iter(p, theta0=runs[0], max_iter=5, rtol=0)
    assert resumed.history[0] == pytest.approx(runs[0].loss, rel=1e-12) and resumed.loss < runs[0].loss


def test_callback_sees_the_iterates():
    seen = []

    def callback(state):
        seen.append((state.niter, state.loss, float(state.sol(0.7))))
        if state.niter == 4:
            raise StopIteration

    with pytest.warns(ConvergenceWarning, match="callback"):
        r = solve(seed_problem(), callback=callback)
    assert [s[0] for s in seen] == [1, 2, 3, 4] and r.stop_reason == "callback" and r.niter == 4
    assert seen[-1][1] == pytest.approx(r.loss) and seen[-1][2] == pytest.approx(float(r.sol(0.7)))


def test_nan_residual_stops_with_a_clear_status():
    p = BVP("u'' + sqrt(u - 5) = 0", (0, 1), ["u(0) = 0", "u(1) = 0"])
    with pytest.warns(ConvergenceWarning, match="not finite"):
        r = solve(p)
    assert (r.status, r.stop_reason, r.success, r.niter) == (BVPStatus.NONFINITE, "nan", False, 0)
    assert bool(torch.isfinite(r.theta).all())


def test_float32_stops_for_precision_and_says_so():
    with pytest.warns(ConvergenceWarning, match="float32"):
        r = solve(seed_problem(), dtype=torch.float32, rtol=1e-9)
    x = grid(0, math.pi / 2).float()
    assert r.stop_reason == "no_progress" and r.theta.dtype == torch.float32
    assert float((r.sol(x) - torch.sin(x)).abs().max()) < 1e-4


def test_robin_problem_and_unknown_eigenvalue():
    r = solve(BVP("u'' + u = 0", (0, 1), ["u(0) = 1", "u'(1) + u(1) = cos(1) - sin(1)"]))
    x = grid(0, 1)
    assert r.success and float((r.sol(x) - torch.cos(x)).abs().max()) <= 1e-6
    eig = solve(BVP("u'' + k*u = 0", (0, 1), ["u(0) = 0", "u(1) = 0", "u'(0) = pi"], unknowns={"k": 8.0}),
                rtol=1e-6)
    assert eig.success and abs(eig.unknowns["k"] - math.pi**2) < 1e-6
    assert float((eig.sol(x) - torch.sin(math.pi * x)).abs().max()) <= 1e-6


@pytest.mark.slow
def test_system_soft_and_nonlinear_conditions():
    x = grid(0, 1)
    s = solve(BVP(["y' = z", "z' = -y"], (0, 1), ["y(0) = 0", "z(0) = 1"]))
    assert s.success and s.y.shape == (64, 2)
    assert float((s.sol(x) - torch.stack([torch.sin(x), torch.cos(x)], -1)).abs().max()) <= 1e-6
    xs = grid(0, math.pi / 2)
    soft = solve(seed_problem(), constraints="soft")
    assert soft.success and float((soft.sol(xs) - torch.sin(xs)).abs().max()) <= 1e-6
    nonlinear = solve(BVP("u'' + u = 0", (0, "pi/2"), ["exp(u(0)) = 1", "u(pi/2) = 1"]))
    assert nonlinear.success and float((nonlinear.sol(xs) - torch.sin(xs)).abs().max()) <= 1e-6


@pytest.mark.slow
def test_inverse_problem_from_noisy_data():
    g = torch.Generator().manual_seed(1)
    x_obs = torch.rand(40, generator=g, dtype=F64)
    u_obs = torch.sin(2 * x_obs) + 1e-3 * torch.randn(40, generator=g, dtype=F64)
    p = BVP("u'' + k*u = 0", (0, 1), ["u(0) = 0", "u'(0) = 2"], unknowns={"k": 3.0}, data=(x_obs, u_obs))
    r = solve(p, ftol=1e-6)
    assert r.success and abs(r.unknowns["k"] - 4) < 1e-2


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_seed_problem_reaches_1e8_for_many_seeds(seed):
    r = solve(seed_problem(), generator=torch.Generator().manual_seed(seed))
    x = grid(0, math.pi / 2)
    assert r.success and float((r.sol(x) - torch.sin(x)).abs().max()) <= 1e-8


# -- references -------------------------------------------------------------------------------------------------


def test_references_on_the_seed():
    p = seed_problem(exact="sin(x)")
    x = np.linspace(0, np.pi / 2, 1000)
    assert dsolve_solution(p).expr == {"u": sympy.sin(sympy.Symbol("x"))}
    assert np.abs(dsolve_solution(p)(x) - np.sin(x)).max() < 1e-15
    assert np.abs(exact_solution(p)(x) - np.sin(x)).max() == 0
    scipy_ref = scipy_solution(p)
    assert scipy_ref.method == "scipy.integrate.solve_bvp" and np.abs(scipy_ref(x) - np.sin(x)).max() < 1e-10


def test_references_on_robin_ivp_system_and_unknowns():
    x = np.linspace(0, 1, 200)
    robin = BVP("u'' + u = 0", (0, 1), ["u(0) = 1", "u'(1) + u(1) = cos(1) - sin(1)"])
    assert sympy.simplify(dsolve_solution(robin).expr["u"] - sympy.cos(sympy.Symbol("x"))) == 0
    assert np.abs(scipy_solution(robin)(x) - np.cos(x)).max() < 1e-10
    ivp = BVP("y' = -2*t*y", (0, 2), ["y(0) = 1"])
    t = np.linspace(0, 2, 200)
    ref = scipy_solution(ivp)
    assert ref.method == "scipy.integrate.solve_ivp" and np.abs(ref(t) - np.exp(-t**2)).max() < 1e-10
    assert np.abs(dsolve_solution(ivp)(t) - np.exp(-t**2)).max() < 1e-14
    system = BVP(["y' = z", "z' = -y"], (0, 1), ["y(0) = 0", "z(1) = cos(1)"])
    want = np.stack([np.sin(x), np.cos(x)], axis=-1)
    assert np.abs(scipy_solution(system)(x) - want).max() < 1e-9
    assert np.abs(dsolve_solution(system)(x) - want).max() < 1e-14
    eig = BVP("u'' + k*u = 0", (0, 1), ["u(0) = 0", "u(1) = 0", "u'(0) = pi"], unknowns={"k": 8.0})
    ref = scipy_solution(eig)
    assert abs(ref.unknowns["k"] - np.pi**2) < 1e-7 and np.abs(ref(x) - np.sin(np.pi * x)).max() < 1e-8


def test_references_that_do_not_exist():
    with pytest.raises(NoReferenceError, match="dsolve finds no closed form"):
        dsolve_solution(BVP("u'' + u^3 = x", (0, 1), ["u(0) = 0", "u(1) = 0"]))
    bratu = BVP("u'' + exp(u) = 0", (0, 1), ["u(0) = 0", "u(1) = 0"])
    assert scipy_solution(bratu)(0.5) == pytest.approx(0.1405392144, abs=1e-8)  # the lower branch
    with pytest.raises(NoReferenceError, match="no exact solution"):
        exact_solution(bratu)
    interior = BVP("u'' + u = 0", (0, 1), ["u(0) = 0", "u(0.5) = 1"])
    with pytest.raises(NoReferenceError, match="two ends"):
        scipy_solution(interior)
    implicit = BVP("u'^2 = 1 + u", (0, 1), ["u(0) = 0"])
    with pytest.raises(NoReferenceError, match="uniquely"):
        scipy_solution(implicit)
