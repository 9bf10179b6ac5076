"""torch → SymPy: the expression behind a torch callable, a traced elementwise function, or a tensor.

:func:`to_sympy` is the reverse of :func:`~sciml.calculus.to_torch`. Callables made by ``to_torch`` or
:func:`~sciml.calculus.sympy_function` carry their expression. A plain Python function of torch
elementwise operations is traced with ``torch.fx.symbolic_trace``, and the traced graph is translated node
by node. fx is used, rather than calling the function on home-made proxy objects, because it records
every way of writing an operation in one graph with resolved targets — ``torch.sin(x)``, ``x.sin()``,
``torch.special.expit``, ``torch.nn.functional.relu``, Python operators, activation modules — so each
unsupported operation is named exactly, and data-dependent control flow (``if x > 0:``) is refused with
fx's own error instead of being silently traced down one branch.
"""

from __future__ import annotations

import inspect
import math
import operator
from fractions import Fraction

import sympy
import torch
import torch.fx


class UnsupportedOperationError(ValueError):
    """A torch operation that has no SymPy counterpart (or a function that cannot be traced)."""


def _sigmoid(input):
    return 1 / (1 + sympy.exp(-input))


def _where(condition, input, other):
    return sympy.Piecewise((input, condition), (other, True))


def _clamp(input, min=None, max=None):  # torch's keyword names
    out = input if min is None else sympy.Max(input, min)
    return out if max is None else sympy.Min(out, max)


def _div(input, other, *, rounding_mode=None):
    if rounding_mode == "floor":
        return sympy.floor(input / other)
    if rounding_mode is not None:
        raise UnsupportedOperationError(f"div with rounding_mode={rounding_mode!r} has no SymPy counterpart "
                                        "here; use rounding_mode='floor' or None")
    return input / other


def _softplus(input, beta=1, threshold=20):  # threshold only switches torch's numerics, not the function
    return sympy.log(1 + sympy.exp(beta * input)) / beta


def _gelu(input, approximate="none"):
    if approximate == "tanh":
        inner = sympy.sqrt(2 / sympy.pi) * (input + sympy.Rational(44715, 10**6) * input**3)
        return input * (1 + sympy.tanh(inner)) / 2
    return input * (1 + sympy.erf(input / sympy.sqrt(2))) / 2


def _heaviside(input, values):
    return sympy.Piecewise((0, input < 0), (values, sympy.Eq(input, 0)), (1, True))


def _sinc(input):
    x = sympy.pi * input
    return sympy.Piecewise((1, sympy.Eq(input, 0)), (sympy.sin(x) / x, True))


