"""The problem catalog: mathematical problems with independent references, and running them.

Problems come from TOML files (bundled under ``problems/``, or any file a user points at) or are built in
Python from the kind classes; each names its references (closed form, SymPy, SciPy) with tolerances.

Kinds, each with the capability (sciml subpackage) it exercises; ``catalog(name)`` and ``sciml list --kind``
take a kind, an alias or a capability:

=================== ===================== ============= ==========
kind                class                 capability    alias
=================== ===================== ============= ==========
``derivative``      DerivativeProblem     calculus
``custom_function`` CustomFunctionProblem calculus
``optimize``        MinimizeProblem       optimize      minimize
``linalg``          LinalgProblem         linalg
``qp``              QPProblem             qp
``signal``          SpectrumProblem       signal        spectrum
``bvp``             BVPProblem            pinn
``ivp``             IVPProblem            pinn
``corpus``          CorpusProblem         calculus
=================== ===================== ============= ==========

>>> from sciml import problems
>>> p = problems.load("seed_linalg_solve")
>>> problems.verify_problem(p).passed
True
>>> sorted({p.kind for p in problems.catalog("pinn")})
['bvp', 'ivp']
"""

from sciml.expressions import ExpressionError, parse
from sciml.problems._base import Comparison, Problem, Reference
from sciml.problems._figures import save_figure
from sciml.problems._registry import (
    ALIASES,
    KINDS,
    UnknownKindError,
    UnknownProblemError,
    capabilities,
    catalog,
    from_dict,
    kind_class,
    load,
    load_file,
    names,
    register,
    resolve_kind,
    unregister,
)
from sciml.problems._runner import verify_all
from sciml.problems._spec import ProblemFileError, Spec
from sciml.problems._sweep import sweep
from sciml.problems._verify import Verification, verify_problem

#: the kind classes, imported on first use (they import torch, SymPy and SciPy)
_CLASSES = {path.rpartition(":")[2]: kind for kind, path in KINDS.items()}


def __getattr__(name: str):
    if name in _CLASSES:
        return kind_class(_CLASSES[name])
    raise AttributeError(f"module 'sciml.problems' has no attribute {name!r}")


__all__ = [
    "ALIASES",
    "KINDS",
    "BVPProblem",
    "Comparison",
    "CorpusProblem",
    "CustomFunctionProblem",
    "DerivativeProblem",
    "ExpressionError",
    "IVPProblem",
    "LinalgProblem",
    "MinimizeProblem",
    "Problem",
    "ProblemFileError",
    "QPProblem",
    "Reference",
    "Spec",
    "SpectrumProblem",
    "UnknownKindError",
    "UnknownProblemError",
    "Verification",
    "capabilities",
    "catalog",
    "from_dict",
    "kind_class",
    "load",
    "load_file",
    "names",
    "parse",
    "register",
    "resolve_kind",
    "save_figure",
    "sweep",
    "unregister",
    "verify_all",
    "verify_problem",
]
