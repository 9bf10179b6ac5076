"""The result vocabulary every sciml solver shares: statuses, result objects, warnings, ``throw=True``.

- :class:`Status` — every status code sciml uses, one meaning per code in every subpackage (0 is success,
  as in SciPy). Each capability's enum (:class:`sciml.optimize.Status`, :class:`sciml.qp.QPStatus`, ...) is
  a :class:`StatusCode` holding the subset of these members it can return, with the same names and codes;
  ``status.hint`` says what to try, ``status.success`` whether the answer can be used.
- :class:`Result` — the base of the result dataclasses: SciPy's field names (``x``, ``fun``, ``success``,
  ``status``, ``message``, ``nit``, ``nfev``), printed the way NumPy prints arrays.
- :class:`ConvergenceWarning` — the root of every warning about a solve that did not converge;
  :class:`ConvergenceError` is what ``throw=True`` raises instead, with the result attached.
- :func:`conclude` — how a solver ends: warn (default) or raise (``throw=True``) when the result failed.

>>> from sciml.optimize import minimize
>>> res = minimize(lambda x: ((x - 1) ** 2).sum(), [3.0, -2.0])
>>> res.status, res.status.success, [round(v, 12) for v in res.x.tolist()]
(<Status.SUCCESS: 0>, True, [1.0, 1.0])
>>> res.status == Status.SUCCESS == 0
True
"""

from __future__ import annotations

import dataclasses
import enum
import math
import warnings

import numpy as np
import torch

__all__ = ["STOP_REASONS", "ConvergenceError", "ConvergenceWarning", "Result", "Status", "StatusCode", "conclude",
           "format_value", "status_enum"]


class ConvergenceWarning(RuntimeWarning):
    """A solver stopped without meeting its convergence test; every sciml convergence warning derives from it.

    The result is still returned (``success=False``, a ``status`` and a ``message`` saying what to try);
    pass ``throw=True`` to the solver to raise :class:`ConvergenceError` instead.
    """


class ConvergenceError(RuntimeError):
    """Raised by a solver called with ``throw=True`` when its result failed; ``error.result`` holds it."""

    def __init__(self, message: str, result):
        super().__init__(message)
        self.result = result


class StatusCode(enum.IntEnum):
    """Base of every status enum: integer codes from :class:`Status`, with ``hint`` and ``success``.

    A capability's enum is made by :func:`status_enum` from the names of the members its solver can return;
    ``tests/test_results.py`` checks that every enum keeps to the table.

    Members of different enums with the same name are equal (``LMStatus.MAX_ITER == Status.MAX_ITER == 1``)
    but not identical: compare statuses with ``==``, not ``is``.
    """

    @property
    def hint(self) -> str:
        """What the status means, as a fix-it message."""
        return type(self).__dict__.get("_hints", {}).get(self.name) or _HINTS[int(self)]

    @property
    def success(self) -> bool:
        """Whether a result with this status is an answer that can be used."""
        return int(self) in _SUCCESS

    @classmethod
    def decode(cls, codes):
        """The enum members of a code or a tensor of codes (batched results), as a nested list."""
        if isinstance(codes, torch.Tensor):
            values = codes.tolist()
        else:
            values = codes
        if isinstance(values, list):
            return [cls.decode(v) for v in values]
        return cls(int(values))


class Status(StatusCode):
    """Every status code of sciml. The same name has the same code and meaning in every subpackage."""

    SUCCESS = 0
    MAX_ITER = 1
    LINE_SEARCH = 2
    NONFINITE = 3
    UNBOUNDED = 4
    SECOND_ORDER = 5
    NO_PROGRESS = 6
    XTOL = 7
    FTOL = 8
    INFEASIBLE = 9
    MINIMIZER_NOT_UNIQUE = 10
    MULTIPLIERS_NOT_UNIQUE = 11
    NO_PEAKS = 12
    NOT_REFINED = 13
    OUT_OF_RANGE = 14
    UNDERRESOLVED = 15
    EARLY_STOPPED = 16
    GTOL = 17
    TRIVIAL = 18
    NOTHING_CHECKED = 19
    MISMATCH = 20
    BREAKDOWN = 21
    INDEFINITE = 22
    INACCURATE = 23
    CALLBACK = 99  # SciPy's code for a callback that raised StopIteration


