"""Parsing mathematics written as text: SymPy-parsable strings, with errors that name the expression."""

from __future__ import annotations

import sympy
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

_TRANSFORMS = (*standard_transformations, convert_xor)


class ExpressionError(ValueError):
    """A string that SymPy cannot parse, or that uses symbols the problem does not declare."""


def parse(text, *, where: str = "expression", symbols=None) -> sympy.Expr:
    """Parse ``text`` (a string, number or SymPy object) into a SymPy expression.

    ``^`` means power. ``where`` names the place the text came from (a file and key) for error messages;
    ``symbols`` (names), when given, are the only free symbols allowed.

    >>> parse("x^2*y + y + 2", symbols=["x", "y"])
    x**2*y + y + 2
    """
    if isinstance(text, sympy.Basic):
        expr = text
    elif isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ExpressionError(f"{where}: expected a string or a number, got {type(text).__name__} {text!r}")
    else:
        try:
            expr = parse_expr(str(text), transformations=_TRANSFORMS, evaluate=True)
        except (SyntaxError, TypeError, ValueError, AttributeError, NameError, ZeroDivisionError) as exc:
            raise ExpressionError(f"{where}: SymPy cannot parse {text!r} ({type(exc).__name__}: {exc})") from None
        except Exception as exc:  # tokenize errors and the like: still the user's text, not our bug
            raise ExpressionError(f"{where}: SymPy cannot parse {text!r} ({type(exc).__name__})") from None
        if not isinstance(expr, sympy.Basic) or isinstance(expr, sympy.logic.boolalg.BooleanAtom):
            raise ExpressionError(f"{where}: SymPy cannot parse {text!r} as an expression (it reads as {expr!r})")
    if symbols is not None:
        unknown = sorted(str(s) for s in expr.free_symbols if str(s) not in set(symbols))
        if unknown:
            raise ExpressionError(
                f"{where}: {text!r} uses {', '.join(unknown)}, which is not among the declared "
                f"variables {list(symbols)}; declare it or fix the expression"
            )
    return expr


def parse_number(text, *, where: str = "value") -> float:
    """Parse an exact or numeric constant (``"-1675/256"``, ``"(5 + sqrt(5))/2"``, ``2.5``) to a float."""
    expr = parse(text, where=where)
    if expr.free_symbols:
        raise ExpressionError(f"{where}: {text!r} must be a constant, but it has symbols {expr.free_symbols}")
    value = complex(sympy.N(expr, 30))
    if value.imag != 0:
        raise ExpressionError(f"{where}: {text!r} is not real")
    return value.real
