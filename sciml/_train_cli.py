"""``sciml train MODEL --data SET``: train one of sciml.learn's models, write its metrics (JSON) and figures.

The defaults need nothing downloaded: ``sciml train mlp`` trains on scikit-learn's bundled 8×8 digits,
``sciml train svm`` on two moons. MNIST, Fashion-MNIST and CIFAR-10 are read from ``--data-dir``;
``sciml train mlp --data mnist`` trains :data:`sciml.learn.MNIST_MLP`'s recipe (784-128-128-10 on standardized
pixels, Adam under a one-cycle rate, 5 epochs, batches of 128: about 98 % on the test set). A model that
does not fit the data (a CNN on 2-D points) is refused with the combinations that work. Training writes
``OUT/checkpoint.pt`` after every epoch, so ``--resume`` continues an interrupted run where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from pathlib import Path

MODELS = ("svm", "mlp", "cnn", "resnet", "autoencoder", "vae")
POINTS = ("moons", "circles", "xor", "spirals")
IMAGES = ("digits", "mnist", "fashion-mnist", "cifar10")
#: the data sets each model takes, the first being its default
ACCEPTS = {"svm": ("moons", "circles", "xor"), "mlp": ("digits", *POINTS, "mnist", "fashion-mnist", "cifar10"),
           "cnn": IMAGES, "resnet": IMAGES, "autoencoder": IMAGES, "vae": IMAGES}
#: default epochs: a minute or less on two cores
EPOCHS = {"svm": 1, "mlp": 30, "cnn": 10, "resnet": 5, "autoencoder": 10, "vae": 10}
_BIG = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}


def add_parser(sub) -> None:
    """Register ``train`` on the ``sub`` sub-parsers of ``sciml``."""
    p = sub.add_parser("train", help="train a model of sciml.learn on a data set; write metrics.json and figures",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("model", choices=MODELS, help="what to train")
    p.add_argument("--data", choices=(*POINTS, *IMAGES),
                   help="the data set (default: digits for the networks, moons for svm; none needs a download)")
    p.add_argument("--data-dir", metavar="DIR", help="directory holding the MNIST/Fashion-MNIST IDX files or the "
                   "CIFAR-10 python batches")
    p.add_argument("--epochs", type=int, metavar="N", help="epochs (default: per model, about a minute at most)")
    p.add_argument("--batch-size", type=int, default=None, metavar="N",
                   help="samples per step (default 64; 128 for mlp on mnist, its recipe)")
    p.add_argument("--lr", type=float, default=None, help="learning rate of Adam (default 1e-3; 1e-2 on 2-D data; "
                   "for mlp on mnist the one-cycle peak, 4e-3)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data split, initial weights and shuffling")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default cpu)")
    p.add_argument("--out", metavar="DIR", default="sciml-out/train",
                   help="folder for metrics.json, the figures and checkpoint.pt (default: sciml-out/train)")
    p.add_argument("--resume", action="store_true", help="continue the run in OUT/checkpoint.pt")
    p.add_argument("--threads", type=int, default=1, metavar="N", help="torch threads (default 1: the default "
                   "sets train fastest on one; raise it for MNIST-size runs)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _check(args) -> str:
    data = args.data or ACCEPTS[args.model][0]
    if data not in ACCEPTS[args.model]:
        kind = "2-D points" if data in POINTS else "images"
        raise ValueError(f"{args.model} does not take --data {data} ({kind}); it takes "
                         f"{', '.join(ACCEPTS[args.model])}" + ("; for 2-D points use mlp or svm"
                                                               if data in POINTS else ""))
    if data in _BIG and not args.data_dir:
        raise ValueError(f"--data {data} reads the {_BIG[data]} files from --data-dir DIR (nothing is downloaded); "
                         "without it, use --data digits")
    for name in ("epochs", "batch_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise ValueError(f"--lr must be a positive number, got {args.lr}")
    return data


def _load(data: str, args, g):
    """``(train, test)`` pairs of tensors; for the small sets a seeded 70/30 (digits 75/25) split."""
    import torch

    from sciml import learn

    if data in _BIG:
        loader = {"mnist": learn.load_mnist, "fashion-mnist": learn.load_fashion_mnist,
                  "cifar10": learn.load_cifar10}[data]
        return loader(args.data_dir), loader(args.data_dir, train=False)
    if data == "digits":
        X, y = learn.digits()
        return learn.train_val_split(X, y, val_fraction=0.25, generator=g)
    make = {"moons": learn.moons, "circles": learn.circles, "xor": learn.xor, "spirals": learn.spirals}[data]
    X, y = make(1000, generator=g, dtype=torch.float64 if args.model == "svm" else None)
    return learn.train_val_split(X, y, val_fraction=0.3, generator=g)


def _network(model: str, shape, n_classes: int, g):
    from sciml import learn

    if model == "mlp":
        return learn.MLP(math.prod(shape), n_classes, (64, 64) if len(shape) == 1 else (128, 128), generator=g)
    if model == "cnn":
        return learn.CNN(shape[0], n_classes, image_size=shape[-1], channels=(16, 32, 64), generator=g)
    if model == "resnet":
        return learn.ResNet(shape[0], n_classes, channels=(16, 32, 64), generator=g)
    if model == "autoencoder":
        return learn.Autoencoder(shape, latent=16 if shape[-1] > 8 else 8, generator=g)
    return learn.VAE(shape, latent=20 if shape[-1] > 8 else 4, generator=g)


def _figures(model_name, model, train_set, test, result, out: Path, g) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from sciml import learn

    written = []

    def save(fig, name):
        fig.savefig(out / name, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(name)

    if result is not None:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        learn.plot_history(result.history, [k for k in result.history.keys() if "loss" in k], ax=ax)
        ax.set_yscale("log")
        save(fig, "history.png")
    X, y = test
    if X.dim() == 2:
        fig, ax = plt.subplots(figsize=(5, 4))
        learn.plot_decision_boundary(model, X, y, kind="margin" if model_name == "svm" else "proba", ax=ax)
        save(fig, "decision_boundary.png")
    elif model_name in ("mlp", "cnn", "resnet"):
        with torch.no_grad():
            model.eval()
            pred = torch.cat([model(X[i:i + 1000]).argmax(1) for i in range(0, len(X), 1000)])
        fig, ax = plt.subplots(figsize=(6, 5))
        learn.plot_confusion_matrix(learn.confusion_matrix(pred, y, n_classes=int(y.max()) + 1), ax=ax)
        save(fig, "confusion_matrix.png")
    else:
        with torch.no_grad():
            model.eval()
            out_ = model(X[:16])
            recon = torch.sigmoid(out_.logits if model_name == "vae" else out_)
        fig = plt.figure(figsize=(8, 2.4))
        learn.plot_images(torch.cat([X[:8], recon[:8]]), ncols=8, fig=fig)
        save(fig, "reconstructions.png")
        if model_name == "vae":
            fig = plt.figure(figsize=(8, 2.4))
            learn.plot_images(model.sample(16, generator=g), ncols=8, fig=fig)
            save(fig, "samples.png")
    return written


def run(args, out) -> int:
    """The ``train`` command: returns 0 when the run succeeded, 1 when it stopped on a NaN."""
    import torch

    from sciml import learn

    data = _check(args)
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(args.seed)
    train_set, test = _load(data, args, g)
    started = time.perf_counter()
    metrics: dict = {"model": args.model, "data": data, "n_train": len(train_set[0]), "n_test": len(test[0])}
    result = None
    if args.model == "svm":
        if args.resume:
            raise ValueError("svm is solved exactly in one go; there is nothing to --resume")
        model = learn.LinearSVM(C=1.0).fit(*train_set)
        metrics.update(objective=model.objective_, duality_gap=model.gap_, status=model.status_.name,
                       train_accuracy=model.score(*train_set), test_accuracy=model.score(*test))
        ok = model.status_.success
    else:
        X, y = train_set
        n_classes = int(torch.cat([y, test[1]]).max()) + 1
        recipe = args.model == "mlp" and data == "mnist"
        model = learn.mnist_mlp(generator=g) if recipe else _network(args.model, tuple(X.shape[1:]), n_classes, g)
        generative = args.model in ("autoencoder", "vae")
        loss = {"autoencoder": "reconstruction", "vae": "vae"}.get(args.model, "cross_entropy")
        lr = args.lr or (1e-2 if X.dim() == 2 else 1e-3)
        pairs = ((X, X), (test[0], test[0])) if generative else (train_set, test)
        if recipe:  # the MNIST MLP's recipe, with the options given on the command line
            batch = {"batch_size": args.batch_size} if args.batch_size else {}
            schedule = dataclasses.replace(learn.MNIST_MLP, **batch).options(len(X), epochs=args.epochs, lr=args.lr)
        else:
            schedule = {"epochs": args.epochs or EPOCHS[args.model], "batch_size": args.batch_size or 64, "lr": lr}
        result = learn.train(model, loss, pairs[0], val_data=pairs[1], **schedule, metrics=None if generative else
                             {"accuracy": learn.accuracy}, generator=g, device=args.device,
                             checkpoint=folder / "checkpoint.pt", checkpoint_every=60.0, resume=args.resume,
                             progress=not args.quiet and sys.stderr.isatty())
        model.to("cpu")
        metrics.update(status=result.status.name, message=result.message, epochs=result.nit,
                       history=result.history.values)
        metrics.update({f"test_{k.removeprefix('val_')}": v[-1] for k, v in result.history.values.items()
                        if k.startswith("val_")})
        ok = result.success
    metrics["seconds"] = time.perf_counter() - started
    metrics["figures"] = _figures(args.model, model, train_set, test, result, folder, g)
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    summary = ", ".join(f"{k} {metrics[k]:.4g}" for k in ("test_accuracy", "test_loss", "objective") if k in metrics)
    print(f"{args.model} on {data}: {metrics['status']}; {summary}; {metrics['seconds']:.1f} s", file=out)
    print(f"wrote {folder / 'metrics.json'} and {', '.join(metrics['figures'])}", file=out)
    return 0 if ok else 1
