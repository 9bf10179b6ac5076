r"""Batched minimization: ``B`` independent problems ``fun: (B, n) -> (B,)`` advanced together.

Every instance has its own step length, curvature memory, convergence test, status and iteration count;
an instance that converges, fails its line search or meets a NaN is frozen (a NaN stops only itself, its
last finite iterate kept), and the others go on. Derivatives come from one backward pass of
``fun(x).sum()`` (the instances must not interact); Hessians (``newton`` and the second-order check) from
``n`` more passes. Methods:

- ``gd``: :math:`d = -g`, Armijo backtracking per instance (from twice the last step);
- ``adam``: ``torch.optim.Adam`` (a fixed ``lr``, default 1e-3) through
  :class:`sciml.training.TorchStepper`;
- ``newton``: the eigenvalue-modified Newton step of :mod:`sciml.optimize._newton`, Armijo from 1;
- ``bfgs``: an inverse-Hessian estimate per instance, updated when :math:`y^T s > \epsilon\|y\|\|s\|`;
- ``l-bfgs``: the two-loop recursion over ``m`` stored pairs per instance (skipped pairs are stored as
  zeros, which the recursion ignores).

The line search is Armijo backtracking, with steps accepted at once doubled while the slope stays steeper
than 0.9 times the first (a batched stand-in for Wolfe's curvature condition); a pair that fails the
curvature test is skipped.
"""

from __future__ import annotations

import math
import warnings

import torch

from sciml.optimize._result import FAILED, NOT_CHECKED, VERIFIED, OptimizeResult, Status
from sciml.optimize._second_order import default_curvature_tol
from sciml.results import ConvergenceError, ConvergenceWarning
from sciml.training import TorchStepper

#: the methods ``minimize(..., batched=True)`` runs
BATCHED_METHODS = ("gd", "adam", "newton", "bfgs", "l-bfgs")
_OPTIONS = {"gd": {"c1", "max_ls"}, "adam": {"lr"}, "newton": {"c1", "max_ls"}, "bfgs": {"c1", "max_ls"},
            "l-bfgs": {"c1", "max_ls", "m"}}


class _Batch:
    def __init__(self, fun, B, n, dtype):
        self.fun, self.B, self.n, self.dtype = fun, B, n, dtype
        self.nfev = 0

    def values(self, x) -> torch.Tensor:
        out = self.fun(x)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (self.B,):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"fun must map x of shape ({self.B}, {self.n}) to one value per instance, shape "
                             f"({self.B},), when batched=True; got {got}")
        return out.to(self.dtype)

    def value_and_grad(self, x):
        self.nfev += 1
        w = x.detach().requires_grad_(True)
        with torch.enable_grad():
            f = self.values(w)
            if not f.requires_grad:
                raise TypeError("fun's value is not connected to x in the autograd graph: build it with torch "
                                "operations on x")
            (g,) = torch.autograd.grad(f.sum(), w)
        return f.detach(), g.detach()

    def hess(self, x) -> torch.Tensor:
        w = x.detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self.values(w).sum(), w, create_graph=True)
            cols = []
            for j in range(self.n):
                if not g.requires_grad:
                    cols.append(torch.zeros_like(x))
                    continue
                (h,) = torch.autograd.grad(g[:, j].sum(), w, retain_graph=True, allow_unused=True)
                cols.append(torch.zeros_like(x) if h is None else h)
        H = torch.stack(cols, -1).detach()
        return (H + H.mT) / 2


def _armijo(batch, x, f, g, d, t, live, c1, max_ls):
    """Per-instance backtracking; returns the accepted ``t`` (0 where none) with ``f`` and ``g`` there."""
    slope = (g * d).sum(1)
    t0, t = t, t.clone()
    done = ~live
    f_new, g_new = f.clone(), g.clone()
    accepted = torch.zeros_like(live)
    noise = 100 * torch.finfo(x.dtype).eps * f.abs()
    for _ in range(max_ls):
        trial = ~done
        if not bool(trial.any()):
            break
        ft, gt = batch.value_and_grad(torch.where(trial[:, None], x + t[:, None] * d, x))
        slope_t = (gt * d).sum(1)
        ok = torch.isfinite(ft) & ((ft <= f + c1 * t * slope) | (((ft - f).abs() <= noise)
                                                                 & (slope_t <= (2 * c1 - 1) * slope)))
        ok &= trial
        f_new = torch.where(ok, ft, f_new)
        g_new = torch.where(ok[:, None], gt, g_new)
        accepted |= ok
        done |= ok
        t = torch.where(done, t, t / 2)
    # extend steps accepted at once whose slope is still steep (Wolfe's curvature condition fails): a
    # batched stand-in for the Wolfe search that keeps quasi-Newton updates informative
    grow = accepted & (t == t0) & ((g_new * d).sum(1) < 0.9 * slope)
    for _ in range(max_ls if bool(grow.any()) else 0):
        t2 = 2 * t
        ft, gt = batch.value_and_grad(torch.where(grow[:, None], x + t2[:, None] * d, x))
        ok = grow & torch.isfinite(ft) & (ft <= f + c1 * t2 * slope) & (ft <= f_new)
        f_new = torch.where(ok, ft, f_new)
        g_new = torch.where(ok[:, None], gt, g_new)
        t = torch.where(ok, t2, t)
        grow = ok & ((gt * d).sum(1) < 0.9 * slope)
        if not bool(grow.any()):
            break
    return torch.where(accepted, t, torch.zeros_like(t)), f_new, g_new, accepted


