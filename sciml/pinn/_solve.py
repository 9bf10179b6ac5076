"""``solve``: a BVP statement → trial function, collocation, optimizer (LM, L-BFGS, Adam) → :class:`BVPResult`."""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import time

import torch

from sciml._validation import as_tensor, check_bool, check_callable, check_choice, check_int, check_real, resolve_dtype
from sciml.pinn import _continuation
from sciml.pinn._ansatz import Ansatz
from sciml.pinn._collocation import collocation_points
from sciml.pinn._guess import approach, fit_guess, fit_unknowns, guess_values
from sciml.pinn._network import TanhMLP
from sciml.pinn._resample import as_resample
from sciml.pinn._residual import Residuals
from sciml.pinn._result import BVPResult, BVPStatus, PINNSolution
from sciml.pinn._singular import derivative_orders
from sciml.pinn._stall import STALL_ADVICE, STALL_MIN_ITER, restart, stalled
from sciml.pinn._statement import BVP
from sciml.pinn._training import RunState, Trainer, load_run, signature
from sciml.results import STOP_REASONS, ConvergenceWarning, Status, conclude
from sciml.training import Stop, checkpoint_path, progress_bar

METHODS = ("auto", "lm", "lbfgs", "adam")
DEFAULT_SEED = 0
#: ``method="auto"`` takes Levenberg–Marquardt while the Jacobian (rows × parameters) has at most this many
#: entries (32 MiB in float64). Measured on 2 CPU cores, one thread: a Jacobian costs about 0.1 µs per entry
#: (0.02 s for 256 points × 481 parameters, 0.25 s for 256 × 10401, 1.7 s for 1024 × 10401), so at the limit an
#: LM iteration takes about 0.5 s; beyond it L-BFGS, whose iteration costs a few gradients (10–40 ms there).
AUTO_LM_MAX_ENTRIES = 2**22
#: a converged run is a success only if the relative residual at the midpoints between the collocation points is
#: at most this many times the one at the points (or rtol): on the catalog the two agree to within 10 %
BETWEEN_FACTOR = 100.0
#: a solution of a problem with unknown constants whose values at the points are all at most this is reported
#: as trivial (``Status.TRIVIAL``): u ≡ 0 satisfies every homogeneous equation, whatever the constants
TRIVIAL_ATOL = 1e-6
#: ``gtol`` of a problem with observations: the least-squares stop of noisy data
GTOL_DATA = 1e-8


