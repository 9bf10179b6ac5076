"""One trainer for every network of :mod:`sciml.learn`, on the shared training core (:mod:`sciml.training`).

:func:`train` runs minibatch epochs over tensors with a seeded ``generator``: shuffling, augmentation and any
noise a model draws from the same generator come back identically after a resume. The core supplies the NaN
guard (:func:`~sciml.training.finite`), the stops (:class:`~sciml.training.Stop`), early stopping's
bookkeeping (:class:`~sciml.training.Patience`), the progress bar and the atomic, signature-checked
checkpoints (:class:`~sciml.training.Checkpointer`, :func:`~sciml.training.load_checkpoint`). A checkpoint
holds everything the loop depends on — weights, optimizer and scheduler state, generator states, the
epoch's permutation and position, running sums, history, best weights — so a run killed mid-epoch and
resumed ends with bit-identical weights.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn

from sciml._validation import check_bool, check_callable, check_choice, check_int, check_real
from sciml.learn._evaluate import _loss, _metrics, _probe, check_data, check_labels, evaluate
from sciml.learn._history import History, TrainResult, TrainStatus, TrainWarning
from sciml.results import Status, conclude
from sciml.training import (
    Checkpointer,
    Patience,
    Stop,
    callback_stop,
    checkpoint_path,
    finite,
    load_checkpoint,
    progress_bar,
)

OPTIMIZERS = ("adam", "adamw", "sgd")
_FORMAT, _VERSION = "sciml.learn checkpoint", 1


class _NonFinite(Exception):
    """Raised inside the closure, before the optimizer changes the weights."""


def _optimizer(optimizer, model, lr, weight_decay):
    if isinstance(optimizer, str):
        name = check_choice(optimizer, "optimizer", OPTIMIZERS)
        cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name]
        if name == "sgd":
            return cls(model.parameters(), lr=lr, weight_decay=weight_decay, momentum=0.9)
        try:  # torch's fused Adam kernel: the same update, about 25 % faster per step on small CPU networks
            return cls(model.parameters(), lr=lr, weight_decay=weight_decay, fused=True)
        except (RuntimeError, ValueError):  # parameters of a dtype or device the kernel does not take
            return cls(model.parameters(), lr=lr, weight_decay=weight_decay)
    opt = check_callable(optimizer, "optimizer", "optimizer(params) -> torch.optim.Optimizer, or a name",
                         none=False)(model.parameters())
    if not isinstance(opt, torch.optim.Optimizer):
        raise TypeError(f"optimizer(params) must return a torch.optim.Optimizer, got {type(opt).__name__}")
    return opt


def _state_copy(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class _Loop:
    """The run's state: what a checkpoint holds, and the loop that advances it."""

    def __init__(self, model, loss_fn, x, y, options):
        self.model, self.loss_fn, self.x, self.y, self.o = model, loss_fn, x, y, options
        self.history, self.epoch, self.batch, self.perm = History(), 0, 0, None
        self.sums: dict[str, float] = {}
        self.best_state = None
        self.stop: Stop | None = None

    def payload(self) -> dict:
        o = self.o
        return {"signature": self.signature(), "model": self.model.state_dict(),
                "optimizer": o["optimizer"].state_dict(),
                "scheduler": o["scheduler"].state_dict() if o["scheduler"] is not None else None,
                "generator": o["generator"].get_state(),
                "model_generator": self._model_generator().get_state() if self._model_generator() else None,
                "epoch": self.epoch, "batch": self.batch, "perm": self.perm, "sums": dict(self.sums),
                "history": self.history.state_dict(), "patience": o["patience"].state_dict(),
                "best_state": self.best_state}

    def signature(self) -> dict:
        shapes = [list(p.shape) for p in self.model.parameters()]
        return {"model": type(self.model).__name__, "shapes": shapes, "n_train": len(self.x),
                "batch_size": self.o["batch_size"]}

    def _model_generator(self):
        gen = getattr(self.model, "generator", None)
        return gen if isinstance(gen, torch.Generator) and gen is not self.o["generator"] else None

    def restore(self, data: dict) -> None:
        o = self.o
        self.model.load_state_dict(data["model"])
        o["optimizer"].load_state_dict(data["optimizer"])
        if o["scheduler"] is not None and data["scheduler"] is not None:
            o["scheduler"].load_state_dict(data["scheduler"])
        o["generator"].set_state(data["generator"])
        if self._model_generator() is not None and data["model_generator"] is not None:
            self._model_generator().set_state(data["model_generator"])
        self.epoch, self.batch, self.perm, self.sums = data["epoch"], data["batch"], data["perm"], dict(data["sums"])
        self.history = History.from_state_dict(data["history"])
        o["patience"].load_state_dict(data["patience"])
        self.best_state = data["best_state"]

    def run_epoch(self, bar, checkpointer) -> bool:
        """Train over the rest of the current epoch; ``False`` when a NaN stopped it."""
        o, model = self.o, self.model
        n, size = len(self.x), o["batch_size"]
        if self.batch == 0:
            self.perm = torch.randperm(n, generator=o["generator"])
            self.sums = dict.fromkeys(["loss", *o["metrics"], "count"], 0.0)
        snapshot = _state_copy(model)
        model.train()
        n_batches = -(-n // size)
        opt, metrics, transform, clip = o["optimizer"], o["metrics"], o["transform"], o["clip_grad_norm"]
        device, loss_fn, sums = o["device"], self.loss_fn, self.sums
        sched, per_batch = o["scheduler"], o["scheduler"] is not None and o["scheduler_step"] == "batch"
        move = self.x.device != device or self.y.device != device
        for b in range(self.batch, n_batches):
            idx = self.perm[b * size:(b + 1) * size]
            xb, yb = self.x[idx], self.y[idx]
            if move:
                xb, yb = xb.to(device), yb.to(device)
            if transform is not None:
                xb = transform(xb, o["generator"])
            first = []

            def closure(xb=xb, yb=yb, first=first):
                opt.zero_grad(set_to_none=True)
                out = model(xb)
                loss = loss_fn(out, yb)
                value = float(loss.detach())
                if not finite(value):
                    raise _NonFinite(value)
                loss.backward()
                if clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), clip)
                if not first:
                    first.append((out, value))
                return loss

            try:
                opt.step(closure)
            except _NonFinite as exc:
                self._nonfinite(snapshot, b, exc.args[0])
                return False
            if per_batch:
                try:
                    sched.step()
                except ValueError as exc:  # OneCycleLR past its total_steps: a resumed run keeps its old schedule
                    raise ValueError(f"the scheduler cannot go on after step {b + 1} of epoch {self.epoch + 1} ({exc})"
                                     "; resume with the same epochs as the run it was made for") from None
            out, value = first[0]
            m = len(xb)
            sums["loss"] += value * m
            if metrics:
                with torch.no_grad():
                    for key, fn in metrics.items():
                        sums[key] += float(fn(out, yb)) * m
            sums["count"] += m
            self.batch = b + 1
            bar.update(self.epoch * n_batches + self.batch, epoch=self.epoch + 1, loss=sums["loss"] / sums["count"])
            if checkpointer.due():
                checkpointer.save()
        return True

    def _nonfinite(self, snapshot, batch, value) -> None:
        if all(bool(torch.isfinite(p).all()) for p in self.model.parameters()):
            kept = "the weights before that batch are kept"
        else:
            self.model.load_state_dict(snapshot)
            kept = "the weights were no longer finite; those of the start of the epoch are restored"
        self.stop = Stop(TrainStatus.NONFINITE, f"the loss became {value} in epoch {self.epoch + 1}, batch "
                                                f"{batch + 1}; {kept}: lower the learning rate, clip the gradients "
                                                "(clip_grad_norm=) or check the data")

    def end_epoch(self, started: float) -> None:
        """Validate, record, schedule, track the best weights and decide whether to stop."""
        o = self.o
        row = {k: v / self.sums["count"] for k, v in self.sums.items() if k != "count"}
        if o["val_data"] is not None:
            scores = evaluate(self.model, self.loss_fn, o["val_data"], metrics=o["metrics"],
                              batch_size=max(o["batch_size"], 1000), device=o["device"])
            row.update({f"val_{k}": v for k, v in scores.items()})
        row["lr"] = o["optimizer"].param_groups[0]["lr"]
        row["seconds"] = time.perf_counter() - started
        self.epoch += 1
        self.batch, self.perm = 0, None
        self.history.append(self.epoch, row)
        if not finite(row.get("val_loss", 0.0)):
            self.stop = Stop(TrainStatus.NONFINITE, f"the validation loss became {row['val_loss']} after epoch "
                                                    f"{self.epoch}: lower the learning rate or check the data")
            return
        monitor = o["monitor"]
        if monitor is not None and o["patience"].update(row[monitor], self.epoch):
            self.best_state = _state_copy(self.model)
        scheduler = o["scheduler"]
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(row[monitor or ("val_loss" if "val_loss" in row else "loss")])
        elif scheduler is not None and o["scheduler_step"] == "epoch":
            scheduler.step()
        if o["callback"] is not None:
            try:
                o["callback"](self.result(Stop(TrainStatus.SUCCESS, "running")))
            except StopIteration:
                self.stop = callback_stop()
                return
        if o["patience"].exhausted:
            self.stop = Stop(TrainStatus.EARLY_STOPPED, f"{monitor} did not improve for {o['patience'].patience} "
                                                        f"epochs; the weights of epoch {o['patience'].best_epoch} "
                                                        "are restored")

    def result(self, stop: Stop) -> TrainResult:
        p, monitor = self.o["patience"], self.o["monitor"]
        return TrainResult(self.model, self.history, stop.success, TrainStatus(int(stop.status)), stop.message,
                           self.epoch, p.best_epoch if monitor else None,
                           p.best if monitor and p.best_epoch is not None else None, monitor)


