"""Timing harness for benchmarks/: Case, peer discovery, interleaved best-of-N timings and the ratio table."""

from __future__ import annotations

import dataclasses
import importlib.util
import timeit
from collections.abc import Callable


@dataclasses.dataclass
class Case:
    """One quantity computed by sciml and by peers: zero-argument callables, all doing the same work."""

    name: str
    sciml: Callable[[], object]
    peers: dict[str, Callable[[], object]]


def have(module: str) -> bool:
    """Whether an optional peer is installed."""
    return importlib.util.find_spec(module) is not None


def _loop(fn: Callable[[], object], budget: float) -> timeit.Timer:
    fn()  # warm up (caches, lazy initialisation, JIT compilation)
    timer = timeit.Timer(fn)
    number, total = timer.autorange()
    timer.number = max(1, int(number * budget / max(total, 1e-9)))
    return timer


def time_call(fn: Callable[[], object], *, repeat: int = 5, budget: float = 0.2) -> float:
    """Best seconds per call: warm up once, size a loop to ~``budget`` s, take the fastest of ``repeat`` loops."""
    return time_calls([fn], repeat=repeat, budget=budget)[0]


def time_calls(fns: list[Callable[[], object]], *, repeat: int = 5, budget: float = 0.2) -> list[float]:
    """Best seconds per call of each function, timed interleaved (round-robin over ``repeat`` rounds).

    Interleaving puts sciml and its peers under the same machine load, and the minimum over rounds is the
    estimate least disturbed by other processes (the ``timeit`` documentation's advice).
    """
    timers = [_loop(fn, budget) for fn in fns]
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, timer in enumerate(timers):
            best[i] = min(best[i], timer.timeit(timer.number) / timer.number)
    return best


def run_cases(cases: list[Case]) -> list[tuple[str, str, float, float, float]]:
    """Rows ``(case, peer, sciml seconds, peer seconds, ratio)``; a case with no peer gets one row."""
    rows = []
    for case in cases:
        t_sciml, *t_peers = time_calls([case.sciml, *case.peers.values()])
        if not case.peers:
            rows.append((case.name, "-", t_sciml, float("nan"), float("nan")))
        for peer, t_peer in zip(case.peers, t_peers, strict=True):
            rows.append((case.name, peer, t_sciml, t_peer, t_sciml / t_peer))
    return rows


def format_rows(rows, markdown: bool = False) -> str:
    headers = ("case", "peer", "sciml", "peer time", "sciml/peer")
    body = [(c, p, _fmt_time(a), _fmt_time(b), f"{r:.2f}") for c, p, a, b, r in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
    widths = [max(len(x) for x in col) for col in zip(headers, *body, strict=True)]
    fmt = lambda r: "  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *map(fmt, body)])


def _fmt_time(t: float) -> str:
    if t != t:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t * 1e9:.3g} ns"
