"""sciml.qp.solve_qp with inequalities and bounds: certified random problems (optimality built in), SciPy's
SLSQP and linprog (HiGHS), infeasible and unbounded families with re-checked certificates, gradients against
gradcheck and the exact active-set derivative, bad input."""

import warnings

import numpy as np
import pytest
import scipy.optimize
import torch

from sciml.qp import QPStatus, QPWarning, solve_qp
from sciml.qp._equality import solve_equality

F64 = torch.float64


def certified(generator, batch=(), n=6, m=2, p=5, semidefinite=False):
    """A QP whose optimum is known: x*, λ*, μ* chosen first, c and h built so that the KKT conditions hold.

    Rows 0..1 of G and variable 0 (lower) / 1 (upper) are active with multipliers in [0.5, 1.5]; the other
    rows and bounds have slack in [0.5, 1.5] (strict complementarity, so the active set is non-degenerate).
    """
    def rand(*shape):
        return torch.rand(*batch, *shape, generator=generator, dtype=F64)

    def randn(*shape):
        return torch.randn(*batch, *shape, generator=generator, dtype=F64)

    M = randn(n, n)
    Q = M @ M.mT + (0.0 if semidefinite else 0.5) * torch.eye(n, dtype=F64)
    if semidefinite:
        Q = Q * torch.tensor([1.0] * (n - 1) + [0.0], dtype=F64)  # zero curvature along the last variable
        Q = Q * torch.tensor([1.0] * (n - 1) + [0.0], dtype=F64).unsqueeze(-1)
    A, G = randn(m, n), randn(p, n)
    x = randn(n)
    lam = randn(m)
    mu = torch.cat([0.5 + rand(2), torch.zeros(*batch, p - 2, dtype=F64)], -1)
    slack = torch.cat([torch.zeros(*batch, 2, dtype=F64), 0.5 + rand(p - 2)], -1)
    b = (A @ x.unsqueeze(-1)).squeeze(-1)
    h = (G @ x.unsqueeze(-1)).squeeze(-1) + slack
    lb = x - 0.5 - rand(n)
    ub = x + 0.5 + rand(n)
    lb[..., 0], ub[..., 1] = x[..., 0], x[..., 1]
    mu_lb, mu_ub = torch.zeros_like(x), torch.zeros_like(x)
    mu_lb[..., 0], mu_ub[..., 1] = 0.5 + rand(1)[..., 0], 0.5 + rand(1)[..., 0]
    c = -((Q @ x.unsqueeze(-1)).squeeze(-1) + (A.mT @ lam.unsqueeze(-1)).squeeze(-1)
          + (G.mT @ mu.unsqueeze(-1)).squeeze(-1) - mu_lb + mu_ub)
    return dict(Q=Q, c=c, A=A, b=b, G=G, h=h, lb=lb, ub=ub), dict(x=x, lam=lam, mu=mu, mu_lb=mu_lb, mu_ub=mu_ub)


def solve(p, **options):
    return solve_qp(p["Q"], p["c"], p["A"], p["b"], p["G"], p["h"], lb=p["lb"], ub=p["ub"], **options)


def test_certified_batch_recovers_the_built_in_optimum(generator):
    p, star = certified(generator, batch=(50,))
    r = solve(p)
    assert r.success and bool((r.status == 0).all())
    for name in ("x", "lam", "mu", "mu_lb", "mu_ub"):
        torch.testing.assert_close(getattr(r, name), star[name], atol=1e-9, rtol=0, msg=name)
    assert float(r.primal_residual.max()) <= 1e-9 and float(r.dual_residual.max()) <= 1e-9
    assert float(r.gap.max()) <= 1e-9 and float(r.kkt_residual.max()) <= 1e-9
    f_star = 0.5 * (star["x"] * (p["Q"] @ star["x"].unsqueeze(-1)).squeeze(-1)).sum(-1) + (p["c"] * star["x"]).sum(-1)
    torch.testing.assert_close(r.fun, f_star, atol=1e-9, rtol=1e-12)


def test_batch_elements_match_one_at_a_time(generator):
    p, _ = certified(generator, batch=(4,))
    r = solve(p)
    for i in range(4):
        ri = solve({k: v[i] for k, v in p.items()})
        torch.testing.assert_close(r.x[i], ri.x, atol=1e-12, rtol=0)
        assert ri.status == QPStatus.OPTIMAL


