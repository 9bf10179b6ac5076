"""l-bfgs's history (the two-loop recursion on Gram matrices) against the dense BFGS matrix it stands for;
the line search's noise-level exit; invariance of bfgs and l-bfgs under f -> c f; trust-exact on Biggs EXP6."""

import functools

import numpy as np
import pytest
import torch

from sciml.optimize import minimize
from sciml.optimize._lbfgs import History
from sciml.optimize._linesearch import strong_wolfe
from sciml.optimize._mgh import mgh_problems

MGH = {p.number: p for p in mgh_problems()}


@functools.cache
def f_star(number: int) -> float:
    """The minimum to full precision (trust-exact; the table has six digits)."""
    p = MGH[number]
    return minimize(p.fun, p.start(), method="trust-exact").fun


def dense_lbfgs(pairs, gamma, n):
    """The L-BFGS matrix by its definition: BFGS updates of gamma I by the pairs, oldest first (closed form)."""
    H = gamma * np.eye(n)
    for s, y in pairs:
        rho = 1 / (y @ s)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return H


@pytest.mark.parametrize("m, k", [(1, 1), (3, 2), (3, 7), (5, 5)])  # k > m: the ring buffer wraps around
def test_history_is_the_lbfgs_matrix(m, k):
    rng = np.random.default_rng(m * 10 + k)
    n = 6
    A = rng.standard_normal((n, n))
    B = A @ A.T + n * np.eye(n)  # y = B s keeps y.s > 0
    hist = History(m, torch.zeros(n, dtype=torch.float64))
    pairs = []
    for _ in range(k):
        s = rng.standard_normal(n)
        y = B @ s + 0.1 * rng.standard_normal(n)
        pairs.append((s, y))
        hist.add(torch.tensor(s), torch.tensor(y), float(s @ y), float(y @ y))
    kept = pairs[-m:]
    s, y = kept[-1]
    H = dense_lbfgs(kept, (s @ y) / (y @ y), n)
    g = rng.standard_normal(n)
    np.testing.assert_allclose(hist.apply(torch.tensor(g)).numpy(), H @ g, rtol=1e-11, atol=1e-12)
    hist.clear()
    assert len(hist) == 0


def test_exhausted_line_search_is_refused_at_the_noise_level():
    """Budget spent before the curvature condition: the best point is kept only for a real decrease."""
    d = torch.ones(1, dtype=torch.float64)

    def phi(t):  # f = 1 - t along d: sufficient decrease always, curvature never
        return 1.0 - t, -torch.ones(1, dtype=torch.float64)

    big = strong_wolfe(phi, 1.0, -1.0, d, t0=1e-6, max_evals=1)
    assert big.ok and big.t == 1e-6
    lost = strong_wolfe(phi, 1.0, -1.0, d, t0=1e-9, max_evals=1)  # a decrease of 1e-9 < sqrt(eps)
    assert not lost.ok


@pytest.mark.parametrize("method", ["bfgs", "l-bfgs"])
@pytest.mark.parametrize("number", [20, pytest.param(24, marks=pytest.mark.slow)])  # Watson n = 9, Penalty II
def test_exactly_invariant_under_a_power_of_two(method, number):
    """c = 2^±27 scales f and its gradient without rounding: every iterate must be the same, bit for bit
    (an absolute threshold anywhere in the method would show here)."""
    p = MGH[number]
    runs = [minimize(lambda x, c=c: c * p.fun(x), p.start(), method=method) for c in (2.0**-27, 1.0, 2.0**27)]
    for r in runs:
        assert r.success, r.message
        assert (r.nit, r.nfev) == (runs[1].nit, runs[1].nfev)
        assert torch.equal(r.x, runs[1].x)


@pytest.mark.parametrize("method", ["bfgs", "l-bfgs"])
@pytest.mark.parametrize("number", [20, pytest.param(24, marks=pytest.mark.slow)])
def test_scaled_objectives_reach_the_minimum(method, number):
    """c f for c in {1e-8, 1, 1e8}: the tabulated minimum to |f - f*|/f* <= 1e-8 (f* from trust-exact).

    c = 1e±8 perturbs every value by a rounding error; on these ill-conditioned problems the paths then part
    after some tens of iterations (SciPy's do too), so the iteration counts are compared only for Watson by
    bfgs, whose path does not amplify the rounding."""
    p = MGH[number]
    best = f_star(number)
    assert p.reached(best)
    nits = []
    for c in (1e-8, 1.0, 1e8):
        res = minimize(lambda x, c=c: c * p.fun(x), p.start(), method=method)
        assert res.success, res.message
        assert abs(res.fun / c - best) <= 1e-8 * best
        assert res.nfev <= 2 * res.nit + 100  # no line searches burning their budget at the noise level
        nits.append(res.nit)
    if (number, method) == (20, "bfgs"):
        assert max(nits) - min(nits) <= 2


def test_trust_exact_on_biggs_exp6():
    """Biggs EXP6 from the standard start: trust-exact reaches a tabulated minimum (f = 0 here)."""
    p = MGH[18]
    res = minimize(p.fun, p.start(), method="trust-exact")
    assert res.success and p.reached(res.fun) and res.fun <= 1e-20
    assert res.second_order == "verified"
