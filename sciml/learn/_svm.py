r"""The linear soft-margin SVM solved to its optimum, with the seeds' SGD version beside it.

Primal, with labels :math:`y_i = \pm 1`:

.. math:: \min_{w, b} \; P(w, b) = \tfrac12 \|w\|^2 + C \sum_i \max\big(0, 1 - y_i (w^T x_i + b)\big).

Dual (a convex QP with one equality and box constraints; :math:`Z = \operatorname{diag}(y) X`):

.. math:: \min_\alpha \; \tfrac12 \alpha^T Z Z^T \alpha - \mathbf 1^T \alpha \quad \text{s.t.} \quad
          y^T \alpha = 0, \quad 0 \le \alpha_i \le C, \qquad w = Z^T \alpha.

``solver="exact"`` solves the dual by a primal-dual interior-point method (Mehrotra's predictor-corrector)
whose Newton systems :math:`(D + Z Z^T)` are solved through the Woodbury identity in
:math:`O(n d^2)`, so that :math:`n` in the thousands takes milliseconds. Then, for that :math:`w`, the
intercept :math:`b` minimizing the (piecewise-linear, convex) hinge sum is found exactly among its
breakpoints; and the active set read off the margins — points on the margin (:math:`y_i f(x_i) = 1`), inside
it (:math:`\alpha_i = C`) and outside (:math:`\alpha_i = 0`) — gives an equality-constrained QP in
:math:`(w, b)` solved by :func:`sciml.qp.solve_qp`, whose multipliers are the :math:`\alpha_i` on the
margin. The polished point is kept when its multipliers lie in :math:`[0, C]`, its margins agree with the
active set and its objective is not higher: the optimum to rounding. ``objective_`` is :math:`P(w, b)`.
``solver="sgd"`` is the seeds' version: minibatch SGD on :math:`P / (C n)` through :func:`sciml.learn.train`.

References: C. Cortes, V. Vapnik, "Support-vector networks", Machine Learning 20 (1995); J. Nocedal,
S. J. Wright, *Numerical Optimization*, 2nd ed., Springer (2006), section 16.6 (interior-point methods for
QPs).
"""

from __future__ import annotations

import warnings

import torch

from sciml._validation import as_tensor, check_choice, check_int, check_real
from sciml.qp import solve_qp
from sciml.results import ConvergenceWarning, status_enum

SVMStatus = status_enum("SVMStatus", "SUCCESS MAX_ITER NONFINITE", module=__name__,
                        doc="How the SVM solve ended: optimal (``SUCCESS``), the interior-point iteration limit, or "
                            "NaN in the data's scale.")


class SVMWarning(ConvergenceWarning):
    """The SVM's dual solve stopped before its tolerance (the result is kept, ``status_`` says why)."""


def hinge_objective(w: torch.Tensor, b, X: torch.Tensor, y: torch.Tensor, C: float) -> torch.Tensor:
    """:math:`\\tfrac12 \\|w\\|^2 + C \\sum_i \\max(0, 1 - y_i (w^T x_i + b))` with ``y`` in {−1, +1}."""
    return 0.5 * w @ w + C * torch.clamp(1 - y * (X @ w + b), min=0).sum()


