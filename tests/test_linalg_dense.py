"""sciml.linalg dense functions against scipy.linalg and closed forms: structured solves, the batched-LU guard,
least squares, eigenproblems, norms, determinants and matrix functions; gradients by gradcheck."""

import math
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse.linalg
import torch

from sciml import linalg
from sciml.linalg import _guard

F64 = torch.float64
EPS = torch.finfo(F64).eps


def _randn(generator, *shape, dtype=F64):
    if dtype.is_complex:
        return torch.complex(torch.randn(*shape, generator=generator, dtype=F64),
                             torch.randn(*shape, generator=generator, dtype=F64))
    return torch.randn(*shape, generator=generator, dtype=dtype)


def _spd(generator, n, dtype=F64):
    M = _randn(generator, n, n, dtype=dtype)
    return M @ M.mH + n * torch.eye(n, dtype=dtype)


# -- solve(assume_a=...) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [F64, torch.complex128])
@pytest.mark.parametrize("assume_a", ["gen", "sym", "her", "pos"])
def test_solve_assume_a_matches_scipy(generator, assume_a, dtype):
    n = 7
    A = _spd(generator, n, dtype)
    if assume_a == "sym" and dtype.is_complex:
        A = A + A.mT  # complex symmetric, not Hermitian
    b = _randn(generator, n, 2, dtype=dtype)
    x = linalg.solve(A, b, assume_a=assume_a)
    ref = scipy.linalg.solve(A.numpy(), b.numpy(), assume_a=assume_a)
    np.testing.assert_allclose(x.numpy(), ref, rtol=1e-12, atol=1e-14)
    assert x.dtype == dtype


@pytest.mark.parametrize("assume_a", ["gen", "sym", "pos"])
def test_solve_gradcheck_for_every_structure(generator, assume_a):
    M = _randn(generator, 4, 4).requires_grad_()
    b = _randn(generator, 4).requires_grad_()
    eye = torch.eye(4, dtype=F64)

    def f(M, b):  # a symmetric positive definite matrix stays one under gradcheck's perturbations
        return linalg.solve(M @ M.mT + 4 * eye, b, assume_a=assume_a)

    assert torch.autograd.gradcheck(f, (M, b))


def test_solve_above_the_exact_rcond_size_matches_scipy_and_gradcheck(generator):
    """n > EXACT_RCOND_N: b is solved with Hager's first vector in one pass, real row-major A as its transpose;
    batched, several right-hand sides, complex, a broadcast batch, and the gradient through the shared solve."""
    n = 40
    A = _randn(generator, 3, n, n) + 8 * torch.eye(n, dtype=F64)
    B = _randn(generator, 3, n, 2)
    for M, rhs in [(A, B), (A[0], B[0, :, 0]), (A[0], B), (torch.complex(A, A.flip(-1)), torch.complex(B, B)),
                   (A[0].mT, B[0])]:  # the last one column-major: factored as it is
        ref = np.linalg.solve(M.numpy(), rhs.numpy()) if rhs.dim() > 1 else scipy.linalg.solve(M.numpy(),
                                                                                                rhs.numpy())
        np.testing.assert_allclose(linalg.solve(M, rhs).numpy(), ref, rtol=1e-11, atol=1e-13)
    M = A[0].clone().requires_grad_()
    b = B[0, :, 0].clone().requires_grad_()
    assert torch.autograd.gradcheck(linalg.solve, (M, b))


def test_solve_refuses_what_assume_a_rules_out():
    with pytest.raises(ValueError, match="positive definite"):
        linalg.solve([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0], assume_a="pos")  # indefinite
    with pytest.raises(ValueError, match="must be symmetric"):
        linalg.solve([[2.0, 1.0], [0.0, 2.0]], [1.0, 1.0], assume_a="pos")
    with pytest.raises(ValueError, match="must be symmetric"):
        linalg.solve([[2.0, 1.0], [0.0, 2.0]], [1.0, 1.0], assume_a="sym")
    with pytest.raises(ValueError, match="assume_a must be one of"):
        linalg.solve([[2.0]], [1.0], assume_a="spd")


