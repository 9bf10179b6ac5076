"""sciml.pinn.solve's training machinery: the three optimizers and "auto", every stop reason, residual-based
resampling, checkpoint/resume, NaN and float32 handling, bad input. Accuracy is checked against sin(x), the
exact solution of the seed problem u'' + u = 0, u(0) = 0, u(π/2) = 1."""

import importlib
import math

import pytest
import torch

from sciml.pinn import BVP, BVPStatus, ConvergenceWarning, solve
from sciml.pinn._resample import STALL_FACTOR, Resample, as_resample
from sciml.pinn._training import CHECKPOINT_FORMAT as FORMAT

F64 = torch.float64
SEED = ("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"])
X = torch.linspace(0, math.pi / 2, 1000, dtype=F64)
solve_module = importlib.import_module("sciml.pinn._solve")


def seed_problem():
    return BVP(*SEED)


def max_error(result) -> float:
    return float((result.sol(X.to(result.theta.dtype)).double() - torch.sin(X)).abs().max())


def warned(match, fn, *args, **kwargs):
    """A run that stops without converging must say why with a ConvergenceWarning."""
    with pytest.warns(ConvergenceWarning, match=match):
        return fn(*args, **kwargs)


# -- the methods on the seed problem --------------------------------------------------------------------------------


def test_default_auto_is_levenberg_marquardt_to_1e8():
    r = solve(seed_problem(), generator=torch.Generator().manual_seed(1))
    assert (r.method, r.success, r.stop_reason, r.status) == ("lm", True, "residual", BVPStatus.SUCCESS)
    assert max_error(r) <= 1e-8 and r.residual <= 1e-7
    assert len(r.history) == r.niter + 1 and r.history[-1] == pytest.approx(r.loss) and r.resamples == 0
    assert r.njev == r.niter and r.nfev >= r.niter


def test_auto_takes_lbfgs_beyond_the_jacobian_budget(monkeypatch):
    monkeypatch.setattr(solve_module, "AUTO_LM_MAX_ENTRIES", 64 * 481 - 1)  # the seed's Jacobian is 64 × 481
    assert warned("max_iter", solve, seed_problem(), max_iter=2).method == "lbfgs"
    monkeypatch.setattr(solve_module, "AUTO_LM_MAX_ENTRIES", 64 * 481)
    assert warned("max_iter", solve, seed_problem(), max_iter=2).method == "lm"


def test_lbfgs_reaches_1e5():
    r = solve(seed_problem(), method="lbfgs", rtol=1e-4)
    assert (r.method, r.success, r.stop_reason) == ("lbfgs", True, "residual") and r.residual <= 1e-4
    assert max_error(r) <= 1e-5 and r.njev == 0 and len(r.history) == r.niter + 1
    assert all(b < a for a, b in zip(r.history[:-1].tolist(), r.history[1:].tolist(), strict=True))  # Wolfe


def test_adam_warmup_then_lm():
    phases = []
    r = solve(seed_problem(), warmup=50, lr=1e-2, rtol=1e-6, generator=torch.Generator().manual_seed(1),
              callback=lambda s: phases.append(s.phase))
    assert r.method == "adam+lm" and r.success and max_error(r) <= 1e-7
    assert phases[:50] == ["adam"] * 50 and set(phases[50:]) == {"lm"} and len(phases) == r.niter
    assert len(r.history) == r.niter + 1 and bool(torch.isfinite(r.history).all())


def test_adam_alone_decreases_the_loss_and_stops_at_max_iter():
    r = warned("max_iter=200", solve, seed_problem(), method="adam", lr=1e-2, max_iter=200)
    assert (r.method, r.stop_reason, r.status, r.niter) == ("adam", "max_iter", BVPStatus.MAX_ITER, 200)
    assert not r.success
    assert len(r.history) == 201 and r.history[-1] < 1e-3 * r.history[0] and max_error(r) < 1e-2


