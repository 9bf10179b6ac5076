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


#: a constant coefficient of a highest derivative at most this in magnitude is a small parameter: a direct solve
#: that stalls continues in it automatically, from AUTO_START (same sign) down by factors of 10
AUTO_SMALL, AUTO_START = 1e-2, 1e-1


def automatic(problem) -> tuple[list, str] | None:
    """The stages of a continuation in a small constant coefficient of a highest derivative (``eps*y''`` with
    a parameter ``eps = 1/1000``, or a literal ``1e-3*y''``), from ``±AUTO_START`` down by factors of 10, and
    how they are described; ``None`` when no such coefficient exists.

    A parameter continues through the problem's own statement; a literal by replacing the number (and its
    negative) wherever it appears in the equations."""
    from sciml.pinn._parse import value_symbol
    from sciml.pinn._statement import BVP

    found = None
    for residual in problem.residuals:
        for f, n in problem.orders.items():
            c = sympy.diff(residual, value_symbol(f, n))
            if n > 0 and c.is_number and c != 0 and abs(float(c)) <= AUTO_SMALL and found is None:
                found = c
    if found is None:
        return None
    c, sign = float(found), (1 if float(found) > 0 else -1)
    values = []
    v = AUTO_START
    while v > abs(c) * (1 + 1e-9) * 10 ** 0.5:
        values.append(sign * v)
        v /= 10
    if not values:
        return None
    for name, value in problem.parameters.items():
        if abs(float(value) - abs(c)) <= 1e-12 * abs(c):
            return stages(problem, {name: values}), f"{name} = " + " → ".join(f"{v:g}" for v in [*values, c])
    (_, domain, conditions), options = problem.arguments
    problems = []
    for v in values:
        swap = {found: sympy.Float(v), -found: sympy.Float(-v)}
        problems.append(BVP([e.xreplace(swap) for e in problem.equations], domain, conditions,
                            **{**options, "parameters": None, "exact": None}))
    return problems, f"the coefficient {c:g} = " + " → ".join(f"{v:g}" for v in [*values, c])


def retry(solve, problem, result, options: dict):
    """The direct solve ``result`` failed: solve again by :func:`automatic` continuation when the problem has a
    small coefficient of a highest derivative (``None`` when not); the better of the two runs, with a note."""
    auto = automatic(problem)
    if auto is None:
        return None
    problems, described = auto
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cont = run(solve, problem, problems, {**options, "continuation": None, "throw": False, "checkpoint": None})
    better = cont if cont.success or cont.residual < result.residual else result
    note = (f"the direct solve failed ({result.stop_reason}, relative residual {result.residual:.1e}) with a small "
            f"coefficient of the highest derivative (a thin layer): continued automatically in {described}, each "
            f"stage from the previous one: {cont.stop_reason}, relative residual {cont.residual:.1e}"
            + ("" if better is cont else "; the direct solve is kept"))
    return dataclasses.replace(better, notes=(*better.notes, note), niter=result.niter + cont.niter,
                               nfev=result.nfev + cont.nfev, njev=result.njev + cont.njev,
                               seconds=result.seconds + cont.seconds)


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
