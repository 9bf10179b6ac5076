"""The statement of a boundary or initial value problem for ODEs, written as mathematics.

:class:`BVP` reads equations with primes (``"u'' + u = 0"``), an interval and conditions in point values
(``"u(0) = 0"``, ``"u'(1) + u(1) = 2"``) and keeps them as SymPy: the equations in applied functions (for
:func:`sympy.dsolve`), the residuals in plain symbols (for compiling to torch), the conditions in point-value
symbols with their linear part when they are linear (for the hard-constraint ansatz).
"""

from __future__ import annotations

import dataclasses
import math
import re

import sympy

from sciml._validation import as_tensor
from sciml.pinn import _integral, _parse
from sciml.pinn._parse import PointValue, value_symbol
from sciml.pinn._singular import singular_ends

_VARIABLES = ("x", "t")


@dataclasses.dataclass(frozen=True)
class Condition:
    """One condition ``expr = 0`` in point values.

    ``linear`` is ``(coefficients, value)`` when the condition reads ``Σ c_q v_q = value`` with constant
    ``c_q`` (coefficients maps point-value symbols to floats), else ``None``.
    """

    text: str
    expr: sympy.Expr
    values: tuple[PointValue, ...]
    linear: tuple[dict, float] | None
    integrals: tuple = ()  # IntegralTerm records (sciml.pinn._integral): symbols in expr for integrals


def _constant(value, where: str) -> sympy.Expr:
    if isinstance(value, int | float) and not isinstance(value, bool):
        expr = sympy.nsimplify(value) if isinstance(value, int) else sympy.Float(value)
    else:
        expr = _parse.parse_side(value, where=where, functions=(), names={})
    if not isinstance(expr, sympy.Expr) or expr.free_symbols or not expr.is_real:
        raise ValueError(f"{where} must be a real constant (a number or a string such as 'pi/2'), got {value!r}")
    if not expr.is_finite:
        raise ValueError(f"{where} must be finite, got {value!r}")
    return expr


def _as_list(value, name: str) -> list:
    if isinstance(value, str | sympy.Basic):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    raise TypeError(f"{name} must be a string, a SymPy expression or a list of them, got {type(value).__name__}")


def _first_use(name: str, texts) -> tuple[int, int]:
    pattern = rf"(?<![\w.]){re.escape(name)}(?!\w)"
    hits = [(i, m.start()) for i, t in enumerate(texts) for m in re.finditer(pattern, str(t))]
    return min(hits, default=(0, 0))


def _linear_part(expr, symbols) -> tuple[dict, float] | None:
    coeffs = {}
    for s in symbols:
        c = sympy.diff(expr, s)
        if c.free_symbols:
            return None
        coeffs[s] = float(c)
    rest = expr.subs({s: 0 for s in symbols})
    return None if rest.free_symbols else (coeffs, -float(rest))


