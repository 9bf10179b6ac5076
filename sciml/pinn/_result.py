"""What :func:`sciml.pinn.solve` returns: the dense solution and a result with ``solve_bvp``'s names."""

from __future__ import annotations

import dataclasses

import torch

from sciml._validation import as_tensor, check_int
from sciml.results import Result, status_enum

BVPStatus = status_enum(
    "BVPStatus", "SUCCESS MAX_ITER LINE_SEARCH NONFINITE NO_PROGRESS XTOL FTOL UNDERRESOLVED GTOL TRIVIAL CALLBACK",
    module=__name__,
    doc="""Why :func:`sciml.pinn.solve` stopped (codes of :class:`sciml.results.Status`; 0 is success, as in SciPy's
    ``solve_bvp``). ``SUCCESS``, ``XTOL`` and ``FTOL`` are successes.""")


class PINNSolution:
    """The trained trial function as a callable: ``sol(x)`` or ``sol(x, nu=k)`` for the k-th derivative.

    Returns a tensor of shape ``x.shape`` for one unknown function and ``(*x.shape, k)`` for ``k`` of them.
    Differentiable in ``x`` (autograd, ``torch.func``); the network parameters are fixed.
    """

    def __init__(self, net, ansatz, theta: torch.Tensor, functions):
        self.net, self.ansatz, self.functions = net, ansatz, tuple(functions)
        self.theta = theta.detach()
        self.alpha = ansatz.alpha(net, self.theta).detach()
        self.__name__ = "sol"

    def __call__(self, x, nu: int = 0) -> torch.Tensor:
        check_int(nu, "nu (derivative order)", low=0)
        if nu > self.ansatz.order:
            raise ValueError(f"nu={nu} exceeds the highest derivative this solution carries ({self.ansatz.order})")
        x = as_tensor(x, "x", dtype=self.theta.dtype, device=self.theta.device)
        D = self.net.derivatives(self.theta, x, self.ansatz.order)
        U = self.ansatz.values(D, self.alpha, x)[nu]
        return U[..., 0] if len(self.functions) == 1 else U

    def __repr__(self) -> str:
        return f"PINNSolution(functions={list(self.functions)}, order<={self.ansatz.order})"


@dataclasses.dataclass(repr=False)
class BVPResult(Result):
    """The result of :func:`sciml.pinn.solve`, named like :func:`scipy.integrate.solve_bvp`'s.

    Attributes
    ----------
    x : tensor
        The collocation points.
    y : tensor
        The solution there: ``sol(x)``.
    sol : PINNSolution
        The dense solution, ``sol(x, nu=0)``.
    success, status, message :
        Whether a convergence test was met, its code and the reason in words:

        ===================  ===============  =======  ==================================================
        status               stop_reason      success  why
        ===================  ===============  =======  ==================================================
        ``SUCCESS`` (0)      ``residual``     True     the relative residual is at most ``rtol`` (or ``atol``)
        ``MAX_ITER`` (1)     ``max_iter``     False    the iteration limit came first
        ``LINE_SEARCH`` (2)  ``line_search``  False    L-BFGS: the strong-Wolfe line search found no decrease
        ``NONFINITE`` (3)    ``nan``          False    the loss or Jacobian became NaN/inf; the last finite
                                                       iterate is kept
        ``NO_PROGRESS`` (6)  ``no_progress``  False    Levenberg–Marquardt: no damping gives a decrease
        ``XTOL`` (7)         ``xtol``         True     the step is below ``xtol`` relative to the parameters
        ``FTOL`` (8)         ``ftol``         True     the loss fell by less than ``ftol`` over 20 iterations
        ``GTOL`` (17)        ``gtol``         True     LM: ``‖Jᵀr‖ ≤ gtol·‖J‖·‖r‖``, a least-squares solution
        ``TRIVIAL`` (18)     ``trivial``      False    a test was met, but u ≡ 0 (with unknown constants): the
                                                       trivial solution; give ``guess=`` or a normalization
        ``CALLBACK`` (99)    ``callback``     False    the callback raised ``StopIteration``
        ===================  ===============  =======  ==================================================

        ``status`` is a :class:`BVPStatus` (an ``IntEnum``; ``status.hint`` says what to try). One more:
        ``UNDERRESOLVED`` (15, ``underresolved``, not a success): a test was met at the collocation points, but
        the relative residual between them is over 100 times larger — the fit only interpolates its points.

        In float32, ``no_progress`` and ``line_search`` near a small residual read "float32 precision
        limit: ...".
    stop_reason : str
        The name in the table above.
    niter, nfev, njev : int
        Iterations of all phases (Adam warm-up included), residual evaluations, Jacobian evaluations.
    loss : float
        The final ``‖r‖²`` (equation residuals averaged over the points, plus the soft rows).
    residual : float
        The relative residual ``‖r‖/‖terms‖`` at the collocation points (the quantity ``rtol`` bounds).
    residual_between : float
        The same at the midpoints between collocation points: a check that the fit did not just interpolate.
    history : tensor
        The loss after each iteration of every phase (entry 0: the initial loss). After a refinement of the
        collocation points the loss is over the new points (it may jump up).
    unknowns : dict
        Identified unknown constants.
    network : torch.nn.Module
        The raw network ``N(x)`` (the trial function adds the condition terms to it; use ``sol``).
    theta : tensor
        The network's flat parameters.
    seconds : float
        Wall time of the solve (of this call, when it resumed a checkpoint).
    method : str
        The optimizers that ran, e.g. ``"lm"``, ``"lbfgs"`` or ``"adam+lm"`` (what ``method="auto"`` chose).
    resamples : int
        Refinements of the collocation points (``x`` holds the final points).
    notes : tuple of str
        What the solve did with the statement beyond the defaults, in words: an equation singular at an end
        imposed there by its limit, a guess fitted first, a continuation's stages, a restart.
    problem : BVP
        The statement solved (its domain, exact solution and observations are what the plots show).
    """

    x: torch.Tensor
    y: torch.Tensor
    sol: PINNSolution
    success: bool
    status: BVPStatus
    message: str
    stop_reason: str
    niter: int
    nfev: int
    njev: int
    loss: float
    residual: float
    residual_between: float
    history: torch.Tensor
    unknowns: dict
    network: torch.nn.Module = dataclasses.field(repr=False)
    theta: torch.Tensor = dataclasses.field(repr=False)
    seconds: float = 0.0
    method: str = "lm"
    resamples: int = 0
    notes: tuple = ()
    problem: object = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(repr=False)
class BVPIntermediate(Result):
    """Passed to ``callback`` after every iteration: the iterate so far (``sol`` is built on demand).

    ``niter`` counts the iterations of all phases, ``loss`` is the loss there, ``lam`` the Levenberg–Marquardt
    damping (NaN for the other optimizers), ``phase`` the optimizer that made this iterate (``"adam"``,
    ``"lm"`` or ``"lbfgs"``).
    """

    niter: int
    loss: float
    lam: float
    theta: torch.Tensor
    unknowns: dict
    _make_sol: object = dataclasses.field(repr=False, default=None)
    phase: str = "lm"

    @property
    def sol(self) -> PINNSolution:
        """The dense solution at this iterate."""
        return self._make_sol(self.theta)
