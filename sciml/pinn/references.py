"""Independent references for a :class:`~sciml.pinn.BVP`, built from the same statement.

- :func:`exact_solution` — the closed form the problem gives (``exact=``), evaluated with NumPy.
- :func:`dsolve_solution` — SymPy's :func:`~sympy.dsolve` general solution with its constants fixed by the
  conditions; :class:`NoReferenceError` when SymPy finds no closed form.
- :func:`scipy_solution` — the statement as a first-order system ``Y' = f(x, Y)`` (the equations solved for
  their highest derivatives), integrated by :func:`scipy.integrate.solve_ivp` when every condition is an
  initial value that SymPy can solve for, and by :func:`scipy.integrate.solve_bvp` otherwise (conditions at
  the two ends; unknown constants become ``solve_bvp``'s parameters). A singular coefficient at the left end
  (``x u'' + 2u' + x u = 0`` at ``x = 0``) is split off as ``solve_bvp``'s singular term ``S y/(x - a)``; one
  at the right end by solving in ``t = a + b - x`` (``dY/dt = -f``), where it sits at the start. An integral
  condition over the domain, ``integrate(h, (x, a, b)) = c``, becomes an augmented state ``w' = h``,
  ``w(a) = 0``, whose value ``w(b)`` stands for the integral (a normalization with an unknown eigenvalue).
- :func:`scipy_method` — which of the two SciPy solvers :func:`scipy_solution` uses, without solving.

Each returns a :class:`NumericSolution`: ``sol(x)`` is a NumPy array shaped like ``sciml``'s ``result.sol``.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate
import sympy

from sciml.pinn._parse import value_symbol
from sciml.pinn._statement import BVP

_MODULES = ["scipy", "numpy"]  # scipy.special for airyai, besselj, ...


class NoReferenceError(RuntimeError):
    """A reference cannot be built for this problem (no closed form, or the SciPy solver failed)."""


class NumericSolution:
    """A reference solution as a NumPy callable ``sol(x)``: shape ``x.shape`` for one function, else
    ``(*x.shape, k)``. ``method`` names where it came from, ``expr`` holds closed forms, ``raw`` the SciPy
    result, ``unknowns`` identified constants."""

    def __init__(self, functions, evaluate, method: str, *, expr=None, raw=None, unknowns=None):
        self.functions, self._evaluate, self.method = tuple(functions), evaluate, method
        self.expr, self.raw, self.unknowns = expr, raw, dict(unknowns or {})

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        values = np.stack([np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in self._evaluate(x)],
                          axis=-1)
        return values[..., 0] if len(self.functions) == 1 else values

    def __repr__(self) -> str:
        return f"NumericSolution({self.method}, functions={list(self.functions)})"


def _closed_form(problem, exprs: dict, method: str) -> NumericSolution:
    x = problem.variable
    fns = [_robust(x, exprs[f]) for f in problem.functions]
    return NumericSolution(problem.functions, lambda t: [f(t) for f in fns], method, expr=dict(exprs))


def _robust(x, expr):
    """NumPy evaluation of ``expr`` (SciPy for special functions such as ``airyai``); where the float
    arithmetic overflows (``exp(1000)/(exp(1000) - 1)``), the points are evaluated again in 30-digit mpmath."""
    fast = sympy.lambdify(x, expr, _MODULES)
    slow = sympy.lambdify(x, expr, "mpmath")

    def evaluate(t):
        t = np.asarray(t, dtype=float)
        with np.errstate(all="ignore"):
            out = np.array(np.broadcast_to(np.asarray(fast(t), dtype=float), t.shape))
        bad = ~np.isfinite(out)
        if bad.any():
            import mpmath

            with mpmath.workdps(30):
                out[bad] = [float(slow(mpmath.mpf(float(v)))) for v in t[bad]]
        return out

    return evaluate


def _check_problem(problem) -> None:
    if not isinstance(problem, BVP):
        raise TypeError(f"problem must be a sciml.pinn.BVP (or IVP), got {type(problem).__name__}")


def exact_solution(problem) -> NumericSolution:
    """The problem's own closed form (``BVP(..., exact=...)``)."""
    _check_problem(problem)
    if problem.exact is None:
        raise NoReferenceError("the problem gives no exact solution (pass exact= to BVP)")
    return _closed_form(problem, problem.exact, "closed form")


