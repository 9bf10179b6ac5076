r"""A few extreme eigenpairs of a symmetric (Hermitian) operator: thick-restart Lanczos and LOBPCG.

- :func:`eigsh` — Lanczos with full reorthogonalization, :math:`A V_m = V_m T_m + f e_m^{\mathsf T}`;
  Ritz pairs :math:`(\theta, V_m y)` of :math:`T_m = V_m^{\mathsf H} A V_m`; when the basis is full, the
  wanted Ritz vectors and the residual direction :math:`f` are kept (a thick restart, Wu and Simon) and the
  expansion goes on from them.
- :func:`lobpcg` — Knyazev's locally optimal block preconditioned conjugate gradient: Rayleigh–Ritz on
  :math:`\operatorname{span}\{X, M R, P\}` with :math:`R = AX - X\Theta` and :math:`P` the previous step.

Both stop when every wanted residual :math:`\|A x_i - \theta_i x_i\|_2` is below its tolerance, and report
``MAX_ITER`` otherwise; the eigenvalue error is then about :math:`\|r_i\|^2/\text{gap}_i`.
"""

from __future__ import annotations

import dataclasses

import torch

from sciml._validation import as_tensor, check_choice, check_int, check_real
from sciml.linalg._krylov import KrylovStatus, KrylovWarning, as_operator
from sciml.results import Result, conclude

WHICH = ("LA", "SA", "LM", "SM")


@dataclasses.dataclass(repr=False)
class EigshResult(Result):
    """Result of :func:`eigsh` and :func:`lobpcg`.

    Attributes
    ----------
    eigenvalues : (k,) tensor
        The wanted eigenvalues, ascending (as ``scipy.sparse.linalg.eigsh`` returns them).
    eigenvectors : (n, k) tensor
        Orthonormal eigenvectors, column ``i`` for ``eigenvalues[i]``.
    success : bool
        Whether every wanted pair met its residual tolerance.
    status : KrylovStatus
        ``SUCCESS``, ``MAX_ITER`` or ``NONFINITE``.
    message : str
        What the status means.
    nit : int
        Restarts (eigsh) or block iterations (lobpcg).
    nmatvec : int
        Products with ``A`` (columns of a block counted one by one).
    residuals : (nit + 1, k) tensor
        History of the residual norms :math:`\\|A x_i - \\theta_i x_i\\|_2`, in the order of ``eigenvalues``.
    """

    eigenvalues: torch.Tensor
    eigenvectors: torch.Tensor
    success: bool
    status: object
    message: str
    nit: int
    nmatvec: int
    residuals: torch.Tensor


def _pick(theta: torch.Tensor, k: int, which: str) -> torch.Tensor:
    """Indices of the ``k`` wanted Ritz values, most wanted first."""
    key = {"LA": -theta, "SA": theta, "LM": -theta.abs(), "SM": theta.abs()}[which]
    return torch.argsort(key, stable=True)[:k]


def _result(theta, X, status, nit, nmatvec, history, throw):
    order = torch.argsort(theta)
    hist = torch.stack(history)[:, order]
    status = KrylovStatus(int(status))
    message = {KrylovStatus.SUCCESS: "converged: every wanted residual is below its tolerance",
               KrylovStatus.MAX_ITER: "the iteration limit came first: raise maxiter (or ncv for eigsh), or pass "
                                      "a preconditioner M to lobpcg"}.get(status, status.hint)
    result = EigshResult(eigenvalues=theta[order], eigenvectors=X[:, order], success=status.success,
                         status=status, message=message, nit=nit, nmatvec=nmatvec, residuals=hist)
    return conclude(result, throw=throw, category=KrylovWarning, stacklevel=4)


def _ritz(T: torch.Tensor, G: torch.Tensor | None, sign: float):
    r"""Rayleigh–Ritz: eigenpairs of :math:`\pm T z = \theta G z` (:math:`G = I` when None), ascending, with
    :math:`Z^{\mathsf H} G Z = I`; :math:`G = L L^{\mathsf H}` turns it into the standard problem
    :math:`L^{-1} T L^{-\mathsf H}`."""
    if G is None:
        return torch.linalg.eigh(sign * (T + T.mH) / 2)
    L, info = torch.linalg.cholesky_ex((G + G.mH) / 2)
    if int(info):
        raise ValueError("B must be symmetric (Hermitian) positive definite, but XᴴBX on the search space is "
                         "not; check B, or pass B=None for the standard problem")
    Y = torch.linalg.solve_triangular(L, sign * (T + T.mH) / 2, upper=False)
    theta, W = torch.linalg.eigh(torch.linalg.solve_triangular(L, Y.mH, upper=False))
    return theta, torch.linalg.solve_triangular(L.mH, W, upper=True)


