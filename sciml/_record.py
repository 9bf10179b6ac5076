"""The machine-readable record of a ``sciml verify`` run (``--json``), and resuming from one (``--resume``).

The record holds, per problem, every comparison, error, warning and time, plus the environment (versions,
threads, device). It is rewritten atomically after every problem, so an interrupted run of thousands of
problems loses at most the problems that were running.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from sciml import __version__

FORMAT, VERSION = "sciml verify record", 1


class RecordError(ValueError):
    """A resume file that cannot be used: unreadable, not a record, of another version or another catalog."""


def environment() -> dict:
    """Versions, threads and device of this run."""
    import numpy
    import scipy
    import sympy
    import torch

    return {"sciml": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "sympy": sympy.__version__,
            "machine": platform.machine(), "threads": torch.get_num_threads(),
            "device": "cuda" if torch.cuda.is_available() else "cpu"}


def entry(v) -> dict:
    """One problem's verification as JSON-ready data."""
    return {
        "kind": v.problem.kind, "tier": v.problem.tier, "method": v.problem.method, "passed": v.passed,
        "seconds": v.seconds, "error": v.error, "warnings": list(v.warnings), "figure": v.figure,
        "comparisons": [{"reference": c.reference, "error": c.error if c.error == c.error else None,
                         "tol": c.tol, "passed": c.passed, "note": c.note, "value": c.value,
                         "expected": c.expected} for c in v.comparisons],
    }


def restore(problem, data: dict):
    """A verification (without the solver's result) from its record entry."""
    from sciml.problems import Comparison, Verification

    comparisons = [Comparison(problem.name, data["method"], c["reference"],
                              float("nan") if c["error"] is None else c["error"], c["tol"], c["passed"],
                              data["seconds"], c["note"], value=c.get("value"), expected=c.get("expected"))
                   for c in data["comparisons"]]
    return Verification(problem, None, comparisons, data["seconds"], error=data["error"],
                        warnings=list(data["warnings"]), figure=data.get("figure"))


def read(path) -> dict:
    """The entries of a record file (problem name → entry); a clear error for anything else."""
    path = Path(path)
    if not path.is_file():
        raise RecordError(f"--resume {str(path)!r}: no such file; run with --json {path} first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"--resume {str(path)!r}: not a readable record ({type(exc).__name__}: {exc}); it was "
                          "left as it is") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("problems"), dict):
        raise RecordError(f"--resume {str(path)!r}: not a sciml verify record; it was left as it is")
    if data.get("version") != VERSION:
        raise RecordError(f"--resume {str(path)!r}: record version {data.get('version')!r}, this sciml reads "
                          f"{VERSION}")
    return data["problems"]


def write(path, entries: dict) -> None:
    """Write the record atomically (a temporary file beside it, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    payload = {"format": FORMAT, "version": VERSION, "environment": environment(), "problems": entries}
    tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def write_junit(path, verifications) -> Path:
    """JUnit XML for CI systems: one test suite per kind, one test case per problem (a failure when it misses a
    reference, an error when it crashed), with what was computed in each case's output. Written atomically."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="sciml verify")
    suites = {}
    for v in verifications:
        kind = v.problem.kind
        if kind not in suites:
            suites[kind] = ET.SubElement(root, "testsuite", name=f"sciml.{kind}")
        case = ET.SubElement(suites[kind], "testcase", classname=f"sciml.{kind}", name=v.problem.name,
                             time=f"{v.seconds:.3f}")
        missed = [c for c in v.comparisons if not c.passed]
        if v.error is not None:
            ET.SubElement(case, "error", message=v.error[:200]).text = v.error
        elif missed or not v.comparisons:
            text = "; ".join(f"{c.reference}: error {c.error:.3g} > tol {c.tol:.0e}" for c in missed) or "no reference"
            ET.SubElement(case, "failure", message=text[:200]).text = text
        lines = [f"{c.reference}: computed {c.value}, reference {c.expected}, error {c.error:.3g}, tol {c.tol:.0e}"
                 for c in v.comparisons] + [f"warning: {w}" for w in v.warnings]
        if lines:
            ET.SubElement(case, "system-out").text = "\n".join(lines)
    for suite in suites.values():
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(c.find("failure") is not None for c in cases)))
        suite.set("errors", str(sum(c.find("error") is not None for c in cases)))
        suite.set("time", f"{sum(float(c.get('time')) for c in cases):.3f}")
    root.set("tests", str(len(verifications)))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)
    return path
