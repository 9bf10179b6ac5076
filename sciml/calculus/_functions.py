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

    :math:`f` is twice continuously differentiable (also at 0); :math:`f'''` jumps at 0. ``backward`` returns
    :math:`\bar y\, f'(x)` and ``jvp`` returns :math:`f'(x)\, \dot x`, both built from torch operations so that
    they are differentiable again; the ``vmap`` rule is generated. Call it as ``Cubic.apply(x)`` or through
    :func:`cubic`.

    References
    ----------
    .. [1] PyTorch documentation, "Extending torch.autograd" and "Extending torch.func with
       autograd.Function" (``setup_context``, ``jvp``, ``generate_vmap_rule``).

    Examples
    --------
    >>> x = torch.tensor([-1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> Cubic.apply(x).sum().backward()
    >>> x.grad
    tensor([ 0., 12.], dtype=torch.float64)
    >>> x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    >>> (slope,) = torch.autograd.grad(Cubic.apply(x), x, create_graph=True)   # double backward
    >>> (curvature,) = torch.autograd.grad(slope, x)
    >>> slope.item(), curvature.item()   # 3x², 6x at x = 2
    (12.0, 12.0)
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
    r"""The one-sided cubic (:math:`x^3` for :math:`x \ge 0`, else 0) elementwise, through :class:`Cubic`.

    .. math:: f(x) = \max(x, 0)^3, \qquad f'(x) = 3 \max(x, 0)^2, \qquad f''(x) = 6 \max(x, 0).

    Parameters
    ----------
    x : tensor
        A floating tensor of any shape, on any device.

    Returns
    -------
    tensor
        :math:`f(x)`, shaped like ``x``; differentiable in every autograd mode (reverse, forward, ``vmap``,
        double backward) by :class:`Cubic`'s hand-written derivatives.

    References
    ----------
    .. [1] PyTorch documentation, "Extending torch.autograd".

    Examples
    --------
    >>> cubic(torch.tensor([-2.0, 2.0], dtype=torch.float64))
    tensor([0., 8.], dtype=torch.float64)
    >>> x = torch.tensor([-2.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> cubic(x).sum().backward()
    >>> x.grad   # 3x² for x ≥ 0, else 0
    tensor([ 0., 12.], dtype=torch.float64)
    """
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"cubic: x must be a real floating-point tensor, got "
                        f"{x.dtype if isinstance(x, torch.Tensor) else type(x).__name__}; pass torch.as_tensor(x, "
                        "dtype=torch.float64)")
    return Cubic.apply(x)
