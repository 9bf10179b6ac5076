r"""Models of images with pixels in [0, 1]: ``Autoencoder`` and the variational autoencoder ``VAE``.

Both decoders output **logits** :math:`\ell`, and the reconstruction term is the Bernoulli negative
log-likelihood computed from them, ``binary_cross_entropy_with_logits`` — never a ``tanh`` output fed to a
binary cross-entropy, which needs probabilities in (0, 1). The loss convention, per image and in nats:

.. math:: \text{BCE}(x, \ell) = \sum_{\text{pixels } j} -x_j \log \sigma(\ell_j) - (1 - x_j) \log(1 - \sigma(\ell_j)),

.. math:: \mathcal{L}_\text{VAE}(x) = \text{BCE}(x, \ell) + \text{KL}\big(N(\mu, \operatorname{diag} \sigma^2)
          \,\|\, N(0, I)\big), \qquad \text{KL} = -\tfrac12 \sum_k (1 + \log\sigma_k^2 - \mu_k^2 - \sigma_k^2),

averaged over the images of a batch: the negative evidence lower bound (ELBO), an upper bound on
:math:`-\log p(x)`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from sciml._validation import check_int
from sciml.learn._networks import _mlp_layers, _placed, _widths


def _shape(image_shape) -> tuple[int, ...]:
    if isinstance(image_shape, int) and not isinstance(image_shape, bool):
        image_shape = (image_shape,)
    if not isinstance(image_shape, list | tuple) or not image_shape:
        raise TypeError(f"image_shape must be a tuple of sizes such as (1, 28, 28), got {image_shape!r}")
    return tuple(check_int(s, f"image_shape[{i}]", low=1) for i, s in enumerate(image_shape))


def reconstruction_loss(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Bernoulli negative log-likelihood of ``x`` under the logits: BCE summed over pixels, mean over images.

    .. math:: \frac1N \sum_{i=1}^N \sum_j \big[\log(1 + e^{\ell_{ij}}) - x_{ij} \ell_{ij}\big]

    Parameters
    ----------
    logits : (N, ...) tensor
        Decoder outputs, any real numbers.
    x : (N, ...) tensor
        Targets in [0, 1], as many entries per image as ``logits``.

    Returns
    -------
    tensor
        A scalar, in nats per image.

    Examples
    --------
    >>> round(float(reconstruction_loss(torch.zeros(1, 4), torch.ones(1, 4))), 6)  # 4 log 2
    2.772589
    """
    return F.binary_cross_entropy_with_logits(logits.flatten(1), x.flatten(1), reduction="sum") / len(x)


class VAEOutput(NamedTuple):
    """What :class:`VAE` returns: reconstruction ``logits`` and the posterior's ``mean`` and ``log_var``."""

    logits: torch.Tensor
    mean: torch.Tensor
    log_var: torch.Tensor


def vae_loss(output: VAEOutput, x: torch.Tensor) -> torch.Tensor:
    r"""The negative ELBO per image, in nats: :func:`reconstruction_loss` plus the Gaussian KL divergence.

    .. math:: \frac1N \sum_i \Big[\text{BCE}(x_i, \ell_i) - \tfrac12 \sum_k \big(1 + \log\sigma_{ik}^2
              - \mu_{ik}^2 - \sigma_{ik}^2\big)\Big]

    Parameters
    ----------
    output : VAEOutput
        ``(logits, mean, log_var)`` from :class:`VAE`.
    x : (N, ...) tensor
        The images, in [0, 1].

    Returns
    -------
    tensor
        A scalar: an upper bound on the negative log-likelihood per image.

    Examples
    --------
    >>> out = VAEOutput(torch.zeros(2, 4), torch.zeros(2, 3), torch.zeros(2, 3))
    >>> round(float(vae_loss(out, torch.ones(2, 4))), 6)  # KL = 0 at the prior
    2.772589

    References
    ----------
    D. P. Kingma, M. Welling, "Auto-encoding variational Bayes", ICLR (2014), appendix B.
    """
    logits, mean, log_var = output
    kl = -0.5 * torch.sum(1 + log_var - mean.square() - log_var.exp()) / len(x)
    return reconstruction_loss(logits, x) + kl


