"""The problem catalog: mathematical problems with independent references, and running them.

Problems come from TOML files (bundled under ``problems/``, or any file a user points at) or are built in
Python from the kind classes; each names its references (closed form, SymPy, SciPy) with tolerances.

>>> from sciml import problems
>>> p = problems.load("seed_linalg_solve")
>>> problems.verify_problem(p).passed
True
"""

from sciml.problems._base import Comparison, Problem, Reference
from sciml.problems._expressions import ExpressionError, parse
from sciml.problems._registry import (
    KINDS,
    UnknownProblemError,
    catalog,
    from_dict,
    kind_class,
    load,
    load_file,
    names,
    register,
    unregister,
)
from sciml.problems._spec import ProblemFileError, Spec
from sciml.problems._verify import Verification, verify_problem

__all__ = [
    "KINDS",
    "Comparison",
    "ExpressionError",
    "Problem",
    "ProblemFileError",
    "Reference",
    "Spec",
    "UnknownProblemError",
    "Verification",
    "catalog",
    "from_dict",
    "kind_class",
    "load",
    "load_file",
    "names",
    "parse",
    "register",
    "unregister",
    "verify_problem",
]
