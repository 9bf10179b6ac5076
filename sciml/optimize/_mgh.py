r"""The Moré–Garbow–Hillstrom unconstrained test set: 35 least-squares problems
:math:`f(x) = \sum_{i=1}^m r_i(x)^2` with their standard starting points and tabulated minima.

:func:`mgh_problems` returns them as :class:`MGHProblem` records (``fun``, ``x0``, ``f_star``); the residuals
are in :mod:`sciml.optimize._mgh_residuals`. ``f_star`` is the tabulated value; ``other_minima`` lists the
other minimum values a method may reach from the standard start and that count as "reached" — the
tabulated local values (Freudenstein–Roth 48.9843, Bard 17.4287, Trigonometric 2.79506e-5, Brown almost
linear 1), the global value where the table gives a local one (Biggs EXP6: the tabulated 5.65565e-3 is a
local minimum, :math:`f = 0` at :math:`(1, 10, 1, 5, 4, 3)`), and the lower minimum 4.7727e-3 of
Chebyquad with ``n = 10`` (below the tabulated 6.50395e-3). Where the minimizer is not an isolated point
(Powell singular, the linear rank-1 problems, Meyer's valley...) the Hessian at the minimum is singular and
``minimize`` reports the second-order check as failed: that is a fact about the problem, and
``degenerate`` marks these.

References: J. J. Moré, B. S. Garbow and K. E. Hillstrom, ACM TOMS 7 (1981) 17–41.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch

from sciml.optimize import _mgh_residuals as R


@dataclasses.dataclass(frozen=True)
class MGHProblem:
    """One problem: number, name, residual function, standard start, tabulated minimum."""

    number: int
    name: str
    residual: Callable
    x0: tuple
    f_star: float
    other_minima: tuple = ()
    degenerate: bool = False

    @property
    def n(self) -> int:
        return len(self.x0)

    def fun(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`f(x) = \\|r(x)\\|^2`."""
        r = self.residual(x)
        return r @ r

    def start(self, dtype=torch.float64, device=None) -> torch.Tensor:
        return torch.tensor(self.x0, dtype=dtype, device=device)

    def reached(self, f: float, rtol: float = 1e-4, atol: float = 1e-10) -> bool:
        """Whether ``f`` is a tabulated minimum (``f_star`` or one of ``other_minima``) to ``rtol``/``atol``
        (the table has six digits), or below all of them."""
        values = (self.f_star, *self.other_minima)
        return any(abs(f - v) <= rtol * abs(v) + atol for v in values) or f <= min(values) + atol


def _n(n, value):
    return tuple([value] * n)


