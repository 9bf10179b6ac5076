"""sciml.learn.Recipe, MNIST_MLP and mnist_mlp: the one-cycle schedule against its closed form, the
standardizing layer against standardize(), the network's shape and MNIST's statistics. The quick MNIST floor
(one epoch) runs through the CLI in test_learn_cli.py; the 5-epoch, every-seed target in test_learn_targets.py
(slow)."""

import math
import pathlib

import pytest
import torch

from sciml import learn
from sciml.learn import MLP, MNIST_MEAN, MNIST_MLP, MNIST_STD, Recipe, Standardize, mnist_mlp, standardize

DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def _one_cycle(k, total, peak, pct):
    """OneCycleLR's rate at step k (Smith & Topin; torch's cosine, two phases), written out."""
    start, end = peak / 25, peak / 25 / 1e4
    up = pct * total - 1
    if k <= up:
        return start + (peak - start) * (1 - math.cos(math.pi * k / up)) / 2
    t = (k - up) / (total - 1 - up)
    return peak + (end - peak) * (1 - math.cos(math.pi * t)) / 2


def test_the_schedule_is_the_one_cycle_closed_form():
    r = Recipe(epochs=3, batch_size=32, lr=5e-3, pct_start=0.3)
    opts = r.options(300)  # ceil(300 / 32) = 10 steps per epoch, 30 in all
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([param], lr=opts["lr"])
    sched = opts["scheduler"](opt)
    rates = []
    for _ in range(30):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert rates == pytest.approx([_one_cycle(k, 30, 5e-3, 0.3) for k in range(30)], rel=1e-12)
    assert max(rates) == pytest.approx(5e-3, rel=1e-12) and rates[-1] == pytest.approx(5e-3 / 25e4, rel=1e-12)
    assert {k: opts[k] for k in ("epochs", "batch_size", "optimizer", "weight_decay", "scheduler_step")} == {
        "epochs": 3, "batch_size": 32, "optimizer": "adam", "weight_decay": 0.0, "scheduler_step": "batch"}
    assert r.options(300, epochs=1, lr=1e-2)["scheduler"](opt).total_steps == 10


def test_a_recipe_drives_train_to_the_end_of_its_schedule():
    g = torch.Generator().manual_seed(0)
    X, y = learn.digits()
    r = Recipe(epochs=8, batch_size=64, lr=1e-2, optimizer="adamw", weight_decay=1e-4)
    net = MLP(64, 10, (32,), generator=g)
    res = learn.train(net, "cross_entropy", (X, y), generator=g, **r.options(len(X)))
    # 29 steps per epoch: the rate recorded after epoch 8 is the schedule's after its 232nd and last step
    assert res.nit == 8 and res.history["lr"][-1] == pytest.approx(_one_cycle(232, 232, 1e-2, 0.3), rel=1e-9)
    assert learn.evaluate(net, "cross_entropy", (X, y), metrics={"accuracy": learn.accuracy})["accuracy"] > 0.95


def test_a_resumed_run_keeps_its_schedule(tmp_path):
    X, y = learn.digits()
    r = Recipe(epochs=2, batch_size=128, lr=1e-2)  # 15 steps per epoch
    g = torch.Generator().manual_seed(0)
    learn.train(MLP(64, 10, (8,), generator=g), "cross_entropy", (X, y), generator=g, checkpoint=tmp_path / "c.pt",
                **r.options(len(X)))
    with pytest.raises(ValueError, match=r"after step 1 of epoch 3.*resume with the same epochs"):
        learn.train(MLP(64, 10, (8,)), "cross_entropy", (X, y), generator=g, checkpoint=tmp_path / "c.pt",
                    resume=True, **r.options(len(X), epochs=3))


def test_standardize_layer_matches_the_function():
    x = torch.rand(5, 3, 4, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    mean, std = x.mean(dim=(0, 2, 3), keepdim=True), x.std(dim=(0, 2, 3), keepdim=True, correction=0)
    expected, _, _ = standardize(x, mean, std)
    layer = Standardize(mean[0], std[0])
    assert torch.allclose(layer(x), expected, rtol=1e-15, atol=1e-15)
    assert layer(x.float()).dtype == torch.float32 and not list(layer.parameters()) and not layer.state_dict()
    for bad in ((0.5, 0.0), (float("nan"), 1.0), (0.0, -1.0)):
        with pytest.raises(ValueError, match="positive finite std"):
            Standardize(*bad)
    with pytest.raises(TypeError, match="mean must be a real number or a tensor, got str"):
        Standardize("0.5", 1.0)
    with pytest.raises(ValueError, match=r"shapes \(3, 1, 1\) and \(3, 1, 1\) do not broadcast"):
        layer(torch.zeros(2, 4, 4, 4))


def test_mnist_mlp_is_784_128_128_10_on_standardized_pixels():
    g = torch.Generator().manual_seed(3)
    net = mnist_mlp(generator=g)
    plain = MLP(784, 10, (128, 128), generator=torch.Generator().manual_seed(3))
    shapes = [tuple(p.shape) for p in net.parameters()]
    assert shapes == [(128, 784), (128,), (128, 128), (128,), (10, 128), (10,)]
    x = torch.rand(4, 1, 28, 28, generator=g)
    assert torch.allclose(net(x), plain((x - MNIST_MEAN) / MNIST_STD), rtol=1e-6, atol=1e-6)
    assert mnist_mlp(dtype=torch.float64)(x.double()).dtype == torch.float64


def test_the_mnist_recipe_keeps_the_issues_terms():
    # the target is stated for Adam and 5 epochs; the recipe may only choose the batches and the schedule
    assert (MNIST_MLP.epochs, MNIST_MLP.optimizer, MNIST_MLP.weight_decay) == (5, "adam", 0.0)


def test_mnist_statistics_are_the_training_sets():
    if not (DATA / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"{DATA} is absent")
    X, _ = learn.load_mnist(DATA)
    assert float(X.double().mean()) == pytest.approx(MNIST_MEAN, abs=5e-5)
    assert float(X.double().std()) == pytest.approx(MNIST_STD, abs=5e-5)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"epochs": 0}, "epochs must be"), ({"batch_size": 0}, "batch_size must be"), ({"lr": 0.0}, "lr must be"),
    ({"optimizer": "sgd"}, "optimizer must be one of"), ({"pct_start": 1.5}, "pct_start must be"),
])
def test_bad_recipes_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Recipe(**{"epochs": 1, "batch_size": 8, "lr": 1e-3, **kwargs})
