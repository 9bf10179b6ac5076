"""Linear-algebra problems (kind ``linalg``): a solve, eigenvalues, singular values or an inverse of a given
matrix by :mod:`sciml.linalg`, against the stated values and :mod:`scipy.linalg`."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg
import torch

from sciml._validation import check_choice
from sciml.problems._base import Problem, format_value
from sciml.problems._references import max_abs_error

OPERATIONS = ("solve", "eigvals", "svd", "inv")


@dataclasses.dataclass(eq=False)
class LinalgProblem(Problem):
    """``operation`` of the matrix ``A``: ``solve`` (A x = b), ``eigvals`` (ascending by real part),
    ``svd`` (singular values, descending; the answer's U S Vh is checked to rebuild A) or ``inv``.

    References: ``exact`` (``exact`` values, SymPy-parsable strings allowed) and ``scipy``
    (``scipy.linalg``). Error: max absolute difference.
    """

    kind = "linalg"
    capability = "linalg"
    reference_labels = {"exact": "closed form", "scipy": "scipy.linalg"}

    operation: str = "solve"
    A: list = dataclasses.field(default_factory=list)
    b: list | None = None
    exact: list | None = None

    def __post_init__(self):
        super().__post_init__()
        self.operation = check_choice(self.operation, "operation", OPERATIONS)
        if (self.operation == "solve") != (self.b is not None):
            raise ValueError("b is required for operation 'solve' and only for it")
        A = np.asarray(self.A, dtype=float) if self.A else np.zeros((0, 0))
        if A.ndim != 2 or A.size == 0:
            raise ValueError(f"A must be a non-empty matrix (a list of rows), got {self.A!r}")
        if self.operation != "svd" and A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square for operation {self.operation!r}, got {A.shape[0]}×{A.shape[1]}")
        if self.b is not None and np.asarray(self.b, dtype=float).shape != (A.shape[0],):
            raise ValueError(f"b must have {A.shape[0]} entries, one per row of A, got {len(self.b)}")
        if "exact" in self.tolerances and self.exact is None:
            raise ValueError("an 'exact' reference needs the exact values: pass exact=[...]")

    @property
    def method(self) -> str:
        return {"solve": "sciml.linalg.solve", "eigvals": "sciml.linalg.eigvals",
                "svd": "sciml.linalg.svd", "inv": "sciml.linalg.inv"}[self.operation]

    def statement(self) -> str:
        A = format_value(self.A)
        return {"solve": f"solve A x = b with A = {A}, b = {format_value(self.b)}",
                "eigvals": f"eigenvalues of A = {A}",
                "svd": f"singular value decomposition of A = {A}",
                "inv": f"inverse of A = {A}"}[self.operation]

    def solve(self, **options):
        from sciml import linalg

        A = torch.tensor(self.A, dtype=torch.float64)
        if self.operation == "solve":
            return linalg.solve(A, torch.tensor(self.b, dtype=torch.float64))
        if self.operation == "eigvals":
            return linalg.eigvals(A)
        if self.operation == "svd":
            return linalg.svd(A)
        return linalg.inv(A)

    def _answer(self, result):
        if self.operation == "svd":
            U, S, Vh = result
            rebuilt = (U * S) @ Vh
            if not torch.allclose(rebuilt, torch.tensor(self.A, dtype=S.dtype), atol=1e-10):
                raise ValueError("the SVD factors do not rebuild A")
            return S.numpy()
        return result.numpy()

    def _scipy(self):
        A = np.asarray(self.A, dtype=float)
        if self.operation == "solve":
            return scipy.linalg.solve(A, np.asarray(self.b, dtype=float))
        if self.operation == "eigvals":
            w = scipy.linalg.eigvals(A)
            return w[np.lexsort((w.imag, w.real))]
        if self.operation == "svd":
            return scipy.linalg.svdvals(A)
        return scipy.linalg.inv(A)

    def references(self):
        answers = {"exact": lambda: np.asarray(self.exact), "scipy": self._scipy}
        return self._compare_with(answers, lambda r, ref: max_abs_error(self._answer(r), ref))

    @classmethod
    def from_spec(cls, spec, **common):
        return cls(operation=spec.choice("operation", OPERATIONS), A=spec.matrix("A"), b=spec.numbers("b", None),
                   exact=spec.array("exact", None), **common)
