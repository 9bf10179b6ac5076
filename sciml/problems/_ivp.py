"""Initial value problems (kind ``ivp``, capability ``pinn``): ODEs whose conditions all sit at the left end
of the domain, solved by :func:`sciml.pinn.solve`.

The file format, the solver options and the references are those of the ``bvp`` kind
(:mod:`sciml.problems._bvp`); an ``ivp`` file states that every condition is an initial one, which is
checked (:func:`sciml.pinn.IVP`), and its SciPy reference is :func:`scipy.integrate.solve_ivp` (or
``solve_bvp`` where constants are identified from data or the start is singular; the label says which).
"""

from __future__ import annotations

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
