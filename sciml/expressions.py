"""Reading mathematics written as text, safely: the one parser every sciml capability uses.

Maths strings come from files other people write (catalog TOML files, notebooks, user scripts), and
:func:`sympy.parse_expr` evaluates its input as Python. This module checks the text first, with Python's
:mod:`ast` and a whitelist, so that only mathematics ever reaches SymPy: numbers, names of variables and of
SymPy's functions and constants, calls of named functions, tuples (``Piecewise((x, x > 0), (0, True))``,
``Derivative(u(x), (x, 2))``), arithmetic, comparisons and logic. Attribute access, indexing, strings,
lambdas, comprehensions, Python builtins (``eval``, ``open``, ``__import__``...) and names starting with
``_`` are refused before anything runs; the text is then evaluated with a namespace holding only SymPy's
mathematical objects and no Python builtins.

- :class:`ExpressionError` — the one error for maths text that cannot be parsed or is not mathematics.
- :func:`parse` — text (or a number, or a SymPy object) to a SymPy expression; ``^`` means power.
- :func:`parse_number` — an exact or numeric constant (``"-1675/256"``, ``"(5 + sqrt(5))/2"``) to a float.

>>> parse("x^2*y + y + 2", symbols=["x", "y"])
x**2*y + y + 2
>>> parse("__import__('os').system('id')")
Traceback (most recent call last):
...
sciml.expressions.ExpressionError: expression: refused "__import__('os').system('id')": '__import__' starts \
with '_' (Python internals are not mathematics); strings ('os') are not mathematics; attribute access \
('.system') is not mathematics
"""

from __future__ import annotations

import ast
import builtins
import functools

import sympy
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

__all__ = ["ExpressionError", "parse", "parse_number"]

_TRANSFORMS = (*standard_transformations, convert_xor)

# SymPy's plain Python functions that are mathematics (its classes and constants are accepted wholesale);
# printing, plotting, testing, sympify/lambdify/parse_expr/var/symbols and the like are not.
_MATHS_FUNCTIONS = frozenset({
    "sqrt", "cbrt", "root", "real_root", "E1", "diff", "integrate", "limit", "summation", "product",
    "simplify", "expand", "factor", "cancel", "together", "apart", "trigsimp", "nsimplify", "N", "rad", "deg",
    "piecewise_fold", "S",
})
# Python builtins that SymPy's default namespace lets through and that the catalog may use: mapped to SymPy
_BUILTIN_ALIASES = {"abs": sympy.Abs, "max": sympy.Max, "min": sympy.Min, "pow": sympy.Pow}
_BUILTIN_NAMES = frozenset(dir(builtins))

_OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//",
    ast.BitAnd: "&", ast.BitOr: "|", ast.UAdd: "+", ast.USub: "-", ast.Not: "not", ast.Invert: "~",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.And: "and",
    ast.Or: "or",
}
_REFUSED_OPERATORS = {ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@", ast.BitXor: "^", ast.Is: "is",
                      ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
# Store only occurs under nodes refused on their own (':=' targets, comprehension variables)
_STRUCTURE = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Tuple, ast.Load, ast.Store)
_REFUSED_NODES = {
    ast.Attribute: None,  # message built from the node
    ast.Subscript: "indexing ('x[...]') is not mathematics",
    ast.Slice: "slices are not mathematics",
    ast.Lambda: "lambda is not mathematics; write the expression itself",
    ast.ListComp: "comprehensions are not mathematics",
    ast.SetComp: "comprehensions are not mathematics",
    ast.DictComp: "comprehensions are not mathematics",
    ast.GeneratorExp: "comprehensions are not mathematics",
    ast.comprehension: "comprehensions are not mathematics",
    ast.JoinedStr: "f-strings are not mathematics",
    ast.Starred: "'*' unpacking is not mathematics",
    ast.NamedExpr: "assignment (':=') is not mathematics",
    ast.IfExp: "'a if c else b' is not mathematics; write Piecewise((a, c), (b, True))",
    ast.Dict: "dicts ('{...}') are not mathematics",
    ast.Set: "sets ('{...}') are not mathematics",
    ast.List: "lists ('[...]') are not mathematics; use a tuple '(...)'",
    ast.Await: "await is not mathematics",
    ast.Yield: "yield is not mathematics",
    ast.YieldFrom: "yield is not mathematics",
    ast.keyword: "keyword arguments ('name=...') are not accepted in maths text",
}
_MAX_REASONS = 3


