"""Pictures of classifiers and generative models: ``ax=None`` in (a new figure's axes), artists out, nothing
shown or saved."""

from __future__ import annotations

import math

import numpy as np
import torch

from sciml._validation import check_choice, check_int


def _tensor(value, name: str) -> torch.Tensor:
    """``value`` as a CPU tensor, or a ``TypeError`` naming it."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    try:
        return torch.as_tensor(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"{name} must be a tensor or an array of numbers, got {type(value).__name__} ({exc})") \
            from None


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _scores(model, points: torch.Tensor, kind: str) -> np.ndarray:
    if hasattr(model, "decision_function") and kind == "margin":
        return model.decision_function(points.to(torch.float64)).cpu().numpy()
    if hasattr(model, "predict_proba"):
        p = model.predict_proba(points)
    elif hasattr(model, "decision_function"):
        return model.decision_function(points.to(torch.float64)).cpu().numpy()
    else:
        param = next(model.parameters())
        was = model.training
        model.eval()
        with torch.no_grad():
            out = model(points.to(dtype=param.dtype, device=param.device))
        model.train(was)
        if kind == "margin" and out.shape[1] == 2:
            return (out[:, 1] - out[:, 0]).cpu().numpy()
        p = out.softmax(dim=1)
    p = p.cpu().numpy()
    return p[:, 1] if p.shape[1] == 2 else p.argmax(axis=1).astype(float)


def plot_decision_boundary(model, X, y=None, *, kind: str = "proba", resolution: int = 200, ax=None):
    """The decision regions of a classifier on 2-D features, with the data on top.

    For two classes the background is the probability of class 1 (``kind="proba"``) or the margin
    (``"margin"``: ``decision_function``, or the logit difference) with the boundary drawn at 0.5 or 0;
    for more classes it is the predicted class.

    Parameters
    ----------
    model : torch.nn.Module, Classifier or LinearSVM
        Anything with ``predict_proba``/``decision_function``, or a network giving logits.
    X : (n, 2) tensor
        The points (they also set the plotted window, with a margin).
    y : (n,) tensor, optional
        Their labels, for the colours of the points.
    kind : {"proba", "margin"}
        What the background shows.
    resolution : int
        Grid points per axis.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    dict
        ``{"background": QuadContourSet, "boundary": QuadContourSet or None, "points": PathCollection}``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sciml.learn import LinearSVM, moons
    >>> X, y = moons(100, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> sorted(plot_decision_boundary(LinearSVM().fit(X, y), X, y, kind="margin"))
    ['background', 'boundary', 'points']
    """
    kind = check_choice(kind, "kind", ("proba", "margin"))
    n = check_int(resolution, "resolution", low=2)
    X = _tensor(X, "X")
    if X.dim() != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be (n, 2) features to draw a 2-D boundary, got shape {tuple(X.shape)}")
    ax = _axes(ax)
    lo, hi = X.min(dim=0).values.double(), X.max(dim=0).values.double()
    pad = 0.1 * (hi - lo) + 1e-3
    g0 = torch.linspace(float(lo[0] - pad[0]), float(hi[0] + pad[0]), n, dtype=torch.float64)
    g1 = torch.linspace(float(lo[1] - pad[1]), float(hi[1] + pad[1]), n, dtype=torch.float64)
    G0, G1 = torch.meshgrid(g0, g1, indexing="xy")
    pts = torch.stack([G0.flatten(), G1.flatten()], dim=1).to(X.dtype if X.is_floating_point() else torch.float64)
    S = _scores(model, pts, kind).reshape(n, n)
    y = None if y is None else _tensor(y, "y")
    binary = y is None or len(y.unique()) <= 2
    background = ax.contourf(G0.numpy(), G1.numpy(), S, levels=20 if binary else None, cmap="RdBu_r", alpha=0.6)
    level = 0.0 if kind == "margin" or (hasattr(model, "decision_function") and not hasattr(model, "predict_proba")) \
        else 0.5
    boundary = ax.contour(G0.numpy(), G1.numpy(), S, levels=[level], colors="k") if binary else None
    colours = {"color": "0.3"} if y is None else {"c": y.numpy(), "cmap": "RdBu_r"}
    points = ax.scatter(X[:, 0].numpy(), X[:, 1].numpy(), edgecolors="k", s=15, **colours)
    ax.set(xlabel="x₁", ylabel="x₂")
    return {"background": background, "boundary": boundary, "points": points}


def plot_history(history, keys=None, *, ax=None):
    """Curves of a :class:`~sciml.learn.History` against the epoch (losses and accuracies by default).

    Parameters
    ----------
    history : History
        From a :class:`~sciml.learn.TrainResult`.
    keys : sequence of str, optional
        What to draw (default: every key except ``lr`` and ``seconds``).
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    list of Line2D
        One line per key, labelled by it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sciml.learn import History
    >>> h = History({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, [1, 2])
    >>> [line.get_label() for line in plot_history(h)]
    ['loss', 'val_loss']
    """
    keys = [k for k in history.keys() if k not in ("lr", "seconds")] if keys is None else list(keys)
    ax = _axes(ax)
    lines = [ax.plot(history.epochs, history[k], marker="o", ms=3, label=k)[0] for k in keys]
    ax.set(xlabel="epoch")
    ax.legend(fontsize="small")
    return lines


def plot_confusion_matrix(cm, *, labels=None, normalize: bool = False, ax=None):
    """A confusion matrix as an image with the counts written in (rows: true class, columns: predicted).

    Parameters
    ----------
    cm : (k, k) tensor
        From :func:`~sciml.learn.confusion_matrix`.
    labels : sequence of str, optional
        Class names.
    normalize : bool
        Show each row as fractions of its class.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    AxesImage

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> image = plot_confusion_matrix(torch.tensor([[5, 1], [0, 4]]))
    >>> image.get_array().shape
    (2, 2)
    """
    M = _tensor(cm, "cm").to(torch.float64)
    if M.dim() != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"cm must be a square matrix, got shape {tuple(M.shape)}")
    if normalize:
        M = M / M.sum(dim=1, keepdim=True).clamp(min=1)
    ax = _axes(ax)
    image = ax.imshow(M.numpy(), cmap="Blues")
    k = M.shape[0]
    ticks = list(range(k))
    names = [str(i) for i in ticks] if labels is None else [str(s) for s in labels]
    ax.set(xticks=ticks, yticks=ticks, xticklabels=names, yticklabels=names, xlabel="predicted", ylabel="true")
    if k <= 20:
        top = float(M.max()) or 1.0
        for i in range(k):
            for j in range(k):
                v = float(M[i, j])
                ax.text(j, i, f"{v:.2f}" if normalize else f"{v:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if v > top / 2 else "black")
    return image


def plot_images(images, *, titles=None, ncols: int = 8, fig=None):
    """A grid of images (predictions, reconstructions, samples), one small axes each.

    Parameters
    ----------
    images : (n, C, H, W) or (n, H, W) tensor
        Values in [0, 1]; one or three channels.
    titles : sequence of str, optional
        One per image (e.g. ``"7 (pred 1)"``).
    ncols : int
        Images per row.
    fig : matplotlib Figure, optional
        Where to draw (default: a new figure sized to the grid).

    Returns
    -------
    list of AxesImage

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> len(plot_images(torch.rand(5, 1, 8, 8), ncols=3))
    5
    """
    x = _tensor(images, "images").to(torch.float64)
    if x.dim() == 3:
        x = x[:, None]
    if x.dim() != 4 or x.shape[1] not in (1, 3) or len(x) == 0:
        raise ValueError(f"images must be (n, C, H, W) with C = 1 or 3 (or (n, H, W)), got shape "
                         f"{tuple(x.shape)}")
    cols = min(check_int(ncols, "ncols", low=1), len(x))
    rows = math.ceil(len(x) / cols)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(1.2 * cols, 1.3 * rows))
    artists = []
    for i, img in enumerate(x):
        ax = fig.add_subplot(rows, cols, i + 1)
        shown = img[0].numpy() if img.shape[0] == 1 else img.permute(1, 2, 0).clamp(0, 1).numpy()
        artists.append(ax.imshow(shown, cmap="gray" if img.shape[0] == 1 else None, vmin=0, vmax=1))
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=7)
    return artists


def plot_latent(z, labels=None, *, ax=None):
    """A 2-D latent space: the codes (the first two coordinates) coloured by label.

    Parameters
    ----------
    z : (n, k) tensor
        Codes, e.g. the means of a :class:`~sciml.learn.VAE`'s encoder (``k >= 2``).
    labels : (n,) tensor, optional
        Classes, for colours and a colour bar.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    PathCollection

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> plot_latent(torch.randn(50, 2), torch.arange(50) % 3).get_offsets().shape
    (50, 2)
    """
    z = _tensor(z, "z")
    if z.dim() != 2 or z.shape[1] < 2:
        raise ValueError(f"z must be (n, k) codes with k >= 2, got shape {tuple(z.shape)}")
    ax = _axes(ax)
    colours = {} if labels is None else {"c": _tensor(labels, "labels").numpy(), "cmap": "tab10"}
    points = ax.scatter(z[:, 0].numpy(), z[:, 1].numpy(), s=4, **colours)
    if labels is not None:
        ax.figure.colorbar(points, ax=ax, label="class")
    ax.set(xlabel="z₁", ylabel="z₂")
    return points
