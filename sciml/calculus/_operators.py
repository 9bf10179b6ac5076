"""Derivative operators with the names of ``torch.func``/JAX: grad, jacobian, hessian, products, Laplacian.

``grad``, ``jacobian``, ``hessian``, ``laplacian`` and ``divergence`` take a function of one tensor and
return a function (compose them, and batch them with ``torch.func.vmap``); ``jvp``, ``vjp`` and ``hvp``
return values, and so does ``derivative`` (k-th derivatives of a pointwise function at many points, what
PINN residuals need).

Second derivatives compose reverse mode inside (``jacrev∘jacrev``): in torch 2.13 forward-over-forward
compositions return 0 through custom ``autograd.Function``s (pytorch#197867) and through
``det``/``linalg.solve``/``slogdet`` (pytorch#198017).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import torch
from torch import func as tf

from sciml._validation import as_tensor, check_int
from sciml.calculus import _taylor as taylor

_MODES = ("rev", "fwd", "auto")


@functools.cache
def _forward_mode_ready() -> None:
    """Import torch's forward-mode decompositions once, hiding the DeprecationWarning torch 2.13 raises
    from its own ``torch.jit.script`` calls there (on first forward-mode use, not from user code)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated",
                                category=DeprecationWarning)
        import torch._decomp.decompositions_for_jvp  # noqa: F401


def _check_callable(f, op: str) -> None:
    if not callable(f):
        raise TypeError(f"{op}: f must be a callable taking one tensor, got {type(f).__name__}")


def _point(x, op: str, name: str = "x") -> torch.Tensor:
    """``x`` as a floating tensor; integer tensors are refused (a derivative needs a floating point)."""
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            raise TypeError(
                f"{op}: {name} must be a floating-point tensor to differentiate at, got dtype {x.dtype}; "
                f"pass {name}.double() (or a float dtype of your choice)"
            )
        return x
    return as_tensor(x, name)


def _direction(v, like: torch.Tensor, shape, name: str, what: str) -> torch.Tensor:
    if isinstance(v, torch.Tensor):  # no value checks: v may be batched inside vmap
        if v.is_complex() and not like.is_complex():
            raise TypeError(f"{name} is complex but {what} is real; sciml does not drop imaginary parts: "
                            f"differentiate the real and imaginary parts of {name} separately")
        v = v.to(dtype=like.dtype, device=like.device)
    else:
        v = as_tensor(v, name, dtype=like.dtype, device=like.device)
    if tuple(v.shape) != tuple(shape):
        raise ValueError(f"{name} must have the shape of {what}, {tuple(shape)}, got shape {tuple(v.shape)}")
    return v


def _tensor_output(out, op: str) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"{op}: f must return a tensor, got {type(out).__name__}")
    return out


def _scalar(f, op: str):
    """``f`` with its output checked to be one number, returned as a 0-dim tensor."""

    def scalar_f(x):
        out = _tensor_output(f(x), op)
        if out.numel() != 1:
            raise ValueError(
                f"{op}: f must return a scalar, got an output of shape {tuple(out.shape)}; use jacobian(f) "
                "for vector-valued functions, or reduce the output (e.g. .sum())"
            )
        return out.reshape(())

    scalar_f.__name__ = getattr(f, "__name__", type(f).__name__)
    return scalar_f


def grad(f: Callable) -> Callable:
    r"""The gradient :math:`\nabla f` of a scalar function of one tensor, as a function.

    .. math:: \nabla f(x)_i = \partial f / \partial x_i

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar tensor`` (any output with one element is accepted).

    Returns
    -------
    callable
        ``g(x)`` with ``g(x).shape == x.shape``. It composes with ``torch.func`` transforms; for a batch
        of points use ``torch.func.vmap(grad(f))(X)``.

    Raises ``ValueError`` when ``f`` is not scalar and ``TypeError`` for integer ``x``.

    Examples
    --------
    >>> g = grad(lambda x: x[0] ** 2 * x[1] + x[1] + 2)
    >>> g(torch.tensor([2.0, 3.0], dtype=torch.float64))
    tensor([12.,  5.], dtype=torch.float64)
    """
    _check_callable(f, "grad")
    inner = tf.grad(_scalar(f, "grad"))

    def gradient(x):
        return inner(_point(x, "grad"))

    return gradient


