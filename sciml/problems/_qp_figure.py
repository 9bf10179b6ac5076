"""The figure of a quadratic program's solution (kind ``qp``): constraints written as a mathematician writes them,
the objective's contours with the feasible set for two variables, and the objective along the directions that
stay feasible through the solution x* — along the face of the active constraints (both ways) and along the edges
that release one active inequality (s ≥ 0) — where a minimizer never lets it drop below f(x*)."""

from __future__ import annotations

import numpy as np
import scipy.linalg

_NAMES = ("x₁", "x₂", "x₃", "x₄", "x₅", "x₆", "x₇", "x₈", "x₉")


def linear_equation(coefficients, rhs, names=_NAMES, relation: str = "=") -> str:
    """``a·x = b`` (or ``≤``, ``≥``) as a mathematician writes it: ``x₁ + x₂ = 1``, ``2x₁ − x₂ ≤ 0`` (unit
    coefficients and zero terms left out, true minus signs).

    >>> linear_equation([1, 1], 1), linear_equation([2, -1, 0], -0.5, relation="≤"), linear_equation([0, 0], 3)
    ('x₁ + x₂ = 1', '2x₁ − x₂ ≤ −0.5', '0 = 3')
    """
    def number(v) -> str:
        return f"{v:g}".replace("-", "−")

    terms = []
    for a, name in zip(coefficients, names, strict=False):
        a = float(a)
        if a == 0:
            continue
        size = "" if abs(a) == 1 else number(abs(a))
        sign = ("−" if a < 0 else "") if not terms else (" − " if a < 0 else " + ")
        terms.append(f"{sign}{size}{name}")
    return f"{''.join(terms) or '0'} {relation} {number(float(rhs) + 0.0)}"


def constraint_rows(A, b, G, h, lb, ub) -> list[tuple[np.ndarray, float, str, str]]:
    """Every constraint as ``(a, r, relation, text)`` with ``a·x relation r``: equalities, then ``G x ≤ h``, then
    the finite bounds (``x_j ≥ lb_j``, ``x_j ≤ ub_j``)."""
    eye = np.eye(len(lb))
    rows = [(np.asarray(a, float), float(r), "=") for a, r in zip(A, b, strict=True)]
    rows += [(np.asarray(g, float), float(r), "≤") for g, r in zip(G, h, strict=True)]
    rows += [(eye[j], float(v), rel) for j in range(len(lb)) for v, rel in ((lb[j], "≥"), (ub[j], "≤"))
             if np.isfinite(v)]
    return [(a, r, rel, linear_equation(a, r, relation=rel)) for a, r, rel in rows]


def draw_line(ax, a, r, lim, **style) -> None:
    """The line ``a·x = r`` of the plane across the window ``lim = (x-range, y-range)``."""
    (x0, x1), (y0, y1) = lim
    if abs(a[1]) > abs(a[0]):
        g = np.array([x0, x1])
        ax.plot(g, (r - a[0] * g) / a[1], **style)
    else:
        g = np.array([y0, y1])
        ax.plot((r - a[1] * g) / a[0], g, **style)


def _directions(x, rows):
    """The face directions (orthonormal, null space of the active constraints' normals) and, per active
    inequality, the unit edge direction that leaves it (keeping the other active ones), with its text."""
    scale = 1.0 + float(np.abs(x).max())
    active = [(a, rel, text) for a, r, rel, text in rows if abs(a @ x - r) <= 1e-7 * scale * (1 + np.abs(a).max())]
    if not active:
        return np.eye(len(x)), []
    M = np.array([a for a, _, _ in active])
    face = scipy.linalg.null_space(M)
    edges = []
    for k, (_, rel, text) in enumerate(active):
        if rel == "=":
            continue
        target = np.zeros(len(active))
        target[k] = -1.0 if rel == "≤" else 1.0  # into the feasible side of a·x ≤ r (or ≥ r)
        d, *_ = np.linalg.lstsq(M, target, rcond=None)
        if np.abs(M @ d - target).max() < 1e-9 and np.abs(d).max() > 0:  # not where active rows are dependent
            edges.append((d / np.linalg.norm(d), text))
    return face, edges


def plot_slices(ax, x, Q, c, rows) -> None:
    """``f(x* + s z) − f(x*)`` along the feasible directions z through x* (at most four of each kind)."""
    g = Q @ x + c
    span = max(1.0, float(np.max(np.abs(x))))
    face, edges = _directions(x, rows)
    s = np.linspace(-1, 1, 201) * span
    for j in range(min(face.shape[1], 4)):
        z = face[:, j]
        ax.plot(s, 0.5 * s**2 * (z @ Q @ z) + s * (z @ g), label=f"z: along the active constraints, {j + 1}")
    s = np.linspace(0, 1, 101) * span
    for d, text in edges[:4]:
        ax.plot(s, 0.5 * s**2 * (d @ Q @ d) + s * (d @ g), "--", label=f"z: leaving {text}")
    ax.axvline(0.0, color="k", lw=0.8)
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set(xlabel="step s from the solution x* (unit direction z)", ylabel="f(x* + s z) − f(x*)")
    ax.set_title("the objective along feasible directions: never below f(x*)", fontsize="medium")
    if face.shape[1] or edges:
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "x* is a vertex with dependent active constraints", ha="center", transform=ax.transAxes)


def plot_qp(fig, x, Q, c, rows) -> None:
    """Two variables: contours, constraints and the feasible set beside the slices; more: the slices alone."""
    if len(x) != 2:
        plot_slices(fig.add_subplot(), x, Q, c, rows)
        return
    grid = fig.add_gridspec(1, 2, width_ratios=(1, 1.6))
    ax, side = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    span = max(1.0, 1.5 * float(np.max(np.abs(x))))
    X, Y = np.meshgrid(x[0] + np.linspace(-span, span, 201), x[1] + np.linspace(-span, span, 201))
    P = np.stack([X, Y], -1)
    ax.contour(X, Y, 0.5 * np.einsum("...i,ij,...j->...", P, Q, P) + P @ c, levels=25, cmap="viridis",
               linewidths=0.8)
    outside = np.zeros(X.shape, dtype=bool)
    lim = ((X.min(), X.max()), (Y.min(), Y.max()))
    styles = {"=": {"color": "r", "ls": "-"}, "≤": {"color": "C1", "ls": "--"}, "≥": {"color": "C1", "ls": "--"}}
    corners = np.array([[x0, y0] for x0 in lim[0] for y0 in lim[1]])
    for a, r, rel, text in rows:
        if np.ptp(np.sign(corners @ a - r)) == 2:  # the line crosses the window (others are left unsaid)
            draw_line(ax, a, r, lim, label=text, lw=1.5, **styles[rel])
        if rel != "=":
            outside |= P @ a > r if rel == "≤" else P @ a < r
    if outside.any():
        ax.contourf(X, Y, outside.astype(float), levels=[0.5, 1.5], colors=["0.6"], alpha=0.3)
        ax.plot([], [], "s", color="0.6", alpha=0.5, label="infeasible")
    ax.plot(*x, "k*", markersize=12, label=f"x* = ({x[0]:.6g}, {x[1]:.6g})")
    ax.set_aspect("equal")
    ax.set(xlim=lim[0], ylim=lim[1], xlabel="x₁", ylabel="x₂")
    ax.set_title("contours of ½xᵀQx + cᵀx", fontsize="medium")
    ax.legend(fontsize="small", framealpha=0.9)
    plot_slices(side, x, Q, c, rows)
