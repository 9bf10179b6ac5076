"""The objective as the methods see it: validated values, gradients and Hessians, with evaluation counts.

Methods work on flat vectors ``z`` of shape ``(n,)``; ``fun`` is called with ``z`` reshaped to the shape of
``x0`` (a scalar ``x0`` gives a 0-dimensional ``x``). Unless the user passes ``jac`` or ``hess``,
gradients come from reverse-mode autodiff (:func:`torch.autograd.grad`, about twice as fast as
``torch.func.grad`` on small problems and tolerant of in-place operations inside ``fun``) and Hessians from
``torch.func.jacrev(torch.func.jacrev(f))``.
"""

from __future__ import annotations

import math

import torch


def _check_value(out, dtype) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"fun must return a scalar torch tensor built from x with torch operations, got "
            f"{type(out).__name__}; do not convert to float or numpy inside fun"
        )
    if out.numel() != 1:
        raise ValueError(f"fun must return a scalar (one element), got a tensor of shape {tuple(out.shape)}; "
                         "reduce it, e.g. with .sum()")
    if out.is_complex():
        raise TypeError("fun must return a real value, got a complex tensor; minimize |f|² or Re f instead")
    return out.reshape(()).to(dtype)


class Objective:
    """``fun`` (and optional ``jac``/``hess``) on flat vectors, counting evaluations like SciPy."""

    def __init__(self, fun, shape, dtype, *, jac=None, hess=None, args=()):
        if not callable(fun):
            raise TypeError(f"fun must be callable (x -> scalar tensor), got {type(fun).__name__}")
        if jac is not None and not callable(jac):
            raise TypeError(f"jac must be None (autograd computes it) or a callable x -> gradient, "
                            f"got {type(jac).__name__}")
        if hess is not None and not callable(hess):
            raise TypeError(f"hess must be None (torch.func computes it) or a callable x -> Hessian, "
                            f"got {type(hess).__name__}")
        if not isinstance(args, tuple):
            raise TypeError(f"args must be a tuple of extra arguments for fun, got {type(args).__name__}")
        self.shape, self.dtype, self.args = tuple(shape), dtype, args
        self.fun, self.jac, self.hess_fn = fun, jac, hess
        self.nfev = self.njev = self.nhev = 0

    def _flat(self, z: torch.Tensor) -> torch.Tensor:
        return _check_value(self.fun(z.reshape(self.shape), *self.args), self.dtype)

    def _vector(self, value, name: str) -> torch.Tensor:
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must return a torch tensor, got {type(value).__name__}")
        n = math.prod(self.shape)
        if value.numel() != n:
            raise ValueError(f"{name} must return {n} entries (the shape of x0), got shape {tuple(value.shape)}")
        return value.reshape(n).to(self.dtype)

    def value(self, z: torch.Tensor) -> float:
        """``f(z)`` as a float (no derivatives)."""
        self.nfev += 1
        with torch.no_grad():
            return float(self._flat(z))

    def value_and_grad(self, z: torch.Tensor) -> tuple[float, torch.Tensor]:
        """``f(z)`` and the gradient, shape ``(n,)``."""
        self.nfev += 1
        self.njev += 1
        if self.jac is not None:
            with torch.no_grad():
                f = self._flat(z)
                g = self._vector(self.jac(z.reshape(self.shape), *self.args), "jac")
            return float(f), g
        w = z.detach().requires_grad_(True)
        with torch.enable_grad():
            f = self._flat(w)
            if not f.requires_grad:
                raise TypeError(
                    "fun's value is not connected to x in the autograd graph, so it has no gradient: build it "
                    "from x with torch operations (no .item(), float() or numpy), or pass jac="
                )
            try:
                (g,) = torch.autograd.grad(f, w)
            except RuntimeError as exc:
                raise TypeError(
                    f"autograd could not differentiate fun ({exc}); write fun with torch operations on x "
                    "(no .item(), .numpy() or in-place changes of x), or pass jac="
                ) from exc
        return float(f.detach()), g.detach()

    def hess(self, z: torch.Tensor) -> torch.Tensor:
        """The symmetrized Hessian at ``z``, shape ``(n, n)``."""
        self.nhev += 1
        n = z.numel()
        if self.hess_fn is not None:
            with torch.no_grad():
                H = self.hess_fn(z.reshape(self.shape), *self.args)
            if not isinstance(H, torch.Tensor) or H.numel() != n * n:
                got = tuple(H.shape) if isinstance(H, torch.Tensor) else type(H).__name__
                raise ValueError(f"hess must return an (n, n) = ({n}, {n}) tensor, got {got}")
            H = H.reshape(n, n).to(self.dtype)
        elif self.jac is not None:
            H = torch.func.jacrev(lambda w: self._vector(self.jac(w.reshape(self.shape), *self.args), "jac"))(z)
        else:  # reverse over reverse: forward-mode AD would load torch.jit decompositions (deprecated)
            H = torch.func.jacrev(torch.func.jacrev(self._flat))(z)
        H = H.detach()
        return (H + H.mT) / 2
