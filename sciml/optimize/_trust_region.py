r"""Trust-region methods: ``trust-ncg`` (Steihaug's CG) and ``trust-exact`` (Moré–Sorensen).

Each iteration minimizes the model :math:`m(p) = f + g^T p + \tfrac12 p^T H p` over :math:`\|p\| \le \Delta`,
then compares the actual with the predicted decrease, :math:`\rho = (f(x) - f(x + p)) / (m(0) - m(p))`:
the step is taken when :math:`\rho > 0.15` (SciPy's ``eta``); :math:`\Delta` shrinks
to :math:`\Delta/4` when :math:`\rho < 1/4` and doubles (up to ``max_radius``) when :math:`\rho > 3/4` with the
step on the boundary. Rejected trials shrink :math:`\Delta` within the same iteration. :math:`\rho` is a
ratio of decreases, so a positive factor on ``f`` changes nothing.

- ``trust-ncg``: CG on Hessian-vector products, stopped at the boundary, at negative curvature (followed
  to the boundary) or at the forcing tolerance :math:`\min(1/2, \sqrt{\|g\|/\|g_0\|})\|g\|` (Steihaug).
- ``trust-exact``: the dense Hessian :math:`H = V \Lambda V^T`; the step :math:`p(\lambda) = -(H + \lambda I)^{-1} g`
  with :math:`\lambda \ge \max(0, -\lambda_1)` and :math:`\|p(\lambda)\| = \Delta` unless the Newton step is
  inside, found by Newton's method on :math:`1/\|p(\lambda)\| - 1/\Delta` (Moré–Sorensen); in the hard case
  (``g`` orthogonal to the eigenvectors of :math:`\lambda_1`) a multiple of that eigenvector fills the step
  to the boundary.

References: T. Steihaug, SIAM J. Numer. Anal. 20 (1983) 626–637; J. J. Moré and D. C. Sorensen, SIAM J. Sci.
Stat. Comput. 4 (1983) 553–572; J. Nocedal and S. J. Wright, *Numerical Optimization* (2006), ch. 4.
"""

from __future__ import annotations

import math

import torch

from sciml.optimize._method import Method, Option, Step

TRUST = {
    "initial_radius": Option(1.0, doc="initial trust radius"),
    "max_radius": Option(1e12, doc="largest trust radius"),
    "eta": Option(0.15, 0.0, 0.25, closed=(True, False), doc="smallest accepted ratio of actual to predicted decrease"),
    "max_trials": Option(60, 0.0, 10_000, integer=True, doc="most rejected trial steps per iteration"),
}


def _to_boundary(p: torch.Tensor, d: torch.Tensor, radius: float) -> float:
    """The ``tau >= 0`` with ``|p + tau d| = radius``."""
    a, b, c = float(d @ d), 2 * float(p @ d), float(p @ p) - radius**2
    return (-b + math.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)


def steihaug(hvp, g: torch.Tensor, radius: float, tol: float, max_cg: int) -> torch.Tensor:
    """Steihaug's truncated CG for the trust-region subproblem; ``hvp(v) = H v``."""
    p = torch.zeros_like(g)
    r, d = g.clone(), -g
    rr = float(r @ r)
    for _ in range(max_cg):
        Hd = hvp(d)
        curv = float(d @ Hd)
        if curv <= 0:
            return p + _to_boundary(p, d, radius) * d
        alpha = rr / curv
        p_next = p + alpha * d
        if float(p_next.norm()) >= radius:
            return p + _to_boundary(p, d, radius) * d
        p = p_next
        r = r + alpha * Hd
        rr_new = float(r @ r)
        if rr_new**0.5 <= tol:
            return p
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return p


def exact_step(H: torch.Tensor, g: torch.Tensor, radius: float) -> torch.Tensor:
    """The global minimizer of the model in the ball (see the module), from an eigen-decomposition of ``H``."""
    w, V = torch.linalg.eigh(H)
    a = V.mT @ g
    eps = torch.finfo(H.dtype).eps
    scale = max(float(w.abs().max()), torch.finfo(H.dtype).tiny)
    small = eps * scale

    def p_norm(lam: float) -> float:
        return float((a / (w + lam)).norm())

    lam_min = max(0.0, -float(w[0]))
    if float(w[0]) > 0 and p_norm(0.0) <= radius:
        return -V @ (a / w)
    # the hard case: g has (almost) no component along the eigenvectors of the smallest eigenvalue
    near = (w - w[0]).abs() <= 10 * small
    lo = lam_min + max(small * eps, lam_min * eps, torch.finfo(H.dtype).tiny)
    if float(a[near].norm()) <= eps**0.5 * float(a.norm()) and p_norm(lo) < radius:
        coef = torch.where(near, torch.zeros_like(a), a / (w + lo))
        p = -V @ coef
        tau = math.sqrt(max(radius**2 - float(p @ p), 0.0))
        return p + tau * V[:, 0]
    # Newton's method on 1/|p(lam)| - 1/radius from a lam where |p(lam)| > radius
    lam = lo
    for _ in range(100):
        q = a / (w + lam)
        norm = float(q.norm())
        if abs(norm - radius) <= 1e-10 * radius:
            break
        dnorm = -float((q * q / (w + lam)).sum()) / norm  # d|p|/dlam
        step = -((1 / norm - 1 / radius) / (-dnorm / norm**2))
        new = lam + step
        if not new > lo or not math.isfinite(new):
            new = (lam + lo) / 2 if lam > lo else lam * 2 + small
        lam = new
    return -V @ (a / (w + lam))


