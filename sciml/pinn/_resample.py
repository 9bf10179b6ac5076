"""Residual-based resampling of collocation points (RAR): add points where the equation's residual is largest.

Every ``every`` iterations, or when the loss stalls, the residual ``F(x, u, u', …)`` of the current iterate is
evaluated on ``candidates`` points drawn uniformly from the interval (from the solve's ``generator``, so runs
are reproducible); the ``n_add`` candidates with the largest ``|F|`` join the collocation points, or, with
``replace=True``, take the places of the ``n_add`` collocation points with the smallest ``|F|``. This is the
residual-based adaptive refinement of Lu, Meng, Mao & Karniadakis, *DeepXDE: a deep learning library for
solving differential equations*, SIAM Review 63 (2021).
"""

from __future__ import annotations

import dataclasses

import torch

from sciml._validation import check_bool, check_int
from sciml.pinn._residual import Residuals

#: the loss must fall by at least this factor over ``stall`` iterations, or the points are refined
STALL_FACTOR = 0.5


@dataclasses.dataclass(frozen=True)
class Resample:
    """When and how :func:`~sciml.pinn.solve` refines its collocation points (``solve(..., resample=...)``).

    Parameters
    ----------
    every : int, optional
        Refine after every ``every`` iterations of the main optimizer.
    stall : int, optional
        Refine when the loss fell by less than half over the last ``stall`` iterations (and at least ``stall``
        iterations after the previous refinement). At least one of ``every`` and ``stall`` is needed.
    n_add : int
        Points added (or replaced) per refinement.
    candidates : int
        Size of the random candidate set on which the residual is evaluated.
    replace : bool
        Keep the number of points: drop the ``n_add`` points with the smallest residual.
    rounds : int
        Most refinements in one run.

    Examples
    --------
    >>> Resample(every=50, n_add=16)
    Resample(every=50, stall=None, n_add=16, candidates=1000, replace=False, rounds=10)
    """

    every: int | None = None
    stall: int | None = None
    n_add: int = 8
    candidates: int = 1000
    replace: bool = False
    rounds: int = 10

    def __post_init__(self):
        for name in ("every", "stall"):
            value = getattr(self, name)
            check_int(value, f"resample: {name}", low=1, none=True)
        if self.every is None and self.stall is None:
            raise ValueError("resample: give every=k (refine every k iterations) and/or stall=k (refine when the "
                             "loss stalls for k iterations)")
        for name in ("n_add", "candidates", "rounds"):
            value = getattr(self, name)
            check_int(value, f"resample: {name}", low=1)
        if self.n_add > self.candidates:
            raise ValueError(f"resample: n_add={self.n_add} exceeds candidates={self.candidates}; draw more "
                             "candidates than the points you add")
        check_bool(self.replace, "resample: replace")

    def due(self, phase_iter: int, history, last: int, done: int) -> bool:
        """Whether to refine after iteration ``phase_iter`` of the main optimizer (``last``: the iteration of
        the previous refinement, ``done``: refinements so far)."""
        if done >= self.rounds:
            return False
        if self.every is not None and phase_iter % self.every == 0:
            return True
        if self.stall is not None and phase_iter - last >= self.stall and len(history) > self.stall:
            return history[-1] > STALL_FACTOR * history[-1 - self.stall]
        return False


def as_resample(value) -> Resample | None:
    """``solve``'s ``resample=`` argument: ``None``, an int ``k`` (every k iterations), a dict of
    :class:`Resample`'s fields (as catalog files give it) or a :class:`Resample`."""
    if value is None or isinstance(value, Resample):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Resample(every=value)
    if isinstance(value, dict):
        unknown = sorted(set(value) - {f.name for f in dataclasses.fields(Resample)})
        if unknown:
            raise ValueError(f"resample: unknown option {unknown[0]!r}; choose from "
                             f"{[f.name for f in dataclasses.fields(Resample)]}")
        return Resample(**value)
    raise TypeError(f"resample must be None, an int (refine every k iterations), a dict or a "
                    f"sciml.pinn.Resample, got {type(value).__name__}")


def pointwise(residuals: Residuals, z: torch.Tensor) -> torch.Tensor:
    """``|F|`` at each of ``residuals``' collocation points (the norm over the equations), shape ``(N,)``."""
    n = residuals.x.shape[0]
    with torch.no_grad():
        rows = residuals(z)[: n * len(residuals.problem.residuals)]
    return rows.reshape(n, -1).norm(dim=1)


def refine(spec: Resample, residuals: Residuals, z: torch.Tensor, generator) -> torch.Tensor:
    """The refined collocation points (sorted) for the iterate ``z``."""
    x = residuals.x
    a, b = residuals.problem.domain
    draws = torch.rand(spec.candidates, generator=generator, dtype=torch.float64)
    candidates = (a + (b - a) * draws).to(dtype=x.dtype, device=x.device)
    scored = Residuals(residuals.problem, residuals.net, residuals.ansatz, candidates)
    top = candidates[torch.topk(pointwise(scored, z), spec.n_add).indices]
    if spec.replace:
        keep = torch.topk(pointwise(residuals, z), max(x.shape[0] - spec.n_add, 0)).indices
        x = x[keep]
    return torch.sort(torch.cat([x, top])).values
