"""sciml.optimize.levenberg_marquardt against scipy.optimize.least_squares, and every stop reason."""

import math

import numpy as np
import pytest
import scipy.optimize
import torch

from sciml.optimize import LMStatus, levenberg_marquardt
from sciml.results import ConvergenceError, ConvergenceWarning

F64 = torch.float64



def rosenbrock(z):
    return torch.stack([10 * (z[1] - z[0] ** 2), 1 - z[0]])


def test_lm_matches_scipy_least_squares():
    z0 = torch.tensor([-1.2, 1.0], dtype=F64)
    out = levenberg_marquardt(rosenbrock, torch.func.jacrev(rosenbrock), z0, xtol=1e-15,
                              converged=lambda z, r: float(r.norm()) < 1e-14)
    ref = scipy.optimize.least_squares(lambda z: rosenbrock(torch.tensor(z)).numpy(), z0.numpy(), method="lm",
                                       xtol=1e-15, ftol=1e-15)
    assert out.success and out.stop_reason in ("residual", "xtol") and out.status in (LMStatus.SUCCESS, LMStatus.XTOL)
    assert np.allclose(out.z.numpy(), ref.x, atol=1e-10) and np.allclose(out.z.numpy(), [1, 1], atol=1e-10)
    assert out.history[0] == pytest.approx(float(rosenbrock(z0) @ rosenbrock(z0)))
    assert all(b <= a for a, b in zip(out.history, out.history[1:], strict=False))


def test_lm_stop_reasons():
    z0 = torch.tensor([-1.2, 1.0], dtype=F64)
    jac = torch.func.jacrev(rosenbrock)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        out = levenberg_marquardt(rosenbrock, jac, z0, max_iter=3)
    assert (out.status, out.stop_reason, out.success, out.nit) == (LMStatus.MAX_ITER, "max_iter", False, 3)
    with pytest.raises(ConvergenceError, match="max_iter=3") as raised:
        levenberg_marquardt(rosenbrock, jac, z0, max_iter=3, throw=True)
    assert raised.value.result.status is LMStatus.MAX_ITER and raised.value.result.nit == 3

    def stop_at_2(state):
        if state.niter == 2:
            raise StopIteration

    out = levenberg_marquardt(rosenbrock, jac, z0, callback=stop_at_2)
    assert (out.stop_reason, out.niter, out.success) == ("callback", 2, False)
    out = levenberg_marquardt(rosenbrock, jac, z0, ftol=0.5, window=1, max_iter=10_000)
    assert out.stop_reason == "ftol" and out.success
    # a residual no step can reduce (zero Jacobian, nonzero residual): the damping runs away
    with pytest.warns(ConvergenceWarning, match="no step reduces"):
        flat = levenberg_marquardt(lambda z: z * 0 + 1, lambda z: torch.zeros(1, 1, dtype=F64),
                                   torch.ones(1, dtype=F64))
    assert (flat.status, flat.stop_reason, flat.success) == (LMStatus.NO_PROGRESS, "no_progress", False)


def test_lm_nan_handling():
    with pytest.warns(ConvergenceWarning, match="not finite"):
        nan_start = levenberg_marquardt(lambda z: torch.sqrt(z - 2), torch.func.jacrev(lambda z: torch.sqrt(z - 2)),
                                        torch.ones(1, dtype=F64))
    assert (nan_start.status, nan_start.stop_reason, nan_start.nit) == (LMStatus.NONFINITE, "nan", 0)
    # trial points with NaN residuals are rejected steps: sqrt(z) - 0.1 from z = 1 overshoots below 0
    fun = lambda z: torch.sqrt(z) - 0.1  # noqa: E731
    out = levenberg_marquardt(fun, torch.func.jacrev(fun), torch.ones(1, dtype=F64), xtol=1e-14)
    assert out.success and abs(float(out.z[0]) - 0.01) < 1e-12
    # a Jacobian that turns NaN stops the run at the last finite iterate
    seen = []

    def jac(z):
        seen.append(z.clone())
        J = torch.func.jacrev(rosenbrock)(z)
        return J * math.nan if len(seen) == 4 else J

    with pytest.warns(ConvergenceWarning, match="Jacobian is not finite"):
        out = levenberg_marquardt(rosenbrock, jac, torch.tensor([-1.2, 1.0], dtype=F64))
    assert (out.status, out.stop_reason, out.nit) == (LMStatus.NONFINITE, "nan", 3)
    assert torch.equal(out.z, seen[-1]) and math.isfinite(out.loss)


def test_marquardt_scaling_on_badly_scaled_parameters():
    # r(z) = (z0 - 1, 1e6 * (z1 - 2e-6) + z0**2 - 1): parameters six orders of magnitude apart
    fun = lambda z: torch.stack([z[0] - 1, 1e6 * (z[1] - 2e-6) + (z[0] ** 2 - 1)])  # noqa: E731
    z0 = torch.tensor([3.0, 0.0], dtype=F64)
    for scale in (False, True):
        out = levenberg_marquardt(fun, torch.func.jacrev(fun), z0, xtol=1e-15, scale=scale)
        ref = scipy.optimize.least_squares(lambda z: fun(torch.tensor(z)).numpy(), z0.numpy(), method="lm",
                                           x_scale="jac", xtol=1e-15)
        assert out.success
        np.testing.assert_allclose(out.z.numpy(), ref.x, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(out.z.numpy(), [1.0, 2e-6], rtol=1e-9)
