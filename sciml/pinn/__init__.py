"""Physics-informed neural networks for ODE boundary and initial value problems stated as mathematics.

- :class:`BVP` (and :func:`IVP`) — equations with primes, an interval, conditions in point values.
- :func:`solve` — a hard-constraint trial function, a small tanh MLP, float64, Levenberg–Marquardt with
  the Jacobian from ``torch.func`` (L-BFGS for large networks, optional Adam warm-up), residual-based
  resampling (:class:`Resample`), checkpoint/resume; returns a :class:`BVPResult` named like ``solve_bvp``'s.
- :func:`plot_solution`, :func:`plot_history` — the solution with its pointwise error and observations, and the
  loss history, on any matplotlib axes.
- :mod:`sciml.pinn.references` — independent references from the same statement: SymPy ``dsolve`` and
  SciPy ``solve_bvp``/``solve_ivp``.

>>> from sciml.pinn import BVP, solve
>>> problem = BVP("u'' + u = 0", domain=(0, "pi/2"), conditions=["u(0) = 0", "u(pi/2) = 1"])
>>> result = solve(problem)
>>> result.success
True

``scipy.integrate.solve_bvp`` remains the accuracy ceiling on such problems (errors near 1e-13 in
milliseconds); a PINN's value is generality, differentiability and inverse problems.
"""

from sciml.pinn._collocation import collocation_points
from sciml.pinn._ivp import IVP
from sciml.pinn._plots import plot_history, plot_solution
from sciml.pinn._resample import Resample
from sciml.pinn._result import BVPIntermediate, BVPResult, BVPStatus, PINNSolution
from sciml.pinn._solve import check_options, solve
from sciml.pinn._statement import BVP
from sciml.results import ConvergenceWarning

__all__ = [
    "BVP",
    "IVP",
    "BVPIntermediate",
    "BVPResult",
    "BVPStatus",
    "ConvergenceWarning",
    "PINNSolution",
    "Resample",
    "check_options",
    "collocation_points",
    "plot_history",
    "plot_solution",
    "solve",
]