def solve(problem: BVP, *, hidden=(20, 20), n_points: int = 64, collocation="chebyshev", method: str = "auto",
          max_iter: int = 2000, rtol: float = 1e-7, atol: float = 0.0, xtol: float = 1e-12, ftol: float = 0.0,
          gtol: float | None = None,
          constraints: str = "hard", condition_weight: float = 1.0, data_weight: float = 1.0, warmup: int = 0,
          lr: float = 1e-3, resample=None, checkpoint=None, checkpoint_every: float = 60.0, resume: bool = False,
          theta0=None, guess=None, continuation=None, generator: torch.Generator | None = None,
          dtype: torch.dtype | None = None, device=None, callback=None, throw: bool = False,
          progress: bool = False) -> BVPResult:
    """Solve a :class:`~sciml.pinn.BVP` with a physics-informed neural network.

    The trial function ``u = N(x) + Σ αᵢ(N) sᵢ(x)`` satisfies the linear conditions exactly for any network
    ``N`` (a tanh MLP); nonlinear conditions become penalty rows. The equation residual
    ``F(x, u, u', …)`` at the collocation points ``x_i`` (plus penalty and data rows) is driven to zero:
    minimise

    .. math:: \\frac1N \\sum_i F(x_i, u(x_i), u'(x_i), \\dots)^2 + \\sum_j w\\, g_j(u)^2 .

    Parameters
    ----------
    problem : BVP
    hidden : sequence of int
        Hidden layer widths of the network.
    n_points : int
        Number of collocation points.
    collocation : {"chebyshev", "uniform", "random"} or tensor
        How to place them (see :func:`~sciml.pinn.collocation.collocation_points`), or the points.
    method : {"auto", "lm", "lbfgs", "adam"}
        ``"lm"``: Levenberg–Marquardt on the residual vector, Jacobian from ``torch.func`` (fast and accurate
        for small networks); ``"lbfgs"``: ``torch.optim.LBFGS`` with the strong-Wolfe line search on the loss
        (memory linear in the parameters, for large networks); ``"adam"``: Adam with learning rate ``lr``;
        ``"auto"``: LM while the Jacobian has at most :data:`AUTO_LM_MAX_ENTRIES` entries, else L-BFGS.
    max_iter : int
        Most iterations of the main method (LM: Jacobian evaluations; L-BFGS: line searches; Adam: steps).
    rtol, atol : float
        Stop when the residual ``‖F‖`` over the collocation points is at most ``atol + rtol·‖terms‖``,
        where ``‖terms‖`` is the root sum of squares of the equation's terms (a relative residual: how
        well the equation balances).
    xtol, ftol : float
        Stop on a step below ``xtol`` relative to the parameters (LM, L-BFGS), or on a loss that fell by less
        than the fraction ``ftol`` over 20 iterations (0: off).
    gtol : float, optional
        Levenberg–Marquardt: stop with success (``GTOL``) at a least-squares solution,
        ``‖Jᵀr‖ ≤ gtol·‖J‖·‖r‖`` — what data that cannot be fit exactly (noise) end at. Default ``1e-8`` for a
        problem with observations (``data=``; SciPy's ``least_squares`` default), off (0) otherwise.
    constraints : {"hard", "soft"}
        Impose the linear conditions through the trial function, or only as penalty rows.
    condition_weight, data_weight : float
        Weights of the penalty rows of soft conditions and of observations.
    warmup, lr : int, float
        Adam steps (learning rate ``lr``) before the main method; ``lr`` is also ``method="adam"``'s.
    resample : int, dict or Resample, optional
        Refine the collocation points by the residual (RAR): an int ``k`` adds 8 points where ``|F|`` is
        largest on 1000 random candidates every ``k`` iterations; see :class:`~sciml.pinn.resample.Resample`
        for the options (adding on stagnation, replacing, counts). Candidates come from ``generator``.
    checkpoint : str or os.PathLike, optional
        File to save the run to (atomically) every ``checkpoint_every`` seconds, at the end, and when the run
        is interrupted (``KeyboardInterrupt`` included; the exception is then re-raised). Its directory must
        exist.
    checkpoint_every : float
        Seconds between checkpoints (0: after every iteration).
    resume : bool
        Continue the run saved in ``checkpoint`` when the file exists (else start it): parameters, unknowns,
        points, iteration counts, history, optimizer state and generator state, so that the continued run
        follows the iterates of an uninterrupted one. ``max_iter`` counts the iterations of both.
    theta0 : tensor, BVPResult or path, optional
        Start from these network parameters (a result: its parameters and unknowns, with a fresh history), or
        continue the checkpoint at this path.
    guess : str, SymPy expression, list, dict, callable or BVPResult, optional
        An initial guess of the unknown functions, as ``solve_bvp``'s ``y``: an expression in the variable
        (``"sin(2*x)"``; a list or dict for systems), a callable ``guess(x)`` (values of shape ``(N,)`` or
        ``(N, k)``), or a previous result (its unknowns become the guesses of the constants too). The trial
        function is fitted to it at the collocation points (least squares) before the solve, whose first steps
        are then damped in function values (see :mod:`sciml.pinn._guess`): the way to the second solution of a
        nonlinear problem, or to a nontrivial eigenfunction.
    continuation : dict, optional
        ``{"eps": [1e-1, 1e-2, 1e-3]}``: solve the problem with the parameter ``eps`` (in ``parameters=``) at
        each value in turn, each stage from the previous stage's network, then at its own value (a last listed
        value equal to it is not solved twice): thin layers out of reach of a direct solve. The result's
        history, counts and seconds cover every stage; ``notes`` lists them. Without it, a direct solve that
        fails (``max_iter`` or no progress) on a problem whose highest derivative has a small constant coefficient
        (``|c| ≤ 10⁻²``: a parameter ``eps`` or a literal ``1e-3``) is continued automatically in it, from 0.1
        down by factors of 10, and ``notes`` says so.
    generator : torch.Generator, optional
        Source of the initial weights, random collocation points and resampling candidates. ``None``: a fixed
        seed, so that a solve is reproducible.
    dtype, device :
        float64 by default. float32 works, and says so when its precision stops the optimizer.
    callback : callable, optional
        ``callback(intermediate)`` after each iteration with a :class:`~sciml.pinn.BVPIntermediate`;
        raise ``StopIteration`` to stop.
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` (the result attached) instead of returning a result
        with ``success=False``.
    progress : bool
        Show a progress bar on stderr (iteration, loss, elapsed); off by default.

    Returns
    -------
    BVPResult
        ``x``, ``y``, ``sol``, ``success``, ``status``, ``message``, ``stop_reason``, ``niter``, ``history``, ...
        (the status table is in :class:`~sciml.pinn.result.BVPResult`). A run that stops without meeting a
        convergence test also issues a :class:`ConvergenceWarning`. The result is always the final iterate.

    Examples
    --------
    >>> problem = BVP("u'' + u = 0", domain=(0, "pi/2"), conditions=["u(0) = 0", "u(pi/2) = 1"])
    >>> result = solve(problem)
    >>> x = torch.linspace(0, math.pi / 2, 1000, dtype=torch.float64)
    >>> bool((result.sol(x) - torch.sin(x)).abs().max() < 1e-6), result.method
    (True, 'lm')
    """
    options = {name: value for name, value in locals().items() if name != "problem"}
    start = time.perf_counter()
    if not isinstance(problem, BVP):
        raise TypeError(f"problem must be a sciml.pinn.BVP, got {type(problem).__name__}")
    if continuation is not None:
        return _continuation.run(solve, problem, _continuation.stages(problem, continuation),
                                 {**options, "continuation": None})
    _check_options(method, constraints, max_iter, warmup, lr, checkpoint_every, resume, callback, throw, progress,
                   rtol=rtol, atol=atol, xtol=xtol, ftol=ftol, condition_weight=condition_weight,
                   data_weight=data_weight, **({} if gtol is None else {"gtol": gtol}))
    _check_network(hidden, n_points, collocation)
    gtol = (GTOL_DATA if problem.data is not None else 0.0) if gtol is None else float(gtol)
    spec = as_resample(resample)
    path = None if checkpoint is None else checkpoint_path(checkpoint)
    source = checkpoint_path(theta0, "theta0") if isinstance(theta0, str | os.PathLike) else None
    if resume:
        if path is None:
            raise ValueError("resume=True needs checkpoint='run.pt', the file to continue from")
        if source is not None:
            raise ValueError("pass either resume=True (continue checkpoint=) or theta0=path, not both")
        source = path if path.exists() else None
    dtype = resolve_dtype(dtype)
    if generator is None:
        generator = torch.Generator().manual_seed(DEFAULT_SEED)

    order = max([*derivative_orders(problem).values(), *(v.order for c in problem.conditions for v in c.values)])
    net = TanhMLP(hidden, len(problem.functions), problem.domain)
    ansatz = Ansatz(problem, order, hard=constraints == "hard", dtype=dtype, device=device)
    x = collocation_points(problem.domain, n_points, collocation, generator=generator, dtype=dtype, device=device)
    weights = (condition_weight, data_weight)
    n_z = net.n_params + len(problem.unknowns)
    plan = ["adam"] * (warmup > 0) + [_choose(method, _rows(problem, x, ansatz, spec), n_z)]
    expected = signature(problem, net, constraints)
    notes = [end.note for end in problem.singular]
    if source is not None:
        data = load_run(source, expected, dtype=dtype, device=device)
        if data["plan"] != plan:
            raise ValueError(f"checkpoint {str(source)!r} was written by a run of {'+'.join(data['plan'])}; this "
                             f"run is {'+'.join(plan)}: pass the same method= and warmup= to resume it")
        state = RunState(z=data["z"], x=data["x"], history=data["history"].tolist(),
                         **{name: data[name] for name in RunState.FIELDS})
        generator.set_state(data["generator"])
    else:
        theta, guesses = _initial(theta0, problem, net, generator, dtype, device)
        if guess is not None:
            if isinstance(guess, BVPResult) and set(guess.unknowns) == set(problem.unknowns):
                guesses = torch.tensor([guess.unknowns[k] for k in problem.unknowns], dtype=dtype, device=device)
            fit = Residuals(problem, net, ansatz, x)
            mirrored = guess_values(guess, problem, problem.domain[0] + problem.domain[1] - x)
            theta, misfit = fit_guess(fit, theta, guess_values(guess, problem, x), generator, mirrored)
            notes.append(f"the trial function was fitted to guess= first (relative misfit {misfit:.1e})")
            if not isinstance(guess, BVPResult) and problem.unknowns:
                guesses = fit_unknowns(fit, theta, guesses)
                fitted = dict(zip(problem.unknowns, guesses.tolist(), strict=True))
                notes.append(f"the unknowns fitted to the guess: {fitted}")
            if max_iter > 0:  # max_iter=0: the fit alone
                z = approach(Residuals(problem, net, ansatz, x, condition_weight=condition_weight,
                                       data_weight=data_weight), torch.cat([theta, guesses]))
                theta, guesses = z[:net.n_params], z[net.n_params:]
        state = RunState(z=torch.cat([theta, guesses]), x=x)

    def make_sol(theta):
        return PINNSolution(net, ansatz, theta, problem.functions)

    steps = [warmup] * (warmup > 0) + [max_iter]
    with progress_bar(progress, total=sum(steps), desc=f"pinn.solve ({'+'.join(plan)})") as bar:
        trainer = Trainer(problem, net, ansatz, state, plan=plan, weights=weights, rtol=rtol, atol=atol,
                          xtol=xtol, ftol=ftol, gtol=gtol, callback=callback, make_sol=make_sol, resample=spec,
                          generator=generator, path=path, every=checkpoint_every, signature=expected, bar=bar)
        try:
            stop = trainer.run(steps, lr)
        except BaseException as exc:
            if path is not None:
                trainer.save(consistent=not trainer.in_step)
                exc.add_note(f"sciml.pinn.solve saved iteration {state.niter} to {str(path)!r}; continue with "
                             "resume=True")
            raise
    if path is not None:
        trainer.save()
    result = _result(problem, trainer, stop, make_sol, dtype, time.perf_counter() - start, notes)
    fresh = guess is None and theta0 is None and source is None
    if (fresh and not result.success and result.status in (Status.MAX_ITER, Status.NO_PROGRESS)
            and result.niter >= STALL_MIN_ITER):  # a thin layer: continue in its small coefficient
        result = _continuation.retry(solve, problem, result, options) or result
        fresh = not any("continued automatically" in n for n in result.notes)
    if stalled(result) and warmup == 0 and plan == ["lm"] and fresh:
        result = restart(solve, problem, result, options)
    if stalled(result):
        result = dataclasses.replace(result, message=f"{STALL_ADVICE} ({result.message})")
    return conclude(result, throw=throw, category=ConvergenceWarning,
                    message=f"sciml.pinn.solve: {result.message} (relative residual {result.residual:.2e})")