def jacobian(f: Callable, mode: str = "auto") -> Callable:
    r"""The Jacobian :math:`J_{ij} = \partial f_i / \partial x_j` of a function of one tensor, as a function.

    Parameters
    ----------
    f : callable
        ``f(x) -> tensor``.
    mode : {"auto", "rev", "fwd"}
        ``"rev"``: one reverse pass per output entry (``torch.func.jacrev``); ``"fwd"``: one forward pass
        per input entry (``torch.func.jacfwd``); ``"auto"``: reverse when the output has at most as many
        entries as the input (reusing the forward pass it needs to find that out), else forward.

    Returns
    -------
    callable
        ``J(x)`` of shape ``f(x).shape + x.shape``.

    Examples
    --------
    >>> J = jacobian(lambda x: torch.stack([x[0] ** 2 + x[1], x[0] * x[1]]))
    >>> J(torch.tensor([1.0, 2.0], dtype=torch.float64))
    tensor([[2., 1.],
            [2., 1.]], dtype=torch.float64)
    """
    _check_callable(f, "jacobian")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")

    def checked(x):
        return _tensor_output(f(x), "jacobian")

    def jac(x):
        x = _point(x, "jacobian")
        if mode == "rev":
            return tf.jacrev(checked)(x)
        if mode == "fwd":
            _forward_mode_ready()
            return tf.jacfwd(checked)(x)
        out, pullback = tf.vjp(checked, x)
        m = out.numel()
        if m <= x.numel():
            basis = torch.eye(m, dtype=out.dtype, device=out.device).reshape(m, *out.shape)
            (rows,) = tf.vmap(pullback)(basis)
            return rows.reshape(*out.shape, *x.shape)
        _forward_mode_ready()
        return tf.jacfwd(checked)(x)

    return jac


def hessian(f: Callable) -> Callable:
    r"""The Hessian :math:`H_{ij} = \partial^2 f / \partial x_i \partial x_j` of a scalar function, as a function.

    .. math:: \nabla^2 f(x)_{ij} = \frac{\partial^2 f}{\partial x_i\,\partial x_j}(x)

    Computed as ``jacrev(jacrev(f))`` (reverse over reverse: the fastest route measured on CPU, and
    correct through custom ``autograd.Function``s whose backward is differentiable).

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar tensor`` (any output with one element is accepted), twice differentiable.

    Returns
    -------
    callable
        ``H(x)`` of shape ``x.shape + x.shape``. It composes with ``torch.func`` transforms; for a batch
        of points use ``torch.func.vmap(hessian(f))(X)``.

    Raises ``ValueError`` when ``f`` is not scalar and ``TypeError`` for integer ``x``.

    References
    ----------
    .. [1] ``torch.func.hessian`` (``jacfwd(jacrev(f))`` there; reverse over reverse here, see the
       module docstring for why).
    .. [2] A. Griewank and A. Walther, *Evaluating Derivatives: Principles and Techniques of Algorithmic
       Differentiation*, 2nd ed., SIAM, 2008, ch. 5 (second-order adjoints).

    Examples
    --------
    >>> H = hessian(lambda x: x[0] ** 2 * x[1])
    >>> H(torch.tensor([2.0, 3.0], dtype=torch.float64))
    tensor([[6., 4.],
            [4., 0.]], dtype=torch.float64)

    Symmetric, and constant for a quadratic form :math:`f(x) = x^\top A x`, where it is :math:`A + A^\top`:

    >>> A = torch.tensor([[1.0, 2.0], [0.0, 3.0]], dtype=torch.float64)
    >>> hessian(lambda x: x @ A @ x)(torch.zeros(2, dtype=torch.float64))
    tensor([[2., 2.],
            [2., 6.]], dtype=torch.float64)
    """
    return _hessian(f, "hessian")