def _orthogonalize(w: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """``w`` with its components along the orthonormal columns of ``V`` removed (two passes: CGS2)."""
    for _ in range(2):
        w = w - V @ (V.mH @ w)
    return w


def eigsh(A, k: int = 6, *, which: str = "LM", v0=None, ncv: int | None = None, maxiter: int | None = None,
          tol: float = 0.0, generator: torch.Generator | None = None, throw: bool = False) -> EigshResult:
    r"""``k`` eigenpairs of a symmetric (Hermitian) operator at one end of its spectrum, by thick-restart Lanczos.

    .. math:: A x_i = \lambda_i x_i, \qquad \|A x_i - \theta_i x_i\|_2 \le \max(\text{tol}\,|\theta_i|,\
              100\,\varepsilon\,\|T\|_2),

    with ``which`` choosing the end as in ``scipy.sparse.linalg.eigsh``; only products with ``A`` are needed.
    Converged pairs are confirmed by one more search from a random direction orthogonal to them (a Krylov
    space of one starting vector holds only one copy of a multiple eigenvalue).

    Parameters
    ----------
    A : (n, n) tensor-like, sparse tensor, scipy.sparse matrix or LinearOperator
        Symmetric (Hermitian).
    k : int
        How many eigenpairs (:math:`1 \le k < n`).
    which : {"LM", "SM", "LA", "SA"}
        Largest or smallest magnitude, largest or smallest algebraic value.
    v0 : (n,) tensor-like, optional
        Starting vector (default random, from ``generator``).
    ncv : int, optional
        Basis size, :math:`k < \text{ncv} \le n` (default :math:`\min(n, \max(2k + 1, 20))`).
    maxiter : int, optional
        Restart limit (default :math:`10n`).
    tol : float
        Relative residual tolerance (0: the rounding level).
    generator : torch.Generator, optional
        For the random starting vector.
    throw : bool
        Raise instead of warning when the run fails.

    Returns
    -------
    EigshResult
        ``eigenvalues`` (ascending), ``eigenvectors``, ``success``, ``status``, ``nit``, ``nmatvec``,
        ``residuals``.

    References
    ----------
    .. [1] K. Wu and H. Simon, "Thick-restart Lanczos method for large symmetric eigenvalue problems",
       *SIAM J. Matrix Anal. Appl.* 22(2), 602–616, 2000.
    .. [2] ``scipy.sparse.linalg.eigsh`` (ARPACK's implicitly restarted Lanczos), whose arguments these are.

    Examples
    --------
    >>> A = torch.diag(torch.arange(1.0, 11.0, dtype=torch.float64))
    >>> res = eigsh(A, 3, which="LA", generator=torch.Generator().manual_seed(0))
    >>> res.success, torch.round(res.eigenvalues, decimals=10).tolist()
    (True, [8.0, 9.0, 10.0])
    """
    op = as_operator(A)
    n = op.shape[0]
    k = check_int(k, "k", low=1, high=n - 1) if n > 1 else check_int(k, "k", low=1, high=1)
    which = check_choice(which, "which", WHICH)
    ncv = min(n, max(2 * k + 1, 20)) if ncv is None else check_int(ncv, "ncv", low=k + 1, high=n)
    maxiter = 10 * n if maxiter is None else check_int(maxiter, "maxiter", low=1)
    tol = check_real(tol, "tol", low=0.0)
    eps = torch.finfo(op.dtype).eps
    if v0 is None:
        v = torch.randn(n, dtype=op.dtype, generator=generator).to(op.device)
    else:
        v = as_tensor(v0, "v0", dtype=op.dtype, device=op.device)
        if v.shape != (n,) or not bool(v.any()):
            raise ValueError(f"v0 must be a non-zero vector of {n} entries, got shape {tuple(v.shape)}")
    V = torch.zeros(n, ncv, dtype=op.dtype, device=op.device)  # the basis, then A times it
    W = torch.zeros_like(V)
    V[:, 0] = v / torch.linalg.vector_norm(v)
    W[:, 0] = op.matvec(V[:, 0])
    j, nmatvec, history, confirmed = 1, 1, [], None
    status, nit = KrylovStatus.MAX_ITER, maxiter
    for restart in range(maxiter + 1):
        while j < ncv:
            w = _orthogonalize(W[:, j - 1], V[:, :j])
            beta = torch.linalg.vector_norm(w)
            if not bool(torch.isfinite(beta)):
                return _result(torch.full((k,), torch.nan, dtype=W.real.dtype), V[:, :k], KrylovStatus.NONFINITE,
                               restart, nmatvec, history or [torch.full((k,), torch.nan)], throw)
            if beta <= 1e3 * eps * torch.linalg.vector_norm(W[:, j - 1]):  # invariant subspace: a fresh direction
                w = _orthogonalize(torch.randn(n, dtype=op.dtype, generator=generator).to(op.device), V[:, :j])
                beta = torch.linalg.vector_norm(w)
            V[:, j] = w / beta
            W[:, j] = op.matvec(V[:, j])
            j += 1
            nmatvec += 1
        T = V.mH @ W
        theta, Y = torch.linalg.eigh((T + T.mH) / 2)
        idx = _pick(theta, k, which)
        X, AX = V @ Y[:, idx], W @ Y[:, idx]
        res = torch.linalg.vector_norm(AX - X * theta[idx], dim=0)
        history.append(res)
        floor = 100 * eps * float(theta.abs().max())
        if bool((res <= torch.clamp(tol * theta[idx].abs(), min=floor)).all()):
            # a single-vector Krylov space holds one copy of a multiple eigenvalue: before accepting, lock the
            # pairs and search again from a fresh direction; done when that finds nothing more wanted
            if confirmed is not None and torch.allclose(theta[idx], confirmed, rtol=1e-8, atol=floor):
                status, nit = KrylovStatus.SUCCESS, restart
                break
            confirmed = theta[idx].clone()
            if restart == maxiter:
                break
            V[:, :k], W[:, :k] = X, AX
            f = _orthogonalize(torch.randn(n, dtype=op.dtype, generator=generator).to(op.device), V[:, :k])
            V[:, k] = f / torch.linalg.vector_norm(f)
            W[:, k] = op.matvec(V[:, k])
            j, nmatvec = k + 1, nmatvec + 1
            continue
        if restart == maxiter:
            break
        keep = min(ncv - 1, k + (ncv - k) // 2)
        sel = _pick(theta, keep, which)
        f = _orthogonalize(W[:, -1], V)
        V[:, :keep], W[:, :keep] = V @ Y[:, sel], W @ Y[:, sel]
        V[:, keep] = f / torch.linalg.vector_norm(f)
        W[:, keep] = op.matvec(V[:, keep])
        j, nmatvec = keep + 1, nmatvec + 1
    return _result(theta[idx], X, status, nit, nmatvec, history, throw)


def lobpcg(A, X, B=None, *, M=None, tol: float | None = None, maxiter: int = 1000, largest: bool = False,
           generator: torch.Generator | None = None, throw: bool = False) -> EigshResult:
    r"""The ``k`` smallest (or largest) eigenpairs of a symmetric (Hermitian) operator by LOBPCG, or of the
    generalized problem :math:`A x = \lambda B x` with :math:`B` positive definite.

    .. math:: [\Theta, C] = \operatorname{RR}\big(A, B, \operatorname{span}\{X_j, M R_j, P_j\}\big), \qquad
              R_j = A X_j - B X_j \Theta_j,

    the Rayleigh–Ritz step on the current block, its preconditioned residuals and the previous update,
    until every :math:`\|r_i\|_2 \le \text{tol}` (SciPy's absolute residual test). Converged columns stop
    adding residual directions (soft locking). The search directions are orthonormalized by QR; with ``B`` the
    Rayleigh–Ritz step solves :math:`S^{\mathsf H} A S\, z = \theta\, S^{\mathsf H} B S\, z` through the
    Cholesky factor of :math:`S^{\mathsf H} B S`, so the eigenvectors come back :math:`B`-orthonormal
    (:math:`X^{\mathsf H} B X = I`).

    Parameters
    ----------
    A : (n, n) tensor-like, sparse tensor, scipy.sparse matrix or LinearOperator
        Symmetric (Hermitian).
    X : (n, k) tensor-like or int
        The starting block (:math:`3k \le n` recommended), or ``k`` for a random one from ``generator``.
    B : (n, n) tensor-like, sparse tensor, scipy.sparse matrix or LinearOperator, optional
        Symmetric (Hermitian) positive definite: the generalized problem :math:`A x = \lambda B x` (default
        :math:`B = I`). One that is not positive definite on the search space is refused.
    M : tensor-like or LinearOperator, optional
        Symmetric positive definite preconditioner approximating :math:`A^{-1}`.
    tol : float, optional
        Residual-norm tolerance (default :math:`\sqrt{\varepsilon}\,n`, SciPy's).
    maxiter : int
        Iteration limit.
    largest : bool
        The largest eigenvalues instead of the smallest.
    generator : torch.Generator, optional
        For a random starting block.
    throw : bool
        Raise instead of warning when the run fails.

    Returns
    -------
    EigshResult
        ``eigenvalues`` (ascending), ``eigenvectors``, ``success``, ``status``, ``nit``, ``nmatvec``,
        ``residuals``.

    References
    ----------
    .. [1] A. V. Knyazev, "Toward the optimal preconditioned eigensolver: locally optimal block preconditioned
       conjugate gradient method", *SIAM J. Sci. Comput.* 23(2), 517–541, 2001.
    .. [2] ``scipy.sparse.linalg.lobpcg``, whose arguments these are.

    Raises
    ------
    ValueError
        Shapes that do not match; ``B`` not positive definite.

    Examples
    --------
    >>> A = torch.diag(torch.arange(1.0, 21.0, dtype=torch.float64))
    >>> res = lobpcg(A, 2, tol=1e-9, generator=torch.Generator().manual_seed(0))
    >>> res.success, torch.round(res.eigenvalues, decimals=8).tolist()
    (True, [1.0, 2.0])
    >>> B = torch.diag(torch.full((20,), 2.0, dtype=torch.float64))   # A x = λ B x: λ = i / 2
    >>> res = lobpcg(A, 2, B, tol=1e-9, generator=torch.Generator().manual_seed(0))
    >>> torch.round(res.eigenvalues, decimals=8).tolist()
    [0.5, 1.0]
    """
    op = as_operator(A)
    n = op.shape[0]
    if isinstance(X, int) and not isinstance(X, bool):
        k = check_int(X, "X", low=1, high=n)
        X = torch.randn(n, k, dtype=op.dtype, generator=generator).to(op.device)
    else:
        X = as_tensor(X, "X", dtype=op.dtype, device=op.device)
        if X.dim() != 2 or X.shape[0] != n or not 1 <= X.shape[1] <= n:
            raise ValueError(f"X must be an (n, k) block with n = {n} and 1 <= k <= n (or an int k), got shape "
                             f"{tuple(X.shape)}")
    k = X.shape[1]
    maxiter = check_int(maxiter, "maxiter", low=1)
    tol = (torch.finfo(op.dtype).eps ** 0.5 * n) if tol is None else check_real(tol, "tol", low=0.0, low_open=True)
    if M is not None:
        M = as_operator(M, "M")
    if B is not None:
        B = as_operator(B, "B", dtype=op.dtype)
        if B.shape != op.shape:
            raise ValueError(f"B must have the shape of A {op.shape}, got {B.shape}")
    X = torch.linalg.qr(X).Q
    AX = op.matmat(X)
    BX = None if B is None else B.matmat(X)
    nmatvec = k
    sign = -1.0 if largest else 1.0
    theta, C = _ritz(X.mH @ AX, None if B is None else X.mH @ BX, sign)
    X, AX, theta = X @ C, AX @ C, sign * theta
    BX = None if B is None else BX @ C
    P, history = None, []
    status, nit = KrylovStatus.MAX_ITER, maxiter
    for it in range(maxiter + 1):
        R = AX - (X if B is None else BX) * theta
        res = torch.linalg.vector_norm(R, dim=0)
        history.append(res)
        if not bool(torch.isfinite(res).all()):
            status, nit = KrylovStatus.NONFINITE, it
            break
        active = res > tol
        if not bool(active.any()):
            status, nit = KrylovStatus.SUCCESS, it
            break
        if it == maxiter:
            break
        Wd = R[:, active]
        Wd = Wd if M is None else M.matmat(Wd)
        S = Wd if P is None else torch.cat([Wd, P], -1)
        S = _orthogonalize(S, X if B is None else torch.linalg.qr(X).Q)  # with B, X is B- not 2-orthonormal
        Q, Rq = torch.linalg.qr(S)
        keepcols = Rq.diagonal().abs() > 1e3 * torch.finfo(op.dtype).eps * Rq.diagonal().abs().max()
        Q = Q[:, keepcols]
        AQ = op.matmat(Q)
        nmatvec += Q.shape[1]
        basis, Abasis = torch.cat([X, Q], -1), torch.cat([AX, AQ], -1)
        Bbasis = None if B is None else torch.cat([BX, B.matmat(Q)], -1)
        theta_all, Z = _ritz(basis.mH @ Abasis, None if B is None else basis.mH @ Bbasis, sign)
        Z = Z[:, :k]
        X, AX, theta = basis @ Z, Abasis @ Z, sign * theta_all[:k]
        BX = None if B is None else Bbasis @ Z
        P = Q @ Z[k:]
    return _result(theta, X, status, nit, nmatvec, history, throw)
