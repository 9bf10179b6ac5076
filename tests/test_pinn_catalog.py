"""The PINN catalog (problems/pinn): every problem loads, its closed form solves its own statement, its
references agree with each other, its linear conditions hold exactly in the trial function; the statement
features the catalog needs (periodic shorthand, constants defined by an equation, observations, singular
coefficients in the SciPy reference) and their bad input. Solving the whole catalog is ``slow``."""

import math

import matplotlib.figure
import numpy as np
import pytest
import sympy
import torch

from sciml import problems as P
from sciml.pinn import BVP
from sciml.pinn._ansatz import Ansatz
from sciml.pinn._network import TanhMLP
from sciml.pinn._parse import value_symbol
from sciml.pinn._result import PINNSolution
from sciml.pinn.references import NoReferenceError, exact_solution, scipy_method, scipy_solution
from sciml.problems._registry import catalog_dir

NAMES = sorted(e.name.removesuffix(".toml") for e in (catalog_dir() / "pinn").iterdir() if e.name.endswith(".toml"))
#: catalog problems whose references are slow to build (solve_bvp through a layer of width 1e-3)
SLOW_REFERENCES = {"boundary_layer", "shock_layer"}
#: problems solved in the default run (a few seconds each on a quiet machine)
FAST_SOLVES = ["duffing_bvp", "eigen_sine"]


@pytest.fixture(scope="module")
def catalog():
    return {name: P.load(name) for name in NAMES}


def test_the_catalog_is_large_and_covers_the_issue(catalog):
    assert len(NAMES) >= 15 and "seed_bvp" in NAMES
    bvps = [p.bvp for p in catalog.values()]
    assert any(b.unknowns and b.data is None for b in bvps)                     # eigenvalue problem
    assert any(b.data is not None for b in bvps)                                # inverse problem
    assert any(len(b.functions) > 1 and not b.is_ivp for b in bvps)             # first-order system BVP
    assert any(c.linear is None for b in bvps for c in b.conditions)            # nonlinear condition
    assert sum(b.is_ivp for b in bvps) >= 4                                     # initial value problems
    assert catalog["periodic_forced"].bvp.conditions[1].text == "u'(0) = u'(2*pi)"
    assert catalog["bratu"].bvp.orders == {"u": 2} and catalog["beam_clamped"].bvp.order == 4


def point_value(expr, x, point):
    value = expr.subs(x, point)
    if value.has(sympy.nan, sympy.zoo):  # a removable singularity, such as sinc's derivatives at 0
        value = sympy.limit(expr.replace(sympy.sinc, lambda a: sympy.sin(a) / a), x, point)
    return value


@pytest.mark.parametrize("name", NAMES)
def test_exact_solution_satisfies_the_statement(catalog, name):
    """The closed form makes every equation's residual vanish on a grid and meets every condition."""
    problem = catalog[name]
    bvp = problem.bvp
    if bvp.exact is None:
        assert set(problem.tolerances) <= {"scipy", "sympy"}
        return
    x, (a, b) = bvp.variable, bvp.domain
    exact = {f: sympy.sympify(e) for f, e in bvp.exact.items()}
    values = {value_symbol(f, k): sympy.diff(exact[f], x, k) for f in bvp.functions for k in range(bvp.orders[f] + 1)}
    unknowns = {sympy.Symbol(k): v for k, v in getattr(problem, "true_unknowns", {}).items()}
    grid = np.linspace(a, b, 41)[1:-1]  # inside: sinc and friends are removable singularities at the ends
    for residual in bvp.residuals:
        r = sympy.lambdify(x, residual.xreplace(values).xreplace(unknowns), ["scipy", "numpy"])(grid)
        assert np.abs(np.broadcast_to(r, grid.shape)).max() < 1e-9, (name, residual)
    for cond in bvp.conditions:
        reps = {v.symbol: point_value(sympy.diff(exact[v.function], x, v.order), x, v.point) for v in cond.values}
        reps |= {t.symbol: sympy.integrate(t.integrand.xreplace(values), (x, t.lo, t.hi)) for t in cond.integrals}
        assert abs(complex(cond.expr.xreplace(reps).xreplace(unknowns).evalf())) < 1e-9, (name, cond.text)


@pytest.mark.parametrize("name", [n for n in NAMES if n not in SLOW_REFERENCES])
def test_references_agree(catalog, name):
    """closed form, dsolve and SciPy: built from the statement, they agree to near rounding."""
    problem = catalog[name]
    x = problem.grid()
    built = {k: problem.reference_solution(k) for k in problem.tolerances if k != "unknowns"}
    values = [r(x) for r in built.values()]
    assert all(v.shape == values[0].shape and np.isfinite(v).all() for v in values)
    assert max(np.abs(v - values[0]).max() for v in values) < 1e-8
    if "scipy" in built:
        assert built["scipy"].method == scipy_method(problem.bvp)
        for k, v in built["scipy"].unknowns.items():
            assert v == pytest.approx(problem.true_unknowns[k], abs=1e-8)