def _slsqp(Q, c, G, h, lb, ub, A=None, b=None):
    cons = [{"type": "ineq", "fun": lambda x: h - G @ x, "jac": lambda x: -G}]
    if A is not None:
        cons.append({"type": "eq", "fun": lambda x: A @ x - b, "jac": lambda x: A})
    res = scipy.optimize.minimize(lambda x: 0.5 * x @ Q @ x + c @ x, np.zeros(len(c)), jac=lambda x: Q @ x + c,
                                  constraints=cons, bounds=list(zip(lb, ub, strict=True)), method="SLSQP",
                                  options={"ftol": 1e-12, "maxiter": 1000})
    assert res.success, res.message
    return res


@pytest.mark.parametrize("seed", range(5))
def test_random_inequality_qps_against_scipy_slsqp_and_highs_feasibility(seed):
    g = torch.Generator().manual_seed(seed)
    n, m, p = 5, 1, 6
    M = torch.randn(n, n, generator=g, dtype=F64)
    Q, c = M @ M.T + 0.1 * torch.eye(n, dtype=F64), torch.randn(n, generator=g, dtype=F64)
    A, b = torch.randn(m, n, generator=g, dtype=F64), torch.randn(m, generator=g, dtype=F64)
    G, h = torch.randn(p, n, generator=g, dtype=F64), torch.rand(p, generator=g, dtype=F64)
    lb, ub = -torch.ones(n, dtype=F64), torch.ones(n, dtype=F64)
    feasible = scipy.optimize.linprog(np.zeros(n), A_ub=G.numpy(), b_ub=h.numpy(), A_eq=A.numpy(), b_eq=b.numpy(),
                                      bounds=(-1, 1), method="highs").status
    assert feasible in (0, 2)
    if feasible == 2:  # HiGHS proves it infeasible (seed 3): so must we, with a certificate
        with pytest.warns(QPWarning, match="infeasible"):
            r = solve_qp(Q, c, A, b, G, h, lb=lb, ub=ub)
        assert r.status == QPStatus.INFEASIBLE and _farkas_ok(r, A, b, G, h, lb, ub)
        return
    r = solve_qp(Q, c, A, b, G, h, lb=lb, ub=ub)
    assert r.status == QPStatus.OPTIMAL
    ref = _slsqp(*(t.numpy() for t in (Q, c, G, h, lb, ub, A, b)))
    np.testing.assert_allclose(r.x.numpy(), ref.x, atol=1e-6)  # SLSQP's own accuracy
    assert float(r.fun) <= ref.fun + 1e-10  # and never worse than SciPy's objective
    assert float(r.mu.min()) >= 0 and float(r.mu_lb.min()) >= 0 and float(r.mu_ub.min()) >= 0


@pytest.mark.parametrize("seed", range(3))
def test_linear_programs_against_highs(seed):
    g = torch.Generator().manual_seed(seed)
    n, p = 6, 10
    G = torch.randn(p, n, generator=g, dtype=F64)
    h = torch.rand(p, generator=g, dtype=F64) + 0.1
    c = torch.randn(n, generator=g, dtype=F64)
    r = solve_qp(torch.zeros(n, n, dtype=F64), c, G=G, h=h, lb=-2.0, ub=2.0)
    ref = scipy.optimize.linprog(c.numpy(), A_ub=G.numpy(), b_ub=h.numpy(), bounds=(-2, 2), method="highs")
    assert ref.status == 0 and r.status == QPStatus.OPTIMAL
    assert float(r.fun) == pytest.approx(ref.fun, abs=1e-9)
    # HiGHS' marginals are ∂f*/∂h ≤ 0; the multipliers μ ≥ 0 are their negatives (unique for a generic LP)
    np.testing.assert_allclose(r.mu.numpy(), -ref.ineqlin.marginals, atol=1e-8)


def test_semidefinite_q_redundant_equalities_and_free_variables(generator):
    p, star = certified(generator, semidefinite=True)
    A = torch.cat([p["A"], p["A"][:1], 2 * p["A"][1:2]])  # a repeated and a scaled copy: rank-deficient A
    b = torch.cat([p["b"], p["b"][:1], 2 * p["b"][1:2]])
    lb, ub = p["lb"].clone(), p["ub"].clone()
    lb[3:], ub[3:] = -torch.inf, torch.inf  # free variables
    r = solve_qp(p["Q"], p["c"], A, b, p["G"], p["h"], lb=lb, ub=ub)
    assert r.status == QPStatus.OPTIMAL
    f_star = 0.5 * star["x"] @ p["Q"] @ star["x"] + p["c"] @ star["x"]
    assert float(r.fun) == pytest.approx(float(f_star), abs=1e-9)
    assert max(float(r.primal_residual), float(r.dual_residual), float(r.gap)) <= 1e-9


