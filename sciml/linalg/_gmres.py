r"""Restarted GMRES for general square operators, SciPy's recurrence (left preconditioning, Givens rotations).

Each cycle builds an orthonormal basis :math:`V_{j+1}` of :math:`\mathcal K_{j+1}(MA, Mr_0)` by modified
Gram–Schmidt (Arnoldi), :math:`MAV_j = V_{j+1}\underline{H}_j`, and minimizes
:math:`\|\beta e_1 - \underline{H}_j y\|_2` (the preconditioned residual) with Givens rotations, one per
step; after ``restart`` steps (or when the estimate meets the inner tolerance) :math:`x \leftarrow x + V_j y`
and the true residual decides. The inner tolerance adapts as SciPy's does, so iteration counts agree.
"""

from __future__ import annotations

import math

import torch

from sciml._validation import check_int
from sciml.linalg._cg import len_of
from sciml.linalg._krylov import KrylovStatus, by_columns, call_back, prepare


def _sign(z):
    """z / |z| for a Python number (0 for 0), as ``torch.sgn``."""
    a = abs(z)
    return z / a if a else z * 0


def _givens(f, g):
    """(c, s, r) with [[c, s], [-conj(s), c]] [f, g] = [r, 0] and real c (LAPACK's ``lartg``), on Python
    numbers (float or complex): the 2×2 work of every Arnoldi step costs no tensor call."""
    if g == 0:
        return 1.0, g * 0, f
    if f == 0:
        return 0.0, _sign(g).conjugate(), abs(g) + 0 * g
    fa = abs(f)
    d = math.sqrt(fa**2 + abs(g) ** 2)
    return fa / d, _sign(f) * g.conjugate() / d, _sign(f) * d


def gmres(A, b, x0=None, *, rtol: float = 1e-5, atol: float = 0.0, restart: int | None = None,
          maxiter: int | None = None, M=None, callback=None, throw: bool = False):
    r"""Solve :math:`A x = b` for a general square ``A`` by restarted GMRES(m).

    .. math:: x_j = \operatorname*{arg\,min}_{x \in x_0 + \mathcal K_j(MA, M r_0)} \|M(b - A x)\|_2,

    restarted every ``restart`` steps; stops when :math:`\|b - Ax\|_2 \le \max(\text{rtol}\,\|b\|_2,
    \text{atol})`. GMRES cannot break down: a lucky breakdown (:math:`h_{j+1,j} = 0`) means the exact
    solution is in the space.

    Parameters
    ----------
    A : (n, n) tensor-like, sparse tensor, scipy.sparse matrix or LinearOperator
        The operator.
    b : (n,) or (n, k) tensor-like
        Right-hand side(s); columns are solved one after the other.
    x0 : tensor-like, optional
        Starting guess shaped like ``b``.
    rtol, atol : float
        Tolerances on the true residual norm.
    restart : int, optional
        Steps per cycle (default 20, SciPy's, at most n).
    maxiter : int, optional
        The number of restart cycles (SciPy's meaning; default :math:`10n`).
    M : tensor-like or LinearOperator, optional
        Preconditioner approximating :math:`A^{-1}` (applied on the left).
    callback : callable, optional
        ``callback(xk)`` after every cycle; ``StopIteration`` stops.
    throw : bool
        Raise instead of warning when the run fails.

    Returns
    -------
    KrylovResult
        ``x``, ``success``, ``status``, ``message``, ``nit`` (Arnoldi steps over all cycles) and
        ``residuals`` (the preconditioned residual estimates, step by step, then the true one per cycle end).

    References
    ----------
    .. [1] Y. Saad and M. H. Schultz, "GMRES: a generalized minimal residual algorithm for solving
       nonsymmetric linear systems", *SIAM J. Sci. Stat. Comput.* 7(3), 856–869, 1986.
    .. [2] ``scipy.sparse.linalg.gmres``, which this follows.

    Examples
    --------
    >>> res = gmres([[3.0, 1.0, 0.0], [-1.0, 2.0, 1.0], [0.0, -1.0, 4.0]], [4.0, 2.0, 3.0], rtol=1e-12)
    >>> res.success, res.nit, torch.round(res.x, decimals=10).tolist()
    (True, 3, [1.0, 1.0, 1.0])
    """
    n = len_of(A, b)
    restart = 20 if restart is None else check_int(restart, "restart", low=1)
    s = prepare(A, b, x0, M, rtol, atol, maxiter, callback, default_maxiter=10 * n)
    restart = min(restart, s.A.shape[0])
    return by_columns(s, lambda x, b, j: _column(s, x, b, float(s.tol[j]), restart), throw=throw)


