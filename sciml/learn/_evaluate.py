"""Checking what a trainer is given and scoring a model on data: the pieces :func:`train` and the estimators
share."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sciml._validation import check_callable, check_choice, check_int
from sciml.learn._generative import reconstruction_loss, vae_loss

LOSSES = {"cross_entropy": F.cross_entropy, "mse": F.mse_loss, "reconstruction": reconstruction_loss,
          "vae": vae_loss}


def check_data(data, name: str = "data") -> tuple[torch.Tensor, torch.Tensor]:
    """``data`` as ``(inputs, targets)`` tensors with the same, positive number of samples."""
    if not isinstance(data, list | tuple) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (inputs, targets) of tensors, e.g. (X, y); for an autoencoder "
                        f"pass (X, X); got {type(data).__name__}")
    x, y = data
    for part, t in (("inputs", x), ("targets", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}: the {part} must be a torch.Tensor, got {type(t).__name__}")
        if t.dim() == 0 or len(t) == 0:
            raise ValueError(f"{name}: the {part} are empty (shape {tuple(t.shape)}); pass at least one sample")
    if len(x) != len(y):
        raise ValueError(f"{name}: {len(x)} inputs but {len(y)} targets; pass one target per input")
    # a sum is a fast first test (NaN and inf propagate); only an overflowing sum needs the entrywise check
    if x.is_floating_point() and not bool(torch.isfinite(x.sum())) and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name}: the inputs contain NaN or infinite entries; clean the data first")
    return x, y


def check_labels(y: torch.Tensor, n_classes: int, name: str = "targets") -> None:
    """Class labels: a 1-D int64 tensor with entries in ``0 .. n_classes - 1``."""
    if y.dtype != torch.int64:
        raise TypeError(f"{name} must be class indices of dtype torch.int64, got {y.dtype}; convert with "
                        f"{name}.long() (after checking they are whole numbers)")
    if y.dim() != 1:
        raise ValueError(f"{name} must be 1-D (one class index per sample), got shape {tuple(y.shape)}")
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= n_classes:
        raise ValueError(f"{name} must lie in 0..{n_classes - 1} (the model has {n_classes} outputs), got labels "
                         f"from {low} to {high}")


def _probe(model: nn.Module, x: torch.Tensor, device, name: str):
    """One forward pass on two samples in evaluation mode (no statistics updated, no noise drawn)."""
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(x[:2].to(device))
    except (RuntimeError, ValueError, IndexError) as exc:
        raise ValueError(f"{name}: inputs of shape {tuple(x.shape[1:])} (per sample, dtype {x.dtype}) do not fit "
                         f"the model {type(model).__name__}: {str(exc).splitlines()[0]}") from None
    finally:
        model.train(was)


def _batches(n: int, size: int):
    return range(0, n, size)


def evaluate(model: nn.Module, loss, data, *, metrics=None, batch_size: int = 1000, device=None) -> dict:
    """The mean loss and metrics of ``model`` over ``data``, in evaluation mode and without gradients.

    .. math:: \\bar L = \\frac1N \\sum_{\\text{batches } B} |B| \\, L(f(X_B), Y_B)

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    loss : callable or str
        ``loss(output, target)``, a batch mean (or a name of :data:`LOSSES`).
    data : (inputs, targets)
        Tensors with one sample per row.
    metrics : dict, optional
        Name → ``metric(output, target)`` (a batch mean, e.g. :func:`~sciml.learn.accuracy`).
    batch_size : int
        Samples per forward pass.
    device : optional
        Where to run (default: the model's device).

    Returns
    -------
    dict
        ``{"loss": ..., name: ...}`` as floats.

    Examples
    --------
    >>> from sciml.learn import MLP, accuracy
    >>> net = MLP(2, 2, hidden=(4,), generator=torch.Generator().manual_seed(0))
    >>> X, y = torch.zeros(10, 2), torch.zeros(10, dtype=torch.int64)
    >>> sorted(evaluate(net, "cross_entropy", (X, y), metrics={"accuracy": accuracy}))
    ['accuracy', 'loss']
    """
    loss_fn = _loss(loss)
    x, y = check_data(data)
    metrics = _metrics(metrics)
    device = device if device is not None else next(model.parameters()).device
    size = check_int(batch_size, "batch_size", low=1)
    _probe(model, x, device, "data")
    sums = dict.fromkeys(["loss", *metrics], 0.0)
    was = model.training
    model.eval()
    with torch.no_grad():
        for start in _batches(len(x), size):
            xb, yb = x[start:start + size].to(device), y[start:start + size].to(device)
            out = model(xb)
            sums["loss"] += float(loss_fn(out, yb)) * len(xb)
            for key, fn in metrics.items():
                sums[key] += float(fn(out, yb)) * len(xb)
    model.train(was)
    return {k: v / len(x) for k, v in sums.items()}


def _loss(loss):
    if isinstance(loss, str):
        return LOSSES[check_choice(loss, "loss", tuple(LOSSES))]
    return check_callable(loss, "loss", "loss(output, target) -> scalar tensor", none=False)


def _metrics(metrics) -> dict:
    if metrics is None:
        return {}
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict name -> metric(output, target), got {type(metrics).__name__}")
    return {str(k): check_callable(v, f"metrics[{k!r}]", "metric(output, target) -> number", none=False)
            for k, v in metrics.items()}
