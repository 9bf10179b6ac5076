"""Minimization that says whether its answer is a verified minimum.

- :func:`minimize` — ``method="bfgs" | "newton" | "gd" | "momentum"`` with SciPy's calling conventions;
  gradients and Hessians from :mod:`torch.func`.
- :class:`OptimizeResult` — SciPy's fields plus ``second_order`` (``"verified"``, ``"failed"`` or
  ``"not checked"``), ``min_eigenvalue`` and the ``trajectory`` of iterates.
- :class:`Status`, :class:`ConvergenceWarning`, :class:`SecondOrderWarning` — how a run that did not reach
  a verified minimum is reported.
- :func:`levenberg_marquardt` — nonlinear least squares ``min ‖r(z)‖²`` with every stop stated
  (:class:`LMResult`); the engine of :mod:`sciml.pinn` and of :func:`sciml.signal.fit_sinusoids`.
- The methods (:class:`GradientDescent`, :class:`Momentum`, :class:`Newton`, :class:`BFGS`), line searches
  (:mod:`sciml.optimize._linesearch`) and the curvature check (:mod:`sciml.optimize._second_order`).
"""

from sciml.optimize._bfgs import BFGS
from sciml.optimize._first_order import GradientDescent, Momentum
from sciml.optimize._lbfgs import LBFGS
from sciml.optimize._lbfgsb import LBFGSB
from sciml.optimize._least_squares import LMResult, LMState, LMStatus, levenberg_marquardt
from sciml.optimize._minimize import METHODS, minimize
from sciml.optimize._newton import Newton
from sciml.optimize._newton_cg import NewtonCG
from sciml.optimize._result import OptimizeResult, SecondOrderWarning, Status
from sciml.optimize._torch_methods import Adam, Nesterov, RMSprop
from sciml.optimize._trust_region import TrustExact, TrustNCG
from sciml.results import ConvergenceWarning

__all__ = [
    "BFGS",
    "LBFGS",
    "LBFGSB",
    "METHODS",
    "Adam",
    "ConvergenceWarning",
    "GradientDescent",
    "LMResult",
    "LMState",
    "LMStatus",
    "Momentum",
    "Nesterov",
    "Newton",
    "NewtonCG",
    "OptimizeResult",
    "RMSprop",
    "SecondOrderWarning",
    "Status",
    "TrustExact",
    "TrustNCG",
    "levenberg_marquardt",
    "minimize",
]