def _hessian(f: Callable, op: str) -> Callable:
    _check_callable(f, op)
    inner = tf.jacrev(tf.jacrev(_scalar(f, op)))

    def hess(x):
        return inner(_point(x, op))

    return hess


def jvp(f: Callable, x, v) -> torch.Tensor:
    r"""The Jacobian-vector product :math:`J(x)\,v` (forward mode), without forming :math:`J`.

    .. math:: J(x)\,v = \frac{d}{d\varepsilon} f(x + \varepsilon v)\Big|_{\varepsilon = 0},
              \qquad J_{ij} = \partial f_i / \partial x_j

    One forward-mode pass (``torch.func.jvp``), at about the cost of one evaluation of ``f``.

    Parameters
    ----------
    f : callable
        ``f(x) -> tensor``.
    x : floating tensor-like
        The point :math:`x`.
    v : tensor-like
        The tangent direction :math:`v`, of the shape of ``x``; cast to its dtype and device.

    Returns
    -------
    torch.Tensor
        Only the product :math:`J(x)\,v` (shape ``f(x).shape``), not ``f(x)``.

    Raises ``ValueError`` when ``v`` does not have the shape of ``x`` and ``TypeError`` for integer ``x``.

    References
    ----------
    .. [1] ``torch.func.jvp``, which this wraps (it returns ``(f(x), J(x) v)``).
    .. [2] A. Griewank and A. Walther, *Evaluating Derivatives: Principles and Techniques of Algorithmic
       Differentiation*, 2nd ed., SIAM, 2008, ch. 3 (forward propagation of tangents).

    Examples
    --------
    >>> jvp(torch.sin, torch.tensor([0.0], dtype=torch.float64), [2.0])
    tensor([2.], dtype=torch.float64)

    The first column of the Jacobian of :func:`jacobian`'s example, ``[[2, 1], [2, 1]]`` at ``(1, 2)``:

    >>> f = lambda x: torch.stack([x[0] ** 2 + x[1], x[0] * x[1]])
    >>> jvp(f, torch.tensor([1.0, 2.0], dtype=torch.float64), [1.0, 0.0])
    tensor([2., 2.], dtype=torch.float64)
    """
    _check_callable(f, "jvp")
    x = _point(x, "jvp")
    v = _direction(v, x, x.shape, "v", "x")
    _forward_mode_ready()
    _, tangent = tf.jvp(lambda t: _tensor_output(f(t), "jvp"), (x,), (v,))
    return tangent


def vjp(f: Callable, x, v) -> torch.Tensor:
    r"""The vector-Jacobian product :math:`v^\top J(x)` (reverse mode), without forming :math:`J`.

    .. math:: \big(v^\top J(x)\big)_j = \sum_i v_i\,\frac{\partial f_i}{\partial x_j}(x)
              = \frac{\partial}{\partial x_j} \big(v^\top f(x)\big)

    This is what ``y = f(x); y.backward(v); x.grad`` computes: one reverse pass (``torch.func.vjp``), at
    a small multiple of the cost of one evaluation of ``f``.

    Parameters
    ----------
    f : callable
        ``f(x) -> tensor``.
    x : floating tensor-like
        The point :math:`x`.
    v : tensor-like
        The cotangent :math:`v`, of the shape of ``f(x)``; cast to its dtype and device.

    Returns
    -------
    torch.Tensor
        Only the product :math:`v^\top J(x)` (shape ``x.shape``), not ``f(x)``.

    Raises ``ValueError`` when ``v`` does not have the shape of ``f(x)`` and ``TypeError`` for integer ``x``.

    References
    ----------
    .. [1] ``torch.func.vjp``, which this wraps (it returns ``f(x)`` and the pullback ``v -> v^T J(x)``).
    .. [2] A. Griewank and A. Walther, *Evaluating Derivatives: Principles and Techniques of Algorithmic
       Differentiation*, 2nd ed., SIAM, 2008, ch. 3 (reverse propagation of gradients).

    Examples
    --------
    >>> f = lambda x: torch.stack([x[0] ** 2 + x[1], x[0] * x[1]])
    >>> vjp(f, torch.tensor([1.0, 2.0], dtype=torch.float64), [1.0, 1.0])
    tensor([4., 2.], dtype=torch.float64)

    A one-hot ``v`` picks a row of the Jacobian, ``[[2, 1], [2, 1]]`` here:

    >>> vjp(f, torch.tensor([1.0, 2.0], dtype=torch.float64), [0.0, 1.0])
    tensor([2., 1.], dtype=torch.float64)
    """
    _check_callable(f, "vjp")
    x = _point(x, "vjp")
    out, pullback = tf.vjp(lambda t: _tensor_output(f(t), "vjp"), x)
    v = _direction(v, out, out.shape, "v", "f(x)")
    (product,) = pullback(v)
    return product


