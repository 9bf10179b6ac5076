"""Reporting verification runs: plain-text tables, figures and the Markdown report of ``sciml verify``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from sciml.problems import Verification, save_figure

HEADERS = ("problem", "method", "reference", "error", "tol", "result", "seconds")


def _fmt_float(x: float) -> str:
    return f"{x:.2e}" if math.isfinite(x) else str(x)


def verification_rows(v: Verification) -> list[tuple[str, ...]]:
    """Table rows for one verification: one per reference, or one saying why there is none."""
    if v.error is not None and not v.comparisons:
        return [(v.problem.name, v.problem.method, "-", "-", "-", "CRASH", f"{v.seconds:.2f}")]
    rows = [
        (c.problem, c.method, c.reference, _fmt_float(c.error), f"{c.tol:.0e}",
         "pass" if c.passed else "FAIL", f"{c.seconds:.2f}")
        for c in v.comparisons
    ]
    if v.error is not None:
        rows.append((v.problem.name, v.problem.method, "-", "-", "-", "CRASH", f"{v.seconds:.2f}"))
    return rows


def format_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> str:
    """Rows of strings as an aligned plain-text table with a header rule."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def markdown_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> str:
    """Rows of strings as a GitHub-flavoured Markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |" for r in rows]
    return "\n".join(out)


def write_report(verifications: Sequence[Verification], out_dir, *, figures: bool = True) -> Path:
    """Write ``report.md`` (summary, table, failures, figures) into ``out_dir``; return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    passed = sum(v.passed for v in verifications)
    rows = [r for v in verifications for r in verification_rows(v)]
    total = sum(v.seconds for v in verifications)
    lines = [
        "# sciml verify",
        "",
        f"{passed} of {len(verifications)} problems passed every reference; solve time {total:.1f} s.",
        "",
        markdown_table(rows),
        "",
    ]
    problems = [v for v in verifications if not v.passed]
    if problems:
        lines += ["## Failures", ""]
        for v in problems:
            notes = [c.note for c in v.comparisons if c.note] + ([v.error] if v.error else [])
            failed = [f"{c.reference} (error {_fmt_float(c.error)} > tol {c.tol:.0e})"
                      for c in v.comparisons if not c.passed]
            lines.append(f"- **{v.problem.name}**: " + "; ".join(failed + notes))
        lines.append("")
    if figures:
        section = ["## Problems", ""]
        for v in verifications:
            section += [f"### {v.problem.name} — {v.problem.title}", "", f"{v.problem.statement()}", ""]
            if v.warnings:
                section += [f"- warning: {w}" for w in v.warnings] + [""]
            path = None if v.figure is None else Path(v.figure)
            if path is None and v.result is not None:
                try:
                    path = save_figure(v.problem, v.result, out / "figures" / f"{v.problem.name}.png")
                except Exception as exc:  # a broken plot must not lose the report
                    section += [f"(figure failed: {type(exc).__name__}: {exc})", ""]
                    continue
            if path is not None:
                link = path.relative_to(out) if path.is_relative_to(out) else path
                section += [f"![{v.problem.name}]({link.as_posix()})", ""]
        lines += section
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report