_HINTS = {
    Status.SUCCESS: "converged: the convergence test was met",
    Status.MAX_ITER: "the iteration limit came first; raise max_iter, or start closer to the solution",
    Status.LINE_SEARCH: "the line search found no acceptable step; usually the tolerance is below what the "
                        "precision of the objective allows: loosen it, or check the gradient",
    Status.NONFINITE: "the objective, residual or a derivative became NaN or infinite; the last finite iterate "
                      "is kept: check the domain of the function, start elsewhere or take smaller steps",
    Status.UNBOUNDED: "the objective decreases without bound: the problem appears to be unbounded below",
    Status.SECOND_ORDER: "stopped at a stationary point where second-order conditions fail",
    Status.NO_PROGRESS: "no step reduces the objective any more: it is at the rounding level of the dtype, or "
                        "at a local minimum",
    Status.XTOL: "converged: the step fell below xtol relative to the variables",
    Status.FTOL: "converged: the objective fell by less than ftol (relative)",
    Status.INFEASIBLE: "infeasible: the constraints cannot all be met; check them",
    Status.MINIMIZER_NOT_UNIQUE: "the minimizer is not unique: a whole set of points is optimal; the minimum-norm "
                                 "one is returned; add a constraint or a regularization",
    Status.MULTIPLIERS_NOT_UNIQUE: "the minimizer is unique, but the multipliers are not (redundant constraints); "
                                   "the minimum-norm multipliers are returned",
    Status.NO_PEAKS: "nothing to report: no component above the threshold",
    Status.NOT_REFINED: "not refined (as asked): the estimates of the first stage",
    Status.OUT_OF_RANGE: "the estimate left the range where it means anything (e.g. a frequency beyond Nyquist); "
                         "start closer to the solution",
    Status.UNDERRESOLVED: "the residual between the collocation points is far above the one at them: the fit only "
                          "interpolates its points; use more points (n_points=) or resampling",
    Status.EARLY_STOPPED: "converged: the monitored metric stopped improving for `patience` epochs; the weights of "
                          "its best epoch are restored",
    Status.GTOL: "converged: the gradient Jᵀr is below gtol relative to ‖J‖‖r‖ (a least-squares solution: no "
                 "parameter change reduces the residual to first order; data that cannot be fit exactly end here)",
    Status.TRIVIAL: "the solution found is identically zero, the trivial solution of a homogeneous problem: give a "
                    "guess= of the shape wanted, or a normalization such as integrate(u**2, (x, a, b)) = 1",
    Status.NOTHING_CHECKED: "nothing was compared: no point could be checked (none is in the function's domain, or "
                            "every one was skipped); pass domain= (or points=) where the function is defined",
    Status.MISMATCH: "a computed value disagrees with its independent reference beyond the tolerance",
    Status.BREAKDOWN: "the Krylov recurrence broke down (a division by a quantity that vanished): restart from the "
                      "last iterate (x0=), use another method (gmres), or a preconditioner",
    Status.INDEFINITE: "the operator (or the preconditioner) is not positive definite (or not symmetric), which the "
                       "method requires: use minres for symmetric indefinite, gmres or bicgstab for general operators",
    Status.INACCURATE: "solved to a looser accuracy than asked (within 1000 times the tolerance): the answer is "
                       "close but not certified; check the residuals, rescale the problem or loosen the tolerance",
    Status.CALLBACK: "`callback` raised StopIteration",
}
_SUCCESS = {int(s) for s in (Status.SUCCESS, Status.XTOL, Status.FTOL, Status.MULTIPLIERS_NOT_UNIQUE,
                             Status.NO_PEAKS, Status.NOT_REFINED, Status.EARLY_STOPPED, Status.GTOL)}
