"""The derivative and custom_function problem kinds (capability calculus): the catalog passes, bad files name
the key, and wrong answers or wrong Functions fail verification."""

from pathlib import Path

import matplotlib.figure
import pytest
import torch

from sciml import problems as P
from sciml.problems import CustomFunctionProblem, DerivativeProblem

CALCULUS = sorted(p.stem for p in (Path(__file__).parents[1] / "problems" / "calculus").glob("*.toml"))

SEED_GRADIENT = {
    "kind": "derivative", "expr": "x**2*y + y + 2", "variables": ["x", "y"], "at": [2, 3],
    "operation": "grad", "exact": [12, 5], "reference": {"exact": {"tol": 1e-12}},
}


def test_catalog_has_the_seeds_and_range():
    assert {"seed_gradient", "seed_vjp", "seed_cubic_function"} <= set(CALCULUS)
    derivatives = [p for p in map(P.load, CALCULUS) if p.kind == "derivative"]
    assert len(derivatives) >= 15
    assert {p.operation for p in derivatives} == {"grad", "vjp", "jacobian", "hessian", "laplacian", "hvp", "jvp",
                                                  "divergence", "derivative"}
    shapes = {p.solve().value.shape for p in derivatives if p.operation == "jacobian"}
    assert {(3, 2), (3, 3)} <= shapes  # non-square and 3-D Jacobians
    assert {p.order for p in derivatives if p.operation == "derivative"} >= {2, 3}
    assert max(len(p.variables) for p in derivatives) >= 4


@pytest.mark.parametrize("name", CALCULUS)
def test_catalog_problem_passes(name):
    v = P.verify_problem(P.load(name))
    assert v.error is None and not v.warnings, (v.error, v.warnings)
    assert v.passed, [(c.reference, c.error, c.tol) for c in v.comparisons]
    assert P.load(name).statement()


def test_seed_answers():
    torch.testing.assert_close(P.load("seed_gradient").solve().value, torch.tensor([12.0, 5.0], dtype=torch.float64))
    torch.testing.assert_close(P.load("seed_vjp").solve().value, torch.tensor([4.0, 2.0], dtype=torch.float64))
    r = P.load("seed_cubic_function").solve()
    torch.testing.assert_close(r.jac, torch.where(r.x >= 0, 3 * r.x**2, 0.0))


def test_wrong_exact_answer_fails_but_sympy_passes():
    p = DerivativeProblem(expr="x**2*y + y + 2", variables=["x", "y"], at=[2, 3], operation="grad",
                          exact=[12, 6], tolerances={"exact": 1e-12, "sympy": 1e-12}, name="wrong")
    v = P.verify_problem(p)
    assert not v.passed
    exact, sympy_row = v.comparisons
    assert not exact.passed and exact.error == pytest.approx(1.0)
    assert sympy_row.passed


def test_exact_strings_scalar_answers_and_direct_construction():
    p = DerivativeProblem(expr="sin(x)*y", variables=["x", "y"], at=["pi/6", 2], operation="jvp", v=[1, 0],
                          exact="sqrt(3)", tolerances={"exact": 1e-14, "sympy": 1e-14})
    assert P.verify_problem(p).passed
    vjp = DerivativeProblem(expr="x*y", variables=["x", "y"], at=[2, 3], operation="vjp", v=[2],
                            exact=[6, 4], tolerances={"exact": 1e-14, "sympy": 1e-14})
    assert P.verify_problem(vjp).passed
    div = DerivativeProblem(expr=["x*y", "y**2"], variables=["x", "y"], at=[1, 2], operation="divergence",
                            exact=6, tolerances={"exact": 1e-14, "sympy": 1e-14})
    assert P.verify_problem(div).passed
    assert p.plot(p.solve(), matplotlib.figure.Figure()) is False


def test_derivative_operation_at_a_batch_of_points():
    p = DerivativeProblem(expr="sin(x)", variables=["x"], at=[0, "pi/2", "pi"], operation="derivative", order=2,
                          exact=[0, -1, 0], tolerances={"exact": 1e-15, "sympy": 1e-15})
    assert P.verify_problem(p).passed
    assert p.solve().value.shape == (3,)
    assert p.statement().startswith("d^2f/dx^2 at x = 0, pi/2, pi")
    wrong = DerivativeProblem(expr="sin(x)", variables=["x"], at=[0, "pi/2", "pi"], operation="derivative",
                              order=3, exact=[0, -1, 0], tolerances={"exact": 1e-12, "sympy": 1e-12})
    exact, sympy_row = P.verify_problem(wrong).comparisons  # the third derivative is -cos: -1, 0, 1
    assert exact.error == pytest.approx(1.0) and not exact.passed and sympy_row.passed


def test_sympy_reference_differentiates_abs_as_a_real_function():
    p = DerivativeProblem(expr="Abs(x - y)*y + Max(x, 2*y)", variables=["x", "y"], at=[1, 3], operation="hessian",
                          tolerances={"sympy": 1e-15})
    v = P.verify_problem(p)
    assert v.passed, [(c.reference, c.error) for c in v.comparisons]
    torch.testing.assert_close(p.solve().value, torch.tensor([[0.0, -1.0], [-1.0, 2.0]], dtype=torch.float64))


