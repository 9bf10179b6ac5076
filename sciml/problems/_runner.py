"""Running many problems: in this process, in worker processes (``jobs=N``) or on any
:class:`concurrent.futures.Executor` — a process pool, a Dask cluster (``distributed.Client(...).get_executor()``),
a Ray executor. Results come back in the order of the problems, whatever order they finish in.

A worker runs :func:`~sciml.problems.verify_problem` and draws the figure where it ran (results hold networks
and closures that need not travel); it returns the verification without the solver's result, with the path
of its figure.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from sciml._validation import check_callable, check_int, check_real
from sciml.problems._base import Problem
from sciml.problems._figures import save_figure
from sciml.problems._pool import run_pool
from sciml.problems._registry import expected_seconds
from sciml.problems._verify import Verification, verify_problem


def run_one(problem: Problem, figures: str | None = None, keep_result: bool = True) -> Verification:
    """Verify ``problem``; with ``figures`` (a folder), draw its figure there. ``keep_result=False`` drops the
    solver's result from the returned verification (what a worker sends back)."""
    v = verify_problem(problem)
    figure = None
    if figures is not None and v.result is not None:
        try:
            path = save_figure(problem, v.result, Path(figures) / f"{problem.name}.png")
            figure = None if path is None else str(path)
        except Exception as exc:  # a broken plot must not lose the verification
            v.warnings.append(f"figure failed: {type(exc).__name__}: {exc}")
    if keep_result:
        return dataclasses.replace(v, figure=figure)
    # what travels back: no result, and not the problem either (solving caches references, closures, in it)
    return dataclasses.replace(v, problem=None, result=None, figure=figure)


def verify_all(problems: Sequence[Problem], *, jobs: int = 1, executor: concurrent.futures.Executor | None = None,
               timeout: float | None = None, figures=None, on_result: Callable | None = None) -> list[Verification]:
    """Verify every problem, serially, in ``jobs`` worker processes or on ``executor``.

    Parameters
    ----------
    problems : sequence of Problem
        What to run (they must pickle to run elsewhere; every catalog problem does).
    jobs : int
        Worker processes when no ``executor`` is given (1: in this process, unless ``timeout`` is given). Each
        worker uses one torch thread; a worker that dies (killed by the OS, out of memory) is replaced, its
        problem reported as a crash, and the run goes on.
    executor : concurrent.futures.Executor, optional
        Where to run instead: any executor (a ``ProcessPoolExecutor``, Dask's ``Client.get_executor()``, ...).
    timeout : float, optional
        Seconds a problem may take in sciml's worker processes; past it the worker is stopped and the problem
        reported as a crash (``jobs=1`` then runs in one worker process, so that a hang can be stopped). Not
        with ``executor``: set the executor's own limits there.
    figures : str or os.PathLike, optional
        Folder for each problem's figure (``NAME.png``), drawn where the problem ran.
    on_result : callable, optional
        ``on_result(index, verification)`` as each problem finishes (for progress), in finishing order.

    Returns
    -------
    list of Verification
        In the order of ``problems``. A problem that crashes its worker is reported as a crash; the others
        go on. Verifications that ran elsewhere hold no solver ``result``.

    Examples
    --------
    >>> from sciml import problems
    >>> runs = verify_all(problems.catalog("linalg"))
    >>> all(v.passed for v in runs), runs[0].problem.name == problems.catalog("linalg")[0].name
    (True, True)
    """
    check_int(jobs, "jobs", low=1)
    check_callable(on_result, "on_result", "on_result(index, verification)")
    if timeout is not None:
        timeout = check_real(timeout, "timeout", low=0, low_open=True)
        if executor is not None:
            raise ValueError("timeout applies to sciml's own worker processes (jobs=N); with an executor, "
                             "use the executor's own limits")
    problems = list(problems)
    for i, p in enumerate(problems):
        if not isinstance(p, Problem):
            raise TypeError(f"problems[{i}] must be a sciml.problems.Problem, got {type(p).__name__}")
    folder = None if figures is None else str(figures)
    done: list[Verification | None] = [None] * len(problems)

    def finish(i, v, why=None):
        if v is None:
            v = Verification(problems[i], None, [], 0.0, error=f"the worker running it failed: {why}")
        done[i] = v = dataclasses.replace(v, problem=problems[i])
        if on_result is not None:
            on_result(i, v)

    if executor is None and jobs == 1 and timeout is None:
        for i, p in enumerate(problems):
            finish(i, run_one(p, folder))
        return done
    # the longest first (recorded costs), so that a long problem does not end the run on one worker
    order = sorted(range(len(problems)), key=lambda i: -expected_seconds(problems[i]))
    if executor is None:
        run_pool(run_one, [(problems[i], folder, False) for i in order], jobs=jobs, timeout=timeout,
                 finish=lambda k, v, why: finish(order[k], v, why))
        return done
    futures = {executor.submit(run_one, problems[i], folder, False): i for i in order}
    for future in concurrent.futures.as_completed(futures):
        try:
            v, why = future.result(), None
        except Exception as exc:  # the worker died or could not run it
            v, why = None, f"{type(exc).__name__}: {exc}"
        finish(futures[future], v, why)
    return done
