"""``sciml verify`` and ``sciml verify-corpus``: run problems against their references, serially, in worker
processes (``-j N``) or on a Dask cluster (``--dask``), with progress, a time limit per problem, a JSON record
that ``--resume`` continues, JUnit XML for CI systems, parameter sweeps (``--set``) and the report.

Part of the CLI layer: it prints; the running itself is :func:`sciml.problems.verify_all`.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
from pathlib import Path

KIND_HELP = "only problems of this kind, old kind name or capability (e.g. optimize, calculus, pinn)"


def _problems():
    from sciml import problems

    return problems


def parse_set(text: str) -> tuple[str, list]:
    """``KEY=V1,V2`` (or ``KEY=[V1, V2]``) as ``(key, values)``; values read as TOML (``0.1``, ``true``,
    ``"x"``), bare words as strings."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or not raw.strip():
        raise SystemExit(f"sciml verify: --set takes KEY=VALUE[,VALUE...], got {text!r}")
    raw = raw.strip()
    try:
        values = tomllib.loads(f"v = {raw if raw.startswith('[') else '[' + raw + ']'}")["v"]
    except tomllib.TOMLDecodeError:
        values = []
        for item in raw.split(","):
            try:
                values.append(tomllib.loads(f"v = {item.strip()}")["v"])
            except tomllib.TOMLDecodeError:
                values.append(item.strip())
    return key.strip(), values


def _select(args):
    """The problems to run and those of the full tier left out."""
    p = _problems()
    if args.problems and args.kind:
        raise SystemExit("sciml verify: give problem names or --kind, not both")
    if args.set and not args.problems:
        raise SystemExit("sciml verify: --set varies named problems: give their names (sciml verify NAME --set ...)")
    if args.problems:
        chosen = [p.load(name) for name in args.problems]
        if args.set:
            values = dict(parse_set(s) for s in args.set)
            try:
                chosen = [q for base in chosen for q in p.sweep(base, values)]
            except (ValueError, TypeError) as exc:
                raise SystemExit(f"sciml verify: --set: {exc}") from None
        return chosen, []
    everything = p.catalog(args.kind)
    if args.all:
        return everything, []
    return [q for q in everything if q.tier == "quick"], [q for q in everything if q.tier != "quick"]