# -- stop reasons ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["lm", "lbfgs", "adam"])
def test_max_iter_and_callback_stops(method):
    r = warned("max_iter=3", solve, seed_problem(), method=method, max_iter=3)
    assert (r.stop_reason, r.status, r.niter, len(r.history)) == ("max_iter", BVPStatus.MAX_ITER, 3, 4)
    assert "resume=True continues this run" in r.message

    def stop_at_2(state):
        if state.niter == 2:
            raise StopIteration

    r = warned("callback", solve, seed_problem(), method=method, callback=stop_at_2)
    assert (r.stop_reason, r.status, r.niter, r.success) == ("callback", BVPStatus.CALLBACK, 2, False)


@pytest.mark.parametrize("method", ["lm", "lbfgs"])
def test_xtol_and_ftol_stops(method):
    r = solve(seed_problem(), method=method, xtol=0.5)
    assert (r.stop_reason, r.status, r.success) == ("xtol", BVPStatus.XTOL, True) and "xtol" in r.message
    r = solve(seed_problem(), method=method, ftol=0.9, rtol=0)
    assert (r.stop_reason, r.status, r.success) == ("ftol", BVPStatus.FTOL, True) and r.niter >= 20
    assert r.history[-21] - r.history[-1] <= 0.9 * r.history[-21]


@pytest.mark.parametrize("method", ["lm", "lbfgs", "adam"])
def test_nan_at_the_start(method):
    p = BVP("u'' + sqrt(u - 5) = 0", (0, 1), ["u(0) = 0", "u(1) = 0"])
    r = warned("not finite", solve, p, method=method)
    assert (r.status, r.stop_reason, r.success, r.niter) == (BVPStatus.NONFINITE, "nan", False, 0)
    assert bool(torch.isfinite(r.theta).all())


def test_nan_during_adam_keeps_the_last_finite_iterate():
    p = BVP("u'' + sqrt(0.1 - u) = 0", (0, 1), ["u(0) = 0", "u(1) = 0"])
    seen = []
    r = warned("not finite after Adam step 2", solve, p, method="adam", lr=0.3,
               callback=lambda s: seen.append(s.theta))
    assert (r.status, r.stop_reason, r.niter) == (BVPStatus.NONFINITE, "nan", 1) and torch.equal(r.theta, seen[-1])
    assert bool(torch.isfinite(r.history).all()) and len(r.history) == 2
    huge = warned("lower lr", solve, seed_problem(), warmup=5, lr=1e200)  # the warm-up's NaN ends the run
    assert (huge.method, huge.stop_reason, huge.niter) == ("adam+lm", "nan", 0)


def test_float32_says_when_precision_stops_the_optimizer():
    lm = warned("float32 precision limit", solve, seed_problem(), dtype=torch.float32, rtol=1e-9)
    assert lm.stop_reason == "no_progress" and "dtype=torch.float64" in lm.message and lm.theta.dtype == torch.float32
    lb = warned("float32 precision limit", solve, seed_problem(), method="lbfgs", dtype=torch.float32, rtol=1e-9)
    assert (lb.stop_reason, lb.status) == ("line_search", BVPStatus.LINE_SEARCH) and "strong-Wolfe" in lb.message
    assert max_error(lm) < 1e-4 and max_error(lb) < 1e-4


# -- resampling -----------------------------------------------------------------------------------------------------


def _steep_problem(k=30.0, c=0.6):
    """u = atan(k(x - c)): a transition of width ~1/k at c."""
    return BVP(f"u'' = -2*{k}^3*(x - {c})/(1 + {k}^2*(x - {c})^2)^2", (0, 1),
               [f"u(0) = atan({k}*(0 - {c}))", f"u(1) = atan({k}*(1 - {c}))"])


