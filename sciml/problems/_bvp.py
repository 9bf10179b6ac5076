"""ODE boundary value problems (kind ``bvp``, capability ``pinn``) stated as mathematics, solved by
:func:`sciml.pinn.solve`; initial value problems are the kind ``ivp`` beside it (:mod:`._ivp`).

File keys: ``equation`` (a string, or a list for systems), ``domain`` (two entries, numbers or constant
strings), ``conditions`` (a list of equations in point values, or ``"periodic"``), optional ``exact`` (closed
form in the variable; a list for systems), ``parameters`` and ``unknowns`` (tables of constants: known values,
and initial guesses of identified ones), ``exact_unknowns`` (the true values of the unknowns), ``constants``
(names defined by an equation, for closed forms with a transcendental constant:
``theta = {equation = "theta = sqrt(2)*cosh(theta/4)", guess = 1.5}``, solved by :func:`sympy.nsolve` to 30
digits), ``data`` (observations for inverse problems: ``x`` and ``u`` lists, or ``solution``, ``n``, ``noise``
and ``seed`` to sample a closed form at ``n`` random points with Gaussian noise), ``solver`` (a table of
options for :func:`sciml.pinn.solve`, plus ``seed`` for the initial weights; ``dtype`` by name, ``"float64"``
or ``"float32"``).

References: ``exact``, ``sympy`` (``dsolve``), ``scipy`` (``solve_bvp``, or ``solve_ivp`` when every
condition sits at the left end and no constant is identified; the label says which) and ``unknowns``
(``exact_unknowns``). Error: the max absolute error of ``result.sol`` on 1000 equispaced points of the domain;
against ``scipy`` also of the unknowns ``solve_bvp`` identifies; against ``unknowns`` the max absolute error
of the identified constants.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import torch

from sciml._validation import check_choice, check_int
from sciml.expressions import parse_number
from sciml.problems._base import Problem, Reference, brief
from sciml.problems._figures import log_axis
from sciml.problems._references import max_abs_error
from sciml.problems._spec import ProblemFileError, did_you_mean

GRID_POINTS = 1000
#: how each reference is drawn over the PINN's solution
_REFERENCE_STYLES = {"exact": "--", "sympy": "-.", "scipy": ":"}


@dataclasses.dataclass(eq=False)
class BVPProblem(Problem):
    """An ODE problem ``equation`` on ``domain`` with ``conditions`` (see :class:`sciml.pinn.BVP`)."""

    kind = "bvp"
    capability = "pinn"
    progress = True
    reference_labels = {"exact": "closed form", "sympy": "sympy.dsolve", "scipy": "scipy.integrate.solve_bvp",
                        "unknowns": "exact unknowns"}

    equation: str | list = ""
    domain: list = dataclasses.field(default_factory=list)
    conditions: list = dataclasses.field(default_factory=list)
    exact: str | list | None = None
    parameters: dict = dataclasses.field(default_factory=dict)
    unknowns: dict = dataclasses.field(default_factory=dict)
    solver: dict = dataclasses.field(default_factory=dict)
    exact_unknowns: dict = dataclasses.field(default_factory=dict)
    constants: dict = dataclasses.field(default_factory=dict)
    data: dict | None = None

    def __post_init__(self):
        super().__post_init__()
        from sciml.pinn import check_options, solve

        if "exact" in self.tolerances and self.exact is None:
            raise ValueError("an 'exact' reference needs the closed form: give exact = \"...\"")
        if "unknowns" in self.tolerances and not self.exact_unknowns:
            raise ValueError("an 'unknowns' reference needs their true values: give an [exact_unknowns] table")
        stray = sorted(set(self.exact_unknowns) - set(self.unknowns))
        if stray:
            raise ValueError(f"exact_unknowns: {stray[0]!r} is not among the unknowns {sorted(self.unknowns)}")
        options = (set(inspect.signature(solve).parameters) - {"problem", "callback", "theta0", "generator"}) | {
            "seed", "continuation"}
        unknown = sorted(set(self.solver) - options)
        if unknown:
            raise ValueError(f"solver: unknown option {unknown[0]!r}{did_you_mean(unknown[0], options)} (the options "
                             f"are {', '.join(sorted(options))})")
        if "dtype" in self.solver:
            self.solver = {**self.solver, "dtype": check_choice(self.solver["dtype"], "solver: dtype",
                                                                ("float64", "float32"))}
        if "seed" in self.solver:
            check_int(self.solver["seed"], "solver: seed", low=0)
        values = {k: v for k, v in self.solver.items() if k not in ("seed", "continuation", "dtype")}
        try:  # the values as solve checks them, now rather than at solve time
            check_options(**{**values, **({"hidden": tuple(values["hidden"])} if isinstance(
                values.get("hidden"), list) else {})})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"solver: {exc}") from None
        known = {**self.parameters, **_solve_constants(self.constants, self.parameters)}
        data = _observations(self.data, self.domain, known) if self.data is not None else None
        self.bvp = self._statement(self.equation, tuple(self.domain), list(self.conditions), parameters=known or None,
                                   unknowns=self.unknowns or None, exact=self.exact, data=data)
        self.true_unknowns = {k: parse_number(v, where=f"exact_unknowns[{k!r}]")
                              for k, v in self.exact_unknowns.items()}
        self._solutions: dict[str, object] = {}
        self._stages = self._continuation(self.solver.get("continuation", {}))

    @staticmethod
    def _statement(*args, **kwargs):
        """The :mod:`sciml.pinn` statement of the problem (the ``ivp`` kind checks it is an initial value one)."""
        from sciml.pinn import BVP

        return BVP(*args, **kwargs)

    @property
    def method(self) -> str:
        return f"sciml.pinn.solve ({self.solver.get('method', 'auto')})"

    def statement(self) -> str:
        return repr(self.bvp).removeprefix("BVP(").removesuffix(")")

    def _continuation(self, steps) -> dict:
        """The file's ``solver.continuation`` table ``{name: [v1, v2, ...]}``, checked: the stages that
        :func:`sciml.pinn.solve` (``continuation=``) solves in order before the problem itself."""
        if not isinstance(steps, dict) or any(not isinstance(v, list) or not v for v in steps.values()):
            raise ValueError("solver: continuation must be a table of non-empty lists, such as "
                             "{eps = [\"1/100\", \"1/300\"]}")
        stray = sorted(set(steps) - set(self.parameters))
        if stray:
            raise ValueError(f"solver: continuation of {stray[0]!r}, which is not in [parameters]")
        lengths = {len(v) for v in steps.values()}
        if len(lengths) > 1:
            raise ValueError(f"solver: continuation lists have different lengths {sorted(lengths)}")
        return dict(steps)

    def solve(self, **options):
        """:func:`sciml.pinn.solve` with the file's ``[solver]`` options; ``continuation`` is solve's own
        (each stage from the previous stage's network, the result carrying the history of all of them)."""
        from sciml import pinn

        opts = dict(self.solver)
        opts.pop("continuation", None)
        if "hidden" in opts:
            opts["hidden"] = tuple(opts["hidden"])
        if "seed" in opts:  # files name a seed; solve takes a generator
            opts["generator"] = torch.Generator().manual_seed(int(opts.pop("seed")))
        if isinstance(opts.get("dtype"), str):
            opts["dtype"] = getattr(torch, opts["dtype"])
        if self._stages:
            opts["continuation"] = self._stages
        return pinn.solve(self.bvp, **{**opts, **options})

    def grid(self) -> np.ndarray:
        a, b = self.bvp.domain
        return np.linspace(a, b, GRID_POINTS)

    def reference_solution(self, name: str):
        """The reference ``name`` as a NumPy callable (built once, on first use)."""
        from sciml.pinn import references

        if name not in self._solutions:
            build = {"exact": references.exact_solution, "sympy": references.dsolve_solution,
                     "scipy": references.scipy_solution}[name]
            guess = self.solver.get("guess") if name == "scipy" else None  # solve_bvp from the same guess
            self._solutions[name] = build(self.bvp) if guess is None else build(self.bvp, guess=guess)
        return self._solutions[name]

    def _error(self, name: str, result) -> float:
        if name == "unknowns":
            return max_abs_error([result.unknowns[k] for k in self.true_unknowns], list(self.true_unknowns.values()),
                                 "unknowns")
        x = self.grid()
        ref = self.reference_solution(name)
        with torch.no_grad():
            got = result.sol(torch.as_tensor(x, dtype=result.theta.dtype, device=result.theta.device))
        error = max_abs_error(got.cpu().numpy().astype(float), ref(x), "solution")
        if ref.unknowns:  # solve_bvp identifies the unknown constants too
            error = max(error, max_abs_error([result.unknowns[k] for k in ref.unknowns], list(ref.unknowns.values()),
                                             "unknowns"))
        return error

    def references(self) -> list[Reference]:
        from sciml.pinn.references import scipy_method

        labels = dict(self.reference_labels)
        if "scipy" in self.tolerances:  # the solver the SciPy reference uses: solve_ivp or solve_bvp
            labels["scipy"] = scipy_method(self.bvp)
        return [Reference(name, labels[name], tol, lambda r, n=name: self._error(n, r),
                          value=lambda r, n=name: self._shown_value(n, r),
                          expected=lambda n=name: self._shown_expected(n))
                for name, tol in self.tolerances.items()]

    # -- what the report shows: the solution at the quarter points of the domain, and the unknowns ----------

    def _quarters(self) -> np.ndarray:
        a, b = self.bvp.domain
        return a + (b - a) * np.array([0.25, 0.5, 0.75])

    def _shown(self, values, unknowns: dict) -> str:
        """``u(0.25, 0.5, 0.75) = [..]`` per function, then ``k = ..`` per unknown, in one line."""
        at = ", ".join(brief(p, 4) for p in self._quarters())
        parts = [] if values is None else [f"{f}({at}) = {brief(values[:, j], 6)}"
                                           for j, f in enumerate(self.bvp.functions)]
        return "; ".join(parts + [f"{k} = {brief(float(v))}" for k, v in unknowns.items()])

    def _shown_value(self, name: str, result) -> str:
        if name == "unknowns":
            return self._shown(None, {k: result.unknowns[k] for k in self.true_unknowns})
        x = self._quarters()
        with torch.no_grad():
            got = result.sol(torch.as_tensor(x, dtype=result.theta.dtype, device=result.theta.device))
        return self._shown(got.cpu().numpy().reshape(len(x), -1), dict(result.unknowns or {}))

    def _shown_expected(self, name: str) -> str:
        if name == "unknowns":
            return self._shown(None, self.true_unknowns)
        x = self._quarters()
        ref = self.reference_solution(name)
        return self._shown(np.asarray(ref(x), dtype=float).reshape(len(x), -1), dict(ref.unknowns or {}))

    def axis_label(self) -> str:
        """The name of the independent variable, for the figure's axis."""
        return str(self.bvp.variable)

    def plot(self, result, fig) -> bool:
        """Left: the PINN's solution (colour per function), the references over it (black, one line style
        each) and any observations; middle: |PINN − reference| on a log scale; right: the training loss."""
        x, axis, names = self.grid(), self.axis_label(), self.bvp.functions
        with torch.no_grad():
            got = result.sol(torch.as_tensor(x, dtype=result.theta.dtype)).cpu().numpy().reshape(len(x), -1)
        ax_sol, ax_err, ax_loss = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
        for j, f in enumerate(names):
            ax_sol.plot(x, got[:, j], lw=2.5, color=f"C{j}", label=f"PINN {f}")
        if self.bvp.data is not None:
            xo, uo = (np.asarray(d.cpu(), dtype=float) for d in self.bvp.data)
            for j, col in enumerate(uo.reshape(len(xo), -1).T):
                ax_sol.plot(xo, col, "o", ms=3.5, mfc="none", color="0.25",
                            label=f"data ({len(xo)} observations)" if j == 0 else None)
        errors = []
        for k, name in enumerate(n for n in self.tolerances if n != "unknowns"):
            try:
                ref = self.reference_solution(name)(x).reshape(len(x), -1)
            except Exception:  # a failing reference is reported by verify; the figure shows the others
                continue
            style = _REFERENCE_STYLES.get(name, "--")
            for j, f in enumerate(names):
                ax_sol.plot(x, ref[:, j], style, lw=1.2, color="k", label=name if j == 0 else None)
                errors.append(np.abs(got[:, j] - ref[:, j]))
                # one function: a colour per reference; several: a colour per function, a style per reference
                look = dict(ls="-", color=f"C{k}", label=f"vs {name}") if len(names) == 1 else dict(
                    ls="-" if k == 0 else style, color=f"C{j}", label=f"{f} vs {name}")
                ax_err.plot(x, np.maximum(errors[-1], np.finfo(float).tiny), lw=1, **look)
        ax_sol.set(title="solution", xlabel=axis, ylabel=", ".join(names))
        ax_sol.legend(fontsize="small")
        ax_err.set(title="pointwise error", xlabel=axis, ylabel="|PINN − reference|")
        if errors:
            log_axis(ax_err, np.concatenate(errors))
            if len(names) == 1:
                ax_err.legend(fontsize="small")
            else:  # a key, not every pair: the functions' colours, then the references' line styles
                from matplotlib.lines import Line2D

                styles = {line.get_linestyle(): line.get_label().rpartition(" vs ")[2] for line in ax_err.lines}
                key = [Line2D([], [], color=f"C{j}", label=f) for j, f in enumerate(names)]
                key += [Line2D([], [], ls=ls, color="k", label=f"vs {name}") for ls, name in styles.items()]
                ax_err.legend(handles=key, fontsize="small", ncols=2)
        history = result.history.cpu().numpy()
        ax_loss.semilogy(np.arange(len(history)), history)
        title = f"training loss (stopped: {result.stop_reason})"
        if self._stages:
            title += f"\n{len(next(iter(self._stages.values()))) + 1} continuation stages: each restarts the loss"
        if result.unknowns:
            title += "\n" + ", ".join(f"{k} = {v:.8g}" + (f" (true {self.true_unknowns[k]:.8g})"
                                                         if k in self.true_unknowns else "")
                                      for k, v in result.unknowns.items())
        ax_loss.set(xlabel="iteration", ylabel="loss")
        ax_loss.set_title(title, fontsize="medium")
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        constants = {}
        table = spec.table("constants", None)
        for name in table.data if table is not None else ():
            entry = table.table(name)  # name = {equation = "...", guess = number}
            constants[name] = {"equation": entry.str("equation"), "guess": entry.constant("guess")}
            entry.check_unused()
        fields = dict(equation=spec.str_or_list("equation"), domain=spec.constants("domain", length=2),
                      conditions=spec.strings("conditions", example='"u(0) = 0"'),
                      exact=spec.str_or_list("exact", None), data=_data(spec), constants=constants,
                      **{key: spec.mapping(key) for key in ("parameters", "unknowns", "solver", "exact_unknowns")})
        try:
            return cls(**fields, **common)
        except ProblemFileError:
            raise
        except (ValueError, TypeError) as exc:  # sciml.pinn names its arguments: name the file's keys
            raise spec.explain(exc, {"equations": "equation"}) from None


def _data(spec) -> dict | None:
    """The ``[data]`` table: observations ``x`` and ``u``, or a closed form to sample with seeded noise."""
    data = spec.table("data", None)
    if data is None:
        return None
    if set(data.data) == {"x", "u"}:
        x = data.numbers("x")
        return {"x": x, "u": data.numbers("u", length=len(x))}
    if set(data.data) == {"solution", "n", "noise", "seed"}:
        return {"solution": data.str("solution"), "n": data.int("n", low=1), "noise": data.number("noise", low=0),
                "seed": data.int("seed", low=0)}
    stray = sorted(set(data.data) - {"x", "u", "solution", "n", "noise", "seed"})
    if stray:  # a misspelt key: 'noice'
        raise data.unknown_key(stray[0], {"x", "u"} if {"x", "u"} & set(data.data) else {"solution", "n", "noise",
                                                                                           "seed"})
    raise spec.error("data", f"must hold x and u (lists), or solution, n, noise and seed; got {sorted(data.data)}")


def _solve_constants(constants: dict, parameters: dict) -> dict:
    """Each ``name: {equation, guess}`` solved by :func:`sympy.nsolve` (30 digits), in file order, with the
    parameters and earlier constants substituted."""
    import sympy

    from sciml.expressions import parse

    known = {sympy.Symbol(k): parse(v, where=f"parameters[{k!r}]") for k, v in parameters.items()}
    out = {}
    for name, entry in constants.items():
        where = f"constants[{name!r}]"
        text = entry["equation"]
        lhs, _, rhs = text.partition("=") if isinstance(text, str) else ("", "", "")
        expr = (parse(lhs, where=where) - parse(rhs or "0", where=where)).subs(known)
        symbol = sympy.Symbol(name)
        stray = sorted(str(s) for s in expr.free_symbols - {symbol})
        if stray:
            raise ValueError(f"{where}: {text!r} uses {', '.join(stray)}; declare it in [parameters]")
        try:
            value = sympy.nsolve(expr, symbol, parse_number(entry["guess"], where=f"{where}.guess"), prec=30)
        except (ValueError, ZeroDivisionError) as exc:
            reason = str(exc).splitlines()[0]  # mpmath's message goes on over lines
            raise ValueError(f"{where}: sympy.nsolve finds no root of {text!r} near the guess ({reason})") from None
        known[symbol] = value
        out[name] = sympy.Float(value, 30)
    return out


def _observations(data: dict, domain, parameters) -> tuple[np.ndarray, np.ndarray]:
    """``(x, u)`` as given, or ``n`` uniform random points of ``domain`` with ``solution(x) + noise·N(0, 1)``
    from NumPy's generator seeded by ``seed``."""
    import sympy

    from sciml.expressions import parse

    if "x" in data:
        return np.asarray(data["x"], dtype=float), np.asarray(data["u"], dtype=float)
    a, b = (parse_number(d, where=f"domain[{i}]") for i, d in enumerate(domain))
    rng = np.random.default_rng(check_int(data["seed"], "data['seed']", low=0))
    x = np.sort(rng.uniform(a, b, check_int(data["n"], "data['n']", low=1)))
    expr = parse(data["solution"], where="data.solution").subs({sympy.Symbol(k): v for k, v in parameters.items()})
    variable = sorted(expr.free_symbols, key=str)
    if len(variable) > 1:
        raise ValueError(f"data.solution: {data['solution']!r} must be a function of the variable alone")
    values = sympy.lambdify(variable, expr, ["scipy", "numpy"])(x) if variable else float(expr) + 0 * x
    return x, values + float(data["noise"]) * rng.standard_normal(x.shape)
