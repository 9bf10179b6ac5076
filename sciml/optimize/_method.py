"""The interface every minimization method implements, and validation of its ``options``.

A method holds its options and its memory (momentum, quasi-Newton matrix). The driver in
:mod:`sciml.optimize._minimize` calls ``reset`` at the start and after an escape from a stationary point,
then ``step`` until convergence; stopping tests, second-order checks and callbacks are the driver's.
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import torch


@dataclasses.dataclass
class Step:
    """One iteration's outcome: the new point, its value and gradient; ``ok`` False when no step was found."""

    x: torch.Tensor
    f: float
    g: torch.Tensor
    ok: bool = True


@dataclasses.dataclass(frozen=True)
class Option:
    """A method option: default and allowed interval (open below, closed above unless ``closed`` says).

    ``None`` is accepted where it is the default.
    """

    default: object
    low: float = 0.0
    high: float = math.inf
    integer: bool = False
    closed: tuple[bool, bool] = (False, True)
    doc: str = ""

    def contains(self, value) -> bool:
        above = self.low <= value if self.closed[0] else self.low < value
        below = value <= self.high if self.closed[1] else value < self.high
        return above and below

    def interval(self) -> str:
        return f"{'[('[not self.closed[0]]}{self.low:g}, {self.high:g}{'])'[not self.closed[1]]}"


#: the options of the methods that use Armijo backtracking
BACKTRACKING = {
    "c1": Option(1e-4, 0.0, 0.5, closed=(False, False), doc="Armijo sufficient-decrease constant"),
    "shrink": Option(0.5, 0.0, 1.0, closed=(False, False), doc="backtracking factor"),
    "max_ls": Option(60, 0.0, 10_000, integer=True, doc="most backtracking steps per iteration"),
}


class Method:
    """Base class: subclasses set ``name``, ``option_specs`` and implement ``reset`` and ``step``."""

    name: str = ""
    option_specs: dict[str, Option] = {}
    #: whether the method honours ``bounds`` (the driver sets ``box``, a :class:`~sciml.optimize._bounds.Box`)
    supports_bounds: bool = False
    box = None

    def __init__(self, options: dict | None = None):
        options = {} if options is None else options
        if not isinstance(options, dict):
            raise TypeError(f"options must be a dict of {self.name} options, got {type(options).__name__}")
        self.options = {k: spec.default for k, spec in self.option_specs.items()}
        for key, value in options.items():
            if key not in self.option_specs:
                known = ", ".join(sorted(self.option_specs)) or "none"
                hint = ""
                if key in ("maxiter", "max_iter", "gtol", "tol", "callback"):
                    hint = f"; pass {'max_iter' if 'iter' in key else key}= to minimize as a keyword"
                raise TypeError(f"options: {key!r} is not an option of method {self.name!r} "
                                f"(its options: {known}){hint}")
            self.options[key] = self._check(key, value)

    def _check(self, key: str, value):
        spec = self.option_specs[key]
        if value is None and spec.default is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"options[{key!r}] must be a number, got {type(value).__name__} {value!r}")
        if spec.integer and int(value) != value:
            raise ValueError(f"options[{key!r}] must be an integer, got {value!r}")
        if not spec.contains(value):
            raise ValueError(f"options[{key!r}] must be in {spec.interval()}, got {value!r}")
        return int(value) if spec.integer else float(value)

    def default_max_iter(self, n: int) -> int:
        return 1000

    def reset(self, x: torch.Tensor, f: float, g: torch.Tensor) -> None:
        """Forget the memory (momentum, curvature pairs): start afresh at ``x``. Subclasses call super()."""
        self._f_prev = None

    def _settled(self, f: float) -> bool:
        """Whether ``f`` changed by less than 0.1 % since the last step: from then on the line searches
        also accept approximate sufficient decrease (see :mod:`sciml.optimize._linesearch`)."""
        settled = self._f_prev is not None and abs(self._f_prev - f) <= 1e-3 * abs(f)
        self._f_prev = f
        return settled

    def step(self, objective, x: torch.Tensor, f: float, g: torch.Tensor) -> Step:
        raise NotImplementedError


def line_phi(objective, x: torch.Tensor, d: torch.Tensor):
    """``phi(t) = (f, g)`` at ``x + t d`` for the line searches."""
    return lambda t: objective.value_and_grad(x + t * d)
