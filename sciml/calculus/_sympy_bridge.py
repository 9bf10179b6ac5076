"""SymPy → torch: compile a SymPy expression into a differentiable, broadcasting torch callable.

The expression tree is walked once and turned into nested closures over ``torch`` operations, so the
result works with autograd, ``torch.func`` transforms (``vmap``, ``jacrev``, ``jacfwd``) and any device.
Unlike ``sympy.lambdify(..., "torch")`` it handles number/tensor mixes in ``Min``/``Max``, unevaluated
constants such as ``exp(2)``, ``atan2``, and ``Piecewise`` without NaN gradients leaking from inactive
branches (the "double where" pattern). ``sign`` and ``Heaviside`` of NaN are NaN, as in SymPy and NumPy
(``torch.sign(nan)`` is 0).

Supported: + × powers (rationals exact to float64), ``pi``/``E``, trigonometric and hyperbolic functions
and their inverses, exp/log, ``Abs``, ``sign``, ``re``/``im`` (of real values), ``floor``/``ceiling``,
``Min``/``Max``, ``Mod``, ``atan2``, ``Piecewise`` (conditions: relations, ``And``/``Or``/``Not``/``Xor``/
``ITE``), ``Heaviside``, ``erf``/``erfc``/``erfinv``, ``gamma`` (any sign)/``loggamma``/``factorial``/
``polygamma``, and Bessel J, Y, I, K of order 0 and 1. torch's Bessel functions are not differentiable, so
they are wrapped in a Function whose derivatives come from the recurrences (any order); torch's float64 J
and Y themselves are accurate only to about 1e-8 (4e-7 near x = 5; I and K to ulps).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import sympy
import torch

from sciml.calculus._constant_regions import STEPS, constant_mask, cut_where_constant
from sciml.expressions import parse

Node = Callable[[dict], object]  # env (symbol name -> tensor) -> tensor or python float

_UNARY = {
    sympy.sin: torch.sin, sympy.cos: torch.cos, sympy.tan: torch.tan,
    sympy.asin: torch.asin, sympy.acos: torch.acos, sympy.atan: torch.atan,
    sympy.sinh: torch.sinh, sympy.cosh: torch.cosh, sympy.tanh: torch.tanh,
    sympy.asinh: torch.asinh, sympy.acosh: torch.acosh, sympy.atanh: torch.atanh,
    sympy.exp: torch.exp, sympy.log: torch.log, sympy.Abs: torch.abs, sympy.sign: lambda t: _sign(t),
    sympy.erf: torch.erf, sympy.erfc: torch.erfc, sympy.erfinv: torch.erfinv,
    sympy.gamma: lambda t: _gamma(t), sympy.factorial: lambda t: _gamma(t + 1),
    sympy.loggamma: torch.lgamma, sympy.floor: torch.floor, sympy.ceiling: torch.ceil,
    sympy.sec: lambda t: 1 / torch.cos(t), sympy.csc: lambda t: 1 / torch.sin(t),
    sympy.cot: lambda t: 1 / torch.tan(t), sympy.acot: lambda t: torch.atan(1 / t),
    # real-argument semantics (SymPy writes Abs(exp(u)) as exp(re(u))); NaN stays NaN outside the real domain
    sympy.re: lambda t: t, sympy.im: lambda t: 0 * t,
}


#: finite at a point where their derivative is infinite (fractional powers are handled with ``Pow``)
_INFINITE_SLOPE = (sympy.asin, sympy.acos, sympy.acosh)


class UnsupportedExpressionError(ValueError):
    """A SymPy node that sciml cannot translate to torch."""


def _tensor(value, like: torch.Tensor | None) -> torch.Tensor:
    if isinstance(value, torch.Tensor):  # integers and bools compute in float64, as lambdify's would in NumPy
        return value if value.is_floating_point() or value.is_complex() else value.to(torch.float64)
    if like is None:
        return torch.tensor(value, dtype=torch.float64)
    return torch.as_tensor(value, dtype=like.dtype, device=like.device)


def _first_tensor(values):
    return next((v for v in values if isinstance(v, torch.Tensor)), None)


def _fold(op, args):
    out = args[0]
    for a in args[1:]:
        out = op(out, a)
    return out


def _where(cond, a, b):
    like = _first_tensor((a, b))
    return torch.where(cond, _tensor(a, like), _tensor(b, like))


#: unevaluated operations that have no torch counterpart: named before their arguments are compiled
_UNEVALUATED = (sympy.Integral, sympy.Derivative, sympy.Sum, sympy.Product, sympy.Limit)


def _compile(expr: sympy.Basic) -> Node:
    if isinstance(expr, _UNEVALUATED):
        raise UnsupportedExpressionError(
            f"cannot translate the unevaluated {type(expr).__name__} {expr} to torch; evaluate it first "
            f"(expr.doit()) or write its closed form")
    if expr.is_Symbol:
        name = expr.name
        return lambda env: env[name]
    if expr.is_Number or expr.is_NumberSymbol or (expr.is_number and not expr.free_symbols):
        value = complex(sympy.N(expr, 20))
        # real semantics: a constant outside the real domain is NaN, as torch.asin(29/21) is
        const = value.real if value.imag == 0 else math.nan
        return lambda env: const
    if isinstance(expr, sympy.Piecewise):
        return _piecewise(expr)
    if isinstance(expr, sympy.log) and isinstance(expr.args[0], sympy.exp):
        # log(exp(u)) is u for every real u (±inf and NaN included); evaluated as written, exp overflows
        # first (its second derivative at u = 671 was 1e3 times too large): compile u instead
        return _compile(expr.args[0].args[0])
    args = [_compile(a) for a in expr.args]
    if expr.is_Add:
        return lambda env: _fold(lambda a, b: a + b, [f(env) for f in args])
    if expr.is_Mul:
        return lambda env: _fold(lambda a, b: a * b, [f(env) for f in args])
    if expr.is_Pow:
        base, exponent = args
        e = expr.exp
        if e == sympy.S.Half:
            base = cut_where_constant(base, constant_mask(expr.base, _compile))
            return lambda env: torch.sqrt(_tensor(base(env), None))
        if e.is_Integer:
            k = int(e)
            return lambda env: base(env) ** k
        base = cut_where_constant(base, constant_mask(expr.base, _compile))  # infinite slope at 0: see there
        return lambda env: _pow(base(env), exponent(env))
    func = type(expr)
    if func in _UNARY:
        op = _UNARY[func]
        if len(args) != 1:
            raise UnsupportedExpressionError(f"{func.__name__} with {len(args)} arguments is not supported")
        arg = args[0]
        if func in _INFINITE_SLOPE:
            arg = cut_where_constant(arg, constant_mask(expr.args[0], _compile))
        if func in STEPS:  # detached: no zero reaches the argument's graph to meet an infinite slope (0·∞ = NaN)
            return lambda env: op(_as_tensor_of(arg(env), env).detach())
        return lambda env: op(_as_tensor_of(arg(env), env))
    if func is sympy.atan2:
        y, x = args
        return lambda env: torch.atan2(*_common(y(env), x(env), env))
    if func in (sympy.Min, sympy.Max):
        op = torch.minimum if func is sympy.Min else torch.maximum
        return lambda env: _fold(lambda a, b: op(*_common(a, b, env)), [f(env) for f in args])
    if func is sympy.Heaviside:
        x = args[0]
        h0 = float(expr.args[1]) if len(expr.args) > 1 else 0.5
        return lambda env: _heaviside(_as_tensor_of(x(env), env).detach(), h0)
    if isinstance(expr, sympy.core.relational.Relational):
        lhs, rhs = args
        ops = {"<": torch.lt, "<=": torch.le, ">": torch.gt, ">=": torch.ge, "==": torch.eq, "!=": torch.ne}
        op = ops[expr.rel_op]
        return lambda env: op(*_common(lhs(env), rhs(env), env))
    if func in (sympy.And, sympy.Or):
        op = torch.logical_and if func is sympy.And else torch.logical_or
        return lambda env: _fold(op, [f(env) for f in args])
    if func is sympy.Not:
        return lambda env: torch.logical_not(args[0](env))
    if func is sympy.Xor:
        return lambda env: _fold(torch.logical_xor, [f(env) for f in args])
    if func is sympy.ITE:  # if a then b else c
        a, b, c = args
        return lambda env: torch.where(*(_as_tensor_of(g(env), env).to(torch.bool) for g in (a, b, c)))
    if expr in (sympy.true, sympy.false):
        value = bool(expr)
        return lambda env: value
    if isinstance(expr, sympy.besselj | sympy.bessely | sympy.besseli | sympy.besselk):
        return _bessel(expr, args)
    if func is sympy.polygamma and expr.args[0].is_Integer and int(expr.args[0]) >= 0:
        n, x = int(expr.args[0]), args[1]
        return lambda env: torch.special.polygamma(n, _as_tensor_of(x(env), env))
    if func is sympy.Mod:
        p, q = args
        return lambda env: torch.remainder(*_common(p(env), q(env), env))
    raise UnsupportedExpressionError(
        f"cannot translate {func.__name__} (in {expr}) to torch; rewrite it with elementary functions"
    )


def _pow(base, exponent):
    if isinstance(base, torch.Tensor) or isinstance(exponent, torch.Tensor):
        return torch.pow(base, exponent)
    return math.pow(base, exponent)


def _like(env):
    return next(iter(env.values()), None) if env else None


def _as_tensor_of(value, env):
    return value if isinstance(value, torch.Tensor) else _tensor(value, _like(env))


def _common(a, b, env):
    like = _first_tensor((a, b)) if _first_tensor((a, b)) is not None else _like(env)
    return _tensor(a, like), _tensor(b, like)


def _heaviside(x, h0):
    # through sign, so the result carries a (zero) gradient like torch.sign and floor do
    return torch.where(x == 0, h0, (_sign(x) + 1) / 2)


def _sign(x):
    # torch.sign(nan) is 0; SymPy's and NumPy's sign of an undefined value is undefined
    return torch.where(torch.isnan(x), x, torch.sign(x))


def _piecewise(expr) -> Node:
    pieces = [(_compile(e), _compile(c)) for e, c in expr.args]

    def evaluate(env):
        # The first true condition wins, so a branch is active where its condition holds and no earlier
        # one does. Each branch is evaluated on inputs replaced by a harmless point (1.0) where it is
        # inactive ("double where"), so NaN/inf from inactive branches cannot leak into the values or the
        # gradients. Where no condition holds the value is NaN, as in SymPy.
        out, taken = math.nan, None
        for value, cond in pieces:
            c = _as_tensor_of(cond(env), env).to(torch.bool)
            active = c if taken is None else c & ~taken
            taken = c if taken is None else taken | c
            safe_env = {k: torch.where(active, v, torch.ones_like(v)) for k, v in env.items()}
            out = _where(active, value(safe_env), out)
        return out

    return evaluate


def _gamma(t: torch.Tensor) -> torch.Tensor:
    # exp(lgamma) loses the sign for t < 0: use the reflection formula there (double where for the grads)
    pos = t > 0
    tp = torch.where(pos, t, torch.ones_like(t))
    tn = torch.where(pos, torch.full_like(t, 0.5), t)
    negative = math.pi / (torch.sin(math.pi * tn) * torch.exp(torch.lgamma(1 - tn)))
    return torch.where(pos, torch.exp(torch.lgamma(tp)), negative)


_BESSEL = {
    ("j", 0): torch.special.bessel_j0, ("j", 1): torch.special.bessel_j1,
    ("y", 0): torch.special.bessel_y0, ("y", 1): torch.special.bessel_y1,
    ("i", 0): torch.special.modified_bessel_i0, ("i", 1): torch.special.modified_bessel_i1,
    ("k", 0): torch.special.modified_bessel_k0, ("k", 1): torch.special.modified_bessel_k1,
}


def _bessel_fn(kind: str, order: int, x: torch.Tensor) -> torch.Tensor:
    return _Bessel.apply(x, kind, order)


def _bessel_slope(x: torch.Tensor, kind: str, order: int) -> torch.Tensor:
    """d/dx of the Bessel function, from the recurrences (in Bessel functions, so differentiable again)."""
    if order == 0:
        sign, other = {"j": (-1, "j"), "y": (-1, "y"), "i": (1, "i"), "k": (-1, "k")}[kind]
        return sign * _bessel_fn(other, 1, x)
    if kind in ("j", "i"):  # B1(x)/x -> 1/2 at 0
        zero = x == 0
        safe = torch.where(zero, torch.ones_like(x), x)
        ratio = torch.where(zero, torch.full_like(x, 0.5), _bessel_fn(kind, 1, safe) / safe)
    else:
        ratio = _bessel_fn(kind, 1, x) / x
    b0 = _bessel_fn(kind, 0, x)
    return (-b0 if kind == "k" else b0) - ratio


class _Bessel(torch.autograd.Function):
    """Bessel functions of order 0 and 1: torch's are not differentiable, these are (to any order)."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x, kind, order):
        return _BESSEL[kind, order](x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, ctx.kind, ctx.order = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * _bessel_slope(x, ctx.kind, ctx.order), None, None

    @staticmethod
    def jvp(ctx, x_tangent, _kind, _order):
        (x,) = ctx.saved_tensors
        return x_tangent * _bessel_slope(x, ctx.kind, ctx.order)


def _bessel(expr, args) -> Node:
    order = expr.args[0]
    if not (order.is_Integer and int(order) in (0, 1)):
        raise UnsupportedExpressionError(f"{type(expr).__name__} of order {order} has no torch equivalent")
    kind = {sympy.besselj: "j", sympy.bessely: "y", sympy.besseli: "i", sympy.besselk: "k"}[type(expr)]
    x, n = args[1], int(order)
    return lambda env: _bessel_fn(kind, n, _as_tensor_of(x(env), env))


def _symbol_names(variables) -> list[str]:
    if isinstance(variables, str | sympy.Symbol):
        variables = [variables]
    if not isinstance(variables, list | tuple):
        raise TypeError(f"variables must be a list of names or symbols such as ['x', 'y'], got "
                        f"{type(variables).__name__} {variables!r}")
    names = [str(v) for v in variables]
    if len(set(names)) != len(names):
        raise ValueError(f"variables must be distinct, got {names}")
    return names


def _value_symbols(expr) -> set:
    """The symbols the value of ``expr`` can vary with smoothly: those of ``Piecewise`` conditions or of steps
    alone do not."""
    if isinstance(expr, STEPS):
        return set()
    if isinstance(expr, sympy.Piecewise):
        return set().union(*(_value_symbols(e) for e, _ in expr.args))
    if isinstance(expr, sympy.Symbol):
        return {expr}
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return set()
    return set().union(*(_value_symbols(a) for a in expr.args))


def _real_variables(expr):
    # tensors hold real numbers: the expression means what SymPy makes of it for real variables (the
    # semantics of verify's reference), e.g. sign(exp(tan(y))) is 1 where exp(tan(y)) underflows to 0
    real = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols if s.is_real is None}
    return expr.xreplace(real) if real else expr


