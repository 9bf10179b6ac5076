"""Minimization that says whether its answer is a verified minimum.

- :func:`minimize` — ``method=`` ``gd``, ``momentum``, ``nesterov``, ``adam``, ``rmsprop``, ``newton``, ``bfgs``,
  ``l-bfgs``, ``l-bfgs-b``, ``newton-cg``, ``trust-ncg``, ``trust-exact`` (:data:`METHODS`) with SciPy's calling
  conventions, ``bounds=``, ``jac="2-point" | "3-point" | "cs"`` for black boxes, relative tolerances, and
  ``batched=True`` for ``B`` independent problems; gradients and Hessians from autograd.
- :func:`compare`, :func:`plot_comparison` — several methods on one problem, loss curves and paths.
- :func:`mgh_problems` — the Moré–Garbow–Hillstrom test set (:class:`MGHProblem`: ``fun``, ``x0``, ``f_star``).
- :class:`OptimizeResult` — SciPy's fields plus ``second_order`` (``"verified"``, ``"failed"`` or
  ``"not checked"``), ``min_eigenvalue`` and the ``trajectory`` of iterates.
- :class:`Status`, :class:`ConvergenceWarning`, :class:`SecondOrderWarning` — how a run that did not reach
  a verified minimum is reported.
- :func:`levenberg_marquardt` — nonlinear least squares ``min ‖r(z)‖²`` with every stop stated
  (:class:`LMResult`); the engine of :mod:`sciml.pinn` and of :func:`sciml.signal.fit_sinusoids`.
- The methods (:class:`GradientDescent`, :class:`Momentum`, :class:`Newton`, :class:`BFGS`), line searches
  (:mod:`sciml.optimize._linesearch`) and the curvature check (:mod:`sciml.optimize._second_order`).
"""

from sciml.optimize._batched import BATCHED_METHODS
from sciml.optimize._bfgs import BFGS
from sciml.optimize._compare import compare, plot_comparison
from sciml.optimize._first_order import GradientDescent, Momentum
from sciml.optimize._lbfgs import LBFGS
from sciml.optimize._lbfgsb import LBFGSB
from sciml.optimize._least_squares import LMResult, LMState, LMStatus, levenberg_marquardt
from sciml.optimize._mgh import MGHProblem, mgh_problems
from sciml.optimize._minimize import METHODS, minimize
from sciml.optimize._newton import Newton
from sciml.optimize._newton_cg import NewtonCG
from sciml.optimize._result import OptimizeResult, SecondOrderWarning, Status
from sciml.optimize._torch_methods import Adam, Nesterov, RMSprop
from sciml.optimize._trust_region import TrustExact, TrustNCG
from sciml.results import ConvergenceWarning

__all__ = [
    "BATCHED_METHODS",
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
    "MGHProblem",
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
    "compare",
    "levenberg_marquardt",
    "mgh_problems",
    "minimize",
    "plot_comparison",
]
