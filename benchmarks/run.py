"""Run the benchmarks: sciml against its installed peers, side by side in one process, as a ratio table.

Usage: python benchmarks/run.py [CAPABILITY ...] [--threads N] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CAPABILITIES = ("linalg", "qp", "signal", "optimize", "calculus", "pinn", "learn")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capabilities", nargs="*", choices=[*CAPABILITIES, []], metavar="CAPABILITY",
                        help=f"any of {', '.join(CAPABILITIES)} (default: all that have a bench file)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", help="also write the table as Markdown to this file")
    args = parser.parse_args(argv)
    # The same thread count for every library, set before NumPy/SciPy/torch start their pools.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch
    from _harness import format_rows, run_cases

    torch.set_num_threads(args.threads)
    here = Path(__file__).resolve().parent
    chosen = args.capabilities or [c for c in CAPABILITIES if (here / f"bench_{c}.py").exists()]
    rows, summaries = [], []
    for cap in chosen:
        module = importlib.import_module(f"bench_{cap}")
        cap_rows = run_cases(module.cases())
        rows += cap_rows
        if hasattr(module, "summary"):  # the capability's targets, met or not, from its rows
            summaries.append(f"{cap} targets:\n{module.summary(cap_rows)}")
        print(f"{cap}: done", file=sys.stderr, flush=True)
    header = (f"torch {torch.__version__}, {args.threads} thread(s), {platform.processor() or platform.machine()}, "
              f"python {platform.python_version()}")
    print(header)
    print(format_rows(rows))
    for text in summaries:
        print(f"\n{text}")
    if args.out:
        extra = "".join(f"\n```\n{text}\n```\n" for text in summaries)
        Path(args.out).write_text(f"{header}\n\n{format_rows(rows, markdown=True)}\n{extra}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
