r"""Gradients of black-box objectives (NumPy code, anything autograd cannot see) by finite differences.

With SciPy's steps (``scipy.optimize._numdiff``): :math:`h_i = \epsilon^{1/2}\,\mathrm{sign}(x_i)\max(1, |x_i|)`
for forward differences (``"2-point"``, error :math:`O(\epsilon^{1/2})`), :math:`h_i = \epsilon^{1/3}\,
\mathrm{sign}(x_i)\max(1, |x_i|)` for central differences (``"3-point"``, error :math:`O(\epsilon^{2/3})`)
and :math:`h_i = \epsilon^{1/2}\max(1, |x_i|)` for the complex step (``"cs"``,
:math:`\partial_i f = \operatorname{Im} f(x + i h e_i) / h`, exact to rounding for real-analytic ``f``
evaluated in complex arithmetic), :math:`\epsilon` the machine epsilon of ``x``'s dtype. Each gradient
costs ``n`` (``"2-point"``, ``"cs"``) or ``2n`` (``"3-point"``) evaluations of ``f``.

References: J. R. R. A. Martins, P. Sturdza and J. J. Alonso, ACM TOMS 29 (2003) 245–262 (complex step);
J. Nocedal and S. J. Wright, *Numerical Optimization* (2006), §8.1.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

#: the values ``jac=`` accepts for finite differences
FD_METHODS = ("2-point", "3-point", "cs")


def fd_steps(z: torch.Tensor, method: str) -> torch.Tensor:
    """SciPy's absolute steps for ``method`` at ``z`` (see the module)."""
    eps = torch.finfo(z.dtype).eps
    rel = eps ** (1 / 3) if method == "3-point" else eps ** 0.5
    sign = torch.where(z >= 0, 1.0, -1.0).to(z.dtype) if method == "2-point" else torch.ones_like(z)
    h = rel * sign * z.abs().clamp_min(1.0)
    return (z + h) - z  # the step that is actually taken, after rounding


def as_scalar(out, dtype, *, complex_ok: bool = False) -> torch.Tensor:
    """A black-box objective's value (tensor, NumPy scalar or number) as a 0-d tensor of ``dtype``."""
    if isinstance(out, torch.Tensor):
        t = out.detach()
    elif isinstance(out, np.ndarray | np.generic | numbers.Number) and not isinstance(out, bool):
        t = torch.as_tensor(np.asarray(out))
    else:
        raise TypeError(f"fun must return a number or a one-element tensor/array, got {type(out).__name__}")
    if t.numel() != 1:
        raise ValueError(f"fun must return a scalar (one element), got shape {tuple(t.shape)}; reduce it")
    t = t.reshape(())
    if t.is_complex() and not complex_ok:
        raise TypeError("fun must return a real value, got a complex one")
    if complex_ok:
        return t.to(torch.complex128 if dtype == torch.float64 else torch.complex64)
    return t.to(dtype)


def fd_gradient(fun, z: torch.Tensor, f0: float, method: str, box=None) -> tuple[torch.Tensor, int]:
    """The gradient of the black box ``fun(z) -> scalar`` at ``z`` (``f0 = fun(z)``) and the number of
    evaluations it took. With a ``box`` (:class:`~sciml.optimize._bounds.Box`) the steps stay inside it, as in
    SciPy: a forward step that would leave it is taken backwards, and a central difference that would is
    replaced by the one-sided second-order formula."""
    h = fd_steps(z, method)
    g = torch.empty_like(z)
    n = z.numel()
    if method == "cs":
        cdtype = torch.complex128 if z.dtype == torch.float64 else torch.complex64
        zc = z.to(cdtype)
        for i in range(n):
            e = torch.zeros_like(zc)
            e[i] = 1j * h[i]
            out = fun(zc + e)
            if not (torch.is_tensor(out) and out.is_complex()) and not np.iscomplexobj(out):
                raise TypeError("jac='cs' needs fun to compute in complex arithmetic (no abs, max, comparisons or "
                                f"casts to real), but it returned {type(out).__name__} {out!r:.40} for complex x; "
                                "use jac='3-point'")
            g[i] = as_scalar(out, z.dtype, complex_ok=True).imag / h[i]
        return g, n
    low = torch.full_like(z, -float("inf")) if box is None else box.low
    high = torch.full_like(z, float("inf")) if box is None else box.high
    evals = 0

    def at(i, step):
        nonlocal evals
        zi = z.clone()
        zi[i] += step
        evals += 1
        return float(as_scalar(fun(zi), z.dtype))

    for i in range(n):
        hi = float(h[i])
        up, down = float(z[i]) + abs(hi) <= float(high[i]), float(z[i]) - abs(hi) >= float(low[i])
        if method == "2-point":
            if not (float(low[i]) <= float(z[i]) + hi <= float(high[i])):
                hi = -hi  # SciPy's rule: a forward step that leaves the box is taken backwards
            g[i] = (at(i, hi) - f0) / hi
        elif up and down:
            g[i] = (at(i, hi) - at(i, -hi)) / (2 * hi)
        else:  # one-sided, second order, into the box: (-3 f0 + 4 f(x + s) - f(x + 2s)) / 2s
            s = abs(hi) if up or not down else -abs(hi)
            g[i] = (-3 * f0 + 4 * at(i, s) - at(i, 2 * s)) / (2 * s)
    return g, evals


def fd_jacobian(grad, z: torch.Tensor, box=None) -> torch.Tensor:
    """The Jacobian of ``grad(z) -> (n,)`` by central differences (step :math:`\\epsilon^{1/4}\\max(1,|z_i|)`;
    one-sided second-order differences into the ``box`` where a central one would leave it), symmetrized:
    the Hessian of a black-box objective."""
    n = z.numel()
    h = torch.finfo(z.dtype).eps ** 0.25 * z.abs().clamp_min(1.0)
    H = torch.empty(n, n, dtype=z.dtype, device=z.device)
    g0 = None
    for i in range(n):
        e = torch.zeros_like(z)
        e[i] = h[i]
        up = box is None or bool(z[i] + 2 * h[i] <= box.high[i])
        down = box is None or bool(z[i] - 2 * h[i] >= box.low[i])
        if up and down:
            H[:, i] = (grad(z + e) - grad(z - e)) / (2 * h[i])
        else:
            g0 = grad(z) if g0 is None else g0
            sgn = 1.0 if up else -1.0
            H[:, i] = (-3 * g0 + 4 * grad(z + sgn * e) - grad(z + 2 * sgn * e)) / (2 * sgn * h[i])
    return (H + H.mT) / 2
