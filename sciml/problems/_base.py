"""What every problem is: a statement, a solver call, independent references with tolerances, a figure.

A problem kind subclasses :class:`Problem`, names its ``kind`` and ``capability`` (the subpackage it
exercises), and implements ``statement``, ``solve``, ``references``, ``from_spec`` (reading its file format
through :class:`~sciml.problems._spec.Spec`) and optionally ``plot``; what several kinds need (exact constants,
SymPy values, error metrics, plot helpers) is in :mod:`sciml.problems._references`. Data flows one way:
problem → ``solve()`` → result → ``Reference.error(result)`` → :class:`Comparison` rows.
"""

from __future__ import annotations

import dataclasses
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from sciml._validation import check_choice, check_real
from sciml.results import Result


def format_value(value) -> str:
    """Numbers, nested lists and arrays on one line with up to 10 significant digits: ``[[3, 1], [1, 2]]``."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


#: arrays with more entries than this are shown by their first entries and their shape in :func:`brief`
BRIEF_ENTRIES = 9


def _brief_number(x, digits: int) -> str:
    if isinstance(x, complex | np.complexfloating):
        if x.imag == 0:
            return _brief_number(x.real, digits)
        return f"{_brief_number(x.real, digits)}{'-' if x.imag < 0 else '+'}{_brief_number(abs(x.imag), digits)}i"
    if isinstance(x, bool | np.bool_ | str):
        return str(x)
    if isinstance(x, int | np.integer):
        return str(int(x))
    x = float(x) + 0.0  # no "-0"
    return f"{x:.{digits}g}" if x == x and abs(x) != float("inf") else str(x)


def brief(value, digits: int = 7) -> str:
    """A computed or reference value in a short line for tables: numbers to ``digits`` significant digits,
    complex ones as ``a+bi``, arrays nested in brackets (``[[2, 1], [1, 3]]``); an array of more than
    :data:`BRIEF_ENTRIES` entries shows its first ones and its shape (``[1, 2, 3, 4, …] (10 entries)``).
    Tuples and lists of differently shaped parts are shown part by part in parentheses.

    >>> brief([1/3, 2.0, -1e-20]), brief(1 + 2j), brief(list(range(12)))
    ('[0.3333333, 2, -1e-20]', '1+2i', '[0, 1, 2, 3, …] (12 entries)')
    """
    if isinstance(value, str):
        return value
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged: parts of different shapes
        arr = None
    if arr is None or arr.dtype == object:
        if isinstance(value, list | tuple):
            return "(" + ", ".join(brief(v, digits) for v in value) + ")"
        return str(value)
    if arr.ndim == 0:
        return _brief_number(arr.item(), digits)
    if arr.size > BRIEF_ENTRIES:
        head = ", ".join(_brief_number(v, digits) for v in arr.reshape(-1)[:4].tolist())
        shape = f"{arr.size} entries" if arr.ndim == 1 else "×".join(map(str, arr.shape))
        return f"[{'[' * (arr.ndim - 1)}{head}, …] ({shape})"

    def nested(a):
        return "[" + ", ".join(nested(x) if isinstance(x, list) else _brief_number(x, digits) for x in a) + "]"

    return nested(arr.tolist())


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
    value : callable, optional
        ``value(result) -> str``: what the solver computed, as compared here, in a short line for the report
        (:func:`brief` of a vector; sampled values of a function).
    expected : callable, optional
        ``expected() -> str``: what this reference says, in the same form.
    """

    name: str
    label: str
    tol: float
    error: Callable[[Any], float] = dataclasses.field(repr=False, compare=False)
    value: Callable[[Any], str] | None = dataclasses.field(default=None, repr=False, compare=False)
    expected: Callable[[], str] | None = dataclasses.field(default=None, repr=False, compare=False)


@dataclasses.dataclass(repr=False)
class Comparison(Result):
    """One row of a verification table: a solver's answer against one reference; ``value`` is what the solver
    computed and ``expected`` what the reference says, each in a short line (None where the kind shows none)."""

    problem: str
    method: str
    reference: str
    error: float
    tol: float
    passed: bool
    seconds: float
    note: str | None = None
    value: str | None = None
    expected: str | None = None


#: the cost tiers of catalog problems, cheapest first
TIERS = ("quick", "full")


@dataclasses.dataclass(eq=False)
class Problem(ABC):
    """Base class of catalog problems. Subclasses are dataclasses whose fields are the statement.

    Common fields: ``name`` (registry key), ``title``, ``description`` and ``tolerances``, a mapping from
    reference name (``exact``, ``sympy``, ``scipy``, ...) to the tolerance the solver must meet against it;
    only the references named there are checked.
    """

    #: the kind's name in problem files and ``sciml list`` (see ``sciml.problems.KINDS``)
    kind: ClassVar[str]
    #: the sciml subpackage the kind exercises (``calculus``, ``optimize``, ``pinn``, ...): ``--kind`` selects by it too
    capability: ClassVar[str | None] = None
    #: whether ``solve`` takes ``progress=True`` (its solver runs long enough for a progress bar)
    progress: ClassVar[bool] = False
    #: reference names this kind can build, with their labels
    reference_labels: ClassVar[dict[str, str]] = {}

    name: str = dataclasses.field(default="", kw_only=True)
    title: str = dataclasses.field(default="", kw_only=True)
    description: str = dataclasses.field(default="", kw_only=True)
    tolerances: dict[str, float] = dataclasses.field(default_factory=dict, kw_only=True)
    #: cost tier: ``"quick"`` problems make the default ``sciml verify``; ``"full"`` ones run with ``--all``
    tier: str = dataclasses.field(default="quick", kw_only=True)
    #: the file's table it was read from (``None`` for problems built in Python): what :func:`sweep` varies
    spec_data: dict | None = dataclasses.field(default=None, kw_only=True, repr=False)

    def __post_init__(self):
        unknown = sorted(set(self.tolerances) - set(self.reference_labels))
        if unknown:
            raise ValueError(
                f"tolerances: {self.kind} problems have no reference {unknown[0]!r}; "
                f"choose from {sorted(self.reference_labels)}"
            )
        self.tier = check_choice(self.tier, "tier", TIERS)
        for key, tol in self.tolerances.items():
            check_real(tol, f"tolerances[{key!r}]", low=0, low_open=True)

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

    def _reference(self, name: str, error: Callable[[Any], float], value: Callable[[Any], str] | None = None,
                   expected: Callable[[], str] | None = None) -> Reference:
        return Reference(name, self.reference_labels[name], self.tolerances[name], error, value, expected)

    def _compare_with(self, answers: dict[str, Callable[[], Any]], error: Callable[[Any, Any], float],
                      value: Callable[[Any], str] | None = None,
                      expected: Callable[[Any], str] | None = brief) -> list[Reference]:
        """The references named in ``tolerances``, in that order: reference ``name`` scores a result by
        ``error(result, answers[name]())``. Answers are computed once, when the reference is checked, so a
        crashing reference fails its own row only. For the report, ``value(result)`` shows what the solver
        computed and ``expected(answer)`` what the reference says (default: :func:`brief` of the answer)."""
        refs = []
        for name in self.tolerances:
            answer = functools.cache(answers[name])
            shown = None if expected is None else (lambda answer=answer: expected(answer()))
            refs.append(self._reference(name, lambda r, answer=answer: error(r, answer()), value, shown))
        return refs