_ONE = {  # name -> sympy function of one argument ("input")
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "asin": sympy.asin, "acos": sympy.acos,
    "atan": sympy.atan, "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "asinh": sympy.asinh,
    "acosh": sympy.acosh, "atanh": sympy.atanh, "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
    "abs": sympy.Abs, "sign": sympy.sign, "erf": sympy.erf, "erfc": sympy.erfc, "erfinv": sympy.erfinv,
    "lgamma": sympy.loggamma, "floor": sympy.floor, "ceil": sympy.ceiling, "sigmoid": _sigmoid,
    "expm1": lambda t: sympy.exp(t) - 1, "exp2": lambda t: 2**t, "log1p": lambda t: sympy.log(1 + t),
    "log2": lambda t: sympy.log(t, 2), "log10": lambda t: sympy.log(t, 10), "rsqrt": lambda t: 1 / sympy.sqrt(t),
    "square": lambda t: t**2, "reciprocal": lambda t: 1 / t, "neg": lambda t: -t, "positive": lambda t: t,
    "digamma": lambda t: sympy.polygamma(0, t), "logit": lambda t: sympy.log(t / (1 - t)),
    "ndtr": lambda t: (1 + sympy.erf(t / sympy.sqrt(2))) / 2, "sinc": _sinc,
    "logsigmoid": lambda t: -sympy.log(1 + sympy.exp(-t)), "log_sigmoid": lambda t: -sympy.log(1 + sympy.exp(-t)),
    "i0": lambda t: sympy.besseli(0, t), "i1": lambda t: sympy.besseli(1, t),
    "bessel_j0": lambda t: sympy.besselj(0, t), "bessel_j1": lambda t: sympy.besselj(1, t),
    "bessel_y0": lambda t: sympy.bessely(0, t), "bessel_y1": lambda t: sympy.bessely(1, t),
    "modified_bessel_i0": lambda t: sympy.besseli(0, t), "modified_bessel_i1": lambda t: sympy.besseli(1, t),
    "modified_bessel_k0": lambda t: sympy.besselk(0, t), "modified_bessel_k1": lambda t: sympy.besselk(1, t),
    "clone": lambda t: t, "contiguous": lambda t: t,
}
_MANY = {  # name -> handler with torch's parameter names
    "add": lambda input, other, *, alpha=1: input + alpha * other,
    "sub": lambda input, other, *, alpha=1: input - alpha * other,
    "mul": lambda input, other: input * other, "div": _div,
    "pow": lambda input, exponent: input**exponent, "float_power": lambda input, exponent: input**exponent,
    "atan2": lambda input, other: sympy.atan2(input, other),
    "hypot": lambda input, other: sympy.sqrt(input**2 + other**2),
    "maximum": lambda input, other: sympy.Max(input, other), "minimum": lambda input, other: sympy.Min(input, other),
    "remainder": lambda input, other: sympy.Mod(input, other), "where": _where, "clamp": _clamp,
    "relu": lambda input, inplace=False: sympy.Max(input, 0), "softplus": _softplus, "gelu": _gelu,
    "silu": lambda input, inplace=False: input * _sigmoid(input), "heaviside": _heaviside,
    "polygamma": lambda n, input: sympy.polygamma(n, input),
    "leaky_relu": lambda input, negative_slope=0.01, inplace=False: (sympy.Max(input, 0)
                                                                     + negative_slope * sympy.Min(input, 0)),
    "lt": lambda input, other: sympy.Lt(input, other), "le": lambda input, other: sympy.Le(input, other),
    "gt": lambda input, other: sympy.Gt(input, other), "ge": lambda input, other: sympy.Ge(input, other),
    "eq": lambda input, other: sympy.Eq(input, other), "ne": lambda input, other: sympy.Ne(input, other),
    "logical_and": lambda input, other: sympy.And(input, other),
    "logical_or": lambda input, other: sympy.Or(input, other), "logical_not": lambda input: sympy.Not(input),
}
_ALIASES = {
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh",
    "arctanh": "atanh", "arctan2": "atan2", "absolute": "abs", "negative": "neg", "subtract": "sub",
    "multiply": "mul", "divide": "div", "true_divide": "div", "clip": "clamp", "expit": "sigmoid",
    "gammaln": "lgamma", "psi": "digamma", "fmax": "maximum", "fmin": "minimum", "greater": "gt",
    "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne", "special_expit": "sigmoid",
}
_HANDLERS = {**{k: v for k, v in _ONE.items()}, **_MANY}
_HANDLERS.update({alias: _HANDLERS[name] for alias, name in _ALIASES.items()})
_OPERATORS = {
    operator.add: operator.add, operator.sub: operator.sub, operator.mul: operator.mul,
    operator.truediv: operator.truediv, operator.pow: operator.pow, operator.neg: operator.neg,
    operator.pos: operator.pos, operator.abs: sympy.Abs, operator.mod: sympy.Mod,
    operator.floordiv: lambda a, b: sympy.floor(a / b), operator.lt: sympy.Lt, operator.le: sympy.Le,
    operator.gt: sympy.Gt, operator.ge: sympy.Ge, operator.eq: sympy.Eq, operator.ne: sympy.Ne,
    operator.and_: sympy.And, operator.or_: sympy.Or, operator.invert: sympy.Not,
}
_MODULES = {
    torch.nn.Tanh: lambda m, t: sympy.tanh(t), torch.nn.Sigmoid: lambda m, t: _sigmoid(t),
    torch.nn.ReLU: lambda m, t: sympy.Max(t, 0), torch.nn.SiLU: lambda m, t: t * _sigmoid(t),
    torch.nn.Softplus: lambda m, t: _softplus(t, m.beta), torch.nn.GELU: lambda m, t: _gelu(t, m.approximate),
    torch.nn.Identity: lambda m, t: t,
}


def _function_table() -> dict:
    table = {}
    for namespace in (torch.special, torch.nn.functional, torch._C._nn, torch):  # torch's own wins
        for name in dir(namespace):
            key = name.removeprefix("special_")
            if key in _HANDLERS:
                target = getattr(namespace, name)
                if callable(target):
                    table[target] = (f"{namespace.__name__}.{name}", _HANDLERS[key])
    return table


_FUNCTIONS = _function_table()