#: the short names of the stops of residual minimizations, as their ``stop_reason`` fields give them
STOP_REASONS = {
    Status.NONFINITE: "nan", Status.MAX_ITER: "max_iter", Status.SUCCESS: "residual", Status.XTOL: "xtol",
    Status.FTOL: "ftol", Status.NO_PROGRESS: "no_progress", Status.CALLBACK: "callback",
    Status.LINE_SEARCH: "line_search", Status.UNDERRESOLVED: "underresolved", Status.GTOL: "gtol",
    Status.TRIVIAL: "trivial",
}
#: names a capability may use for a shared member, and the shared name they stand for
ALIASES = {"OPTIMAL": "SUCCESS"}


def status_enum(name: str, members: str, *, doc: str, hints: dict[str, str] | None = None,
                module: str | None = None) -> type[StatusCode]:
    """A capability's status enum: the named members of :class:`Status`, with their codes.

    Parameters
    ----------
    name : str
        The enum's name (``"QPStatus"``).
    members : str
        Member names separated by spaces, each a :class:`Status` name or one of :data:`ALIASES` (which takes
        its shared member's code; put it first to make it the canonical name, and list the shared name after
        it as its alias).
    doc : str
        The enum's docstring.
    hints : dict, optional
        Member name → fix-it message, where the capability can say more than :class:`Status`'s hint.
    module : str, optional
        The defining module's ``__name__`` (for pickling and reprs).

    Returns
    -------
    type
        A :class:`StatusCode` subclass.

    Examples
    --------
    >>> FitStatus = status_enum("FitStatus", "MAX_ITER XTOL FTOL", doc="How a fit ended.")
    >>> FitStatus.XTOL, FitStatus.XTOL == Status.XTOL, FitStatus.XTOL.success
    (<FitStatus.XTOL: 7>, True, True)
    """
    names = members.split()
    cls = StatusCode(name, [(n, int(Status[ALIASES.get(n, n)])) for n in names], module=module)
    cls.__doc__ = doc
    cls._hints = dict(hints or {})
    return cls


def conclude(result, *, throw: bool, category: type[Warning] = ConvergenceWarning, message: str | None = None,
             stacklevel: int = 3):
    """End a solve: return ``result``; when it failed, warn with ``category`` or, with ``throw``, raise.

    Parameters
    ----------
    result : Result
        The solver's result; anything with ``success`` and ``message``.
    throw : bool
        Raise :class:`ConvergenceError` (with ``result`` attached) instead of warning.
    category : type of Warning
        A subclass of :class:`ConvergenceWarning` naming the solver's failure.
    message : str, optional
        The text of the warning or error; default ``result.message``.
    stacklevel : int
        Points the warning at the user's call (3: the caller of the solver that calls ``conclude``).

    Returns
    -------
    Result
        ``result`` itself.

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(repr=False)
    ... class Out(Result):
    ...     success: bool
    ...     message: str
    >>> conclude(Out(True, "converged"), throw=True).message
    'converged'
    >>> try:
    ...     conclude(Out(False, "max_iter reached"), throw=True)
    ... except ConvergenceError as error:
    ...     print(error, error.result.success)
    max_iter reached False
    """
    if not result.success:
        text = result.message if message is None else message
        if throw:
            raise ConvergenceError(text, result)
        warnings.warn(text, category, stacklevel=stacklevel)
    return result


# -- printing ------------------------------------------------------------------------------------------------

#: arrays with more entries than this are summarized (first and last entries, with the shape)
THRESHOLD = 24


def _number(v) -> str:
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, complex | np.complexfloating):
        return repr(complex(v))
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    return np.format_float_positional(v, precision=10, unique=True, fractional=False, trim="0") \
        if 1e-4 <= abs(v) < 1e10 or v == 0 else np.format_float_scientific(v, precision=9, unique=True, trim="0")


