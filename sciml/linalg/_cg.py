r"""Preconditioned conjugate gradients for symmetric (Hermitian) positive definite operators, batched over
right-hand sides.

.. math:: x_{j+1} = x_j + \alpha_j p_j, \quad r_{j+1} = r_j - \alpha_j A p_j, \quad
          \alpha_j = \frac{r_j^{\mathsf H} z_j}{p_j^{\mathsf H} A p_j}, \quad z_j = M r_j, \quad
          p_{j+1} = z_{j+1} + \frac{r_{j+1}^{\mathsf H} z_{j+1}}{r_j^{\mathsf H} z_j} p_j,

minimizing the :math:`A`-norm of the error over the Krylov space; the recurrence is SciPy's step for step,
so iteration counts agree. Each column of ``b`` runs its own recurrence in the same products; a column stops
(:math:`\alpha = 0`) once converged. :math:`p^{\mathsf H} A p \le 0` means ``A`` is not positive definite:
status ``INDEFINITE``, not a silent answer.
"""

from __future__ import annotations

import math

import torch

from sciml.linalg._krylov import KrylovStatus, apply, by_columns, call_back, finish, prepare, symmetric_enough


def _dot(U: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    return (U.conj() * V).sum(0)


def cg(A, b, x0=None, *, rtol: float = 1e-5, atol: float = 0.0, maxiter: int | None = None, M=None,
       callback=None, check: bool = True, throw: bool = False):
    r"""Solve :math:`A x = b` for a symmetric (Hermitian) positive definite ``A`` by conjugate gradients.

    .. math:: \|b - A x\|_2 \le \max(\text{rtol}\,\|b\|_2,\ \text{atol}),

    SciPy's recurrence and stopping test (``scipy.sparse.linalg.cg``); matrix-free: ``A`` is only applied.

    Parameters
    ----------
    A : (n, n) tensor-like, sparse tensor, scipy.sparse matrix or LinearOperator
        Symmetric (Hermitian) positive definite.
    b : (n,) or (n, k) tensor-like
        Right-hand side(s); columns are solved together, each with its own step sizes.
    x0 : tensor-like, optional
        Starting guess, shaped like ``b`` (default zero).
    rtol, atol : float
        Relative and absolute tolerances on the residual norm.
    maxiter : int, optional
        Iteration limit (default :math:`10n`, SciPy's).
    M : tensor-like or LinearOperator, optional
        Symmetric positive definite preconditioner approximating :math:`A^{-1}`.
    callback : callable, optional
        ``callback(xk)`` after every iteration; ``StopIteration`` stops the run (status ``CALLBACK``).
    check : bool
        Test ``A`` for symmetry with two products (:math:`u^{\mathsf H}Av` against :math:`v^{\mathsf H}Au`)
        before iterating; a non-symmetric ``A`` gives status ``INDEFINITE`` without iterating.
    throw : bool
        Raise :class:`sciml.results.ConvergenceError` instead of warning when the run fails.

    Returns
    -------
    KrylovResult
        ``x``, ``success``, ``status``, ``message``, ``nit`` and the residual-norm history ``residuals``.

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite entries.

    Warns
    -----
    KrylovWarning
        The run did not converge (``MAX_ITER``, ``INDEFINITE``, ``NONFINITE``, ``CALLBACK``).

    References
    ----------
    .. [1] M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear systems",
       *J. Res. Nat. Bur. Standards* 49(6), 409–436, 1952.
    .. [2] Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM, 2003, Alg. 9.1.
    .. [3] ``scipy.sparse.linalg.cg``, whose conventions this follows.

    Examples
    --------
    >>> res = cg([[4.0, 1.0], [1.0, 3.0]], [1.0, 2.0], rtol=1e-12)
    >>> res.success, res.nit, torch.round(res.x * 11, decimals=8).tolist()   # x = (1, 7) / 11
    (True, 2, [1.0, 7.0])
    """
    s = prepare(A, b, x0, M, rtol, atol, maxiter, callback, default_maxiter=10 * len_of(A, b))
    X, B = s.x, s.b
    R = B - s.A.matmat(X) if bool(X.any()) else B.clone()
    if check and not symmetric_enough(s.A, B[:, 0]):
        history = [torch.linalg.vector_norm(R, dim=0)]
        return finish(s, X, KrylovStatus.INDEFINITE, 0, history, throw=throw, extra="A is not symmetric")
    if B.shape[1] == 1:
        x, status, nit, history = _cg_vector(s, X[:, 0].clone(), R[:, 0].clone(), float(s.tol[0]))
        return finish(s, x.unsqueeze(-1), status, nit, torch.tensor(history, dtype=B.real.dtype)[:, None],
                      throw=throw)
    history = [torch.linalg.vector_norm(R, dim=0)]
    P = rho_prev = None
    status, nit = KrylovStatus.MAX_ITER, s.maxiter
    for it in range(s.maxiter):
        rnorm = history[-1]
        if not bool(torch.isfinite(rnorm).all()):
            status, nit = KrylovStatus.NONFINITE, it
            break
        active = ~(rnorm < s.tol)
        if not bool(active.any()):
            status, nit = KrylovStatus.SUCCESS, it
            break
        Z = apply(s.M, R)
        rho = _dot(R, Z)
        if bool((rho.real[active] <= 0).any()):
            status, nit = KrylovStatus.INDEFINITE, it
            break
        if P is None:
            P = Z.clone()
        else:
            beta = torch.where(active, rho / torch.where(active, rho_prev, torch.ones_like(rho_prev)), 0)
            P = Z + beta * P
        Q = s.A.matmat(P)
        pq = _dot(P, Q)
        if bool((pq.real[active] <= 0).any()):
            status, nit = KrylovStatus.INDEFINITE, it
            break
        alpha = torch.where(active, rho / torch.where(active, pq, torch.ones_like(pq)), 0)
        X = X + alpha * P
        R = R - alpha * Q
        rho_prev = rho
        history.append(torch.linalg.vector_norm(R, dim=0))
        if call_back(s.callback, X, s.vector):
            status, nit = KrylovStatus.CALLBACK, it + 1
            break
    return finish(s, X, status, nit, history, throw=throw)


def _cg_vector(s, x, r, tol):
    """One right-hand side, scalars as Python numbers, every update in place: the same recurrence with a third
    of the tensor calls (one ``dot`` gives both ‖r‖ and, unpreconditioned, ρ = rᴴr)."""
    matvec = s.A._matvec  # the vectors are checked already: skip the per-call checks
    precondition, callback = s.M is not None, s.callback
    dot = torch.dot if not r.is_complex() else lambda u, v: torch.vdot(u, v)
    p, rho_prev = None, 1.0
    rr = dot(r, r).real.item()
    history = [math.sqrt(rr)]
    for it in range(s.maxiter):
        rnorm = history[-1]
        if not math.isfinite(rnorm):
            return x, KrylovStatus.NONFINITE, it, history
        if rnorm < tol:
            return x, KrylovStatus.SUCCESS, it, history
        if precondition:
            z = s.M.matvec(r)
            rho = torch.vdot(r, z).item()
        else:
            z, rho = r, rr
        if not rho.real > 0:
            return x, KrylovStatus.INDEFINITE, it, history
        p = z.clone() if p is None else torch.add(z, p, alpha=rho / rho_prev, out=p)  # p ← z + β p
        q = matvec(p)
        pq = dot(p, q).item()
        if not pq.real > 0:
            return x, KrylovStatus.INDEFINITE, it, history
        alpha = rho / pq
        x.add_(p, alpha=alpha)
        r.sub_(q, alpha=alpha)
        rho_prev = rho
        rr = dot(r, r).real.item()
        history.append(math.sqrt(rr))
        if callback is not None and call_back(callback, x.unsqueeze(-1), True):
            return x, KrylovStatus.CALLBACK, it + 1, history
    return x, KrylovStatus.MAX_ITER, s.maxiter, history


def len_of(A, b) -> int:
    """n, for the default ``maxiter`` (before the arguments are checked; 1 when it cannot be read)."""
    shape = getattr(A, "shape", None)
    try:
        return int(shape[0]) if shape is not None else len(b)
    except (TypeError, IndexError):
        return 1


def bicgstab(A, b, x0=None, *, rtol: float = 1e-5, atol: float = 0.0, maxiter: int | None = None, M=None,
             callback=None, throw: bool = False):
    r"""Solve :math:`A x = b` for a general square ``A`` by the stabilized biconjugate gradient method.

    .. math:: r_j = b - A x_j, \quad \rho_j = \tilde r^{\mathsf H} r_j, \quad
              x_{j+1} = x_j + \alpha_j \hat p_j + \omega_j \hat s_j,

    van der Vorst's BiCGSTAB with SciPy's recurrence, breakdown tests (:math:`|\rho| < \varepsilon^2`,
    :math:`|\omega| < \varepsilon^2`) and stopping test :math:`\|r\|_2 \le \max(\text{rtol}\,\|b\|_2,
    \text{atol})`. Columns of ``b`` are solved one after the other.

    Parameters
    ----------
    A : (n, n) tensor-like, sparse tensor, scipy.sparse matrix or LinearOperator
        The operator.
    b : (n,) or (n, k) tensor-like
        Right-hand side(s).
    x0 : tensor-like, optional
        Starting guess, shaped like ``b``.
    rtol, atol : float
        Tolerances on the residual norm.
    maxiter : int, optional
        Iteration limit (default :math:`10n`).
    M : tensor-like or LinearOperator, optional
        Preconditioner approximating :math:`A^{-1}`.
    callback : callable, optional
        ``callback(xk)`` after every iteration; ``StopIteration`` stops.
    throw : bool
        Raise instead of warning when the run fails.

    Returns
    -------
    KrylovResult
        ``x``, ``success``, ``status`` (``BREAKDOWN`` when :math:`\rho` or :math:`\omega` vanishes),
        ``message``, ``nit``, ``residuals``.

    References
    ----------
    .. [1] H. A. van der Vorst, "Bi-CGSTAB: a fast and smoothly converging variant of Bi-CG for the solution
       of nonsymmetric linear systems", *SIAM J. Sci. Stat. Comput.* 13(2), 631–644, 1992.
    .. [2] ``scipy.sparse.linalg.bicgstab``, whose conventions this follows.

    Examples
    --------
    >>> res = bicgstab([[4.0, 1.0], [-1.0, 3.0]], [5.0, 2.0], rtol=1e-12)
    >>> res.success, torch.round(res.x, decimals=10).tolist()
    (True, [1.0, 1.0])
    """
    s = prepare(A, b, x0, M, rtol, atol, maxiter, callback, default_maxiter=10 * len_of(A, b))
    return by_columns(s, lambda x, b, j: _bicgstab_column(s, x, b, s.tol[j]), throw=throw)


def _bicgstab_column(s, x, b, tol):
    r"""SciPy's recurrence with scalars as Python numbers and the vectors updated in place (``x`` is this column's
    own copy; without ``M``, :math:`\hat p = p` and :math:`\hat s = r`, so ``x`` moves before ``r`` does)."""
    mv = s.A.matvec
    psolve = None if s.M is None else s.M.matvec
    dot = torch.vdot if b.is_complex() else torch.dot
    eps2 = torch.finfo(b.dtype).eps ** 2
    r = b - mv(x) if bool(x.any()) else b.clone()
    rtilde = r.clone()
    hist = [float(torch.linalg.vector_norm(r))]
    rho_prev = omega = alpha = 1.0
    p = v = None
    for it in range(s.maxiter):
        if not math.isfinite(hist[-1]):
            return x, KrylovStatus.NONFINITE, it, hist
        if hist[-1] < tol:
            return x, KrylovStatus.SUCCESS, it, hist
        rho = dot(rtilde, r).item()
        if abs(rho) < eps2:
            return x, KrylovStatus.BREAKDOWN, it, hist
        if p is not None:
            if abs(omega) < eps2:
                return x, KrylovStatus.BREAKDOWN, it, hist
            p.sub_(v, alpha=omega).mul_((rho / rho_prev) * (alpha / omega)).add_(r)  # r + β (p − ω v)
        else:
            p = r.clone()
        phat = p if psolve is None else psolve(p)
        v = mv(phat)
        rv = dot(rtilde, v).item()
        if rv == 0:
            return x, KrylovStatus.BREAKDOWN, it, hist
        alpha = rho / rv
        r.sub_(v, alpha=alpha)
        rnorm = math.sqrt(abs(dot(r, r).item()))
        if rnorm < tol:
            x.add_(phat, alpha=alpha)
            hist.append(rnorm)
            return x, KrylovStatus.SUCCESS, it + 1, hist
        shat = r if psolve is None else psolve(r)
        t = mv(shat)
        tt = abs(dot(t, t).item())
        if tt == 0:  # A ŝ = 0 for ŝ ≠ 0: ω is 0/0
            x.add_(phat, alpha=alpha)
            hist.append(rnorm)
            return x, KrylovStatus.BREAKDOWN, it + 1, hist
        omega = dot(t, r).item() / tt
        x.add_(phat, alpha=alpha).add_(shat, alpha=omega)
        r.sub_(t, alpha=omega)
        rho_prev = rho
        hist.append(math.sqrt(abs(dot(r, r).item())))
        if s.callback is not None and call_back(s.callback, x.unsqueeze(-1), True):
            return x, KrylovStatus.CALLBACK, it + 1, hist
    return x, KrylovStatus.MAX_ITER, s.maxiter, hist
