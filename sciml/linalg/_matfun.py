r"""Matrix functions: the exponential, its action on vectors, and the square root and logarithm of SPD matrices.

- :func:`expm` — :math:`e^A = \sum_k A^k / k!` by scaling and squaring (``torch.linalg.matrix_exp``).
- :func:`expm_multiply` — :math:`e^{tA} B` without forming :math:`e^{tA}`: :math:`s` steps of a truncated
  Taylor series of degree :math:`m`, :math:`e^{tA}B = (e^{tA/s})^s B`, with :math:`(m, s)` chosen from
  :math:`\|tA\|_1` and the bounds :math:`\theta_m` of Al-Mohy and Higham so that the truncation error is
  below the unit roundoff; only products with :math:`A` are needed, so ``A`` may be a :class:`LinearOperator`.
- :func:`sqrtm`, :func:`logm` — for symmetric (Hermitian) positive (semi)definite matrices through the
  eigendecomposition :math:`A = V \operatorname{diag}(\lambda) V^{\mathsf H}`,
  :math:`f(A) = V \operatorname{diag}(f(\lambda)) V^{\mathsf H}`.
"""

from __future__ import annotations

import math

import torch

from sciml._validation import as_tensor, check_real
from sciml.linalg import _guard
from sciml.linalg._checks import as_square, check_hermitian
from sciml.linalg._operator import LinearOperator, aslinearoperator

#: Al-Mohy & Higham (2011), Table 3.1 (double precision): ‖tA‖₁/s ≤ θ_m keeps the Taylor error below 2⁻⁵³
THETA = {5: 2.4e-3, 10: 1.44e-1, 15: 6.41e-1, 20: 1.44, 25: 2.43, 30: 3.54, 35: 4.7, 40: 6.0, 45: 7.2, 50: 8.5,
         55: 9.9}