def dsolve_solution(problem) -> NumericSolution:
    """SymPy's closed-form solution: :func:`sympy.dsolve`, then the constants from the conditions.

    Examples
    --------
    >>> from sciml.pinn import BVP
    >>> p = BVP("u'' + u = 0", domain=(0, "pi/2"), conditions=["u(0) = 0", "u(pi/2) = 1"])
    >>> dsolve_solution(p).expr
    {'u': sin(x)}
    """
    _check_problem(problem)
    if problem.unknowns:
        raise NoReferenceError("dsolve cannot identify unknown constants; use scipy_solution")
    x = problem.variable
    targets = [sympy.Function(f)(x) for f in problem.functions]
    eqs = list(problem.equations)
    try:
        general = sympy.dsolve(eqs[0] if len(eqs) == 1 else eqs, targets[0] if len(eqs) == 1 else targets)
    except (NotImplementedError, ValueError, TypeError) as exc:
        raise NoReferenceError(f"sympy.dsolve finds no closed form ({type(exc).__name__}: {exc})") from None
    if len(eqs) == 1 and isinstance(general, list):
        raise NoReferenceError(f"sympy.dsolve returns {len(general)} solution families; no unique closed form")
    sols = {type(e.lhs).__name__: e.rhs for e in ([general] if isinstance(general, sympy.Eq) else general)}
    if set(sols) != set(problem.functions) or any(s.has(sympy.Function(f)(x)) for f in sols for s in [sols[f]]):
        raise NoReferenceError("sympy.dsolve returned an implicit solution; no explicit closed form")
    constants = sorted(set().union(*(s.free_symbols for s in sols.values())) - {x}, key=str)
    equations = []
    for cond in problem.conditions:
        reps = {v.symbol: sympy.diff(sols[v.function], x, v.order).subs(x, v.point) for v in cond.values}
        equations.append(cond.expr.xreplace(reps))
    try:
        found = sympy.solve(equations, constants, dict=True) if constants else [{}]
    except NotImplementedError as exc:
        raise NoReferenceError(f"SymPy cannot solve the conditions for the constants: {exc}") from None
    found = [s for s in found if all(sympy.im(sympy.N(v)) == 0 for v in s.values()) and len(s) == len(constants)]
    if len(found) != 1:
        raise NoReferenceError(f"the conditions fix the constants of dsolve's solution in {len(found)} ways "
                               "(need exactly one)")
    exprs = {f: sympy.simplify(s.subs(found[0])) for f, s in sols.items()}
    return _closed_form(problem, exprs, "sympy.dsolve")


