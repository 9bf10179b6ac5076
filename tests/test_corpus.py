"""The random-expression corpus, and to_torch on it: converts, matches SymPy, gradients verified, no NaN leaks."""

import collections
import functools

import numpy as np
import pytest
import sympy
import torch

from sciml.calculus import to_torch
from sciml.calculus._corpus import random_expressions
from sciml.calculus._verification import NOT_FINITE, verify

F64 = torch.float64
XY = ["x", "y"]


@functools.cache
def _corpus() -> tuple:
    return tuple(random_expressions(1000, seed=0))


def test_reproducible_from_the_seed():
    a, b, c = random_expressions(40, seed=3), random_expressions(40, seed=3), random_expressions(40, seed=4)
    assert a == b and a != c
    assert random_expressions(5, ("u", "v", "w"), seed=1, depth=2) == random_expressions(5, "u v w".split(), seed=1,
                                                                                          depth=2)


def test_covers_the_elementary_functions_and_the_non_smooth_ones():
    exprs = _corpus()
    heads = collections.Counter(type(node) for e in exprs for node in sympy.preorder_traversal(e))
    for f in (sympy.Add, sympy.Mul, sympy.Pow, sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.asin,
              sympy.acos, sympy.atan, sympy.sinh, sympy.cosh, sympy.tanh, sympy.atan2, sympy.Abs, sympy.sign,
              sympy.Min, sympy.Max, sympy.Piecewise, sympy.Heaviside, sympy.erf, sympy.Rational):
        assert heads[f] >= 3, f
    powers = {node.exp for e in exprs for node in sympy.preorder_traversal(e) if node.is_Pow}
    assert {sympy.S.Half, sympy.Integer(2), sympy.Integer(-1), sympy.Rational(1, 3)} <= powers
    constants = {node for e in exprs for node in sympy.preorder_traversal(e) if node.is_number and not node.is_Rational}
    assert {sympy.pi, sympy.E, sympy.exp(2, evaluate=False)} <= constants
    minmax_with_numbers = [node for e in exprs for node in sympy.preorder_traversal(e)
                           if isinstance(node, sympy.Min | sympy.Max) and any(a.is_number for a in node.args)]
    assert len(minmax_with_numbers) >= 10
    assert all(e.free_symbols <= set(sympy.symbols("x y")) and e.free_symbols for e in exprs)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="n must be a non-negative int"):
        random_expressions(-1)
    with pytest.raises(ValueError, match="depth must be an int >= 1"):
        random_expressions(3, depth=0)
    with pytest.raises(ValueError, match="distinct names"):
        random_expressions(3, ("x", "x"))


def test_piecewise_inactive_branch_does_not_leak_nan():
    # sqrt(x) and log(x) are NaN for x < 0, where their branch is inactive: the gradient must stay finite
    f = to_torch("Piecewise((sqrt(x) + log(x), x > 0), (x**2, True))", ["x"])
    x = torch.tensor([-1.0, -0.5, 2.0], dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    torch.testing.assert_close(g, torch.tensor([-2.0, -1.0, 0.5 / 2**0.5 + 0.5], dtype=F64), rtol=1e-14, atol=0)


def _check_corpus(exprs, order):
    """Every expression converts, and verify passes (values and derivatives) unless no real point exists."""
    failures, empty = [], []
    for e in exprs:
        report = verify(to_torch(e, XY), e, XY, order=order)
        if report.n_points == 0 and set(report.skipped) == {NOT_FINITE}:
            empty.append(e)  # e.g. acos(cosh(y)): not real anywhere in [-2, 2]²
        elif not report.passed:
            failures.append(f"{e}: {report.message}")
    assert not failures, "\n".join(failures[:10])
    return empty


def test_to_torch_on_the_corpus_values_and_gradients_verified():
    exprs = _corpus()
    empty = _check_corpus(exprs, order=1)
    assert len(empty) <= 0.05 * len(exprs)  # 26 of 1000 measured
    # the values also match NumPy's where they are finite, and no gradient is NaN where SymPy's is finite
    x, y = sympy.symbols("x y")
    pts = np.linspace(-1.9, 1.9, 7)
    for e in exprs[:60]:
        with np.errstate(all="ignore"):
            ref = np.broadcast_to(sympy.lambdify([x, y], e, ["scipy", "numpy"])(pts, pts[::-1]), pts.shape)
        out = to_torch(e, XY)(torch.tensor(pts), torch.tensor(pts[::-1].copy()))
        ok = np.isfinite(ref)
        np.testing.assert_allclose(out.numpy()[ok], ref[ok], rtol=1e-10, atol=1e-12, err_msg=str(e))


@pytest.mark.slow
def test_to_torch_on_a_large_corpus_first_and_second_order():
    empty = _check_corpus(random_expressions(3000, seed=1), order=1)
    assert len(empty) <= 150
    _check_corpus(random_expressions(1000, seed=2), order=2)


def test_to_torch_nan_steps_and_boolean_conditions():
    # torch.sign(nan) is 0; SymPy's sign and Heaviside of an undefined value are undefined (NaN in NumPy)
    out = to_torch("sign(x) + Heaviside(sqrt(x))", ["x"])(torch.tensor([float("nan"), -1.0, 4.0], dtype=F64))
    assert torch.isnan(out[:2]).all() and out[2] == 2
    x, y = sympy.symbols("x y")
    expr = sympy.Piecewise((x, sympy.ITE(x > 0, y > 0, y < -1)), (2 * x, sympy.Xor(x > 1, y > 1)), (-x, True))
    assert expr.has(sympy.ITE, sympy.Xor)
    X = torch.tensor([1.0, 1.0, -1.0, -1.0, 2.0, 0.5, 0.5], dtype=F64)
    Y = torch.tensor([1.0, -1.0, -2.0, 0.0, -1.0, 2.0, 0.0], dtype=F64)
    expected = [float(expr.subs({x: a, y: b})) for a, b in zip(X.tolist(), Y.tolist(), strict=True)]
    torch.testing.assert_close(to_torch(expr, [x, y])(X, Y), torch.tensor(expected, dtype=F64), rtol=0, atol=0)
