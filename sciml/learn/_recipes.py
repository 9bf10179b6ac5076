"""Training recipes: the settings of :func:`~sciml.learn.train` that reach a stated accuracy, kept in one place.

A :class:`Recipe` is Adam (or AdamW) under a one-cycle learning rate (Smith & Topin 2019), stepped after every
batch: the rate climbs from ``lr / 25`` to the peak ``lr`` over the first ``pct_start`` of the steps, then falls
by a cosine to ``lr / 10⁴`` at the last one. The decay to nearly zero is what makes the end of a short run
robust: with a constant rate the last epoch's weights keep jumping between minibatch minima, and the test
accuracy after a fixed number of epochs varies by seed by a few tenths of a percent.

:data:`MNIST_MLP` with :func:`mnist_mlp` is the recipe of the issue's MNIST target (784-128-128-10, Adam,
5 epochs): pixels standardized by the training set's mean and standard deviation (:data:`MNIST_MEAN`,
:data:`MNIST_STD`) in the network's first layer, batches of 128 and a one-cycle peak of 4·10⁻³.
The benchmark, the slow test, ``sciml train mlp --data mnist`` and notebook 08 all train it. Its test accuracy
over seeds 0-9 was 98.07-98.39 % (mean 98.23 %) at one torch thread and 98.14-98.38 % at two; the same network
with Adam at a constant 10⁻³ in batches of 64 (the seeds' loop) had its worst seed near 97.2 %.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn

from sciml._validation import check_choice, check_int, check_real
from sciml.learn._networks import MLP
from sciml.learn._transforms import Standardize

#: mean and standard deviation of the 60 000 MNIST training images' pixels in [0, 1] (over all pixels)
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


@dataclasses.dataclass(frozen=True)
class Recipe:
    r"""How to train a classifier with :func:`~sciml.learn.train`: optimizer, batches and a one-cycle rate.

    The learning rate of step :math:`k` of :math:`K` (``epochs · ceil(n_train / batch_size)`` in all) is
    torch's ``OneCycleLR``: with :math:`p` = ``pct_start`` it rises from :math:`\eta/25` to
    :math:`\eta` = ``lr`` over the first :math:`pK` steps and falls to :math:`\eta/(25\cdot 10^4)` by the last,
    both by a half cosine.

    Parameters
    ----------
    epochs : int
        Epochs of the run.
    batch_size : int
        Samples per step.
    lr : float
        The peak learning rate.
    optimizer : {"adam", "adamw"}
        Adam, or AdamW with decoupled ``weight_decay``.
    weight_decay : float
        Weight decay (L2 for Adam, decoupled for AdamW).
    pct_start : float
        Fraction of the steps spent warming up.

    Examples
    --------
    >>> r = Recipe(epochs=2, batch_size=10, lr=1e-2)
    >>> opts = r.options(100)
    >>> opts["batch_size"], opts["scheduler_step"]
    (10, 'batch')
    >>> sched = opts["scheduler"](torch.optim.Adam([torch.zeros(1, requires_grad=True)]))
    >>> sched.total_steps
    20

    References
    ----------
    L. N. Smith, N. Topin, "Super-convergence: very fast training of neural networks using large learning
    rates", *Proc. SPIE* 11006 (2019).
    """

    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "adam"
    weight_decay: float = 0.0
    pct_start: float = 0.3

    def __post_init__(self):
        check_int(self.epochs, "epochs", low=1)
        check_int(self.batch_size, "batch_size", low=1)
        check_real(self.lr, "lr", low=0, low_open=True)
        check_choice(self.optimizer, "optimizer", ("adam", "adamw"))
        check_real(self.weight_decay, "weight_decay", low=0)
        check_real(self.pct_start, "pct_start", low=0, high=1, low_open=True)

    def options(self, n_train: int, *, epochs: int | None = None, lr: float | None = None) -> dict:
        """The keyword arguments of :func:`~sciml.learn.train` for a training set of ``n_train`` samples.

        Parameters
        ----------
        n_train : int
            Samples in the training set (the schedule counts its steps).
        epochs, lr : optional
            Override the recipe's epochs and peak rate (the schedule is stretched to fit).

        Returns
        -------
        dict
            ``epochs``, ``batch_size``, ``optimizer``, ``lr``, ``weight_decay``, ``scheduler`` (a factory of
            ``OneCycleLR``) and ``scheduler_step="batch"``.

        Examples
        --------
        >>> MNIST_MLP.options(60_000)["epochs"], MNIST_MLP.options(60_000, epochs=2)["epochs"]
        (5, 2)
        """
        n_train = check_int(n_train, "n_train", low=1)
        epochs = self.epochs if epochs is None else check_int(epochs, "epochs", low=1)
        lr = self.lr if lr is None else check_real(lr, "lr", low=0, low_open=True)
        total = epochs * math.ceil(n_train / self.batch_size)
        pct = self.pct_start

        def scheduler(optimizer):
            return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total, pct_start=pct)

        return {"epochs": epochs, "batch_size": self.batch_size, "optimizer": self.optimizer, "lr": lr,
                "weight_decay": self.weight_decay, "scheduler": scheduler, "scheduler_step": "batch"}


#: The MNIST MLP's recipe: Adam, 5 epochs, batches of 128, one-cycle peak 4e-3 (with :func:`mnist_mlp`).
MNIST_MLP = Recipe(epochs=5, batch_size=128, lr=4e-3)


def mnist_mlp(*, dtype=None, device=None, generator=None) -> nn.Sequential:
    r"""The 784-128-128-10 ReLU network of the MNIST recipe, taking images with pixels in [0, 1].

    Its first layer standardizes the pixels, :math:`z = (x - 0.1307) / 0.3081` (:data:`MNIST_MEAN`,
    :data:`MNIST_STD`), so that it takes the images as :func:`~sciml.learn.load_mnist` returns them; then
    :class:`~sciml.learn.MLP` ``(784, 10, hidden=(128, 128))``. Train it with :data:`MNIST_MLP`.

    Parameters
    ----------
    dtype, device, generator : optional
        As for :class:`~sciml.learn.MLP`.

    Returns
    -------
    torch.nn.Sequential
        ``Standardize`` then ``MLP``; outputs (N, 10) logits.

    Examples
    --------
    >>> net = mnist_mlp(generator=torch.Generator().manual_seed(0))
    >>> net(torch.zeros(2, 1, 28, 28)).shape, sum(p.numel() for p in net.parameters())
    (torch.Size([2, 10]), 118282)

    References
    ----------
    Y. LeCun, L. Bottou, G. Orr, K.-R. Müller, "Efficient BackProp", in *Neural Networks: Tricks of the
    Trade*, Springer (1998), section 4.3 (normalizing the inputs).
    """
    return nn.Sequential(Standardize(MNIST_MEAN, MNIST_STD),
                         MLP(784, 10, (128, 128), dtype=dtype, device=device, generator=generator))
