"""The classifiers of the seeds as :class:`torch.nn.Module` s: ``MLP``, ``CNN``, ``ResNet`` and
``SequenceClassifier``.

Every network takes ``dtype`` and ``device`` (float32 on the CPU by default) and ``generator``: with one,
the initial weights are drawn from it (torch's default initialization, the same distributions), so a seeded
generator gives the same network every time without touching the global random state. The networks output
logits; pair them with ``torch.nn.functional.cross_entropy``.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from sciml._validation import check_choice, check_dtype, check_int

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU, "sigmoid": nn.Sigmoid}


def init_parameters(module: nn.Module, generator=None) -> nn.Module:
    """Draw the parameters of ``module`` from ``generator`` with torch's default initialization.

    Linear and convolution layers: weights :math:`U(-b, b)` with :math:`b = 1/\\sqrt{\\text{fan\\_in}}`
    (``kaiming_uniform_`` with ``a = √5``), biases likewise; LSTM weights :math:`U(-1/\\sqrt{h}, 1/\\sqrt{h})`;
    embeddings :math:`N(0, 1)`; batch-norm scales 1 and shifts 0.

    Parameters
    ----------
    module : torch.nn.Module
        The network, changed in place.
    generator : torch.Generator, optional
        Source of randomness; ``None`` leaves torch's initialization (from the global generator) as it is.

    Returns
    -------
    torch.nn.Module
        ``module``.

    Examples
    --------
    >>> a = init_parameters(nn.Linear(3, 2), torch.Generator().manual_seed(0))
    >>> b = init_parameters(nn.Linear(3, 2), torch.Generator().manual_seed(0))
    >>> torch.equal(a.weight, b.weight)
    True
    """
    if generator is None:
        return module
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator (or None), got {type(generator).__name__}")
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Linear | nn.Conv1d | nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
                if m.bias is not None:
                    bound = 1 / math.sqrt(m.weight[0].numel())
                    nn.init.uniform_(m.bias, -bound, bound, generator=generator)
            elif isinstance(m, nn.LSTM):
                bound = 1 / math.sqrt(m.hidden_size)
                for p in m.parameters():
                    nn.init.uniform_(p, -bound, bound, generator=generator)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, generator=generator)
    return module


def _placed(module: nn.Module, dtype, device, generator) -> None:
    """Initialize from ``generator`` (on the CPU, so the draws do not depend on the device), then place."""
    dtype = check_dtype(torch.float32 if dtype is None else dtype, complex=False)
    init_parameters(module, generator)
    module.to(dtype=dtype, device=device)


def _widths(hidden, name: str = "hidden") -> tuple[int, ...]:
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, list | tuple):
        raise TypeError(f"{name} must be a sequence of layer widths such as (128, 128), got {type(hidden).__name__}")
    return tuple(check_int(h, f"{name}[{i}]", low=1) for i, h in enumerate(hidden))


def _mlp_layers(sizes, activation) -> list[nn.Module]:
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return layers


class MLP(nn.Module):
    """A fully connected network: ``in_features → hidden[0] → … → out_features``, ``activation`` between layers.

    Inputs of any shape ``(N, ...)`` are flattened to ``(N, in_features)``; the output is ``(N, out_features)``
    logits (no activation after the last layer).

    Parameters
    ----------
    in_features, out_features : int
        Input size (e.g. 784 for 28 × 28 images) and number of outputs (classes).
    hidden : sequence of int
        Widths of the hidden layers.
    activation : {"relu", "tanh", "gelu", "silu", "sigmoid"}
        Nonlinearity between layers.
    dtype, device, generator : optional
        Parameter dtype (float32 default) and device; the generator of the initial weights.

    Examples
    --------
    >>> net = MLP(2, 3, hidden=(8,), generator=torch.Generator().manual_seed(0))
    >>> net(torch.zeros(5, 2)).shape
    torch.Size([5, 3])
    """

    def __init__(self, in_features: int, out_features: int, hidden=(128, 128), *, activation: str = "relu",
                 dtype=None, device=None, generator=None):
        super().__init__()
        self.in_features = check_int(in_features, "in_features", low=1)
        self.out_features = check_int(out_features, "out_features", low=1)
        activation = check_choice(activation, "activation", tuple(_ACTIVATIONS))
        self.layers = nn.Sequential(*_mlp_layers((self.in_features, *_widths(hidden), self.out_features),
                                                 activation))
        _placed(self, dtype, device, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x.flatten(1))


class CNN(nn.Module):
    """The seeds' three-block convolutional network: ``[conv 3×3 → ReLU → max-pool 2]`` × 3, then two linear
    layers.

    Parameters
    ----------
    in_channels : int
        Channels of the input images (1 for MNIST, 3 for CIFAR-10).
    n_classes : int
        Number of outputs.
    image_size : int
        Height (= width) of the input images; each block halves it (rounding down).
    channels : sequence of three int
        Output channels of the three convolutions.
    hidden : int
        Width of the linear layer before the output.
    batch_norm : bool
        Batch normalization after each convolution.
    dtype, device, generator : optional
        As for :class:`MLP`.

    Examples
    --------
    >>> net = CNN(1, 10, image_size=28, channels=(4, 8, 8), hidden=16)
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 10, *, image_size: int = 28,
                 channels=(32, 64, 128), hidden: int = 128, batch_norm: bool = False, dtype=None, device=None,
                 generator=None):
        super().__init__()
        c = _widths(channels, "channels")
        if len(c) != 3:
            raise ValueError(f"channels must hold three widths (one per convolution), got {c}")
        size = check_int(image_size, "image_size", low=8)
        blocks, previous = [], check_int(in_channels, "in_channels", low=1)
        for width in c:
            blocks += [nn.Conv2d(previous, width, 3, padding=1)]
            blocks += [nn.BatchNorm2d(width)] if batch_norm else []
            blocks += [nn.ReLU(), nn.MaxPool2d(2)]
            previous, size = width, size // 2
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(previous * size * size, check_int(hidden, "hidden", low=1)),
                                  nn.ReLU(), nn.Linear(hidden, check_int(n_classes, "n_classes", low=1)))
        _placed(self, dtype, device, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class _Block(nn.Module):
    """A residual block: ``relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))``."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet(nn.Module):
    """The seeds' residual network: a 3×3 stem, stages of residual blocks (each stage after the first halves the
    size and widens), global average pooling and a linear output.

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    n_classes : int
        Number of outputs.
    channels : sequence of int
        Width of each stage.
    blocks : int
        Residual blocks per stage.
    dtype, device, generator : optional
        As for :class:`MLP`.

    Examples
    --------
    >>> net = ResNet(3, 10, channels=(4, 8), blocks=1)
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])

    References
    ----------
    K. He, X. Zhang, S. Ren, J. Sun, "Deep residual learning for image recognition", CVPR (2016).
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 10, *, channels=(16, 32, 64), blocks: int = 1,
                 dtype=None, device=None, generator=None):
        super().__init__()
        c = _widths(channels, "channels")
        per_stage = check_int(blocks, "blocks", low=1)
        self.stem = nn.Sequential(nn.Conv2d(check_int(in_channels, "in_channels", low=1), c[0], 3, padding=1,
                                            bias=False), nn.BatchNorm2d(c[0]), nn.ReLU())
        stages, previous = [], c[0]
        for i, width in enumerate(c):
            for j in range(per_stage):
                stages.append(_Block(previous, width, 2 if i > 0 and j == 0 else 1))
                previous = width
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(previous, check_int(n_classes, "n_classes", low=1)))
        _placed(self, dtype, device, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)))


