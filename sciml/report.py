"""Reporting verification runs: plain-text tables, figures, and the report of ``sciml verify``.

:func:`write_report` writes ``report.md`` and, beside it, ``report.html`` (figures inline, readable in a browser
from the file alone; see :mod:`sciml._report_html`). Both open with counts per kind, list failures first, and
show beside each error what the solver computed and what the reference says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from sciml.problems import Verification, save_figure

HEADERS = ("problem", "method", "reference", "error", "tol", "result", "seconds")
#: the report's table: :data:`HEADERS` with what was computed and what the reference says beside the error
REPORT_HEADERS = ("problem", "method", "reference", "computed", "reference value", "error", "tol", "result",
                  "seconds")
KIND_HEADERS = ("kind", "problems", "passed", "failed", "crashed")


def _fmt_float(x: float) -> str:
    return f"{x:.2e}" if math.isfinite(x) else str(x)


def outcome(v: Verification) -> str:
    """``"pass"``, ``"FAIL"`` (an answer off its reference) or ``"CRASH"`` (the solver or a reference raised)."""
    return "pass" if v.passed else ("CRASH" if v.error is not None else "FAIL")


def verification_rows(v: Verification, *, values: bool = False) -> list[tuple[str, ...]]:
    """Table rows for one verification: one per reference, or one saying why there is none. With ``values``,
    the rows of :data:`REPORT_HEADERS` (what was computed and what the reference says beside the error)."""
    def row(reference, error, tol, result, computed="-", expected="-"):
        shown = (computed or "-", expected or "-") if values else ()
        return (v.problem.name, v.problem.method, reference, *shown, error, tol, result, f"{v.seconds:.2f}")

    crash = [row("-", "-", "-", "CRASH")] if v.error is not None else []
    if not v.comparisons:
        return crash
    return [row(c.reference, _fmt_float(c.error), f"{c.tol:.0e}", "pass" if c.passed else "FAIL", c.value,
                c.expected) for c in v.comparisons] + crash


def failures_first(verifications: Sequence[Verification]) -> list[Verification]:
    """The verifications that failed or crashed, then those that passed, each group in its given order."""
    return sorted(verifications, key=lambda v: v.passed)


def kind_counts(verifications: Sequence[Verification]) -> list[tuple[str, int, int, int, int]]:
    """Per kind, in order of first appearance: ``(kind, problems, passed, failed, crashed)``."""
    counts: dict[str, list[int]] = {}
    for v in verifications:
        c = counts.setdefault(v.problem.kind, [0, 0, 0, 0])
        c[0] += 1
        c[1 + ("pass", "FAIL", "CRASH").index(outcome(v))] += 1
    return [(kind, *c) for kind, c in counts.items()]


def failure_text(v: Verification) -> str:
    """Why a verification failed, in one line: the references it missed, then notes and the crash."""
    notes = [c.note for c in v.comparisons if c.note] + ([v.error] if v.error else [])
    failed = [f"{c.reference} (error {_fmt_float(c.error)} > tol {c.tol:.0e})" for c in v.comparisons if not c.passed]
    return "; ".join(failed + notes)


def summary_line(verifications: Sequence[Verification]) -> str:
    passed = sum(v.passed for v in verifications)
    total = sum(v.seconds for v in verifications)
    return f"{passed} of {len(verifications)} problems passed every reference; solve time {total:.1f} s."


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


def _figures(verifications: Sequence[Verification], out: Path) -> dict[int, Path | str]:
    """Each verification's figure (by position): the one drawn during the run, else drawn now into
    ``out/figures`` from the solver's result; a string says why drawing failed."""
    found: dict[int, Path | str] = {}
    for i, v in enumerate(verifications):
        path = None if v.figure is None else Path(v.figure)
        if path is None and v.result is not None:
            try:
                path = save_figure(v.problem, v.result, out / "figures" / f"{v.problem.name}.png")
            except Exception as exc:  # a broken plot must not lose the report
                path = f"figure failed: {type(exc).__name__}: {exc}"
        if path is not None:
            found[i] = path
    return found


def _markdown(verifications: Sequence[Verification], figures: dict[int, Path | str] | None, out: Path) -> str:
    rows = [r for v in verifications for r in verification_rows(v, values=True)]
    lines = ["# sciml verify", "", summary_line(verifications), "",
             markdown_table([tuple(map(str, c)) for c in kind_counts(verifications)], KIND_HEADERS), ""]
    failed = [v for v in verifications if not v.passed]
    if failed:
        lines += ["## Failures", "", *(f"- **{v.problem.name}**: {failure_text(v)}" for v in failed), ""]
    lines += ["## Results", "", markdown_table(rows, REPORT_HEADERS), ""]
    if figures is not None:
        lines += ["## Problems", ""]
        for i, v in enumerate(verifications):
            lines += [f"### {v.problem.name} — {v.problem.title}", "", f"{v.problem.statement()}", ""]
            if v.warnings:
                lines += [f"- warning: {w}" for w in v.warnings] + [""]
            path = figures.get(i)
            if isinstance(path, str):
                lines += [f"({path})", ""]
            elif path is not None:
                link = path.relative_to(out) if path.is_relative_to(out) else path
                lines += [f"![{v.problem.name}]({link.as_posix()})", ""]
    return "\n".join(lines)


def write_report(verifications: Sequence[Verification], out_dir, *, figures: bool = True) -> Path:
    """Write ``report.md`` and ``report.html`` (summary, counts per kind, table with computed and reference
    values, failures, figures; failures first) into ``out_dir``; return the Markdown path (the HTML one is
    ``path.with_suffix(".html")``)."""
    from sciml._report_html import html_report

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ordered = failures_first(verifications)
    drawn = _figures(ordered, out) if figures else None
    report = out / "report.md"
    report.write_text(_markdown(ordered, drawn, out), encoding="utf-8")
    entries = [(v, verification_rows(v, values=True), outcome(v), None if v.passed else failure_text(v),
                None if drawn is None else drawn.get(i)) for i, v in enumerate(ordered)]
    page = html_report(summary_line(ordered), KIND_HEADERS, kind_counts(ordered), REPORT_HEADERS, entries,
                       figures=figures)
    report.with_suffix(".html").write_text(page, encoding="utf-8")
    return report
