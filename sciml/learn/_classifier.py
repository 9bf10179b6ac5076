"""A scikit-learn-style face for network classifiers: ``fit``/``predict``/``predict_proba``/``score``."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from sciml._validation import as_tensor, check_int
from sciml.learn._metrics import accuracy
from sciml.learn._networks import MLP


class Classifier:
    """A network classifier with scikit-learn's interface, trained by :func:`sciml.learn.train`.

    ``__init__`` only stores the settings; :meth:`fit` builds the network (an :class:`MLP` with ``hidden``
    layers, unless ``module`` builds another: ``module(in_shape, n_classes) -> nn.Module``), maps the labels
    to ``0 .. k-1`` (``classes_`` keeps them) and trains on cross-entropy.

    Parameters
    ----------
    hidden : sequence of int
        Hidden widths of the default MLP.
    module : callable, optional
        ``module(in_shape, n_classes) -> torch.nn.Module`` giving logits.
    epochs, batch_size, lr, optimizer, weight_decay, patience, scheduler, transform, progress, device :
        Passed to :func:`~sciml.learn.train`.
    dtype : torch.dtype
        Of the network and the inputs (float32 default).
    generator : torch.Generator, optional
        Initial weights and shuffling.

    Attributes
    ----------
    classes_ : tensor
        The labels, sorted; ``predict`` returns them.
    model_ : torch.nn.Module
        The trained network.
    result_ : TrainResult
        The training run; ``history_`` its history.
    n_features_in_ : int
        Features per sample seen by ``fit``.

    Examples
    --------
    >>> from sciml.learn import moons
    >>> g = torch.Generator().manual_seed(0)
    >>> X, y = moons(300, noise=0.1, generator=g)
    >>> clf = Classifier(hidden=(32, 32), epochs=30, lr=1e-2, generator=g).fit(X, y)
    >>> clf.score(X, y) > 0.95, clf.predict_proba(X[:2]).shape
    (True, torch.Size([2, 2]))
    """

    def __init__(self, hidden=(64, 64), *, module=None, epochs: int = 50, batch_size: int = 32, lr: float = 1e-3,
                 optimizer="adam", weight_decay: float = 0.0, patience: int | None = None, scheduler=None,
                 transform=None, dtype=torch.float32, device=None, generator=None, progress: bool = False):
        self.hidden, self.module, self.epochs, self.batch_size, self.lr = hidden, module, epochs, batch_size, lr
        self.optimizer, self.weight_decay, self.patience, self.scheduler = optimizer, weight_decay, patience, scheduler
        self.transform, self.dtype, self.device, self.generator = transform, dtype, device, generator
        self.progress = progress

    def _inputs(self, X, name="X") -> torch.Tensor:
        X = as_tensor(X, name, dtype=self.dtype, finite=True, real=True, nonempty=True)
        if X.dim() < 2:
            raise ValueError(f"{name} must have one sample per row (at least 2 dimensions), got shape "
                             f"{tuple(X.shape)}")
        if hasattr(self, "n_features_in_") and math.prod(X.shape[1:]) != self.n_features_in_:
            raise ValueError(f"{name} has {math.prod(X.shape[1:])} features per sample but the classifier was "
                             f"fitted with {self.n_features_in_}")
        return X

    def _targets(self, y, n: int, name="y") -> torch.Tensor:
        if not isinstance(y, torch.Tensor):
            try:
                y = torch.as_tensor(np.asarray(y))
            except (TypeError, ValueError, RuntimeError) as exc:
                raise TypeError(f"{name} must be class labels (a tensor, array or list of integers), got "
                                f"{type(y).__name__} ({exc})") from None
        if y.is_complex() or y.dtype == torch.bool or (y.is_floating_point() and not bool((y == y.round()).all())):
            raise TypeError(f"{name} must hold class labels (integers), got values of dtype {y.dtype} that are not "
                            "whole numbers")
        if y.dim() != 1 or len(y) != n:
            raise ValueError(f"{name} must be 1-D with one label per sample ({n}), got shape {tuple(y.shape)}")
        return y.to(torch.int64)

    def fit(self, X, y, *, val_data=None) -> Classifier:
        """Train on ``X`` (n, ...) and labels ``y`` (n,); ``val_data=(X_val, y_val)`` for validation metrics and
        early stopping (``patience``). Returns ``self``."""
        from sciml.learn._trainer import train

        X = self._inputs(X)
        y = self._targets(y, len(X))
        self.classes_, encoded = torch.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y must hold at least two classes, got {self.classes_.tolist()}")
        self.n_features_in_ = math.prod(X.shape[1:])
        k = len(self.classes_)
        if self.module is None:
            model = MLP(self.n_features_in_, k, self.hidden, dtype=self.dtype, device=self.device,
                        generator=self.generator)
        else:
            model = self.module(tuple(X.shape[1:]), k)
            if not isinstance(model, nn.Module):
                raise TypeError(f"module(in_shape, n_classes) must return a torch.nn.Module, got "
                                f"{type(model).__name__}")
        val = None
        if val_data is not None:
            Xv = self._inputs(val_data[0], "val_data[0]")
            yv = self._targets(val_data[1], len(Xv), "val_data[1]")
            unknown = ~torch.isin(yv, self.classes_)
            if bool(unknown.any()):
                raise ValueError(f"val_data holds labels not seen in y: {yv[unknown].unique().tolist()}")
            val = (Xv, torch.searchsorted(self.classes_, yv))
        self.result_ = train(model, "cross_entropy", (X, encoded), val_data=val, epochs=check_int(self.epochs, "epochs",
                                                                                                  low=1),
                             batch_size=self.batch_size, optimizer=self.optimizer, lr=self.lr,
                             weight_decay=self.weight_decay, patience=self.patience, scheduler=self.scheduler,
                             transform=self.transform, metrics={"accuracy": accuracy}, device=self.device,
                             generator=self.generator, progress=self.progress)
        self.model_, self.history_ = model, self.result_.history
        return self

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise ValueError("this Classifier is not fitted yet; call fit(X, y) first")

    @torch.no_grad()
    def predict_proba(self, X) -> torch.Tensor:
        """Class probabilities ``(n, len(classes_))``: the softmax of the network's logits."""
        self._check_fitted()
        X = self._inputs(X)
        was = self.model_.training
        self.model_.eval()
        device = next(self.model_.parameters()).device
        out = torch.cat([self.model_(X[i:i + 4096].to(device)).softmax(dim=1) for i in range(0, len(X), 4096)])
        self.model_.train(was)
        return out

    def predict(self, X) -> torch.Tensor:
        """The most probable label of each sample (from ``classes_``)."""
        self._check_fitted()
        return self.classes_[self.predict_proba(X).argmax(dim=1).cpu()]

    def score(self, X, y) -> float:
        """The accuracy on ``(X, y)``."""
        pred = self.predict(X)
        return float((pred == self._targets(y, len(pred))).to(torch.float64).mean())
