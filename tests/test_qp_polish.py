"""The active-set polish of sciml.qp (its primal–dual active-set update, the ``polish`` option) and the cheap
well-posedness proof of the equality path, against the certified optimum and the SVD/eigenvalue test."""

import pytest
import torch
from test_qp_interior import certified, solve

import sciml.qp._equality as E
from sciml.qp import QPStatus, QPWarning, _active, solve_qp
from sciml.qp import _residuals as R

F64 = torch.float64


def _wrong_active_set_point(generator):
    """The certified optimum with an inactive row of G pretending to be active (its multiplier above its
    slack): the rule z > s picks a wrong active set."""
    p, star = certified(generator, batch=(8,), n=10)  # four free directions: one more active row is regular
    data = R.make_data(*(p[k] for k in "Q c A b G h lb ub".split()))
    z = star["mu"].clone()
    z[..., 2] = 10.0  # row 2 has slack 0.5 .. 1.5: "active"
    return data, (star["x"], star["lam"], z, star["mu_lb"], star["mu_ub"]), star


def test_polish_recovers_the_optimum_from_a_wrong_active_set(generator):
    data, point, star = _wrong_active_set_point(generator)
    act = _active.active_sets(data, point[0], point[2], point[3], point[4])
    assert bool(act[0][:, 2].all())  # the guess really is wrong
    new, used, ratio = _active.polish(data, point, 1e-9, 0.0)
    assert bool((ratio <= 1).all())
    assert bool(used.all())
    for got, want in zip(new, (star["x"], star["lam"], star["mu"], star["mu_lb"], star["mu_ub"]), strict=True):
        torch.testing.assert_close(got, want, atol=1e-9, rtol=0)


def test_without_the_active_set_update_the_wrong_guess_is_refused(generator):
    data, point, _ = _wrong_active_set_point(generator)
    new, used, _ = _active.polish(data, point, 1e-9, 0.0, rounds=1)
    assert not bool(used.any())  # a negative multiplier or a violated row: the point is kept
    for got, was in zip(new, point, strict=True):
        assert torch.equal(got, was)


def test_polish_needed_meets_the_tolerance_and_true_reaches_rounding(generator):
    p, star = certified(generator, batch=(40,))
    needed = solve(p, polish="needed")
    full = solve(p)
    for r in (needed, full):
        assert bool((r.status == QPStatus.OPTIMAL).all()) and float(r.kkt_residual.max()) <= 1e-9
    assert float(full.kkt_residual.max()) <= 1e-12
    torch.testing.assert_close(full.x, star["x"], atol=1e-11, rtol=0)
    torch.testing.assert_close(needed.x, star["x"], atol=1e-6, rtol=0)
    none = solve(p, polish=False)
    assert bool((none.status == QPStatus.OPTIMAL).all())


@pytest.mark.parametrize("value, error", [("yes", ValueError), (1, TypeError)])
def test_bad_polish_is_named(value, error):
    with pytest.raises(error, match="polish"):
        solve_qp([[1.0]], [1.0], G=[[1.0]], h=[1.0], polish=value)


def _slow(Q, A, rtol, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(E, "_surely_well_posed", lambda Q, A: torch.zeros(Q.shape[:-2], dtype=torch.bool))
        return E._well_posed(Q, A, rtol)


def test_cheap_well_posedness_proof_agrees_with_the_svd_test(generator, monkeypatch):
    B, n, m = 64, 6, 3
    M = torch.randn(B, n, n, generator=generator, dtype=F64)
    w = torch.logspace(-14, 1, B, dtype=F64)  # from numerically singular to well conditioned
    Q = M @ M.mT / n + w[:, None, None] * torch.eye(n, dtype=F64)
    Q[::3] = Q[::3] - Q[::3].diagonal(dim1=-2, dim2=-1).amax(-1)[:, None, None] * torch.eye(n, dtype=F64)  # some
    A = torch.randn(B, m, n, generator=generator, dtype=F64)
    A[::4, 2] = A[::4, 0] + 1e-13 * A[::4, 1]  # some nearly dependent rows
    rtol = 10 * n * torch.finfo(F64).eps
    fast = E._surely_well_posed(Q, A)
    slow = _slow(Q, A, rtol, monkeypatch)
    assert bool(fast.any()) and not bool(fast.all())
    assert bool((fast <= slow).all())  # what the Cholesky proof accepts, the SVD test accepts
    assert torch.equal(E._well_posed(Q, A, rtol), slow)
    assert torch.equal(E._well_posed(Q, A, 1e-3), _slow(Q, A, 1e-3, monkeypatch))  # rtol above the margin


def test_equality_path_still_diagnoses_the_singular_cases():
    with pytest.warns(QPWarning, match="linearly dependent rows"):
        r = solve_qp([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], [[1.0, 1.0], [1.0, 1.0]], [1.0, 1.0])
    assert r.status == QPStatus.MULTIPLIERS_NOT_UNIQUE
    with pytest.warns(QPWarning, match="unbounded"):
        r = solve_qp([[1.0, 0.0], [0.0, 0.0]], [0.0, 1.0], [[1.0, 0.0]], [1.0])
    assert r.status == QPStatus.UNBOUNDED