def test_bratu_lower_branch_reference(catalog):
    bratu = catalog["bratu"]
    theta = float(bratu.bvp.parameters["theta"])
    assert theta == pytest.approx(math.sqrt(2) * math.cosh(theta / 4), abs=1e-14) and theta < 2
    assert bratu.reference_solution("exact")(0.5) == pytest.approx(0.1405392144, abs=1e-10)
    assert bratu.reference_solution("scipy")(0.5) == pytest.approx(0.1405392144, abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_the_trial_function_meets_the_linear_conditions_exactly(catalog, name):
    bvp = catalog[name].bvp
    order = max([*bvp.orders.values(), *(v.order for c in bvp.conditions for v in c.values)])
    ansatz = Ansatz(bvp, order)
    assert ansatz.n_hard == sum(c.linear is not None for c in bvp.conditions)
    net = TanhMLP((12, 12), len(bvp.functions), bvp.domain)
    sol = PINNSolution(net, ansatz, net.init(torch.Generator().manual_seed(5)) * 2, bvp.functions)
    for cond in ansatz.hard:
        got = {}
        for v in cond.values:
            value = sol(float(v.point), nu=v.order)
            got[v.symbol] = float(value if value.dim() == 0 else value[bvp.functions.index(v.function)])
        coeffs, rhs = cond.linear
        assert abs(sum(c * got[s] for s, c in coeffs.items()) - rhs) < 1e-12 * max(1.0, abs(rhs)), cond.text


# -- statement features --------------------------------------------------------------------------------------


def test_periodic_shorthand_for_equations_and_systems():
    p = BVP("u'' - u = -5*cos(2*x)", (0, "2*pi"), ["periodic"])
    assert [c.text for c in p.conditions] == ["u(0) = u(2*pi)", "u'(0) = u'(2*pi)"]
    s = BVP(["y' = z + sin(x)", "z' = -y"], (0, 1), [" Periodic "])
    assert [c.text for c in s.conditions] == ["y(0) = y(1)", "z(0) = z(1)"]
    net = TanhMLP((8,), 2, s.domain)
    sol = PINNSolution(net, Ansatz(s, 1), net.init(torch.Generator().manual_seed(0)), s.functions)
    assert torch.allclose(sol(0.0), sol(1.0), atol=1e-14, rtol=0)
    with pytest.raises(ValueError, match=r"need 2 condition\(s\); got 3"):
        BVP("u'' = -u", (0, 1), ["periodic", "u(0) = 1"])


@pytest.mark.parametrize(("args", "match"), [
    (("u'' + exp(u = 0", (0, 1), ["u(0) = 0", "u(1) = 0"]), r"equations\[0\].*SymPy cannot parse"),
    (("u'' + v(x) = 0", (0, 1), ["u(0) = 0", "u(1) = 0"]), r"unknown function 'v'.*neither a SymPy function"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "w'(1) = 0"]), r"unknown function 'w'"),
    (("u'' + u = 0", (0, 1), ["u(0) = 0", "u(-0.5) = 0"]), "outside the domain"),
    (("u'' + u = 0", (0, 1), ["periodic", "u(0) = 0"]), r"need 2 condition\(s\); got 3"),
    (("u'''' = 1", (0, 1), ["u(0) = 0", "u(1) = 0"]), r"total order 4.*need 4 condition\(s\); got 2"),
    (("u'' + u = 0", ("pi", "pi"), ["u(0) = 0", "u(1) = 0"]), "empty interval"),
])
def test_bad_statements_name_what_is_wrong(args, match):
    with pytest.raises(ValueError, match=match):
        BVP(*args)


def test_singular_coefficient_reference():
    """x u'' + u' + x u = 0 (Bessel, order 0) at x = 0: solve_bvp with the singular term S = [[0, 0], [0, -1]]."""
    from scipy.special import j0

    p = BVP("x*u'' + u' + x*u = 0", (0, 5), ["u(0) = 1", "u'(0) = 0"], exact="besselj(0, x)")
    assert p.is_ivp and scipy_method(p) == "scipy.integrate.solve_bvp"
    ref = scipy_solution(p)
    assert np.allclose(ref.raw.x[:1], 0) and ref.method == "scipy.integrate.solve_bvp"
    x = np.linspace(0, 5, 200)
    assert np.abs(ref(x) - j0(x)).max() < 1e-9 and np.abs(exact_solution(p)(x) - j0(x)).max() < 1e-15
    with pytest.raises(NoReferenceError, match="singular at the left end"):
        scipy_solution(BVP("x^2*u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 1"]))


