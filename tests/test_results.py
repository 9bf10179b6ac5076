"""The shared result vocabulary: one meaning per status code in every subpackage, reprs, throw=True, progress."""

import importlib
import inspect
import math
import warnings

import pytest
import torch

import sciml
from sciml.results import ALIASES, ConvergenceError, ConvergenceWarning, Result, Status, StatusCode, format_value

CAPABILITIES = ("calculus", "optimize", "linalg", "qp", "signal", "pinn", "training")


def _public_objects():
    for name in CAPABILITIES:
        module = importlib.import_module(f"sciml.{name}")
        for attr in getattr(module, "__all__", ()):
            yield f"sciml.{name}.{attr}", getattr(module, attr)


STATUS_ENUMS = sorted({(n, obj) for n, obj in _public_objects()
                       if inspect.isclass(obj) and issubclass(obj, StatusCode)}, key=lambda t: t[0])


def test_every_capability_status_enum_is_found():
    names = {n.rsplit(".", 1)[1] for n, _ in STATUS_ENUMS}
    assert {"Status", "LMStatus", "QPStatus", "FitStatus", "BVPStatus"} <= names


@pytest.mark.parametrize(("name", "enum"), STATUS_ENUMS, ids=[n for n, _ in STATUS_ENUMS])
def test_the_same_status_name_means_the_same_code_everywhere(name, enum):
    for member_name, member in enum.__members__.items():  # aliases included
        shared = ALIASES.get(member_name, member_name)
        assert shared in Status.__members__, f"{name}.{member_name} is not in sciml.results.Status"
        assert int(member) == int(Status[shared]), f"{name}.{member_name} = {int(member)}, shared code {shared}"
        assert member.success == Status[shared].success and member.hint
    if 0 in {int(m) for m in enum}:
        assert enum(0).success, f"{name}: code 0 must be success, as in SciPy"


def test_the_check_can_fail():
    class Wrong(StatusCode):
        SUCCESS = 0
        MAX_ITER = 7  # XTOL's code

    with pytest.raises(AssertionError, match="MAX_ITER = 7"):
        test_the_same_status_name_means_the_same_code_everywhere("Wrong", Wrong)


def test_decode_and_hints():
    from sciml.qp import QPStatus

    assert QPStatus.decode(torch.tensor([[0, 4], [9, 11]])) == [
        [QPStatus.OPTIMAL, QPStatus.UNBOUNDED], [QPStatus.INFEASIBLE, QPStatus.MULTIPLIERS_NOT_UNIQUE]]
    assert QPStatus.SUCCESS is QPStatus.OPTIMAL and QPStatus.MULTIPLIERS_NOT_UNIQUE.success
    assert "max_iter" in Status.MAX_ITER.hint and not Status.MAX_ITER.success


def test_every_convergence_warning_derives_from_one_root():
    warning_classes = {n: obj for n, obj in _public_objects() if inspect.isclass(obj) and issubclass(obj, Warning)}
    for name in ("sciml.optimize.ConvergenceWarning", "sciml.optimize.SecondOrderWarning", "sciml.qp.QPWarning",
                 "sciml.signal.FitConvergenceWarning", "sciml.pinn.ConvergenceWarning"):
        assert issubclass(warning_classes[name], ConvergenceWarning), name


# -- throw=True: every solver raises instead of returning a failure ---------------------------------------

def _rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def _failing_calls():
    from sciml.optimize import levenberg_marquardt, minimize
    from sciml.pinn import BVP, solve
    from sciml.qp import solve_qp
    from sciml.signal import fit_sinusoids

    res = lambda z: torch.stack([10 * (z[1] - z[0] ** 2), 1 - z[0]])  # noqa: E731
    t = torch.linspace(0, 1, 200, dtype=torch.float64)
    signal = 3 * torch.cos(2 * torch.pi * 7.3 * t + 1) + torch.cos(2 * torch.pi * 31.0 * t)
    return {
        "minimize": lambda throw: minimize(_rosenbrock, [-1.2, 1.0], max_iter=3, throw=throw),
        "levenberg_marquardt": lambda throw: levenberg_marquardt(
            res, torch.func.jacrev(res), torch.tensor([-1.2, 1.0], dtype=torch.float64), max_iter=2, throw=throw),
        "solve_qp": lambda throw: solve_qp([[1.0, 0.0], [0.0, -1.0]], [1.0, 1.0], throw=throw),
        "fit_sinusoids": lambda throw: fit_sinusoids(signal, t, freqs=[7.0, 30.0], max_iter=1, throw=throw),
        "pinn.solve": lambda throw: solve(BVP("u'' + u = 0", (0, 1), ["u(0) = 0", "u(1) = 1"]), max_iter=2,
                                          throw=throw),
    }


