"""Checkpoints of :func:`sciml.pinn.solve` runs: written atomically, read back with checks.

A checkpoint is a ``torch.save`` dictionary holding the optimizer variable ``z`` (network parameters, then
unknown constants), the collocation points, the iteration counts, the loss history, the optimizer's state
(Levenberg–Marquardt's damping, L-BFGS' or Adam's ``state_dict``), the generator's state and a signature
of the problem and network, so that a run resumes only where it belongs. It is written to a temporary file
in the same directory and moved into place with :func:`os.replace`, so that an interruption while writing
leaves the previous checkpoint intact. Files load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
import pathlib

import torch

FORMAT = "sciml.pinn.solve checkpoint"
VERSION = 1


def checkpoint_path(value, name: str = "checkpoint") -> pathlib.Path:
    """``value`` as a path to a checkpoint file whose directory exists."""
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{name} must be a path (str or os.PathLike) such as 'run.pt', got {type(value).__name__}")
    path = pathlib.Path(value)
    if path.is_dir():
        raise ValueError(f"{name}={str(value)!r} is a directory; pass a file path such as '{path / 'run.pt'}'")
    if not path.parent.is_dir():
        raise ValueError(f"{name}={str(value)!r}: the directory {str(path.parent)!r} does not exist; create it "
                         "first")
    return path


def signature(problem, net, constraints: str) -> dict:
    """What a checkpoint must match to be resumed: the statement, the network's sizes, the constraints."""
    return {
        "residuals": [str(e) for e in problem.residuals],
        "conditions": [str(c.expr) for c in problem.conditions],
        "domain": [float(v) for v in problem.domain],
        "unknowns": list(problem.unknowns),
        "sizes": list(net.sizes),
        "constraints": constraints,
    }


def save(path: pathlib.Path, payload: dict) -> None:
    """Write ``payload`` to ``path`` atomically (temporary file in the same directory, then ``os.replace``)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save({"format": FORMAT, "version": VERSION, **payload}, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load(path: pathlib.Path, expected: dict, *, dtype, device) -> dict:
    """Read a checkpoint written for the run whose :func:`signature` is ``expected``.

    Floating tensors come back in ``dtype`` on ``device``; the optimizer's state is left as saved
    (``Optimizer.load_state_dict`` casts it).
    """
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} does not exist; run without resume=True to start one")
    try:
        data = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # any unreadable file gets the same message
        raise ValueError(f"checkpoint {str(path)!r} cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a sciml.pinn.solve checkpoint")
    if data.get("version") != VERSION:
        raise ValueError(f"checkpoint {str(path)!r} has version {data.get('version')!r}; this sciml reads "
                         f"version {VERSION}")
    for key, want in expected.items():
        got = data["signature"].get(key)
        if got != want:
            raise ValueError(f"checkpoint {str(path)!r} was written for another run: its {key} is {got!r}, this "
                             f"run's is {want!r}; pass the same problem and hidden=/constraints= to resume it")
    for key in ("z", "x"):
        data[key] = data[key].to(dtype=dtype, device=device)
    return data
