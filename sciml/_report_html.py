"""The HTML version of the ``sciml verify`` report: one self-contained file (figures inline as ``data:`` URIs),
which a browser shows from disk with no server. :func:`sciml.report.write_report` computes what it shows."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 80rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.value { font-family: ui-monospace, monospace; font-size: 0.8rem; max-width: 24rem; overflow-wrap: anywhere; }
tr.FAIL td { background: #fde2e2; }
tr.CRASH td { background: #fdebd0; }
span.pass { color: #176b2c; } span.FAIL, span.CRASH { color: #b00020; font-weight: bold; }
section { border-top: 1px solid #ddd; margin-top: 1.5rem; }
p.statement { font-family: ui-monospace, monospace; font-size: 0.85rem; }
img { max-width: 100%; height: auto; }
"""

_e = html.escape


def _row(tag: str, cells: Sequence[str], *, classes: Sequence[str | None] = (), row_class: str | None = None) -> str:
    attrs = [f' class="{_e(c)}"' if c else "" for c in classes] + [""] * (len(cells) - len(classes))
    body = "".join(f"<{tag}{a}>{c}</{tag}>" for c, a in zip(cells, attrs, strict=True))
    return f'<tr class="{_e(row_class)}">{body}</tr>' if row_class else f"<tr>{body}</tr>"


def _table(headers: Sequence[str], rows: list[str]) -> str:
    return "<table>\n" + _row("th", [_e(h) for h in headers]) + "\n" + "\n".join(rows) + "\n</table>"


def _anchor(name: str) -> str:
    return "problem-" + "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)


def _figure(name: str, path) -> str:
    if isinstance(path, str):  # why it could not be drawn
        return f'<p class="note">({_e(path)})</p>'
    try:
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    except OSError as exc:
        return f'<p class="note">(figure {_e(str(path))} unreadable: {_e(str(exc))})</p>'
    return f'<figure><img alt="{_e(name)}: figure" src="data:image/png;base64,{data}"></figure>'


def html_report(summary: str, kind_headers: Sequence[str], counts: Sequence[Sequence], headers: Sequence[str],
                entries: Sequence[tuple], *, figures: bool) -> str:
    """The report as an HTML page.

    ``counts`` are the rows of the per-kind table; ``entries`` one ``(verification, rows, outcome, why, figure)``
    per problem in the order to show (failures first): its table ``rows`` (of ``headers``, which hold
    ``"problem"`` and ``"result"``), ``outcome`` (``"pass"``, ``"FAIL"``, ``"CRASH"``), ``why`` it failed (or
    None) and its ``figure`` (a path, a string saying why there is none, or None). With ``figures`` a section
    per problem follows the tables: statement, warnings and figure.
    """
    name_at, result_at = headers.index("problem"), headers.index("result")
    value_cols = {i for i, h in enumerate(headers) if h in ("computed", "reference value")}
    rows = []
    for v, table_rows, _, _, _ in entries:
        for r in table_rows:
            cells = [_e(str(x)) for x in r]
            cells[name_at] = f'<a href="#{_e(_anchor(v.problem.name))}">{cells[name_at]}</a>'
            cells[result_at] = f'<span class="{_e(r[result_at])}">{cells[result_at]}</span>'
            rows.append(_row("td", cells, classes=["value" if i in value_cols else None for i in range(len(r))],
                             row_class=r[result_at]))
    kinds = [_row("td", [_e(str(x)) for x in c]) for c in counts]
    failed = [f'<li><a href="#{_e(_anchor(v.problem.name))}"><strong>{_e(v.problem.name)}</strong></a>: '
              f"{_e(why)}</li>" for v, _, outcome, why, _ in entries if outcome != "pass"]
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>sciml verify: {_e(summary)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
             "<h1>sciml verify</h1>", f'<p class="summary">{_e(summary)}</p>', "<h2>Per kind</h2>",
             _table(kind_headers, kinds)]
    if failed:
        parts += ["<h2>Failures</h2>", "<ul>", *failed, "</ul>"]
    parts += ["<h2>Results</h2>", _table(headers, rows)]
    if figures:
        parts.append("<h2>Problems</h2>")
        for v, _, outcome, why, figure in entries:
            p = v.problem
            parts += [f'<section id="{_e(_anchor(p.name))}">',
                      f'<h3>{_e(p.name)} — {_e(p.title)} <span class="{outcome}">{outcome}</span></h3>',
                      f'<p class="statement">{_e(p.statement())}</p>']
            if why:
                parts.append(f"<p>{_e(why)}</p>")
            if v.warnings:
                parts += ["<ul>", *(f"<li>warning: {_e(w)}</li>" for w in v.warnings), "</ul>"]
            if figure is not None:
                parts.append(_figure(p.name, figure))
            parts.append("</section>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