def expm(A, *, dtype=None, device=None) -> torch.Tensor:
    r"""Matrix exponential :math:`e^A` (batched, differentiable), as ``scipy.linalg.expm``.

    .. math:: e^A = \sum_{k=0}^\infty \frac{A^k}{k!} = \big(e^{A/2^s}\big)^{2^s},

    by scaling and squaring with the diagonal Padé approximant :math:`r_m = q_m(A)^{-1} p_m(A)` of degree
    :math:`m \in \{3, 5, 7, 9, 13\}` chosen from :math:`\|A\|_1` (Higham's algorithm, as in SciPy; each matrix of
    a batch is scaled by its own :math:`2^{-s}`). At large norms it is several times more accurate than the
    Taylor approximant of ``torch.linalg.matrix_exp``.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Square matrices (real or complex).
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (..., n, n) tensor
        :math:`e^A`.

    References
    ----------
    .. [1] N. J. Higham, "The scaling and squaring method for the matrix exponential revisited", *SIAM J.
       Matrix Anal. Appl.* 26(4), 1179–1193, 2005.
    .. [2] C. Moler and C. Van Loan, "Nineteen dubious ways to compute the exponential of a matrix, twenty-five
       years later", *SIAM Review* 45(1), 3–49, 2003.

    Examples
    --------
    >>> R = expm([[0.0, -math.pi / 2], [math.pi / 2, 0.0]])   # the rotation by 90°
    >>> torch.round(R, decimals=12).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    return _pade_expm(as_square(A, dtype=dtype, device=device))


#: Higham (2005), Table 2.3 (double precision): r_m is accurate to the unit roundoff for ‖A‖₁ ≤ θ_m
PADE_THETA = {3: 1.495585217958292e-2, 5: 2.539398330063230e-1, 7: 9.504178996162932e-1, 9: 2.097847961257068,
              13: 5.371920351148152}
PADE_B = {3: (120, 60, 12, 1), 5: (30240, 15120, 3360, 420, 30, 1),
          7: (17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1),
          9: (17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1),
          13: (64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000,
               10559470521600, 670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1)}


def _pade_expm(A: torch.Tensor) -> torch.Tensor:
    n = A.shape[-1]
    eye = torch.eye(n, dtype=A.dtype, device=A.device)
    norm = float(A.detach().abs().sum(-2).amax(-1).max()) if A.numel() else 0.0
    m = next((m for m in (3, 5, 7, 9) if norm <= PADE_THETA[m]), 13)
    if m == 13:  # scale each matrix into the degree-13 range by its own power of two
        norms = A.detach().abs().sum(-2).amax(-1)
        s = torch.clamp(torch.ceil(torch.log2(norms / PADE_THETA[13])), min=0)
        A = A / (2.0 ** s)[..., None, None].to(A.dtype)
    b = PADE_B[m]
    A2 = A @ A
    if m == 13:
        A4 = A2 @ A2
        A6 = A4 @ A2
        U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
        V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    else:
        powers, P = [eye, A2], A2
        for _ in range(2, (m + 1) // 2):
            P = P @ A2
            powers.append(P)
        U = A @ sum(b[2 * k + 1] * powers[k] for k in range(len(powers)))
        V = sum(b[2 * k] * powers[k] for k in range(len(powers)))
    LU, pivots, _ = _guard.lu_factor(V - U)
    R = _guard.lu_solve(LU, pivots, V + U)
    if m == 13:
        for k in range(int(s.max()) if s.numel() else 0):
            R = torch.where((k < s)[..., None, None], R @ R, R)
    return R


def _norm1(op: LinearOperator, A) -> float:
    if isinstance(A, torch.Tensor) and A.layout == torch.strided:
        return float(torch.linalg.matrix_norm(A.detach(), ord=1))
    n = op.shape[1]
    if op._rmatvec is None:
        return float(torch.linalg.matrix_norm(op.to_dense().detach(), ord=1))
    x = torch.full((n,), 1.0 / n, dtype=op.dtype, device=op.device)  # Hager's estimator of ‖A‖₁
    est, j_old = 0.0, None
    for _ in range(5):
        y = op.matvec(x).detach()
        est = max(est, float(y.abs().sum()))
        z = op.rmatvec(torch.sgn(y)).detach()
        j = int(z.abs().argmax())
        if j == j_old:
            break
        x, j_old = torch.zeros_like(x), j
        x[j] = 1.0
    return est


def expm_multiply(A, B, *, t: float = 1.0, dtype=None, device=None) -> torch.Tensor:
    r"""The action :math:`e^{tA} B` of the matrix exponential, without forming :math:`e^{tA}`.

    .. math:: e^{tA} B = \big(T_m(tA/s)\big)^s B, \qquad T_m(X) = \sum_{k=0}^m \frac{X^k}{k!},

    with the degree :math:`m` and the number of steps :math:`s` minimizing :math:`m s` subject to
    :math:`\|tA\|_1 / s \le \theta_m` (each step stops early once two consecutive terms are below the unit
    roundoff relative to the sum). Costs :math:`m s` products with ``A`` — for a sparse or matrix-free ``A``
    far less than :func:`expm`. Dense ``A`` are first shifted by :math:`\mu = \operatorname{tr}(A)/n`
    (:math:`e^{tA} = e^{t\mu} e^{t(A - \mu I)}`). Differentiable in a dense ``A`` and in ``B``.

    Parameters
    ----------
    A : (n, n) tensor-like, sparse tensor or LinearOperator
        The matrix or operator.
    B : (n,) or (n, k) tensor-like
        The vector(s).
    t : float
        The time; :math:`e^{tA}B` solves :math:`y' = A y`, :math:`y(0) = B` at ``t``.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (n,) or (n, k) tensor
        :math:`e^{tA} B`.

    Raises
    ------
    ValueError
        ``A`` is not square, ``B`` does not have ``n`` rows, or entries are not finite.

    References
    ----------
    .. [1] A. H. Al-Mohy and N. J. Higham, "Computing the action of the matrix exponential, with an application
       to exponential integrators", *SIAM J. Sci. Comput.* 33(2), 488–511, 2011.
    .. [2] ``scipy.sparse.linalg.expm_multiply``, which implements the same algorithm.

    Examples
    --------
    >>> A = [[0.0, 1.0], [-1.0, 0.0]]                      # y'' = -y: a rotation
    >>> y = expm_multiply(A, [1.0, 0.0], t=math.pi / 2)
    >>> torch.round(y, decimals=12).tolist()
    [0.0, -1.0]
    """
    t = check_real(t, "t")
    dense = not isinstance(A, LinearOperator) and not (isinstance(A, torch.Tensor) and A.layout != torch.strided)
    if dense:
        A = as_square(A, dtype=dtype, device=device)
        if A.dim() != 2:
            raise ValueError(f"A must be one matrix of shape (n, n), got shape {tuple(A.shape)}")
    op = aslinearoperator(A, dtype=dtype, device=device)
    if op.shape[0] != op.shape[1]:
        raise ValueError(f"A must be square, got shape {op.shape}")
    n = op.shape[0]
    B = as_tensor(B, "B", dtype=op.dtype, device=op.device)
    if B.dim() not in (1, 2) or B.shape[0] != n:
        raise ValueError(f"B must have {n} rows to match A of shape {op.shape}, got shape {tuple(B.shape)}")
    mu = 0.0
    if dense:
        mu = A.diagonal().sum() / n
        shifted = A - mu * torch.eye(n, dtype=A.dtype, device=A.device)
        op = aslinearoperator(shifted)
        A = shifted
    norm = abs(t) * _norm1(op, A)
    if norm == 0 or t == 0:
        m, s = 0, 1
    else:
        m, s = min(((m, max(1, math.ceil(norm / theta))) for m, theta in THETA.items()), key=lambda p: p[0] * p[1])
    tol = torch.finfo(op.dtype).eps / 2
    F = B
    eta = torch.exp(t * mu / s) if isinstance(mu, torch.Tensor) else math.exp(t * mu / s)
    for _ in range(s):
        term, c1 = F, float(F.detach().abs().amax())
        for k in range(1, m + 1):
            term = (t / (s * k)) * (op @ term)
            c2 = float(term.detach().abs().amax())
            F = F + term
            if c1 + c2 <= tol * float(F.detach().abs().amax()):
                break
            c1 = c2
        F = eta * F
    return F


def _spd_function(A, fn, name: str, *, strict: bool, dtype, device) -> torch.Tensor:
    A = as_square(A, dtype=dtype, device=device)
    what = "positive definite" if strict else "positive semidefinite"
    check_hermitian(A, "A", what=f"symmetric (Hermitian) {what} for {name}",
                    fix="; use scipy.linalg for general matrices")
    w, V = torch.linalg.eigh(A)
    floor = w.detach().abs().amax(-1, keepdim=True) * A.shape[-1] * torch.finfo(w.dtype).eps
    low = w.detach() <= 0 if strict else w.detach() < -floor
    if bool(low.any()):
        raise ValueError(f"A must be {what} for {name}; its smallest eigenvalue is {float(w.detach().min()):.3g}")
    f = fn(w.clamp_min(0) if not strict else w)
    return (V * f.unsqueeze(-2).to(V.dtype)) @ V.mH


def sqrtm(A, *, dtype=None, device=None) -> torch.Tensor:
    r"""Principal square root of a symmetric (Hermitian) positive semidefinite matrix (batched, differentiable).

    .. math:: A^{1/2} = V \operatorname{diag}(\sqrt{\lambda_i}) V^{\mathsf H}, \qquad
              A = V \operatorname{diag}(\lambda_i) V^{\mathsf H}, \qquad (A^{1/2})^2 = A,

    the unique positive semidefinite square root. Eigenvalues down to :math:`-n\varepsilon\max|\lambda|`
    count as zero; gradients need distinct, positive eigenvalues.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Symmetric (Hermitian) positive semidefinite matrices.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (..., n, n) tensor
        :math:`A^{1/2}`.

    Raises
    ------
    ValueError
        ``A`` is not symmetric, or has a negative eigenvalue.

    References
    ----------
    .. [1] N. J. Higham, *Functions of Matrices: Theory and Computation*, SIAM, 2008, ch. 6.
    .. [2] ``scipy.linalg.sqrtm`` (general matrices, by the Schur method).

    Examples
    --------
    >>> torch.round(sqrtm([[5.0, 4.0], [4.0, 5.0]]), decimals=12).tolist()   # eigenvalues 9 and 1
    [[2.0, 1.0], [1.0, 2.0]]
    """
    return _spd_function(A, torch.sqrt, "sqrtm", strict=False, dtype=dtype, device=device)


def logm(A, *, dtype=None, device=None) -> torch.Tensor:
    r"""Principal logarithm of a symmetric (Hermitian) positive definite matrix (batched, differentiable).

    .. math:: \log A = V \operatorname{diag}(\log\lambda_i) V^{\mathsf H}, \qquad e^{\log A} = A,

    the unique symmetric (Hermitian) logarithm.

    Parameters
    ----------
    A : (..., n, n) tensor-like
        Symmetric (Hermitian) positive definite matrices.
    dtype : torch.dtype, optional
        Default ``A``'s (float64 for lists and arrays).
    device : torch.device or str, optional
        Default ``A``'s.

    Returns
    -------
    (..., n, n) tensor
        :math:`\log A`.

    Raises
    ------
    ValueError
        ``A`` is not symmetric, or not positive definite.

    References
    ----------
    .. [1] N. J. Higham, *Functions of Matrices: Theory and Computation*, SIAM, 2008, ch. 11.
    .. [2] ``scipy.linalg.logm`` (general matrices, by inverse scaling and squaring).

    Examples
    --------
    >>> L = logm([[math.e, 0.0], [0.0, 1.0]])
    >>> torch.round(L, decimals=12).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    return _spd_function(A, torch.log, "logm", strict=True, dtype=dtype, device=device)