def check_options(**options) -> dict:
    """Check keyword options of :func:`solve` without solving (what a problem file's ``[solver]`` table gives).

    Parameters
    ----------
    **options
        Any keyword arguments of :func:`solve`; the others take its defaults.

    Returns
    -------
    dict
        ``options``, unchanged.

    Raises
    ------
    TypeError, ValueError
        An unknown option, or a value of the wrong type or out of range, named as :func:`solve` names it.

    Examples
    --------
    >>> check_options(n_points=32, method="lbfgs")
    {'n_points': 32, 'method': 'lbfgs'}
    >>> check_options(n_points=1)
    Traceback (most recent call last):
    ...
    ValueError: n_points must be an integer >= 2, got 1
    """
    parameters = inspect.signature(solve).parameters
    unknown = sorted(set(options) - (set(parameters) - {"problem"}))
    if unknown:
        raise TypeError(f"solve() has no option {unknown[0]!r}; its options: {sorted(set(parameters) - {'problem'})}")
    values = {name: p.default for name, p in parameters.items() if name != "problem"} | options
    _check_options(values["method"], values["constraints"], values["max_iter"], values["warmup"], values["lr"],
                   values["checkpoint_every"], values["resume"], values["callback"], values["throw"],
                   values["progress"], rtol=values["rtol"], atol=values["atol"], xtol=values["xtol"],
                   ftol=values["ftol"], condition_weight=values["condition_weight"],
                   data_weight=values["data_weight"], **({} if values["gtol"] is None else {"gtol": values["gtol"]}))
    _check_network(values["hidden"], values["n_points"], values["collocation"])
    as_resample(values["resample"])
    return options


