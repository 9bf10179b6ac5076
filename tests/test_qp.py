"""sciml.qp.solve_qp against the closed form, SciPy's trust-constr and scipy.linalg, with gradchecks."""

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import torch

from sciml.qp import QPStatus, QPWarning, solve_qp

Q_SEED, C_SEED, A_SEED, B_SEED = [[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0], [[1.0, 1.0]], [1.0]


def scipy_qp(Q, c, A=None, b=None):
    """x and multipliers from scipy.optimize.minimize(trust-constr); its v has sciml's sign."""
    Q, c = np.asarray(Q, float), np.asarray(c, float)
    cons = [] if A is None else [scipy.optimize.LinearConstraint(np.asarray(A, float), b, b)]
    res = scipy.optimize.minimize(lambda x: 0.5 * x @ Q @ x + c @ x, np.zeros(len(c)), jac=lambda x: Q @ x + c,
                                  hess=lambda x: Q, method="trust-constr", constraints=cons,
                                  options={"gtol": 1e-13, "xtol": 1e-15, "maxiter": 2000})
    assert res.status in (1, 2), res.message
    return res.x, (res.v[0] if cons else None)


def random_qp(generator, n, m, batch=()):
    M = torch.randn(*batch, n, n, generator=generator, dtype=torch.float64)
    Q = M @ M.mT + 0.5 * torch.eye(n, dtype=torch.float64)
    c = torch.randn(*batch, n, generator=generator, dtype=torch.float64)
    A = torch.randn(*batch, m, n, generator=generator, dtype=torch.float64)
    b = torch.randn(*batch, m, generator=generator, dtype=torch.float64)
    return Q, c, A, b


def test_seed_against_the_closed_form_and_scipy():
    r = solve_qp(Q_SEED, C_SEED, A_SEED, B_SEED)
    assert r.success and r.status == QPStatus.OPTIMAL
    np.testing.assert_allclose(r.x.numpy(), [2 / 3, 1 / 3], atol=1e-15)
    np.testing.assert_allclose(r.lam.numpy(), [-7 / 3], atol=1e-14)
    assert float(r.fun) == pytest.approx(5 / 3, abs=1e-15)
    assert float(r.kkt_residual) < 1e-14
    x_ref, v_ref = scipy_qp(Q_SEED, C_SEED, A_SEED, B_SEED)
    np.testing.assert_allclose(r.x.numpy(), x_ref, atol=1e-10)
    np.testing.assert_allclose(r.lam.numpy(), v_ref, atol=1e-10)


def test_multiplier_sign_is_minus_the_sensitivity_of_the_optimal_value():
    b = torch.tensor(B_SEED, dtype=torch.float64, requires_grad=True)
    r = solve_qp(Q_SEED, C_SEED, A_SEED, b)
    (grad,) = torch.autograd.grad(r.fun, b)
    # f*(b) = 2b²/3 + b, so df*/db = 7/3 at b = 1 and λ = −df*/db = −7/3
    assert float(grad) == pytest.approx(7 / 3, abs=1e-14)
    torch.testing.assert_close(r.lam.detach(), -grad)


@pytest.mark.parametrize(("n", "m"), [(2, 1), (3, 2), (5, 2), (4, 4)])
def test_random_qps_against_scipy(generator, n, m):
    Q, c, A, b = random_qp(generator, n, m)
    r = solve_qp(Q, c, A, b)
    assert r.success
    x_ref, v_ref = scipy_qp(Q.numpy(), c.numpy(), A.numpy(), b.numpy())
    np.testing.assert_allclose(r.x.numpy(), x_ref, atol=1e-8)
    np.testing.assert_allclose(r.lam.numpy(), v_ref, atol=1e-7)
    assert float(r.kkt_residual) < 1e-12


def test_batched_qps_match_one_at_a_time_and_the_kkt_system(generator):
    Q, c, A, b = random_qp(generator, 4, 2, batch=(3, 2))
    r = solve_qp(Q, c, A, b)
    assert r.x.shape == (3, 2, 4) and r.lam.shape == (3, 2, 2) and r.fun.shape == (3, 2)
    assert r.status.shape == (3, 2) and bool((r.status == 0).all()) and r.success
    for i in range(3):
        for j in range(2):
            K = np.block([[Q[i, j].numpy(), A[i, j].numpy().T], [A[i, j].numpy(), np.zeros((2, 2))]])
            sol = scipy.linalg.solve(K, np.concatenate([-c[i, j].numpy(), b[i, j].numpy()]))
            np.testing.assert_allclose(r.x[i, j].numpy(), sol[:4], atol=1e-12)
            np.testing.assert_allclose(r.lam[i, j].numpy(), sol[4:], atol=1e-12)


def test_constraints_broadcast_against_a_batch_of_objectives(generator):
    Q, c, _, _ = random_qp(generator, 2, 1, batch=(5,))
    r = solve_qp(Q, c, A_SEED, B_SEED)
    assert r.x.shape == (5, 2)
    torch.testing.assert_close(r.x.sum(-1), torch.ones(5, dtype=torch.float64))


def test_unconstrained_is_a_linear_solve(generator):
    Q, c, _, _ = random_qp(generator, 3, 0)
    r = solve_qp(Q, c)
    assert r.lam.shape == (0,)
    np.testing.assert_allclose(r.x.numpy(), scipy.linalg.solve(Q.numpy(), -c.numpy()), atol=1e-12)


def test_indefinite_q_positive_on_the_constraint_set_is_fine():
    # Q = diag(1, −1) is indefinite, but on x₂ = 2 only x₁ is free, where the curvature is +1
    r = solve_qp([[1.0, 0.0], [0.0, -1.0]], [1.0, 1.0], [[0.0, 1.0]], [2.0])
    assert r.status == QPStatus.OPTIMAL
    np.testing.assert_allclose(r.x.numpy(), [-1.0, 2.0], atol=1e-15)
    np.testing.assert_allclose(r.lam.numpy(), [1.0], atol=1e-15)  # −x₂ + 1 + λ = 0


def test_gradients_by_gradcheck(generator):
    Q, c, A, b = random_qp(generator, 3, 2)
    inputs = tuple(t.clone().requires_grad_() for t in (Q, c, A, b))

    def outputs(Q, c, A, b):
        r = solve_qp(Q, c, A, b)
        return r.x, r.lam, r.fun

    assert torch.autograd.gradcheck(outputs, inputs)
    batched = tuple(t.clone().requires_grad_() for t in random_qp(generator, 2, 1, batch=(2,)))
    assert torch.autograd.gradcheck(outputs, batched)


def test_dependent_consistent_constraints_give_x_and_minimum_norm_multipliers():
    with pytest.warns(QPWarning, match="linearly dependent rows"):
        r = solve_qp(Q_SEED, C_SEED, [[1.0, 1.0], [2.0, 2.0]], [1.0, 2.0])
    assert r.success and r.status == QPStatus.MULTIPLIERS_NOT_UNIQUE
    np.testing.assert_allclose(r.x.numpy(), [2 / 3, 1 / 3], atol=1e-14)
    np.testing.assert_allclose(r.lam.numpy(), [-7 / 15, -14 / 15], atol=1e-14)  # λ₁ + 2λ₂ = −7/3, least norm
    assert float(r.kkt_residual) < 1e-13


def test_inconsistent_constraints_are_infeasible_not_garbage():
    with pytest.warns(QPWarning, match="infeasible"):
        r = solve_qp(Q_SEED, C_SEED, [[1.0, 1.0], [1.0, 1.0]], [1.0, 2.0])
    assert not r.success and r.status == QPStatus.INFEASIBLE
    assert bool(r.x.isnan().all()) and bool(r.lam.isnan().all())


@pytest.mark.parametrize(("Q", "c", "A", "b"), [
    ([[1.0, 0.0], [0.0, -1.0]], [1.0, 1.0], None, None),           # negative curvature
    ([[1.0, 0.0], [0.0, 0.0]], [1.0, 1.0], None, None),            # flat direction with a slope
    ([[1.0, 0.0], [0.0, -1.0]], [1.0, 1.0], [[1.0, 0.0]], [2.0]),  # negative curvature along x₂ = free
])
def test_unbounded_problems_are_reported(Q, c, A, b):
    with pytest.warns(QPWarning, match="unbounded"):
        r = solve_qp(Q, c, A, b)
    assert not r.success and r.status == QPStatus.UNBOUNDED and bool(r.x.isnan().all())


def test_non_unique_minimizer_returns_the_minimum_norm_one():
    # f = ½(x₁ + x₂)² − (x₁ + x₂): every point with x₁ + x₂ = 1 is optimal; the least-norm one is (½, ½)
    with pytest.warns(QPWarning, match="not unique"):
        r = solve_qp([[1.0, 1.0], [1.0, 1.0]], [-1.0, -1.0])
    assert not r.success and r.status == QPStatus.MINIMIZER_NOT_UNIQUE
    np.testing.assert_allclose(r.x.numpy(), [0.5, 0.5], atol=1e-14)
    assert float(r.fun) == pytest.approx(-0.5, abs=1e-14)


def test_batch_with_one_bad_problem_reports_per_problem_status():
    Q = torch.tensor([Q_SEED, [[1.0, 0.0], [0.0, -1.0]]], dtype=torch.float64)
    with pytest.warns(QPWarning, match=r"1 of 2 problems have status 4 \(UNBOUNDED\)"):
        r = solve_qp(Q, C_SEED, A_SEED, B_SEED)
    assert r.status.tolist() == [0, 4] and not r.success
    assert QPStatus.decode(r.status) == [QPStatus.OPTIMAL, QPStatus.UNBOUNDED]
    np.testing.assert_allclose(r.x[0].numpy(), [2 / 3, 1 / 3], atol=1e-15)
    assert bool(r.x[1].isnan().all())


def test_dtype_and_float32():
    r = solve_qp(torch.tensor(Q_SEED, dtype=torch.float32), torch.tensor(C_SEED, dtype=torch.float32),
                 A_SEED, B_SEED)
    assert r.x.dtype == torch.float32
    np.testing.assert_allclose(r.x.numpy(), [2 / 3, 1 / 3], atol=1e-6)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="Q must be a square matrix"):
        solve_qp([[1.0, 2.0, 3.0]], [1.0])
    with pytest.raises(ValueError, match=r"c must have shape \(\.\.\., 2\)"):
        solve_qp(Q_SEED, [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"A must have shape \(\.\.\., m, 2\)"):
        solve_qp(Q_SEED, C_SEED, [[1.0, 1.0, 1.0]], [1.0])
    with pytest.raises(ValueError, match=r"b must have shape \(\.\.\., 1\)"):
        solve_qp(Q_SEED, C_SEED, A_SEED, [1.0, 2.0])
    with pytest.raises(ValueError, match="b is missing"):
        solve_qp(Q_SEED, C_SEED, A_SEED)
    with pytest.raises(ValueError, match="A is missing"):
        solve_qp(Q_SEED, C_SEED, b=B_SEED)
    with pytest.raises(ValueError, match="do not broadcast"):
        solve_qp(torch.eye(2).expand(3, 2, 2), torch.ones(4, 2))
    with pytest.raises(ValueError, match="Q contains NaN"):
        solve_qp([[float("nan"), 0.0], [0.0, 1.0]], C_SEED)
    with pytest.raises(TypeError, match="c must be real"):
        solve_qp(Q_SEED, torch.ones(2, dtype=torch.complex128))
    with pytest.raises(ValueError, match="h is missing"):
        solve_qp(Q_SEED, C_SEED, G=[[1.0, 0.0]])