class _TrustRegion(Method):
    """The shared radius management (see the module); subclasses implement ``_subproblem`` and
    ``_predicted``."""

    def default_max_iter(self, n: int) -> int:
        return max(1000, 50 * n)

    def reset(self, x, f, g):
        super().reset(x, f, g)
        radius = self.options["initial_radius"]
        # None: as long as x itself (at least 1), Moré's choice in MINPACK; a radius in the units of x
        self.radius = max(1.0, float(x.norm())) if radius is None else radius
        if getattr(self, "_g0", None) is None:
            self._g0 = max(float(g.norm()), torch.finfo(g.dtype).tiny)

    def step(self, objective, x, f, g) -> Step:
        model = self._model(objective, x, g)
        tiny = torch.finfo(x.dtype).eps * max(1.0, float(x.norm()))
        for _ in range(self.options["max_trials"] + 1):
            p = self._subproblem(model, g)
            predicted = -(float(g @ p) + 0.5 * float(p @ model(p)))
            if not predicted > 0:  # (a projected step can lose the model's decrease): a smaller region
                self.radius = 0.25 * float(p.norm())
                if self.radius <= tiny:
                    break
                continue
            x_new = x + p
            f_new, g_new = objective.value_and_grad(x_new)
            rho = (f - f_new) / predicted if math.isfinite(f_new) else -math.inf
            pnorm = float(p.norm())
            if f_new == -math.inf:
                return Step(x_new, f_new, g_new)
            if rho < 0.25:
                self.radius = 0.25 * self.radius
            elif rho > 0.75 and pnorm >= 0.99 * self.radius:
                self.radius = min(2 * self.radius, self.options["max_radius"])
            if rho > self.options["eta"]:
                return Step(x_new, f_new, g_new)
            if self.radius <= tiny:
                break
        return Step(x, f, g, ok=False)


class TrustNCG(_TrustRegion):
    """Trust region with Steihaug's CG on Hessian-vector products. Options: ``initial_radius`` (1),
    ``max_radius`` (1e12), ``eta`` (0.15), ``max_trials`` (60), ``max_cg`` (``None``: ``2 n``)."""

    name = "trust-ncg"
    option_specs = {**TRUST, "max_cg": Option(None, 0.0, 1e9, integer=True, doc="most CG iterations per step")}

    def _model(self, objective, x, g):
        return objective.hvp_at(x)

    def _subproblem(self, hvp, g):
        gnorm = float(g.norm())
        tol = min(0.5, (gnorm / self._g0) ** 0.5) * gnorm
        return steihaug(hvp, g, self.radius, tol, self.options["max_cg"] or 2 * g.numel())


class TrustExact(_TrustRegion):
    """Trust region with the exact subproblem solution on the dense Hessian. Options: ``initial_radius``
    (``None``: :math:`\\max(1, \\|x_0\\|)`, which takes Biggs EXP6 from its standard start to a minimum where a
    radius of 1 — SciPy's — drifts along an asymptotic valley with f → 0.2427), ``max_radius`` (1e12), ``eta``
    (0.15), ``max_trials`` (60)."""

    name = "trust-exact"
    supports_bounds = True
    option_specs = {**TRUST, "initial_radius": Option(None, doc="initial trust radius (None: max(1, |x0|))")}

    def _model(self, objective, x, g):
        H = objective.hess(x)
        self._H, self._x = H, x
        return lambda v: H @ v

    def _subproblem(self, model, g):
        if self.box is None:
            return exact_step(self._H, g, self.radius)
        # bounds: the subproblem over the variables not held at a bound, then the step projected on the box
        x = self._x
        fixed = self.box.binding(x, g, self.box.margin(x, g))
        free = ~fixed
        p = torch.zeros_like(g)
        if bool(free.any()):
            p[free] = exact_step(self._H[free][:, free], g[free], self.radius)
        return self.box.project(x + p) - x