def _check_network(hidden, n_points, collocation) -> None:
    if isinstance(collocation, str):
        check_int(n_points, "n_points", low=2)
    if not isinstance(hidden, list | tuple):
        raise TypeError(f"hidden must be a list of layer widths such as (20, 20), got {hidden!r}")
    if not hidden:
        raise ValueError("hidden must have at least one layer width, such as (20, 20); got ()")
    for i, width in enumerate(hidden):
        check_int(width, f"hidden[{i}]", low=1)


def _check_options(method, constraints, max_iter, warmup, lr, checkpoint_every, resume, callback, throw, progress,
                   **tols):
    check_choice(method, "method", METHODS)
    check_choice(constraints, "constraints", ("hard", "soft"))
    check_int(max_iter, "max_iter", low=0)
    check_int(warmup, "warmup", low=0)
    for name, value in tols.items():
        check_real(value, name, low=0)
    check_real(lr, "lr", low=0, low_open=True)
    check_real(checkpoint_every, "checkpoint_every", low=0)
    for name, value in (("resume", resume), ("throw", throw), ("progress", progress)):
        check_bool(value, name)
    check_callable(callback, "callback", "callback(intermediate)")


def _rows(problem, x, ansatz, spec) -> int:
    """Most rows the residual vector will have (after the refinements that add points)."""
    n = x.shape[0] + (spec.rounds * spec.n_add if spec is not None and not spec.replace else 0)
    data = 0 if problem.data is None else problem.data[0].shape[0] * len(problem.functions)
    return n * len(problem.residuals) + len(ansatz.soft) + data