def _column(s, x, b, atol, restart):  # SciPy's recurrence, kept in one piece to compare
    matvec = s.A.matvec
    psolve = (lambda v: v) if s.M is None else s.M.matvec
    eps = torch.finfo(b.dtype).eps
    bnrm2 = float(torch.linalg.vector_norm(b))
    if bnrm2 == 0:
        return torch.zeros_like(b), KrylovStatus.SUCCESS, 0, [0.0]
    r = b - matvec(x) if bool(x.any()) else b.clone()
    rnorm = float(torch.linalg.vector_norm(r))
    hist = [rnorm]
    if rnorm < atol:
        return x, KrylovStatus.SUCCESS, 0, hist
    ptol_max_factor = 1.0
    ptol = float(torch.linalg.vector_norm(psolve(b))) * min(ptol_max_factor, atol / bnrm2)
    n = b.shape[0]
    inner = 0
    V = torch.empty(restart + 1, n, dtype=b.dtype, device=b.device)
    rows = V.unbind(0)  # views made once
    for _ in range(s.maxiter):
        # H[col] is column col of the Hessenberg matrix, rotated; Python numbers, as SciPy's numpy scalars
        H = [[0.0] * (restart + 1) for _ in range(restart)]
        cs, sn, S = [0.0] * restart, [0.0] * restart, [0.0] * (restart + 1)
        z = psolve(r)
        beta = float(torch.linalg.vector_norm(z))
        torch.div(z, beta, out=rows[0])
        S[0] = beta
        breakdown = False
        presid = 0.0
        for col in range(restart):
            w = psolve(matvec(rows[col]))
            if w.untyped_storage().data_ptr() == V.untyped_storage().data_ptr():
                w = w.clone()  # an operator that hands back (a view of) its input: w is updated in place below
            h0 = float(torch.linalg.vector_norm(w))
            h = H[col]
            for k in range(col + 1):  # modified Gram-Schmidt
                h[k] = torch.vdot(rows[k], w).item()
                w.sub_(rows[k], alpha=h[k])
            h1 = float(torch.linalg.vector_norm(w))
            h[col + 1] = h1
            if h1 <= eps * h0:
                h[col + 1] = 0.0
                rows[col + 1].copy_(w)
                breakdown = True
            else:
                torch.div(w, h1, out=rows[col + 1])
            for k in range(col):
                n0, n1 = h[k], h[k + 1]
                h[k], h[k + 1] = cs[k] * n0 + sn[k] * n1, -sn[k].conjugate() * n0 + cs[k] * n1
            c, sg, mag = _givens(h[col], h[col + 1])
            cs[col], sn[col] = c, sg
            h[col], h[col + 1] = mag, 0.0
            tmp = -sg.conjugate() * S[col]
            S[col], S[col + 1] = c * S[col], tmp
            presid = abs(tmp)
            hist.append(presid)
            inner += 1
            if not math.isfinite(presid):
                return x, KrylovStatus.NONFINITE, inner, hist
            if presid <= ptol or breakdown:
                break
        if H[col][col] == 0:
            S[col] = 0.0
        R = torch.tensor([h[: col + 1] for h in H[: col + 1]], dtype=b.dtype, device=b.device).T
        R.diagonal()[R.diagonal() == 0] = 1  # upper triangular; a zero pivot goes with S[col] = 0 (y = 0)
        rhs = torch.tensor(S[: col + 1], dtype=b.dtype, device=b.device).unsqueeze(-1)
        y = torch.linalg.solve_triangular(R, rhs, upper=True).squeeze(-1)
        x = x + y @ V[: col + 1]
        r = b - matvec(x)
        rnorm = float(torch.linalg.vector_norm(r))
        hist.append(rnorm)
        if call_back(s.callback, x.unsqueeze(-1), True):
            return x, KrylovStatus.CALLBACK, inner, hist
        if not rnorm < float("inf"):
            return x, KrylovStatus.NONFINITE, inner, hist
        if rnorm <= atol or breakdown:
            break
        if presid <= ptol:
            ptol_max_factor = max(eps, 0.25 * ptol_max_factor)
        else:
            ptol_max_factor = min(1.0, 1.5 * ptol_max_factor)
        ptol = presid * min(ptol_max_factor, atol / rnorm)
    status = KrylovStatus.SUCCESS if rnorm <= atol else (KrylovStatus.BREAKDOWN if breakdown else
                                                        KrylovStatus.MAX_ITER)
    return x, status, inner, hist