def _modified_newton(H, g):
    w, V = torch.linalg.eigh(H)
    delta = torch.finfo(H.dtype).eps ** 0.5 * w.abs().amax(1, keepdim=True).clamp_min(1.0)
    return -(V @ ((V.mT @ g[..., None]).squeeze(-1) / w.abs().maximum(delta))[..., None]).squeeze(-1)


def _two_loop(g, S, Y, rho, gamma):
    q = g.clone()
    m = S.shape[1]
    alphas = []
    for i in reversed(range(m)):
        a = rho[:, i] * (S[:, i] * q).sum(1)
        alphas.append(a)
        q = q - a[:, None] * Y[:, i]
    r = gamma[:, None] * q
    for i, a in zip(range(m), reversed(alphas), strict=True):
        b = rho[:, i] * (Y[:, i] * r).sum(1)
        r = r + (a - b)[:, None] * S[:, i]
    return r


def minimize_batched(fun, x, *, method, options, gtol, rtol, max_iter, check_hessian, throw):
    """The batched loop (see the module); ``x`` is ``(B, n)``, validated."""
    if method not in BATCHED_METHODS:
        raise ValueError(f"method {method!r} has no batched form; with batched=True use one of "
                         f"{list(BATCHED_METHODS)}")
    options = dict(options or {})
    unknown = set(options) - _OPTIONS[method]
    if unknown:
        raise TypeError(f"options: {sorted(unknown)[0]!r} is not an option of batched method {method!r} "
                        f"(its options: {', '.join(sorted(_OPTIONS[method]))})")
    c1, max_ls = float(options.get("c1", 1e-4)), int(options.get("max_ls", 60))
    B, n = x.shape
    batch = _Batch(fun, B, n, x.dtype)
    eps = torch.finfo(x.dtype).eps
    f, g = batch.value_and_grad(x)
    status = torch.full((B,), -1, dtype=torch.long)
    scale = g.abs().amax(1)
    threshold = torch.full_like(scale, gtol) if gtol is not None else rtol * scale
    nit = torch.zeros(B, dtype=torch.long)
    t = 1.0 / g.norm(dim=1).clamp_min(torch.finfo(x.dtype).tiny)
    m = int(options.get("m", 10))
    H = torch.eye(n, dtype=x.dtype).expand(B, n, n).clone() if method == "bfgs" else None
    fresh = torch.ones(B, dtype=torch.bool)
    S = x.new_zeros(B, 0, n)
    Y, rho, gamma = x.new_zeros(B, 0, n), x.new_zeros(B, 0), x.new_ones(B)
    z = None
    if method == "adam":
        z = x.detach().clone()
        stepper = TorchStepper(z, torch.optim.Adam, lr=float(options.get("lr", 1e-3)))
    for _ in range(max_iter + 1):
        bad = ~(torch.isfinite(f) & torch.isfinite(g).all(1)) & (status < 0)
        status[bad] = int(Status.NONFINITE)
        conv = (g.abs().amax(1) <= threshold) & (status < 0)
        status[conv] = int(Status.SUCCESS)
        live = status < 0
        if not bool(live.any()):
            break
        if int(nit.max()) >= max_iter:
            status[live] = int(Status.MAX_ITER)
            break
        if method == "adam":
            with torch.no_grad():
                z.copy_(x)
            stepper.step(torch.where(live[:, None], g, torch.zeros_like(g)))
            x_new = torch.where(live[:, None], z.detach(), x)
            f_new, g_new = batch.value_and_grad(x_new)
            finite = torch.isfinite(f_new) & torch.isfinite(g_new).all(1)
            status[live & ~finite] = int(Status.NONFINITE)
            keep = live & finite
            x = torch.where(keep[:, None], x_new, x)
            f, g = torch.where(keep, f_new, f), torch.where(keep[:, None], g_new, g)
            nit += keep.long()
            continue
        if method == "gd":
            d, t0 = -g, torch.where(fresh, t, 2 * t)
        elif method == "newton":
            d, t0 = _modified_newton(batch.hess(x), g), torch.ones_like(t)
        elif method == "bfgs":
            d = -(H @ g[..., None]).squeeze(-1)
            t0 = torch.where(fresh, t, torch.ones_like(t))
        else:
            d = -_two_loop(g, S, Y, rho, gamma) if S.shape[1] else -g
            t0 = torch.where(fresh, t, torch.ones_like(t))
        uphill = live & ((g * d).sum(1) >= 0)
        d = torch.where(uphill[:, None], -g, d)
        if bool(uphill.any()) and method in ("bfgs", "l-bfgs"):  # a spoilt curvature memory: start afresh
            fresh = fresh | uphill
            if method == "bfgs":
                H = torch.where(uphill[:, None, None], torch.eye(n, dtype=x.dtype), H)
            else:
                rho = torch.where(uphill[:, None], torch.zeros_like(rho), rho)
                gamma = torch.where(uphill, torch.ones_like(gamma), gamma)
        t0 = torch.where(uphill, 1.0 / g.norm(dim=1).clamp_min(torch.finfo(x.dtype).tiny), t0)
        step_t, f_new, g_new, ok = _armijo(batch, x, f, g, d, t0, live, c1, max_ls)
        failed = live & ~ok
        floor = failed & (g.abs().amax(1) <= eps ** (1 / 3) * scale) & (gtol is None)
        status[floor] = int(Status.FTOL)
        status[failed & ~floor] = int(Status.LINE_SEARCH)
        s = step_t[:, None] * d
        y = g_new - g
        x = torch.where(ok[:, None], x + s, x)
        f, g = torch.where(ok, f_new, f), torch.where(ok[:, None], g_new, g)
        nit += ok.long()
        t = torch.where(ok, step_t, t)
        sy = (s * y).sum(1)
        good = ok & (sy > eps * s.norm(dim=1) * y.norm(dim=1))
        if method == "bfgs":
            scale0 = torch.where(fresh & good, sy / (y * y).sum(1).clamp_min(torch.finfo(x.dtype).tiny),
                                 torch.ones_like(sy))
            H = torch.where((fresh & good)[:, None, None], H * scale0[:, None, None], H)
            r = torch.where(good, 1 / sy.where(good, torch.ones_like(sy)), torch.zeros_like(sy))
            Hy = (H @ y[..., None]).squeeze(-1)
            H = (H + ((r * r * (sy + (y * Hy).sum(1)))[:, None, None] * (s[:, :, None] * s[:, None, :]))
                 - r[:, None, None] * (Hy[:, :, None] * s[:, None, :] + s[:, :, None] * Hy[:, None, :]))
        elif method == "l-bfgs":
            sg = torch.where(good[:, None], s, torch.zeros_like(s))
            yg = torch.where(good[:, None], y, torch.zeros_like(y))
            rg = torch.where(good, 1 / sy.where(good, torch.ones_like(sy)), torch.zeros_like(sy))
            S, Y = torch.cat([S, sg[:, None]], 1)[:, -m:], torch.cat([Y, yg[:, None]], 1)[:, -m:]
            rho = torch.cat([rho, rg[:, None]], 1)[:, -m:]
            gamma = torch.where(good, sy / (y * y).sum(1).clamp_min(torch.finfo(x.dtype).tiny), gamma)
        fresh = fresh & ~ok
    return _result(batch, x, f, g, status, nit, method, check_hessian, throw)


