"""sciml's own worker processes for ``verify_all(jobs=N)``: one torch thread each, a per-problem time limit,
and a worker that dies or hangs replaced while the run goes on.

:class:`concurrent.futures.ProcessPoolExecutor` cannot do the last two: a killed worker breaks the whole pool
(every pending problem then fails with ``BrokenProcessPool``) and a running task cannot be stopped. Here each
worker is a spawned process serving problems over a pipe; the parent waits on the pipes and on the processes'
sentinels, kills a worker whose problem ran past ``timeout`` and starts another in its place.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import time
from collections import deque
from collections.abc import Callable, Sequence


def one_thread() -> None:
    """One torch thread in this process, so that N workers on N cores do not oversubscribe them."""
    import torch

    torch.set_num_threads(1)


def _serve(conn, task: Callable) -> None:
    """A worker's life: say it is ready, then run ``task(*args)`` for every ``(index, args)`` received."""
    one_thread()
    conn.send(("ready", None, None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, args = message
        try:
            conn.send(("done", index, task(*args)))
        except Exception as exc:  # the task raised, or its value does not pickle
            conn.send(("error", index, f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, context, task):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, task), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.index: int | None = None
        self.since = 0.0

    def give(self, index: int, args: tuple) -> None:
        self.index, self.since = index, time.monotonic()
        self.conn.send((index, args))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_pool(task: Callable, args: Sequence[tuple], *, jobs: int, timeout: float | None,
             finish: Callable[[int, object, str | None], None]) -> None:
    """Run ``task(*args[i])`` for every ``i`` in ``jobs`` spawned workers; call ``finish(i, value, None)`` with
    each value, or ``finish(i, None, why)`` when the task raised, its worker died, or it ran past ``timeout``
    seconds (the worker is then killed). ``task`` must be importable by name (a module-level function)."""
    context = multiprocessing.get_context("spawn")
    pending = deque(range(len(args)))
    workers = [_Worker(context, task) for _ in range(min(jobs, len(args)))]
    stillborn = 0
    try:
        while pending or any(w.index is not None for w in workers):
            for w in workers:
                if w.ready and w.index is None and pending:
                    index = pending.popleft()
                    w.give(index, args[index])
            waiting = [w.conn for w in workers] + [w.process.sentinel for w in workers]
            wait = None
            if timeout is not None:
                busy = [w.since + timeout - time.monotonic() for w in workers if w.index is not None]
                wait = max(0.0, min(busy)) if busy else None
            multiprocessing.connection.wait(waiting, timeout=wait)
            for k, w in enumerate(workers):
                why = None
                if w.conn.poll():
                    try:
                        what, index, value = w.conn.recv()
                    except (EOFError, OSError):
                        what, index, value = "died", w.index, None
                    if what == "ready":
                        w.ready = True
                        continue
                    if what != "died":
                        w.index = None
                        finish(index, value if what == "done" else None, None if what == "done" else value)
                        continue
                    why = "died"
                elif not w.process.is_alive():
                    why = "died"
                elif w.index is not None and timeout is not None and time.monotonic() - w.since > timeout:
                    why = "timeout"
                if why is None:
                    continue
                index = w.index
                w.stop(kill=True)
                if index is None and not w.ready:  # it died starting: do not start workers forever
                    stillborn += 1
                    if stillborn > 2 * jobs:
                        raise RuntimeError(f"worker processes die as they start (exit code {w.process.exitcode})")
                workers[k] = _Worker(context, task)
                if index is not None:
                    finish(index, None, f"timed out after {timeout:g} s (its worker was stopped)" if why == "timeout"
                           else f"its worker died (exit code {w.process.exitcode}: killed by the OS, out of memory?)")
    finally:
        for w in workers:
            w.stop(kill=w.index is not None)
