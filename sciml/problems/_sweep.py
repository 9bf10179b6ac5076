"""Parameter sweeps: one problem, many values of its keys — a list of problems for :func:`verify_all`.

A key is named as in the problem's file: ``"n"``, a dotted path into a table (``"parameters.eps"``,
``"solver.n_points"``), or a bare name: the shallowest key of that name, when only one table holds it at that
depth (``"eps"`` is ``parameters.eps`` beside ``solver.continuation.eps``). Each variant is rebuilt from the
file's table, so every value is validated as the file's own would be. A problem built in Python (no file) is
varied through its dataclass fields.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Mapping, Sequence

from sciml.problems._base import Problem


def _paths(data: dict, prefix: str = "") -> list[str]:
    """Every key of ``data``, tables' keys as dotted paths (not descending into ``reference``)."""
    out = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict) and path != "reference":
            out += _paths(value, f"{path}.")
    return out


def _resolve(data: dict, key: str, problem: str) -> list[str]:
    """``key`` as a path of table keys in ``data``; a clear error when it names nothing or several things."""
    paths = _paths(data)
    if key in paths or "." in key:
        return key.split(".")
    found = [p for p in paths if p.rsplit(".", 1)[-1] == key]
    shallowest = [p for p in found if p.count(".") == min(q.count(".") for q in found)]
    if len(shallowest) == 1:
        return shallowest[0].split(".")
    if found:
        raise ValueError(f"sweep key {key!r} is ambiguous in {problem}: name one of {found}")
    settable = [p for p in paths if not isinstance(_get(data, p.split(".")), dict)]
    raise ValueError(f"sweep key {key!r}: {problem} has no such key; its keys are {settable}")


def _get(data, path):
    for k in path:
        data = data[k]
    return data


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweep(problem: Problem, values: Mapping[str, Sequence]) -> list[Problem]:
    """Variants of ``problem``, one for each combination of ``values`` (the Cartesian product, in order).

    Parameters
    ----------
    problem : Problem
        The problem to vary (from a file, or built in Python).
    values : mapping of str to sequence
        For each key (see the module docstring), the values it takes.

    Returns
    -------
    list of Problem
        Named ``NAME[key=value,...]``; pass them to :func:`sciml.problems.verify_all` (any ``jobs`` or
        executor) or :func:`sciml.problems.verify_problem`.

    Raises
    ------
    ValueError
        A key the problem does not have (its keys are listed), or a value its file format refuses.

    Examples
    --------
    >>> from sciml import problems
    >>> runs = problems.sweep(problems.load("corpus_random_expressions"), {"seed": [1, 2], "n": [5]})
    >>> [p.name for p in runs]
    ['corpus_random_expressions[seed=1,n=5]', 'corpus_random_expressions[seed=2,n=5]']
    >>> all(v.passed for v in problems.verify_all(runs))
    True
    """
    from sciml.problems._registry import from_dict

    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a sciml.problems.Problem (e.g. problems.load('seed_bvp')), got "
                        f"{type(problem).__name__}")
    if not isinstance(values, Mapping) or not values:
        raise TypeError(f"values must be a non-empty mapping key -> list of values, got {values!r}")
    keys = list(values)
    columns = []
    for key in keys:
        column = values[key]
        if isinstance(column, str | bytes) or not isinstance(column, Sequence | range) or not len(column):
            raise ValueError(f"values[{key!r}] must be a non-empty list of values, got {column!r}")
        columns.append(list(column))
    data = problem.spec_data
    paths = [_resolve(data, k, problem.name or "the problem") for k in keys] if data is not None else None
    if data is None:
        fields = {f.name for f in dataclasses.fields(problem)}
        unknown = [k for k in keys if k not in fields]
        if unknown:
            raise ValueError(f"sweep key {unknown[0]!r}: {type(problem).__name__} has no such field; its fields "
                             f"are {sorted(fields - {'spec_data'})}")
    variants = []
    for combination in itertools.product(*columns):
        name = f"{problem.name}[{','.join(f'{k}={_label(v)}' for k, v in zip(keys, combination, strict=True))}]"
        if data is None:
            variants.append(dataclasses.replace(problem, name=name, **dict(zip(keys, combination, strict=True))))
            continue
        varied = copy.deepcopy(data)
        varied.pop("name", None)
        for path, value in zip(paths, combination, strict=True):
            table = varied
            for k in path[:-1]:
                table = table.setdefault(k, {})
                if not isinstance(table, dict):
                    raise ValueError(f"sweep key {'.'.join(path)!r}: {k!r} is not a table in {problem.name}")
            table[path[-1]] = value
        variants.append(from_dict(varied, source=name, name=name))
    return variants