_TABLE = [
    (1, "Rosenbrock", R.rosenbrock, (-1.2, 1.0), 0.0, (), False),
    (2, "Freudenstein and Roth", R.freudenstein_roth, (0.5, -2.0), 0.0, (48.98425367924,), False),
    (3, "Powell badly scaled", R.powell_badly_scaled, (0.0, 1.0), 0.0, (), False),
    (4, "Brown badly scaled", R.brown_badly_scaled, (1.0, 1.0), 0.0, (), False),
    (5, "Beale", R.beale, (1.0, 1.0), 0.0, (), False),
    (6, "Jennrich and Sampson", R.jennrich_sampson, (0.3, 0.4), 124.362182, (), False),
    (7, "Helical valley", R.helical_valley, (-1.0, 0.0, 0.0), 0.0, (), False),
    (8, "Bard", R.bard, (1.0, 1.0, 1.0), 8.21487730e-3, (17.4286,), False),
    (9, "Gaussian", R.gaussian, (0.4, 1.0, 0.0), 1.12793277e-8, (), False),
    (10, "Meyer", R.meyer, (0.02, 4000.0, 250.0), 87.9458, (), False),
    (11, "Gulf research and development", R.gulf, (5.0, 2.5, 0.15), 0.0, (), False),
    (12, "Box three-dimensional", R.box3d, (0.0, 10.0, 20.0), 0.0, (), True),
    (13, "Powell singular", R.powell_singular, (3.0, -1.0, 0.0, 1.0), 0.0, (), True),
    (14, "Wood", R.wood, (-3.0, -1.0, -3.0, -1.0), 0.0, (), False),
    (15, "Kowalik and Osborne", R.kowalik_osborne, (0.25, 0.39, 0.415, 0.39), 3.07505604e-4, (), False),
    (16, "Brown and Dennis", R.brown_dennis, (25.0, 5.0, -5.0, -1.0), 85822.2016, (), False),
    (17, "Osborne 1", R.osborne1, (0.5, 1.5, -1.0, 0.01, 0.02), 5.46489469e-5, (), False),
    (18, "Biggs EXP6", R.biggs_exp6, (1.0, 2.0, 1.0, 1.0, 1.0, 1.0), 5.65565e-3, (0.0,), True),
    (19, "Osborne 2", R.osborne2, (1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5), 4.01377363e-2, (),
     False),
    (20, "Watson", R.watson, _n(9, 0.0), 1.39976e-6, (), False),
    (21, "Extended Rosenbrock", R.extended_rosenbrock, (-1.2, 1.0) * 5, 0.0, (), False),
    (22, "Extended Powell singular", R.extended_powell, (3.0, -1.0, 0.0, 1.0) * 2, 0.0, (), True),
    (23, "Penalty I", R.penalty1, tuple(float(j) for j in range(1, 11)), 7.08765e-5, (), False),
    (24, "Penalty II", R.penalty2, _n(10, 0.5), 2.93660e-4, (), False),
    (25, "Variably dimensioned", R.variably_dimensioned, tuple(1 - j / 10 for j in range(1, 11)), 0.0, (), False),
    (26, "Trigonometric", R.trigonometric, _n(10, 0.1), 0.0, (2.79506e-5,), False),
    (27, "Brown almost-linear", R.brown_almost_linear, _n(10, 0.5), 0.0, (1.0,), False),
    (28, "Discrete boundary value", R.discrete_boundary_value,
     tuple((j / 11) * (j / 11 - 1) for j in range(1, 11)), 0.0, (), False),
    (29, "Discrete integral equation", R.discrete_integral_equation,
     tuple((j / 11) * (j / 11 - 1) for j in range(1, 11)), 0.0, (), False),
    (30, "Broyden tridiagonal", R.broyden_tridiagonal, _n(10, -1.0), 0.0, (), False),
    (31, "Broyden banded", R.broyden_banded, _n(10, -1.0), 0.0, (), False),
    (32, "Linear function, full rank", R.linear_full_rank, _n(10, 1.0), 10.0, (), False),
    (33, "Linear function, rank 1", R.linear_rank1, _n(10, 1.0), 380 / 82, (), True),
    (34, "Linear function, rank 1 with zero columns and rows", R.linear_rank1_zero, _n(10, 1.0), 454 / 74, (),
     True),
    (35, "Chebyquad", R.chebyquad, tuple(j / 11 for j in range(1, 11)), 6.50395e-3, (4.77271370e-3,), False),
]


def mgh_problems() -> list[MGHProblem]:
    """The 35 Moré–Garbow–Hillstrom problems (see the module), in the paper's order.

    Returns
    -------
    list of MGHProblem
        ``number, name, fun, x0 (start()), f_star, other_minima, degenerate``.

    Examples
    --------
    >>> problems = mgh_problems()
    >>> len(problems), problems[19].name, problems[19].n
    (35, 'Watson', 9)
    >>> p = problems[0]
    >>> round(float(p.fun(p.start())), 12), p.f_star
    (24.2, 0.0)

    References
    ----------
    J. J. Moré, B. S. Garbow and K. E. Hillstrom, ACM TOMS 7 (1981) 17–41.
    """
    return [MGHProblem(*row) for row in _TABLE]
