"""Linear-algebra problems (kind ``linalg``): a solve, a least-squares fit, eigenvalues (general, symmetric or
generalized), singular values, an inverse or a matrix exponential of a given matrix, or a matrix-free Krylov
solve or eigensolve on the 2-D Laplacian, by :mod:`sciml.linalg`, against the stated values and SciPy."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
import torch

from sciml._validation import check_choice, check_int, check_real
from sciml.problems._base import Problem, brief, format_value
from sciml.problems._references import max_abs_error
from sciml.results import Result

OPERATIONS = ("solve", "eigvals", "svd", "inv", "lstsq", "eigh", "expm", "cg", "eigsh")
#: operations on the m×m-grid 5-point Laplacian (``grid = m``) instead of a given ``A``
GRID_OPERATIONS = ("cg", "eigsh")
#: warnings a problem may expect (``warns = "..."`` with a ``[reference.warning]``)
WARNINGS = ("IllConditionedWarning",)
_SCIPY = {"cg": "scipy.sparse.linalg.spsolve", "eigsh": "scipy.sparse.linalg.eigsh"}


@dataclasses.dataclass(repr=False)
class LinalgAnswer(Result):
    """What a linalg problem's solve returns: sciml's ``value`` and the names of the warnings it raised."""

    value: object
    warnings: tuple = ()


def _laplacian(m: int):
    T = scipy.sparse.diags([-np.ones(m - 1), 2 * np.ones(m), -np.ones(m - 1)], [-1, 0, 1])
    return (scipy.sparse.kron(scipy.sparse.eye(m), T) + scipy.sparse.kron(T, scipy.sparse.eye(m))).tocsc()


@dataclasses.dataclass(eq=False)
class LinalgProblem(Problem):
    """``operation`` of the matrix ``A``: ``solve`` (A x = b), ``lstsq`` (min ‖A x − b‖, A m×n), ``eigvals``
    (ascending by real part), ``eigh`` (symmetric, or the pencil ``(A, B)`` with ``B`` positive definite;
    ascending), ``svd`` (singular values, descending; U S Vh is checked to rebuild A), ``inv`` or ``expm``.
    ``cg`` (−Δ_h u = b, matrix-free, ``b`` default all ones, ``rtol``) and ``eigsh`` (the ``k`` smallest
    eigenvalues) act on the 5-point Laplacian of an m×m grid, ``grid = m``, never formed as a matrix.

    References: ``exact`` (``exact`` values, SymPy-parsable strings allowed), ``scipy`` (``scipy.linalg``;
    ``spsolve`` / ``eigsh`` of the sparse Laplacian for the grid operations) and ``warning``: the warning
    named by ``warns`` must be raised (error 0 when it is, 1 when not). Error: max absolute difference.
    """

    kind = "linalg"
    capability = "linalg"
    reference_labels = {"exact": "closed form", "scipy": "scipy.linalg", "warning": "the expected warning"}

    operation: str = "solve"
    A: list | None = None
    b: list | None = None
    B: list | None = None
    exact: list | None = None
    grid: int | None = None
    k: int | None = None
    rtol: float | None = None
    warns: str | None = None

    def __post_init__(self):
        super().__post_init__()
        op = self.operation = check_choice(self.operation, "operation", OPERATIONS)
        for key, allowed in (("B", op == "eigh"), ("k", op == "eigsh"), ("rtol", op == "cg"),
                             ("b", op in ("solve", "lstsq", "cg"))):
            if getattr(self, key) is not None and not allowed:
                raise ValueError(f"{key} is not a key of operation {op!r}")
        if op in ("solve", "lstsq") and self.b is None:
            raise ValueError(f"b is required for operation {op!r}")
        if op in GRID_OPERATIONS:
            self._check_grid()
        else:
            self._check_matrix()
        if "exact" in self.tolerances and self.exact is None:
            raise ValueError("an 'exact' reference needs the exact values: pass exact=[...]")
        if ("warning" in self.tolerances) != (self.warns is not None):
            raise ValueError("warns (the expected warning) needs a [reference.warning] with tol = 0.5, and that "
                             "reference needs warns = 'IllConditionedWarning' (the warning's name)")
        if self.warns is not None:
            self.warns = check_choice(self.warns, "warns", WARNINGS)

    def _check_grid(self):
        if self.A is not None:
            raise ValueError(f"operation {self.operation!r} acts on the grid Laplacian: give grid = m, not A")
        if self.grid is None:
            raise ValueError(f"grid is required for operation {self.operation!r} (the m of the m×m grid)")
        self.grid = check_int(self.grid, "grid", low=2, high=300)
        if self.b is not None and len(self.b) != self.grid**2:
            raise ValueError(f"b must have grid² = {self.grid**2} entries, got {len(self.b)}")
        if self.operation == "eigsh":
            self.k = check_int(6 if self.k is None else self.k, "k", low=1, high=self.grid**2 - 1)
        if self.operation == "cg":
            self.rtol = check_real(1e-10 if self.rtol is None else self.rtol, "rtol", low=0.0, low_open=True)

    def _check_matrix(self):
        if self.grid is not None:
            raise ValueError(f"grid is a key of the grid operations {GRID_OPERATIONS}, not of {self.operation!r}")
        A = np.asarray(self.A, dtype=float) if self.A else np.zeros((0, 0))
        if A.ndim != 2 or A.size == 0:
            raise ValueError(f"A must be a non-empty matrix (a list of rows), got {self.A!r}")
        if self.operation not in ("svd", "lstsq") and A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square for operation {self.operation!r}, got {A.shape[0]}×{A.shape[1]}")
        if self.b is not None and np.asarray(self.b, dtype=float).shape != (A.shape[0],):
            raise ValueError(f"b must have {A.shape[0]} entries, one per row of A, got {len(self.b)}")
        if self.B is not None and np.asarray(self.B, dtype=float).shape != A.shape:
            raise ValueError(f"B must be {A.shape[0]}×{A.shape[1]} like A, got {np.asarray(self.B).shape}")

    @property
    def method(self) -> str:
        return f"sciml.linalg.{self.operation}"

    def statement(self) -> str:
        if self.operation in GRID_OPERATIONS:
            m = self.grid
            return (f"solve −Δ_h u = b on the {m}×{m} grid (5-point Laplacian, matrix-free) by conjugate gradients"
                    if self.operation == "cg" else f"the {self.k} smallest eigenvalues of the 5-point Laplacian "
                                                   f"on the {m}×{m} grid")
        A = format_value(self.A)
        return {"solve": f"solve A x = b with A = {A}, b = {format_value(self.b)}",
                "lstsq": f"least squares min ‖A x − b‖ with A = {A}, b = {format_value(self.b)}",
                "eigvals": f"eigenvalues of A = {A}",
                "eigh": f"eigenvalues of A v = λ B v with A = {A}, B = {format_value(self.B)}" if self.B else
                        f"eigenvalues of the symmetric A = {A}",
                "svd": f"singular value decomposition of A = {A}",
                "inv": f"inverse of A = {A}",
                "expm": f"matrix exponential of A = {A}"}[self.operation]

    def _rhs(self) -> np.ndarray:
        return np.ones(self.grid**2) if self.b is None else np.asarray(self.b, dtype=float)

    def solve(self, **options):
        from sciml import linalg

        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            value = self._compute(linalg)
        return LinalgAnswer(value, tuple(sorted({w.category.__name__ for w in record})))

    def _compute(self, linalg):
        op = self.operation
        if op == "cg":
            return linalg.cg(linalg.laplacian_operator(self.grid), torch.from_numpy(self._rhs()), rtol=self.rtol)
        if op == "eigsh":
            return linalg.eigsh(linalg.laplacian_operator(self.grid), self.k, which="SA", tol=1e-12,
                                generator=torch.Generator().manual_seed(0))
        A = torch.tensor(self.A, dtype=torch.float64)
        b = None if self.b is None else torch.tensor(self.b, dtype=torch.float64)
        return {"solve": lambda: linalg.solve(A, b), "lstsq": lambda: linalg.lstsq(A, b),
                "eigvals": lambda: linalg.eigvals(A), "svd": lambda: linalg.svd(A), "inv": lambda: linalg.inv(A),
                "eigh": lambda: linalg.eigh(A, None if self.B is None else torch.tensor(self.B, dtype=A.dtype),
                                            eigvals_only=True),
                "expm": lambda: linalg.expm(A)}[op]()

    def _answer(self, answer):
        result = answer.value
        if self.operation == "svd":
            U, S, Vh = result
            rebuilt = (U * S) @ Vh
            if not torch.allclose(rebuilt, torch.tensor(self.A, dtype=S.dtype), atol=1e-10):
                raise ValueError("the SVD factors do not rebuild A")
            return S.numpy()
        if self.operation in ("lstsq", "cg"):
            return result.x.numpy()
        if self.operation == "eigsh":
            return result.eigenvalues.numpy()
        return result.numpy()

    def _scipy(self):
        op = self.operation
        if op == "cg":
            return scipy.sparse.linalg.spsolve(_laplacian(self.grid), self._rhs())
        if op == "eigsh":
            v0 = np.sin(np.arange(1.0, self.grid**2 + 1))  # ARPACK's own start is random: reproducible tables
            return np.sort(scipy.sparse.linalg.eigsh(_laplacian(self.grid), self.k, which="SA", tol=1e-12, v0=v0)[0])
        A = np.asarray(self.A, dtype=float)
        if op == "solve":
            with warnings.catch_warnings():  # scipy's LinAlgWarning for the ill-conditioned problems
                warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
                return scipy.linalg.solve(A, np.asarray(self.b, dtype=float))
        if op == "lstsq":
            return scipy.linalg.lstsq(A, np.asarray(self.b, dtype=float))[0]
        if op == "eigvals":
            w = scipy.linalg.eigvals(A)
            return w[np.lexsort((w.imag, w.real))]
        if op == "eigh":
            return scipy.linalg.eigh(A, None if self.B is None else np.asarray(self.B, dtype=float),
                                     eigvals_only=True)
        return {"svd": scipy.linalg.svdvals, "inv": scipy.linalg.inv, "expm": scipy.linalg.expm}[op](A)

    def _reference(self, name, error, value=None, expected=None):
        ref = super()._reference(name, error, value, expected)
        if name == "scipy" and self.operation in _SCIPY:
            ref = dataclasses.replace(ref, label=_SCIPY[self.operation])
        return ref

    def references(self):
        answers = {"exact": lambda: np.asarray(self.exact), "scipy": self._scipy, "warning": lambda: self.warns}

        def error(r, ref):
            if isinstance(ref, str):  # the expected warning's name
                return 0.0 if ref in r.warnings else 1.0
            return max_abs_error(self._answer(r), ref)

        return self._compare_with(answers, error, value=lambda r: brief(self._answer(r)) + (
            f" (warned: {', '.join(r.warnings)})" if r.warnings else ""))

    @classmethod
    def from_spec(cls, spec, **common):
        operation = spec.choice("operation", OPERATIONS)
        grid = operation in GRID_OPERATIONS
        return cls(operation=operation, A=spec.matrix("A", None) if grid else spec.matrix("A"),
                   b=spec.numbers("b", None), B=spec.matrix("B", None), exact=spec.array("exact", None),
                   grid=spec.int("grid", None, low=2), k=spec.int("k", None, low=1), rtol=spec.positive("rtol", None),
                   warns=spec.choice("warns", WARNINGS, None), **common)
