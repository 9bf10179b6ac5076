"""ODE boundary and initial value problems stated as mathematics, solved by :func:`sciml.pinn.solve`.

File keys: ``equation`` (a string, or a list for systems), ``domain`` (two entries, numbers or constant
strings), ``conditions`` (a list of equations in point values), optional ``exact`` (closed form in the
variable; a list for systems), ``parameters`` and ``unknowns`` (tables of constants), ``solver`` (a table of
options for :func:`sciml.pinn.solve`, plus ``seed`` for the initial weights; ``dtype`` by name, ``"float64"``
or ``"float32"``). References: ``exact``, ``sympy`` (``dsolve``) and ``scipy``
(``solve_bvp``, or ``solve_ivp`` for initial values). Error: the max absolute error of ``result.sol`` on 1000
equispaced points of the domain.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import torch

from sciml.problems.base import Problem, Reference

GRID_POINTS = 1000


@dataclasses.dataclass(eq=False)
class BVPProblem(Problem):
    """An ODE problem ``equation`` on ``domain`` with ``conditions`` (see :class:`sciml.pinn.BVP`)."""

    kind = "bvp"
    reference_labels = {"exact": "closed form", "sympy": "sympy.dsolve", "scipy": "scipy.integrate.solve_bvp"}

    equation: str | list = ""
    domain: list = dataclasses.field(default_factory=list)
    conditions: list = dataclasses.field(default_factory=list)
    exact: str | list | None = None
    parameters: dict = dataclasses.field(default_factory=dict)
    unknowns: dict = dataclasses.field(default_factory=dict)
    solver: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        super().__post_init__()
        from sciml.pinn import BVP, solve

        if "exact" in self.tolerances and self.exact is None:
            raise ValueError("an 'exact' reference needs the closed form: give exact = \"...\"")
        known = (set(inspect.signature(solve).parameters) - {"problem", "callback", "theta0", "generator"}) | {"seed"}
        unknown = sorted(set(self.solver) - known)
        if unknown:
            raise ValueError(f"solver: unknown option {unknown[0]!r}; choose from {sorted(known)}")
        if self.solver.get("dtype", "float64") not in ("float32", "float64"):
            raise ValueError(f"solver: dtype must be 'float32' or 'float64', got {self.solver['dtype']!r}")
        self.bvp = BVP(self.equation, tuple(self.domain), list(self.conditions), parameters=self.parameters or None,
                       unknowns=self.unknowns or None, exact=self.exact)
        self._solutions: dict[str, object] = {}

    @property
    def method(self) -> str:
        return f"sciml.pinn.solve ({self.solver.get('method', 'lm')})"

    def statement(self) -> str:
        return repr(self.bvp).removeprefix("BVP(").removesuffix(")")

    def solve(self, **options):
        from sciml import pinn

        opts = dict(self.solver)
        if "hidden" in opts:
            opts["hidden"] = tuple(opts["hidden"])
        if "seed" in opts:  # files name a seed; solve takes a generator
            opts["generator"] = torch.Generator().manual_seed(int(opts.pop("seed")))
        if isinstance(opts.get("dtype"), str):
            opts["dtype"] = getattr(torch, opts["dtype"])
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
            self._solutions[name] = build(self.bvp)
        return self._solutions[name]

    def _error(self, name: str, result) -> float:
        x = self.grid()
        ref = self.reference_solution(name)(x)
        with torch.no_grad():
            got = result.sol(torch.as_tensor(x, dtype=result.theta.dtype, device=result.theta.device))
        return float(np.max(np.abs(got.cpu().numpy().astype(float) - ref)))

    def references(self) -> list[Reference]:
        refs = []
        for name in self.tolerances:
            label = self.reference_labels[name]
            if name == "scipy" and self.bvp.is_ivp and not self.bvp.unknowns:
                label = "scipy.integrate.solve_ivp"
            refs.append(Reference(name, label, self.tolerances[name], lambda r, n=name: self._error(n, r)))
        return refs

    def plot(self, result, fig) -> bool:
        x = self.grid()
        with torch.no_grad():
            got = result.sol(torch.as_tensor(x, dtype=result.theta.dtype)).cpu().numpy().reshape(len(x), -1)
        ax_sol, ax_err, ax_loss = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
        for j, f in enumerate(self.bvp.functions):
            ax_sol.plot(x, got[:, j], lw=2, label=f"PINN {f}")
        for name in self.tolerances:
            try:
                ref = self.reference_solution(name)(x).reshape(len(x), -1)
            except Exception:  # a failing reference is reported by verify; the figure shows the others
                continue
            for j, f in enumerate(self.bvp.functions):
                ax_sol.plot(x, ref[:, j], "--", lw=1, label=f"{name} {f}")
                err = np.abs(got[:, j] - ref[:, j])
                ax_err.semilogy(x, np.maximum(err, 1e-17), lw=1, label=f"vs {name} ({f})")
        ax_sol.set(title="solution", xlabel=str(self.bvp.variable))
        ax_sol.legend(fontsize="small")
        ax_err.set(title="pointwise |error|", xlabel=str(self.bvp.variable))
        ax_err.legend(fontsize="small")
        history = result.history.cpu().numpy()
        ax_loss.semilogy(np.arange(len(history)), history)
        ax_loss.set(title=f"loss ({result.stop_reason})", xlabel="iteration")
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        equation = spec.get("equation")
        if not (isinstance(equation, str) or (isinstance(equation, list) and equation
                                              and all(isinstance(e, str) for e in equation))):
            raise spec.error("equation", f"must be a string or a list of strings, got {equation!r}")
        domain = spec.list("domain", length=2)
        conditions = spec.list("conditions")
        if not all(isinstance(c, str) for c in conditions):
            raise spec.error("conditions", f"must be a list of strings such as \"u(0) = 0\", got {conditions!r}")
        exact = spec.get("exact", None)
        if exact is not None and not (isinstance(exact, str) or (isinstance(exact, list) and all(
                isinstance(e, str) for e in exact))):
            raise spec.error("exact", f"must be a string (or a list of strings for systems), got {exact!r}")
        tables = {}
        for key in ("parameters", "unknowns", "solver"):
            table = spec.table(key, None)
            tables[key] = dict(table.data) if table is not None else {}
        return cls(equation=equation, domain=domain, conditions=conditions, exact=exact, **tables, **common)
