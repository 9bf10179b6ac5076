r"""MINRES for symmetric (possibly indefinite) operators, Paige and Saunders' recurrence as SciPy runs it.

The Lanczos process :math:`A V_j = V_{j+1} \underline{T}_j` builds a tridiagonal :math:`\underline{T}_j`; the
iterate :math:`x_j = V_j y_j` minimizes :math:`\|b - A x\|_2` over the Krylov space, with the least-squares
problem :math:`\min\|\beta_1 e_1 - \underline{T}_j y\|` updated by one Givens rotation per step. The stop
tests are SciPy's: :math:`\|r\| / (\|A\| \|x\|) \le \text{rtol}` (a solution) or
:math:`\|A r\| / (\|A\| \|r\|) \le \text{rtol}` (a least-squares solution), with :math:`\|A\|` estimated
from :math:`\underline{T}_j`.
"""

from __future__ import annotations

import math

import torch

from sciml.linalg._cg import len_of
from sciml.linalg._krylov import KrylovStatus, by_columns, call_back, finish, prepare, symmetric_enough


def minres(A, b, x0=None, *, rtol: float = 1e-5, shift: float = 0.0, maxiter: int | None = None, M=None,
           callback=None, check: bool = True, throw: bool = False):
    r"""Solve :math:`(A - \sigma I) x = b` for a symmetric (Hermitian), possibly indefinite ``A`` by MINRES.

    .. math:: x_j = \operatorname*{arg\,min}_{x \in x_0 + \mathcal K_j(A, r_0)} \|b - (A - \sigma I) x\|_2,

    SciPy's ``scipy.sparse.linalg.minres`` step for step (so iteration counts agree), its stop tests on
    :math:`\|r\|/(\|A\|\|x\|)` and :math:`\|Ar\|/(\|A\|\|r\|)`.

    Parameters
    ----------
    A : (n, n) tensor-like, sparse tensor, scipy.sparse matrix or LinearOperator
        Symmetric (Hermitian), definite or not.
    b : (n,) or (n, k) tensor-like
        Right-hand side(s); columns are solved one after the other.
    x0 : tensor-like, optional
        Starting guess shaped like ``b``.
    rtol : float
        Relative tolerance of SciPy's stop tests.
    shift : float
        :math:`\sigma`: solve :math:`(A - \sigma I) x = b`.
    maxiter : int, optional
        Iteration limit (default :math:`5n`, SciPy's).
    M : tensor-like or LinearOperator, optional
        Symmetric positive definite preconditioner approximating :math:`A^{-1}`.
    callback : callable, optional
        ``callback(xk)`` after every iteration; ``StopIteration`` stops.
    check : bool
        Test ``A`` for symmetry (two products) first; a non-symmetric ``A`` gives status ``INDEFINITE``.
    throw : bool
        Raise instead of warning when the run fails.

    Returns
    -------
    KrylovResult
        ``x``, ``success``, ``status``, ``message``, ``nit`` and the estimated residual norms ``residuals``.

    References
    ----------
    .. [1] C. C. Paige and M. A. Saunders, "Solution of sparse indefinite systems of linear equations",
       *SIAM J. Numer. Anal.* 12(4), 617–629, 1975.
    .. [2] ``scipy.sparse.linalg.minres``, which this follows.

    Examples
    --------
    >>> res = minres([[1.0, 2.0], [2.0, 1.0]], [3.0, 3.0], rtol=1e-12)   # indefinite: eigenvalues 3, -1
    >>> res.success, torch.round(res.x, decimals=10).tolist()
    (True, [1.0, 1.0])
    """
    s = prepare(A, b, x0, M, rtol, 0.0, maxiter, callback, default_maxiter=5 * len_of(A, b))
    if check and not symmetric_enough(s.A, s.b[:, 0]):
        history = [torch.linalg.vector_norm(s.b - s.A.matmat(s.x), dim=0)]
        return finish(s, s.x, KrylovStatus.INDEFINITE, 0, history, throw=throw, extra="A is not symmetric")
    return by_columns(s, lambda x, b, j: _column(s, x, b, float(rtol), float(shift)), throw=throw)


