"""verify: autograd derivatives against sympy.diff, skipped points, reproducibility, a wrong backward caught."""

import math

import numpy as np
import pytest
import sympy
import torch

from sciml.calculus import to_torch
from sciml.calculus._verification import NO_DERIVATIVE, NOT_FINITE, DerivativeReport, verify
from sciml.results import Status

F64 = torch.float64
XY = ["x", "y"]


def _sin_function(offset: float) -> type[torch.autograd.Function]:
    class Sin(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return torch.sin(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * (torch.cos(x) + offset)

    return Sin


def test_wrong_backward_is_caught_and_its_correct_twin_passes():
    wrong = verify(_sin_function(1e-6), "sin(x)", ["x"])
    assert not wrong.passed and wrong.worst_quantity == "d/dx"
    assert wrong.max_abs_error == pytest.approx(1e-6, rel=1e-6)
    assert "d/dx disagrees with SymPy" in wrong.message and "100 of 100 points fail" in wrong.message
    right = verify(_sin_function(0.0), "sin(x)", ["x"])
    assert right.passed and right.n_points == 100 and right.max_abs_error < 1e-15
    # the plain callable form (Function.apply) is accepted as well
    assert verify(_sin_function(0.0).apply, "sin(x)", ["x"]).passed


@pytest.mark.parametrize("text", ["x**2*sin(y) + exp(x*y)", "atan2(y, x) + log(1 + x**2)/y",
                                  "Piecewise((x**3, x < y), (y*x**2, True))", "sqrt(x**2 + y**2) + erf(x - y)"])
def test_known_derivatives_first_and_second_order(text):
    for order in (1, 2):
        report = verify(to_torch(text, XY), text, XY, order=order, domain={"x": (-2, 2), "y": (0.5, 3)})
        assert isinstance(report, DerivativeReport)
        assert report.passed and report.order == order and report.n_points + report.n_skipped == 100
        assert report.max_rel_error < 1e-12  # a correct conversion is off by rounding only


def test_a_hand_written_function_with_a_wrong_hessian_fails_order_two_only():
    # d/dx right, but the backward uses a detached cos, so the second derivative comes out 0 instead of -sin
    class Detached(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return torch.sin(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * torch.cos(x.detach())

    assert verify(Detached, "sin(x)", ["x"]).passed
    second = verify(Detached, "sin(x)", ["x"], order=2)
    assert not second.passed and second.worst_quantity == "d2/dxdx"
    # and a correct hand-written torch function passes with its full Hessian
    assert verify(lambda x, y: x**2 * torch.sin(y) + y, "x**2*sin(y) + y", XY, order=2).passed


def test_skipped_points_are_counted_with_their_reasons():
    pole = verify(to_torch("1/x", ["x"]), "1/x", ["x"], points=[[0.0], [0.5], [1.0]])
    assert pole.passed and pole.skipped == {NOT_FINITE: 1} and (pole.n_points, pole.n_skipped) == (2, 1)
    log = verify(to_torch("log(x)", ["x"]), "log(x)", ["x"], points=[[-1.0], [2.0]])
    assert log.skipped == {NOT_FINITE: 1} and log.worst_point == {"x": 2.0}
    kink = verify(to_torch("Abs(x)", ["x"]), "Abs(x)", ["x"], points=[[0.0], [1.0], [-1.0]])
    assert kink.passed and kink.skipped == {NO_DERIVATIVE: 1}
    piecewise = "Piecewise((x**2, x < 1), (2*x - 1, True))"  # C1 at x = 1, but f'' jumps there
    boundary = verify(to_torch(piecewise, ["x"]), piecewise, ["x"], points=[[1.0], [0.5], [3.0]], order=2)
    assert boundary.passed and boundary.skipped == {NO_DERIVATIVE: 1}
    tie = verify(to_torch("Max(x, y, 1)", XY), "Max(x, y, 1)", XY, points=[[2.0, 2.0], [0.0, 0.0], [3.0, 1.0]])
    assert tie.skipped == {NO_DERIVATIVE: 1}  # x = y is the maximum; at (0, 0) the tie is below 1
    cut = verify(to_torch("atan2(y, x)", XY), "atan2(y, x)", XY, points=[[-1.0, 0.0], [1.0, 0.0], [-1.0, 1.0]])
    assert cut.skipped == {NO_DERIVATIVE: 1}


def test_flat_switching_sets_are_not_reported():
    # Abs(Heaviside(x)) is 0 for x < 0: its argument vanishes there, but nothing switches
    flat = verify(to_torch("Abs(Heaviside(x))*y", XY), "Abs(Heaviside(x))*y", XY, points=[[-1.0, 1.0], [1.0, 2.0]])
    assert flat.passed and flat.skipped == {} and flat.n_points == 2
    # Max(x, sin(x)) at 0: a tie of arguments with equal first and second derivatives
    assert verify(to_torch("Max(x, sin(x))", ["x"]), "Max(x, sin(x))", ["x"], points=[[0.0]], order=2).n_points == 1


def test_reproducible_with_a_generator(generator):
    text = "exp(x)*cos(y)"
    a = verify(to_torch(text, XY), text, XY, generator=torch.Generator().manual_seed(5))
    b = verify(to_torch(text, XY), text, XY, generator=torch.Generator().manual_seed(5))
    c = verify(to_torch(text, XY), text, XY, generator=generator)
    assert a.worst_point == b.worst_point and a.max_abs_error == b.max_abs_error
    assert c.worst_point != a.worst_point
    assert verify(to_torch(text, XY), text, XY).worst_point == verify(to_torch(text, XY), text, XY).worst_point


def test_domain_points_dtype_and_device():
    report = verify(to_torch("sqrt(x)*y", XY), "sqrt(x)*y", XY, domain={"x": (1, 4), "y": (-1, 1)}, points=7)
    assert report.passed and report.n_points == 7 and 1 <= report.worst_point["x"] <= 4
    arr = np.array([[0.25, 1.0], [2.0, -3.0]])
    assert verify(to_torch("x*y", XY), "x*y", XY, points=arr, order=2).n_points == 2
    assert verify(to_torch("x**3", ["x"]), "x**3", ["x"], points=torch.tensor([1, 2])).n_points == 2
    single = verify(to_torch("tanh(3*x)", ["x"]), "tanh(3*x)", ["x"], dtype=torch.float32, order=2)
    assert single.passed and (single.rtol, single.atol) == (1e-3, 1e-4) and single.max_abs_error > 1e-9
    # a variable that does not appear must have derivative 0; the symbols may be SymPy symbols
    x, y = sympy.symbols("x y")
    assert verify(lambda a, b: a**2, x**2, [x, y], order=2).passed
    assert not verify(lambda a, b: a**2 + 1e-3 * b, x**2, [x, y]).passed
    assert verify(to_torch("x", ["x"]), "x", ["x"], device="cpu").passed


def test_disagreeing_float64_reference_is_recomputed_at_30_digits():
    # NumPy evaluates log(1 + x) at x = 1e-17 as log(1.0) = 0; log1p is right, and SymPy at 30 digits agrees
    report = verify(lambda x: torch.log1p(x), "log(1 + x)", ["x"], points=[[1e-17]], rtol=1e-12, atol=1e-30)
    assert report.passed and report.max_abs_error < 1e-30


def test_no_checkable_point_fails_with_a_hint():
    report = verify(to_torch("log(x - 5)", ["x"]), "log(x - 5)", ["x"])
    assert not report.passed and report.n_points == 0 and report.n_skipped == 100
    assert math.isnan(report.max_abs_error) and "pass domain=" in report.message
    assert report.status == Status.NOTHING_CHECKED and report.domain == {"x": (-2.0, 2.0)}


def test_bad_input_errors():
    f = to_torch("x + y", XY)
    with pytest.raises(TypeError, match="f must be a callable"):
        verify("x + y", "x + y", XY)
    with pytest.raises(ValueError, match="uses y, which is not among the declared variables"):
        verify(f, "x + y", ["x"])
    with pytest.raises(ValueError, match=r"order must be 1 .* or 2"):
        verify(f, "x + y", XY, order=3)
    with pytest.raises(TypeError, match="dtype must be a floating"):
        verify(f, "x + y", XY, dtype=torch.int64)
    with pytest.raises(ValueError, match=r"points must have shape \(n, 2\)"):
        verify(f, "x + y", XY, points=np.ones((4, 3)))
    with pytest.raises(ValueError, match="points must be a positive number"):
        verify(f, "x + y", XY, points=0)
    with pytest.raises(ValueError, match="domain has no interval for y"):
        verify(f, "x + y", XY, domain={"x": (0, 1)})
    with pytest.raises(ValueError, match="lo < hi"):
        verify(f, "x + y", XY, domain=(1, 0))
    with pytest.raises(ValueError, match="rtol must be a non-negative finite number"):
        verify(f, "x + y", XY, rtol=-1)
    with pytest.raises(ValueError, match="variables must name at least one"):
        verify(f, "1", [])
    with pytest.raises(ValueError, match="must map 2 tensors"):
        verify(lambda x, y: torch.stack([x, y]), "x + y", XY)


def test_a_reference_with_an_infinite_factor_in_a_piecewise_is_evaluated_not_raised():
    # SymPy's derivative of log(Piecewise((0, ...), ...)) holds zoo inside a product; lambdify's printer used to
    # raise "Invalid NaN comparison" sorting it (found by the 10^4 corpus)
    e = "log(Piecewise((0, y > 0), (atan(x), True)))"
    report = verify(to_torch(e, ["x", "y"]), e, ["x", "y"])
    assert report.passed and report.n_points > 10  # the points with y <= 0, where the value is log(atan(x))
    e = "log(Piecewise((0, y > -3), (atan(x), True)))"  # log(0) on the whole square: nothing to compare
    assert verify(to_torch(e, ["x", "y"]), e, ["x", "y"]).status == Status.NOTHING_CHECKED
