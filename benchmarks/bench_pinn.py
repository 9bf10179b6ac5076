"""sciml.pinn.solve on the seed BVP u'' + u = 0, u(0) = 0, u(π/2) = 1, beside scipy.integrate.solve_bvp.

solve_bvp is the honest ceiling on such a problem (machine precision in milliseconds); the PINN's value is
generality, differentiability and inverse problems. (Time-to-accuracy curves and DeepXDE's recipe are
the PINN issue's benchmark; this is the foundation's one-row check.)
"""

import numpy as np
import scipy.integrate
from _harness import Case

from sciml.pinn import BVP, solve


def _solve_bvp():
    x = np.linspace(0, np.pi / 2, 11)
    return scipy.integrate.solve_bvp(lambda x, y: np.vstack([y[1], -y[0]]),
                                     lambda ya, yb: np.array([ya[0], yb[0] - 1]), x, np.zeros((2, x.size)),
                                     tol=1e-10)


def _max_error(result) -> float:
    import torch

    x = torch.linspace(0, np.pi / 2, 1000, dtype=torch.float64)
    return float((result.sol(x) - torch.sin(x)).abs().max())


def cases():
    problem = BVP("u'' + u = 0", domain=(0, "pi/2"), conditions=["u(0) = 0", "u(pi/2) = 1"])
    peers = {"scipy solve_bvp (tol 1e-10)": _solve_bvp}
    error = _max_error(solve(problem))
    return [Case(f"seed BVP, default call (max error {error:.1e})", lambda: solve(problem), peers)]
