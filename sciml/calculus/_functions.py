"""Custom ``torch.autograd.Function``s written to work with every autograd mode: the seed's cubic.

A custom Function that is to be trusted must support reverse mode (``backward``), forward mode (``jvp``),
``vmap`` (so ``torch.func.jacrev``/``vmap`` work) and double backward. The recipe, shown by :class:`Cubic`:

- ``forward`` without ``ctx`` plus a separate ``setup_context`` (required by ``torch.func``);
- ``backward`` and ``jvp`` written with differentiable torch operations on the saved input, so that
  differentiating them again (double backward, ``gradgradcheck``) is automatic;
- ``generate_vmap_rule = True`` (valid because every method is built from torch operations).

Second derivatives, as found in torch 2.13 and checked by the tests: reverse-over-reverse
(``jacrev(jacrev)``), forward-over-reverse (``jacfwd(jacrev)``) and reverse-over-forward
(``jacrev(jacfwd)``) are correct; forward-over-forward (``jacfwd(jacfwd)``) silently returns 0 through any
custom Function (pytorch#197867) — use a reverse-inner composition, as :func:`sciml.calculus.hessian` does.
"""

from __future__ import annotations

import torch


def _cubic_slope(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, 3 * x**2, torch.zeros_like(x))


class Cubic(torch.autograd.Function):
    r"""The seed tutorial's custom Function: the one-sided cubic.

    .. math:: f(x) = \begin{cases} x^3 & x \ge 0 \\ 0 & x < 0 \end{cases}, \qquad
              f'(x) = \begin{cases} 3x^2 & x \ge 0 \\ 0 & x < 0 \end{cases}, \qquad
              f''(x) = \begin{cases} 6x & x \ge 0 \\ 0 & x < 0 \end{cases}

    :math:`f` is twice continuously differentiable (also at 0); :math:`f'''` jumps at 0.

    Examples
    --------
    >>> x = torch.tensor([-1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> Cubic.apply(x).sum().backward()
    >>> x.grad
    tensor([ 0., 12.], dtype=torch.float64)
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return torch.where(x >= 0, x**3, torch.zeros_like(x))

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * _cubic_slope(x)

    @staticmethod
    def jvp(ctx, x_tangent):
        (x,) = ctx.saved_tensors
        return x_tangent * _cubic_slope(x)


def cubic(x: torch.Tensor) -> torch.Tensor:
    """:class:`Cubic` applied to ``x`` (x³ for x ≥ 0, else 0), elementwise.

    Examples
    --------
    >>> cubic(torch.tensor([-2.0, 2.0], dtype=torch.float64))
    tensor([0., 8.], dtype=torch.float64)
    """
    return Cubic.apply(x)
