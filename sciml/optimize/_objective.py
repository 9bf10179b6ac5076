"""The objective as the methods see it: validated values, gradients and Hessians, with evaluation counts.

Methods work on flat vectors ``z`` of shape ``(n,)``; ``fun`` is called with ``z`` reshaped to the shape of
``x0`` (a scalar ``x0`` gives a 0-dimensional ``x``). Unless the user passes ``jac`` or ``hess``,
gradients come from reverse-mode autodiff (:func:`torch.autograd.grad`, about twice as fast as
``torch.func.grad`` on small problems and tolerant of in-place operations inside ``fun``) and Hessians from
``torch.func.jacrev(torch.func.jacrev(f))``. ``jac="2-point" | "3-point" | "cs"`` differentiates a black box
(:mod:`sciml.optimize._finite_diff`); Hessian-vector products are then central differences of gradients.
"""

from __future__ import annotations

import math

import torch

from sciml.optimize._finite_diff import FD_METHODS, as_scalar, fd_gradient, fd_jacobian


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
    if out.dim() or out.dtype != dtype:  # (a view of a 0-d tensor of the dtype would add a node to backward)
        out = out.reshape(()).to(dtype)
    return out


class Objective:
    """``fun`` (and optional ``jac``/``hess``) on flat vectors, counting evaluations like SciPy."""

    def __init__(self, fun, shape, dtype, *, jac=None, hess=None, args=(), box=None):
        if not callable(fun):
            raise TypeError(f"fun must be callable (x -> scalar tensor), got {type(fun).__name__}")
        self.fd = jac if isinstance(jac, str) else None
        if self.fd is not None and self.fd not in FD_METHODS:
            raise ValueError(f"jac must be None (autograd), a callable x -> gradient or one of {list(FD_METHODS)} "
                             f"(finite differences), got {jac!r}")
        if jac is not None and self.fd is None and not callable(jac):
            raise TypeError(f"jac must be None (autograd computes it), a callable x -> gradient or one of "
                            f"{list(FD_METHODS)}, got {type(jac).__name__}")
        if hess is not None and not callable(hess):
            raise TypeError(f"hess must be None (torch.func computes it) or a callable x -> Hessian, "
                            f"got {type(hess).__name__}")
        if not isinstance(args, tuple):
            raise TypeError(f"args must be a tuple of extra arguments for fun, got {type(args).__name__}")
        self.shape, self.dtype, self.args = tuple(shape), dtype, args
        self.fun, self.jac, self.hess_fn = fun, (None if self.fd else jac), hess
        self.nfev = self.njev = self.nhev = 0
        self.box = box

    def _flat(self, z: torch.Tensor) -> torch.Tensor:
        x = z if z.shape == self.shape else z.reshape(self.shape)  # no view node in autograd's graph
        if self.fd is not None:
            return as_scalar(self.fun(x, *self.args), self.dtype)
        return _check_value(self.fun(x, *self.args), self.dtype)

    def _black_box(self, z: torch.Tensor):
        return self.fun(z.reshape(self.shape), *self.args)

    def _fd_grad(self, z: torch.Tensor, method: str | None = None) -> tuple[float, torch.Tensor]:
        with torch.no_grad():
            f = float(self._flat(z))
            g, evals = fd_gradient(self._black_box, z, f, method or self.fd, self.box)
        self.nfev += evals
        return f, g

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
        if self.fd is not None:
            return self._fd_grad(z)
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
        elif self.fd is not None:  # central differences of accurate (3-point or complex-step) gradients
            H = fd_jacobian(lambda w: self._fd_grad(w, "cs" if self.fd == "cs" else "3-point")[1], z, self.box)
        elif self.jac is not None:
            H = torch.func.jacrev(lambda w: self._vector(self.jac(w.reshape(self.shape), *self.args), "jac"))(z)
        else:  # reverse over reverse: forward-mode AD would load torch.jit decompositions (deprecated)
            H = torch.func.jacrev(torch.func.jacrev(self._flat))(z)
        H = H.detach()
        return (H + H.mT) / 2

    def hvp(self, z: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """The Hessian-vector product :math:`\\nabla^2 f(z) v` without forming the Hessian (double backward;
        central differences of gradients for black boxes)."""
        self.nhev += 1
        if self.hess_fn is not None:
            return self.hess(z) @ v
        if self.fd is not None or self.jac is not None:
            h = torch.finfo(z.dtype).eps ** (1 / 3) * max(1.0, float(z.norm())) / max(float(v.norm()), 1e-300)
            return (self._grad_only(z + h * v) - self._grad_only(z - h * v)) / (2 * h)
        w = z.detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self._flat(w), w, create_graph=True)
            if not g.requires_grad:  # f is linear in z
                return torch.zeros_like(z)
            (hv,) = torch.autograd.grad(g, w, v, allow_unused=True)
        return torch.zeros_like(z) if hv is None else hv.detach()

    def hvp_at(self, z: torch.Tensor):
        """``v -> ∇²f(z) v`` for many ``v`` at one ``z``: the gradient's graph is built once and reused by
        every product (what CG needs), instead of once per product as in :meth:`hvp`."""
        if self.hess_fn is not None or self.fd is not None or self.jac is not None:
            return lambda v: self.hvp(z, v)
        w = z.detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self._flat(w), w, create_graph=True)

        def product(v: torch.Tensor) -> torch.Tensor:
            self.nhev += 1
            if not g.requires_grad:  # f is linear in z
                return torch.zeros_like(z)
            (hv,) = torch.autograd.grad(g, w, v, retain_graph=True, allow_unused=True)
            return torch.zeros_like(z) if hv is None else hv.detach()

        return product

    def _grad_only(self, z: torch.Tensor) -> torch.Tensor:
        return self.value_and_grad(z)[1]