def _in_transform(*tensors) -> bool:
    check = getattr(torch._C._functorch, "is_functorch_wrapped_tensor", None)
    return check is not None and any(check(t) for t in tensors)


def hvp(f: Callable, x, v, *, create_graph: bool = False) -> torch.Tensor:
    r"""The Hessian-vector product :math:`\nabla^2 f(x)\,v` by double backward, never forming the Hessian.

    .. math:: \nabla^2 f(x)\,v = \nabla_x \big(\nabla f(x)^\top v\big)

    Costs about two gradients. With ``create_graph=True`` the product is differentiable again (in ``x``
    when ``x.requires_grad``, and in parameters of ``f``). Inside ``torch.func`` transforms (e.g.
    ``vmap(lambda v: hvp(f, x, v))`` to get many products) it switches to the transformable
    ``torch.func`` route (``vjp`` of ``grad``).

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar tensor`` (any output with one element is accepted).
    x : floating tensor-like
        The point :math:`x`.
    v : tensor-like
        The direction :math:`v`, of the shape of ``x``; cast to its dtype and device.
    create_graph : bool, default False
        Keep the graph of the product so that it can be differentiated again. ``False`` returns a
        tensor without a graph.

    Returns
    -------
    torch.Tensor
        :math:`\nabla^2 f(x)\,v`, of the shape of ``x`` (zeros when ``f`` is affine in ``x``).

    Raises ``ValueError`` when ``f`` is not scalar or ``v`` does not have the shape of ``x``, and
    ``TypeError`` for integer ``x``.

    References
    ----------
    .. [1] B. A. Pearlmutter, "Fast exact multiplication by the Hessian", *Neural Computation* 6(1),
       147–160, 1994.
    .. [2] A. Griewank and A. Walther, *Evaluating Derivatives: Principles and Techniques of Algorithmic
       Differentiation*, 2nd ed., SIAM, 2008, ch. 5 (second-order adjoints).
    .. [3] ``torch.autograd.functional.hvp`` and the ``torch.func`` tutorial "Jacobians, Hessians, hvp,
       vhp, and more".

    Examples
    --------
    >>> hvp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0], dtype=torch.float64), [1.0, 1.0])
    tensor([ 6., 12.], dtype=torch.float64)

    Mapped over the basis vectors with ``torch.func.vmap`` it gives the Hessian, column by column (the
    one of :func:`hessian`'s example):

    >>> f = lambda x: x[0] ** 2 * x[1]
    >>> x = torch.tensor([2.0, 3.0], dtype=torch.float64)
    >>> torch.func.vmap(lambda v: hvp(f, x, v))(torch.eye(2, dtype=torch.float64))
    tensor([[6., 4.],
            [4., 0.]], dtype=torch.float64)
    """
    _check_callable(f, "hvp")
    x = _point(x, "hvp")
    v = _direction(v, x, x.shape, "v", "x")
    scalar_f = _scalar(f, "hvp")
    if _in_transform(x, v):
        _, pullback = tf.vjp(tf.grad(scalar_f), x)
        return pullback(v)[0]
    with torch.enable_grad():
        xg = x if x.requires_grad else x.detach().requires_grad_(True)
        y = scalar_f(xg)
        if not y.requires_grad:
            return torch.zeros_like(x)
        (g,) = torch.autograd.grad(y, xg, create_graph=True)
        if not g.requires_grad:  # f is affine: the Hessian vanishes
            return torch.zeros_like(x)
        (product,) = torch.autograd.grad(g, xg, grad_outputs=v, create_graph=create_graph,
                                         allow_unused=True, materialize_grads=True)
    return product