class BVP:
    """A boundary (or initial) value problem for ODEs on an interval, stated as SymPy-parsable mathematics.

    Parameters
    ----------
    equations : str, SymPy expression, or list of them
        ``"lhs = rhs"`` (or an expression equal to zero). Derivatives are primes: ``u''`` is u″. The
        independent variable is ``x`` (or ``t``); the unknown functions are the names written with primes.
        SymPy input (``Eq(u(x).diff(x, 2) + u(x), 0)``) works as well.
    domain : (a, b)
        The interval, numbers or constant strings (``"pi/2"``); ``a < b``.
    conditions : list of str or SymPy expressions
        Equations in point values and derivatives: ``"u(0) = 0"``, ``"u'(1) = 2"``,
        ``"u(0) = u(1)"``, ``"1.64*phi'(0) + exp(phi(0)) = 0"``. Their number is the total order plus the
        number of ``unknowns``. The word ``"periodic"`` stands for ``f⁽ᵏ⁾(a) = f⁽ᵏ⁾(b)`` for every unknown
        function ``f`` and every ``k`` below its order. Integrals over part of the domain are conditions too:
        ``"integrate(u**2, (x, 0, pi)) = 1"`` (a normalization; see :mod:`sciml.pinn._integral`).
    unknowns : dict, optional
        Unknown constants (in the equations or conditions) mapped to initial guesses.
    parameters : dict, optional
        Known constants mapped to values (numbers or constant strings); substituted everywhere.
    data : (x_obs, u_obs), optional
        Observations of the solution.
    exact : str, SymPy expression, list or dict, optional
        The exact solution in the variable, one per unknown function, when known.

    A coefficient singular at an end of the domain (``"y'' + 2*y'/x + y**5 = 0"`` on ``(0, 1)``) is kept as
    written: ``singular`` lists the ends where an equation divides by zero, with the limit form the solver
    imposes there (:mod:`sciml.pinn._singular`); a singularity inside the domain is a ``ValueError`` naming
    the point.

    Examples
    --------
    >>> p = BVP("u'' + u = 0", domain=(0, "pi/2"), conditions=["u(0) = 0", "u(pi/2) = 1"])
    >>> p.functions, p.orders, p.domain
    (('u',), {'u': 2}, (0.0, 1.5707963267948966))
    """

    def __init__(self, equations, domain, conditions, *, unknowns=None, parameters=None, data=None,
                 exact=None):
        #: what the statement was built from (a continuation rebuilds it with other parameter values)
        self.arguments = ((equations, domain, conditions),
                          {"unknowns": unknowns, "parameters": parameters, "data": data, "exact": exact})
        texts = _as_list(equations, "equations")
        if not texts:
            raise ValueError("equations is empty: give at least one equation such as \"u'' + u = 0\"")
        conds = _as_list(conditions, "conditions")
        self.parameters = self._constants(parameters, "parameters")
        self.unknowns = {k: float(v) for k, v in self._constants(unknowns, "unknowns").items()}
        clash = sorted(set(self.parameters) & set(self.unknowns))
        if clash:
            raise ValueError(f"{clash[0]!r} is both a parameter and an unknown; keep it in one of them")
        self.domain_exact, self.domain = self._domain(domain)

        functions = _parse.primed_names(texts) | _parse.applied_names(texts)
        names = {n: sympy.Symbol(n) for n in (*self.parameters, *self.unknowns, *_VARIABLES)}
        sides = [self._sides(t, i, functions, names) for i, t in enumerate(texts)]
        self.variable = self._variable(sides, exact, names)
        x = self.variable
        if not functions:
            raise ValueError(f"equations {texts!r} have no unknown function: write derivatives with primes, "
                             "as in \"u'' + u = 0\"")
        for kind, table in (("parameters", self.parameters), ("unknowns", self.unknowns)):
            both = sorted(set(table) & functions)
            if both:
                raise ValueError(f"{kind}: {both[0]!r} is also an unknown function of the equations; rename one")
        self.functions = tuple(sorted(functions, key=lambda f: (_first_use(f, texts), f)))
        subs = {names[k]: v for k, v in self.parameters.items()}
        eqs, residuals, orders = [], [], dict.fromkeys(self.functions, 0)
        for i, (lhs, rhs) in enumerate(sides):
            where = f"equations[{i}]"
            lhs, rhs = (_parse.to_applied(s, x, functions, where=where).subs(subs) for s in (lhs, rhs))
            eqs.append(sympy.Eq(lhs, rhs))
            residual, seen = _parse.to_symbols(lhs - rhs, x, functions)
            strange = sorted({type(a).__name__ for a in residual.atoms(_parse.AppliedUndef)})
            if strange:
                raise ValueError(f"{where}: {texts[i]!r} uses the unknown function {strange[0]!r}, which is neither "
                                 f"a SymPy function nor an unknown of the problem ({', '.join(sorted(functions))}: "
                                 "the names written with primes); write its derivative with a prime, or fix the name")
            allowed = {x, *(names[u] for u in self.unknowns), *(value_symbol(f, k) for f, n in seen.items()
                                                                   for k in range(n + 1))}
            stray = sorted(str(s) for s in residual.free_symbols - allowed)
            if stray:
                raise ValueError(f"{where}: {texts[i]!r} uses {', '.join(stray)}, which is neither the variable "
                                 f"{x} nor an unknown function ({', '.join(self.functions)}); give its value among "
                                 "the parameters, or its guess among the unknowns to identify it")
            if not any(value_symbol(f, k) in residual.free_symbols for f, n in seen.items() for k in range(n + 1)):
                says = "reduces to 0 = 0" if sympy.simplify(residual) == 0 else "does not involve them"
                raise ValueError(f"{where}: {texts[i]!r} {says}: it says nothing about the unknown function(s) "
                                 f"{', '.join(sorted(functions))}; write an equation that involves them")
            residuals.append(residual)
            for f, k in seen.items():
                orders[f] = max(orders[f], k)
        self.equations, self.residuals, self.orders = tuple(eqs), tuple(residuals), orders
        self._texts = [t if isinstance(t, str) else f"{sympy.sstr(e.lhs)} = {sympy.sstr(e.rhs)}"
                       for t, e in zip(texts, eqs, strict=True)]
        self.singular = singular_ends(self.residuals, x, self.domain_exact, self.functions, self._texts)
        if len(eqs) != len(self.functions):
            raise ValueError(f"equations: {len(eqs)} equation(s) for {len(self.functions)} unknown function(s) "
                             f"{list(self.functions)}; give one equation per function")
        conds = self._periodic(conds, orders)
        self.points: list[sympy.Expr] = []
        self._conds: list[Condition] = []
        for i, c in enumerate(conds):
            self._conds.append(self._condition(c, i, names, subs))
        self.conditions = tuple(self._conds)
        need = self.order + len(self.unknowns)
        if data is None and len(self.conditions) != need:
            detail = ", ".join(f"{f}: {n}" for f, n in orders.items())
            extra = f" plus {len(self.unknowns)} for the unknowns" if self.unknowns else ""
            raise ValueError(f"conditions: the equations have total order {self.order} ({detail}){extra}, so "
                             f"they need {need} condition(s); got {len(self.conditions)}")
        if data is not None and len(self.conditions) > need:
            raise ValueError(f"conditions: at most {need} condition(s) for total order {self.order} with "
                             f"{len(self.unknowns)} unknown(s), got {len(self.conditions)}")
        self.data = self._data(data)
        self.exact = self._exact(exact, names, subs)

    # -- pieces of __init__ -------------------------------------------------------------------------------

    @staticmethod
    def _constants(values, name: str) -> dict[str, sympy.Expr]:
        if values is None:
            return {}
        if not isinstance(values, dict):
            raise TypeError(f"{name} must be a dict mapping names to numbers, got {type(values).__name__}")
        out = {}
        for key, value in values.items():
            if not isinstance(key, str) or not key.isidentifier():
                raise ValueError(f"{name}: {key!r} is not a valid name (use identifiers such as 'k')")
            if key in _VARIABLES:
                raise ValueError(f"{name}: {key!r} is reserved for the independent variable")
            out[key] = _constant(value, f"{name}[{key!r}]")
        return out

    @staticmethod
    def _domain(domain):
        if isinstance(domain, str) or not isinstance(domain, list | tuple) or len(domain) != 2:
            raise ValueError(f"domain must be a pair (a, b), got {domain!r}")
        a, b = (_constant(d, f"domain[{i}]") for i, d in enumerate(domain))
        if not float(b) > float(a):
            raise ValueError(f"domain ({a}, {b}) is an empty interval: the left end must be below the right end")
        return (a, b), (float(a), float(b))

    @staticmethod
    def _sides(text, i, functions, names):
        where = f"equations[{i}]"
        if isinstance(text, sympy.Equality):
            return text.lhs, text.rhs
        if isinstance(text, sympy.Basic):
            return text, sympy.S.Zero
        if not isinstance(text, str):
            raise TypeError(f"{where} must be a string or a SymPy expression, got {type(text).__name__}")
        lhs, rhs = _parse.split_equation(text, where)
        return tuple(_parse.parse_side(s, where=where, functions=functions, names=names) for s in (lhs, rhs))

    def _variable(self, sides, exact, names) -> sympy.Symbol:
        seen = set()
        for lhs, rhs in sides:
            for e in (lhs, rhs):
                seen |= {str(s) for s in e.free_symbols}
                seen |= {str(a) for f in e.atoms(_parse.AppliedUndef) for a in f.args if a.is_Symbol}
        exacts = [] if exact is None else list(exact.values()) if isinstance(exact, dict) else _as_list(exact, "exact")
        for e in exacts:
            seen |= set(re.findall(r"[A-Za-z_]\w*", str(e))) & set(_VARIABLES)
        if "x" in seen or "t" not in seen:
            return names["x"]
        return names["t"]

    def _periodic(self, conds, orders) -> list:
        """Expand the shorthand ``"periodic"`` into one condition per function and derivative order."""
        a, b = (sympy.sstr(e) for e in self.domain_exact)
        out = []
        for c in conds:
            if isinstance(c, str) and c.strip().lower() == "periodic":
                out += [f"{f}{chr(39) * k}({a}) = {f}{chr(39) * k}({b})" for f in self.functions
                        for k in range(orders[f])]
            else:
                out.append(c)
        return out

    def _condition(self, text, i, names, subs) -> Condition:
        where = f"conditions[{i}]"
        if isinstance(text, sympy.Equality):
            lhs, rhs = text.lhs, text.rhs
        elif isinstance(text, sympy.Basic):
            lhs, rhs = text, sympy.S.Zero
        elif isinstance(text, str):
            lhs, rhs = (_parse.parse_side(_integral.unevaluated(s), where=where, functions=self.functions,
                                          names=names) for s in _parse.split_equation(text, where))
        else:
            raise TypeError(f"{where} must be a string or a SymPy expression, got {type(text).__name__}")
        expr, integrals = _integral.extract((lhs - rhs).subs(subs), self.variable, self.functions, self.domain_exact,
                                            where, start=sum(len(c.integrals) for c in self._conds))
        expr, values = _parse.point_values(expr, self.variable, self.functions, where=where, points=self.points)
        if not values and not integrals:
            raise ValueError(f"{where}: {text!r} involves no value of {', '.join(self.functions)} at a point")
        a, b = self.domain_exact
        for v in values:
            try:
                p = float(v.point)
            except TypeError:  # a complex or symbolic point
                p = math.nan
            tol = 1e-12 * max(1.0, abs(float(a)), abs(float(b)))
            if not math.isfinite(p):
                raise ValueError(f"{where}: condition {text!r} is at the point {v.point}, which is not a finite "
                                 f"real number; conditions sit at points of the domain [{a}, {b}]")
            if p < float(a) - tol or p > float(b) + tol:
                at = f"{v.point}" if str(v.point) == f"{p:.6g}" else f"{v.point} ≈ {p:.6g}"
                raise ValueError(f"{where}: condition {text!r} is at {self.variable} = {at}, outside the domain "
                                 f"[{a}, {b}]; move the condition into the domain, or widen the domain")
        stray = sorted(str(s) for s in expr.free_symbols - {v.symbol for v in values}
                       - {names[u] for u in self.unknowns} - {t.symbol for t in integrals})
        if stray:
            raise ValueError(f"{where}: condition {text!r} uses {', '.join(stray)}, which is not a value of "
                             f"{', '.join(self.functions)} at a point; give its value among the parameters, or its "
                             "guess among the unknowns to identify it")
        linear = None if integrals else _linear_part(expr, [v.symbol for v in values])
        return Condition(str(text), expr, tuple(values), linear, integrals)

    def _data(self, data):
        if data is None:
            return None
        if not isinstance(data, list | tuple) or len(data) != 2:
            raise ValueError("data must be a pair (x_obs, u_obs)")
        x_obs = as_tensor(data[0], "data[0] (x_obs)", ndim=1)
        u_obs = as_tensor(data[1], "data[1] (u_obs)", ndim=(1, 2))
        k = len(self.functions)
        want = (x_obs.shape[0],) if k == 1 else (x_obs.shape[0], k)
        if tuple(u_obs.shape) != want:
            raise ValueError(f"data[1] (u_obs) must have shape {want} to match x_obs, got {tuple(u_obs.shape)}")
        a, b = self.domain
        if bool((x_obs < a).any() or (x_obs > b).any()):
            raise ValueError(f"data[0] (x_obs) has points outside the domain [{a}, {b}]")
        return x_obs, u_obs

    def _exact(self, exact, names, subs):
        if exact is None:
            return None
        if isinstance(exact, dict):
            missing = sorted(set(self.functions) - set(exact))
            if missing or set(exact) - set(self.functions):
                raise ValueError(f"exact must give one expression for each of {list(self.functions)}")
            items = [exact[f] for f in self.functions]
        else:
            items = _as_list(exact, "exact")
        if len(items) != len(self.functions):
            raise ValueError(f"exact has {len(items)} expression(s) for {len(self.functions)} function(s)")
        out = {}
        for f, e in zip(self.functions, items, strict=True):
            expr = _parse.parse_side(e, where=f"exact[{f!r}]", functions=(), names=names).subs(subs)
            stray = sorted(str(s) for s in expr.free_symbols - {self.variable})
            if stray:
                raise ValueError(f"exact[{f!r}]: {e!r} uses {', '.join(stray)}; it must be a function of "
                                 f"{self.variable} alone")
            out[f] = expr
        return out

    # -- views --------------------------------------------------------------------------------------------

    @property
    def order(self) -> int:
        """Total order: the sum of the highest derivative order of each unknown function."""
        return sum(self.orders.values())

    @property
    def is_ivp(self) -> bool:
        """True when every condition sits at the left end (an initial value problem)."""
        a = self.domain_exact[0]
        return all(not c.integrals and all(sympy.simplify(v.point - a) == 0 for v in c.values)
                   for c in self.conditions)

    def __repr__(self) -> str:
        eqs = "; ".join(t.strip() for t in self._texts)
        conds = ", ".join(c.text for c in self.conditions)
        a, b = self.domain_exact
        return f"{type(self).__name__}({eqs} on [{a}, {b}]; {conds})"