def _farkas_ok(r, A, b, G, h, lb, ub):
    """An independent check of a primal infeasibility certificate (λ, μ, μ_lb, μ_ub)."""
    m, p, n = A.shape[0], G.shape[0], G.shape[1]
    cert = r.certificate
    lam, mu, ml, mu_ = cert[:m], cert[m:m + p], cert[m + p:m + p + n], cert[m + p + n:]
    assert float(torch.cat([mu, ml, mu_]).min()) >= 0
    resid = A.T @ lam + G.T @ mu - ml + mu_
    value = b @ lam + h @ mu - torch.where(torch.isfinite(lb), lb, 0.0) @ ml + torch.where(torch.isfinite(ub), ub,
                                                                                         0.0) @ mu_
    scale = float(cert.abs().max())
    return float(resid.abs().max()) <= 1e-8 * scale and float(value) < -1e-6 * scale


def test_infeasible_problems_report_a_checked_certificate():
    # x₁ + x₂ ≤ −1 with x ≥ 0
    G, h = torch.tensor([[1.0, 1.0]], dtype=F64), torch.tensor([-1.0], dtype=F64)
    A, b = torch.zeros(0, 2, dtype=F64), torch.zeros(0, dtype=F64)
    lb, ub = torch.zeros(2, dtype=F64), torch.full((2,), torch.inf, dtype=F64)
    with pytest.warns(QPWarning, match="infeasible"):
        r = solve_qp(torch.eye(2, dtype=F64), torch.ones(2, dtype=F64), A, b, G, h, lb=lb, ub=ub)
    assert r.status == QPStatus.INFEASIBLE and not r.success
    assert bool(torch.isnan(r.x).all())
    assert _farkas_ok(r, A, b, G, h, lb, ub)


def test_equalities_inconsistent_with_bounds_are_infeasible():
    A, b = torch.tensor([[1.0, 1.0]], dtype=F64), torch.tensor([5.0], dtype=F64)
    G, h = torch.zeros(0, 2, dtype=F64), torch.zeros(0, dtype=F64)
    lb, ub = -torch.ones(2, dtype=F64), torch.ones(2, dtype=F64)
    with pytest.warns(QPWarning):
        r = solve_qp(torch.eye(2, dtype=F64), torch.zeros(2, dtype=F64), A, b, G, h, lb=lb, ub=ub)
    assert r.status == QPStatus.INFEASIBLE and _farkas_ok(r, A, b, G, h, lb, ub)


def test_unbounded_problem_reports_a_ray():
    # minimize −x₁ − x₂ + ½x₃² over x₁, x₂ ≥ 0 with x₁ − x₂ ≤ 1: unbounded along (1, 1, 0)
    Q = torch.diag(torch.tensor([0.0, 0.0, 1.0], dtype=F64))
    c = torch.tensor([-1.0, -1.0, 0.0], dtype=F64)
    G, h = torch.tensor([[1.0, -1.0, 0.0]], dtype=F64), torch.tensor([1.0], dtype=F64)
    lb = torch.tensor([0.0, 0.0, -torch.inf], dtype=F64)
    with pytest.warns(QPWarning, match="unbounded"):
        r = solve_qp(Q, c, G=G, h=h, lb=lb)
    assert r.status == QPStatus.UNBOUNDED
    d = r.certificate[:3]
    scale = float(d.abs().max())
    assert float(c @ d) < -1e-6 * scale and float((Q @ d).abs().max()) <= 1e-8 * scale
    assert float((G @ d).max()) <= 1e-8 * scale and float(d[:2].min()) >= -1e-8 * scale


def test_one_bad_element_never_fails_the_batch(generator):
    p, star = certified(generator, batch=(3,))
    p["h"][1] = -1e3 - p["h"][1].abs()  # element 1: far infeasible inequality plus bounds
    p["G"][1] = torch.eye(6, dtype=F64)[:5]
    with pytest.warns(QPWarning, match="1 of 3"):
        r = solve(p)
    assert r.status.tolist() == [0, int(QPStatus.INFEASIBLE), 0]
    torch.testing.assert_close(r.x[[0, 2]], star["x"][[0, 2]], atol=1e-9, rtol=0)


