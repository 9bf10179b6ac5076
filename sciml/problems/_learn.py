"""Machine-learning problems (kind ``learn``): the exact linear SVM against scikit-learn's ``SVC``, accuracy
floors of MLP classifiers and a VAE's bound on the negative log-likelihood, on data that needs no download.

A problem names a ``task`` (``svm``, ``mlp`` or ``vae``), a ``data`` set (``moons``, ``circles``, ``xor``,
``spirals``, ``digits`` or, for the SVM, the standardized ``breast_cancer`` set) and its settings; the data
are split 70/30 with the problem's ``seed``. References:

- ``sklearn`` (svm): :math:`|P - P_\\text{ref}| / P_\\text{ref}` between the primal objectives of sciml's
  :class:`~sciml.learn.LinearSVM` and of scikit-learn's ``SVC(kernel="linear")`` (libsvm, tol 1e-10);
- ``certificate`` (svm): the relative duality gap :math:`(P(w, b) - D(\\alpha)) / P`, 0 at the optimum;
- ``floor`` (mlp, features standardized by the training set's statistics): the test error rate, held to
  ``1 − floor`` by the tolerance;
- ``bound`` (vae): the test loss, a negative ELBO in nats per image (an upper bound on :math:`-\\log p(x)`);
- ``baseline`` (vae): that loss over the one of the best model of independent pixels (each a Bernoulli with
  its training mean, in closed form), which a VAE must beat (ratio below 1).
"""

from __future__ import annotations

import dataclasses

import torch

from sciml.problems._base import Problem
from sciml.results import Result

TASKS = ("svm", "mlp", "vae")
DATA = ("moons", "circles", "xor", "spirals", "digits", "breast_cancer")


@dataclasses.dataclass(repr=False)
class LearnRun(Result):
    """What a ``learn`` problem's solve gives: the fitted model and its test scores."""

    model: object = dataclasses.field(repr=False)
    success: bool
    message: str
    test_accuracy: float | None = None
    test_loss: float | None = None
    objective: float | None = None
    gap: float | None = None
    data: tuple = dataclasses.field(default=(), repr=False)


