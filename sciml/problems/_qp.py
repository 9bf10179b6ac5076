"""Quadratic programs (kind ``qp``) with equality constraints, min ½xᵀQx + cᵀx subject to A x = b, solved by
:func:`sciml.qp.solve_qp` and checked against the stated solution and SciPy's ``trust-constr``."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg
import scipy.optimize

from sciml.problems._base import Problem, brief
from sciml.problems._qp_figure import constraint_rows, draw_line, plot_qp
from sciml.problems._references import max_abs_error
from sciml.problems._spec import Spec

#: the statuses a qp problem file may expect
EXPECTED = ("OPTIMAL", "INFEASIBLE", "UNBOUNDED")


def _x_lam(x, lam=None) -> str:
    """A QP answer in a short line: ``x = [..], λ = [..]`` (λ only where there are constraints)."""
    return f"x = {brief(x)}" + ("" if lam is None else f", λ = {brief(lam)}")


@dataclasses.dataclass(eq=False)
class QPProblem(Problem):
    """Minimize ``½ xᵀQx + cᵀx`` subject to ``A x = b`` (``A``, ``b`` optional).

    The multipliers λ belong to the Lagrangian ``L = f + λᵀ(Ax − b)``, so ``Qx + c + Aᵀλ = 0``.
    References: ``exact`` (``exact_x`` and, when given, ``exact_lam``; SymPy-parsable strings such as
    ``"-7/3"`` allowed) and ``scipy`` (``scipy.optimize.minimize`` with ``trust-constr``, the exact Hessian and
    the equality as a ``LinearConstraint``; its multipliers ``v`` share sciml's sign). Error: the max absolute
    difference over the entries of x and of λ.

    With inequalities ``G x ≤ h`` and bounds ``lb ≤ x ≤ ub`` (a number or one per variable) the problem goes to
    the interior-point solver; ``exact_mu`` gives the multipliers of ``G x ≤ h``, and the ``scipy`` reference
    is SLSQP with the constraints and bounds (comparing x only). A problem with ``expected_status = "INFEASIBLE"`` or
    ``"UNBOUNDED"`` passes when solve_qp reports that status with a certificate that ``certificate`` re-checks
    in NumPy (a Farkas ray, or a ray of decrease), and ``scipy`` confirms with HiGHS (``linprog``: no feasible
    point, or a ray LP with a negative optimum).
    """

    kind = "qp"
    capability = "qp"
    reference_labels = {"exact": "closed form", "scipy": "scipy.optimize (trust-constr, SLSQP, HiGHS)",
                        "certificate": "the certificate re-checked in NumPy"}

    Q: list = dataclasses.field(default_factory=list)
    c: list = dataclasses.field(default_factory=list)
    A: list | None = None
    b: list | None = None
    exact_x: list | None = None
    exact_lam: list | None = None
    G: list | None = None
    h: list | None = None
    lb: float | list | None = None
    ub: float | list | None = None
    exact_mu: list | None = None
    expected_status: str = "OPTIMAL"

    def __post_init__(self):
        super().__post_init__()
        if (self.G is None) != (self.h is None):
            raise ValueError("give both G and h (constraints G x ≤ h) or neither")
        if self.expected_status not in EXPECTED:
            raise ValueError(f"expected_status must be one of {', '.join(EXPECTED)}, got {self.expected_status!r}")
        allowed = {"certificate", "scipy"} if self.expected_status != "OPTIMAL" else {"exact", "scipy"}
        if set(self.tolerances) - allowed:
            raise ValueError(f"a problem with expected_status = {self.expected_status!r} takes the references "
                             f"{sorted(allowed)}, got {sorted(self.tolerances)}")
        if self.exact_mu is not None and self.G is None:
            raise ValueError("exact_mu is only meaningful with constraints G and h")
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
        text += f", subject to A x = b with A = {self.A}, b = {self.b}" if self.A is not None else ""
        text += f", G x ≤ h with G = {self.G}, h = {self.h}" if self.G is not None else ""
        text += f", x ≥ {self.lb}" if self.lb is not None else ""
        text += f", x ≤ {self.ub}" if self.ub is not None else ""
        return text + (f" (expected: {self.expected_status})" if self.expected_status != "OPTIMAL" else "")

    def solve(self, **options):
        import warnings

        from sciml.qp import QPWarning, solve_qp

        with warnings.catch_warnings():
            if self.expected_status != "OPTIMAL":  # the status is the answer here, not a failure to warn about
                warnings.simplefilter("ignore", QPWarning)
            return solve_qp(self.Q, self.c, self.A, self.b, self.G, self.h, lb=self.lb, ub=self.ub, **options)

    def _arrays(self):
        n = len(self.c)
        f = np.asarray
        A = f(self.A, dtype=float) if self.A is not None else np.zeros((0, n))
        G = f(self.G, dtype=float) if self.G is not None else np.zeros((0, n))
        b = f(self.b, dtype=float) if self.b is not None else np.zeros(0)
        h = f(self.h, dtype=float) if self.h is not None else np.zeros(0)
        lb = np.broadcast_to(f(-np.inf if self.lb is None else self.lb, dtype=float), (n,))
        ub = np.broadcast_to(f(np.inf if self.ub is None else self.ub, dtype=float), (n,))
        return f(self.Q, dtype=float), f(self.c, dtype=float), A, b, G, h, lb, ub

    def _certificate(self, result) -> float:
        """0 when the result has the expected status and its certificate passes an independent NumPy check."""
        if result.status.name != self.expected_status:
            raise ValueError(f"solve_qp reported {result.status.name}, expected {self.expected_status}")
        Q, c, A, b, G, h, lb, ub = self._arrays()
        cert = result.certificate.detach().cpu().numpy()
        m, p, n = len(b), len(h), len(c)
        if self.expected_status == "INFEASIBLE":
            y, z, zl, zu = cert[:m], cert[m:m + p], cert[m + p:m + p + n], cert[m + p + n:]
            scale = np.abs(cert).max()
            resid = A.T @ y + G.T @ z - zl + zu
            value = b @ y + h @ z - np.where(np.isfinite(lb), lb, 0) @ zl + np.where(np.isfinite(ub), ub, 0) @ zu
            ok = min(z.min(initial=0), zl.min(), zu.min()) >= 0 and np.abs(resid).max() <= 1e-9 * scale \
                and value < -1e-6 * scale
        else:
            d = cert[:n]
            scale = np.abs(d).max()
            ok = (np.abs(Q @ d).max() <= 1e-9 * scale and np.abs(A @ d).max(initial=0) <= 1e-9 * scale
                  and (G @ d).max(initial=0) <= 1e-9 * scale and c @ d < -1e-6 * scale
                  and np.where(np.isfinite(lb), -d, 0).max() <= 1e-9 * scale
                  and np.where(np.isfinite(ub), d, 0).max() <= 1e-9 * scale)
        if not ok:
            raise ValueError(f"the {self.expected_status} certificate of solve_qp failed the NumPy check")
        return 0.0

    def _highs(self):
        """HiGHS' verdict: 2 (infeasible) from the feasibility LP, or the optimum of the ray LP (< 0: unbounded)."""
        Q, c, A, b, G, h, lb, ub = self._arrays()
        n = len(c)
        if self.expected_status == "INFEASIBLE":
            res = scipy.optimize.linprog(np.zeros(n), A_ub=G if len(h) else None, b_ub=h if len(h) else None,
                                         A_eq=A if len(b) else None, b_eq=b if len(b) else None,
                                         bounds=list(zip(lb, ub, strict=True)), method="highs")
            return res.status
        ray_lb = np.where(np.isfinite(lb), 0.0, -1.0)
        ray_ub = np.where(np.isfinite(ub), 0.0, 1.0)
        A_eq = np.vstack([Q, A])
        res = scipy.optimize.linprog(c, A_ub=G if len(h) else None, b_ub=np.zeros(len(h)) if len(h) else None,
                                     A_eq=A_eq, b_eq=np.zeros(len(A_eq)), bounds=list(zip(ray_lb, ray_ub, strict=True)),
                                     method="highs")
        return res.fun

    def _scipy_verdict(self, result, verdict) -> float:
        self._certificate(result)
        if self.expected_status == "INFEASIBLE" and verdict != 2:
            raise ValueError(f"HiGHS does not find the problem infeasible (linprog status {verdict})")
        if self.expected_status == "UNBOUNDED" and not verdict < -1e-9:
            raise ValueError(f"HiGHS finds no ray of decrease (ray LP optimum {verdict})")
        return 0.0

    def _error(self, result, x_ref, lam_ref, mu_ref=None) -> float:
        if not result.success:
            raise ValueError(f"solve_qp did not succeed: {result.message}")
        err = max_abs_error(result.x.detach().cpu(), x_ref, "x")
        if lam_ref is not None:
            err = max(err, max_abs_error(result.lam.detach().cpu(), lam_ref, "lam"))
        if mu_ref is not None:
            err = max(err, max_abs_error(result.mu.detach().cpu(), mu_ref, "mu"))
        return err

    def _scipy(self):
        Q, c = np.asarray(self.Q, dtype=float), np.asarray(self.c, dtype=float)
        if self.G is not None or self.lb is not None or self.ub is not None:
            return self._slsqp()
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

    def _slsqp(self):
        """x from SLSQP with the inequalities and bounds (its multipliers are not compared: λ may be non-unique).
        Redundant equality rows, which SLSQP cannot take, are dropped first by a pivoted QR of Aᵀ."""
        Q, c, A, b, G, h, lb, ub = self._arrays()
        if len(b):
            _, R, piv = scipy.linalg.qr(A.T, pivoting=True)
            d = np.abs(np.diag(R))
            keep = np.sort(piv[:int((d > 1e-12 * d[0]).sum())])
            A, b = A[keep], b[keep]
        cons = [{"type": "ineq", "fun": lambda x: h - G @ x, "jac": lambda x: -G}] if len(h) else []
        if len(b):
            cons.append({"type": "eq", "fun": lambda x: A @ x - b, "jac": lambda x: A})
        res = scipy.optimize.minimize(
            lambda x: 0.5 * x @ Q @ x + c @ x, np.clip(np.zeros(len(c)), lb, ub), jac=lambda x: Q @ x + c,
            constraints=cons, bounds=scipy.optimize.Bounds(lb, ub), method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 2000})
        if not res.success:
            raise ValueError(f"the SciPy reference did not converge: {res.message}")
        return res.x, None

    def references(self):
        if self.expected_status != "OPTIMAL":
            answers = {"certificate": lambda: None, "scipy": self._highs}
            return self._compare_with(
                answers, lambda r, ref: self._certificate(r) if ref is None else self._scipy_verdict(r, ref),
                value=lambda r: f"{r.status.name} with a certificate", expected=lambda ref: self.expected_status)
        answers = {"exact": lambda: (self.exact_x, self.exact_lam, self.exact_mu), "scipy": self._scipy}
        return self._compare_with(answers, lambda r, ref: self._error(r, *ref),
                                  value=lambda r: _x_lam(r.x, r.lam if self.A is not None else None),
                                  expected=lambda ref: _x_lam(*ref[:2]))

    def _plot_verdict(self, result, ax) -> bool:
        """The constraint lines of a 2-variable problem with no answer (and the ray of an unbounded one)."""
        _, c, A, b, G, h, lb, ub = self._arrays()
        if len(c) != 2:
            return False
        styles = {"=": "-", "≤": "--", "≥": ":"}
        for a, r, rel, text in constraint_rows(A, b, G, h, lb, ub):
            draw_line(ax, a, r, ((-3, 3), (-3, 3)), ls=styles[rel], label=text)
        if result.status.name == "UNBOUNDED":
            d = result.certificate.detach().cpu().numpy()[:2]
            d = 2 * d / np.abs(d).max()
            ax.annotate("", xy=d, xytext=(0, 0), arrowprops={"arrowstyle": "->", "lw": 2})
            ax.plot([], [], "k-", label="ray along which f decreases")
        ax.set(xlim=(-3, 3), ylim=(-3, 3), xlabel="x₁", ylabel="x₂")
        ax.set_title(f"{result.status.name}: {result.message.split(':')[0]}", fontsize="medium")
        ax.legend(fontsize="small")
        return True

    def plot(self, result, fig) -> bool:
        """Two variables: the objective's contours with the constraint lines and the minimizer, beside the
        objective along the feasible directions; more variables: those slices alone."""
        x = result.x.detach().cpu().numpy()
        if not np.isfinite(x).all():  # infeasible or unbounded: the constraints, and the certificate's ray
            return self._plot_verdict(result, fig.add_subplot())
        Q, c, A, b, G, h, lb, ub = self._arrays()
        plot_qp(fig, x, Q, c, constraint_rows(A, b, G, h, lb, ub))
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        c = spec.numbers("c")
        n = len(c)
        G, h = spec.matrix("G", None), spec.numbers("h", None)
        if G is not None and any(len(row) != n for row in G):
            raise spec.error("G", f"each row must have {n} entries (one per variable, as c), got {len(G[0])}")
        if G is not None and h is not None and len(h) != len(G):
            raise spec.error("h", f"must have one entry per row of G ({len(G)}), got {len(h)}")
        bounds = {}
        for key in ("lb", "ub"):
            value = spec.get(key, None)
            bounds[key] = value if value is None or isinstance(value, list) else [value]
            if bounds[key] is not None:
                bounds[key] = Spec({key: bounds[key]}, spec.source, spec.prefix).numbers(key)
                if len(bounds[key]) not in (1, n):
                    raise spec.error(key, f"must be a number or {n} numbers (one per variable), got "
                                          f"{len(bounds[key])}")
                if len(bounds[key]) == 1 and not isinstance(value, list):
                    bounds[key] = bounds[key][0]
        lb, ub = bounds["lb"], bounds["ub"]
        if lb is not None and ub is not None and np.any(np.asarray(lb, dtype=float) > np.asarray(ub, dtype=float)):
            raise spec.error("lb", "must be at most ub for every variable")
        expected = spec.choice("expected_status", EXPECTED, "OPTIMAL").upper()
        return cls(Q=spec.matrix("Q"), c=c, A=spec.matrix("A", None), b=spec.numbers("b", None), G=G, h=h, lb=lb,
                   ub=ub, exact_x=spec.numbers("exact_x", None), exact_lam=spec.numbers("exact_lam", None),
                   exact_mu=spec.numbers("exact_mu", None), expected_status=expected, **common)