class ExpressionError(ValueError):
    """Maths text that cannot be parsed, is not mathematics, or uses symbols the caller does not declare."""


@functools.cache
def _sympy_namespace() -> dict:
    namespace: dict = {}
    exec("from sympy import *", namespace)  # a fixed import, as parse_expr itself does
    namespace.pop("__builtins__", None)
    return namespace


@functools.cache
def _safe_globals() -> dict:
    """SymPy's classes and constants, its mathematical functions, and no Python builtins."""
    safe = {}
    for name, obj in _sympy_namespace().items():
        if name.startswith("_"):
            continue
        if (isinstance(obj, sympy.Basic) or (isinstance(obj, type) and issubclass(obj, sympy.Basic))
                or name in _MATHS_FUNCTIONS):
            safe[name] = obj
    safe.update(_BUILTIN_ALIASES)
    safe["__builtins__"] = {}
    return safe


def _name_reason(name: str, allowed) -> str | None:
    """Why the name ``name`` is refused, or None when it is mathematics."""
    if name.startswith("_"):
        return f"{name!r} starts with '_' (Python internals are not mathematics)"
    if name in allowed or name in _safe_globals():
        return None
    if name in _sympy_namespace():
        return f"{name!r} is a SymPy tool, not a mathematical function or constant"
    if name in _BUILTIN_NAMES:
        return f"{name!r} is a Python builtin, not mathematics"
    return None  # a variable or an undefined function


def _node_reason(node: ast.AST, allowed) -> str | None:
    """Why ``node`` is refused, or None when it is mathematics (its children are checked on their own)."""
    kind = type(node)
    if kind in _OPERATORS or kind in _STRUCTURE:
        return None
    if kind is ast.Name:
        return _name_reason(node.id, allowed)
    if kind is ast.Constant:
        value = node.value
        if isinstance(value, str | bytes):
            return f"strings ({value!r}) are not mathematics"
        if isinstance(value, bool | int | float | complex):
            return None
        return f"{value!r} is not mathematics"
    if kind is ast.Call:
        if isinstance(node.func, ast.Name | ast.Attribute):  # an attribute is refused as its own node
            return None
        return "only named functions can be called, as in sin(x)"
    if kind is ast.Attribute:
        return f"attribute access ('.{node.attr}') is not mathematics"
    if kind in _REFUSED_OPERATORS:
        return f"the operator {_REFUSED_OPERATORS[kind]!r} is not mathematics"
    return _REFUSED_NODES.get(kind) or f"{kind.__name__} is not mathematics"


def _check(code: str, text: str, where: str, allowed) -> None:
    """Raise :class:`ExpressionError` unless ``code`` (``text`` with ``^`` as ``**``) is only mathematics."""
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{where}: SymPy cannot parse {text!r} (SyntaxError: {exc.msg})") from None
    except Exception as exc:  # null bytes, nesting too deep for the parser: still the user's text
        raise ExpressionError(f"{where}: SymPy cannot parse {text!r} ({type(exc).__name__})") from None
    found = []  # (where the offence ends in the text, its reason): reported in reading order
    stack = [(tree, (0, 0))]
    while stack:
        node, at = stack.pop()
        at = (getattr(node, "end_lineno", None) or at[0], getattr(node, "end_col_offset", None) or at[1])
        reason = _node_reason(node, allowed)
        if reason is not None:
            found.append((at, len(found), type(node) if isinstance(node, ast.Constant) else reason, reason))
        stack.extend((child, at) for child in ast.iter_child_nodes(node))
    unique: dict = {}  # one reason per kind of offence (strings are named once)
    for *_, key, reason in sorted(found):
        unique.setdefault(key, reason)
    reasons = list(unique.values())
    if reasons:
        more = "; ..." if len(reasons) > _MAX_REASONS else ""
        raise ExpressionError(f"{where}: refused {text!r}: {'; '.join(reasons[:_MAX_REASONS])}{more}")


