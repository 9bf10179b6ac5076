"""sciml.training: checkpoints (atomic, checked), the NaN guard, the optimizer adapters against torch.optim."""

import math
import os

import pytest
import torch

from sciml.results import Status
from sciml.training import (
    AdamStepper,
    Checkpointer,
    LBFGSStepper,
    cached_evaluator,
    callback_stop,
    checkpoint_path,
    finite,
    load_checkpoint,
    max_iter_stop,
    relative_decrease_met,
    save_checkpoint,
)

F64 = torch.float64


def test_checkpoint_round_trip_and_every_mismatch_named(tmp_path):
    path = tmp_path / "run.pt"
    payload = {"z": torch.arange(3, dtype=F64), "history": [3.0, 2.0], "signature": {"sizes": [1, 8, 1]}}
    save_checkpoint(path, payload, format="demo", version=2)
    data = load_checkpoint(path, format="demo", version=2, expected={"sizes": [1, 8, 1]})
    assert torch.equal(data["z"], payload["z"]) and data["history"] == [3.0, 2.0]
    assert os.listdir(tmp_path) == ["run.pt"]  # the temporary file is gone
    with pytest.raises(ValueError, match="is not a other"):
        load_checkpoint(path, format="other", version=2, expected={})
    with pytest.raises(ValueError, match="has version 2; this sciml reads version 3"):
        load_checkpoint(path, format="demo", version=3, expected={})
    with pytest.raises(ValueError, match=r"its sizes is \[1, 8, 1\], this run's is \[1, 4, 1\]; use the same"):
        load_checkpoint(path, format="demo", version=2, expected={"sizes": [1, 4, 1]}, hint="use the same")
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "none.pt", format="demo", version=2, expected={})
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read"):
        load_checkpoint(tmp_path / "bad.pt", format="demo", version=2, expected={})


def test_a_failed_write_keeps_the_previous_checkpoint(tmp_path):
    path = tmp_path / "run.pt"
    save_checkpoint(path, {"n": 1}, format="demo", version=1)
    with pytest.raises(Exception):  # noqa: B017 - whatever torch.save raises for an unpicklable value
        save_checkpoint(path, {"n": 2, "bad": lambda: 0}, format="demo", version=1)
    assert load_checkpoint(path, format="demo", version=1, expected={})["n"] == 1
    assert sorted(os.listdir(tmp_path)) == ["run.pt"]


def test_checkpoint_path_and_checkpointer(tmp_path):
    with pytest.raises(TypeError, match="must be a path"):
        checkpoint_path(3)
    with pytest.raises(ValueError, match="is a directory"):
        checkpoint_path(tmp_path)
    saved = []
    every = Checkpointer(tmp_path / "a.pt", lambda: saved.append(1) or {"n": len(saved)}, every=0.0, format="demo",
                         version=1)
    assert every.due()
    every.save()
    assert saved == [1] and (tmp_path / "a.pt").exists()
    assert not Checkpointer(tmp_path / "b.pt", dict, every=3600.0, format="demo", version=1).due()
    assert not Checkpointer(None, dict, every=0.0, format="demo", version=1).due()


def test_stops_and_guards():
    assert finite(1.0, torch.ones(2)) and not finite(math.nan) and not finite(1.0, torch.tensor([math.inf]))
    assert callback_stop().status is Status.CALLBACK and not callback_stop().success
    stop = max_iter_stop(7, " (resume)")
    assert stop.status is Status.MAX_ITER and stop.message.endswith("raise max_iter (resume)")
    assert relative_decrease_met([1.0, 0.5, 0.4999, 0.4998], 2, 1e-3)
    assert not relative_decrease_met([1.0, 0.5, 0.4999, 0.4998], 2, 0.0)  # ftol = 0: off
    assert not relative_decrease_met([1.0, 0.5], 2, 0.5)  # too short a history


def _residual(z):
    return torch.stack([10 * (z[1] - z[0] ** 2), 1 - z[0], 0.1 * z[0] * z[1]])


def test_adam_stepper_is_torch_adam():
    z0 = torch.tensor([-1.2, 1.0], dtype=F64)
    ours = z0.clone().requires_grad_(True)
    stepper, evaluate = AdamStepper(ours, 1e-2), cached_evaluator(_residual)
    theirs = z0.clone().requires_grad_(True)
    opt = torch.optim.Adam([theirs], lr=1e-2)
    for _ in range(20):
        stepper.step(evaluate(ours)[2])
        opt.zero_grad()
        r = _residual(theirs)
        (r @ r).backward()
        opt.step()
    assert torch.equal(ours, theirs)
    resumed = AdamStepper(ours.detach().clone().requires_grad_(True), 1e-2, stepper.state_dict())
    assert resumed.state_dict()["state"][0]["step"] == 20


def test_lbfgs_stepper_direction_ignores_the_objective_scale():
    """Dividing the loss by its current value and rescaling the pairs leaves the iterates those of plain
    L-BFGS (to rounding), and they converge where torch's absolute curvature threshold would stall."""
    z0 = torch.tensor([-1.2, 1.0], dtype=F64)
    runs = []
    for scale_each_step in (False, True):
        z = z0.clone().requires_grad_(True)
        evaluate = cached_evaluator(_residual)
        stepper = LBFGSStepper(z, evaluate, scale=evaluate(z)[0], history=10, max_ls=25)
        for _ in range(12):
            stepper.step()
            if scale_each_step:
                stepper.rescale(evaluate(z)[0])
        runs.append(z.detach().clone())
    torch.testing.assert_close(runs[0], runs[1], rtol=1e-9, atol=1e-12)
    plain = z0.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([plain], lr=1, max_iter=1, max_eval=26, history_size=10, tolerance_grad=0.0,
                            tolerance_change=0.0, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        r = _residual(plain)
        loss = (r @ r) / float(_residual(z0) @ _residual(z0))
        loss.backward()
        return loss

    for _ in range(12):
        opt.step(closure)
    torch.testing.assert_close(runs[0], plain.detach(), rtol=1e-9, atol=1e-12)
