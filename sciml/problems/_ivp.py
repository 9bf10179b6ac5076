"""Initial value problems (kind ``ivp``, capability ``pinn``): ODEs whose conditions all sit at the left end
of the domain, solved by :func:`sciml.pinn.solve`.

The file format, the solver options and the references are those of the ``bvp`` kind
(:mod:`sciml.problems._bvp`); an ``ivp`` file states that every condition is an initial one, which is
checked (:func:`sciml.pinn.IVP`), and its SciPy reference is :func:`scipy.integrate.solve_ivp` (or
``solve_bvp`` where constants are identified from data or the start is singular; the label says which).
"""

from __future__ import annotations

import re

from sciml.problems._bvp import BVPProblem


class IVPProblem(BVPProblem):
    """An ODE initial value problem ``equation`` on ``domain`` with every condition at its left end (see
    :func:`sciml.pinn.IVP`); the fields are those of :class:`~sciml.problems.BVPProblem`."""

    kind = "ivp"
    reference_labels = {**BVPProblem.reference_labels, "scipy": "scipy.integrate.solve_ivp"}

    @staticmethod
    def _statement(*args, **kwargs):
        from sciml.pinn import IVP

        return IVP(*args, **kwargs)

    def axis_label(self) -> str:
        """Time: ``t``, also where the problem writes neither ``t`` nor ``x`` (:mod:`sciml.pinn` then names
        its variable ``x``); ``x`` where the problem is written in ``x``."""
        x = str(self.bvp.variable)
        texts = [*_texts(self.equation), *_texts(self.exact), str((self.data or {}).get("solution", ""))]
        return x if x != "x" or any(re.search(r"\bx\b", t) for t in texts) else "t"


def _texts(value) -> list[str]:
    return [] if value is None else [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
