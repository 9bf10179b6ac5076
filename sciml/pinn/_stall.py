"""Runs that stall far from a solution: a local minimum of the loss, not a lack of iterations.

Levenberg–Marquardt from a random network can settle where the loss is stationary but far from zero —
typically on nonlinear problems with several solutions, between their basins (a trial function with a jump
in the interior). More iterations do not help there. :func:`restart` solves once more with an Adam warm-up
(which leaves such basins) and keeps the better run; the message of a run that still stalls names what helps.
"""

from __future__ import annotations

import dataclasses
import warnings

from sciml.results import ConvergenceWarning, Status

#: a failed run whose relative residual (at or between the points: a jump) is above this has stalled far from
#: a solution (a local minimum of the loss): solve restarts it once with an Adam warm-up of AUTO_WARMUP steps
STALL_RESIDUAL, AUTO_WARMUP = 1e-3, 500
#: fewer iterations than this are a run the caller cut short on purpose, not a stall
STALL_MIN_ITER = 100
STALL_ADVICE = ("the run settled far from a solution, at a local minimum of the loss, where more iterations do not "
                "help (nonlinear problems with several solutions end here): give guess= near the solution wanted, "
                "or warmup= (an Adam warm-up), or another generator= seed")


def stalled(result) -> bool:
    """A failed Levenberg–Marquardt run far from any solution: a local minimum of the loss, not a lack of
    iterations (Adam and L-BFGS runs that stop at max_iter are slow, not stalled)."""
    return (not result.success and result.status in (Status.MAX_ITER, Status.NO_PROGRESS)
            and result.method.endswith("lm") and result.niter >= STALL_MIN_ITER
            and max(result.residual, result.residual_between) > STALL_RESIDUAL)


def restart(solve, problem, result, options) -> object:
    """Levenberg–Marquardt from random weights stalled: again with an Adam warm-up of :data:`AUTO_WARMUP` steps
    (the same seed), which leaves such basins; the better of the two runs is kept, with a note."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        retry = solve(problem, **{**options, "warmup": AUTO_WARMUP, "throw": False, "checkpoint": None})
    better = retry if retry.success or retry.residual < result.residual else result
    note = (f"Levenberg–Marquardt from the initial network stalled (relative residual {result.residual:.1e} at the "
            f"points, {result.residual_between:.1e} between them) "
            f"({result.stop_reason}); restarted with an Adam warm-up of {AUTO_WARMUP} steps: {retry.stop_reason}, "
            f"relative residual {retry.residual:.1e}" + ("" if better is retry else "; the first run is kept"))
    return dataclasses.replace(better, notes=(*better.notes, note), niter=result.niter + retry.niter,
                               nfev=result.nfev + retry.nfev, njev=result.njev + retry.njev,
                               seconds=result.seconds + retry.seconds)
