"""sciml.optimize.minimize against scipy.optimize.minimize on the Rosenbrock function (same method, same tol)."""

import numpy as np
import scipy.optimize
import torch
from _harness import Case

from sciml.optimize import minimize


def rosen(x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def cases():
    out = []
    for n in (2, 10):
        x0_np = np.array([-1.2, 1.0] * (n // 2))
        x0 = torch.from_numpy(x0_np)
        pairs = (("bfgs", "BFGS", None), ("newton", "trust-exact", scipy.optimize.rosen_hess))
        for method, scipy_method, hess in pairs:
            out.append(Case(
                f"rosenbrock n={n} {method}",
                lambda x0=x0, method=method: minimize(rosen, x0, method=method, gtol=1e-8),
                {f"scipy {scipy_method} (analytic derivatives)":
                    lambda x0_np=x0_np, m=scipy_method, hess=hess: scipy.optimize.minimize(
                        scipy.optimize.rosen, x0_np, jac=scipy.optimize.rosen_der, hess=hess, method=m,
                        options={"gtol": 1e-8})},
            ))
    return out
