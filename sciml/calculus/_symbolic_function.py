r"""SymPy → ``torch.autograd.Function``: a torch callable whose derivatives, of every order and mode, are
``sympy.diff``'s.

:func:`to_torch` gives a callable whose derivatives come from autograd through the torch operations it
runs. :func:`sympy_function` gives the same values, but its ``backward`` and forward-mode ``jvp`` evaluate
the symbolic partial derivatives :math:`\partial f/\partial v_i` instead, and those are themselves
:class:`SympyFunction`\ s (built lazily, cached, shared by the whole family so that mixed partials are
built once). Double backward, Hessians and every other second-order composition therefore differentiate
the expression symbolically twice — never through the primal's torch operations.

Derivatives are taken with the variables assumed real (so ``|x|' = sign(x)``, not a complex-conjugate
formula), and in autograd's "almost everywhere" convention: ``DiracDelta`` terms (from ``sign``,
``Heaviside``, ``Min``/``Max``, ``Abs'``) and the derivatives of ``floor``/``ceiling`` are 0, ``Mod(p, q)``
is differentiated as ``p - q*floor(p/q)``, and Bessel functions of integer order ≥ 2 (which torch lacks) are
rewritten with orders 0 and 1 (``sympy.expand_func``; their value at exactly ``x = 0`` is then 0/0 = NaN).
"""

from __future__ import annotations

import sympy
import torch

from sciml._validation import as_tensor
from sciml.calculus._sympy_bridge import UnsupportedExpressionError, to_torch

_NO_DERIVATIVE = (sympy.floor, sympy.ceiling, sympy.sign, sympy.Heaviside, sympy.DiracDelta)
_BESSEL = (sympy.besselj, sympy.bessely, sympy.besseli, sympy.besselk)


def _almost_everywhere(d: sympy.Expr) -> sympy.Expr:
    """Autograd's convention for a symbolic derivative: drop point masses, torch-evaluable Bessel orders."""
    d = d.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    d = d.replace(lambda e: isinstance(e, sympy.Derivative) and isinstance(e.expr, _NO_DERIVATIVE),
                  lambda e: sympy.S.Zero)
    d = d.replace(lambda e: isinstance(e, sympy.Subs), lambda e: e.doit())  # Subs(Derivative(floor(ξ)), ξ, u)
    return d.replace(
        lambda e: isinstance(e, _BESSEL) and e.args[0].is_Integer and int(e.args[0]) not in (0, 1),
        sympy.expand_func,
    )


def _partial(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """∂expr/∂symbol with ``symbol`` (and the other symbols) taken real, then back in the user's symbols."""
    real = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols | {symbol} if s.is_real is not True}
    back = {r: s for s, r in real.items()}
    e = expr.xreplace(real).replace(sympy.Mod, lambda p, q: p - q * sympy.floor(p / q))
    return _almost_everywhere(sympy.diff(e, real.get(symbol, symbol))).xreplace(back)


class _SympyAutograd(torch.autograd.Function):
    """The autograd Function behind every :class:`SympyFunction`; its first input is the SympyFunction."""

    generate_vmap_rule = True

    @staticmethod
    def forward(sf, *tensors):
        return sf._evaluate(*tensors)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.sf = inputs[0]
        ctx.save_for_backward(*inputs[1:])
        ctx.save_for_forward(*inputs[1:])

    @staticmethod
    def backward(ctx, grad_output):
        xs = ctx.saved_tensors
        grads = [None]
        for i, x in enumerate(xs):
            if ctx.needs_input_grad[i + 1]:
                slope = ctx.sf.derivative(i)._apply(*xs)
                grads.append((grad_output * slope).sum_to_size(x.shape))
            else:
                grads.append(None)
        return tuple(grads)

    @staticmethod
    def jvp(ctx, _sf_tangent, *tangents):
        xs = ctx.saved_tensors
        out = None
        for i, t in enumerate(tangents):
            if t is not None:
                term = t * ctx.sf.derivative(i)._apply(*xs)
                out = term if out is None else out + term
        return out


