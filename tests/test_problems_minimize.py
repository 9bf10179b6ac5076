"""The "optimize" problem kind (alias "minimize"): the catalog's problems verify, and wrong answers fail."""

import math
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from sciml import problems
from sciml.problems import MinimizeProblem, ProblemFileError

# the folder also holds the test-set problems of kind "mgh" (tests/test_problems_suite.py)
OPTIMIZE_FILES = sorted(p for p in (Path(__file__).resolve().parents[1] / "problems" / "optimize").glob("*.toml")
                        if not p.read_text(encoding="utf-8").startswith('kind = "mgh"'))

QUARTIC = {
    "kind": "optimize",
    "title": "quartic",
    "fun": "x^4 - 3*x^3 + 2",
    "variables": ["x"],
    "x0": 0,
    "method": "gd",
    "exact_x": ["9/4"],
    "exact_fun": "-1675/256",
    "bounds": [[-5, 5]],
    "reference": {"exact": {"tol": 1e-9}, "scipy": {"tol": 1e-9}},
}


def test_catalog_has_the_seed_and_classics():
    names = {p.stem for p in OPTIMIZE_FILES}
    assert {"seed_quartic", "rosenbrock_bfgs", "rosenbrock_newton"} <= names and len(names) >= 4


@pytest.mark.parametrize("path", OPTIMIZE_FILES, ids=lambda p: p.stem)
def test_catalog_problem_verifies(path):
    p = problems.load(path.stem)
    assert isinstance(p, MinimizeProblem) and set(p.tolerances) == {"exact", "scipy"}
    v = problems.verify_problem(p)
    assert v.error is None and v.passed, [(c.reference, c.error, c.tol) for c in v.comparisons]
    assert v.result.second_order == "verified" and v.result.success
    assert v.warnings == []


def test_seed_reaches_nine_quarters_by_escaping():
    p = problems.load("seed_quartic")
    assert p.method == "gd" and p._x0 == [0.0]
    result = p.solve()
    assert result.escapes >= 1 and float(result.x[0]) == pytest.approx(9 / 4, abs=1e-11)
    assert "9/4" in p.statement() and "-1675/256" in p.statement()


def test_the_seed_stall_fails_verification():
    # without the escape the solver stops at the inflection point 0: not verified, so the error is inf
    v = problems.verify_problem(problems.load("seed_quartic"), escape=False)
    assert not v.passed and all(math.isinf(c.error) for c in v.comparisons)
    assert v.result.second_order == "failed"
    assert any("SecondOrderWarning" in w for w in v.warnings)


def test_wrong_exact_answer_fails():
    p = problems.from_dict({**QUARTIC, "exact_x": ["2"]}, name="wrong")
    v = problems.verify_problem(p)
    rows = {c.reference: c for c in v.comparisons}
    assert not v.passed
    assert not rows["closed form"].passed and rows["closed form"].error == pytest.approx(0.25, abs=1e-9)
    assert rows[MinimizeProblem.reference_labels["scipy"]].passed  # SciPy agrees with the solver


def test_scipy_reference_from_a_start_point():
    spec = {k: v for k, v in QUARTIC.items() if k != "bounds"} | {"scipy_x0": [3]}
    p = problems.from_dict(spec, name="s")
    x, f = p.scipy_answer()
    assert x[0] == pytest.approx(2.25, abs=1e-10) and f == pytest.approx(-1675 / 256, abs=1e-13)
    assert problems.verify_problem(p).passed


def test_problem_built_in_python():
    p = MinimizeProblem(fun="x^2 + 2*y^2 + z^2 - x*z", variables=["x", "y", "z"], x0=[1, 2, 3], method="newton",
                        exact_x=[0, 0, 0], exact_fun=0, name="bowl", tolerances={"exact": 1e-12})
    v = problems.verify_problem(p)
    assert v.passed and v.result.nit == 1


@pytest.mark.parametrize("name", ["seed_quartic", "himmelblau_momentum"])
def test_plot_draws(name):
    p = problems.load(name)
    fig = Figure()
    assert p.plot(p.solve(), fig) is True and len(fig.axes) == 2


def test_plot_three_variables():
    p = MinimizeProblem(fun="x^2 + y^2 + z^2", variables=["x", "y", "z"], x0=[1, 2, 3],
                        tolerances={"exact": 1e-12}, exact_x=[0, 0, 0], exact_fun=0)
    fig = Figure()
    assert p.plot(p.solve(), fig) is True


@pytest.mark.parametrize("change, match", [
    ({"options": {"lr": -1}}, r"options\['lr'\] must be in"),
    ({"options": {"step": 1}}, "'step' is not an option of method 'gd'"),
    ({"method": "adamw"}, "key 'method': must be one of"),
    ({"x0": [0, 1]}, "key 'x0': must have 1 entries"),
    ({"x0": "a+"}, "key 'x0'"),
    ({"fun": "x^4 + y"}, "uses y, which is not among the declared variables"),
    ({"exact_x": ["1/0 +"]}, "key 'exact_x"),
    ({"variables": []}, "key 'variables': must be a non-empty list"),
    ({"max_iter": -3}, "key 'max_iter': must be a non-negative integer"),
    ({"max_iter": 2.5}, "key 'max_iter': must be a non-negative integer"),
    ({"gtol": 0}, "key 'gtol': must be a positive"),
    ({"method": "GD"}, None),  # names are case-insensitive
    ({"variables": ["x", "x"], "x0": [0, 0], "exact_x": [0, 0]}, "key 'variables': must be distinct"),
    ({"bounds": [[1, 0]]}, "key 'bounds': must be one pair \\[low, high\\] with low < high per variable \\(1\\)"),
    ({"bounds": None}, "needs bounds"),
    ({"exact_fun": None}, "needs exact_x and exact_fun"),
    ({"tolerance": 1}, "unknown key 'tolerance' \\(the keys here are bounds, "),
])
def test_bad_problem_files_name_the_problem(change, match):
    data = {k: v for k, v in {**QUARTIC, **change}.items() if v is not None}
    if match is None:
        assert problems.from_dict(data, source="ok.toml").method == "gd"
        return
    with pytest.raises(ProblemFileError, match=match):
        problems.from_dict(data, source="bad.toml")
