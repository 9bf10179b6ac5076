"""Quadratic programs (kind ``qp``) with equality constraints, min ½xᵀQx + cᵀx subject to A x = b, solved by
:func:`sciml.qp.solve_qp` and checked against the stated solution and SciPy's ``trust-constr``."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg
import scipy.optimize

from sciml.problems._base import Problem
from sciml.problems._references import max_abs_error


@dataclasses.dataclass(eq=False)
class QPProblem(Problem):
    """Minimize ``½ xᵀQx + cᵀx`` subject to ``A x = b`` (``A``, ``b`` optional).

    The multipliers λ belong to the Lagrangian ``L = f + λᵀ(Ax − b)``, so ``Qx + c + Aᵀλ = 0``.
    References: ``exact`` (``exact_x`` and, when given, ``exact_lam``; SymPy-parsable strings such as
    ``"-7/3"`` allowed) and ``scipy`` (``scipy.optimize.minimize`` with ``trust-constr``, the exact Hessian and
    the equality as a ``LinearConstraint``; its multipliers ``v`` share sciml's sign). Error: the max absolute
    difference over the entries of x and of λ.
    """

    kind = "qp"
    capability = "qp"
    reference_labels = {"exact": "closed form", "scipy": "scipy.optimize.minimize(trust-constr)"}

    Q: list = dataclasses.field(default_factory=list)
    c: list = dataclasses.field(default_factory=list)
    A: list | None = None
    b: list | None = None
    exact_x: list | None = None
    exact_lam: list | None = None

    def __post_init__(self):
        super().__post_init__()
        if (self.A is None) != (self.b is None):
            raise ValueError("give both A and b (constraints A x = b) or neither")
        if "exact" in self.tolerances and self.exact_x is None:
            raise ValueError("an 'exact' reference needs exact_x = [...]")
        if self.exact_lam is not None and self.A is None:
            raise ValueError("exact_lam is only meaningful with constraints A and b")

    @property
    def method(self) -> str:
        return "sciml.qp.solve_qp"

    def statement(self) -> str:
        text = f"minimize ½ xᵀQx + cᵀx with Q = {self.Q}, c = {self.c}"
        return text + (f", subject to A x = b with A = {self.A}, b = {self.b}" if self.A is not None else "")

    def solve(self, **options):
        from sciml.qp import solve_qp

        return solve_qp(self.Q, self.c, self.A, self.b, **options)

    def _error(self, result, x_ref, lam_ref) -> float:
        if not result.success:
            raise ValueError(f"solve_qp did not succeed: {result.message}")
        err = max_abs_error(result.x.detach().cpu(), x_ref, "x")
        if lam_ref is not None:
            err = max(err, max_abs_error(result.lam.detach().cpu(), lam_ref, "lam"))
        return err

    def _scipy(self):
        Q, c = np.asarray(self.Q, dtype=float), np.asarray(self.c, dtype=float)
        constraints = []
        if self.A is not None:
            b = np.asarray(self.b, dtype=float)
            constraints = [scipy.optimize.LinearConstraint(np.asarray(self.A, dtype=float), b, b)]
        res = scipy.optimize.minimize(
            lambda x: 0.5 * x @ Q @ x + c @ x, np.zeros(len(c)), jac=lambda x: Q @ x + c,
            hess=lambda x: Q, method="trust-constr", constraints=constraints,
            options={"gtol": 1e-14, "xtol": 1e-16, "maxiter": 2000})
        if res.status not in (1, 2):
            raise ValueError(f"the SciPy reference did not converge: {res.message}")
        return res.x, (np.asarray(res.v[0]) if constraints else None)

    def references(self):
        answers = {"exact": lambda: (self.exact_x, self.exact_lam), "scipy": self._scipy}
        return self._compare_with(answers, lambda r, ref: self._error(r, *ref))

    def plot(self, result, fig) -> bool:
        x = result.x.detach().cpu().numpy()
        ax = fig.add_subplot()
        Q, c = np.asarray(self.Q, dtype=float), np.asarray(self.c, dtype=float)
        if len(x) != 2:  # slices of the objective through x along feasible directions
            Z = np.eye(len(x)) if self.A is None else scipy.linalg.null_space(np.asarray(self.A, dtype=float))
            s = np.linspace(-1, 1, 201) * max(1.0, float(np.max(np.abs(x))))
            for j in range(min(Z.shape[1], 4)):
                z = Z[:, j]
                ax.plot(s, 0.5 * s**2 * (z @ Q @ z) + s * (z @ (Q @ x + c)), label=f"along null-space vector {j + 1}")
            ax.axvline(0.0, color="k", lw=0.8)
            ax.set(xlabel="step s from x", ylabel="f(x + s z) − f(x)",
                   title="the objective along feasible directions through the solution (minimum at s = 0)")
            ax.legend(fontsize="small")
            return True
        span = max(1.0, 1.5 * float(np.max(np.abs(x))))
        g = np.linspace(-span, span, 201)
        X, Y = np.meshgrid(x[0] + g, x[1] + g)
        P = np.stack([X, Y], -1)
        F = 0.5 * np.einsum("...i,ij,...j->...", P, Q, P) + P @ c
        ax.contour(X, Y, F, levels=25, cmap="viridis")
        for row, rhs in zip(self.A or [], self.b or [], strict=True):
            a1, a2 = row
            if abs(a2) > abs(a1):
                ax.plot(X[0], (rhs - a1 * X[0]) / a2, "r-", label=f"{a1:g} x₁ + {a2:g} x₂ = {rhs:g}")
            else:
                ax.plot((rhs - a2 * Y[:, 0]) / a1, Y[:, 0], "r-", label=f"{a1:g} x₁ + {a2:g} x₂ = {rhs:g}")
        ax.plot(*x, "k*", markersize=12, label=f"x = ({x[0]:.6g}, {x[1]:.6g})")
        ax.set_aspect("equal")
        ax.set(xlim=(X.min(), X.max()), ylim=(Y.min(), Y.max()), xlabel="x₁", ylabel="x₂",
               title="objective contours, constraint and minimizer")
        ax.legend(loc="upper right", fontsize="small")
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        return cls(Q=spec.matrix("Q"), c=spec.numbers("c"), A=spec.matrix("A", None), b=spec.numbers("b", None),
                   exact_x=spec.numbers("exact_x", None), exact_lam=spec.numbers("exact_lam", None), **common)
