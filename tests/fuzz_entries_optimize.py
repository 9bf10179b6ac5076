"""sciml.optimize's new entry points in the fuzz suite (tests/test_bad_input.py): junk ``a``, ``b`` give a named
ValueError/TypeError or an honest result (a status and a ConvergenceWarning), never a crash deep inside torch."""

import torch

from sciml import optimize
from sciml.results import ConvergenceWarning


def _sq(x):
    return (x**2).sum()


def _batch_sq(x):
    return (x**2).sum(-1)


WARNINGS = (ConvergenceWarning, UserWarning)

ENTRY_POINTS = {
    "optimize.minimize(method)": lambda a, b: optimize.minimize(_sq, [1.0, 2.0], method=a, max_iter=5),
    "optimize.minimize(bounds)": lambda a, b: optimize.minimize(_sq, [1.0, 2.0], method="l-bfgs-b", bounds=a,
                                                                max_iter=5),
    "optimize.minimize(jac)": lambda a, b: optimize.minimize(_sq, [1.0, 2.0], jac=a, max_iter=5),
    "optimize.minimize(rtol, ftol)": lambda a, b: optimize.minimize(_sq, [1.0, 2.0], rtol=a, ftol=b, max_iter=5),
    "optimize.minimize(options)": lambda a, b: optimize.minimize(_sq, [1.0, 2.0], method="l-bfgs",
                                                                 options={"m": a}, max_iter=5),
    "optimize.minimize(batched)": lambda a, b: optimize.minimize(_batch_sq, a, method="bfgs", batched=True,
                                                                 max_iter=5),
    "optimize.compare": lambda a, b: optimize.compare(_sq, a, methods=["gd", "bfgs"], max_iter=3),
    "optimize.plot_comparison": lambda a, b: optimize.plot_comparison(a, contour=b),
    "optimize.mgh_problems": lambda a, b: optimize.mgh_problems()[a].fun(torch.as_tensor(b)),
}