def best_intercept(f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The ``b`` minimizing :math:`\\sum_i \\max(0, 1 - y_i (f_i + b))`, exactly: the minimum of this convex
    piecewise-linear function lies at one of its breakpoints :math:`b = y_i - f_i`."""
    bp = y - f
    p, q = bp[y > 0].sort().values, bp[y < 0].sort().values
    cand = bp.unique()
    zero = torch.zeros(1, dtype=f.dtype, device=f.device)
    cp, cq = torch.cat([zero, p.cumsum(0)]), torch.cat([zero, q.cumsum(0)])
    ip = torch.searchsorted(p, cand, right=True)  # p[ip:] > b contributes p - b
    iq = torch.searchsorted(q, cand, right=False)  # q[:iq] < b contributes b - q
    g = (cp[-1] - cp[ip]) - cand * (len(p) - ip) + cand * iq - cq[iq]
    return cand[g.argmin()]


def _direction(solve, v, y, point, rz, rt):
    """The Newton direction of the dual's KKT system for complementarity targets ``rz``, ``rt``."""
    alpha, s, z, t, r_d, r_p = point
    u = solve(-r_d + rz / alpha - rt / s)
    dnu = (y @ u + r_p) / (y @ v)
    da = u - v * dnu
    return da, dnu, (rz - z * da) / alpha, (rt + t * da) / s


def _step(xs, dxs):
    """The longest step in (0, 1] keeping every ``x + a dx`` non-negative."""
    a = torch.ones((), dtype=xs[0].dtype)
    for x, dx in zip(xs, dxs, strict=True):
        neg = dx < 0
        if bool(neg.any()):
            a = torch.minimum(a, (-x[neg] / dx[neg]).min())
    return a


def _dual_ip(Z: torch.Tensor, y: torch.Tensor, C: float, tol: float, max_iter: int):
    """Mehrotra predictor-corrector on the dual; returns ``(alpha, status, iterations)``."""
    n, d = Z.shape
    dt = Z.dtype
    alpha, s = torch.full((n,), C / 2, dtype=dt), torch.full((n,), C / 2, dtype=dt)
    z, t, nu = torch.ones(n, dtype=dt), torch.ones(n, dtype=dt), torch.zeros((), dtype=dt)
    dense = d >= n
    K = Z @ Z.T if dense else None
    eye = torch.eye(d, dtype=dt)

    def solver(D):
        if dense:
            L = torch.linalg.cholesky(K + torch.diag(D))
            return lambda v: torch.cholesky_solve(v[:, None], L)[:, 0]
        Di = 1 / D
        L = torch.linalg.cholesky(eye + (Z * Di[:, None]).T @ Z)
        return lambda v: Di * v - Di * (Z @ torch.cholesky_solve((Z.T @ (Di * v))[:, None], L)[:, 0])

    floor = 1e-13 * max(1.0, float((Z * Z).sum()) / n)  # a regularization of D below rounding level
    for it in range(1, max_iter + 1):
        Qa = Z @ (Z.T @ alpha)
        r_d = Qa - 1 - z + t + nu * y
        r_p = y @ alpha
        mu = (alpha @ z + s @ t) / (2 * n)
        if not bool(torch.isfinite(mu)):
            return alpha, SVMStatus.NONFINITE, it - 1
        f = 0.5 * alpha @ Qa - alpha.sum()
        scale = 1 + float(Qa.abs().max()) + float(z.abs().max()) + float(t.abs().max())
        if 2 * n * float(mu) <= tol * (1 + abs(float(f))) and float(r_d.abs().max()) <= 1e-9 * scale \
                and abs(float(r_p)) <= 1e-9 * (1 + C * n):
            return alpha, SVMStatus.SUCCESS, it - 1
        solve = solver(torch.clamp(z / alpha + t / s, min=floor))
        v = solve(y)
        point = (alpha, s, z, t, r_d, r_p)
        da, _, dz, dt_ = _direction(solve, v, y, point, -alpha * z, -s * t)  # predictor (affine scaling)
        a = _step((alpha, s, z, t), (da, -da, dz, dt_))
        mu_aff = ((alpha + a * da) @ (z + a * dz) + (s - a * da) @ (t + a * dt_)) / (2 * n)
        sigma = (mu_aff / mu) ** 3
        da2, dnu, dz2, dt2 = _direction(solve, v, y, point, sigma * mu - alpha * z - da * dz,
                                        sigma * mu - s * t + da * dt_)
        a = 0.99 * _step((alpha, s, z, t), (da2, -da2, dz2, dt2))
        alpha, s, nu, z, t = alpha + a * da2, s - a * da2, nu + a * dnu, z + a * dz2, t + a * dt2
    return alpha, SVMStatus.MAX_ITER, max_iter


def _polish(w, b, X, y, C):
    """The equality-constrained QP of the active set read off the margins of ``(w, b)`` (see the module)."""
    n, d = X.shape
    m = y * (X @ w + b)
    scale = 1e-6 * max(1.0, float(m.abs().max()))
    on, inside = (m - 1).abs() <= scale, m < 1 - scale
    if not bool(on.any()):
        return None
    Xa = torch.cat([X, torch.ones(n, 1, dtype=X.dtype)], dim=1)
    Q = torch.diag(torch.cat([torch.ones(d, dtype=X.dtype), torch.zeros(1, dtype=X.dtype)]))
    c = -C * (y[inside, None] * Xa[inside]).sum(0)
    res = solve_qp(Q, c, y[on, None] * Xa[on], torch.ones(int(on.sum()), dtype=X.dtype))
    if not res.success:
        return None
    alpha_on = -res.lam
    wp, bp = res.x[:d], res.x[d]
    mp = y * (X @ wp + bp)
    tol = 1e-8 * max(1.0, C)
    if bool((alpha_on < -tol).any() or (alpha_on > C + tol).any()
           or (mp[inside] > 1 + 1e-7).any() or (mp[~on & ~inside] < 1 - 1e-7).any()):
        return None
    alpha = torch.where(inside, torch.full_like(m, C), torch.zeros_like(m))
    alpha[on] = alpha_on.clamp(0, C)
    return wp, bp, alpha


class LinearSVM:
    """The linear soft-margin support-vector classifier, trained to the optimum of the hinge-loss primal.

    Parameters
    ----------
    C : float
        Weight of the hinge losses against ½‖w‖² (larger: fewer margin violations, a narrower margin).
    solver : {"exact", "sgd"}
        The dual interior-point solve with an exact active-set polish (see the module), or minibatch SGD.
    tol : float
        Interior-point tolerance on the complementarity and residuals (``"exact"``).
    max_iter : int
        Interior-point iterations (``"exact"``) or epochs (``"sgd"``).
    lr, batch_size, generator : optional
        For ``"sgd"``.

    Attributes
    ----------
    coef_ : (d,) float64 tensor
        ``w``.
    intercept_ : float64 scalar tensor
        ``b``.
    objective_ : float
        The primal objective at ``(coef_, intercept_)``.
    dual_coef_ : (n,) tensor
        The :math:`\\alpha_i` (``"exact"``); ``support_`` the indices with :math:`\\alpha_i > 0`.
    classes_ : (2,) tensor
        The two labels; ``decision_function > 0`` predicts ``classes_[1]``.
    status_, n_iter_, polished_ : SVMStatus, int, bool
        How the solve ended, its iterations, whether the active-set polish was kept.
    gap_ : float
        The duality gap :math:`P(w, b) - D(\alpha)` (``"exact"``): a certificate, 0 at the optimum.

    Examples
    --------
    >>> from sciml.learn import moons
    >>> X, y = moons(200, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> svm = LinearSVM(C=1.0).fit(X, y)
    >>> svm.status_, svm.score(X, y) > 0.8
    (<SVMStatus.SUCCESS: 0>, True)

    References
    ----------
    C. Cortes, V. Vapnik, "Support-vector networks", Machine Learning 20 (1995); scikit-learn's
    ``SVC(kernel="linear")`` (libsvm) solves the same problem.
    """

    def __init__(self, C: float = 1.0, *, solver: str = "exact", tol: float = 1e-10, max_iter: int | None = None,
                 lr: float = 0.01, batch_size: int = 32, generator=None):
        self.C, self.solver, self.tol, self.max_iter = C, solver, tol, max_iter
        self.lr, self.batch_size, self.generator = lr, batch_size, generator

    def _check_X(self, X, name="X") -> torch.Tensor:
        X = as_tensor(X, name, dtype=torch.float64, ndim=2, real=True, nonempty=True)
        if hasattr(self, "coef_") and X.shape[1] != len(self.coef_):
            raise ValueError(f"{name} has {X.shape[1]} features but the SVM was fitted with {len(self.coef_)}")
        return X

    def fit(self, X, y) -> LinearSVM:
        """Fit on features ``X`` (n, d) and two-class labels ``y`` (n,); returns ``self``."""
        C = check_real(self.C, "C", low=0, low_open=True)
        solver = check_choice(self.solver, "solver", ("exact", "sgd"))
        for attr in ("coef_",):
            self.__dict__.pop(attr, None)
        X = self._check_X(X)
        labels = as_tensor(y, "y", dtype=torch.float64, ndim=1, real=True, nonempty=True)
        if len(labels) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(labels)} labels")
        self.classes_ = labels.unique()
        if len(self.classes_) != 2:
            raise ValueError(f"y must hold exactly two classes (e.g. 0 and 1, or -1 and +1), got "
                             f"{len(self.classes_)}: {self.classes_.tolist()[:5]}")
        ys = torch.where(labels == self.classes_[1], 1.0, -1.0).to(torch.float64)
        if solver == "sgd":
            self._fit_sgd(X, ys, C)
        else:
            self._fit_exact(X, ys, C)
        self.objective_ = float(hinge_objective(self.coef_, self.intercept_, X, ys, C))
        if solver == "exact":  # the duality gap P(w, b) − D(α) certifies the optimum
            v = (ys[:, None] * X).T @ self.dual_coef_
            self.gap_ = self.objective_ - float(self.dual_coef_.sum() - 0.5 * v @ v)
        if not self.status_.success:
            warnings.warn(f"LinearSVM: {self.status_.hint}", SVMWarning, stacklevel=2)
        return self

    def _fit_exact(self, X, ys, C):
        tol = check_real(self.tol, "tol", low=0, low_open=True)
        max_iter = check_int(100 if self.max_iter is None else self.max_iter, "max_iter", low=1)
        Z = ys[:, None] * X
        alpha, self.status_, self.n_iter_ = _dual_ip(Z, ys, C, tol, max_iter)
        w = Z.T @ alpha
        b = best_intercept(X @ w, ys)
        self.polished_ = False
        polished = _polish(w, b, X, ys, C) if self.status_.success else None
        if polished is not None and float(hinge_objective(polished[0], polished[1], X, ys, C)) <= \
                float(hinge_objective(w, b, X, ys, C)) * (1 + 1e-12):
            w, b, alpha = polished
            self.polished_ = True
        self.coef_, self.intercept_, self.dual_coef_ = w, b, alpha
        self.support_ = torch.nonzero(alpha > 1e-9 * C).flatten()

    def _fit_sgd(self, X, ys, C):
        from sciml.learn._trainer import train

        n, d = X.shape
        model = torch.nn.Linear(d, 1, dtype=torch.float64)
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)

        def loss(out, target):
            w = model.weight[0]
            return torch.clamp(1 - target * out[:, 0], min=0).mean() + 0.5 * (w @ w) / (C * n)

        res = train(model, loss, (X, ys), epochs=check_int(100 if self.max_iter is None else self.max_iter,
                                                           "max_iter", low=1),
                    batch_size=check_int(self.batch_size, "batch_size", low=1), optimizer="sgd",
                    lr=check_real(self.lr, "lr", low=0, low_open=True), generator=self.generator)
        self.coef_, self.intercept_ = model.weight.detach()[0].clone(), model.bias.detach()[0].clone()
        self.status_ = SVMStatus(int(res.status)) if not res.success else SVMStatus.SUCCESS
        self.n_iter_, self.polished_, self.history_ = res.nit, False, res.history

    def decision_function(self, X) -> torch.Tensor:
        """:math:`w^T x + b` for each row of ``X`` (positive: ``classes_[1]``)."""
        if not hasattr(self, "coef_"):
            raise ValueError("this LinearSVM is not fitted yet; call fit(X, y) first")
        X = self._check_X(X)
        return X @ self.coef_ + self.intercept_

    def predict(self, X) -> torch.Tensor:
        """The predicted labels (from ``classes_``)."""
        return torch.where(self.decision_function(X) > 0, self.classes_[1], self.classes_[0])

    def score(self, X, y) -> float:
        """The accuracy on ``(X, y)``."""
        labels = as_tensor(y, "y", dtype=torch.float64, ndim=1, real=True, nonempty=True)
        pred = self.predict(X)
        if len(pred) != len(labels):
            raise ValueError(f"X has {len(pred)} samples but y has {len(labels)} labels")
        return float((pred == labels).to(torch.float64).mean())
