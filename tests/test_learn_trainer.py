"""sciml.learn.train: the loop on the shared core — quick accuracy floors, early stopping with the best weights,
schedulers, clipping, bit-identical resume after a kill mid-epoch, the NaN guard, callbacks and bad input."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F

from sciml.learn import (
    MLP,
    VAE,
    Classifier,
    History,
    TrainStatus,
    TrainWarning,
    accuracy,
    digits,
    evaluate,
    moons,
    spirals,
    train,
    train_val_split,
    vae_loss,
    xor,
)
from sciml.results import ConvergenceError


def _moons(seed, n=1000):
    g = torch.Generator().manual_seed(seed)
    X, y = moons(n, noise=0.2, generator=g)
    return train_val_split(X, y, val_fraction=0.3, generator=g), g


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moons_mlp_floor(seed):
    # the floor: >= 96.5 % test accuracy on every seed (Bayes accuracy at noise 0.2 is about 97 %)
    ((X, y), (Xt, yt)), g = _moons(seed, 2000)
    clf = Classifier(hidden=(32, 32), epochs=40, lr=1e-2, batch_size=64, generator=g).fit(X, y)
    assert clf.score(Xt, yt) >= 0.965
    assert clf.result_.success and len(clf.history_) == 40


def test_moons_floor_matches_sklearn_mlp():
    # an independent reference: scikit-learn's MLPClassifier on the same split reaches the same level
    from sklearn.neural_network import MLPClassifier

    ((X, y), (Xt, yt)), g = _moons(0, 2000)
    ref = MLPClassifier((32, 32), max_iter=400, random_state=0).fit(X.numpy(), y.numpy()).score(Xt.numpy(),
                                                                                              yt.numpy())
    ours = Classifier(hidden=(32, 32), epochs=40, lr=1e-2, batch_size=64, generator=g).fit(X, y).score(Xt, yt)
    assert ours >= ref - 0.01


def test_digits_mlp_floor():
    g = torch.Generator().manual_seed(0)
    X, y = digits()
    (X, y), (Xt, yt) = train_val_split(X, y, val_fraction=0.25, generator=g)
    clf = Classifier(hidden=(128,), epochs=30, lr=3e-3, batch_size=32, generator=g).fit(X, y)
    assert clf.score(Xt, yt) >= 0.975


def test_xor_and_spirals_are_learned():
    g = torch.Generator().manual_seed(0)
    X, y = xor(500, generator=g)
    assert Classifier(hidden=(16, 16), epochs=60, lr=1e-2, generator=g).fit(X, y).score(X, y) >= 0.97
    X, y = spirals(600, n_classes=3, noise=0.1, generator=g)
    assert Classifier(hidden=(64, 64), epochs=80, lr=1e-2, generator=g).fit(X, y).score(X, y) >= 0.95


def test_classifier_keeps_arbitrary_labels():
    g = torch.Generator().manual_seed(0)
    X, y = moons(200, noise=0.05, generator=g)
    clf = Classifier(hidden=(16,), epochs=20, lr=1e-2, generator=g).fit(X, 5 * y + 3)
    assert clf.classes_.tolist() == [3, 8]
    assert set(clf.predict(X).tolist()) <= {3, 8}
    p = clf.predict_proba(X)
    torch.testing.assert_close(p.sum(1), torch.ones(200), rtol=0, atol=1e-6)


def test_history_matches_an_evaluation_after_training():
    ((X, y), (Xv, yv)), g = _moons(3, 400)
    net = MLP(2, 2, hidden=(16,), generator=g)
    res = train(net, "cross_entropy", (X, y), val_data=(Xv, yv), epochs=3, metrics={"accuracy": accuracy},
                generator=g)
    again = evaluate(net, F.cross_entropy, (Xv, yv), metrics={"accuracy": accuracy})
    assert res.history["val_loss"][-1] == pytest.approx(again["loss"], rel=1e-6)
    assert res.history["val_accuracy"][-1] == pytest.approx(again["accuracy"])
    assert res.history.epochs == [1, 2, 3] and set(res.history.keys()) >= {"loss", "accuracy", "lr", "seconds"}


def test_early_stopping_restores_the_best_weights():
    ((X, y), (Xv, yv)), g = _moons(4, 300)
    net = MLP(2, 2, hidden=(64, 64), generator=g)
    res = train(net, "cross_entropy", (X, y), val_data=(Xv, yv), epochs=200, lr=3e-2, patience=3, generator=g)
    assert res.status == TrainStatus.EARLY_STOPPED and res.success
    assert res.nit == res.best_epoch + 3 < 200
    assert res.best == min(res.history["val_loss"])
    assert evaluate(net, "cross_entropy", (Xv, yv))["loss"] == pytest.approx(res.best, rel=1e-6)


def test_monitor_accuracy_in_max_mode():
    ((X, y), (Xv, yv)), g = _moons(5, 300)
    res = train(MLP(2, 2, hidden=(16,), generator=g), "cross_entropy", (X, y), val_data=(Xv, yv), epochs=6,
                metrics={"accuracy": accuracy}, monitor="val_accuracy", generator=g)
    assert res.best == max(res.history["val_accuracy"]) and res.monitor == "val_accuracy"


def test_schedulers_change_the_learning_rate():
    ((X, y), (Xv, yv)), g = _moons(6, 200)
    res = train(MLP(2, 2, hidden=(8,), generator=g), "cross_entropy", (X, y), epochs=4, lr=0.1, generator=g,
                scheduler=lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5))
    assert res.history["lr"] == pytest.approx([0.1, 0.05, 0.025, 0.0125])
    res = train(MLP(2, 2, hidden=(8,), generator=g), "cross_entropy", (X, y), val_data=(Xv, yv), epochs=6,
                lr=0.1, optimizer="sgd", generator=g,
                scheduler=lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, threshold=10.0))
    assert res.history["lr"][-1] < 0.1  # no epoch improves by the huge threshold: the rate is cut


def test_a_scheduler_stepped_per_batch():
    # 200 samples in batches of 64: 4 steps per epoch; a linear decay over the 12 steps of 3 epochs, recorded
    # at each epoch's end, is 0.1 * (1 - 4k/12) after epoch k, down to 0 after the last step
    ((X, y), _), g = _moons(6, 286)
    assert len(X) == 200
    steps = []

    def decay(opt):
        def factor(k):
            steps.append(k)
            return 1 - k / 12
        return torch.optim.lr_scheduler.LambdaLR(opt, factor)

    res = train(MLP(2, 2, hidden=(8,), generator=g), "cross_entropy", (X, y), epochs=3, lr=0.1, generator=g,
                scheduler=decay, scheduler_step="batch")
    assert res.history["lr"] == pytest.approx([0.1 * 8 / 12, 0.1 * 4 / 12, 0.0], abs=1e-15)
    assert steps == list(range(13))  # the initial rate, then one step per batch
    with pytest.raises(ValueError, match="cannot drive ReduceLROnPlateau"):
        train(MLP(2, 2, hidden=(8,)), "cross_entropy", (X, y), scheduler_step="batch",
              scheduler=torch.optim.lr_scheduler.ReduceLROnPlateau)
    with pytest.raises(ValueError, match="scheduler_step must be one of"):
        train(MLP(2, 2, hidden=(8,)), "cross_entropy", (X, y), scheduler_step="step")


def test_gradient_clipping_bounds_the_step():
    torch.manual_seed(0)
    X, y = torch.randn(8, 2) * 1e4, torch.zeros(8, dtype=torch.int64)
    g = torch.Generator().manual_seed(0)
    net = MLP(2, 2, hidden=(4,), generator=g)
    before = torch.nn.utils.parameters_to_vector(net.parameters()).detach().clone()
    train(net, "cross_entropy", (X, y), epochs=1, batch_size=8, optimizer="sgd", lr=1.0, clip_grad_norm=1e-3,
          generator=g)
    step = torch.nn.utils.parameters_to_vector(net.parameters()).detach() - before
    assert float(step.norm()) <= 1e-3 * (1 + 1e-5)


class _Kill(Exception):
    pass


def _vae_run(tmp_path, *, kill_at=None, resume=False, epochs=3, per_batch=False):
    g = torch.Generator().manual_seed(0)
    X, _ = digits()
    X = X[:300]
    vae = VAE((1, 8, 8), latent=2, hidden=(16,), generator=g)
    calls = {"n": 0}

    def loss(out, x):
        calls["n"] += 1
        if kill_at is not None and calls["n"] == kill_at:
            raise _Kill
        return vae_loss(out, x)

    if per_batch:  # 10 batches per epoch
        def scheduler(opt):
            return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-2, total_steps=10 * epochs)
    else:
        def scheduler(opt):
            return torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    res = train(vae, loss, (X, X), epochs=epochs, batch_size=32, lr=1e-2, generator=g, checkpoint=tmp_path / "run.pt",
                checkpoint_every=0.0, resume=resume, scheduler=scheduler,
                scheduler_step="batch" if per_batch else "epoch")
    return vae, res


@pytest.mark.parametrize("per_batch", [False, True])
def test_a_run_killed_mid_epoch_resumes_bit_identically(tmp_path, per_batch):
    # 10 batches per epoch; the kill comes in the middle of epoch 2. The VAE's noise, the shuffling and the
    # scheduler (stepped per epoch, or per batch as OneCycleLR) all depend on state that the checkpoint must carry.
    (tmp_path / "a").mkdir()
    whole, res_whole = _vae_run(tmp_path / "a", per_batch=per_batch)
    (tmp_path / "b").mkdir()
    with pytest.raises(_Kill):
        _vae_run(tmp_path / "b", kill_at=15, per_batch=per_batch)
    resumed, res = _vae_run(tmp_path / "b", resume=True, per_batch=per_batch)
    for p, q in zip(whole.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(p, q)
    assert res.history["loss"] == res_whole.history["loss"]
    assert res.history["lr"] == res_whole.history["lr"]
    assert res.nit == 3


def test_resume_refuses_another_run(tmp_path):
    g = torch.Generator().manual_seed(0)
    X, y = moons(64, generator=g)
    train(MLP(2, 2, hidden=(4,), generator=g), "cross_entropy", (X, y), epochs=1, checkpoint=tmp_path / "r.pt")
    with pytest.raises(ValueError, match="another run: its shapes"):
        train(MLP(2, 2, hidden=(5,), generator=g), "cross_entropy", (X, y), epochs=2, checkpoint=tmp_path / "r.pt",
              resume=True)
    with pytest.raises(ValueError, match="needs checkpoint"):
        train(MLP(2, 2, hidden=(4,)), "cross_entropy", (X, y), resume=True)


def test_nan_loss_stops_with_a_status_and_keeps_the_last_finite_weights():
    g = torch.Generator().manual_seed(0)
    X, y = moons(64, generator=g)
    net = MLP(2, 2, hidden=(4,), generator=g)
    calls = {"n": 0}
    snapshots = []

    def loss(out, target):
        calls["n"] += 1
        if calls["n"] == 5:
            snapshots.append(torch.nn.utils.parameters_to_vector(net.parameters()).detach().clone())
            return out.sum() * float("nan")
        return F.cross_entropy(out, target)

    with pytest.warns(TrainWarning, match="loss became nan in epoch 1, batch 5"):
        res = train(net, loss, (X, y), epochs=3, batch_size=8, generator=g)
    assert res.status == TrainStatus.NONFINITE and not res.success
    assert torch.equal(torch.nn.utils.parameters_to_vector(net.parameters()), snapshots[0])
    with pytest.raises(ConvergenceError):
        train(MLP(2, 2, hidden=(4,)), lambda o, t: o.sum() * math.inf, (X, y), epochs=1, throw=True)


def test_weights_gone_infinite_are_rolled_back_to_the_epoch_start():
    g = torch.Generator().manual_seed(0)
    X, y = moons(64, generator=g)
    net = MLP(2, 2, hidden=(4,), generator=g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = train(net, "cross_entropy", (X, y), epochs=5, batch_size=8, optimizer="sgd", lr=1e30, generator=g)
    assert res.status == TrainStatus.NONFINITE
    assert all(bool(torch.isfinite(p).all()) for p in net.parameters())


def test_callback_sees_every_epoch_and_can_stop():
    ((X, y), _), g = _moons(7, 100)
    seen = []

    def callback(intermediate):
        seen.append(intermediate.nit)
        if intermediate.nit == 2:
            raise StopIteration

    with pytest.warns(TrainWarning, match="callback"):
        res = train(MLP(2, 2, hidden=(4,), generator=g), "cross_entropy", (X, y), epochs=5, callback=callback)
    assert seen == [1, 2] and res.status == TrainStatus.CALLBACK


def test_history_pads_new_keys():
    h = History()
    h.append(1, {"loss": 1.0})
    h.append(2, {"loss": 0.5, "val_loss": 0.7})
    assert math.isnan(h["val_loss"][0]) and h["val_loss"][1] == 0.7
    with pytest.raises(KeyError, match="holds"):
        h["accuracy"]


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), [
    ((torch.zeros(4, 2), torch.tensor([0, 1, 2, 0])), {}, ValueError, "must lie in 0..1"),
    ((torch.zeros(4, 2), torch.tensor([0.0, 1.0, 1.0, 0.0])), {}, TypeError, "torch.int64"),
    ((torch.zeros(4, 3), torch.tensor([0, 1, 1, 0])), {}, ValueError, r"inputs of shape \(3,\).*do not fit"),
    ((torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64)), {}, ValueError, "empty"),
    ((torch.zeros(4, 2), torch.tensor([0, 1, 1])), {}, ValueError, "4 inputs but 3 targets"),
    ((torch.zeros(4, 2), torch.tensor([0, 1, 1, 0])), {"monitor": "val_acc"}, ValueError, "monitor must be one of"),
    ((torch.zeros(4, 2), torch.tensor([0, 1, 1, 0])), {"optimizer": "adamm"}, ValueError, "did you mean 'adam'"),
    ((torch.zeros(4, 2), torch.tensor([0, 1, 1, 0])), {"epochs": 0}, ValueError, "epochs must be a positive"),
])
def test_bad_input_is_named(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        train(MLP(2, 2, hidden=(4,)), "cross_entropy", args, **kwargs)


def test_classifier_bad_input():
    clf = Classifier(epochs=1)
    with pytest.raises(ValueError, match="not fitted"):
        clf.predict(torch.zeros(2, 2))
    with pytest.raises(TypeError, match="class labels"):
        clf.fit(torch.zeros(4, 2), torch.tensor([0.5, 1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="two classes"):
        clf.fit(torch.zeros(4, 2), torch.tensor([1, 1, 1, 1]))
    clf.fit(torch.randn(4, 2), torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="3 features per sample but the classifier was fitted with 2"):
        clf.predict(torch.zeros(2, 3))


def test_unusable_device_is_named():
    X, y = moons(16, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="device='nowhere' cannot be used here"):
        train(MLP(2, 2, hidden=(4,)), "cross_entropy", (X, y), device="nowhere")


def test_lbfgs_gets_a_closure_full_batch():
    ((X, y), _), g = _moons(8, 300)
    net = MLP(2, 2, hidden=(16,), generator=g)
    res = train(net, "cross_entropy", (X, y), epochs=15, batch_size=len(X), generator=g,
                optimizer=lambda p: torch.optim.LBFGS(p, max_iter=10, line_search_fn="strong_wolfe"))
    assert res.success and res.history["loss"][-1] < 0.5 * res.history["loss"][0]