def laplacian(f: Callable) -> Callable:
    r"""The Laplacian :math:`\Delta f = \sum_i \partial^2 f / \partial x_i^2` of a scalar function, as a function.

    .. math:: \Delta f(x) = \sum_i \frac{\partial^2 f}{\partial x_i^2}(x) = \operatorname{tr} \nabla^2 f(x)

    The trace of :func:`hessian` (``x`` of any shape; the sum runs over all its entries).

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar tensor`` (any output with one element is accepted), twice differentiable.

    Returns
    -------
    callable
        ``lap(x)``, a 0-dim tensor. It composes with ``torch.func`` transforms; for a batch of points use
        ``torch.func.vmap(laplacian(f))(X)``.

    Raises ``ValueError`` when ``f`` is not scalar and ``TypeError`` for integer ``x``.

    References
    ----------
    .. [1] L. C. Evans, *Partial Differential Equations*, 2nd ed., AMS, 2010, §2.2 (Laplace's equation).

    Examples
    --------
    >>> lap = laplacian(lambda x: x[0] ** 2 * x[1] + x[2] ** 3)
    >>> lap(torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64))
    tensor(-2., dtype=torch.float64)

    At a batch of points; :math:`x_0^2 - x_1^2` is harmonic:

    >>> X = torch.tensor([[0.0, 1.0], [2.0, -3.0]], dtype=torch.float64)
    >>> torch.func.vmap(laplacian(lambda x: x[0] ** 2 - x[1] ** 2))(X)
    tensor([0., 0.], dtype=torch.float64)
    """
    _check_callable(f, "laplacian")
    hess = _hessian(f, "laplacian")

    def lap(x):
        x = _point(x, "laplacian")
        n = x.numel()
        return hess(x).reshape(n, n).diagonal().sum()

    return lap


def divergence(f: Callable, mode: str = "auto") -> Callable:
    r"""The divergence :math:`\nabla\cdot f = \sum_i \partial f_i / \partial x_i` of a vector field, as a function.

    .. math:: (\nabla\cdot f)(x) = \sum_i \frac{\partial f_i}{\partial x_i}(x) = \operatorname{tr} J(x)

    ``f(x)`` must have the shape of ``x``; the result is the trace of :func:`jacobian`.

    Parameters
    ----------
    f : callable
        The vector field ``f(x) -> tensor`` of the shape of ``x`` (the sum runs over all its entries).
    mode : {"auto", "rev", "fwd"}
        How the Jacobian is computed, as in :func:`jacobian`.

    Returns
    -------
    callable
        ``div(x)``, a 0-dim tensor. It composes with ``torch.func`` transforms; for a batch of points use
        ``torch.func.vmap(divergence(f))(X)``.

    Raises ``ValueError`` when ``f(x)`` does not have the shape of ``x`` (or ``mode`` is unknown) and
    ``TypeError`` for integer ``x``.

    References
    ----------
    .. [1] ``torch.func.jacrev`` and ``torch.func.jacfwd``, which :func:`jacobian` uses.

    Examples
    --------
    >>> div = divergence(lambda x: x * x)
    >>> div(torch.tensor([1.0, 2.0], dtype=torch.float64))
    tensor(6., dtype=torch.float64)

    A rotation field is divergence-free:

    >>> rot = divergence(lambda x: torch.stack([-x[1], x[0]]))
    >>> rot(torch.tensor([0.5, -2.0], dtype=torch.float64))
    tensor(0., dtype=torch.float64)
    """
    _check_callable(f, "divergence")

    def same_shape(x):
        out = _tensor_output(f(x), "divergence")
        if out.shape != x.shape:
            raise ValueError(f"divergence: f(x) must have the shape of x, {tuple(x.shape)}, "
                             f"got {tuple(out.shape)}")
        return out

    jac = jacobian(same_shape, mode)

    def div(x):
        x = _point(x, "divergence")
        n = x.numel()
        return jac(x).reshape(n, n).diagonal().sum()

    return div


