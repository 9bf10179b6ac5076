"""sciml: differentiate, optimize, solve in PyTorch, and check every answer against SymPy and SciPy.

Capabilities live in subpackages, imported on first use so that ``import sciml`` stays light:

- :mod:`sciml.calculus` — derivative operators on ``torch.func``, SymPy → torch, custom Functions.
- :mod:`sciml.optimize` — :func:`~sciml.optimize.minimize` with SciPy-like results.
- :mod:`sciml.linalg` — checked solves and decompositions.
- :mod:`sciml.qp` — quadratic programs through their KKT systems.
- :mod:`sciml.signal` — spectra with correct frequency axes and refined dominant frequencies.
- :mod:`sciml.pinn` — boundary value problems stated symbolically, solved by PINNs.
- :mod:`sciml.problems` — the problem catalog and its references (``sciml verify``).

All of them are written on one core: :mod:`sciml.results` (statuses, results, warnings), :mod:`sciml.expressions`
(the safe maths parser) and :mod:`sciml.training` (stops, progress, checkpoints, optimizer adapters).
"""

import importlib

__version__ = "0.1.0"

_SUBPACKAGES = ("calculus", "optimize", "linalg", "qp", "signal", "pinn", "problems", "results", "expressions",
                "training")

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"sciml.{name}")
    raise AttributeError(f"module 'sciml' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