class _System:
    """The statement as ``Y' = f(x, Y, p)`` with ``Y = (f, f', …, f^(n-1))`` for each function ``f``."""

    def __init__(self, problem):
        self.problem = problem
        x = problem.variable
        self.state = [(f, k) for f in problem.functions for k in range(problem.orders[f])]
        if any(problem.orders[f] == 0 for f in problem.functions):
            raise NoReferenceError("a function without derivatives (an algebraic equation) has no first-order form")
        highest = [value_symbol(f, problem.orders[f]) for f in problem.functions]
        try:
            solved = sympy.solve(list(problem.residuals), highest, dict=True)
        except NotImplementedError as exc:
            raise NoReferenceError(f"SymPy cannot solve the equations for {highest}: {exc}") from None
        if len(solved) != 1 or set(solved[0]) != set(highest):
            raise NoReferenceError(f"the equations do not give {', '.join(map(str, highest))} uniquely "
                                   f"({len(solved)} solutions); no first-order form")
        self.highest = solved[0]
        self.symbols = [value_symbol(f, k) for f, k in self.state]
        self.unknowns = [sympy.Symbol(u) for u in problem.unknowns]
        rhs = [value_symbol(f, k + 1) for f, k in self.state]
        rhs = [self.highest.get(s, s) for s in rhs]
        self.integrals = self._integrals(problem)
        for term in self.integrals:  # w' = integrand, w(a) = 0: the integral is w(b)
            self.state.append((term.symbol.name, 0))
            self.symbols.append(term.symbol)
            rhs.append(term.integrand.xreplace(self.highest))
        a, b = problem.domain_exact
        self.flip = _singular_at(rhs, x, b, self.symbols)
        if self.flip:  # solve_bvp's singular term sits at the start: solve in t = a + b - x, dY/dt = -f
            if _singular_at(rhs, x, a, self.symbols):
                raise NoReferenceError("the equations are singular at both ends; solve_bvp's singular term "
                                       "S y/(x - a) covers one")
            rhs = [-e.subs(x, a + b - x) for e in rhs]
        self.singular = _singular_term(rhs, x, a, self.symbols)
        if self.singular is not None:
            S = self.singular
            rhs = [sympy.simplify(e - sum(S[i, j] * y for j, y in enumerate(self.symbols)) / (x - a))
                   for i, e in enumerate(rhs)]
            if any(_infinite(e.subs(x, a)) for e in rhs):
                raise NoReferenceError("the equations are singular at the left end in a way solve_bvp's singular "
                                       "term S y/(x - a) does not cover")
        self._rhs = sympy.lambdify([x, *self.symbols, *self.unknowns], rhs, _MODULES)

    @staticmethod
    def _integrals(problem) -> list:
        """The integral terms of the conditions: each over the whole domain, becomes a state ``w`` with
        ``w' = integrand``, ``w(a) = 0``; the integral is ``w(b)``."""
        a, b = problem.domain
        terms = [t for c in problem.conditions for t in c.integrals]
        for t in terms:
            if abs(t.lo - a) > 1e-12 * max(1.0, abs(a)) or abs(t.hi - b) > 1e-12 * max(1.0, abs(b)):
                raise NoReferenceError(f"an integral over [{t.lo:g}, {t.hi:g}], part of the domain [{a:g}, {b:g}], "
                                       "is not an end condition of solve_bvp's augmented state; compare with a "
                                       "closed form")
            if any(problem.orders[f] <= k for f, k in _orders(t.integrand, problem.functions)):
                raise NoReferenceError(f"the integrand {t.integrand} uses a derivative of the highest order; "
                                       "solve_bvp's augmented state takes lower ones")
        return terms

    def fun(self, x, Y, p=()):
        out = self._rhs(x, *Y, *p)
        return np.stack([np.broadcast_to(np.asarray(v, dtype=float), np.shape(x)) for v in out])

    def condition_exprs(self, end_symbols):
        """The conditions with point values replaced by ``end_symbols[(f, k, point)]`` (state symbols at
        an end), derivatives of the highest order by the equations there."""
        x = self.problem.variable
        out = []
        for cond in self.problem.conditions:
            reps = {t.symbol: end_symbols[(t.symbol.name, 0, "b")] for t in cond.integrals}
            for v in cond.values:
                n = self.problem.orders[v.function]
                if v.order < n:
                    reps[v.symbol] = end_symbols[(v.function, v.order, v.point)]
                elif v.order == n:
                    at = {value_symbol(f, k): end_symbols[(f, k, v.point)] for f, k in self.state}
                    reps[v.symbol] = self.highest[value_symbol(v.function, n)].subs(x, v.point).xreplace(at)
                else:
                    raise NoReferenceError(f"condition {cond.text!r} uses a derivative above the order {n}")
            out.append(cond.expr.xreplace(reps))
        return out + [end_symbols[(t.symbol.name, 0, "a")] for t in self.integrals]


def _orders(expr, functions):
    """``(function, order)`` of each value symbol in ``expr``."""
    return [(f, k) for s in expr.free_symbols for f in functions for k in range(8) if s == value_symbol(f, k)]


def _singular_at(rhs, x, point, symbols) -> bool:
    state = {y: sympy.Dummy() for y in symbols}
    return any(_infinite(e.xreplace(state).subs(x, point)) for e in rhs)


def _infinite(expr) -> bool:
    return expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def _singular_term(rhs, x, a, symbols):
    """``S`` (a NumPy array) when ``rhs`` = ``S y/(x - a)`` + a part regular at ``a``; ``None`` when ``rhs`` is
    regular at ``a``. Raises :class:`NoReferenceError` for other singularities (not of that first-order form)."""
    state = {y: sympy.Dummy() for y in symbols}
    generic = [e.xreplace(state).subs(x, a) for e in rhs]
    if not any(_infinite(e) for e in generic):
        return None
    scaled = [sympy.limit(sympy.simplify((x - a) * e), x, a, dir="+") for e in rhs]
    S = sympy.Matrix([[sympy.diff(g, y) for y in symbols] for g in scaled])
    linear = all(sympy.simplify(g - sum(S[i, j] * y for j, y in enumerate(symbols))) == 0
                 for i, g in enumerate(scaled))
    if not linear or S.free_symbols or any(_infinite(c) for c in S):
        raise NoReferenceError(f"the equations are singular at the left end x = {a} and not of the form "
                               "S y/(x - a) + f(x, y) that solve_bvp's singular term handles")
    return S