class Autoencoder(nn.Module):
    """An MLP autoencoder: ``image → hidden → latent → hidden → logits`` of the image's shape.

    Train it with :func:`reconstruction_loss` (the targets are the inputs); ``torch.sigmoid`` of the output is
    the reconstruction.

    Parameters
    ----------
    image_shape : tuple of int
        Shape of one input, e.g. ``(1, 28, 28)``.
    latent : int
        Size of the code.
    hidden : sequence of int
        Hidden widths of the encoder (the decoder mirrors them).
    dtype, device, generator : optional
        Parameter dtype (float32 default) and device; the generator of the initial weights.

    Examples
    --------
    >>> ae = Autoencoder((1, 8, 8), latent=2, hidden=(16,))
    >>> ae(torch.rand(3, 1, 8, 8)).shape, ae.encode(torch.rand(3, 1, 8, 8)).shape
    (torch.Size([3, 1, 8, 8]), torch.Size([3, 2]))
    """

    def __init__(self, image_shape=(1, 28, 28), *, latent: int = 32, hidden=(256,), dtype=None, device=None,
                 generator=None):
        super().__init__()
        self.image_shape = _shape(image_shape)
        n, widths = math.prod(self.image_shape), _widths(hidden)
        self.latent = check_int(latent, "latent", low=1)
        self.encoder = nn.Sequential(*_mlp_layers((n, *widths, self.latent), "relu"))
        self.decoder = nn.Sequential(*_mlp_layers((self.latent, *widths[::-1], n), "relu"))
        _placed(self, dtype, device, generator)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The codes ``(N, latent)`` of the images ``x``."""
        return self.encoder(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, *image_shape)`` of the images of the codes ``z``."""
        return self.decoder(z).view(-1, *self.image_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class VAE(nn.Module):
    """A variational autoencoder with MLP encoder and decoder and a standard normal prior.

    The encoder gives the mean and log-variance of :math:`q(z \\mid x)`; ``forward`` samples
    :math:`z = \\mu + \\sigma \\varepsilon` (the reparameterization) in training mode and takes :math:`z = \\mu`
    in evaluation mode, and returns :class:`VAEOutput`; train it with :func:`vae_loss`.

    Parameters
    ----------
    image_shape : tuple of int
        Shape of one input, e.g. ``(1, 28, 28)``; pixels in [0, 1].
    latent : int
        Dimension of :math:`z`.
    hidden : sequence of int
        Hidden widths of the encoder (the decoder mirrors them).
    dtype, device : optional
        Parameter dtype (float32 default) and device.
    generator : torch.Generator, optional
        The initial weights and the noise :math:`\\varepsilon` are drawn from it (its state is part of a
        trainer's checkpoint when it is the trainer's generator too).

    Examples
    --------
    >>> vae = VAE((1, 8, 8), latent=2, hidden=(16,), generator=torch.Generator().manual_seed(0))
    >>> out = vae(torch.rand(4, 1, 8, 8))
    >>> out.logits.shape, out.mean.shape, vae.sample(3).shape
    (torch.Size([4, 1, 8, 8]), torch.Size([4, 2]), torch.Size([3, 1, 8, 8]))

    References
    ----------
    D. P. Kingma, M. Welling, "Auto-encoding variational Bayes", ICLR (2014).
    """

    def __init__(self, image_shape=(1, 28, 28), *, latent: int = 20, hidden=(400,), dtype=None, device=None,
                 generator=None):
        super().__init__()
        self.image_shape = _shape(image_shape)
        n, widths = math.prod(self.image_shape), _widths(hidden)
        self.latent = check_int(latent, "latent", low=1)
        self.body = nn.Sequential(*_mlp_layers((n, *widths), "relu"), nn.ReLU())
        self.to_mean = nn.Linear(widths[-1], self.latent)
        self.to_log_var = nn.Linear(widths[-1], self.latent)
        self.decoder = nn.Sequential(*_mlp_layers((self.latent, *widths[::-1], n), "relu"))
        self.generator = generator
        _placed(self, dtype, device, generator)

    def _noise(self, like: torch.Tensor) -> torch.Tensor:
        gen = self.generator
        device = gen.device if gen is not None else like.device
        return torch.randn(like.shape, generator=gen, dtype=like.dtype, device=device).to(like.device)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and log-variance ``(N, latent)`` of :math:`q(z \\mid x)`."""
        h = self.body(x.flatten(1))
        return self.to_mean(h), self.to_log_var(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, *image_shape)`` of :math:`p(x \\mid z)`."""
        return self.decoder(z).view(-1, *self.image_shape)

    def forward(self, x: torch.Tensor) -> VAEOutput:
        mean, log_var = self.encode(x)
        z = mean + torch.exp(0.5 * log_var) * self._noise(mean) if self.training else mean
        return VAEOutput(self.decode(z), mean, log_var)

    @torch.no_grad()
    def sample(self, n: int, *, generator=None) -> torch.Tensor:
        """``n`` images ``sigmoid(decode(z))`` with :math:`z \\sim N(0, I)` (from ``generator``, else the
        model's)."""
        n = check_int(n, "n", low=1)
        p = next(self.parameters())
        gen = generator if generator is not None else self.generator
        z = torch.randn(n, self.latent, generator=gen, dtype=p.dtype,
                        device=gen.device if gen is not None else p.device).to(p.device)
        return torch.sigmoid(self.decode(z))