def parse(text, *, where: str = "expression", symbols=None, local_dict=None) -> sympy.Expr:
    """Parse maths text (a string, a number or a SymPy object) into a SymPy expression, safely.

    The text is checked to be only mathematics before anything is evaluated (see the module docstring):
    attribute access, indexing, strings, lambdas, comprehensions, Python builtins and names starting with
    ``_`` are refused. ``^`` means power, as ``**`` does.

    Parameters
    ----------
    text : str, int, float or sympy.Basic
        The expression. SymPy objects are returned as they are (after the ``symbols`` check).
    where : str
        Where the text came from (a file and key, an argument name), for error messages.
    symbols : iterable of str, optional
        When given, the only free symbols allowed; also names that may be used as variables even where
        they would otherwise be refused (a variable called ``id``).
    local_dict : dict, optional
        Names to SymPy objects, used in preference to SymPy's own names: declared symbols with
        assumptions, or undefined functions such as ``{"u": sympy.Function("u")}``. Not modified.

    Returns
    -------
    sympy.Expr
        The expression (relations such as ``x > 0`` are accepted too; ``True``/``False`` are not).

    Raises
    ------
    ExpressionError
        When the text is not a string or number, cannot be parsed, is not mathematics, or uses a symbol
        outside ``symbols``; the message names ``where`` and the text.

    Examples
    --------
    >>> parse("x^2*y + y + 2", symbols=["x", "y"])
    x**2*y + y + 2
    >>> parse("Piecewise((x, x > 0), (0, True)) + atan2(y, x)")
    Piecewise((x, x > 0), (0, True)) + atan2(y, x)
    >>> parse("Derivative(u(x), (x, 2))", local_dict={"u": sympy.Function("u")})
    Derivative(u(x), (x, 2))
    >>> parse("x.__class__", where="f.toml: key 'expr'")
    Traceback (most recent call last):
    ...
    sciml.expressions.ExpressionError: f.toml: key 'expr': refused 'x.__class__': attribute access \
('.__class__') is not mathematics
    """
    if isinstance(text, sympy.Basic):
        expr = text
    elif isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ExpressionError(f"{where}: expected a string or a number, got {type(text).__name__} {text!r}")
    else:
        if local_dict is not None and not isinstance(local_dict, dict):
            raise TypeError(f"local_dict must be a dict of names to SymPy objects, got {type(local_dict).__name__}")
        local = dict(local_dict or {})
        source = str(text)
        _check(source.replace("^", "**"), text, where, {*local, *(str(s) for s in symbols or ())})
        try:
            expr = parse_expr(source, local_dict=local, global_dict=dict(_safe_globals()),
                              transformations=_TRANSFORMS, evaluate=True)
        except (SyntaxError, TypeError, ValueError, AttributeError, NameError, ZeroDivisionError) as exc:
            raise ExpressionError(f"{where}: SymPy cannot parse {text!r} ({type(exc).__name__}: {exc})") from None
        except Exception as exc:  # tokenize errors and the like: still the user's text, not our bug
            raise ExpressionError(f"{where}: SymPy cannot parse {text!r} ({type(exc).__name__})") from None
        if not isinstance(expr, sympy.Basic) or isinstance(expr, sympy.logic.boolalg.BooleanAtom):
            raise ExpressionError(f"{where}: SymPy cannot parse {text!r} as an expression (it reads as {expr!r})")
    if symbols is not None:
        declared = {str(s) for s in symbols}
        unknown = sorted(str(s) for s in expr.free_symbols if str(s) not in declared)
        if unknown:
            raise ExpressionError(
                f"{where}: {text!r} uses {', '.join(unknown)}, which is not among the declared "
                f"variables {list(symbols)}; declare it or fix the expression"
            )
    return expr


def parse_number(text, *, where: str = "value") -> float:
    """Parse an exact or numeric constant to a float (30-digit evaluation, then rounded once).

    Parameters
    ----------
    text : str, int, float or sympy.Basic
        The constant, for instance ``"-1675/256"``, ``"(5 + sqrt(5))/2"``, ``"exp(2)"`` or ``2.5``.
    where : str
        Where the text came from, for error messages.

    Returns
    -------
    float

    Raises
    ------
    ExpressionError
        When the text is not a safe, parsable expression (see :func:`parse`), has symbols, or is not real.

    Examples
    --------
    >>> parse_number("-1675/256")
    -6.54296875
    >>> parse_number("x + 1", where="at[0]")
    Traceback (most recent call last):
    ...
    sciml.expressions.ExpressionError: at[0]: 'x + 1' must be a constant, but it has symbols {x}
    """
    expr = parse(text, where=where)
    if expr.free_symbols:
        raise ExpressionError(f"{where}: {text!r} must be a constant, but it has symbols {expr.free_symbols}")
    value = complex(sympy.N(expr, 30))
    if value.imag != 0:
        raise ExpressionError(f"{where}: {text!r} is not real")
    return value.real
