"""Continuation in a parameter: ``solve(problem, continuation={"eps": [1e-1, 1e-2, 1e-3]})``.

A thin layer (``ε u'' + …`` with small ``ε``) is out of reach of a network started at random: its loss
landscape at ``ε = 10⁻³`` is flat around ``u ≈`` the outer solution. Solving the same statement with the
parameter at each listed value in turn, each stage starting from the previous stage's network (and unknowns),
follows the solution from an easy problem to the one asked for. The problem itself is solved last, at its own
value; a listed last value equal to it is not solved twice.
"""

from __future__ import annotations

import dataclasses
import warnings

import sympy
import torch

from sciml.results import ConvergenceWarning


def stages(problem, continuation) -> list:
    """The problems of the continuation's stages before ``problem`` itself."""
    from sciml.pinn._statement import BVP, _constant

    if not isinstance(continuation, dict) or not continuation:
        raise TypeError(f"continuation must be a dict mapping a parameter to a list of values, such as "
                        f"{{'eps': [1e-1, 1e-2, 1e-3]}}; got {continuation!r}")
    lengths = set()
    values = {}
    for name, steps in continuation.items():
        if name not in problem.parameters:
            raise ValueError(f"continuation: {name!r} is not a parameter of the problem (its parameters: "
                             f"{sorted(problem.parameters)}); declare it in BVP(..., parameters=)")
        if not isinstance(steps, list | tuple) or not steps:
            raise ValueError(f"continuation[{name!r}] must be a non-empty list of values, got {steps!r}")
        values[name] = [_constant(v, f"continuation[{name!r}][{i}]") for i, v in enumerate(steps)]
        lengths.add(len(steps))
    if len(lengths) > 1:
        raise ValueError(f"continuation: the lists have different lengths {sorted(lengths)}; give one value per "
                         "stage for every parameter")
    n = lengths.pop()
    if all(sympy.simplify(values[k][-1] - problem.parameters[k]) == 0 for k in values):
        n -= 1  # the last stage is the problem itself
    args, options = problem.arguments
    return [BVP(*args, **{**options, "parameters": {**problem.parameters, **{k: v[i] for k, v in values.items()}}})
            for i in range(n)]


def run(solve, problem, problems, options: dict):
    """Solve ``problems`` in order, then ``problem``, each from the previous result; one result for all."""
    previous, histories, counts, notes = None, [], [0, 0, 0, 0.0], []
    first = options.get("theta0")
    for stage in [*problems, problem]:
        opts = dict(options)
        if previous is not None:
            opts["theta0"], opts["guess"] = previous, None
        elif first is not None:
            opts["theta0"] = first
        if stage is not problem:
            opts["throw"] = False
        with warnings.catch_warnings():  # only the last stage must converge
            if stage is not problem:
                warnings.simplefilter("ignore", ConvergenceWarning)
            previous = solve(stage, **opts)
        if stage is not problem:
            notes.append(f"continuation stage {', '.join(f'{k} = {v}' for k, v in _changed(stage, problem))}: "
                         f"{previous.stop_reason} after {previous.niter} iterations (relative residual "
                         f"{previous.residual:.1e})")
        histories.append(previous.history if not histories else previous.history[1:])
        counts = [c + n for c, n in zip(counts, (previous.niter, previous.nfev, previous.njev, previous.seconds),
                                        strict=True)]
    return dataclasses.replace(previous, history=torch.cat(histories), niter=counts[0], nfev=counts[1],
                               njev=counts[2], seconds=counts[3], notes=(*notes, *previous.notes))


def _changed(stage, problem):
    return [(k, v) for k, v in stage.parameters.items() if sympy.simplify(v - problem.parameters[k]) != 0]
