"""Scores of classifiers: accuracy, per-class accuracy and the confusion matrix.

Each takes predictions as class indices ``(N,)`` or as scores ``(N, classes)`` (logits or probabilities,
whose arg-max is the prediction), and true labels as int64 class indices.
"""

from __future__ import annotations

import torch

from sciml._validation import check_int


def _labels(pred, target) -> tuple[torch.Tensor, torch.Tensor]:
    for name, t in (("pred", pred), ("target", target)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if pred.is_complex() or target.is_complex():
        raise TypeError("pred and target must be real (class indices or real scores), got complex tensors")
    if pred.dim() == 2:
        pred = pred.argmax(dim=1)
    if pred.dim() != 1 or target.dim() != 1 or len(pred) != len(target):
        raise ValueError(f"pred must be (N,) class indices or (N, classes) scores and target (N,) labels, got "
                         f"shapes {tuple(pred.shape)} and {tuple(target.shape)}")
    if len(target) == 0:
        raise ValueError("pred and target are empty; pass at least one sample")
    if pred.is_floating_point() or target.is_floating_point():
        raise TypeError("class indices must be integer tensors (scores must be 2-D); convert with .long()")
    return pred, target


def accuracy(pred, target) -> torch.Tensor:
    r"""The fraction of correct predictions, :math:`\frac1N \sum_i [\hat y_i = y_i]`.

    Parameters
    ----------
    pred : (N,) or (N, classes) tensor
        Predicted class indices, or scores whose arg-max is the prediction.
    target : (N,) int64 tensor
        True labels.

    Returns
    -------
    tensor
        A scalar in [0, 1] (float64).

    Examples
    --------
    >>> float(accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), torch.tensor([0, 1, 1])))
    0.6666666666666666

    References
    ----------
    scikit-learn, ``sklearn.metrics.accuracy_score``.
    """
    pred, target = _labels(pred, target)
    return (pred == target).to(torch.float64).mean()


def confusion_matrix(pred, target, n_classes: int | None = None) -> torch.Tensor:
    r"""Counts :math:`C_{ij}` of samples of true class :math:`i` predicted as class :math:`j`.

    Parameters
    ----------
    pred : (N,) or (N, classes) tensor
        Predicted class indices or scores.
    target : (N,) int64 tensor
        True labels.
    n_classes : int, optional
        Number of classes (default: one more than the largest label or prediction, or the scores' width).

    Returns
    -------
    (n_classes, n_classes) int64 tensor
        Rows are true classes, columns predictions (scikit-learn's convention).

    Examples
    --------
    >>> confusion_matrix(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 0, 0])).tolist()
    [[2, 1], [0, 1]]

    References
    ----------
    scikit-learn, ``sklearn.metrics.confusion_matrix``.
    """
    width = pred.shape[1] if isinstance(pred, torch.Tensor) and pred.dim() == 2 else 0
    pred, target = _labels(pred, target)
    low = min(int(pred.min()), int(target.min()))
    if low < 0:
        raise ValueError(f"class indices must be non-negative, got {low}")
    k = max(width, int(pred.max()) + 1, int(target.max()) + 1)
    if n_classes is not None:
        n = check_int(n_classes, "n_classes", low=1)
        if n < k:
            raise ValueError(f"n_classes={n} but the labels go up to {k - 1}; pass n_classes >= {k}")
        k = n
    flat = target.to(torch.int64) * k + pred.to(torch.int64).to(target.device)
    return torch.bincount(flat, minlength=k * k).reshape(k, k)


def per_class_accuracy(pred, target, n_classes: int | None = None) -> torch.Tensor:
    r"""The accuracy within each true class, :math:`C_{ii} / \sum_j C_{ij}` (the recall of class :math:`i`).

    Parameters
    ----------
    pred : (N,) or (N, classes) tensor
        Predicted class indices or scores.
    target : (N,) int64 tensor
        True labels.
    n_classes : int, optional
        As for :func:`confusion_matrix`.

    Returns
    -------
    (n_classes,) float64 tensor
        NaN for a class with no samples.

    Examples
    --------
    >>> per_class_accuracy(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 0, 0])).tolist()
    [0.6666666666666666, 1.0]

    References
    ----------
    scikit-learn, ``sklearn.metrics.recall_score(average=None)``.
    """
    cm = confusion_matrix(pred, target, n_classes).to(torch.float64)
    return cm.diagonal() / cm.sum(dim=1)
