"""What every problem is: a statement, a solver call, independent references with tolerances, a figure.

A problem kind subclasses :class:`Problem` and implements ``statement``, ``solve``, ``references``,
``from_spec`` (reading its file format) and optionally ``plot``. Data flows one way:
problem → ``solve()`` → result → ``Reference.error(result)`` → :class:`Comparison` rows.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from sciml._result import Result


def format_value(value) -> str:
    """Numbers, nested lists and arrays on one line with up to 10 significant digits: ``[[3, 1], [1, 2]]``."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def max_abs_error(answer, reference, what: str = "answer") -> float:
    """``max |answer − reference|`` over all entries (real or complex); 0 for empty arrays.

    Raises ``ValueError`` naming ``what`` when the shapes differ, so a wrong-shaped answer fails loudly.
    """
    a, b = np.asarray(answer), np.asarray(reference)
    if a.shape != b.shape:
        raise ValueError(f"{what}: answer has shape {a.shape}, reference {b.shape}")
    return float(np.max(np.abs(a - b), initial=0.0))


@dataclasses.dataclass(frozen=True)
class Reference:
    """An independent reference for a problem.

    Attributes
    ----------
    name : str
        Its key in the problem file (``exact``, ``sympy``, ``scipy``, ...).
    label : str
        What it is, for tables: ``"closed form"``, ``"sympy.diff"``, ``"scipy.integrate.solve_bvp"``.
    tol : float
        The largest error the solver's answer may have against it.
    error : callable
        ``error(result) -> float``, the error of a solver result against this reference (the norm is
        stated by the problem kind; usually the max absolute error).
    """

    name: str
    label: str
    tol: float
    error: Callable[[Any], float] = dataclasses.field(repr=False, compare=False)


@dataclasses.dataclass(repr=False)
class Comparison(Result):
    """One row of a verification table: a solver's answer against one reference."""

    problem: str
    method: str
    reference: str
    error: float
    tol: float
    passed: bool
    seconds: float
    note: str | None = None


@dataclasses.dataclass(eq=False)
class Problem(ABC):
    """Base class of catalog problems. Subclasses are dataclasses whose fields are the statement.

    Common fields: ``name`` (registry key), ``title``, ``description`` and ``tolerances``, a mapping from
    reference name (``exact``, ``sympy``, ``scipy``, ...) to the tolerance the solver must meet against it;
    only the references named there are checked.
    """

    kind: ClassVar[str]
    #: reference names this kind can build, with their labels
    reference_labels: ClassVar[dict[str, str]] = {}

    name: str = dataclasses.field(default="", kw_only=True)
    title: str = dataclasses.field(default="", kw_only=True)
    description: str = dataclasses.field(default="", kw_only=True)
    tolerances: dict[str, float] = dataclasses.field(default_factory=dict, kw_only=True)

    def __post_init__(self):
        unknown = sorted(set(self.tolerances) - set(self.reference_labels))
        if unknown:
            raise ValueError(
                f"tolerances: {self.kind} problems have no reference {unknown[0]!r}; "
                f"choose from {sorted(self.reference_labels)}"
            )
        for key, tol in self.tolerances.items():
            if not tol > 0:
                raise ValueError(f"tolerances[{key!r}] must be positive, got {tol!r}")

    @property
    def method(self) -> str:
        """The solver method used by :meth:`solve`, for tables."""
        return "default"

    @abstractmethod
    def statement(self) -> str:
        """The problem in words and formulas (plain text, one or a few lines)."""

    @abstractmethod
    def solve(self, **options) -> Any:
        """Solve with sciml and return the solver's result object."""

    @abstractmethod
    def references(self) -> list[Reference]:
        """The independent references named in ``tolerances``, in that order."""

    def plot(self, result, fig) -> bool:
        """Draw the result into the matplotlib ``fig``; return ``False`` when no figure helps."""
        return False

    @classmethod
    @abstractmethod
    def from_spec(cls, spec, **common) -> Problem:
        """Build the problem from a file's :class:`~sciml.problems.spec.Spec` (common keys already read)."""

    def _reference(self, name: str, error: Callable[[Any], float]) -> Reference:
        return Reference(name, self.reference_labels[name], self.tolerances[name], error)
