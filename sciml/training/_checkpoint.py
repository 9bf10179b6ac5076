"""Checkpoints of long runs: written atomically, read back with checks of format, version and signature.

A checkpoint is a ``torch.save`` dictionary: the run's payload (parameters, iteration counts, history, the
optimizer's ``state_dict``, a generator's state, ...) plus a ``format`` name, a ``version`` and a
``signature`` of what the run solves, so that a run resumes only where it belongs. It is written to a
temporary file in the same directory and moved into place with :func:`os.replace`, so that an interruption
while writing leaves the previous checkpoint intact. Files load with ``torch.load(weights_only=True)``: a
checkpoint cannot run code.
"""

from __future__ import annotations

import os
import pathlib
import time

import torch


def checkpoint_path(value, name: str = "checkpoint") -> pathlib.Path:
    """``value`` as a path to a checkpoint file whose directory exists.

    Parameters
    ----------
    value : str or os.PathLike
        The file (it need not exist yet).
    name : str
        The argument's name, for the error messages.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError, ValueError
        Not a path; a directory; a file in a directory that does not exist.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> checkpoint_path(f"{folder}/run.pt").name
    'run.pt'
    >>> checkpoint_path(f"{folder}/missing/run.pt")
    Traceback (most recent call last):
    ...
    ValueError: checkpoint=...: the directory ... does not exist; create it first
    """
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{name} must be a path (str or os.PathLike) such as 'run.pt', got {type(value).__name__}")
    path = pathlib.Path(value)
    if path.is_dir():
        raise ValueError(f"{name}={str(value)!r} is a directory; pass a file path such as '{path / 'run.pt'}'")
    if not path.parent.is_dir():
        raise ValueError(f"{name}={str(value)!r}: the directory {str(path.parent)!r} does not exist; create it "
                         "first")
    return path


def save_checkpoint(path: pathlib.Path, payload: dict, *, format: str, version: int) -> None:
    """Write ``payload`` to ``path`` atomically (temporary file in the same directory, then ``os.replace``).

    Parameters
    ----------
    path : pathlib.Path
        The checkpoint file; an interruption while writing leaves its previous content intact.
    payload : dict
        Tensors, numbers, strings, lists and dicts (what ``torch.load(weights_only=True)`` reads back).
    format, version : str, int
        Stored beside the payload and checked by :func:`load_checkpoint`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.pt"
    >>> save_checkpoint(path, {"z": torch.ones(2), "signature": {"n": 2}}, format="demo", version=1)
    >>> load_checkpoint(path, format="demo", version=1, expected={"n": 2})["z"]
    tensor([1., 1.])
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save({"format": format, "version": version, **payload}, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_checkpoint(path: pathlib.Path, *, format: str, version: int, expected: dict, hint: str = "",
                    device=None) -> dict:
    """Read a checkpoint of ``format`` and ``version`` whose ``signature`` matches ``expected``.

    Parameters
    ----------
    path : pathlib.Path
        The file written by :func:`save_checkpoint`.
    format, version : str, int
        What the file must say it is.
    expected : dict
        Entries the file's ``signature`` must equal (the problem, the network's sizes, ...).
    hint : str
        How to make a mismatching run match, appended to the error.
    device : optional
        Where to load the tensors (``map_location``).

    Returns
    -------
    dict
        The payload, with ``format``, ``version`` and ``signature``.

    Raises
    ------
    ValueError
        Naming the file and what does not match: missing, unreadable, another format or version, another run.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.pt"
    >>> save_checkpoint(path, {"signature": {"n": 2}}, format="demo", version=1)
    >>> load_checkpoint(path, format="demo", version=1, expected={"n": 3})
    Traceback (most recent call last):
    ...
    ValueError: checkpoint ... was written for another run: its n is 2, this run's is 3
    """
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} does not exist; run without resume=True to start one")
    try:
        data = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # any unreadable file gets the same message
        raise ValueError(f"checkpoint {str(path)!r} cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != format:
        raise ValueError(f"{str(path)!r} is not a {format}")
    if data.get("version") != version:
        raise ValueError(f"checkpoint {str(path)!r} has version {data.get('version')!r}; this sciml reads "
                         f"version {version}")
    for key, want in expected.items():
        got = data.get("signature", {}).get(key)
        if got != want:
            raise ValueError(f"checkpoint {str(path)!r} was written for another run: its {key} is {got!r}, this "
                             f"run's is {want!r}{'; ' + hint if hint else ''}")
    return data


class Checkpointer:
    """Writes a run's checkpoint when due: every ``every`` seconds (0: after every iteration) and at the end.

    ``payload()`` builds what to save; the first save is due ``every`` seconds after construction.
    """

    def __init__(self, path, payload, *, every: float, format: str, version: int):
        self.path, self.payload, self.every = path, payload, every
        self.format, self.version = format, version
        self.last = time.perf_counter()

    def due(self) -> bool:
        return self.path is not None and time.perf_counter() - self.last >= self.every

    def save(self, **options) -> None:
        save_checkpoint(self.path, self.payload(**options), format=self.format, version=self.version)
        self.last = time.perf_counter()