def test_resampling_puts_points_in_the_layer_and_beats_fixed_points():
    p, x = _steep_problem(), torch.linspace(0, 1, 1000, dtype=F64)
    common = {"collocation": "uniform", "hidden": (12, 12), "max_iter": 100}
    fixed = warned("max_iter", solve, p, n_points=32, **common)
    rar = warned("max_iter", solve, p, n_points=16, resample={"every": 20, "n_add": 4, "rounds": 4}, **common)
    assert rar.resamples == 4 and rar.x.shape == fixed.x.shape == (32,) and bool((rar.x.diff() >= 0).all())
    added = rar.x[~torch.isin(rar.x, torch.linspace(0, 1, 16, dtype=F64))]
    assert added.shape == (16,) and int(((added - 0.6).abs() < 0.2).sum()) >= 12
    err_fixed, err_rar = (float((r.sol(x) - torch.atan(30 * (x - 0.6))).abs().max()) for r in (fixed, rar))
    assert err_rar < 1e-2 * err_fixed and err_rar < 1e-3  # measured: 5e-2 without, 8e-5 with


def test_resampling_is_reproducible_and_replace_keeps_the_count():
    p = seed_problem()
    runs = [warned("max_iter", solve, p, max_iter=6, resample=Resample(every=2, n_add=3, replace=True),
                   generator=torch.Generator().manual_seed(s)) for s in (5, 5, 6)]
    assert [r.resamples for r in runs] == [3, 3, 3] and runs[0].x.shape == (64,)
    assert torch.equal(runs[0].x, runs[1].x) and not torch.equal(runs[0].x, runs[2].x)
    assert torch.equal(runs[0].theta, runs[1].theta)


def test_resample_schedule():
    every, stall = Resample(every=10), Resample(stall=5, rounds=2)
    assert [k for k in range(1, 31) if every.due(k, [1.0] * (k + 1), 0, 0)] == [10, 20, 30]
    assert not every.due(10, [], 0, every.rounds)
    flat, falling = [1.0] * 10, [2.0**-k for k in range(10)]
    assert stall.due(9, flat, 0, 0) and not stall.due(9, falling, 0, 0) and not stall.due(9, flat, 6, 0)
    assert not stall.due(9, flat, 0, 2) and STALL_FACTOR == 0.5
    assert as_resample(7) == Resample(every=7) and as_resample({"stall": 3}) == Resample(stall=3)


# -- checkpoint / resume --------------------------------------------------------------------------------------------


def _interrupt_at(k):
    def callback(state):
        if state.niter == k:
            raise KeyboardInterrupt

    return callback


@pytest.mark.parametrize("options", [{"method": "lm"}, {"method": "lbfgs", "resample": 7},
                                     {"method": "lm", "warmup": 10, "lr": 1e-2}],
                         ids=["lm", "lbfgs+resample", "adam+lm"])
def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(tmp_path, options):
    p, path = seed_problem(), tmp_path / "run.pt"
    full = warned("max_iter", solve, p, max_iter=30, rtol=0, **options)
    with pytest.raises(KeyboardInterrupt) as info:
        solve(p, max_iter=30, rtol=0, checkpoint=path, callback=_interrupt_at(17), **options)
    assert "saved iteration 17" in info.value.__notes__[0]
    saved = torch.load(path, weights_only=True)
    assert saved["format"] == FORMAT and saved["niter"] == 17 and len(saved["history"]) == 18
    resumed = warned("max_iter", solve, p, max_iter=30, rtol=0, checkpoint=path, resume=True, **options)
    assert resumed.niter == full.niter and resumed.resamples == full.resamples
    assert float((resumed.theta - full.theta).abs().max()) <= 1e-12
    assert torch.allclose(resumed.history, full.history, rtol=1e-12, atol=0) and torch.equal(resumed.x, full.x)
    assert [f.name for f in tmp_path.iterdir()] == ["run.pt"]  # written atomically: no temporary left


