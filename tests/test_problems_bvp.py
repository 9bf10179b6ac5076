"""The "bvp" problem kind: every problems/pinn file verifies against its references; bad files are named."""

import matplotlib.figure
import pytest

from sciml import problems as P
from sciml.problems import BVPProblem
from sciml.problems._registry import catalog_dir

NAMES = sorted(entry.name.removesuffix(".toml") for entry in (catalog_dir() / "pinn").iterdir()
               if entry.name.endswith(".toml"))
#: verified in the default run here; tests/test_pinn_catalog.py verifies the rest of the catalog (slow)
DEFAULT = ["bvp_robin", "ivp_gaussian", "seed_bvp"]
VERIFIED = {}


def verified(name):
    if name not in VERIFIED:
        VERIFIED[name] = P.verify_problem(P.load(name))
    return VERIFIED[name]


def test_the_catalog_has_the_seed():
    assert set(DEFAULT) <= set(NAMES) and len(NAMES) >= 13


@pytest.mark.parametrize("name", DEFAULT)
def test_pinn_problems_verify(name):
    v = verified(name)
    assert v.error is None and v.warnings == [], (v.error, v.warnings)
    assert v.passed, [(c.reference, c.error, c.tol, c.note) for c in v.comparisons]
    assert {c.reference for c in v.comparisons} >= {"closed form"}
    assert all(c.error <= c.tol for c in v.comparisons)


def test_seed_statement_references_and_plot():
    problem = P.load("seed_bvp")
    assert problem.kind == "bvp" and problem.method == "sciml.pinn.solve (auto)"
    assert problem.statement() == "u'' + u = 0 on [0, pi/2]; u(0) = 0, u(pi/2) = 1"
    labels = [r.label for r in problem.references()]
    assert labels == ["closed form", "sympy.dsolve", "scipy.integrate.solve_bvp"]
    result = verified("seed_bvp").result
    fig = matplotlib.figure.Figure()
    assert problem.plot(result, fig) is True and len(fig.axes) == 3
    assert fig.axes[1].get_yscale() == "log" and fig.axes[2].get_yscale() == "log"


def test_ivp_label_and_python_construction():
    assert [r.label for r in P.load("ivp_gaussian").references()][-1] == "scipy.integrate.solve_ivp"
    p = BVPProblem(equation="u'' = -pi^2*sin(pi*x)", domain=[0, 1], conditions=["u(0) = 0", "u(1) = 0"],
                   exact="sin(pi*x)", tolerances={"exact": 1e-5}, name="sine",
                   solver={"rtol": 1e-5, "seed": 1, "dtype": "float64", "hidden": [16, 16]})
    v = P.verify_problem(p)
    assert v.passed, v.comparisons


BASE = {"kind": "bvp", "equation": "u'' + u = 0", "domain": [0, 1], "conditions": ["u(0) = 0", "u(1) = 1"],
        "reference": {"scipy": {"tol": 1e-6}}}


@pytest.mark.parametrize(("change", "match"), [
    ({"equation": None}, "key 'equation': is required"),
    ({"equation": 3}, "key 'equation': must be a string"),
    ({"equation": "u'' + = 0"}, r"key 'equation' = \"u'' \+ = 0\": SymPy cannot parse"),
    ({"domain": [0]}, "key 'domain': must have 2 entries"),
    ({"domain": [1, 0]}, "empty interval"),
    ({"conditions": ["u(0) = 0"]}, "need 2 condition"),
    ({"conditions": "u(0) = 0"}, "key 'conditions': must be a non-empty list of strings"),
    ({"solver": {"stepsize": 1}}, "key 'solver': unknown option 'stepsize' \\(the options are atol, "),
    ({"solver": {"dtype": "float16"}}, "key 'solver': dtype must be one of 'float64', 'float32'"),
    ({"reference": {"exact": {"tol": 1e-6}}}, "'exact' reference needs the closed form"),
    ({"reference": {"spline": {"tol": 1e-6}}}, "no such reference"),
    ({"exact": 1}, "key 'exact': must be a string"),
    ({"colour": "red"}, "unknown key 'colour' \\(the keys here are conditions, "),
    ({"data": [1, 2]}, "key 'data': must be a table"),
    ({"exact_unknowns": {"k": 1}}, "'k' is not among the unknowns"),
    ({"constants": {"c": {"equation": "c = 2"}}}, r"key 'constants\.c\.guess': is required but missing"),
    ({"constants": {"c": "c = 2"}}, r"key 'constants\.c': must be a table"),
    ({"constants": {"c": {"equation": "c = 2", "guess": 1, "tol": 1}}},
     r"unknown key 'constants\.c\.tol' \(the keys here are equation, guess\)"),
    ({"data": {"x": [0, 1], "u": [0]}}, r"key 'data\.u': must have 2 entries"),
    ({"data": {"solution": "sin(x)", "n": "ten", "noise": 0, "seed": 1}}, r"key 'data\.n': must be a positive"),
    ({"data": {"solution": "sin(x)", "n": 10, "noise": -1, "seed": 1}}, r"key 'data\.noise': must be a non-neg"),
    ({"data": {"x": [0, 1]}}, "key 'data': must hold x and u"),
])
def test_bad_problem_files(change, match):
    data = {**BASE, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(P.ProblemFileError, match=match):
        P.from_dict(data, source="bad.toml")