def test_gradcheck_every_input_and_output(generator):
    p, _ = certified(generator, n=6, m=1, p=3)
    names = ["Q", "c", "A", "b", "G", "h", "lb", "ub"]
    inputs = [p[k].clone().requires_grad_() for k in names]

    def f(Q, c, A, b, G, h, lb, ub):
        r = solve_qp(Q, c, A, b, G, h, lb=lb, ub=ub)
        return r.x, r.lam, r.mu, r.mu_lb, r.mu_ub, r.fun

    assert torch.autograd.gradcheck(f, inputs, atol=1e-7, rtol=1e-6, fast_mode=True)


@pytest.mark.slow
def test_gradcheck_every_input_full(generator):
    p, _ = certified(generator, n=6, m=1, p=3)
    inputs = [p[k].clone().requires_grad_() for k in ["Q", "c", "A", "b", "G", "h", "lb", "ub"]]
    assert torch.autograd.gradcheck(lambda *a: solve_qp(*a[:6], lb=a[6], ub=a[7]).x, inputs, atol=1e-7, rtol=1e-6)


def test_batched_gradcheck(generator):
    p, _ = certified(generator, batch=(2,), n=6, m=1, p=3)
    c, h = p["c"].clone().requires_grad_(), p["h"].clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda c, h: solve_qp(p["Q"], c, p["A"], p["b"], p["G"], h, lb=p["lb"],
                                                          ub=p["ub"]).x, (c, h), atol=1e-7, rtol=1e-6)


def test_jacobian_matches_the_exact_active_set_derivative(generator):
    """dx/dc and dx/dh against the equality QP of the active constraints, differentiated through its LU."""
    p, _ = certified(generator, n=8, m=2)  # 6 active constraints: a 2-dimensional face
    n = 8

    def ipm(c, h):
        return solve_qp(p["Q"], c, p["A"], p["b"], p["G"], h, lb=p["lb"], ub=p["ub"]).x

    def active(c, h):  # rows 0, 1 of G, x₀ = lb₀ and x₁ = ub₁ as equalities
        E = torch.cat([p["A"], p["G"][:2], torch.eye(n, dtype=F64)[:2]])
        e = torch.cat([p["b"], h[:2], torch.stack([p["lb"][0], p["ub"][1]])])
        return solve_equality(p["Q"], c, E, e).x

    for a, b_ in zip(torch.autograd.functional.jacobian(ipm, (p["c"], p["h"])),
                     torch.autograd.functional.jacobian(active, (p["c"], p["h"])), strict=True):
        err = float((a - b_).abs().max() / b_.abs().max())
        assert err <= 1e-8, err


def test_warm_start_and_max_iter(generator):
    p, star = certified(generator)
    cold = solve(p)
    warm = solve(p, x0=star["x"], lam0=star["lam"], mu0=star["mu"])
    assert warm.status == QPStatus.OPTIMAL
    torch.testing.assert_close(warm.x, cold.x, atol=1e-9, rtol=0)
    with pytest.warns(QPWarning, match="max_iter"):
        r = solve(p, max_iter=1, polish=False)
    assert r.status in (QPStatus.MAX_ITER, QPStatus.INACCURATE) and not r.success and bool(torch.isfinite(r.x).all())


def test_nonsymmetric_q_is_symmetrized_and_float32_works():
    Q = torch.tensor([[2.0, 1.0], [-1.0, 2.0]], dtype=F64)  # symmetric part 2I
    r = solve_qp(Q, [-2.0, -2.0], G=[[1.0, 1.0]], h=[1.0])
    torch.testing.assert_close(r.x, torch.tensor([0.5, 0.5], dtype=F64), atol=1e-12, rtol=0)
    r32 = solve_qp(Q.float(), torch.tensor([-2.0, -2.0]), G=torch.tensor([[1.0, 1.0]]), h=torch.tensor([1.0]),
                   eps_abs=1e-5)
    assert r32.x.dtype == torch.float32 and r32.status == QPStatus.OPTIMAL
    torch.testing.assert_close(r32.x, torch.tensor([0.5, 0.5]), atol=1e-5, rtol=0)