def test_checkpoints_during_the_run_and_resume_of_a_finished_one(tmp_path):
    path, seen = tmp_path / "run.pt", []
    r = solve(seed_problem(), rtol=1e-5, checkpoint=path, checkpoint_every=0,
              callback=lambda s: seen.append(torch.load(path, weights_only=True)["niter"]))
    assert seen == list(range(1, r.niter + 1))  # saved after every iteration, before the callback
    again = solve(seed_problem(), rtol=1e-5, checkpoint=path, resume=True)
    assert again.niter == r.niter and torch.equal(again.theta, r.theta) and again.success
    fresh = solve(seed_problem(), rtol=1e-5, checkpoint=tmp_path / "new.pt", resume=True)  # no file yet: start
    assert torch.equal(fresh.theta, r.theta) and (tmp_path / "new.pt").is_file()
    from_path = solve(seed_problem(), rtol=1e-5, theta0=str(path))
    assert from_path.niter == r.niter and torch.equal(from_path.theta, r.theta)


def test_theta0_result_carries_parameters_and_unknowns():
    p = BVP("u'' + k*u = 0", (0, 1), ["u(0) = 0", "u(1) = 0", "u'(0) = pi"], unknowns={"k": 8.0})
    first = warned("max_iter", solve, p, max_iter=3)
    again = warned("max_iter", solve, p, max_iter=0, theta0=first)
    assert again.unknowns == first.unknowns != {"k": 8.0} and torch.equal(again.theta, first.theta)
    assert again.niter == 0 and again.history.tolist() == pytest.approx([first.loss], rel=1e-12)


def test_checkpoint_of_another_run_is_refused(tmp_path):
    path = tmp_path / "run.pt"
    warned("max_iter", solve, seed_problem(), max_iter=2, checkpoint=path)
    with pytest.raises(ValueError, match=r"another run: its sizes"):
        solve(seed_problem(), hidden=(10,), checkpoint=path, resume=True)
    with pytest.raises(ValueError, match="another run: its residuals"):
        solve(BVP("u'' + 2*u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"]), checkpoint=path, resume=True)
    with pytest.raises(ValueError, match="pass the same method= and warmup="):
        solve(seed_problem(), method="lbfgs", checkpoint=path, resume=True)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read"):
        solve(seed_problem(), theta0=tmp_path / "junk.pt")


# -- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("option", "error", "match"), [
    ({"method": "newton"}, ValueError, "method must be one of"),
    ({"warmup": -1}, ValueError, "warmup must be a non-negative integer"),
    ({"lr": 0.0}, ValueError, "lr must be a positive finite number"),
    ({"checkpoint_every": -1}, ValueError, "checkpoint_every"),
    ({"resample": 0}, ValueError, "every must be a positive integer"),
    ({"resample": {"often": 3}}, ValueError, "unknown option 'often'"),
    ({"resample": {"every": 5, "n_add": 20, "candidates": 10}}, ValueError, "n_add=20 exceeds candidates=10"),
    ({"resample": {}}, ValueError, "give every=k"),
    ({"resample": "sometimes"}, TypeError, "resample must be None, an int"),
    ({"resample": {"every": 5, "replace": 1}}, TypeError, "replace must be True or False"),
    ({"checkpoint": "/nonexistent-dir/run.pt"}, ValueError, "directory '/nonexistent-dir' does not exist"),
    ({"checkpoint": 3}, TypeError, "checkpoint must be a path"),
    ({"resume": True}, ValueError, "resume=True needs checkpoint="),
    ({"resume": "yes"}, TypeError, "resume must be True or False"),
    ({"theta0": "/nonexistent-dir/run.pt"}, ValueError, "theta0=.*does not exist"),
    ({"callback": 3}, TypeError, "callback must be callable"),
])
def test_bad_options(option, error, match):
    with pytest.raises(error, match=match):
        solve(seed_problem(), **option)


def test_bad_checkpoint_combinations(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        solve(seed_problem(), checkpoint=tmp_path)
    with pytest.raises(ValueError, match="either resume=True"):
        solve(seed_problem(), checkpoint=tmp_path / "a.pt", resume=True, theta0=tmp_path / "b.pt")
    with pytest.raises(ValueError, match="does not exist; run without resume"):
        solve(seed_problem(), theta0=tmp_path / "missing.pt")
