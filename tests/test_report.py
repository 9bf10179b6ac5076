"""The report of ``sciml verify`` (report.md and report.html: values beside errors, counts per kind, failures
first, figures inline) and the catalog figures that a reader must read right (time axis, data points, the QP
constraint, log scales)."""

from __future__ import annotations

import base64
import dataclasses
import html.parser
import math
import types

import numpy as np
import pytest
import torch

from sciml import problems
from sciml.problems import Comparison, Verification
from sciml.problems._base import brief
from sciml.report import failures_first, kind_counts, verification_rows, write_report

# -- values ---------------------------------------------------------------------------------------------------


def test_brief_is_short_and_exact_enough():
    assert brief([2.0, 3.0]) == "[2, 3]"
    assert brief(np.array([[0.4, -0.2], [-0.2, 0.6]])) == "[[0.4, -0.2], [-0.2, 0.6]]"
    assert brief(torch.tensor(1 / 3, dtype=torch.float64)) == "0.3333333"
    assert brief(-0.0) == "0" and brief(complex(1, -2)) == "1-2i" and brief(math.nan) == "nan"
    assert brief(np.arange(20.0)) == "[0, 1, 2, 3, …] (20 entries)"
    assert brief(np.zeros((4, 5))) == "[[0, 0, 0, 0, …] (4×5)"
    assert brief(([1.0, 2.0], 3.5)) == "([1, 2], 3.5)"  # parts of different shapes


def test_comparisons_carry_what_was_computed_and_what_the_reference_says():
    v = problems.verify_problem(problems.load("seed_linalg_solve"))  # 3x + y = 9, x + 2y = 8
    assert [(c.value, c.expected) for c in v.comparisons] == [("[2, 3]", "[2, 3]")] * 2
    v = problems.verify_problem(_quartic())
    assert all(c.value.startswith("x = [2.25], f = -6.54296") and c.expected == "x = [2.25], f = -6.542969"
               for c in v.comparisons)


def test_values_survive_the_record():
    from sciml import _record

    p = problems.load("seed_linalg_solve")
    v = problems.verify_problem(p)
    back = _record.restore(p, _record.entry(v))
    assert [(c.value, c.expected) for c in back.comparisons] == [(c.value, c.expected) for c in v.comparisons]


# -- the report -----------------------------------------------------------------------------------------------