def train(model: nn.Module, loss, data, *, val_data=None, epochs: int = 10, batch_size: int = 64,
          optimizer="adam", lr: float = 1e-3, weight_decay: float = 0.0, scheduler=None, scheduler_step: str = "epoch",
          metrics=None,
          monitor: str | None = None, mode: str | None = None, patience: int | None = None,
          min_delta: float = 0.0, restore_best: bool = True, clip_grad_norm: float | None = None,
          transform=None, checkpoint=None, checkpoint_every: float = 60.0, resume: bool = False,
          generator=None, callback=None, device=None, progress: bool = False, throw: bool = False) -> TrainResult:
    r"""Train ``model`` by minibatch gradient steps on ``loss`` over ``data``; the one loop of :mod:`sciml.learn`.

    Each epoch shuffles the samples (a permutation drawn from ``generator``) and, for every batch
    :math:`B`, takes one optimizer step on :math:`L(f_\theta(X_B), Y_B)`; then it evaluates ``val_data``,
    records the epoch in the :class:`History`, steps the learning-rate ``scheduler`` and checks early
    stopping on ``monitor``.

    Parameters
    ----------
    model : torch.nn.Module
        The network, trained in place (moved to ``device`` when given).
    loss : callable or {"cross_entropy", "mse", "reconstruction", "vae"}
        ``loss(output, target) -> scalar`` (a batch mean); ``"cross_entropy"`` also checks the labels.
    data, val_data : (inputs, targets)
        Training and (optional) validation tensors, one sample per row; ``(X, X)`` for autoencoders.
    epochs : int
        Epochs in all (a resumed run continues up to this number).
    batch_size : int
        Samples per step (the last batch of an epoch may be smaller).
    optimizer : {"adam", "adamw", "sgd"} or callable
        A name (Adam and AdamW with torch's fused kernel where it applies, SGD with momentum 0.9), or
        ``optimizer(params) -> torch.optim.Optimizer``; optimizers that re-evaluate (``torch.optim.LBFGS``)
        get a closure.
    lr, weight_decay : float
        For a named optimizer.
    scheduler : callable, optional
        ``scheduler(optimizer) -> torch.optim.lr_scheduler.*``, stepped once per epoch;
        ``ReduceLROnPlateau`` is stepped with the monitored value (``val_loss``, else ``loss``, by default).
    scheduler_step : {"epoch", "batch"}
        Step the scheduler after every epoch, or after every optimizer step (``OneCycleLR``, warm-up and
        decay schedules counted in steps: an epoch has ``ceil(len(data) / batch_size)`` of them); the history's
        ``lr`` is then the rate after the epoch's last step.
    metrics : dict, optional
        Name → ``metric(output, target)`` (a batch mean, e.g. :func:`~sciml.learn.accuracy`), recorded on the
        training batches and, prefixed ``val_``, on ``val_data``.
    monitor, mode, patience, min_delta : optional
        Early stopping: stop when ``monitor`` (default ``"val_loss"`` with validation data, else ``"loss"``)
        has not improved by more than ``min_delta`` for ``patience`` epochs; ``mode`` is ``"min"`` (default
        for names containing ``loss``) or ``"max"``.
    restore_best : bool
        With a monitored metric: end with the weights of its best epoch.
    clip_grad_norm : float, optional
        Clip the gradient's 2-norm to this value before each step.
    transform : callable, optional
        ``transform(inputs, generator) -> inputs`` applied to each training batch (augmentation).
    checkpoint : str or os.PathLike, optional
        File written atomically every ``checkpoint_every`` seconds (0: after every batch) and at each epoch's end.
    resume : bool
        Continue from ``checkpoint``: the same weights, optimizer, position in the epoch and random state.
    generator : torch.Generator, optional
        Source of the shuffling and augmentation; default a generator seeded from torch's global one.
    callback : callable, optional
        ``callback(intermediate_result)`` after every epoch; raising ``StopIteration`` stops the run.
    device : optional
        Where to train; batches are moved there.
    progress : bool
        A tqdm bar on stderr.
    throw : bool
        Raise :class:`~sciml.results.ConvergenceError` instead of warning when the run fails.

    Returns
    -------
    TrainResult
        ``model``, ``history``, ``success``, ``status`` (:class:`TrainStatus`), ``message``, ``nit`` (epochs),
        ``best_epoch``, ``best``, ``monitor``. A NaN or infinite loss stops the run with ``NONFINITE`` and
        the last finite weights, with a :class:`TrainWarning`.

    Examples
    --------
    >>> from sciml.learn import MLP, accuracy, moons
    >>> g = torch.Generator().manual_seed(0)
    >>> X, y = moons(400, noise=0.1, generator=g)
    >>> net = MLP(2, 2, hidden=(32, 32), generator=g)
    >>> res = train(net, "cross_entropy", (X, y), epochs=20, lr=1e-2, metrics={"accuracy": accuracy}, generator=g)
    >>> res.status, res.history["accuracy"][-1] > 0.95
    (<TrainStatus.SUCCESS: 0>, True)

    References
    ----------
    I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press (2016), sections 7.8 (early stopping)
    and 8.1.3 (minibatch algorithms).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    loss_fn = _loss(loss)
    x, y = check_data(data)
    val = None if val_data is None else check_data(val_data, "val_data")
    metrics = _metrics(metrics)
    if generator is None:
        generator = torch.Generator().manual_seed(int(torch.randint(0, 2**62, (1,))))
    elif not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator (or None), got {type(generator).__name__}")
    if device is not None:
        try:
            model.to(torch.device(device))
        except (RuntimeError, TypeError, AssertionError) as exc:  # torch without CUDA raises AssertionError
            raise ValueError(f"device={device!r} cannot be used here ({exc}); pass 'cpu' or an available device") \
                from None
    params = list(model.parameters())
    if not params:
        raise ValueError(f"model {type(model).__name__} has no parameters to train")
    device = params[0].device
    out = _probe(model, x, device, "data")
    if loss_fn is F.cross_entropy:
        if not isinstance(out, torch.Tensor) or out.dim() != 2:
            raise ValueError(f"cross_entropy needs a model with (N, classes) outputs, got {type(out).__name__}")
        check_labels(y, out.shape[1], "data's targets")
        if val is not None:
            check_labels(val[1], out.shape[1], "val_data's targets")
    if val is not None:
        _probe(model, val[0], device, "val_data")
    names = ["loss", *metrics] + (["val_loss", *(f"val_{k}" for k in metrics)] if val is not None else [])
    if patience is not None or monitor is not None:
        monitor = check_choice(monitor if monitor is not None else ("val_loss" if val is not None else "loss"),
                               "monitor", names)
    mode = mode if mode is not None else ("min" if monitor is None or "loss" in monitor else "max")
    opt = _optimizer(optimizer, model, check_real(lr, "lr", low=0, low_open=True),
                     check_real(weight_decay, "weight_decay", low=0))
    sched = None if scheduler is None else check_callable(scheduler, "scheduler", "scheduler(optimizer)")(opt)
    scheduler_step = check_choice(scheduler_step, "scheduler_step", ("epoch", "batch"))
    if scheduler_step == "batch" and isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
        raise ValueError("scheduler_step='batch' cannot drive ReduceLROnPlateau, which steps on an epoch's "
                         "monitored value; use scheduler_step='epoch'")
    options = {"optimizer": opt, "scheduler": sched, "scheduler_step": scheduler_step, "generator": generator,
               "metrics": metrics, "device": device,
               "batch_size": check_int(batch_size, "batch_size", low=1), "val_data": val, "monitor": monitor,
               "patience": Patience(mode, patience, min_delta),
               "clip_grad_norm": check_real(clip_grad_norm, "clip_grad_norm", low=0, low_open=True, none=True),
               "transform": check_callable(transform, "transform", "transform(inputs, generator) -> inputs"),
               "callback": check_callable(callback, "callback", "callback(intermediate_result)")}
    epochs = check_int(epochs, "epochs", low=1)
    restore_best, progress = check_bool(restore_best, "restore_best"), check_bool(progress, "progress")
    loop = _Loop(model, loss_fn, x, y, options)
    path = None if checkpoint is None else checkpoint_path(checkpoint)
    every = check_real(checkpoint_every, "checkpoint_every", low=0)
    if check_bool(resume, "resume"):
        if path is None:
            raise ValueError("resume=True needs checkpoint=PATH, the file of the run to continue")
        loop.restore(load_checkpoint(path, format=_FORMAT, version=_VERSION, expected=loop.signature(),
                                     hint="resume with the same model, data and batch_size", device=device))
    checkpointer = Checkpointer(path, loop.payload, every=every, format=_FORMAT, version=_VERSION)
    n_batches = -(-len(x) // options["batch_size"])
    with progress_bar(progress, total=epochs * n_batches, desc=f"train {type(model).__name__}") as bar:
        while loop.stop is None and loop.epoch < epochs:
            if options["patience"].exhausted:
                loop.stop = Stop(TrainStatus.EARLY_STOPPED, f"{monitor} had stopped improving")
                break
            started = time.perf_counter()
            if loop.run_epoch(bar, checkpointer):
                loop.end_epoch(started)
                if path is not None:
                    checkpointer.save()
    stop = loop.stop or Stop(TrainStatus.SUCCESS, f"ran the {epochs} epochs asked for")
    if stop.status != Status.NONFINITE and monitor is not None and restore_best and loop.best_state is not None:
        model.load_state_dict(loop.best_state)
    return conclude(loop.result(stop), throw=throw, category=TrainWarning)
