"""Adapters that run torch's optimizers one iteration at a time on a flat parameter vector ``z``.

- :func:`cached_evaluator` — ``evaluate(z) -> (loss, r, grad)`` of ``‖r(z)‖²`` with a small cache: a line
  search has already evaluated most points a loop asks for again.
- :class:`AdamStepper` — ``torch.optim.Adam`` with a fixed learning rate; :class:`TorchStepper` — any
  ``torch.optim`` optimizer the same way (:func:`sciml.optimize.minimize`'s nesterov, adam and rmsprop).
- :class:`LBFGSStepper` — ``torch.optim.LBFGS`` with the strong-Wolfe line search, one iteration per
  :meth:`~LBFGSStepper.step`, on the objective divided by the current loss. torch's L-BFGS skips curvature
  pairs with ``yᵀs ≤ 1e-10``, an absolute threshold: near a zero residual it stops learning and stalls (near
  a loss of 1e-8 on PINNs). Dividing by the loss makes the threshold relative; after each accepted iterate
  the stored pairs are rescaled to the new loss (through ``state_dict()``'s ``old_dirs``/``ro``/``H_diag``,
  torch's documented L-BFGS state), so that the L-BFGS direction, which does not depend on the objective's
  scale, is unchanged.

Each adapter's ``state_dict()`` is what a checkpoint keeps, and ``load_state_dict`` resumes it.
"""

from __future__ import annotations

import collections

import torch


def cached_evaluator(fun, size: int = 8):
    """``evaluate(z) -> (loss, r, grad)`` for the residual ``fun(z) -> r``, ``loss = r·r`` and its gradient.

    Parameters
    ----------
    fun : callable
        ``fun(z) -> r``, differentiable in ``z`` by autograd.
    size : int
        How many recent points to remember (compared with ``torch.equal``).

    Returns
    -------
    callable
        ``evaluate(z)``; ``r`` and ``grad`` are detached.

    Examples
    --------
    >>> evaluate = cached_evaluator(lambda z: z - 1)
    >>> loss, r, grad = evaluate(torch.tensor([3.0, 1.0], dtype=torch.float64))
    >>> loss, grad.tolist()
    (4.0, [4.0, 0.0])
    """
    cache = collections.deque(maxlen=size)

    def evaluate(z):
        key = z.detach()
        for k, value in cache:
            if torch.equal(k, key):
                return value
        with torch.enable_grad():
            leaf = key.clone().requires_grad_(True)
            r = fun(leaf)
            loss = r @ r
            (grad,) = torch.autograd.grad(loss, leaf)
        value = (float(loss.detach()), r.detach(), grad)
        cache.append((key.clone(), value))
        return value

    return evaluate


class TorchStepper:
    """Any ``torch.optim`` optimizer on the leaf ``z`` (updated in place): ``step(grad)`` takes one step of
    its update rule along the given gradient (``TorchStepper(z, torch.optim.RMSprop, lr=1e-2)``)."""

    def __init__(self, z: torch.Tensor, optimizer: type, state: dict | None = None, **hyper):
        self.z = z
        self.optimizer = optimizer([z], **hyper)
        if state is not None:
            self.optimizer.load_state_dict(state)

    def step(self, grad: torch.Tensor) -> None:
        self.z.grad = grad
        self.optimizer.step()

    def state_dict(self) -> dict:
        return self.optimizer.state_dict()


class AdamStepper:
    """Adam on the leaf ``z`` (updated in place): ``step(grad)`` takes one step along the given gradient."""

    def __init__(self, z: torch.Tensor, lr: float, state: dict | None = None):
        self.z = z
        self.optimizer = torch.optim.Adam([z], lr=lr)
        if state is not None:
            self.optimizer.load_state_dict(state)

    def step(self, grad: torch.Tensor) -> None:
        self.z.grad = grad
        self.optimizer.step()

    def state_dict(self) -> dict:
        return self.optimizer.state_dict()


class LBFGSStepper:
    """L-BFGS with the strong-Wolfe line search on ``evaluate``'s loss divided by ``scale`` (see the module
    docstring); ``z`` is a leaf updated in place."""

    def __init__(self, z: torch.Tensor, evaluate, *, scale: float, history: int, max_ls: int,
                 state: dict | None = None):
        self.z, self.evaluate, self.scale = z, evaluate, scale
        self.history, self.max_ls = history, max_ls
        self.reset()
        if state is not None:
            self.optimizer.load_state_dict(state)

    def reset(self) -> None:
        """Forget the curvature pairs."""
        self.optimizer = torch.optim.LBFGS(
            [self.z], lr=1, max_iter=1, max_eval=self.max_ls + 1, history_size=self.history, tolerance_grad=0.0,
            tolerance_change=0.0, line_search_fn="strong_wolfe")

    def _closure(self):
        loss, _, grad = self.evaluate(self.z)
        self.z.grad = grad / self.scale
        return torch.tensor(loss / self.scale, dtype=self.z.dtype)

    def step(self) -> None:
        """One L-BFGS iteration (a direction and its line search)."""
        self.optimizer.step(self._closure)

    def rescale(self, loss: float) -> None:
        """Divide the objective by ``loss`` from now on, rescaling the stored pairs to match."""
        c = self.scale / loss
        st = self.optimizer.state_dict()["state"].get(0)  # the live per-parameter state, not a copy
        if st and "old_dirs" in st:
            for y in st["old_dirs"]:
                y.mul_(c)
            st["ro"] = [rho / c for rho in st["ro"]]
            st["H_diag"] = st["H_diag"] / c
            if st.get("prev_flat_grad") is not None:
                st["prev_flat_grad"].mul_(c)
        self.scale = loss

    def state_dict(self) -> dict:
        return self.optimizer.state_dict()