class SympyFunction:
    """A SymPy expression as a torch callable with symbolic derivatives; made by :func:`sympy_function`.

    Attributes
    ----------
    expr : sympy.Expr
        The expression evaluated.
    variables : tuple of sympy.Symbol
        The symbols, in argument order.
    """

    def __init__(self, expr, variables, *, name: str | None = None, _family=None, _order=None):
        variables = _as_list(variables)
        self._primal = to_torch(expr, variables)  # parses, validates, names unknown symbols
        self.expr = self._primal.expr
        names = self._primal.variables
        by_name = {s.name: s for s in self.expr.free_symbols}
        given = [v if isinstance(v, sympy.Symbol) else None for v in variables]
        self.variables = tuple(by_name.get(n) or g or sympy.Symbol(n) for n, g in zip(names, given, strict=True))
        self.__name__ = name or "sympy_" + "_".join(names)
        self._name = name
        self._order = _order if _order is not None else (0,) * len(names)
        self._family = _family if _family is not None else {}
        self._family.setdefault(self._order, self)

    def __repr__(self) -> str:
        names = [s.name for s in self.variables]
        tail = f", name={self._name!r}" if self._name else ""
        return f"sympy_function({self.expr}, {names}{tail})"

    def __call__(self, *args) -> torch.Tensor:
        names = [s.name for s in self.variables]
        if len(args) != len(names):
            raise TypeError(f"{self.__name__} takes {len(names)} argument(s), one per variable "
                            f"({', '.join(names)}), got {len(args)}")
        return self._apply(*self._inputs(args, names))

    def _inputs(self, args, names) -> list[torch.Tensor]:
        like = next((a for a in args if isinstance(a, torch.Tensor) and a.is_floating_point()), None)
        tensors = []
        for a, n in zip(args, names, strict=True):
            if isinstance(a, torch.Tensor):
                if not a.is_floating_point():
                    raise TypeError(f"argument {n} must be a real floating-point tensor (sympy_function is "
                                    f"differentiable), got dtype {a.dtype}; pass {n}.double() or a float dtype")
                tensors.append(a)
            else:
                dtype = like.dtype if like is not None else torch.float64
                device = like.device if like is not None else None
                tensors.append(as_tensor(a, n, dtype=dtype, device=device, finite=False))
        return tensors

    def _apply(self, *tensors) -> torch.Tensor:
        if not tensors:  # a constant without variables
            return self._evaluate()
        return _SympyAutograd.apply(self, *tensors)

    def _evaluate(self, *tensors) -> torch.Tensor:
        out = self._primal(*tensors)
        if tensors:
            shape = torch.broadcast_shapes(*(t.shape for t in tensors))
            if out.shape != shape:  # a constant: to_torch gives the first input's shape
                out = out.expand(shape)
            if out._is_view() or any(out is t for t in tensors):
                out = out.clone()  # a Function's output must not alias its inputs
        return out

    def _index(self, var) -> int:
        if isinstance(var, int) and not isinstance(var, bool):
            if 0 <= var < len(self.variables):
                return var
        else:
            name = var.name if isinstance(var, sympy.Symbol) else var
            names = [s.name for s in self.variables]
            if isinstance(name, str) and name in names:
                return names.index(name)
        raise ValueError(f"derivative: {var!r} is not one of the variables {[s.name for s in self.variables]} "
                         f"(nor an index below {len(self.variables)}); pass a variable's name, symbol or index")

    def derivative(self, *wrt) -> SympyFunction:
        """The :class:`SympyFunction` of a partial derivative, e.g. ``f.derivative("x", "y")`` for ∂²f/∂x∂y.

        Each of ``wrt`` is a variable's name, symbol or index; derivatives are built once per family.

        Examples
        --------
        >>> f = sympy_function("x**3*y", ["x", "y"])
        >>> f.derivative("x")
        sympy_function(3*x**2*y, ['x', 'y'])
        >>> f.derivative("x", "y").expr
        3*x**2
        """
        if not wrt:
            raise TypeError("derivative: name at least one variable to differentiate with respect to")
        out = self
        for var in wrt:
            i = out._index(var)
            order = tuple(k + (j == i) for j, k in enumerate(out._order))
            if order not in out._family:
                d = _partial(out.expr, out.variables[i])
                try:
                    SympyFunction(d, out.variables, _family=out._family, _order=order)
                except UnsupportedExpressionError as exc:
                    raise UnsupportedExpressionError(
                        f"the derivative of {out.expr} with respect to {out.variables[i]} is {d}, which torch "
                        f"cannot evaluate: {exc}"
                    ) from None
            out = out._family[order]
        return out