def _choose(method: str, rows: int, n_z: int) -> str:
    if method != "auto":
        return method
    return "lm" if rows * n_z <= AUTO_LM_MAX_ENTRIES else "lbfgs"


def _result(problem, trainer, stop, make_sol, dtype, seconds, notes) -> BVPResult:
    state, residuals = trainer.state, trainer.residuals
    theta, p = residuals.split(state.z)
    sol = make_sol(theta)
    x = state.x
    norm, scale = residuals.relative(state.z)
    between = Residuals(problem, residuals.net, residuals.ansatz, (x[1:] + x[:-1]) / 2) if x.shape[0] > 1 \
        else residuals
    norm_b, scale_b = between.relative(state.z)
    relative, relative_between = _ratio(norm, scale), _ratio(norm_b, scale_b)
    if stop.success and relative_between > BETWEEN_FACTOR * max(relative, trainer.rtol, 1e-12):
        stop = Stop(Status.UNDERRESOLVED, f"{stop.message}, but the relative residual between the collocation "
                    f"points, {relative_between:.1e}, is over {BETWEEN_FACTOR:g} times the one at them "
                    f"({relative:.1e}): the fit only interpolates its points; use more points (n_points=) or "
                    "resample=")
    with torch.no_grad():
        y = sol(x)
    if (stop.status not in (Status.CALLBACK, Status.NONFINITE) and problem.unknowns
            and float(y.abs().max()) <= TRIVIAL_ATOL):
        stop = Stop(Status.TRIVIAL, f"{stop.message}; the solution is identically zero (max |u| = "
                    f"{float(y.abs().max()):.1e}, unknowns {trainer.unknowns(p)}): the trivial solution, which "
                    "satisfies every equation; give guess= a function of the shape wanted (e.g. with the number of "
                    "zeros of the eigenfunction), or a normalization such as integrate(u**2, (x, a, b)) = 1")
    message = stop.message
    if dtype == torch.float32 and stop.status in (Status.NO_PROGRESS, Status.LINE_SEARCH) and relative < 1e-3:
        message = (f"float32 precision limit: {message} (relative residual {relative:.1e}, near float32 "
                   "rounding); use dtype=torch.float64")
    return BVPResult(
        x=x, y=y, sol=sol, success=stop.success, status=BVPStatus(int(stop.status)), message=message,
        stop_reason=STOP_REASONS[int(stop.status)],
        niter=state.niter, nfev=state.nfev, njev=state.njev, loss=state.history[-1], residual=relative,
        residual_between=relative_between, history=torch.tensor(state.history, dtype=torch.float64),
        unknowns=trainer.unknowns(p), network=residuals.net.module(theta), theta=theta.detach(), seconds=seconds,
        method="+".join(trainer.plan), resamples=state.resamples, notes=tuple(notes),
        problem=problem,
    )


def _initial(theta0, problem, net, generator, dtype, device):
    guesses = torch.tensor(list(problem.unknowns.values()), dtype=dtype, device=device)
    if theta0 is None:
        return net.init(generator, dtype=dtype, device=device), guesses
    if isinstance(theta0, BVPResult):
        if set(theta0.unknowns) == set(problem.unknowns):
            guesses = torch.tensor([theta0.unknowns[k] for k in problem.unknowns], dtype=dtype, device=device)
        theta0 = theta0.theta
    theta = as_tensor(theta0, "theta0", dtype=dtype, device=device, ndim=1)
    if theta.shape[0] != net.n_params:
        raise ValueError(f"theta0 has {theta.shape[0]} entries but the network {net.sizes} has {net.n_params} "
                         "parameters; pass the same hidden= as the run it comes from")
    return theta.detach().clone(), guesses


def _ratio(norm: float, scale: float) -> float:
    return norm / scale if scale > 0 else (0.0 if norm == 0 else math.inf)
