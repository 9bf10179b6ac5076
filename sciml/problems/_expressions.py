"""Kept for old imports: the parser lives in :mod:`sciml.expressions`, below every capability."""

from sciml.expressions import ExpressionError, parse, parse_number

__all__ = ["ExpressionError", "parse", "parse_number"]