def test_a_thousand_small_qps_meet_1e_9():
    g = torch.Generator().manual_seed(1)
    B, n, m, p = 1000, 10, 3, 10
    M = torch.randn(B, n, n, generator=g, dtype=F64)
    Q = M @ M.mT / n + 0.1 * torch.eye(n, dtype=F64)
    x0 = torch.randn(B, n, generator=g, dtype=F64)
    A, G = torch.randn(B, m, n, generator=g, dtype=F64), torch.randn(B, p, n, generator=g, dtype=F64)
    b = (A @ x0.unsqueeze(-1)).squeeze(-1)
    h = (G @ x0.unsqueeze(-1)).squeeze(-1) + torch.rand(B, p, generator=g, dtype=F64)
    r = solve_qp(Q, torch.randn(B, n, generator=g, dtype=F64), A, b, G, h)
    assert r.success and float(r.kkt_residual.max()) <= 1e-9


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(Q=[[1.0, 0.0], [0.0, -1.0]], G=[[1.0, 0.0]], h=[1.0]), ValueError, "not convex"),
    (dict(lb=[1.0, 0.0], ub=[0.0, 1.0]), ValueError, "lb > ub"),
    (dict(G=[[float("nan"), 0.0]], h=[1.0]), ValueError, "G contains NaN"),
    (dict(G=[[1.0, 0.0]], h=[float("nan")]), ValueError, "h contains NaN"),
    (dict(G=[[1.0, 0.0]], h=[-float("inf")]), ValueError, "h contains -inf"),
    (dict(lb=[float("inf"), 0.0]), ValueError, "lb contains inf"),
    (dict(G=[[1.0, 0.0, 0.0]], h=[1.0]), ValueError, r"G must have shape \(\.\.\., p, 2\)"),
    (dict(G=[[1.0, 0.0]], h=[1.0, 2.0]), ValueError, r"h must have shape \(\.\.\., 1\)"),
    (dict(lb=[0.0, 0.0, 0.0]), ValueError, r"lb must have shape \(\.\.\., 2\)"),
    (dict(lb=0.0, eps_abs=0.0), ValueError, "eps_abs and eps_rel"),
    (dict(lb=0.0, max_iter=-1), ValueError, "max_iter"),
    (dict(lb=0.0, x0=[1.0]), ValueError, "x0 must have shape"),
])
def test_bad_input_is_named(kwargs, error, match):
    kwargs = {"Q": [[1.0, 0.0], [0.0, 1.0]], "c": [1.0, 1.0], **kwargs}
    with pytest.raises(error, match=match):
        solve_qp(**kwargs)


def test_the_equality_path_is_unchanged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = solve_qp([[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0], [[1.0, 1.0]], [1.0])
    assert r.mu is None and r.status == QPStatus.OPTIMAL
    np.testing.assert_allclose(r.x.numpy(), [2 / 3, 1 / 3], atol=1e-15)


def test_fixed_variables_solve_and_differentiate(generator):
    """lb == ub: the variable is an equality row inside; its multiplier comes back as μ_ub − μ_lb."""
    n = 5
    M = torch.randn(n, n, generator=generator, dtype=F64)
    Q, c = M @ M.T + torch.eye(n, dtype=F64), torch.randn(n, generator=generator, dtype=F64)
    G, h = torch.randn(2, n, generator=generator, dtype=F64), torch.rand(2, generator=generator, dtype=F64)

    def f(Q, c, G, h, v):
        lb = torch.cat([torch.full((2,), -1.0, dtype=F64), v, torch.full((2,), -1.0, dtype=F64)])
        ub = torch.cat([torch.full((2,), 1.0, dtype=F64), v, torch.full((2,), 1.0, dtype=F64)])
        r = solve_qp(Q, c, G=G, h=h, lb=lb, ub=ub)
        assert r.status == QPStatus.OPTIMAL
        return r.x, r.mu, r.mu_ub - r.mu_lb

    v = torch.tensor([0.3], dtype=F64)
    x, _, _ = f(Q, c, G, h, v)
    assert float(x[2]) == pytest.approx(0.3, abs=1e-15)
    ref = _slsqp(*(t.numpy() for t in (Q, c, G, h, torch.tensor([-1, -1, 0.3, -1, -1.0], dtype=F64),
                                      torch.tensor([1, 1, 0.3, 1, 1.0], dtype=F64))))
    np.testing.assert_allclose(x.numpy(), ref.x, atol=1e-6)
    inputs = [t.clone().requires_grad_() for t in (Q, c, G, h, v)]
    assert torch.autograd.gradcheck(f, inputs, atol=1e-7, rtol=1e-6, fast_mode=True)