def _evaluated(expr):
    # a tree built with evaluate=False means what SymPy makes of it: sign(exp(u)) is 1
    if not expr.args or isinstance(expr, _UNEVALUATED):
        return expr
    return expr.func(*(_evaluated(a) for a in expr.args))


def _fold_trivial_relations(expr):
    # `y <= y` stays unevaluated in SymPy yet is true at every real point; folding it lets SymPy evaluate
    # what it decides, e.g. Abs(log(Piecewise((-3, y <= y), (y, True)))) to the real constant |log(-3)|
    # instead of a NaN from a complex intermediate torch cannot hold
    def trivial(e):
        return isinstance(e, sympy.core.relational.Relational) and e.lhs == e.rhs

    def fold(e):
        return sympy.true if e.rel_op in ("<=", ">=", "==") else sympy.false

    return expr.replace(trivial, fold) if expr.has(sympy.core.relational.Relational) else expr


def to_torch(expr, variables: Sequence) -> Callable[..., torch.Tensor]:
    """A torch callable ``f(*tensors)`` evaluating ``expr``, one tensor argument per variable.

    Parameters
    ----------
    expr : sympy expression or string
    variables : sequence of symbols or names, the argument order of the returned callable.

    The callable broadcasts its arguments like ``sympy.lambdify``, keeps their dtype and device, and is
    differentiable (autograd and ``torch.func``). Constants become python floats (rationals are exact to
    float64; one that is not real, such as ``asin(29/21)``, is NaN as torch's functions give outside their real
    domain). An expression that does not involve a variable (or any) has a zero derivative in it, of the
    broadcast shape, under ``backward`` and ``torch.autograd.grad`` as under ``torch.func``. Raises
    :class:`UnsupportedExpressionError` naming a node torch cannot express, and ``ValueError`` when ``expr``
    has symbols not in ``variables``.

    Examples
    --------
    >>> f = to_torch("x**2*y + y + 2", ["x", "y"])
    >>> f(torch.tensor(2.0, dtype=torch.float64), torch.tensor(3.0, dtype=torch.float64))
    tensor(17., dtype=torch.float64)
    """
    names = _symbol_names(variables)
    given = parse(expr, where="expr", symbols=names)
    expr = _fold_trivial_relations(_evaluated(_real_variables(given)))
    node = _compile(expr)
    present = {str(s) for s in _value_symbols(expr)}
    absent = [n for n in names if n not in present]

    def f(*tensors):
        if len(tensors) != len(names):
            raise TypeError(f"expected {len(names)} arguments ({', '.join(names)}), got {len(tensors)}")
        like = _first_tensor(tensors)
        like = None if like is None else _tensor(like, None)
        env = {n: _tensor(t, like) for n, t in zip(names, tensors, strict=True)}
        out = node(env)
        if not isinstance(out, torch.Tensor):  # a constant expression: broadcast to the inputs
            out = (torch.full(torch.broadcast_shapes(*(t.shape for t in env.values())), out, dtype=like.dtype,
                              device=like.device) if like is not None else torch.tensor(out, dtype=torch.float64))
        elif env:
            shape = torch.broadcast_shapes(*(t.shape for t in env.values()))
            if out.shape != shape:
                out = out.expand(shape)
        for name in absent:  # in the graph of every input, with a zero derivative: autograd.grad and backward work
            t = env[name]
            if t.requires_grad:
                out = torch.where(torch.zeros((), dtype=torch.bool, device=t.device), t, out)
        return out

    f.__name__ = "sympy_" + "_".join(names)
    f.expr, f.variables = given, tuple(names)
    return f