def scipy_method(problem) -> str:
    """The SciPy solver :func:`scipy_solution` uses: ``"scipy.integrate.solve_ivp"`` for initial values (no
    unknown constants, no singular coefficient at the start), else ``"scipy.integrate.solve_bvp"``.

    Examples
    --------
    >>> from sciml.pinn import BVP
    >>> scipy_method(BVP("y' = -y", (0, 1), ["y(0) = 1"]))
    'scipy.integrate.solve_ivp'
    """
    if not problem.is_ivp or problem.unknowns:
        return "scipy.integrate.solve_bvp"
    try:
        system = _System(problem)
    except NoReferenceError:
        return "scipy.integrate.solve_ivp"
    if system.singular is not None or system.flip or _initial_state(problem, system) is None:
        return "scipy.integrate.solve_bvp"
    return "scipy.integrate.solve_ivp"


def scipy_solution(problem, *, tol: float = 1e-10, max_nodes: int = 100_000, n_mesh: int = 101,
                   guess=None) -> NumericSolution:
    """``solve_ivp`` (initial values) or ``solve_bvp`` (two-point conditions) on the first-order form.

    Parameters
    ----------
    tol : float
        ``solve_bvp``'s residual tolerance (retried 100 times looser when a thin layer needs more than
        ``max_nodes`` nodes), or ``solve_ivp``'s ``rtol`` and ``atol`` (times 0.01).
    max_nodes, n_mesh : int
        ``solve_bvp``'s node limit and initial mesh size.
    guess : callable, str or list, optional
        Expressions of the functions, as :func:`~sciml.pinn.solve`'s ``guess=`` (their derivatives fill the
        state), or ``guess(x) -> Y`` (shape ``(n, len(x))``: the functions and their derivatives below the highest, then
        one row per integral condition), the initial guess of ``solve_bvp`` (zeros, then a bump, by default).
    """
    _check_problem(problem)
    if problem.data is not None and len(problem.conditions) < problem.order + len(problem.unknowns):
        raise NoReferenceError("the conditions do not determine the solution (observations complete them); "
                               "SciPy has no reference for an inverse problem: compare with a closed form")
    system = _System(problem)
    a, b = problem.domain
    points = problem.points
    ivp = _initial_state(problem, system) if not (problem.unknowns or system.singular is not None
                                                  or system.flip) else None
    if ivp is not None:
        out = scipy.integrate.solve_ivp(system.fun, (a, b), ivp, method="DOP853", rtol=tol * 1e-2, atol=tol * 1e-2,
                                        dense_output=True)
        if not out.success:
            raise NoReferenceError(f"scipy.integrate.solve_ivp failed: {out.message}")
        return _numeric(problem, system, lambda t: out.sol(t), "scipy.integrate.solve_ivp", out, {})
    ends = {}
    ya = sympy.symbols(f"ya0:{len(system.state)}")
    yb = sympy.symbols(f"yb0:{len(system.state)}")
    for p in points:
        at_a, at_b = sympy.simplify(p - problem.domain_exact[0]) == 0, sympy.simplify(p - problem.domain_exact[1]) == 0
        if not (at_a or at_b):
            raise NoReferenceError(f"solve_bvp takes conditions at the two ends only; {p} is inside the interval")
        for i, (f, k) in enumerate(system.state):
            ends[(f, k, p)] = ya[i] if at_a != system.flip else yb[i]
    for i, (f, k) in enumerate(system.state):  # integral states, by end
        ends[(f, k, "a")], ends[(f, k, "b")] = (yb[i], ya[i]) if system.flip else (ya[i], yb[i])
    bc_exprs = system.condition_exprs(ends)
    bc_fn = sympy.lambdify([ya, yb, system.unknowns], bc_exprs, _MODULES)
    mesh = np.linspace(a, b, n_mesh)
    if (guess is not None and not callable(guess)) or isinstance(guess, sympy.Basic):
        guess = _state_guess(problem, system, guess)
    guesses = [np.asarray(guess(mesh), dtype=float)] if guess is not None else [
        np.zeros((len(system.state), n_mesh)), _bump(system.state, mesh, a, b)]
    p0 = np.asarray(list(problem.unknowns.values()), dtype=float)
    kwargs = {"p": p0} if p0.size else {}
    if system.singular is not None:
        kwargs["S"] = np.asarray(system.singular.evalf(), dtype=float)

    def fun(x, Y, p=()):
        return system.fun(x, Y, p)

    def bc(Ya, Yb, p=()):
        return np.asarray(bc_fn(Ya, Yb, list(p)), dtype=float)

    # zero first; a bump when zero is degenerate or trivial (eigenproblems); a 100 times looser tolerance when a
    # thin layer needs more than max_nodes nodes
    if not np.isfinite(guesses[0]).all():
        raise ValueError("guess is not finite on the mesh; give a guess defined on the whole domain")
    for y0, t in ((y0, t) for t in (tol, 100 * tol) for y0 in guesses):
        with np.errstate(all="ignore"):  # a wild guess overflows inside Newton's steps: solve_bvp then fails
            out = scipy.integrate.solve_bvp(fun, bc, mesh, y0, tol=t, max_nodes=max_nodes, **kwargs)
        if out.success and not (p0.size and np.abs(out.y).max() < 1e-8):  # y ≡ 0 with unknowns: trivial, go on
            break
    else:
        if out.success:
            raise NoReferenceError("scipy.integrate.solve_bvp found only the trivial solution y = 0 (with unknowns "
                                   f"{out.p.tolist()}); pass guess= a nonzero function")
        raise NoReferenceError(f"scipy.integrate.solve_bvp failed: {out.message}")
    unknowns = dict(zip(problem.unknowns, np.atleast_1d(out.p).tolist(), strict=True)) if p0.size else {}
    evaluate = (lambda t: out.sol(a + b - t)) if system.flip else out.sol
    return _numeric(problem, system, evaluate, "scipy.integrate.solve_bvp", out, unknowns)


