"""sciml.pinn's issue-13 entry points in the fuzz suite (tests/test_bad_input.py): junk as guess=, continuation=,
gtol= and integral conditions, and as the results the plots take, gives a named ValueError/TypeError or an honest
result, never a crash deep inside torch or SymPy."""

import matplotlib

from sciml import pinn
from sciml.pinn import references  # noqa: F401 (pinn.references)

matplotlib.use("Agg")

_SMALL = {"hidden": (4,), "n_points": 8, "max_iter": 2}


def _problem():
    return pinn.BVP("u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 1"], parameters={"eps": 1})


def _reference(guess):
    """solve_bvp from the guess; ending without a solution (NoReferenceError, e.g. from a guess of 1e108) is an
    honest answer, returned as the result."""
    try:
        return pinn.references.scipy_solution(pinn.BVP("u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 1"]), guess=guess,
                                              max_nodes=200)
    except pinn.references.NoReferenceError as exc:
        return exc


ENTRY_POINTS = {
    "pinn.solve(guess=)": lambda a, b: pinn.solve(_problem(), guess=a, **_SMALL),
    "pinn.solve(continuation=)": lambda a, b: pinn.solve(_problem(), continuation={"eps": a}, **_SMALL),
    "pinn.solve(gtol=)": lambda a, b: pinn.solve(_problem(), gtol=a, **_SMALL),
    "pinn.BVP(integral condition)": lambda a, b: pinn.BVP(
        "u'' + k*u = 0", (0, 1), ["u(0) = 0", "u(1) = 0", f"integrate(u**2, (x, {a!r}, {b!r})) = 1"],
        unknowns={"k": 1}),
    "pinn.references.scipy_solution(guess=)": lambda a, b: _reference(a),
    "pinn.plot_solution": lambda a, b: pinn.plot_solution(a, exact=b),
    "pinn.plot_history": lambda a, b: pinn.plot_history(a, ax=b),
}
WARNINGS = (pinn.ConvergenceWarning,)
