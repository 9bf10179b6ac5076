"""A small tanh MLP on a flat parameter vector, with derivatives in its input by Taylor-mode propagation.

The network maps a scalar ``x`` in ``[a, b]`` (rescaled to ``ξ = 2(x - a)/(b - a) - 1``) to ``k`` outputs.
Its parameters are one flat tensor ``theta`` so that ``torch.func`` takes Jacobians with respect to a single
argument. Derivatives ``dᵈN/dxᵈ = scaleᵈ dᵈN/dξᵈ`` come from Taylor-mode propagation in ``ξ``
(:func:`sciml.calculus.tanh_mlp_derivatives`): a few matrix products per order instead of nested autograd
passes. Under plain autograd at orders 1 and 2 (the residual and gradient of L-BFGS and Adam) that is one
fused autograd Function; under ``torch.func`` transforms (Levenberg–Marquardt's ``vmap``-ed Jacobian) and at
other orders, the list form (``with sciml.calculus.fused_taylor(False):`` forces the list form everywhere).
"""

from __future__ import annotations

import math

import torch

from sciml.calculus import tanh_mlp_derivatives


class TanhMLP:
    """The architecture ``1 → hidden[0] → ... → hidden[-1] → n_out`` with tanh activations.

    Parameters
    ----------
    hidden : sequence of int
        Widths of the hidden layers.
    n_out : int
        Number of outputs (unknown functions).
    domain : (a, b)
        The interval mapped to ``[-1, 1]`` at the input.

    Examples
    --------
    >>> net = TanhMLP((20, 20), 1, (0.0, 1.0))
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> net.derivatives(theta, torch.linspace(0, 1, 5, dtype=torch.float64), 2).shape
    torch.Size([3, 5, 1])
    """

    def __init__(self, hidden, n_out: int, domain):
        hidden = tuple(int(h) for h in hidden)
        if not hidden or any(h < 1 for h in hidden):
            raise ValueError(f"hidden must be a non-empty sequence of positive widths, got {hidden!r}")
        self.sizes = (1, *hidden, int(n_out))
        self.a, self.b = float(domain[0]), float(domain[1])
        self.shapes = []
        for m, n in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            self.shapes += [(n, m), (n,)]
        self.n_params = sum(math.prod(s) for s in self.shapes)

    def init(self, generator=None, *, dtype=torch.float64, device=None) -> torch.Tensor:
        """Glorot-normal weights and zero biases, drawn on the CPU from ``generator``."""
        parts = []
        for m, n in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            std = math.sqrt(2.0 / (m + n))
            weights = torch.randn(n * m, generator=generator, dtype=torch.float64) * std
            parts += [weights, torch.zeros(n, dtype=torch.float64)]
        return torch.cat(parts).to(dtype=dtype, device=device)

    def unflatten(self, theta: torch.Tensor) -> list[torch.Tensor]:
        out, offset = [], 0
        for shape in self.shapes:
            n = math.prod(shape)
            out.append(theta[offset:offset + n].reshape(shape))
            offset += n
        return out

    def derivatives(self, theta: torch.Tensor, x: torch.Tensor, order: int) -> torch.Tensor:
        """``dᵈN/dxᵈ (x)`` for ``d = 0..order``: a tensor of shape ``(order + 1, *x.shape, n_out)``.

        Works under ``torch.func`` transforms (``vmap`` over points, ``jacrev`` in ``theta``).
        """
        scale = 2.0 / (self.b - self.a)
        xi = (x - self.a) * scale - 1.0
        D = tanh_mlp_derivatives(self.unflatten(theta), xi, order)
        powers = torch.tensor([scale**d for d in range(order + 1)], dtype=D.dtype, device=D.device)
        return D * powers.reshape(-1, *(1,) * (D.dim() - 1))

    def __call__(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The network's values at ``x``: shape ``(*x.shape, n_out)``."""
        return self.derivatives(theta, x, 0)[0]

    def module(self, theta: torch.Tensor) -> torch.nn.Module:
        """A ``torch.nn.Sequential`` mapping ``x`` of shape ``(n, 1)`` to ``N(x)``, holding a copy of ``theta``."""
        layers: list[torch.nn.Module] = [_Rescale(self.a, self.b)]
        params = self.unflatten(theta.detach())
        for i in range(len(params) // 2):
            W, bias = params[2 * i], params[2 * i + 1]
            linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=theta.dtype, device=theta.device)
            with torch.no_grad():
                linear.weight.copy_(W)
                linear.bias.copy_(bias)
            layers.append(linear)
            if i < len(params) // 2 - 1:
                layers.append(torch.nn.Tanh())
        return torch.nn.Sequential(*layers)


class _Rescale(torch.nn.Module):
    """``x ↦ 2(x - a)/(b - a) - 1``, the network's input map."""

    def __init__(self, a: float, b: float):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.a) * (2.0 / (self.b - self.a)) - 1.0

    def extra_repr(self) -> str:
        return f"a={self.a:.6g}, b={self.b:.6g}"
