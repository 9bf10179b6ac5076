"""sciml.linalg matrix-free: LinearOperator, hessian_operator and the Krylov solvers against scipy.sparse.linalg
(same iteration counts, same answers), their statuses on operators they cannot handle, eigsh and lobpcg."""

import threading
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as sla
import torch

from sciml import linalg
from sciml.results import ConvergenceError

F64 = torch.float64


def _laplacian(m):
    T = sp.diags([-np.ones(m - 1), 2 * np.ones(m), -np.ones(m - 1)], [-1, 0, 1])
    return (sp.kron(sp.eye(m), T) + sp.kron(T, sp.eye(m))).tocsr()


def _convection_diffusion(m, c=0.3):
    T = sp.diags([(-1 - c) * np.ones(m - 1), 2 * np.ones(m), (-1 + c) * np.ones(m - 1)], [-1, 0, 1])
    return (sp.kron(sp.eye(m), T) + sp.kron(T, sp.eye(m))).tocsr()


def _count():
    calls = []
    return calls, (lambda _: calls.append(1))


# -- operators -------------------------------------------------------------------------------------------------

def test_operators_from_every_source_agree(generator):
    A = torch.randn(5, 4, generator=generator, dtype=F64)
    v, u = torch.randn(4, generator=generator, dtype=F64), torch.randn(5, generator=generator, dtype=F64)
    ops = [linalg.aslinearoperator(A), linalg.aslinearoperator(A.to_sparse()),
           linalg.aslinearoperator(sp.csr_matrix(A.numpy())),
           linalg.LinearOperator((5, 4), lambda x: A @ x, lambda y: A.T @ y)]
    for op in ops:
        torch.testing.assert_close(op @ v, A @ v)
        torch.testing.assert_close(op.H @ u, A.T @ u)
        torch.testing.assert_close(op.to_dense(), A)


def test_operator_algebra_matches_dense(generator):
    A, B = (torch.randn(4, 4, generator=generator, dtype=F64) for _ in range(2))
    a, b = linalg.aslinearoperator(A), linalg.aslinearoperator(B)
    for op, dense in [(a + b, A + B), (a - b, A - B), (a @ b, A @ B), (2.5 * a, 2.5 * A), (-a, -A), (a.T, A.T),
                      ((a @ b).H, (A @ B).T), (a * 3 + b.T @ a, 3 * A + B.T @ A)]:
        torch.testing.assert_close(op.to_dense(), dense)
    C = torch.complex(A, B)
    c = linalg.aslinearoperator(C)
    torch.testing.assert_close(c.T.to_dense(), C.mT)
    torch.testing.assert_close(c.H.to_dense(), C.mH)
    with pytest.raises(ValueError, match="cannot add"):
        a + linalg.aslinearoperator(torch.ones(3, 3, dtype=F64))
    with pytest.raises(TypeError, match="no rmatvec"):
        _ = linalg.LinearOperator((2, 2), lambda v: v).H


def test_hessian_operator_matches_autograd_hessian(generator):
    def f(x):
        return (x[0] ** 2 * x[1] + torch.sin(x[1] * x[2]) + x.pow(4).sum()).reshape(())

    x = torch.randn(3, generator=generator, dtype=F64)
    H = linalg.hessian_operator(f, x)
    torch.testing.assert_close(H.to_dense(), torch.autograd.functional.hessian(f, x))
    with pytest.raises(ValueError, match="scalar"):
        linalg.hessian_operator(lambda x: x, x)
    assert float(linalg.hessian_operator(lambda x: x.sum(), x).to_dense().abs().max()) == 0.0