def _as_list(variables) -> list:
    return [variables] if isinstance(variables, str | sympy.Symbol) else list(variables)


def sympy_function(expr, variables, *, name: str | None = None) -> SympyFunction:
    r"""A torch callable ``f(*tensors)`` evaluating ``expr``, whose derivatives come from ``sympy.diff``.

    For :math:`f(v_1, \dots, v_n)` given by ``expr`` the returned callable runs a
    ``torch.autograd.Function`` with

    .. math:: \text{backward:}\ \bar v_i = \bar f\,\frac{\partial f}{\partial v_i}, \qquad
              \text{jvp:}\ \dot f = \sum_i \dot v_i\,\frac{\partial f}{\partial v_i},

    each :math:`\partial f/\partial v_i` itself a :func:`sympy_function` (so second and higher derivatives
    are symbolic too), gradients summed back to each input's shape where broadcasting expanded it. It
    works with autograd (double backward), ``torch.func`` (``grad``, ``jacrev``, ``jacfwd``, ``vmap``,
    ``hessian``) and any device. Derivatives follow autograd's almost-everywhere convention (see the
    module docstring).

    torch 2.13 returns 0 for forward-over-forward second derivatives (``jacfwd(jacfwd(f))``) through any
    custom Function (pytorch#197867): use a reverse-inner composition such as
    :func:`sciml.calculus.hessian`.

    Parameters
    ----------
    expr : sympy.Expr or str
        The expression :math:`f`; a string is parsed as by :func:`~sciml.calculus.to_torch`.
    variables : sequence of sympy.Symbol or str
        The argument order of the callable; every free symbol of ``expr`` must be among them.
    name : str, optional
        A name for the repr and ``__name__``.

    Returns
    -------
    SympyFunction
        Call it with one tensor (or number) per variable; arguments broadcast like ``sympy.lambdify`` and
        keep their floating dtype and device (numbers become tensors like the first tensor argument,
        float64 if none). ``.expr``, ``.variables`` and ``.derivative(var, ...)`` give the expression, the
        symbols and the partial derivatives' :class:`SympyFunction`.

    Raises
    ------
    ValueError
        ``expr`` has free symbols not in ``variables`` (named in the message), or duplicate variables.
    UnsupportedExpressionError
        ``expr`` has a node torch cannot evaluate (raised here) or a derivative does (raised on use).
    TypeError
        On a call: the wrong number of arguments, or an integer/bool tensor argument.

    References
    ----------
    .. [1] A. Meurer et al., "SymPy: symbolic computing in Python", *PeerJ Computer Science* 3:e103, 2017.
    .. [2] A. Griewank and A. Walther, *Evaluating Derivatives*, 2nd ed., SIAM, 2008 (the adjoint and tangent
       rules of ``backward`` and ``jvp``).
    .. [3] PyTorch documentation, "Extending torch.func with autograd.Function".

    Examples
    --------
    >>> f = sympy_function("sin(x)*y**2", ["x", "y"])
    >>> x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    >>> y = torch.tensor([1.0, 2.0], dtype=torch.float64)
    >>> f(x, y).sum().backward()  # ∂f/∂x = cos(x) y², summed over the broadcast y
    >>> x.grad
    tensor(5., dtype=torch.float64)
    >>> t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    >>> (d,) = torch.autograd.grad(f(t, 2.0), t, create_graph=True)
    >>> (h,) = torch.autograd.grad(d, t)   # ∂²f/∂x² = -sin(x) y², evaluated from sympy.diff twice
    >>> round(float(h), 6), round(float(-4 * sympy.sin(0.5)), 6)
    (-1.917702, -1.917702)
    >>> f.derivative("x", "x").expr   # the symbolic second derivative that the Hessian evaluated
    -y**2*sin(x)
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string or None, got {type(name).__name__}")
    return SympyFunction(expr, variables, name=name)