def _corpus(args):
    """The blocks of a ``verify-corpus`` run, as problems."""
    from sciml.problems import kind_class

    corpus = kind_class("corpus")
    if args.n < 1 or args.block < 1:
        raise SystemExit(f"sciml verify-corpus: --n and --block must be at least 1, got {args.n} and {args.block}")
    blocks = -(-args.n // args.block)
    try:
        return [corpus(n=min(args.block, args.n - k * args.block), seed=args.seed, block=k, depth=args.depth,
                       order=args.order, points=args.points, tolerances={"sympy": 1e-12},
                       name=f"corpus_s{args.seed}_b{k:05d}") for k in range(blocks)]
    except ValueError as exc:
        raise SystemExit(f"sciml verify-corpus: {exc}") from None


def _executor(args):
    """The executor of ``--dask`` and what to close after the run: the client, then the cluster it started
    (None, []: verify_all's own worker processes)."""
    if args.dask is None:
        return None, []
    if args.timeout is not None:
        raise SystemExit("sciml verify: --timeout applies to sciml's own worker processes (-j N), not to --dask")
    try:
        import distributed
    except ImportError:
        raise SystemExit("sciml verify: --dask needs Dask's distributed: pip install \"sciml[dask]\"") from None
    if args.dask == "local":
        cluster = distributed.LocalCluster(n_workers=max(args.jobs, 2), threads_per_worker=1, processes=True,
                                           dashboard_address=":0")  # any free port: never clash with another
        client = distributed.Client(cluster)
        closers = [client.close, cluster.close]
    else:
        try:
            client = distributed.Client(args.dask, timeout="5s")
            closers = [client.close]
        except (OSError, TimeoutError, ValueError) as exc:
            raise SystemExit(f"sciml verify: cannot reach the Dask scheduler at {args.dask!r} "
                             f"({type(exc).__name__}: {exc})") from None
    import torch

    client.run(torch.set_num_threads, 1)  # one torch thread per worker, as in sciml's own pool
    return client.get_executor(), closers


def _print_line(v, out) -> None:
    status = "pass" if v.passed else ("CRASH" if v.error else "FAIL")
    print(f"  {status:<5} {v.problem.name} ({v.seconds:.2f} s)", file=out, flush=True)


def run(args, out, selected, left_out, *, table: bool = True) -> tuple[int, list]:
    """Run ``selected`` as the options say; print progress, the table (or not) and the summary; write the
    record, the JUnit file and the report. Returns ``(exit code, verifications)``."""
    from sciml import _record
    from sciml.report import HEADERS, format_table, verification_rows, write_report
    from sciml.training import progress_bar

    p = _problems()
    if args.jobs < 1:
        raise SystemExit(f"sciml {args.command}: -j must be at least 1, got {args.jobs}")
    if args.timeout is not None and not args.timeout > 0:
        raise SystemExit(f"sciml {args.command}: --timeout must be a positive number of seconds, got {args.timeout}")
    recorded = {} if args.resume is None else _record.read(args.resume)
    if recorded and selected and not set(recorded) & {q.name for q in selected}:
        raise SystemExit(f"sciml {args.command}: --resume {args.resume!r} records none of these problems (it is "
                         "from another selection or catalog); it was left as it is")
    if args.rerun_failed:
        if args.resume is None:
            raise SystemExit(f"sciml {args.command}: --rerun-failed needs --resume FILE (the record to rerun from)")
        recorded = {name: e for name, e in recorded.items() if e["passed"]}
    record_path = args.json or args.resume
    entries = {q.name: recorded[q.name] for q in selected if q.name in recorded}
    todo = [q for q in selected if q.name not in recorded]
    start = time.perf_counter()
    figures = None if args.no_figures or args.out is None else str(Path(args.out) / "figures")
    bar_on = not args.quiet and sys.stderr.isatty()  # a bar in a terminal; plain lines otherwise (CI logs)
    executor, closers = _executor(args)
    counts = [0, 0]
    with progress_bar(bar_on, total=len(todo), desc=f"sciml {args.command}") as bar:

        def on_result(i, v):
            counts[0 if v.passed else 1] += 1
            bar.update(sum(counts), problem=v.problem.name, passed=counts[0], failed=counts[1])
            if not args.quiet and not bar_on:
                _print_line(v, out)
            if record_path is not None:
                entries[v.problem.name] = _record.entry(v)
                _record.write(record_path, entries)

        try:
            fresh = p.verify_all(todo, jobs=args.jobs, executor=executor, timeout=args.timeout, figures=figures,
                                 on_result=on_result)
        finally:
            for close in closers:
                close()
    by_name = {v.problem.name: v for v in fresh}
    verifications = [by_name[q.name] if q.name in by_name else _record.restore(q, recorded[q.name])
                     for q in selected]
    if table:
        rows = [r for v in verifications for r in verification_rows(v)]
        print("\n" + format_table(rows, HEADERS), file=out)
    failed = [v for v in verifications if not v.passed]
    for v in failed[:20]:
        if v.error:
            print(f"\n{v.problem.name}: {v.error}", file=out)
    elapsed = time.perf_counter() - start
    resumed = f", {len(selected) - len(todo)} from {args.resume}" if len(todo) < len(selected) else ""
    print(f"\n{len(verifications) - len(failed)} of {len(verifications)} problems passed "
          f"({elapsed:.1f} s{resumed})", file=out)
    if left_out:
        print(f"{len(left_out)} problems of the full tier were left out ({', '.join(q.name for q in left_out[:3])}"
              f"{', ...' if len(left_out) > 3 else ''}); run them with --all", file=out)
    if args.junit is not None:
        print(f"junit: {_record.write_junit(args.junit, verifications)}", file=out)
    if args.out is not None:
        report = write_report(verifications, args.out, figures=not args.no_figures)
        print(f"report: {report} (and {report.with_suffix('.html').name}, with the figures inline)", file=out)
    return (1 if failed else 0), verifications


def cmd_verify(args, out) -> int:
    selected, left_out = _select(args)
    return run(args, out, selected, left_out)[0]


_COUNTS = re.compile(r"(\d+) (verified|without a real point|wrong|not converted|not checked)")


def cmd_verify_corpus(args, out) -> int:
    code, verifications = run(args, out, _corpus(args), [], table=False)
    totals = dict.fromkeys(("verified", "without a real point", "wrong", "not converted", "not checked"), 0)
    for v in verifications:
        for c in v.comparisons:
            for number, what in _COUNTS.findall(c.value or ""):
                totals[what] += int(number)
    print(f"{args.n} expressions (seed {args.seed}, depth {args.depth}, order {args.order}, {args.points} points): "
          + ", ".join(f"{n} {what}" for what, n in totals.items()), file=out)
    wrong = [w for v in verifications for w in v.warnings if w.startswith("CorpusWarning")]
    for w in wrong[:10]:
        print(f"  {w}", file=out)
    if len(wrong) > 10:
        print(f"  ... and {len(wrong) - 10} more in the report", file=out)
    return code


def _running_options(p) -> None:
    """The options of every command that runs problems."""
    p.add_argument("--out", metavar="DIR", default="sciml-out",
                   help="folder for report.md, report.html and figures (default: sciml-out)")
    p.add_argument("--no-figures", action="store_true", help="write the report without figures (faster)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or per-problem lines")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="worker processes, one torch thread each (default 1: this process)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop a problem that runs longer (in a worker process) and report it as a crash")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster at ADDRESS ('local': a LocalCluster of "
                   "max(N, 2) workers); needs pip install \"sciml[dask]\"")
    p.add_argument("--json", metavar="FILE", help="write the machine-readable record (every comparison, error, "
                   "warning, time and the environment), updated after every problem")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML (one test case per problem) for CI systems")
    p.add_argument("--resume", metavar="FILE", help="skip the problems already recorded in FILE (a --json record) "
                   "and add the others to it")
    p.add_argument("--rerun-failed", action="store_true", help="with --resume: run again the problems that failed")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch threads in this process (default 1: the catalog's small problems run fastest on one)")


def add_parsers(sub) -> None:
    """Register ``verify`` and ``verify-corpus`` on the CLI's sub-command parsers."""
    p = sub.add_parser("verify", help="run problems against their references; exit 1 if any fails")
    p.add_argument("problems", nargs="*", metavar="NAME|FILE", help="problems to run (default: the catalog)")
    p.add_argument("--kind", help=KIND_HELP)
    p.add_argument("--all", action="store_true",
                   help="also the problems of the full tier (default: the quick tier, about a minute on 2 cores)")
    p.add_argument("--set", action="append", metavar="KEY=V1,V2", help="sweep: run the named problems once for "
                   "each value of KEY (a key of the problem file: n, parameters.eps, or eps); repeat for a grid")
    _running_options(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("verify-corpus", help="verify to_torch's derivatives against sympy.diff on N random "
                       "expressions, in blocks that run anywhere verify runs")
    p.add_argument("--n", type=int, default=1000, help="number of expressions (default 1000)")
    p.add_argument("--block", type=int, default=500, help="expressions per task (default 500)")
    p.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    p.add_argument("--depth", type=int, default=3, help="operations from root to leaf (default 3)")
    p.add_argument("--order", type=int, default=1, choices=(1, 2), help="derivative order checked (default 1)")
    p.add_argument("--points", type=int, default=20, help="random points per expression (default 20)")
    _running_options(p)
    p.set_defaults(func=cmd_verify_corpus, problems=[], kind=None, all=True, set=None, no_figures=True)