def test_laplacian_operator_is_the_kronecker_matrix(generator):
    L = linalg.laplacian_operator(6)
    np.testing.assert_array_equal(L.to_dense().numpy(), _laplacian(6).toarray())
    V = torch.randn(36, 3, generator=generator, dtype=F64)
    np.testing.assert_allclose(L.matmat(V).numpy(), _laplacian(6) @ V.numpy(), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize(("m", "n"), [(1, 1), (1, 5), (5, 1), (4, 7)])
def test_laplacian_products_agree_on_every_path(m, n, generator):
    """The vector path (a bordered copy, views made once per thread) against SciPy's Kronecker matrix and the
    differentiable path, on grids where every neighbour may be missing; threads each get their own copy."""
    L = linalg.laplacian_operator(m, n)
    T = [sp.diags([-np.ones(k - 1), 2 * np.ones(k), -np.ones(k - 1)], [-1, 0, 1]) for k in (m, n)]
    ref = (sp.kron(sp.eye(m), T[1]) + sp.kron(T[0], sp.eye(n))).toarray()
    vs = [torch.randn(m * n, generator=generator, dtype=F64) for _ in range(6)]
    for v in vs:
        np.testing.assert_allclose(L.matvec(v).numpy(), ref @ v.numpy(), rtol=1e-14, atol=1e-14)
        v_grad = v.clone().requires_grad_()
        torch.testing.assert_close(L.matvec(v_grad), L.matvec(v), rtol=0, atol=0)
        (g,) = torch.autograd.grad(L.matvec(v_grad).sum(), v_grad)  # Lᵀ 1 = L 1
        np.testing.assert_allclose(g.numpy(), ref.sum(0), rtol=1e-14)
    wrong = []

    def work(v):
        expected = torch.from_numpy(ref @ v.numpy())
        wrong.extend(1 for _ in range(200) if not torch.allclose(L.matvec(v), expected, rtol=1e-14, atol=1e-14))

    threads = [threading.Thread(target=work, args=(v,)) for v in vs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


def test_sparse_operators_use_32_bit_csr(generator):
    A = sp.random(30, 20, density=0.3, format="coo", random_state=3)
    T = torch.from_numpy(A.toarray())
    v, u = torch.randn(20, generator=generator, dtype=F64), torch.randn(30, generator=generator, dtype=F64)
    for source in (A, A.tocsr(), A.tocsc(), T.to_sparse(), T.to_sparse_csr(), T.to_sparse_csc()):
        op = linalg.aslinearoperator(source)
        np.testing.assert_allclose(op.matvec(v).numpy(), A @ v.numpy(), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(op.rmatvec(u).numpy(), A.T @ u.numpy(), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(op.matmat(v[:, None].expand(20, 2)).numpy(), (A @ v.numpy())[:, None] * [1, 1],
                                   rtol=1e-14, atol=1e-14)
    crow = linalg._operator._csr(T.to_sparse()).crow_indices()
    assert crow.dtype == torch.int32  # MKL's fast CSR product


# -- the solvers against SciPy ---------------------------------------------------------------------------------

def test_cg_matches_scipy_iterations_and_solution():
    A = _laplacian(30)
    b = np.ones(A.shape[0])
    calls, cb = _count()
    x_ref, info = sla.cg(A, b, rtol=1e-10, callback=cb)
    for op in (linalg.laplacian_operator(30), linalg.aslinearoperator(A)):
        res = linalg.cg(op, torch.from_numpy(b), rtol=1e-10)
        assert res.success and res.status == linalg.KrylovStatus.SUCCESS and info == 0
        assert abs(res.nit - len(calls)) <= 2
        np.testing.assert_allclose(res.x.numpy(), x_ref, rtol=1e-8)
        assert res.residuals.shape == (res.nit + 1,) and float(res.residuals[-1]) < 1e-10 * np.linalg.norm(b)


def test_cg_batched_columns_and_preconditioner(generator):
    A = _laplacian(12)
    B = torch.randn(A.shape[0], 3, generator=generator, dtype=F64)
    res = linalg.cg(A, B, rtol=1e-10)
    for j in range(3):
        single = linalg.cg(A, B[:, j], rtol=1e-10)
        np.testing.assert_allclose(res.x[:, j].numpy(), single.x.numpy(), rtol=1e-8)
    d = torch.from_numpy(A.diagonal())
    M = linalg.LinearOperator(A.shape, lambda r: r / d)
    calls, cb = _count()
    x_ref, _ = sla.cg(A, B[:, 0].numpy(), rtol=1e-10, M=sp.diags(1 / A.diagonal()), callback=cb)
    res = linalg.cg(A, B[:, 0], rtol=1e-10, M=M)
    assert abs(res.nit - len(calls)) <= 2
    np.testing.assert_allclose(res.x.numpy(), x_ref, rtol=1e-8)


def test_cg_complex_hermitian(generator):
    n = 20
    M = torch.complex(torch.randn(n, n, generator=generator, dtype=F64), torch.randn(n, n, generator=generator,
                                                                                      dtype=F64))
    A = M @ M.mH + n * torch.eye(n, dtype=M.dtype)
    b = torch.complex(torch.randn(n, generator=generator, dtype=F64), torch.zeros(n, dtype=F64))
    res = linalg.cg(A, b, rtol=1e-12)
    np.testing.assert_allclose(res.x.numpy(), np.linalg.solve(A.numpy(), b.numpy()), rtol=1e-10)


def test_gmres_matches_scipy_on_convection_diffusion(generator):
    A = _convection_diffusion(20)
    b = np.random.default_rng(1).standard_normal(A.shape[0])
    calls, cb = _count()
    x_ref, info = sla.gmres(A, b, rtol=1e-8, callback=cb, callback_type="pr_norm")
    res = linalg.gmres(A, torch.from_numpy(b), rtol=1e-8)
    assert res.success and info == 0 and abs(res.nit - len(calls)) <= 2
    np.testing.assert_allclose(res.x.numpy(), x_ref, rtol=1e-6, atol=1e-9)
    res = linalg.gmres(A, torch.from_numpy(b), rtol=1e-8, restart=5)
    assert res.success and np.linalg.norm(A @ res.x.numpy() - b) <= 1e-8 * np.linalg.norm(b)


def test_minres_matches_scipy_on_symmetric_indefinite():
    A = (_laplacian(20) - 0.5 * sp.eye(400)).tocsr()
    b = np.random.default_rng(2).standard_normal(400)
    calls, cb = _count()
    x_ref, info = sla.minres(A, b, rtol=1e-8, callback=cb)
    res = linalg.minres(A, torch.from_numpy(b), rtol=1e-8)
    assert res.success and info == 0 and abs(res.nit - len(calls)) <= 2
    # the same iterations; rounding differences grow along an indefinite recurrence, so compare at rtol's level
    np.testing.assert_allclose(res.x.numpy(), x_ref, rtol=1e-4, atol=1e-5)
    assert np.linalg.norm(A @ res.x.numpy() - b) <= 1e-6 * np.linalg.norm(b)


def test_bicgstab_matches_scipy():
    A = _convection_diffusion(15)
    b = np.random.default_rng(3).standard_normal(A.shape[0])
    calls, cb = _count()
    x_ref, info = sla.bicgstab(A, b, rtol=1e-10, callback=cb)
    res = linalg.bicgstab(A, torch.from_numpy(b), rtol=1e-10)
    assert res.success and info == 0 and abs(res.nit - len(calls)) <= 2
    np.testing.assert_allclose(res.x.numpy(), x_ref, rtol=1e-8, atol=1e-10)


def test_x0_is_used_and_a_solution_needs_no_iteration():
    A = _laplacian(8)
    x = np.linalg.solve(A.toarray(), np.ones(64))
    for solver in (linalg.cg, linalg.gmres, linalg.bicgstab):
        res = solver(A, torch.ones(64, dtype=F64), x0=torch.from_numpy(x), rtol=1e-8)
        assert res.success and res.nit == 0, solver.__name__


# -- statuses: never a silent wrong answer ---------------------------------------------------------------------

def test_cg_reports_indefinite_and_nonsymmetric_operators():
    indefinite = torch.diag(torch.tensor([1.0, -1.0, 2.0], dtype=F64))
    with pytest.warns(linalg.KrylovWarning, match="not symmetric positive definite"):
        res = linalg.cg(indefinite, torch.ones(3, dtype=F64))
    assert res.status == linalg.KrylovStatus.INDEFINITE and not res.success
    nonsymmetric = torch.tensor([[2.0, 1.0], [0.0, 2.0]], dtype=F64)
    for solver in (linalg.cg, linalg.minres):
        with pytest.warns(linalg.KrylovWarning, match="A is not symmetric"):
            assert solver(nonsymmetric, torch.ones(2, dtype=F64)).status == linalg.KrylovStatus.INDEFINITE


def test_max_iter_callback_and_throw():
    A = _laplacian(10)
    b = torch.ones(100, dtype=F64)
    with pytest.warns(linalg.KrylovWarning, match="iteration limit"):
        res = linalg.cg(A, b, rtol=1e-12, maxiter=3)
    assert res.status == linalg.KrylovStatus.MAX_ITER and res.nit == 3

    def stop(xk):
        raise StopIteration

    with pytest.warns(linalg.KrylovWarning, match="callback"):
        assert linalg.gmres(A, b, callback=stop).status == linalg.KrylovStatus.CALLBACK
    with pytest.raises(ConvergenceError) as info:
        linalg.bicgstab(A, b, rtol=1e-14, maxiter=2, throw=True)
    assert info.value.result.status == linalg.KrylovStatus.MAX_ITER


def test_bicgstab_breakdown_is_a_status():
    A = torch.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=F64)  # rtilde ⟂ A rtilde: rho vanishes at once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.KrylovWarning)
        res = linalg.bicgstab(A, torch.tensor([1.0, 0.0], dtype=F64), maxiter=5)
    assert res.status in (linalg.KrylovStatus.BREAKDOWN, linalg.KrylovStatus.SUCCESS)
    if res.success:
        np.testing.assert_allclose((A @ res.x).numpy(), [1.0, 0.0], atol=1e-10)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: linalg.cg(torch.eye(3, dtype=F64), torch.ones(2, dtype=F64)), ValueError, "b must have 3 rows"),
    (lambda: linalg.cg(torch.ones(2, 3, dtype=F64), torch.ones(2, dtype=F64)), ValueError, "square"),
    (lambda: linalg.gmres(torch.eye(2, dtype=F64), [1.0, float("nan")]), ValueError, "NaN"),
    (lambda: linalg.minres(lambda v: v, [1.0]), TypeError, "LinearOperator"),
    (lambda: linalg.cg(torch.eye(2, dtype=F64), [1.0, 1.0], rtol=-1.0), ValueError, "rtol"),
    (lambda: linalg.eigsh(torch.eye(3, dtype=F64), 3), ValueError, "k"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- eigensolvers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["LA", "SA", "LM"])
def test_eigsh_matches_scipy(which, generator):
    A = _laplacian(12) - 2.0 * sp.eye(144)
    ref = np.sort(sla.eigsh(A, 4, which=which, tol=1e-12, v0=np.sin(np.arange(1.0, 145.0)))[0])  # ARPACK: seeded
    res = linalg.eigsh(A, 4, which=which, generator=generator)
    assert res.success
    np.testing.assert_allclose(res.eigenvalues.numpy(), ref, rtol=1e-10, atol=1e-12)
    X = res.eigenvectors.numpy()
    np.testing.assert_allclose(A @ X, X * res.eigenvalues.numpy(), atol=1e-9)


def test_lobpcg_smallest_of_the_laplacian_matches_scipy(generator):
    L = linalg.laplacian_operator(20)
    X0 = torch.randn(400, 5, generator=generator, dtype=F64)
    res = linalg.lobpcg(L, X0, tol=1e-8, maxiter=500)
    ref = np.sort(sla.lobpcg(_laplacian(20), X0.numpy(), largest=False, tol=1e-8, maxiter=500)[0])
    exact = np.sort((4 - 2 * np.cos(np.arange(1, 21) * np.pi / 21)[:, None]
                     - 2 * np.cos(np.arange(1, 21) * np.pi / 21)[None, :]).ravel())[:5]
    assert res.success
    np.testing.assert_allclose(res.eigenvalues.numpy(), exact, rtol=1e-8)
    np.testing.assert_allclose(ref, exact, rtol=1e-8)
    largest = linalg.lobpcg(L, 3, largest=True, tol=1e-8, maxiter=500, generator=generator)
    np.testing.assert_allclose(largest.eigenvalues.numpy(), np.sort(8 - exact[:3]), rtol=1e-8)


@pytest.mark.parametrize("largest", [False, True])
def test_lobpcg_generalized_matches_scipy_eigh_and_lobpcg(largest, generator):
    """A x = λ B x with the 2-D Laplacian and a finite-element mass matrix (SPD, not diagonal), against the dense
    scipy.linalg.eigh(A, B) and scipy.sparse.linalg.lobpcg(A, X, B); the eigenvectors B-orthonormal."""
    m = 12
    A = _laplacian(m)
    mass = sp.diags([np.ones(m - 1), 4 * np.ones(m), np.ones(m - 1)], [-1, 0, 1]) / 6
    B = sp.kron(mass, mass).tocsr() * 36 + sp.diags(np.linspace(0.5, 1.5, m * m))
    X0 = torch.randn(m * m, 4, generator=generator, dtype=F64)
    res = linalg.lobpcg(A, X0, B, tol=1e-8, maxiter=500, largest=largest)
    exact = scipy.linalg.eigh(A.toarray(), B.toarray(), eigvals_only=True)
    exact = exact[-4:] if largest else exact[:4]
    ref = np.sort(sla.lobpcg(A, X0.numpy(), B, largest=largest, tol=1e-8, maxiter=500)[0])
    assert res.success
    np.testing.assert_allclose(res.eigenvalues.numpy(), exact, rtol=1e-9)
    np.testing.assert_allclose(ref, exact, rtol=1e-7)
    X = res.eigenvectors.numpy()
    np.testing.assert_allclose(X.T @ (B @ X), np.eye(4), atol=1e-10)
    np.testing.assert_allclose(A @ X, (B @ X) * res.eigenvalues.numpy(), atol=1e-7)


def test_lobpcg_generalized_complex_and_bad_b(generator):
    n = 40
    H = torch.complex(torch.randn(n, n, generator=generator, dtype=F64), torch.randn(n, n, generator=generator,
                                                                                      dtype=F64))
    A = H + H.mH
    G = torch.complex(torch.randn(n, n, generator=generator, dtype=F64), torch.randn(n, n, generator=generator,
                                                                                      dtype=F64))
    B = G @ G.mH / n + torch.eye(n, dtype=F64)
    res = linalg.lobpcg(A, 3, B, tol=1e-9, maxiter=500, generator=generator)
    exact = scipy.linalg.eigh(A.numpy(), B.numpy(), eigvals_only=True)[:3]
    np.testing.assert_allclose(res.eigenvalues.numpy(), exact, rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match=r"B must be symmetric .* positive definite"):
        linalg.lobpcg(A, 3, -B, generator=generator)
    with pytest.raises(ValueError, match="B must have the shape of A"):
        linalg.lobpcg(A, 3, torch.eye(n + 1, dtype=F64), generator=generator)


@pytest.mark.slow
def test_laplacian_n_10000_cg_iterations_and_lobpcg_match_scipy(generator):
    A = _laplacian(100)
    b = np.ones(10_000)
    calls, cb = _count()
    sla.cg(A, b, rtol=1e-10, callback=cb)
    res = linalg.cg(linalg.laplacian_operator(100), torch.from_numpy(b), rtol=1e-10)
    assert res.success and abs(res.nit - len(calls)) <= 2
    exact = np.sort((4 - 2 * np.cos(np.arange(1, 101) * np.pi / 101)[:, None]
                     - 2 * np.cos(np.arange(1, 101) * np.pi / 101)[None, :]).ravel())[:5]
    res = linalg.lobpcg(linalg.laplacian_operator(100), 5, tol=1e-8, maxiter=3000, generator=generator)
    assert res.success
    np.testing.assert_allclose(res.eigenvalues.numpy(), exact, rtol=1e-8)