def test_closed_forms_that_overflow_in_floats_are_evaluated_in_mpmath():
    p = BVP("u'' = 1000*u'", (0, 1), ["u(0) = 0", "u(1) = 1"], exact="(exp(1000*x) - 1)/(exp(1000) - 1)")
    x = np.array([0.0, 0.999, 1.0])
    assert np.allclose(exact_solution(p)(x), [0.0, math.exp(-1), 1.0], rtol=1e-14, atol=0)


BASE = {"kind": "bvp", "equation": "u'' + k*u = 0", "domain": [0, 2], "conditions": ["u(0) = 0"],
        "unknowns": {"k": 3}, "exact": "sin(2*x)", "reference": {"exact": {"tol": 1e-2}}}


def test_observations_from_a_closed_form_and_given():
    p = P.from_dict({**BASE, "data": {"solution": "sin(2*x)", "n": 30, "noise": 0.0, "seed": 4}})
    x_obs, u_obs = p.bvp.data
    assert x_obs.shape == (30,) and bool((x_obs.diff() >= 0).all()) and 0 <= float(x_obs.min())
    assert torch.allclose(u_obs, torch.sin(2 * x_obs), atol=1e-15)
    noisy = P.from_dict({**BASE, "data": {"solution": "sin(2*x)", "n": 30, "noise": 0.1, "seed": 4}}).bvp.data
    assert torch.equal(noisy[0], x_obs) and 0.02 < float((noisy[1] - u_obs).std()) < 0.2
    given = P.from_dict({**BASE, "data": {"x": [0.5, 1.0], "u": [0.1, 0.2]}}).bvp.data
    assert given[1].tolist() == [0.1, 0.2]
    with pytest.raises(NoReferenceError, match="inverse problem"):
        scipy_solution(p.bvp)


@pytest.mark.parametrize(("change", "match"), [
    ({"data": {"solution": "sin(2*x)", "n": 30}}, "key 'data': must hold x and u"),
    ({"data": {"x": [0.5, 3.0], "u": [0.1, 0.2]}}, "outside the domain"),
    ({"reference": {"unknowns": {"tol": 1e-2}}}, "needs their true values"),
    ({"exact_unknowns": {"q": 1}}, "'q' is not among the unknowns"),
    ({"constants": {"c": "c = 1"}}, r"key 'constants\.c': must be a table"),
    ({"constants": {"c": {"equation": "c = d", "guess": 1}}}, r"key 'constants\.c': 'c = d' uses d"),
    ({"constants": {"c": {"equation": "c^2 = -1", "guess": 1}}}, r"key 'constants\.c': sympy.nsolve finds no root"),
    ({"conditions": ["u(0) = 0", "u(1) = 0", "u(2) = 0", "u'(0) = 1"]}, r"at most 3 condition"),
    ({"solver": {"continuation": {"k": [1, 2]}}}, r"continuation of 'k', which is not in \[parameters\]"),
    ({"solver": {"continuation": {"k": 1}}}, "continuation must be a table of non-empty lists"),
])
def test_bad_catalog_files(change, match):
    data = {**BASE, "data": {"solution": "sin(2*x)", "n": 10, "noise": 0.0, "seed": 0}, **change}
    with pytest.raises(P.ProblemFileError, match=match):
        P.from_dict(data, source="bad.toml")


# -- solving ---------------------------------------------------------------------------------------------------


def check(name):
    v = P.verify_problem(P.load(name))
    assert v.error is None and v.warnings == [], (v.error, v.warnings)
    assert v.passed, [(c.reference, c.error, c.tol) for c in v.comparisons]
    return v


@pytest.mark.parametrize("name", FAST_SOLVES)
def test_fast_catalog_solves(name):
    v = check(name)
    fig = matplotlib.figure.Figure()
    assert v.problem.plot(v.result, fig) is True and len(fig.axes) == 3  # solution, |error|, loss history
    assert [ax.get_yscale() for ax in fig.axes] == ["linear", "log", "log"]
    if v.result.unknowns:  # the identified eigenvalue is in the loss panel's title, and checked
        assert "lam = 1" in fig.axes[2].get_title()
        assert [c.reference for c in v.comparisons] == ["closed form", "exact unknowns", "scipy.integrate.solve_bvp"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n not in FAST_SOLVES])
def test_every_catalog_problem_verifies(name):
    v = check(name)
    if v.result.unknowns:
        assert set(v.result.unknowns) == set(v.problem.bvp.unknowns)
