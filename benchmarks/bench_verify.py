"""sciml verify at scale: the whole catalog (--all) serially and in worker processes, and the default run.

Usage::

    python benchmarks/bench_verify.py [--jobs 2] [--corpus 100000] [--only catalog|corpus]

Each run is the CLI's own ``main`` in this process (``--no-figures -q``), timed with ``time.perf_counter``; the
tables of the runs are compared (times aside), so a speed-up never hides a different answer. Targets (issue 12):
the default (quick-tier) run within 60 s on 2 cores, ``-j 2`` at least 1.7x faster than ``-j 1`` on the full
catalog; ``verify-corpus`` of ``--corpus`` expressions on a Dask ``LocalCluster`` of 2 workers with the serial
run's counts and at least 1.7x faster than it. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time


def _run(argv) -> tuple[float, list[str]]:
    from sciml.cli import main

    out = io.StringIO()
    start = time.perf_counter()
    code = main([*argv, "--no-figures", "-q", "--out", tempfile.mkdtemp()], out=out)
    seconds = time.perf_counter() - start
    table = [line.rsplit(None, 1)[0] for line in out.getvalue().strip().split("\n\n")[0].splitlines()]
    if code != 0:
        print(out.getvalue(), file=sys.stderr)
    return seconds, table


def _corpus(argv) -> tuple[float, str]:
    from sciml.cli import main

    out = io.StringIO()
    start = time.perf_counter()
    main([*argv, "-q", "--out", tempfile.mkdtemp()], out=out)
    seconds = time.perf_counter() - start
    counts = next((line for line in out.getvalue().splitlines() if " expressions (seed" in line), "")
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus", type=int, default=10_000, help="expressions of the corpus run (issue: 100000)")
    parser.add_argument("--only", choices=("catalog", "corpus"))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"sciml verify: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    targets = []
    if args.only != "corpus":
        quick, quick_table = _run(["verify"])
        print(f"default (quick tier): {quick:.1f} s, {len(quick_table) - 2} comparisons", flush=True)
        serial, serial_table = _run(["verify", "--all"])
        print(f"--all -j 1: {serial:.1f} s", flush=True)
        parallel, parallel_table = _run(["verify", "--all", "-j", str(args.jobs)])
        print(f"--all -j {args.jobs}: {parallel:.1f} s (same table: {parallel_table == serial_table})", flush=True)
        ratio = serial / parallel
        targets += [(quick <= 60, f"default run <= 60 s: {quick:.1f} s"),
                    (ratio >= 1.7, f"-j {args.jobs} >= 1.7x faster than -j 1 on --all: {ratio:.2f}x"),
                    (parallel_table == serial_table, f"-j {args.jobs} table equals the serial one")]
    if args.only != "catalog":
        argv = ["verify-corpus", "--n", str(args.corpus)]
        serial, serial_counts = _corpus(argv)
        print(f"verify-corpus --n {args.corpus}: {serial:.1f} s: {serial_counts}", flush=True)
        dask, dask_counts = _corpus([*argv, "--dask", "local"])
        print(f"verify-corpus --n {args.corpus} --dask local (2 workers): {dask:.1f} s: {dask_counts}", flush=True)
        ratio = serial / dask
        targets += [(ratio >= 1.7, f"corpus of {args.corpus} on a 2-worker LocalCluster >= 1.7x faster: {ratio:.2f}x"),
                    (bool(serial_counts) and dask_counts == serial_counts, "the cluster's counts equal the serial")]
    print(f"load average {os.getloadavg()[0]:.1f} at end\n\nTargets")
    for met, text in targets:
        print(f"{'met' if met else 'MISSED':8} {text}")


if __name__ == "__main__":
    main()