def test_symmetric_indefinite_solve_uses_ldl_and_is_right():
    A = torch.tensor([[0.0, 1.0, 2.0], [1.0, -3.0, 0.5], [2.0, 0.5, 1.0]], dtype=F64)
    b = torch.tensor([1.0, 2.0, 3.0], dtype=F64)
    np.testing.assert_allclose(linalg.solve(A, b, assume_a="sym").numpy(),
                               scipy.linalg.solve(A.numpy(), b.numpy()), rtol=1e-13)


@pytest.mark.parametrize("n", [12, 13, 14])
def test_hilbert_warns_and_random_matrices_do_not(n, generator):
    H = scipy.linalg.hilbert(n)
    with pytest.warns(linalg.IllConditionedWarning, match="ill-conditioned"):
        linalg.solve(H, H @ np.ones(n))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            A = _randn(generator, 50, 50) + 50**0.5 * torch.eye(50, dtype=F64)
            linalg.solve(A, _randn(generator, 50))


def test_backward_error_of_solve_is_at_most_10_n_eps(generator):
    for n in (10, 200):
        A, b = _randn(generator, n, n), _randn(generator, n)
        x = linalg.solve(A, b)
        assert float(linalg.backward_error(A, x, b)) <= 10 * n * EPS


@pytest.mark.slow
def test_backward_error_up_to_n_3000(generator):
    for n in (1000, 3000):
        A, b = _randn(generator, n, n), _randn(generator, n)
        assert float(linalg.backward_error(A, linalg.solve(A, b), b)) <= 10 * n * EPS


# -- the threaded batched-LU guard (pytorch#142815) ------------------------------------------------------------