def _result(batch, x, f, g, status, nit, method, check_hessian, throw):
    B = x.shape[0]
    lam = None
    second = [NOT_CHECKED] * B
    done = status == int(Status.SUCCESS)
    done |= status == int(Status.FTOL)
    if check_hessian and bool(done.any()):
        w = torch.linalg.eigvalsh(batch.hess(x))
        lam = w[:, 0]
        tol = torch.tensor([default_curvature_tol(wi) for wi in w], dtype=x.dtype)
        pd = lam > tol
        for i in range(B):
            if bool(done[i]):
                second[i] = VERIFIED if bool(pd[i]) else FAILED
        status[done & ~pd] = int(Status.SECOND_ORDER)
    success = (status == int(Status.SUCCESS)) | (status == int(Status.FTOL))
    counts = {Status(int(c)).name: int((status == c).sum()) for c in status.unique()}
    text = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    message = f"{int(success.sum())} of {B} instances converged ({text})"
    if not bool(success.all()):
        first = int((~success).nonzero()[0])
        message += f"; instance {first}: {Status(int(status[first])).hint}"
    result = OptimizeResult(x=x, fun=f, success=success, status=status, message=message, second_order=second,
                            jac=g, min_eigenvalue=lam, nit=nit, nfev=batch.nfev, njev=batch.nfev,
                            method=method)
    if not bool(success.all()):
        if throw:
            raise ConvergenceError(message, result)
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    return result


def batched_x0(x0, dtype, device):
    """``x0`` of shape ``(B, n)``, checked."""
    from sciml._validation import as_tensor, resolve_dtype

    x = as_tensor(x0, "x0", dtype=resolve_dtype(dtype, x0, complex=False), device=device)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x0 must have shape (B, n) with B, n >= 1 when batched=True, got {tuple(x.shape)}")
    if x.is_complex():
        raise TypeError("x0 must be real")
    return x.detach().clone(), math.prod(x.shape)
