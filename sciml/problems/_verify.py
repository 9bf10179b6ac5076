"""Running a problem against its references: timing, comparison rows, and isolation of failures."""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
import warnings
from typing import Any

from sciml.problems._base import Comparison, Problem
from sciml.results import Result


@dataclasses.dataclass(repr=False)
class Verification(Result):
    """The outcome of :func:`verify_problem`: the solver's result and one comparison per reference.

    ``error`` holds the exception text when the solver or a reference crashed (the run goes on), and
    ``warnings`` the warnings raised while solving.
    """

    problem: Problem
    result: Any
    comparisons: list[Comparison]
    seconds: float
    error: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: where the problem's figure was saved, when it was drawn during the run (see ``verify_all``)
    figure: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.comparisons) and all(c.passed for c in self.comparisons)


def _crash_text(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _shown(describe, *args) -> str | None:
    """``describe(*args)`` for the report, or None when there is nothing to show or it fails (a failing
    description never changes a verdict: the error decides)."""
    if describe is None:
        return None
    try:
        return str(describe(*args))
    except Exception:
        return None


def verify_problem(problem: Problem, **options) -> Verification:
    """Solve ``problem`` (``options`` go to its ``solve``) and compare the result with every reference.

    Never raises for a failing or crashing problem: the failure is recorded in the returned
    :class:`Verification` so that a catalog run goes on.
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a sciml.problems.Problem (e.g. problems.load('seed_bvp')), got "
                        f"{type(problem).__name__}")
    method = problem.method
    start = time.perf_counter()
    caught: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            result = problem.solve(**options)
        caught = [f"{w.category.__name__}: {w.message}" for w in record]
    except Exception as exc:
        seconds = time.perf_counter() - start
        return Verification(problem, None, [], seconds, error=f"solve crashed: {_crash_text(exc)}")
    seconds = time.perf_counter() - start
    rows = []
    error = None
    try:
        references = problem.references()
    except Exception as exc:
        references = []
        error = f"references crashed: {_crash_text(exc)}"
    for ref in references:
        note = None
        try:
            err = float(ref.error(result))
        except Exception as exc:
            err, note = math.nan, f"reference crashed: {_crash_text(exc)}"
        passed = math.isfinite(err) and err <= ref.tol
        rows.append(Comparison(problem.name, method, ref.label, err, ref.tol, passed, seconds, note,
                               value=_shown(ref.value, result), expected=_shown(ref.expected)))
    return Verification(problem, result, rows, seconds, error=error, warnings=caught)