def _number(value):
    """A Python/tensor constant as an exact SymPy number: small-denominator binary fractions as Rationals."""
    if isinstance(value, torch.Tensor):
        if value.dim() != 0:
            raise UnsupportedOperationError(
                f"the traced function uses a tensor constant of shape {tuple(value.shape)}; to_sympy translates "
                "scalar elementwise functions, so only 0-d tensor constants are allowed"
            )
        value = value.item()
    if isinstance(value, bool):
        return sympy.true if value else sympy.false
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return {math.inf: sympy.oo, -math.inf: -sympy.oo}.get(value, sympy.nan)
        exact = Fraction(value)
        if exact.denominator <= 2**16 and abs(exact.numerator) <= 2**53:
            return sympy.Rational(exact.numerator, exact.denominator)
        return {math.pi: sympy.pi, math.e: sympy.E}.get(value, sympy.Float(value, precision=53))
    if isinstance(value, complex):
        return _number(value.real) + sympy.I * _number(value.imag)
    return value  # None, strings (keyword options) and sympy objects pass through


def _describe(node: torch.fx.Node, gm: torch.fx.GraphModule) -> str:
    if node.op == "call_method":
        return f"the tensor method .{node.target}()"
    if node.op == "call_module":
        return f"the module {node.target!r} ({type(gm.get_submodule(node.target)).__name__})"
    module = (getattr(node.target, "__module__", None) or "torch").removeprefix("_")
    return f"{module}.{getattr(node.target, '__name__', repr(node.target))}"


def _translate(gm: torch.fx.GraphModule, symbols: list) -> object:
    env: dict[str, object] = {}
    placeholders = iter(symbols)

    def value(arg):
        if isinstance(arg, torch.fx.Node):
            return env[arg.name]
        if isinstance(arg, tuple | list):
            return type(arg)(value(a) for a in arg)
        return _number(arg)

    for node in gm.graph.nodes:
        args = [value(a) for a in node.args]
        kwargs = {k: value(v) for k, v in node.kwargs.items()}
        if node.op == "placeholder":
            symbol = next(placeholders, None)
            env[node.name] = symbol if symbol is not None else _number(node.args[0])
            continue
        if node.op == "output":
            return args[0]
        if node.op == "get_attr":
            env[node.name] = _number(getattr(gm, node.target))
            continue
        if node.op == "call_function" and node.target in _OPERATORS:
            handler = _OPERATORS[node.target]
        elif node.op == "call_function" and node.target in _FUNCTIONS:
            handler = _FUNCTIONS[node.target][1]
        elif node.op == "call_method" and node.target in _HANDLERS:
            handler = _HANDLERS[node.target]
        elif node.op == "call_module" and type(gm.get_submodule(node.target)) in _MODULES:
            module = gm.get_submodule(node.target)
            handler = lambda t, m=module: _MODULES[type(m)](m, t)  # noqa: E731
        else:
            raise UnsupportedOperationError(
                f"to_sympy: {_describe(node, gm)} has no SymPy counterpart; to_sympy translates arithmetic and "
                "elementwise torch functions (sin, exp, log, sqrt, tanh, sigmoid, abs, pow, erf, atan2, "
                "maximum, minimum, where, clamp, ...)"
            )
        try:
            env[node.name] = handler(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedOperationError(f"to_sympy: cannot translate {_describe(node, gm)} with arguments "
                                            f"{node.args} {node.kwargs}: {exc}") from None
    raise UnsupportedOperationError("to_sympy: the traced graph has no output")  # pragma: no cover


def _symbols(variables, default: list[str]) -> list:
    if variables is None:
        return [sympy.Symbol(n) for n in default]
    if isinstance(variables, str | sympy.Symbol):
        variables = [variables]
    out = [v if isinstance(v, sympy.Symbol) else sympy.Symbol(str(v)) for v in variables]
    if len({s.name for s in out}) != len(out):
        raise ValueError(f"variables must be distinct, got {[s.name for s in out]}")
    return out


def _trace(f, variables):
    try:
        params = list(inspect.signature(f.forward if isinstance(f, torch.nn.Module) else f).parameters.values())
    except (TypeError, ValueError):
        raise TypeError(f"to_sympy: cannot read the parameters of {f!r}; pass a Python function or module") from None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY) for p in params):
        raise TypeError("to_sympy: f must take one positional parameter per variable (no *args, **kwargs or "
                        "keyword-only parameters); wrap it, e.g. lambda x, y: f(x, y)")
    required = [p.name for p in params if p.default is p.empty]
    symbols = _symbols(variables, required)
    if not len(required) <= len(symbols) <= len(params):
        raise ValueError(f"to_sympy: variables {[s.name for s in symbols]} must name the parameters "
                         f"{[p.name for p in params]} in order (at least the {len(required)} without defaults)")
    try:
        gm = torch.fx.symbolic_trace(f)
    except Exception as exc:  # TraceError (control flow), or the function failing on proxies
        raise UnsupportedOperationError(
            f"to_sympy: cannot trace {getattr(f, '__name__', f)!r} with torch.fx ({type(exc).__name__}: {exc}); "
            "use torch operations only, with torch.where instead of if/else on values"
        ) from None
    return _translate(gm, symbols)


