"""The Moré–Garbow–Hillstrom suite: the problems' tabulated minima, reached by SciPy and by sciml."""

import warnings

import numpy as np
import pytest
import scipy.optimize
import torch

from sciml.optimize import mgh_problems, minimize

PROBLEMS = mgh_problems()


def scipy_bfgs(p):
    def fg(z):
        x = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        f = p.fun(x)
        (g,) = torch.autograd.grad(f, x)
        return float(f.detach()), g.numpy()

    return scipy.optimize.minimize(fg, np.array(p.x0), jac=True, method="BFGS",
                                   options={"gtol": 1e-10, "maxiter": 20000})


def test_the_suite_is_complete():
    assert [p.number for p in PROBLEMS] == list(range(1, 36))
    dims = {p.name: p.n for p in PROBLEMS}
    assert dims["Watson"] == 9 and dims["Penalty II"] == 10 and dims["Osborne 2"] == 11
    for p in PROBLEMS:
        f0 = p.fun(p.start())
        assert f0.shape == () and torch.isfinite(f0)
        assert float(f0) >= p.f_star  # the start is no better than the minimum


def test_known_values_at_known_minimizers():
    by_name = {p.name: p for p in PROBLEMS}
    exact = {"Rosenbrock": [1.0, 1.0], "Helical valley": [1.0, 0.0, 0.0], "Wood": [1.0] * 4,
             "Biggs EXP6": [1.0, 10.0, 1.0, 5.0, 4.0, 3.0], "Gulf research and development": [50.0, 25.0, 1.5],
             "Box three-dimensional": [1.0, 10.0, 1.0], "Freudenstein and Roth": [5.0, 4.0],
             "Powell singular": [0.0] * 4, "Beale": [3.0, 0.5]}
    for name, x in exact.items():
        assert float(by_name[name].fun(torch.tensor(x, dtype=torch.float64))) == pytest.approx(0.0, abs=1e-20)


@pytest.mark.slow
@pytest.mark.parametrize("p", PROBLEMS, ids=lambda p: f"{p.number}-{p.name}")
def test_scipy_reaches_the_tabulated_minimum(p):
    """The residuals are right: SciPy's BFGS, given them, reaches a tabulated value."""
    assert p.reached(scipy_bfgs(p).fun)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["bfgs", "l-bfgs"])
def test_sciml_reaches_the_tabulated_minima(method):
    missed = []
    for p in PROBLEMS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(p.fun, p.start(), method=method)
        if not p.reached(res.fun):
            missed.append((p.name, res.fun))
    assert not missed
