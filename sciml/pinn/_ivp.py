"""Initial value problems: :func:`IVP`, a :class:`~sciml.pinn.BVP` whose conditions all sit at the left end."""

from __future__ import annotations

import sympy

from sciml.pinn._statement import BVP


def IVP(equations, domain, conditions, **options) -> BVP:
    r"""An initial value problem: a :class:`BVP` whose conditions all sit at the left end of ``domain``.

    .. math:: F\big(x, u, u', \dots, u^{(n)}\big) = 0 \quad \text{on } [a, b], \qquad
              u^{(k)}(a) = u_k, \quad k = 0, \dots, n - 1

    for each unknown function :math:`u` (``equations``), with :math:`[a, b]` the ``domain`` and the
    initial values :math:`u_k` given in ``conditions``. The independent variable is :math:`x`, or
    :math:`t` when the problem is written in ``t``. Conditions may combine values at :math:`a` (such as
    ``"u'(0) + u(0) = 1"``); they must all be at :math:`a`.

    Parameters
    ----------
    equations : str, SymPy expression, or list of them
        ``"lhs = rhs"`` with primes for derivatives (``"u' = -2*u"``), as for :class:`BVP`.
    domain : (a, b)
        The interval, numbers or constant strings (``"pi/2"``); ``a < b``. The conditions sit at ``a``.
    conditions : list of str or SymPy expressions
        Equations in values at ``a``: ``"u(0) = 1"``, ``"u'(0) = 0"``. Their number is the total order
        plus the number of ``unknowns``.
    **options
        ``unknowns``, ``parameters``, ``data`` and ``exact``, keyword-only, as for :class:`BVP`.

    Returns
    -------
    BVP
        The problem, with ``is_ivp`` true.

    Raises
    ------
    ValueError
        When a condition sits elsewhere than at ``a`` (state it with :class:`BVP` instead), or for any
        reason :class:`BVP` refuses the statement.

    References
    ----------
    .. [1] ``scipy.integrate.solve_ivp``, whose problem ``y' = f(t, y)``, ``y(t0) = y0`` on ``t_span``
       this states in the form of a higher-order equation.
    .. [2] E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I: Nonstiff
       Problems*, 2nd ed., Springer, 1993, ch. I (existence and uniqueness for initial value problems).

    Examples
    --------
    >>> p = IVP("u' = -2*u", domain=(0, 1), conditions=["u(0) = 1"])
    >>> p.functions, p.orders, p.domain, p.is_ivp
    (('u',), {'u': 1}, (0.0, 1.0), True)

    A second-order problem in ``t`` with its exact solution:

    >>> q = IVP("y'' + y = 0", domain=(0, "pi"), conditions=["y(0) = 0", "y'(0) = 1"], exact="sin(t)")
    >>> q.variable, q.order, q.exact
    (t, 2, {'y': sin(t)})
    """
    problem = BVP(equations, domain, conditions, **options)
    if not problem.is_ivp:
        a = problem.domain_exact[0]
        late = next(c.text for c in problem.conditions if any(sympy.simplify(v.point - a) != 0 for v in c.values))
        raise ValueError(f"conditions: an IVP has every condition at the left end {problem.variable} = {a}, but "
                         f"{late!r} is not; for conditions elsewhere use BVP (kind = \"bvp\" in a problem file)")
    return problem