def _state_guess(problem, system, guess):
    """``guess(x) -> Y`` from expressions of the functions (as :func:`sciml.pinn.solve`'s ``guess=``): each
    state row the expression's derivative of its order; integral states zero."""
    from sciml.pinn._guess import _per_function
    from sciml.pinn._parse import parse_side

    x = problem.variable
    exprs = {f: parse_side(e, where=f"guess[{f!r}]", functions=(), names={str(x): x})
             for f, e in zip(problem.functions, _per_function(guess, problem), strict=True)}
    rows = [sympy.lambdify(x, sympy.diff(exprs[f], x, k), _MODULES) if f in exprs else (lambda t: 0 * t)
            for f, k in system.state]
    return lambda t: np.stack([np.broadcast_to(np.asarray(r(t), dtype=float), np.shape(t)) for r in rows])


def _bump(state, mesh, a, b) -> np.ndarray:
    """The guess ``4t(1 - t)``, ``t = (x - a)/(b - a)``, and its derivatives, for each function."""
    t, length = (mesh - a) / (b - a), b - a
    rows = {0: 4 * t * (1 - t), 1: 4 * (1 - 2 * t) / length, 2: np.full_like(t, -8 / length**2)}
    return np.stack([rows.get(k, np.zeros_like(t)) for _, k in state])


def _initial_state(problem, system):
    """The initial state when every condition sits at the left end and SymPy solves them uniquely."""
    if not problem.is_ivp:
        return None
    y = sympy.symbols(f"y0:{len(system.state)}")
    ends = {(f, k, p): y[i] for p in problem.points for i, (f, k) in enumerate(system.state)}
    try:
        exprs = system.condition_exprs(ends)
        found = sympy.solve(exprs, y, dict=True)
    except (NotImplementedError, NoReferenceError):
        return None
    if len(found) != 1 or len(found[0]) != len(y):
        return None
    values = [found[0][s] for s in y]
    if any(v.free_symbols for v in values):
        return None
    return [float(v) for v in values]


def _numeric(problem, system, evaluate, method, raw, unknowns) -> NumericSolution:
    index = [system.state.index((f, 0)) for f in problem.functions]
    return NumericSolution(problem.functions, lambda t: [evaluate(t.reshape(-1))[i].reshape(t.shape) for i in index],
                           method, raw=raw, unknowns=unknowns)
