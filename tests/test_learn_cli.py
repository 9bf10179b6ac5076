"""``sciml train``: every model on offline data at a tiny size, metrics.json and figures written, resume, and the
bad combinations refused with exit code 2 and a message saying what works."""

import json

import pytest

from sciml.cli import main


@pytest.mark.parametrize(("argv", "figures"), [
    (["svm"], ["decision_boundary.png"]),
    (["mlp", "--data", "spirals", "--epochs", "3"], ["history.png", "decision_boundary.png"]),
    (["cnn", "--epochs", "1"], ["history.png", "confusion_matrix.png"]),
    (["resnet", "--epochs", "1", "--batch-size", "32"], ["history.png", "confusion_matrix.png"]),
    (["autoencoder", "--epochs", "1"], ["history.png", "reconstructions.png"]),
    (["vae", "--epochs", "2"], ["history.png", "reconstructions.png", "samples.png"]),
])
def test_every_model_trains_offline(tmp_path, capsys, argv, figures):
    assert main(["train", *argv, "--out", str(tmp_path), "-q"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["figures"] == figures and all((tmp_path / f).is_file() for f in figures)
    assert metrics["status"] == "SUCCESS"
    if argv[0] == "svm":
        assert metrics["test_accuracy"] > 0.8 and abs(metrics["duality_gap"]) < 1e-6 * metrics["objective"]
    elif argv[0] in ("autoencoder", "vae"):
        assert 0 < metrics["test_loss"] < 64 * 0.7  # below the loss of predicting 1/2 for every pixel (64 ln 2)
    else:
        assert metrics["test_accuracy"] > 0.3
    assert "test_" in capsys.readouterr().out


def test_resume_continues_to_more_epochs(tmp_path):
    out = ["--out", str(tmp_path), "-q"]
    assert main(["train", "mlp", "--epochs", "2", *out]) == 0
    assert main(["train", "mlp", "--epochs", "4", "--resume", *out]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs"] == 4 and len(metrics["history"]["loss"]) == 4


@pytest.mark.parametrize(("argv", "message"), [
    (["cnn", "--data", "moons"], "cnn does not take --data moons (2-D points); it takes digits"),
    (["svm", "--data", "digits"], "svm does not take --data digits (images); it takes moons, circles, xor"),
    (["mlp", "--data", "mnist"], "reads the MNIST files from --data-dir DIR"),
    (["mlp", "--epochs", "0"], "--epochs must be at least 1"),
    (["mlp", "--data", "mnist", "--data-dir", "/nonexistent"], "is not a directory"),
    (["mlp", "--resume", "--epochs", "1"], "does not exist; run without resume"),
])
def test_bad_combinations_are_refused(tmp_path, capsys, argv, message):
    assert main(["train", *argv, "--out", str(tmp_path / "o"), "-q"]) == 2
    assert message in capsys.readouterr().err


def test_cifar10_from_a_directory_of_batches(tmp_path, capsys):
    import pickle

    import numpy as np

    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (8, 3072), dtype=np.uint8), b"labels": list(range(8))}
        (tmp_path / name).write_bytes(pickle.dumps(batch))
    out = tmp_path / "out"
    assert main(["train", "cnn", "--data", "cifar10", "--data-dir", str(tmp_path), "--epochs", "1", "--out", str(out),
                 "-q"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_train"] == 40 and metrics["n_test"] == 8


def test_mlp_on_mnist_trains_the_recipe(tmp_path):
    # one epoch of MNIST_MLP's recipe (the default is its 5): standardized pixels, batches of 128 and a one-cycle
    # rate that ends near zero (lr/25e4 at the last step; a constant 1e-3 before the recipe)
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    if not (root / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"{root} is absent")
    assert main(["train", "mlp", "--data", "mnist", "--data-dir", str(root), "--epochs", "1", "--out", str(tmp_path),
                 "-q"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["history"]["lr"][-1] < 1e-5 and metrics["test_accuracy"] >= 0.96
    assert metrics["figures"] == ["history.png", "confusion_matrix.png"]
