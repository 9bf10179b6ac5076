"""Corpus problems (kind ``corpus``, capability ``calculus``): a block of random elementary expressions, each
converted by :func:`sciml.calculus.to_torch` and its autograd derivatives checked against ``sympy.diff`` by
:func:`sciml.calculus.verify`.

A corpus of any size is a list of blocks (``block = 0, 1, ...``): block k of seed s holds
``random_expressions(n, variables, seed=s * 2**20 + k, depth=depth)``, so blocks are independent tasks that
any number of workers (``sciml verify-corpus -j N``, a Dask cluster) verify in any order with the same counts
as one process. An expression counts as *verified* (every checked point agrees), *without a real point* (the
domain holds no point where it is real and finite — e.g. ``acos(cosh(y))``), *wrong* (a value or derivative
disagrees), *not converted* (``to_torch`` raised) or *not checked* (the SymPy reference itself raised). The
reference's error is the fraction of expressions that are wrong, not converted or not checked.
"""

from __future__ import annotations

import dataclasses
import warnings

from sciml._validation import check_int
from sciml.problems._base import Problem
from sciml.problems._spec import check_names
from sciml.results import Result

#: blocks per seed: block k of seed s is generated with seed s * BLOCKS + k
BLOCKS = 2 ** 20


class CorpusWarning(UserWarning):
    """An expression of the corpus whose derivatives disagree with SymPy's, or that did not convert."""


@dataclasses.dataclass(repr=False)
class CorpusResult(Result):
    """The outcome of a corpus block: counts, and the expressions that failed (as strings)."""

    n: int
    verified: int
    no_real_point: int
    wrong: list[str]
    not_converted: list[str]
    not_checked: list[str] = dataclasses.field(default_factory=list)

    @property
    def summary(self) -> str:
        return (f"{self.verified} verified, {self.no_real_point} without a real point, {len(self.wrong)} wrong, "
                f"{len(self.not_converted)} not converted, {len(self.not_checked)} not checked")


@dataclasses.dataclass(eq=False)
class CorpusProblem(Problem):
    """Block ``block`` of the random-expression corpus of ``seed``: ``n`` expressions in ``variables`` of at
    most ``depth`` operations, their derivatives up to ``order`` (1 or 2) checked at ``points`` random points
    of ``domain`` (a square, the same interval for every variable). Reference: ``sympy`` (``sympy.diff``
    through :func:`sciml.calculus.verify`); the error is the fraction of expressions wrong or not converted.
    """

    kind = "corpus"
    capability = "calculus"
    reference_labels = {"sympy": "sympy.diff (calculus.verify)"}

    n: int = 100
    seed: int = 0
    block: int = 0
    depth: int = 3
    order: int = 1
    points: int = 20
    variables: list = dataclasses.field(default_factory=lambda: ["x", "y"])
    domain: tuple = (-2.0, 2.0)

    def __post_init__(self):
        super().__post_init__()
        check_int(self.n, "n", low=1)
        check_int(self.seed, "seed", low=0)
        check_int(self.block, "block", low=0, high=BLOCKS - 1)
        check_int(self.depth, "depth", low=1, high=8)
        check_int(self.order, "order", low=1, high=2)
        check_int(self.points, "points", low=1)
        check_names(self.variables)
        lo, hi = (float(v) for v in self.domain)
        if not lo < hi:
            raise ValueError(f"domain must be (low, high) with low < high, got {self.domain!r}")
        self.domain = (lo, hi)

    @property
    def method(self) -> str:
        return "sciml.calculus.to_torch + verify"

    def statement(self) -> str:
        names = ", ".join(self.variables)
        return (f"{self.n} random expressions in {names} (seed {self.seed}, block {self.block}, depth {self.depth}): "
                f"derivatives of order ≤ {self.order} by autograd at {self.points} points of "
                f"[{self.domain[0]:g}, {self.domain[1]:g}]^{len(self.variables)} against sympy.diff")

    def solve(self, **options) -> CorpusResult:
        import torch

        from sciml.calculus import random_expressions, to_torch, verify

        if options:
            raise TypeError(f"corpus problems take no solve options, got {sorted(options)}")
        exprs = random_expressions(self.n, self.variables, seed=self.seed * BLOCKS + self.block, depth=self.depth)
        generator = torch.Generator().manual_seed(self.seed * BLOCKS + self.block)
        verified = no_real_point = 0
        wrong, not_converted, not_checked = [], [], []
        for e in exprs:
            try:
                f = to_torch(e, self.variables)
            except Exception as exc:  # counted, with the reason
                not_converted.append(f"{e}: {type(exc).__name__}: {exc}")
                warnings.warn(f"not converted: {not_converted[-1]}", CorpusWarning, stacklevel=2)
                continue
            try:
                report = verify(f, e, self.variables, order=self.order, domain=self.domain, points=self.points,
                                generator=generator)
            except Exception as exc:  # SymPy itself can fail on a reference (e.g. a NaN comparison): counted
                not_checked.append(f"{e}: {type(exc).__name__}: {exc}")
                warnings.warn(f"not checked: {not_checked[-1]}", CorpusWarning, stacklevel=2)
                continue
            if report.passed:
                verified += 1
            elif report.n_points == 0 and set(report.skipped) == {"reference not finite"}:
                no_real_point += 1
            else:
                wrong.append(f"{e}: {report.message}")
                warnings.warn(f"wrong: {wrong[-1]}", CorpusWarning, stacklevel=2)
        return CorpusResult(n=self.n, verified=verified, no_real_point=no_real_point, wrong=wrong,
                            not_converted=not_converted, not_checked=not_checked)

    def references(self):
        def error(result: CorpusResult) -> float:
            return (len(result.wrong) + len(result.not_converted) + len(result.not_checked)) / result.n

        return self._compare_with({"sympy": lambda: None}, lambda r, _: error(r), value=lambda r: r.summary,
                                  expected=lambda _: "0 wrong, 0 not converted, 0 not checked")

    @classmethod
    def from_spec(cls, spec, **common):
        domain = spec.numbers("domain", [-2.0, 2.0], length=2)
        return cls(n=spec.int("n", low=1), seed=spec.int("seed", 0, low=0),
                   block=spec.int("block", 0, low=0, high=BLOCKS - 1), depth=spec.int("depth", 3, low=1, high=8),
                   order=spec.int("order", 1, low=1, high=2), points=spec.int("points", 20, low=1),
                   variables=spec.strings("variables", ["x", "y"], distinct=True), domain=tuple(domain), **common)