def _from_tensor(t: torch.Tensor):
    t = t.detach().cpu()
    if t.dtype == torch.bool:
        t = t.to(torch.int64)
    if t.dim() == 0:
        v = t.item()
        if isinstance(v, complex):
            return sympy.Float(v.real, precision=53) + sympy.I * sympy.Float(v.imag, precision=53)
        return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v, precision=53)
    entries = [_from_tensor(s) for s in t.reshape(-1)]
    if t.dim() == 2:
        return sympy.Matrix(t.shape[0], t.shape[1], entries)
    return sympy.ImmutableDenseNDimArray(entries, tuple(t.shape))


def to_sympy(obj, variables=None):
    r"""The SymPy object behind ``obj``: a torch callable's expression, or a tensor's exact values.

    The reverse of :func:`~sciml.calculus.to_torch`: for a traced function each graph node
    :math:`v_k = \phi_k(v_{i}, v_{j}, \dots)` (a torch operation on earlier nodes, the inputs being the
    variables) becomes the SymPy function :math:`\phi_k` of the translated arguments, so the output is the
    composition :math:`f = \phi_K \circ \dots \circ \phi_1` as one expression.

    Parameters
    ----------
    obj : callable or tensor
        - a callable made by :func:`~sciml.calculus.to_torch` or :func:`~sciml.calculus.sympy_function`:
          its expression;
        - a Python function (or ``nn.Module``) of one tensor per parameter made of arithmetic and
          elementwise torch functions (``torch.sin``, ``x.exp()``, ``torch.where``, ``torch.clamp``,
          ``torch.nn.functional.relu``, ...): its expression, by tracing with ``torch.fx``. Parameters with
          defaults not named in ``variables`` keep their default values. Floats that are binary fractions
          with denominator ≤ 2¹⁶ become exact Rationals (``0.5*x`` → ``x/2``), others exact-valued Floats;
        - a tensor: a ``Float``/``Integer`` (0-d), ``sympy.Matrix`` (2-D) or ``sympy.Array`` (other
          dimensions), exact (float entries are the tensor's binary values, integers and bools are Integers).
    variables : sequence of names or symbols, optional
        The symbols for the callable's arguments, in order. Default: the callable's own variables, or a
        traced function's parameter names without defaults.

    Returns
    -------
    sympy.Expr, tuple of them (a function returning a tuple), sympy.Matrix or sympy.Array

    Raises
    ------
    UnsupportedOperationError
        A traced operation without a SymPy counterpart (named), or a function fx cannot trace.
    TypeError, ValueError
        ``obj`` is none of the above, or ``variables`` does not fit its arguments.

    References
    ----------
    .. [1] J. K. Reed, Z. DeVito, H. He, A. Ussery and J. Ansel, "torch.fx: practical program capture and
       transformation for deep learning in Python", MLSys 2022, arXiv:2112.08429.
    .. [2] A. Meurer et al., "SymPy: symbolic computing in Python", *PeerJ Computer Science* 3:e103, 2017.

    Examples
    --------
    >>> to_sympy(lambda x, y: torch.sin(x) * y**2 + torch.exp(-0.5 * x))
    y**2*sin(x) + exp(-x/2)
    >>> to_sympy(lambda x: torch.where(x > 0, x, 0.5 * x))   # a leaky ReLU
    Piecewise((x, x > 0), (x/2, True))
    >>> to_sympy(lambda x, a=2.0: torch.tanh(a * x))   # a parameter with a default keeps its value
    tanh(2*x)
    >>> to_sympy(torch.tensor([[1, 2], [3, 4]]))
    Matrix([
    [1, 2],
    [3, 4]])
    """
    if isinstance(obj, torch.Tensor):
        if variables is not None:
            raise TypeError("to_sympy: variables apply to callables, not to a tensor; leave it out")
        return _from_tensor(obj)
    if isinstance(obj, sympy.Basic):
        return obj
    expr = getattr(obj, "expr", None)
    if isinstance(expr, sympy.Basic) and hasattr(obj, "variables"):
        names = [str(v) for v in obj.variables]
        if variables is None:
            return expr
        symbols = _symbols(variables, names)
        if len(symbols) != len(names):
            raise ValueError(f"to_sympy: {len(symbols)} variables {[s.name for s in symbols]} given for a "
                             f"callable of {len(names)} ({', '.join(names)})")
        rename = {s: symbols[names.index(s.name)] for s in expr.free_symbols if s.name in names}
        return expr.xreplace(rename)
    if callable(obj):
        return _trace(obj, variables)
    raise TypeError(f"to_sympy: expected a tensor or a callable, got {type(obj).__name__}")