class _Checker(html.parser.HTMLParser):
    """Well-formedness: every non-void element closed in order; collects the images' sources and table rows."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.images, self.rows, self.errors, self._row = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "tr":
            self._row = []
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == "tr":
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._row is not None and self.stack and self.stack[-1] in ("td", "th", "a", "span"):
            self._row.append(data)


def _quartic():
    """The seed's quartic against its closed form only (SciPy's global search is not what is tested here)."""
    return dataclasses.replace(problems.load("seed_quartic"), tolerances={"exact": 1e-10})


def _failing_linalg():
    return problems.from_dict({"name": "wrong_solve", "kind": "linalg", "operation": "solve", "A": [[3, 1], [1, 2]],
                               "b": [9, 8], "exact": [2, 4], "reference": {"exact": {"tol": 1e-12}}})


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    runs = [problems.verify_problem(p) for p in (problems.load("seed_linalg_solve"), problems.load("seed_gradient"),
                                                 _quartic())]
    bad = problems.verify_problem(_failing_linalg())
    crash = Verification(problems.load("seed_vjp"), None, [], 0.0, error="solve crashed: RuntimeError: boom")
    runs = [runs[0], bad, runs[1], crash, runs[2]]
    md = write_report(runs, out)
    return runs, md, md.read_text(encoding="utf-8"), (out / "report.html").read_text(encoding="utf-8")


def test_write_report_returns_the_markdown_path_and_writes_html_beside_it(report):
    _, md, _, page = report
    assert md.name == "report.md" and md.with_suffix(".html").is_file() and page.startswith("<!DOCTYPE html>")


def test_html_is_well_formed_with_figures_inline(report):
    _, _, _, page = report
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert len(checker.images) == 1 and checker.images[0].startswith("data:image/png;base64,")
    assert base64.b64decode(checker.images[0].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_failures_first_in_both_reports(report):
    runs, _, text, page = report
    assert [v.problem.name for v in failures_first(runs)] == [
        "wrong_solve", "seed_vjp", "seed_linalg_solve", "seed_gradient", "seed_quartic"]
    for doc in (text, page):
        at = [doc.index(n) for n in ("wrong_solve", "seed_vjp", "seed_linalg_solve", "seed_gradient")]
        assert at == sorted(at)
    checker = _Checker()
    checker.feed(page)
    results = [r for r in checker.rows if r and r[0] in {v.problem.name for v in runs}]
    assert [r[0] for r in results][:2] == ["wrong_solve", "seed_vjp"]


def test_values_beside_errors_in_both_reports(report):
    _, _, text, page = report
    # the wrong 'exact' says [2, 4] where the solver finds [2, 3]
    assert "| wrong_solve | sciml.linalg.solve | closed form | [2, 3] | [2, 4] | 1.00e+00 | 1e-12 | FAIL |" in text
    assert "| seed_gradient | sciml.calculus.grad | sympy.diff | [12, 5] | [12, 5] |" in text
    checker = _Checker()
    checker.feed(page)
    assert ["wrong_solve", "sciml.linalg.solve", "closed form", "[2, 3]", "[2, 4]", "1.00e+00", "1e-12",
            "FAIL"] == next(r for r in checker.rows if r and r[0] == "wrong_solve")[:8]


def test_counts_per_kind_at_the_top(report):
    runs, _, text, page = report
    assert kind_counts(runs) == [("linalg", 2, 1, 1, 0), ("derivative", 2, 1, 0, 1), ("optimize", 1, 1, 0, 0)]
    assert "| linalg | 2 | 1 | 1 | 0 |" in text and text.index("| linalg | 2 |") < text.index("## Results")
    checker = _Checker()
    checker.feed(page)
    assert ["derivative", "2", "1", "0", "1"] in checker.rows
    assert page.index("<td>derivative</td>") < page.index("<h2>Results</h2>")


def test_crash_and_missing_values_read_as_such():
    v = Verification(problems.load("seed_vjp"), None, [], 0.0, error="solve crashed")
    assert verification_rows(v, values=True) == [("seed_vjp", "sciml.calculus.vjp", "-", "-", "-", "-", "-", "CRASH",
                                                  "0.00")]
    c = Comparison("p", "m", "closed form", 0.5, 1.0, True, 0.1)
    v = dataclasses.replace(v, comparisons=[c], error=None)
    assert verification_rows(v, values=True)[0][3:5] == ("-", "-")


def test_html_escapes_what_it_shows(tmp_path):
    v = problems.verify_problem(_failing_linalg())
    v = dataclasses.replace(v, warnings=["<script>alert(1)</script> & more"])
    write_report([v], tmp_path, figures=True)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


# -- figures --------------------------------------------------------------------------------------------------


def _figure(problem, result):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    assert problem.plot(result, fig)
    fig.canvas.draw()
    return fig


def _pinn_result(u, **unknowns):
    """A stand-in for a PINN result whose solution is the NumPy function ``u`` (plots need no training)."""
    return types.SimpleNamespace(sol=lambda x: torch.as_tensor(u(x.numpy())), theta=torch.zeros(1, dtype=torch.float64),
                                 history=torch.logspace(0, -8, 50, dtype=torch.float64), stop_reason="residual",
                                 unknowns=unknowns)


def _ivp(**extra):
    spec = {"kind": "ivp", "name": "decay", "equation": "u' = -u", "domain": [0, 2], "conditions": ["u(0) = 1"],
            "reference": {"scipy": {"tol": 1e-6}}}
    return problems.from_dict({**spec, **extra})


def test_ivp_figures_label_the_time_axis_t():
    p = _ivp()
    assert str(p.bvp.variable) == "x" and p.axis_label() == "t"  # written in neither: time
    fig = _figure(p, _pinn_result(lambda x: np.exp(-x)))
    assert [ax.get_xlabel() for ax in fig.axes] == ["t", "t", "iteration"]
    written_in_x = _ivp(equation="u' = -x*u")
    assert written_in_x.axis_label() == "x"
    assert problems.load("seed_bvp").axis_label() == "x"  # a boundary value problem keeps its x


def test_inverse_problem_shows_its_data_points():
    p = problems.load("inverse_frequency")
    xo, uo = (d.numpy() for d in p.bvp.data)
    fig = _figure(p, _pinn_result(lambda x: np.sin(2 * x), k=4.0003))
    (data,) = [line for line in fig.axes[0].lines if line.get_label().startswith("data (")]
    assert data.get_label() == "data (40 observations)" and data.get_linestyle() == "None"
    assert np.array_equal(data.get_xdata(), xo) and np.array_equal(data.get_ydata(), uo)
    assert "k = 4.0003 (true 4)" in fig.axes[2].get_title()


def test_error_panels_do_not_stretch_over_exact_zeros():
    p = dataclasses.replace(problems.load("seed_bvp"), tolerances={"exact": 1e-6})
    exact = p.reference_solution("exact")
    fig = _figure(p, _pinn_result(lambda x: exact(x) + 1e-8 * np.sin(7 * x)))  # exact at the ends: error 0
    err = fig.axes[1]
    low, high = err.get_ylim()
    assert err.get_yscale() == "log" and 1e-8 < high < 1e-7 and low > 1e-15
    assert err.get_ylabel() == "|PINN − reference|" and fig.axes[0].get_ylabel() == "u"


def test_qp_constraint_legend_reads_as_mathematics_and_fills_the_figure():
    from sciml.problems._qp_figure import linear_equation

    assert linear_equation([1, 1], 1) == "x₁ + x₂ = 1"
    assert linear_equation([2, -1], -3) == "2x₁ − x₂ = −3"
    assert linear_equation([0, -1], 0.5) == "−x₂ = 0.5"
    p = problems.load("seed_qp_equality")
    fig = _figure(p, types.SimpleNamespace(x=torch.tensor(p.exact_x, dtype=torch.float64)))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "x₁ + x₂ = 1" and labels[1].startswith("x* = (0.666667, 0.333333")
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    width = fig.bbox.width
    assert min(b.x0 for b in boxes) < 0.05 * width and max(b.x1 for b in boxes) > 0.95 * width  # no wide margins


def test_mgh_figure_measures_the_gap_to_the_minimum_the_run_reached():
    p = problems.load("mgh02_freudenstein_and_roth")  # a local minimum 48.98... besides the global 0
    history = torch.tensor([400.0, 60.0, 48.99, 48.98425367924]).double()
    fig = _figure(p, types.SimpleNamespace(fun_history=history))
    (ax,) = fig.axes
    assert ax.get_legend().get_texts()[0].get_text() == "f(x_k) − f*, f* = 48.98425 (tabulated)"
    assert ax.lines[0].get_ydata()[-1] < 1e-6 and all(float(t).is_integer() for t in ax.get_xticks())


@pytest.mark.parametrize("name", ["qp_maros_meszaros_hs21", "qp_redundant_equality", "qp_portfolio_long_only"])
def test_qp_figures_slice_along_feasible_directions_only(name):
    p = problems.load(name)
    x = torch.tensor([float(problems.parse(str(v))) for v in p.exact_x], dtype=torch.float64)
    fig = _figure(p, types.SimpleNamespace(x=x))
    slices = fig.axes[-1]
    curves = [line.get_ydata() for line in slices.lines if line.get_label().startswith("z: ")]
    assert curves and min(float(np.min(y)) for y in curves) > -1e-9  # x* is a minimum along each of them
    if name == "qp_maros_meszaros_hs21":  # inequalities and bounds written with their relation
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert "x₁ ≥ 2" in labels and "infeasible" in labels


def test_signal_figure_writes_the_formula_as_mathematics():
    p = problems.load("seed_spectrum")
    fig = _figure(p, problems.verify_problem(p).result)
    assert fig.axes[0].get_title() == "x(t) = sin(2·π·5·t) + sin(2·π·10·t)/2"
    assert fig.axes[0].get_ylim()[1] > 1.2 * 1.3  # room above the signal (peak ≈ 1.3) for the legend