@pytest.mark.parametrize("solver", list(_failing_calls()))
def test_throw_raises_with_the_result_attached(solver):
    call = _failing_calls()[solver]
    with pytest.warns(ConvergenceWarning):
        returned = call(False)
    assert not returned.success and returned.status != 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # throw=True raises instead of warning
        with pytest.raises(ConvergenceError) as raised:
            call(True)
    assert raised.value.result.status == returned.status and str(raised.value)


# -- reprs ---------------------------------------------------------------------------------------------------

def test_reprs_show_values_as_numpy_does():
    assert format_value(torch.tensor(3.0, dtype=torch.float64)) == "3.0"
    assert format_value(torch.tensor([1.0, 1.0], dtype=torch.float64)) == "tensor([1., 1.])"
    ten = format_value(torch.arange(10, dtype=torch.float64) / 4)
    assert ten.startswith("tensor([0.  , 0.25,") and "2.25]" in ten and "shape" not in ten
    big = format_value(torch.zeros(1000, dtype=torch.float64))
    assert "..." in big and "shape=(1000,)" in big and len(big) < 100
    hessian = format_value(torch.tensor([[802.0, -400.0], [-400.0, 200.0]], dtype=torch.float64))
    assert hessian.splitlines() == ["tensor([[ 802., -400.],", "        [-400.,  200.]])"]
    assert format_value(torch.ones(2)) == "tensor([1., 1.], dtype=float32)"
    assert format_value(1e-9) == "1.0e-09" and format_value(2.0) == "2.0" and format_value(7) == "7"
    assert format_value(Status.MAX_ITER) == "MAX_ITER (1)" and format_value(math.inf) == "inf"


def test_result_repr_says_something_for_every_field():
    from sciml.optimize import minimize

    res = minimize(_rosenbrock, [-1.2, 1.0], method="newton")
    text = repr(res)
    assert "x: tensor([1., 1.])" in text and "status: SUCCESS (0)" in text
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "hess: tensor([[" in line)
    assert lines[row + 1].index("[") == lines[row].index("[[") + 1  # the matrix's second row, aligned
    assert "=(" not in text.split("trajectory")[0] and "<sol>" not in text  # no opaque placeholders

    from sciml.pinn import BVP, solve

    r = solve(BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"]))
    assert "sol: PINNSolution(functions=['u']" in repr(r) and "status: SUCCESS (0)" in repr(r)


def test_nested_results_are_not_cut_mid_word():
    from sciml import problems

    v = problems.verify_problem(problems.load("seed_linalg_solve"))
    text = repr(v)
    assert "Comparison(" in text and "reference='scipy.linalg'" in text and "passed=True" in text
    assert not any(line.rstrip().endswith("...") for line in text.splitlines())


def test_a_result_subclass_needs_no_code_of_its_own():
    import dataclasses

    @dataclasses.dataclass(repr=False)
    class Mine(Result):
        x: torch.Tensor
        note: str | None = None

    assert repr(Mine(torch.tensor([0.5], dtype=torch.float64))) == "Mine(\n  x: tensor([0.5])\n)"


# -- progress: opt-in, on stderr ---------------------------------------------------------------------------

def test_progress_is_silent_by_default_and_a_bar_on_stderr_when_asked(capsys):
    from sciml.optimize import minimize
    from sciml.pinn import BVP, solve

    minimize(_rosenbrock, [-1.2, 1.0])
    solve(BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"]))
    assert capsys.readouterr() == ("", "")
    minimize(_rosenbrock, [-1.2, 1.0], progress=True)
    solve(BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"]), progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "minimize (bfgs)" in err and "pinn.solve (lm)" in err


def test_the_package_root_lists_the_core():
    assert sciml.results.Status is Status