def _threaded_batches(generator, runs):
    """The measured conditions: 2 threads, batches of 10 × 256×256, random well-conditioned; worst residual."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    worst = 0.0
    try:
        for _ in range(runs):
            A = _randn(generator, 10, 256, 256) + 16 * torch.eye(256, dtype=F64)
            b = _randn(generator, 10, 256)
            x = linalg.solve(A, b)
            worst = max(worst, float((A @ x.unsqueeze(-1) - b.unsqueeze(-1)).abs().max()))
            X = linalg.inv(A[:3])
            worst = max(worst, float((A[:3] @ X - torch.eye(256, dtype=F64)).abs().max()))
    finally:
        torch.set_num_threads(threads)
    return worst


def test_threaded_batched_lu_gives_right_answers(generator):
    assert _threaded_batches(generator, 2) <= 1e-10


@pytest.mark.slow
def test_threaded_batched_lu_100_of_100_runs(generator):
    assert _threaded_batches(generator, 100) <= 1e-10


def test_recheck_recomputes_a_wrong_batch_member(generator):
    A = _randn(generator, 4, 6, 6) + 3 * torch.eye(6, dtype=F64)
    B = _randn(generator, 4, 6, 1)
    X = torch.linalg.solve(A, B)
    wrong = X.clone()
    wrong[2] += 1e3  # what the threaded bug returns: residuals of 1e2-1e5
    assert float(_guard.normwise_backward_error(A, wrong, B).max()) > _guard.backward_tolerance(A)
    fixed = _guard.recheck(A, wrong, B)
    torch.testing.assert_close(fixed, X, rtol=1e-12, atol=1e-12)


def test_large_batches_route_around_batched_lu(generator, monkeypatch):
    calls = []
    real = torch.linalg.lu_factor_ex
    monkeypatch.setattr(torch.linalg, "lu_factor_ex", lambda A: calls.append(A.dim()) or real(A))
    A = _randn(generator, 3, _guard.SAFE_BATCH_N, _guard.SAFE_BATCH_N) + 12 * torch.eye(_guard.SAFE_BATCH_N, dtype=F64)
    linalg.solve(A, _randn(generator, 3, _guard.SAFE_BATCH_N))
    assert calls == [2, 2, 2]  # one matrix per call
    calls.clear()
    linalg.solve(A[:, :10, :10], _randn(generator, 3, 10))
    assert calls == [3]


# -- least squares, pseudo-inverse, bases ----------------------------------------------------------------------

def test_lstsq_matches_scipy_full_rank_and_rank_deficient(generator):
    A, b = _randn(generator, 8, 3), _randn(generator, 8)
    res = linalg.lstsq(A, b)
    x, residues, rank, s = scipy.linalg.lstsq(A.numpy(), b.numpy())
    np.testing.assert_allclose(res.x.numpy(), x, rtol=1e-12)
    np.testing.assert_allclose(float(res.residuals), residues, rtol=1e-10)
    assert int(res.rank) == rank == 3
    np.testing.assert_allclose(res.s.numpy(), s, rtol=1e-12)
    D = torch.cat([A, A[:, :1] + A[:, 1:2]], -1)  # rank 3 of 4 columns: the minimum-norm solution
    res = linalg.lstsq(D, b)
    x, _, rank, _ = scipy.linalg.lstsq(D.numpy(), b.numpy())
    np.testing.assert_allclose(res.x.numpy(), x, rtol=1e-10)
    assert int(res.rank) == rank == 3


def test_lstsq_complex_batched_and_gradcheck(generator):
    A, b = _randn(generator, 2, 6, 3, dtype=torch.complex128), _randn(generator, 2, 6, dtype=torch.complex128)
    x = linalg.lstsq(A, b).x
    for i in range(2):
        np.testing.assert_allclose(x[i].numpy(), scipy.linalg.lstsq(A[i].numpy(), b[i].numpy())[0], rtol=1e-12)
    A, b = _randn(generator, 5, 3).requires_grad_(), _randn(generator, 5).requires_grad_()
    assert torch.autograd.gradcheck(lambda A, b: linalg.lstsq(A, b).x, (A, b))


def test_pinv_null_space_orth_match_scipy(generator):
    A = _randn(generator, 5, 2) @ _randn(generator, 2, 4)  # rank 2
    np.testing.assert_allclose(linalg.pinv(A).numpy(), scipy.linalg.pinv(A.numpy()), rtol=1e-10, atol=1e-12)
    Z, Zs = linalg.null_space(A).numpy(), scipy.linalg.null_space(A.numpy())
    np.testing.assert_allclose(Z @ Z.T, Zs @ Zs.T, atol=1e-12)  # the same projector
    Q, Qs = linalg.orth(A).numpy(), scipy.linalg.orth(A.numpy())
    np.testing.assert_allclose(Q @ Q.T, Qs @ Qs.T, atol=1e-12)
    with pytest.raises(ValueError, match="single matrix"):
        linalg.null_space(torch.stack([A, A]))


# -- eigenproblems ---------------------------------------------------------------------------------------------

def test_eig_matches_scipy(generator):
    A = _randn(generator, 6, 6)
    w, V = linalg.eig(A)
    ws = scipy.linalg.eigvals(A.numpy())
    np.testing.assert_allclose(w.numpy(), ws[np.lexsort((ws.imag, ws.real))], rtol=1e-12)
    torch.testing.assert_close(A.to(V.dtype) @ V, V * w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [F64, torch.complex128])
def test_generalized_eigh_matches_scipy(generator, dtype):
    A = _randn(generator, 5, 5, dtype=dtype)
    A = A + A.mH
    B = _spd(generator, 5, dtype)
    w, V = linalg.eigh(A, B)
    np.testing.assert_allclose(w.numpy(), scipy.linalg.eigh(A.numpy(), B.numpy(), eigvals_only=True), rtol=1e-12)
    torch.testing.assert_close(A @ V, B @ V * w.to(dtype), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(V.mH @ B @ V, torch.eye(5, dtype=dtype), rtol=1e-12, atol=1e-12)


def test_eigh_gradcheck_and_bad_input(generator):
    M = _randn(generator, 4, 4).requires_grad_()
    N = _randn(generator, 4, 4).requires_grad_()
    eye = torch.eye(4, dtype=F64)
    assert torch.autograd.gradcheck(lambda M, N: linalg.eigh(M + M.mT, N @ N.mT + 4 * eye, eigvals_only=True),
                                    (M, N))
    with pytest.raises(ValueError, match="B is not positive definite"):
        linalg.eigh(eye, -eye)
    with pytest.raises(ValueError, match="A must be symmetric"):
        linalg.eigh([[1.0, 2.0], [0.0, 1.0]])


# -- norms, determinants, backward error -----------------------------------------------------------------------

@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norms_match_scipy(generator, ord):
    A = _randn(generator, 4, 5)
    np.testing.assert_allclose(float(linalg.norm(A, ord)), scipy.linalg.norm(A.numpy(), ord), rtol=1e-12)


def test_vector_norms_det_slogdet(generator):
    v = _randn(generator, 7)
    for p in (None, 1, 3, math.inf):
        np.testing.assert_allclose(float(linalg.norm(v, p)), scipy.linalg.norm(v.numpy(), p), rtol=1e-13)
    A = _randn(generator, 3, 130, 130) / 130**0.5 + torch.eye(130, dtype=F64)  # the guarded, looped path
    sign, logdet = linalg.slogdet(A)
    for i in range(3):
        s_ref, l_ref = np.linalg.slogdet(A[i].numpy())
        assert float(sign[i]) == s_ref
        np.testing.assert_allclose(float(logdet[i]), l_ref, rtol=1e-12)
        np.testing.assert_allclose(float(linalg.det(A[i])), scipy.linalg.det(A[i].numpy()), rtol=1e-10)
    np.testing.assert_allclose(linalg.det(A).numpy(), (sign * logdet.exp()).numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="not a matrix norm"):
        linalg.norm(A, 3)


def test_backward_error_closed_form():
    A = torch.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=F64)
    # r = b - A x = (0, 0.5); ‖A‖∞ ‖x‖∞ + ‖b‖∞ = 2·1 + 2
    assert float(linalg.backward_error(A, [1.0, 0.5], [2.0, 1.0])) == pytest.approx(0.5 / 4, rel=1e-15)
    with pytest.raises(ValueError, match="x must have 2 rows"):
        linalg.backward_error(A, [1.0, 2.0, 3.0], [1.0, 1.0])


# -- matrix functions ------------------------------------------------------------------------------------------

def _expm_test_set(generator):
    yield _randn(generator, 6, 6) * 0.1
    yield _randn(generator, 6, 6)
    yield _randn(generator, 10, 10) * 10  # large norm: many squarings
    yield _randn(generator, 5, 5, dtype=torch.complex128) * 3
    yield torch.triu(_randn(generator, 6, 6) * 20, 1)  # nilpotent
    yield torch.tensor([[-50.0, 49.0], [0.0, -1.0]], dtype=F64)  # non-normal, large norm


def test_expm_matches_scipy_to_1e13(generator):
    for A in _expm_test_set(generator):
        E, ref = linalg.expm(A).numpy(), scipy.linalg.expm(A.numpy())
        assert np.linalg.norm(E - ref) <= 1e-13 * np.linalg.norm(ref)


def test_expm_at_large_norm_against_50_digits_and_batched(generator):
    import mpmath

    mpmath.mp.dps = 50
    rng = np.random.default_rng(5)
    for scale in (50, 200):
        A = rng.standard_normal((5, 5)) * scale / 5**0.5  # scipy's own error here reaches 6e-13
        exact = np.array(mpmath.expm(mpmath.matrix(A.tolist())).tolist(), dtype=float)
        E = linalg.expm(torch.from_numpy(A)).numpy()
        # the relative condition number of exp at A is about ‖A‖: allow ‖A‖ ε·5, SciPy's own error is 2-10× that
        assert np.linalg.norm(E - exact) <= 5 * np.linalg.norm(A, 2) * 2.2e-16 * np.linalg.norm(exact)
    A = _randn(generator, 3, 6, 6) * torch.tensor([0.01, 1.0, 30.0], dtype=F64)[:, None, None]  # own scalings
    E = linalg.expm(A)
    for i in range(3):  # the third is one where scipy.linalg.expm is off by 5e-12
        exact = np.array(mpmath.expm(mpmath.matrix(A[i].tolist())).tolist(), dtype=float)
        bound = 5 * max(1.0, float(torch.linalg.matrix_norm(A[i], 2))) * 2.2e-16
        assert np.linalg.norm(E[i].numpy() - exact) <= bound * np.linalg.norm(exact)
        torch.testing.assert_close(E[i], linalg.expm(A[i]), rtol=1e-15, atol=0)


def test_expm_of_a_rotation_generator_closed_form():
    t = 0.7
    E = linalg.expm([[0.0, -t], [t, 0.0]])
    ref = torch.tensor([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], dtype=F64)
    torch.testing.assert_close(E, ref, rtol=0, atol=1e-15)


def test_expm_multiply_matches_scipy_dense_and_matrix_free(generator):
    A, B = _randn(generator, 8, 8) * 2, _randn(generator, 8, 3)
    np.testing.assert_allclose(linalg.expm_multiply(A, B, t=0.8).numpy(),
                               scipy.linalg.expm(0.8 * A.numpy()) @ B.numpy(), rtol=1e-12, atol=1e-13)
    L = linalg.laplacian_operator(12)
    v = _randn(generator, 144)
    ref = scipy.sparse.linalg.expm_multiply(-0.5 * L.to_dense().numpy(), v.numpy())
    np.testing.assert_allclose(linalg.expm_multiply(-0.5 * L, v).numpy(), ref, rtol=1e-12, atol=1e-14)
    A, v = (_randn(generator, 4, 4) * 0.5).requires_grad_(), _randn(generator, 4).requires_grad_()
    assert torch.autograd.gradcheck(lambda A, v: linalg.expm_multiply(A, v, t=1.3), (A, v))


def test_expm_gradcheck(generator):
    A = _randn(generator, 4, 4).requires_grad_()
    assert torch.autograd.gradcheck(linalg.expm, (A,))


def test_sqrtm_logm_match_scipy_and_refuse_indefinite(generator):
    A = _spd(generator, 5)
    np.testing.assert_allclose(linalg.sqrtm(A).numpy(), scipy.linalg.sqrtm(A.numpy()), rtol=1e-12)
    np.testing.assert_allclose(linalg.logm(A).numpy(), scipy.linalg.logm(A.numpy()), rtol=1e-12, atol=1e-13)
    torch.testing.assert_close(linalg.expm(linalg.logm(A)), A, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="positive definite for logm"):
        linalg.logm([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="positive semidefinite for sqrtm"):
        linalg.sqrtm([[1.0, 2.0], [2.0, 1.0]])
    M = _randn(generator, 4, 4).requires_grad_()
    eye = torch.eye(4, dtype=F64)
    assert torch.autograd.gradcheck(lambda M: linalg.sqrtm(M @ M.mT + eye), (M,))
    assert torch.autograd.gradcheck(lambda M: linalg.logm(M @ M.mT + eye), (M,))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: linalg.lstsq([[1.0, 2.0]], [1.0, 2.0]), "b must have 1 rows"),
    (lambda: linalg.expm([[1.0, 2.0]]), "square"),
    (lambda: linalg.eigh([[1.0, 0.0], [0.0, math.nan]]), "NaN"),
    (lambda: linalg.expm_multiply([[1.0]], [1.0, 2.0]), "B must have 1 rows"),
    (lambda: linalg.det(torch.ones(3, dtype=F64)), "square"),
    (lambda: linalg.solve(torch.eye(300, dtype=F64).index_put_((torch.tensor(299), torch.tensor(0)),
                                                              torch.tensor(math.nan, dtype=F64)),
                          torch.ones(300, dtype=F64)), "A contains NaN"),  # found by the norm, in blocks of rows
    (lambda: linalg.inv(torch.eye(300, dtype=F64).index_put_((torch.tensor(0), torch.tensor(7)),
                                                            torch.tensor(-math.inf, dtype=F64))), "A contains NaN"),
    (lambda: linalg.solve(torch.full((2, 3, 3), math.inf, dtype=F64), torch.ones(3, dtype=F64)), "A contains NaN"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_toeplitz_system_matches_scipy_levinson(generator):
    c, r = _randn(generator, 8), _randn(generator, 8)
    c[0] = r[0] = 6.0  # diagonally dominant enough
    T = torch.from_numpy(scipy.linalg.toeplitz(c.numpy(), r.numpy()))
    b = _randn(generator, 8)
    np.testing.assert_allclose(linalg.solve(T, b).numpy(), scipy.linalg.solve_toeplitz((c.numpy(), r.numpy()),
                                                                                      b.numpy()), rtol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda A: linalg.det(A), lambda A: linalg.slogdet(A).logabsdet, lambda A: linalg.pinv(A),
    lambda A: linalg.norm(A, "nuc"), lambda A: linalg.norm(A, 2), lambda A: linalg.inv(A),
    lambda A: linalg.eig(A)[0], lambda A: linalg.norm(A[0]),
], ids=["det", "slogdet", "pinv", "nuc", "2-norm", "inv", "eig", "vector-norm"])
def test_gradcheck_of_the_differentiable_functions(fn, generator):
    A = (_randn(generator, 3, 3) + 3 * torch.eye(3, dtype=F64)).requires_grad_()
    assert torch.autograd.gradcheck(fn, (A,))