class SequenceClassifier(nn.Module):
    """The seeds' sequence classifier: token embedding → LSTM → linear layer on the last hidden state.

    Parameters
    ----------
    vocab_size : int
        Number of distinct tokens (inputs are int64 token ids in ``0 .. vocab_size - 1``).
    n_classes : int
        Number of outputs.
    embedding_dim, hidden_size : int
        Sizes of the embedding and of the LSTM state.
    num_layers : int
        Stacked LSTM layers.
    dtype, device, generator : optional
        As for :class:`MLP`.

    Examples
    --------
    >>> net = SequenceClassifier(20, 2, embedding_dim=4, hidden_size=8)
    >>> net(torch.randint(0, 20, (3, 7))).shape
    torch.Size([3, 2])
    """

    def __init__(self, vocab_size: int, n_classes: int, *, embedding_dim: int = 32, hidden_size: int = 64,
                 num_layers: int = 1, dtype=None, device=None, generator=None):
        super().__init__()
        self.embedding = nn.Embedding(check_int(vocab_size, "vocab_size", low=1),
                                      check_int(embedding_dim, "embedding_dim", low=1))
        self.lstm = nn.LSTM(embedding_dim, check_int(hidden_size, "hidden_size", low=1),
                            num_layers=check_int(num_layers, "num_layers", low=1), batch_first=True)
        self.head = nn.Linear(hidden_size, check_int(n_classes, "n_classes", low=1))
        _placed(self, dtype, device, generator)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(self.embedding(tokens))
        return self.head(h[-1])
