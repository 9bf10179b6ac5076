"""Catalog kind ``mgh``: the Moré–Garbow–Hillstrom problems and Rosenbrock, verified against the tables and SciPy."""

from pathlib import Path

import pytest

from sciml import problems
from sciml.problems._suite import SuiteProblem

FILES = sorted(p for p in (Path(__file__).resolve().parents[1] / "problems" / "optimize").glob("*.toml")
               if p.read_text(encoding="utf-8").startswith('kind = "mgh"'))


def test_every_mgh_problem_has_a_file():
    loaded = [problems.load(p.stem) for p in FILES]
    assert all(isinstance(p, SuiteProblem) for p in loaded)
    numbers = {p.problem for p in loaded if p.problem != "rosenbrock"}
    assert numbers == set(range(1, 36))
    assert {p.n for p in loaded if p.problem == "rosenbrock"} >= {2, 10, 100}
    assert any(p.bounds is not None for p in loaded)


@pytest.mark.parametrize("name", ["mgh20_watson", "rosenbrock_bounded_lbfgsb", "rosenbrock_n2_lbfgs"])
def test_verifies(name):
    v = problems.verify_problem(problems.load(name))
    assert v.error is None and v.passed, [(c.reference, c.error, c.tol) for c in v.comparisons]


def test_a_wrong_answer_fails():
    p = problems.load("mgh20_watson")
    v = problems.verify_problem(p, max_iter=5)
    assert not v.passed


@pytest.mark.parametrize("change, match", [
    ({"problem": 36}, "key 'problem': must be an MGH number 1-35"),
    ({"problem": "rosenbrok"}, "key 'problem': must be an MGH number"),
    ({"method": "adamw"}, "key 'method'"),
    ({"bounds": [[1, 0]]}, r"key 'bounds': must be one pair \[low, high\]"),
])
def test_bad_files(change, match):
    data = {"kind": "mgh", "problem": 1, "reference": {"scipy": {"tol": 1e-8}}, **change}
    with pytest.raises(problems.ProblemFileError, match=match):
        problems.from_dict(data, source="bad.toml")