class WrongCubic(torch.autograd.Function):
    """x³ (x ≥ 0) with a backward that forgets the factor 3."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return torch.where(x >= 0, x**3, torch.zeros_like(x))

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.where(x >= 0, x**2, torch.zeros_like(x))

    @staticmethod
    def jvp(ctx, tangent):
        (x,) = ctx.saved_tensors
        return tangent * torch.where(x >= 0, x**2, torch.zeros_like(x))


def test_wrong_custom_function_fails_both_references():
    p = CustomFunctionProblem(function=WrongCubic, expr="Piecewise((x**3, x >= 0), (0, True))",
                              points=[-1, 0, 0.5, 2], tolerances={"sympy": 1e-12, "gradcheck": 1e-5})
    v = P.verify_problem(p)
    assert v.error is None and not v.passed
    sympy_row, gradcheck_row = v.comparisons
    assert sympy_row.error == pytest.approx(8.0)  # f'(2) = 12, the wrong backward gives 4
    assert gradcheck_row.error == float("inf")


def test_custom_function_plot():
    p = P.load("seed_cubic_function")
    fig = matplotlib.figure.Figure()
    assert p.plot(p.solve(), fig) is True
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 6


def _spec(**changes):
    data = {**SEED_GRADIENT, **changes}
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("changes,match", [
    ({"opration": "grad"}, "unknown key 'opration'"),
    ({"operation": "curl"}, "key 'operation': must be one of"),
    ({"expr": "x**2 +* y"}, "SymPy cannot parse"),
    ({"expr": "x*z"}, "uses z, which is not among the declared variables"),
    ({"expr": 3}, "key 'expr': must be a string or a list of strings"),
    ({"at": [1]}, "key 'at': must list one value per variable"),
    ({"at": [1, "q"]}, r"key 'at'\[1\]: 'q' must be a constant"),
    ({"at": None}, "key 'at': is required but missing"),
    ({"variables": "x y"}, "key 'variables': must be a non-empty list of strings"),
    ({"exact": [1, 2, 3]}, r"key 'exact': must have shape \(2,\)"),
    ({"v": [1, 1]}, "key 'v': is required for operations .* and only for them"),
    ({"operation": "vjp"}, "is required for operations"),
    ({"operation": "jacobian"}, "needs a vector-valued f"),
    ({"reference": {"scipy": {"tol": 1e-3}}}, "key 'reference.scipy': derivative problems have no such"),
    ({"order": 2}, "key 'order': is only for operation 'derivative'"),
    ({"order": 0}, "key 'order': must be a positive integer"),
    ({"order": "2"}, "key 'order': must be a positive integer"),
    ({"operation": "derivative", "order": 2}, "key 'operation': 'derivative' needs one variable"),
    ({"operation": "derivative", "variables": ["x"], "expr": "x**3", "at": [1, 2], "exact": None},
     r"order \(of operation 'derivative'\) must be a positive integer, got NoneType None"),
    ({"operation": "derivative", "variables": ["x"], "expr": "x**3", "at": [], "order": 1, "exact": None},
     "key 'at': must list the points"),
    ({"operation": "derivative", "variables": ["x"], "expr": "x**3", "at": [1, 2], "order": 1, "exact": [3]},
     r"key 'exact': must have shape \(2,\)"),
])
def test_bad_derivative_files_name_the_key(changes, match):
    with pytest.raises(P.ProblemFileError, match=match):
        P.from_dict(_spec(**changes), source="bad.toml", name="bad")


CUBIC = {"kind": "custom_function", "function": "sciml.calculus:Cubic",
         "expr": "Piecewise((x**3, x >= 0), (0, True))", "points": [-1, 0, 1],
         "reference": {"sympy": {"tol": 1e-12}}}


@pytest.mark.parametrize("changes,match", [
    ({"function": "sciml.calculus:Nope"}, "key 'function': 'sciml.calculus:Nope' cannot be imported"),
    ({"function": "Cubic"}, "key 'function': must be a dotted path"),
    ({"function": "math:pi"}, "key 'function' = 'math:pi': must name a torch.autograd.Function subclass or a callable"),
    ({"expr": "x*y"}, "key 'expr' = 'x\\*y': must have exactly one variable"),
    ({"points": []}, "key 'points': must be a non-empty list"),
    ({"points": ["a"]}, r"key 'points'\[0\]"),
    ({"pionts": [1]}, "unknown key 'pionts'"),
])
def test_bad_custom_function_files_name_the_key(changes, match):
    with pytest.raises(P.ProblemFileError, match=match):
        P.from_dict({**CUBIC, **changes}, source="bad.toml", name="bad")


def test_solve_rejects_options():
    with pytest.raises(TypeError, match="take no solve options"):
        P.load("seed_gradient").solve(method="bfgs")
