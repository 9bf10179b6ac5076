"""Invariants of the numerics on random well-posed inputs (hypothesis, deterministic): solve's backward error,
the QP's KKT conditions, to_torch against sympy.lambdify rechecked at 30 digits."""

import math

import numpy as np
import sympy
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sciml import calculus, linalg, qp

F64 = torch.float64
EPS = torch.finfo(F64).eps
PROFILE = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@PROFILE
@given(n=st.integers(1, 6), data=st.data())
def test_solve_has_a_small_backward_error(n, data):
    A = data.draw(arrays(np.float64, (n, n), elements=finite)) + 25 * np.eye(n)  # diagonally dominant
    b = data.draw(arrays(np.float64, (n,), elements=finite))
    x = linalg.solve(A, b).numpy()
    # normwise backward error ‖b − Ax‖ / (‖A‖‖x‖ + ‖b‖) is a few eps for a backward-stable solve
    denominator = np.linalg.norm(A, 2) * np.linalg.norm(x) + np.linalg.norm(b)
    eta = np.linalg.norm(b - A @ x) / denominator if denominator else np.linalg.norm(b - A @ x)
    assert eta <= 50 * n * EPS


@PROFILE
@given(n=st.integers(1, 5), m=st.integers(0, 3), data=st.data())
def test_qp_solutions_meet_the_kkt_conditions(n, m, data):
    m = min(m, n)
    M = data.draw(arrays(np.float64, (n, n), elements=finite))
    Q = M @ M.T + np.eye(n)  # positive definite
    c = data.draw(arrays(np.float64, (n,), elements=finite))
    A = data.draw(arrays(np.float64, (m, n), elements=finite)) + np.eye(m, n) * 30  # full row rank
    b = data.draw(arrays(np.float64, (m,), elements=finite))
    r = qp.solve_qp(Q, c, A if m else None, b if m else None)
    assert r.success
    x, lam = r.x.numpy(), r.lam.numpy()
    scale = np.linalg.norm(Q, 2) * np.linalg.norm(x) + np.linalg.norm(c) + 1
    assert np.abs(Q @ x + c + A.T @ lam).max() <= 1e-10 * scale
    if m:
        assert np.abs(A @ x - b).max() <= 1e-10 * (np.linalg.norm(A, 2) * np.linalg.norm(x) + np.linalg.norm(b) + 1)


_x, _y = sympy.symbols("x y")
ATOMS = st.sampled_from([_x, _y, sympy.Integer(2), sympy.Rational(1, 3), sympy.pi])
UNARY = st.sampled_from([sympy.sin, sympy.cos, sympy.exp, sympy.atan, sympy.tanh, lambda e: sympy.sqrt(e ** 2 + 1)])
EXPRS = st.recursive(ATOMS, lambda inner: st.one_of(
    st.builds(lambda f, e: f(e), UNARY, inner),
    st.builds(lambda a, b: a + b, inner, inner),
    st.builds(lambda a, b: a * b, inner, inner)), max_leaves=6)


@PROFILE
@given(expr=EXPRS, point=st.tuples(st.floats(-2, 2), st.floats(-2, 2)))
def test_to_torch_agrees_with_lambdify_and_30_digits(expr, point):
    f = calculus.to_torch(expr, ["x", "y"])
    got = float(f(torch.tensor(point[0], dtype=F64), torch.tensor(point[1], dtype=F64)))
    lam = float(sympy.lambdify((_x, _y), expr, "numpy")(*point))
    exact = float(sympy.N(expr.subs({_x: sympy.Float(point[0], 30), _y: sympy.Float(point[1], 30)}), 30))
    if not math.isfinite(exact) or abs(exact) > 1e100:
        return
    tol = 1e-12 * max(1.0, abs(exact))
    assert abs(got - exact) <= tol and abs(lam - exact) <= tol, (expr, point, got, lam, exact)
