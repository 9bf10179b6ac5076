"""Measure and record what each catalog problem costs, so that the default ``sciml verify`` stays quick.

Usage::

    python benchmarks/catalog_costs.py            # every problem, serially, one torch thread
    python benchmarks/catalog_costs.py NAME ...   # measure these again (e.g. a problem just added)

Each problem is run by the CLI's own ``verify`` in this process (``--json``); its solve-and-check seconds are
merged into ``problems/costs.json``. ``tests/test_catalog_budget.py`` reads that file: every catalog
problem must have a recorded cost, the quick tier must add up to at most its budget and hold no problem over
the per-problem limit — so a new slow problem fails a test until it is measured and put in the ``full`` tier.
Measure on a quiet machine; nothing here asserts.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

COSTS = Path(__file__).resolve().parents[1] / "problems" / "costs.json"


def main(names: list[str]) -> None:
    import torch

    from sciml import problems
    from sciml.cli import main as cli

    torch.set_num_threads(1)
    names = names or [p.name for p in problems.catalog()]
    record = Path(tempfile.mkdtemp()) / "run.json"
    print(f"{len(names)} problems on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    start = time.perf_counter()
    cli(["verify", *names, "--no-figures", "-q", "--json", str(record), "--out", str(record.parent)],
        out=io.StringIO())
    wall = time.perf_counter() - start
    ran = json.loads(record.read_text())["problems"]
    data = json.loads(COSTS.read_text()) if COSTS.exists() else {"seconds": {}}
    data.update(machine=f"{platform.machine()}, {os.cpu_count()} cores", threads=1,
                measured=datetime.date.today().isoformat())
    for name, entry in ran.items():
        data["seconds"][name] = round(entry["seconds"], 3)
        print(f"{entry['seconds']:8.2f} s  {entry['tier']:<5}  {name}")
    catalog = {p.name for p in problems.catalog()}
    data["seconds"] = {k: v for k, v in sorted(data["seconds"].items()) if k in catalog}
    COSTS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    quick = sum(s for k, s in data["seconds"].items() if problems.load(k).tier == "quick")
    print(f"{len(ran)} problems in {wall:.1f} s (serial, one thread, no figures); quick tier: {quick:.1f} s recorded; "
          f"written to {COSTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
