"""The ``sciml`` command: list, show, solve and verify catalog problems.

Every entry point is ``main(argv) -> int``: 0 when everything passed, 1 when a problem failed its
references (or sciml hit an internal error), 2 for bad input (unknown problem, malformed file, unparsable
expression), with a one-line message on stderr and no traceback (``SCIML_TRACEBACK=1`` shows it).
"""

from __future__ import annotations

import argparse
import os
import sys
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


def build_parser() -> argparse.ArgumentParser:
    from sciml._verify_cli import KIND_HELP, add_parsers

    parser = argparse.ArgumentParser(
        prog="sciml", description="Solve mathematical problems with PyTorch and check them against SymPy and SciPy.")
    parser.add_argument("--version", action="version", version=f"sciml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="the catalog: name, kind, title, references")
    p.add_argument("--kind", help=KIND_HELP)
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("show", help="a problem's statement and references")
    p.add_argument("problem", metavar="NAME|FILE")
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser("solve", help="solve one problem and print its error against each reference")
    p.add_argument("problem", metavar="NAME|FILE")
    p.add_argument("--out", metavar="DIR", default="sciml-out", help="folder for the figure (default: sciml-out)")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch threads (default 1: the catalog's small problems run fastest on one)")
    p.set_defaults(func=_cmd_solve)

    add_parsers(sub)  # verify, verify-corpus
    from sciml._train_cli import add_parser as add_train_parser
    add_train_parser(sub)  # train
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
