"""The ``sciml`` command: list, show, solve and verify catalog problems.

Every entry point is ``main(argv) -> int``: 0 when everything passed, 1 when a problem failed its
references (or sciml hit an internal error), 2 for bad input (unknown problem, malformed file, unparsable
expression), with a one-line message on stderr and no traceback (``SCIML_TRACEBACK=1`` shows it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sciml import __version__


def _problems():
    from sciml import problems

    return problems


def _user_errors():
    p = _problems()
    return (p.UnknownProblemError, p.ProblemFileError, p.ExpressionError)


def _cmd_list(args, out) -> int:
    from sciml.report import format_table

    p = _problems()
    rows = []
    for problem in p.catalog(args.kind):
        refs = ", ".join(f"{r.name} ({r.label})" for r in problem.references())
        rows.append((problem.name, problem.kind, problem.title, refs))
    print(format_table(rows, ("name", "kind", "title", "references")), file=out)
    kinds = sorted({r[1] for r in rows})
    print(f"\n{len(rows)} problems, {len(kinds)} kind(s): {', '.join(kinds)}", file=out)
    return 0


def _cmd_show(args, out) -> int:
    problem = _problems().load(args.problem)
    print(f"{problem.name} — {problem.title}", file=out)
    print(f"kind: {problem.kind}    method: {problem.method}", file=out)
    print(f"\n{problem.statement()}", file=out)
    if problem.description:
        print(f"\n{problem.description.strip()}", file=out)
    print("\nreferences:", file=out)
    refs = problem.references()
    width = max(len(r.label) for r in refs)
    for r in refs:
        print(f"  {r.name:<10} {r.label:<{width}}  tol {r.tol:.0e}", file=out)
    return 0


def _cmd_solve(args, out) -> int:
    from sciml.report import format_table, save_figure, verification_rows

    p = _problems()
    problem = p.load(args.problem)
    print(f"{problem.name} — {problem.statement()}", file=out)
    # a progress bar on stderr in an interactive terminal, for the solvers that take one
    options = {"progress": True} if problem.progress and sys.stderr.isatty() else {}
    v = p.verify_problem(problem, **options)
    if v.result is not None:
        print(f"\n{v.result!r}\n", file=out)
    for w in v.warnings:
        print(f"warning: {w}", file=out)
    print(format_table(verification_rows(v)), file=out)
    if v.error:
        print(f"\nerror: {v.error}", file=out)
    if v.result is not None and args.out is not None:
        path = save_figure(problem, v.result, Path(args.out) / "figures" / f"{problem.name}.png")
        if path is not None:
            print(f"\nfigure: {path}", file=out)
    return 0 if v.passed else 1


def _select(args):
    p = _problems()
    if args.problems and args.kind:
        raise SystemExit("sciml verify: give problem names or --kind, not both")
    if args.problems:
        return [p.load(name) for name in args.problems], []
    everything = p.catalog(args.kind)
    if getattr(args, "all", True):
        return everything, []
    return [q for q in everything if q.tier == "quick"], [q for q in everything if q.tier != "quick"]


def _executor(args):
    """The executor of ``--dask`` (None: verify_all's own worker processes, or this process)."""
    if args.dask is None:
        return None, None
    try:
        import distributed
    except ImportError:
        raise SystemExit("sciml verify: --dask needs Dask's distributed: pip install \"sciml[dask]\"") from None
    if args.dask == "local":
        cluster = distributed.LocalCluster(n_workers=max(args.jobs, 2), threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(args.dask, timeout="10s")
        except OSError as exc:
            raise SystemExit(f"sciml verify: cannot reach the Dask scheduler at {args.dask!r} ({exc})") from None
    client.run(_one_thread_in_worker)
    return client.get_executor(), client


def _one_thread_in_worker():
    import torch

    torch.set_num_threads(1)


def _cmd_verify(args, out) -> int:
    from sciml import _record
    from sciml.report import HEADERS, format_table, verification_rows, write_report
    from sciml.training import progress_bar

    p = _problems()
    if args.jobs < 1:
        raise SystemExit(f"sciml verify: -j must be at least 1, got {args.jobs}")
    selected, left_out = _select(args)
    recorded = {} if args.resume is None else _record.read(args.resume)
    if recorded and selected and not set(recorded) & {q.name for q in selected}:
        raise SystemExit(f"sciml verify: --resume {args.resume!r} records none of these problems (it is from another "
                         "selection or catalog); it was left as it is")
    if args.rerun_failed:
        recorded = {name: e for name, e in recorded.items() if e["passed"]}
    record_path = args.json or args.resume
    entries = {q.name: recorded[q.name] for q in selected if q.name in recorded}
    todo = [q for q in selected if q.name not in recorded]
    start = time.perf_counter()
    figures = None if args.no_figures or args.out is None else str(Path(args.out) / "figures")
    bar_on = not args.quiet and sys.stderr.isatty()  # a bar in a terminal; plain lines otherwise (CI logs)
    executor, client = _executor(args)
    counts = [0, 0]
    with progress_bar(bar_on, total=len(todo), desc="sciml verify") as bar:

        def on_result(i, v):
            counts[0 if v.passed else 1] += 1
            bar.update(sum(counts), problem=v.problem.name, passed=counts[0], failed=counts[1])
            if not args.quiet and not bar_on:
                status = "pass" if v.passed else ("CRASH" if v.error else "FAIL")
                print(f"  {status:<5} {v.problem.name} ({v.seconds:.2f} s)", file=out, flush=True)
            if record_path is not None:
                entries[v.problem.name] = _record.entry(v)
                _record.write(record_path, entries)

        try:
            fresh = p.verify_all(todo, jobs=args.jobs, executor=executor, figures=figures, on_result=on_result)
        finally:
            if client is not None:
                client.close()
    by_name = {v.problem.name: v for v in fresh}
    verifications = [by_name[q.name] if q.name in by_name else _record.restore(q, recorded[q.name])
                     for q in selected]
    rows = [r for v in verifications for r in verification_rows(v)]
    print("\n" + format_table(rows, HEADERS), file=out)
    failed = [v for v in verifications if not v.passed]
    for v in failed:
        if v.error:
            print(f"\n{v.problem.name}: {v.error}", file=out)
    elapsed = time.perf_counter() - start
    resumed = f", {len(selected) - len(todo)} from {args.resume}" if len(todo) < len(selected) else ""
    print(f"\n{len(verifications) - len(failed)} of {len(verifications)} problems passed "
          f"({elapsed:.1f} s{resumed})", file=out)
    if left_out:
        print(f"{len(left_out)} problems of the full tier were left out ({', '.join(q.name for q in left_out[:3])}"
              f"{', ...' if len(left_out) > 3 else ''}); run them with --all", file=out)
    if args.out is not None:
        report = write_report(verifications, args.out, figures=not args.no_figures)
        print(f"report: {report}", file=out)
    return 1 if failed else 0


_KIND_HELP = "only problems of this kind, old kind name or capability (e.g. optimize, calculus, pinn)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sciml", description="Solve mathematical problems with PyTorch and check them against SymPy and SciPy.")
    parser.add_argument("--version", action="version", version=f"sciml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="the catalog: name, kind, title, references")
    p.add_argument("--kind", help=_KIND_HELP)
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("show", help="a problem's statement and references")
    p.add_argument("problem", metavar="NAME|FILE")
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser("solve", help="solve one problem and print its error against each reference")
    p.add_argument("problem", metavar="NAME|FILE")
    p.add_argument("--out", metavar="DIR", default="sciml-out", help="folder for the figure (default: sciml-out)")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("verify", help="run problems against their references; exit 1 if any fails")
    p.add_argument("problems", nargs="*", metavar="NAME|FILE", help="problems to run (default: the catalog)")
    p.add_argument("--kind", help=_KIND_HELP)
    p.add_argument("--out", metavar="DIR", default="sciml-out",
                   help="folder for report.md and figures (default: sciml-out)")
    p.add_argument("--no-figures", action="store_true", help="write the report without figures (faster)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or per-problem lines")
    p.add_argument("--all", action="store_true",
                   help="also the problems of the full tier (default: the quick tier, about a minute on 2 cores)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="worker processes, one torch thread each (default 1: this process)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster at ADDRESS ('local': a LocalCluster of "
                   "max(N, 2) workers); needs pip install \"sciml[dask]\"")
    p.add_argument("--json", metavar="FILE", help="write the machine-readable record (every comparison, error, "
                   "warning, time and the environment), updated after every problem")
    p.add_argument("--resume", metavar="FILE", help="skip the problems already recorded in FILE (a --json record) "
                   "and add the others to it")
    p.add_argument("--rerun-failed", action="store_true", help="with --resume: run again the problems that failed")
    p.set_defaults(func=_cmd_verify)

    for name in ("solve", "verify"):
        sub.choices[name].add_argument(
            "--threads", type=int, default=1, metavar="N",
            help="torch threads (default 1: the catalog's small problems run fastest on one)")
    return parser


def main(argv: list[str] | None = None, *, out=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    out = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
        return int(exc.code or 0)
    if getattr(args, "threads", None) is not None:
        if args.threads < 1:
            print(f"sciml {args.command}: --threads must be at least 1, got {args.threads}", file=sys.stderr)
            return 2
        import torch

        torch.set_num_threads(args.threads)  # the application's choice, made here and not in the library
    try:
        return args.func(args, out)
    except _user_errors() as exc:
        print(f"sciml {args.command}: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # bad --kind and the like
        print(f"sciml {args.command}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("SCIML_TRACEBACK"):
            raise
        print(f"sciml {args.command}: internal error {type(exc).__name__}: {exc} "
              "(set SCIML_TRACEBACK=1 to see the traceback, and please report it)", file=sys.stderr)
        return 1