@dataclasses.dataclass(eq=False)
class LearnProblem(Problem):
    """Train ``task`` on ``data`` (see the module) and check the answer against its references."""

    kind = "learn"
    capability = "learn"
    reference_labels = {"sklearn": "sklearn.svm.SVC(kernel='linear') objective",
                        "certificate": "duality gap P(w, b) - D(alpha)",
                        "floor": "test error rate (1 - accuracy floor)",
                        "bound": "test negative ELBO, nats per image",
                        "baseline": "ratio to independent Bernoulli pixels (closed form)"}
    _ALLOWED = {"svm": ("sklearn", "certificate"), "mlp": ("floor",), "vae": ("bound", "baseline")}

    task: str = "svm"
    data: str = "moons"
    n_samples: int = 1000
    noise: float = 0.2
    C: float = 1.0
    hidden: list = dataclasses.field(default_factory=lambda: [32, 32])
    latent: int = 4
    epochs: int = 20
    lr: float = 1e-2
    weight_decay: float = 0.0
    batch_size: int = 64
    seed: int = 0

    def __post_init__(self):
        super().__post_init__()
        wrong = sorted(set(self.tolerances) - set(self._ALLOWED[self.task]))
        if wrong:
            raise ValueError(f"tolerances: a {self.task} problem has no reference {wrong[0]!r}; choose from "
                             f"{list(self._ALLOWED[self.task])}")
        if self.task == "vae" and self.data != "digits":
            raise ValueError("a vae problem needs images: data = \"digits\"")
        if self.data == "breast_cancer" and self.task != "svm":
            raise ValueError("data = \"breast_cancer\" is for svm problems (tabular features, two classes)")

    @property
    def method(self) -> str:
        return {"svm": "sciml.learn.LinearSVM", "mlp": "sciml.learn.Classifier",
                "vae": "sciml.learn.VAE + train"}[self.task]

    def statement(self) -> str:
        what = {"svm": f"minimize ½‖w‖² + C Σ max(0, 1 − yᵢ(wᵀxᵢ + b)) with C = {self.C:g}",
                "mlp": f"train an MLP {self.hidden} classifier ({self.epochs} epochs, Adam lr {self.lr:g})",
                "vae": f"train a VAE (latent {self.latent}, hidden {self.hidden}, {self.epochs} epochs) and bound "
                       "−log p(x) on test images"}[self.task]
        return f"{what} on {self.data} (seed {self.seed}, 70/30 split)"

    def _split(self):
        from sciml import learn

        g = torch.Generator().manual_seed(self.seed)
        dtype = torch.float64 if self.task == "svm" else torch.float32
        if self.data == "breast_cancer":
            from sklearn.datasets import load_breast_cancer

            raw = load_breast_cancer()
            X, y = torch.tensor(raw.data, dtype=dtype), torch.tensor(raw.target)
            X, _, _ = learn.standardize(X)
        elif self.data == "digits":
            X, y = learn.digits(dtype=dtype)
        else:
            make = {"moons": learn.moons, "circles": learn.circles, "xor": learn.xor, "spirals": learn.spirals}
            X, y = make[self.data](self.n_samples, noise=self.noise, generator=g, dtype=dtype)
        if self.task == "svm":
            return (X, y), (X, y), g  # the objective is the training problem's
        train, test = learn.train_val_split(X, y, val_fraction=0.3, generator=g)
        if self.task == "mlp":  # features standardized with the training set's statistics
            Xs, mean, std = learn.standardize(train[0])
            train, test = (Xs, train[1]), (learn.standardize(test[0], mean, std)[0], test[1])
        return train, test, g

    def solve(self, **options):
        from sciml import learn

        train, test, g = self._split()
        if self.task == "svm":
            svm = learn.LinearSVM(C=self.C, **options).fit(*train)
            return LearnRun(svm, svm.status_.success, svm.status_.hint, svm.score(*test), None, svm.objective_,
                            svm.gap_, (train, test))
        if self.task == "mlp":
            clf = learn.Classifier(hidden=tuple(self.hidden), epochs=self.epochs, lr=self.lr,
                                   optimizer="adamw" if self.weight_decay else "adam", weight_decay=self.weight_decay,
                                   batch_size=self.batch_size, generator=g, **options).fit(*train)
            return LearnRun(clf, clf.result_.success, clf.result_.message, clf.score(*test), None, None, None,
                            (train, test))
        X = train[0]
        vae = learn.VAE(tuple(X.shape[1:]), latent=self.latent, hidden=tuple(self.hidden), generator=g)
        res = learn.train(vae, "vae", (X, X), epochs=self.epochs, lr=self.lr, batch_size=self.batch_size,
                          generator=g, **options)
        loss = learn.evaluate(vae, "vae", (test[0], test[0]))["loss"]
        return LearnRun(vae, res.success, res.message, None, loss, None, None, (train, test))

    def _sklearn(self):
        from sklearn.svm import SVC

        (X, y), _, _ = self._split()
        svc = SVC(kernel="linear", C=self.C, tol=1e-10).fit(X.numpy(), y.numpy())
        ys = torch.where(y == y.max(), 1.0, -1.0).to(torch.float64)
        w, b = torch.tensor(svc.coef_[0]), float(svc.intercept_[0])
        return float(0.5 * w @ w + self.C * torch.clamp(1 - ys * (X @ w + b), min=0).sum())

    def _baseline(self):
        (X, _), (Xt, _), _ = self._split()
        p = X.double().flatten(1).mean(0).clamp(1e-6, 1 - 1e-6)
        x = Xt.double().flatten(1)
        return float(-(x * p.log() + (1 - x) * (1 - p).log()).sum(1).mean())

    def references(self):
        answers = {"sklearn": self._sklearn, "certificate": lambda: 0.0, "floor": lambda: 1.0,
                   "bound": lambda: 0.0, "baseline": self._baseline}

        def error(run, answer, name):
            if not run.success:
                raise ValueError(f"the run did not succeed: {run.message}")
            return {"sklearn": lambda: abs(run.objective - answer) / answer,
                    "certificate": lambda: abs(run.gap) / run.objective,
                    "floor": lambda: 1.0 - run.test_accuracy,
                    "bound": lambda: run.test_loss,
                    "baseline": lambda: run.test_loss / answer}[name]()

        return [self._reference(name, lambda run, name=name: error(run, answers[name](), name))
                for name in self.tolerances]

    def plot(self, result, fig) -> bool:
        from sciml import learn

        _, (Xt, yt) = result.data
        if self.task == "vae":
            model = result.model
            model.eval()
            with torch.no_grad():
                recon = torch.sigmoid(model(Xt[:8]).logits)
            learn.plot_images(torch.cat([Xt[:8], recon, model.sample(8, generator=torch.Generator().manual_seed(0))]),
                              ncols=8, fig=fig)
            fig.suptitle("test images, their reconstructions, samples from the prior")
            return True
        if Xt.dim() != 2 or Xt.shape[1] != 2:
            return False
        ax = fig.add_subplot()
        learn.plot_decision_boundary(result.model, Xt, yt, kind="margin" if self.task == "svm" else "proba", ax=ax)
        ax.set_title(f"{self.method} on {self.data}: test accuracy {result.test_accuracy:.3f}")
        return True

    @classmethod
    def from_spec(cls, spec, **common):
        task = spec.choice("task", TASKS)
        hidden = spec.list("hidden", [32, 32])
        if not hidden or not all(isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in hidden):
            raise spec.error("hidden", f"must be a list of positive integers such as [32, 32], got {hidden!r}")
        return cls(task=task, data=spec.choice("data", DATA, "moons"), n_samples=spec.int("n_samples", 1000, low=10),
                   noise=spec.number("noise", 0.2, low=0), C=spec.positive("C", 1.0), hidden=hidden,
                   latent=spec.int("latent", 4, low=1), epochs=spec.int("epochs", 20, low=1),
                   lr=spec.positive("lr", 1e-2), weight_decay=spec.number("weight_decay", 0.0, low=0),
                   batch_size=spec.int("batch_size", 64, low=1),
                   seed=spec.int("seed", 0, low=0), **common)
