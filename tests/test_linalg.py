"""sciml.linalg against SciPy and closed forms: solves, inverses, spectra, conditioning, bad input."""

import itertools

import numpy as np
import pytest
import scipy.linalg
import torch

from sciml import linalg


@pytest.fixture
def spd(generator):
    M = torch.randn(4, 5, 5, generator=generator, dtype=torch.float64)
    return M @ M.mT + 5 * torch.eye(5, dtype=torch.float64)


def test_seed_system_exact():
    x = linalg.solve([[3, 1], [1, 2]], [9, 8])
    assert x.dtype == torch.float64
    torch.testing.assert_close(x, torch.tensor([2.0, 3.0], dtype=torch.float64), rtol=0, atol=1e-15)


def test_batched_solve_matches_scipy(spd, generator):
    b = torch.randn(4, 5, generator=generator, dtype=torch.float64)
    x = linalg.solve(spd, b)
    for A_i, b_i, x_i in zip(spd, b, x, strict=True):
        np.testing.assert_allclose(x_i.numpy(), scipy.linalg.solve(A_i.numpy(), b_i.numpy()), rtol=1e-12)
    B = torch.randn(4, 5, 3, generator=generator, dtype=torch.float64)
    assert linalg.solve(spd, B).shape == (4, 5, 3)


def test_solve_is_differentiable(generator):
    A = (torch.randn(3, 3, generator=generator, dtype=torch.float64) + 3 * torch.eye(3)).requires_grad_()
    b = torch.randn(3, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(linalg.solve, (A, b))


def test_float32_is_kept():
    x = linalg.solve(torch.tensor([[3.0, 1.0], [1.0, 2.0]]), torch.tensor([9.0, 8.0]))
    assert x.dtype == torch.float32


def test_inverse_and_spectra_match_scipy(spd):
    A = spd[0].numpy()
    np.testing.assert_allclose(linalg.inv(spd[0]).numpy(), scipy.linalg.inv(A), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(linalg.eigvalsh(spd[0]).numpy(), scipy.linalg.eigvalsh(A), rtol=1e-12)
    np.testing.assert_allclose(linalg.svd(spd[0]).S.numpy(), scipy.linalg.svdvals(A), rtol=1e-12)
    np.testing.assert_allclose(linalg.cond(spd[0]).item(), np.linalg.cond(A), rtol=1e-10)


def test_general_eigenvalues_sorted_and_complex():
    w = linalg.eigvals([[0.0, -1.0], [1.0, 0.0]])  # rotation: ±i
    np.testing.assert_allclose(w.numpy(), [-1j, 1j], atol=1e-15)
    w = linalg.eigvals([[3, 1], [1, 2]])
    np.testing.assert_allclose(w.real.numpy(), [(5 - 5**0.5) / 2, (5 + 5**0.5) / 2], rtol=1e-15)


def test_singular_system_is_refused():
    with pytest.raises(linalg.SingularMatrixError, match="singular"):
        linalg.solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0])
    with pytest.raises(linalg.SingularMatrixError):
        linalg.inv([[1.0, 2.0], [2.0, 4.0]])


def test_ill_conditioned_system_warns():
    eps = 1e-10
    with pytest.warns(linalg.IllConditionedWarning, match="ill-conditioned"):
        linalg.solve([[1.0, 1.0], [1.0, 1.0 + eps]], [2.0, 2.0 + eps])


@pytest.mark.parametrize(
    ("A", "b", "match"),
    [
        ([[1.0, 2.0, 3.0]], [1.0], "square"),
        ([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0, 3.0], "b must have 2 rows"),
        ([[1.0, float("nan")], [0.0, 1.0]], [1.0, 2.0], "NaN"),
    ],
)
def test_bad_input_names_the_argument(A, b, match):
    with pytest.raises(ValueError, match=match):
        linalg.solve(A, b)


def test_eigvalsh_rejects_nonsymmetric():
    with pytest.raises(ValueError, match="symmetric"):
        linalg.eigvalsh([[1.0, 2.0], [0.0, 1.0]])


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="A must be"):
        linalg.solve("abc", [1.0])


def test_condition_estimate_tracks_numpy(generator):
    from sciml.linalg._dense import _rcond

    for n, scale, transposed in itertools.product((6, 60), (1.0, 1e-4, 1e-8), (False, True)):
        A = torch.randn(n, n, generator=generator, dtype=torch.float64)
        A[:, 0] = A[:, 1] + scale * A[:, 0]  # nearly dependent columns
        LU, piv = torch.linalg.lu_factor(A.mT if transposed else A)  # n = 60: Hager's estimate, not the exact one
        est = _rcond(LU, piv, torch.linalg.matrix_norm(A, ord=1), transposed).item()
        true = 1 / np.linalg.cond(A.numpy(), 1)
        assert true <= est * (1 + 1e-6) and est <= 3 * true  # rounding ~ κε; Hager's estimate bounds ‖A⁻¹‖₁ from below


def test_hilbert_matrix_warns_and_still_solves():
    n = 8
    H = scipy.linalg.hilbert(n)
    with pytest.warns(linalg.IllConditionedWarning):
        x = linalg.solve(H, H @ np.ones(n))
    np.testing.assert_allclose(x.numpy(), np.ones(n), rtol=1e-5)
