"""The base of every result object: a dataclass with SciPy's field names and a readable repr."""

from __future__ import annotations

import dataclasses
import math

import torch


def _short(value, width: int = 60) -> str:
    if isinstance(value, torch.Tensor):
        if value.numel() <= 6:
            body = ", ".join(f"{v:.10g}" for v in value.detach().reshape(-1).tolist())
            shape = "" if value.dim() <= 1 else f", shape={tuple(value.shape)}"
            return f"tensor([{body}]{shape})"
        return f"tensor(shape={tuple(value.shape)}, dtype={str(value.dtype).removeprefix('torch.')})"
    if isinstance(value, float):
        return f"{value:.10g}" if math.isfinite(value) else str(value)
    if callable(value) and not isinstance(value, type):
        return f"<{getattr(value, '__name__', type(value).__name__)}>"
    if isinstance(value, str):  # messages are read in full
        return repr(value)
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


class Result:
    """Mixin for result dataclasses: ``repr`` lists the fields aligned, one per line, like SciPy's results.

    Subclasses are ``@dataclass(repr=False)``. Fields whose value is ``None`` are left out of the repr.
    """

    def __repr__(self) -> str:
        items = [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self) if f.repr]
        items = [(k, v) for k, v in items if v is not None]
        if not items:
            return f"{type(self).__name__}()"
        width = max(len(k) for k, _ in items)
        lines = [f"{k.rjust(width)}: {_short(v)}" for k, v in items]
        return f"{type(self).__name__}(\n" + "\n".join("  " + line for line in lines) + "\n)"

    def __str__(self) -> str:
        return repr(self)