def _array(t: torch.Tensor, indent: int) -> str:
    a = t.detach().cpu().resolve_conj().numpy()
    if a.ndim == 0:
        return _number(a.item())
    with np.printoptions(precision=8, threshold=THRESHOLD, edgeitems=3, linewidth=120, suppress=False):
        body = np.array2string(a, separator=", ", prefix=" " * (indent + 7))
    extras = []
    if a.size > THRESHOLD or a.size == 0:
        extras.append(f"shape={tuple(a.shape)}")
    if t.dtype not in (torch.float64, torch.int64, torch.bool):
        extras.append(f"dtype={str(t.dtype).removeprefix('torch.')}")
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    return f"tensor({body}{''.join(', ' + e for e in extras)})"


def format_value(value, indent: int = 0) -> str:
    r"""``value`` as a result's repr shows it: arrays as NumPy prints them, numbers in full, enums by name.

    Parameters
    ----------
    value : object
        A tensor, array, number, status, string, list, dict or result.
    indent : int
        Columns before the value on its first line, so that the rows of a matrix line up.

    Returns
    -------
    str

    Examples
    --------
    >>> import torch
    >>> format_value(torch.tensor([[802.0, -400.0], [-400.0, 200.0]], dtype=torch.float64))
    'tensor([[ 802., -400.],\n        [-400.,  200.]])'
    >>> format_value(torch.tensor(3.0, dtype=torch.float64)), format_value(Status.MAX_ITER)
    ('3.0', 'MAX_ITER (1)')
    """
    if isinstance(value, torch.Tensor):
        return _array(value, indent)
    if isinstance(value, np.ndarray):
        return _array(torch.from_numpy(value), indent)
    if isinstance(value, StatusCode):
        return f"{value.name} ({int(value)})"
    if isinstance(value, bool | int | float | complex | np.number):
        return _number(value)
    if isinstance(value, str):  # messages are read in full
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_value(v, indent)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple) and value and all(isinstance(v, Result) for v in value):
        pad = " " * (indent + 2)
        return "[\n" + ",\n".join(pad + v.summary() for v in value) + f"\n{' ' * indent}]"
    if isinstance(value, list | tuple) and len(value) > THRESHOLD:
        head = ", ".join(format_value(v, indent) for v in value[:3])
        tail = ", ".join(format_value(v, indent) for v in value[-3:])
        return f"[{head}, ..., {tail}] ({len(value)} items)"
    if isinstance(value, list | tuple):
        inner = ", ".join(format_value(v, indent) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, Result):
        return value.summary()
    if type(value).__repr__ is object.__repr__ and callable(value):
        return f"<{getattr(value, '__name__', type(value).__name__)}>"
    return repr(value)


class Result:
    """Mixin for result dataclasses: ``repr`` lists the fields aligned, one per line, like SciPy's results.

    Subclasses are ``@dataclass(repr=False)``. Fields whose value is ``None`` are left out of the repr;
    arrays print as NumPy prints them (small ones in full, large ones summarized with their shape).
    """

    def _items(self):
        items = [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self) if f.repr]
        return [(k, v) for k, v in items if v is not None]

    def summary(self) -> str:
        """One line: the class and its scalar fields (what a list of results shows per item)."""
        parts = [f"{k}={format_value(v)}" for k, v in self._items()
                 if isinstance(v, str | bool | int | float | StatusCode) or (isinstance(v, torch.Tensor)
                                                                            and v.numel() == 1)]
        return f"{type(self).__name__}({', '.join(parts)})"

    def __repr__(self) -> str:
        items = self._items()
        if not items:
            return f"{type(self).__name__}()"
        width = max(len(k) for k, _ in items)
        lines = [f"{k.rjust(width)}: {format_value(v, width + 4)}" for k, v in items]
        return f"{type(self).__name__}(\n" + "\n".join("  " + line for line in lines) + "\n)"

    def __str__(self) -> str:
        return repr(self)
