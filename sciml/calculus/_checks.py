"""Checking a custom ``autograd.Function`` against finite differences, with a report instead of a traceback.

:func:`check_function` runs ``torch.autograd.gradcheck`` (reverse mode, and ``vmap`` of the backward),
``gradgradcheck`` (double backward) and the forward-mode check in float64, and measures the largest gap
between the analytical and the central-difference Jacobians of first and second order.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from sciml.calculus._operators import _forward_mode_ready
from sciml.results import Result


@dataclasses.dataclass(repr=False)
class FunctionCheck(Result):
    """The outcome of :func:`check_function`.

    Attributes
    ----------
    passed : bool
        Every check passed.
    gradcheck, gradgradcheck, forward_ad, vmap : bool
        ``torch.autograd.gradcheck`` of the backward, ``gradgradcheck`` (double backward), gradcheck of
        the forward-mode ``jvp``, and of the backward under ``vmap`` (batched gradients).
    max_abs_error : float
        Largest ``|analytical − numerical|`` entry of the first-order Jacobian and of the Jacobian of
        :math:`x \\mapsto J(x)^\\top 1` (second order), numerical by central differences with step ``eps``.
    message : str
        The first line of each failed check's message, or ``"all checks passed"``.
    """

    passed: bool
    gradcheck: bool
    gradgradcheck: bool
    forward_ad: bool
    vmap: bool
    max_abs_error: float
    message: str


def _run(check, *args, **kwargs) -> tuple[bool, str]:
    try:
        return bool(check(*args, **kwargs)), ""
    except Exception as exc:  # GradcheckError, or a missing jvp/vmap rule: all are failures to report
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return False, f"{type(exc).__name__}: {first}"


def _numerical_jacobian(f, x: torch.Tensor, eps: float) -> torch.Tensor:
    flat = x.detach().reshape(-1)
    columns = []
    for j in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[j] = eps
        plus = f((flat + step).reshape(x.shape)).reshape(-1)
        minus = f((flat - step).reshape(x.shape)).reshape(-1)
        columns.append((plus - minus) / (2 * eps))
    return torch.stack(columns, dim=-1)


def _analytical_jacobian(f, x: torch.Tensor) -> torch.Tensor:
    xg = x.detach().requires_grad_(True)
    with torch.enable_grad():
        y = f(xg).reshape(-1)
        rows = [torch.autograd.grad(y[i], xg, retain_graph=True, allow_unused=True,
                                    materialize_grads=True)[0].reshape(-1) for i in range(y.numel())]
    return torch.stack(rows)


def _first_derivative(f):
    """``x -> J(x)^T 1`` by one backward pass (differentiable, for the second-order Jacobian)."""

    def g(x):
        with torch.enable_grad():
            xg = x if x.requires_grad else x.detach().requires_grad_(True)
            y = f(xg)
            (d,) = torch.autograd.grad(y, xg, grad_outputs=torch.ones_like(y), create_graph=True,
                                       allow_unused=True, materialize_grads=True)
        return d

    return g


def check_function(fn, x=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                   generator: torch.Generator | None = None) -> FunctionCheck:
    r"""Check a custom ``torch.autograd.Function`` (or any differentiable callable) of one tensor.

    Four checks of ``torch.autograd`` run in float64 at the points ``x``: ``gradcheck`` of the backward,
    ``gradgradcheck`` (double backward), ``gradcheck`` of the forward-mode ``jvp`` and of the backward under
    ``vmap``. Each compares an analytical Jacobian :math:`J` with central differences,

    .. math:: \tilde J_{:, j} = \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2 \varepsilon},
              \qquad |J - \tilde J| \le \mathrm{atol} + \mathrm{rtol}\, |\tilde J| \ \text{entrywise},

    with :math:`\varepsilon` = ``eps``, ``atol`` and ``rtol`` as given. The report's ``max_abs_error`` is the
    largest :math:`|J - \tilde J|` of :math:`f` and of its first derivative :math:`x \mapsto J(x)^\top 1`.

    Parameters
    ----------
    fn : torch.autograd.Function subclass or callable
        The Function (``fn.apply`` is called) or a callable ``f(x) -> tensor`` of one tensor.
    x : tensor-like, optional
        The points; default 8 standard normal samples drawn with ``generator``. Cast to float64.
    eps : float
        The finite-difference step :math:`\varepsilon`.
    atol, rtol : float
        The absolute and relative tolerances of the comparison.
    generator : torch.Generator, optional
        The random source of the default points.

    Returns
    -------
    FunctionCheck
        ``passed``, one flag per check, ``max_abs_error`` and ``message`` (the first line of each failure).
        Never raises for a wrong derivative: failures are in the report.

    Raises
    ------
    TypeError
        ``fn`` is neither a Function subclass nor callable.

    References
    ----------
    .. [1] PyTorch documentation, "Gradcheck mechanics" (``torch.autograd.gradcheck``, ``gradgradcheck``).
    .. [2] A. Griewank and A. Walther, *Evaluating Derivatives*, 2nd ed., SIAM, 2008 (forward and reverse
       modes).

    Examples
    --------
    >>> from sciml.calculus._functions import Cubic
    >>> check_function(Cubic, [-1.0, 0.0, 0.5, 2.0]).passed
    True

    A Function whose backward forgets the factor 2 of :math:`(x^2)' = 2x`:

    >>> class WrongSquare(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(x):
    ...         return x**2
    ...     @staticmethod
    ...     def setup_context(ctx, inputs, output):
    ...         ctx.save_for_backward(*inputs)
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * x
    >>> report = check_function(WrongSquare, [1.0, 2.0])
    >>> report.passed, report.gradcheck, round(report.max_abs_error, 6)   # |2x − x| at x = 2
    (False, False, 2.0)
    """
    if isinstance(fn, type) and issubclass(fn, torch.autograd.Function):
        f = fn.apply
    elif callable(fn):
        f = fn
    else:
        raise TypeError(f"fn must be a torch.autograd.Function subclass or a callable, got {type(fn).__name__}")
    if x is None:
        x = torch.randn(8, dtype=torch.float64, generator=generator)
    x = torch.as_tensor(x, dtype=torch.float64).detach().clone().requires_grad_(True)
    _forward_mode_ready()
    tol = {"eps": eps, "atol": atol, "rtol": rtol}
    ok_grad, m1 = _run(torch.autograd.gradcheck, f, (x,), **tol)
    ok_gradgrad, m2 = _run(torch.autograd.gradgradcheck, f, (x,), **tol)
    ok_fwd, m3 = _run(torch.autograd.gradcheck, f, (x,), **tol, check_forward_ad=True,
                      check_backward_ad=False, check_undefined_grad=False)
    ok_vmap, m4 = _run(torch.autograd.gradcheck, f, (x,), **tol, check_batched_grad=True)
    try:
        with torch.no_grad():
            first = (_analytical_jacobian(f, x) - _numerical_jacobian(f, x, eps)).abs().max()
        d = _first_derivative(f)
        second = (_analytical_jacobian(d, x) - _numerical_jacobian(d, x, eps)).abs().max()
        error = float(torch.maximum(first, second).detach())
    except Exception as exc:
        error, m1 = math.inf, m1 or f"{type(exc).__name__}: {exc}"
    if not math.isfinite(error):
        error = math.inf
    names = ("gradcheck", "gradgradcheck", "forward_ad", "vmap")
    failed = [f"{n}: {m}" for n, m in zip(names, (m1, m2, m3, m4), strict=True) if m]
    passed = ok_grad and ok_gradgrad and ok_fwd and ok_vmap and math.isfinite(error)
    return FunctionCheck(passed, ok_grad, ok_gradgrad, ok_fwd, ok_vmap, error,
                         "; ".join(failed) if failed else "all checks passed")