def derivative(f: Callable, x, order: int = 1, *, create_graph: bool = True) -> torch.Tensor:
    r"""The ``order``-th derivative :math:`f^{(k)}(x_i)` of a scalar function of one variable at many points.

    ``f`` must act pointwise on a batch: ``f(x)`` has shape ``(N,)`` and entry ``i`` depends on ``x[i]``
    only (elementwise torch functions, or a network applied row-wise such as
    ``lambda x: net(x[:, None])[:, 0]``; batch-coupling layers such as batch norm break this). Then
    :math:`\partial \sum_i f(x_i) / \partial x_i = f'(x_i)`, and nested reverse passes give every order.

    A ``torch.nn.Sequential`` ``f`` with one input and one output is called as ``f(x[:, None])[:, 0]``
    (``x`` of shape ``(N,)``, result ``(N,)``). When it is made of ``Linear`` layers and the elementwise
    activations :func:`~sciml.calculus.taylor_derivatives` supports (Tanh, Sigmoid, SiLU, ReLU,
    Softplus, GELU, Sin), the derivative comes from Taylor mode: one forward pass carrying the Taylor
    coefficients, equal to nested reverse mode to rounding and cheaper to train through (for a tanh MLP at
    order 1 or 2, the fused Function of :mod:`~sciml.calculus._taylor_tanh`, unless a
    :func:`~sciml.calculus.fused_taylor` block switches it off). Other Sequentials fall back to
    nested reverse mode.

    Parameters
    ----------
    f : callable ``(N,) -> (N,)``, or a ``torch.nn.Sequential`` ``(N, 1) -> (N, 1)``.
    x : (N,) floating tensor-like, the points.
    order : int >= 0. ``0`` returns ``f(x)``.
    create_graph : bool
        Keep the graph so that the result is differentiable again (in ``x`` when it requires grad, and in
        the parameters of ``f``) — what a PINN loss needs. ``False`` returns a detached tensor.

    Examples
    --------
    >>> derivative(torch.sin, torch.tensor([0.0, 1.0], dtype=torch.float64), order=2).detach()
    tensor([-0.0000, -0.8415], dtype=torch.float64)
    """
    _check_callable(f, "derivative")
    check_int(order, "order", low=0)
    x = _point(x, "derivative")
    if x.dim() != 1:
        raise ValueError(f"x must be a 1-D tensor of points, shape (N,), got shape {tuple(x.shape)}; "
                         "flatten it with x.reshape(-1)")
    if isinstance(f, torch.nn.Sequential):
        n_out = taylor.n_outputs(f)
        if n_out == 1:
            with torch.set_grad_enabled(create_graph and torch.is_grad_enabled()):
                return taylor._derivatives(f, x, order)[order][:, 0]
        if n_out is not None:
            raise ValueError(f"derivative: f must have one output, got a Sequential with {n_out}; use "
                             "sciml.calculus.taylor_derivatives(f, x, order) for several outputs")
        net = f
        f = lambda t: net(t[:, None])[:, 0]  # noqa: E731
    with torch.enable_grad():
        xg = x if x.requires_grad else x.detach().requires_grad_(True)
        y = _tensor_output(f(xg), "derivative")
        if y.shape != x.shape:
            raise ValueError(f"derivative: f must map points of shape {tuple(x.shape)} to values of the same "
                             f"shape (pointwise), got {tuple(y.shape)}")
        for k in range(order):
            if not y.requires_grad:  # a polynomial of lower degree: the rest vanishes
                return torch.zeros_like(x)
            keep = create_graph or k < order - 1
            (y,) = torch.autograd.grad(y, xg, grad_outputs=torch.ones_like(y), create_graph=keep,
                                       allow_unused=True, materialize_grads=True)
    return y if create_graph or order > 0 else y.detach()