def _column(s, x, b, rtol, shift):  # SciPy's recurrence, kept in one piece to compare
    matvec = s.A.matvec
    psolve = (lambda v: v) if s.M is None else s.M.matvec
    eps = torch.finfo(b.dtype).eps
    dot = torch.dot if not b.is_complex() else lambda u, v: torch.vdot(u, v).real
    r1 = b - matvec(x) if bool(x.any()) else b.clone()
    y = psolve(r1)
    beta1 = float(torch.vdot(r1, y).real)
    bnorm = float(torch.linalg.vector_norm(b))
    hist = [math.sqrt(max(beta1, 0.0))]
    if beta1 < 0:
        return x, KrylovStatus.INDEFINITE, 0, hist
    if beta1 == 0 or bnorm == 0:
        return (x if bnorm else torch.zeros_like(x)), KrylovStatus.SUCCESS, 0, hist
    beta1 = math.sqrt(beta1)
    oldb, beta, dbar, epsln, phibar = 0.0, beta1, 0.0, 0.0, beta1
    tnorm2, gmax, gmin, cs, sn = 0.0, 0.0, math.inf, -1.0, 0.0
    w = torch.zeros_like(b)
    w2 = torch.zeros_like(b)
    r2 = r1
    istop, itn = 0, 0
    status = KrylovStatus.MAX_ITER
    while itn < s.maxiter:
        itn += 1
        v = torch.div(y, beta)
        y = matvec(v)
        if y.untyped_storage().data_ptr() == v.untyped_storage().data_ptr():
            y = y.clone()  # an operator that hands back its input: y is updated in place below
        if shift:
            y.sub_(v, alpha=shift)
        if itn >= 2:
            y.sub_(r1, alpha=beta / oldb)
        alfa = dot(v, y).item()
        y.sub_(r2, alpha=alfa / beta)
        r1, r2 = r2, y
        y = psolve(r2)
        oldb = beta
        beta = dot(r2, y).item()
        if not math.isfinite(beta):
            return x, KrylovStatus.NONFINITE, itn, hist
        if beta < 0:
            return x, KrylovStatus.INDEFINITE, itn, hist
        beta = math.sqrt(beta)
        tnorm2 += alfa**2 + oldb**2 + beta**2
        if itn == 1 and beta / beta1 <= 10 * eps:
            istop = -1
        oldeps = epsln
        delta = cs * dbar + sn * alfa
        gbar = sn * dbar - cs * alfa
        epsln = sn * beta
        dbar = -cs * beta
        root = math.hypot(gbar, dbar)
        gamma = max(math.hypot(gbar, beta), eps)
        cs, sn = gbar / gamma, beta / gamma
        phi = cs * phibar
        phibar = sn * phibar
        w1, w2 = w2, w
        w = torch.add(v, w1, alpha=-oldeps, out=w1).sub_(w2, alpha=delta).div_(gamma)  # w1's buffer is free
        x.add_(w, alpha=phi)
        gmax, gmin = max(gmax, gamma), min(gmin, gamma)
        anorm = math.sqrt(tnorm2)
        ynorm = math.sqrt(dot(x, x).item())
        rnorm = phibar
        hist.append(rnorm)
        test1 = math.inf if ynorm == 0 or anorm == 0 else rnorm / (anorm * ynorm)
        test2 = math.inf if anorm == 0 else root / anorm
        if istop == 0:
            if 1 + test2 <= 1 or 1 + test1 <= 1 or test2 <= rtol or test1 <= rtol or anorm * ynorm * eps >= beta1:
                istop = 1
            elif gmax / gmin >= 0.1 / eps:
                istop = 4
            elif itn >= s.maxiter:
                istop = 6
        if s.callback is not None and call_back(s.callback, x.unsqueeze(-1), True):
            return x, KrylovStatus.CALLBACK, itn, hist
        if istop != 0:
            status = KrylovStatus.MAX_ITER if istop == 6 else KrylovStatus.SUCCESS
            break
    return x, status, itn, hist
