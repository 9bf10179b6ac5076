"""The signal (alias spectrum) and qp problem kinds: every catalog problem verifies, plots, and bad files are named."""

import matplotlib.pyplot as plt
import pytest

from sciml import problems as P
from sciml.problems import QPProblem, SpectrumProblem
from sciml.problems._registry import catalog_dir
from sciml.problems._spec import ProblemFileError

NAMES = sorted(entry.name.removesuffix(".toml") for folder in ("signal", "qp")
               for entry in (catalog_dir() / folder).iterdir() if entry.name.endswith(".toml"))


def test_the_catalog_has_the_seeds_and_more():
    assert {"seed_spectrum", "seed_qp_equality"} <= set(NAMES)
    assert len(NAMES) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_catalog_problem_verifies_and_plots(name):
    problem = P.load(name)
    v = P.verify_problem(problem)
    assert v.error is None, v.error
    assert {c.reference for c in v.comparisons} == {problem.reference_labels[k] for k in problem.tolerances}
    assert v.passed, [(c.reference, c.error, c.tol, c.note) for c in v.comparisons]
    assert not v.warnings
    fig = plt.figure()
    assert problem.plot(v.result, fig) is True
    plt.close(fig)


def test_seed_problems_state_the_issue_values():
    spectrum = P.load("seed_spectrum")
    assert (spectrum.start, spectrum.stop, spectrum.num) == (0.0, 1.0, 1000)
    assert spectrum.exact_freqs == [5.0, 10.0] and spectrum.exact_amplitudes == [1.0, 0.5]
    qp = P.load("seed_qp_equality")
    assert qp.exact_x == pytest.approx([2 / 3, 1 / 3], abs=1e-16)
    assert qp.exact_lam == pytest.approx([-7 / 3], abs=1e-15)


def test_references_catch_a_wrong_answer():
    problem = P.load("seed_spectrum")
    wrong = SpectrumProblem(signal=problem.signal, num=1000, n_peaks=2, exact_freqs=[5, 10.001],
                            exact_amplitudes=[1, 0.5], tolerances={"exact": 1e-6})
    v = P.verify_problem(wrong)
    assert not v.passed and v.comparisons[0].error == pytest.approx(1e-3, rel=1e-6)
    qp = QPProblem(Q=[[2, 0], [0, 4]], c=[1, 1], A=[[1, 1]], b=[1], exact_x=[2 / 3, 1 / 3], exact_lam=[7 / 3],
                   tolerances={"exact": 1e-12})  # the wrong sign of λ
    v = P.verify_problem(qp)
    assert not v.passed and v.comparisons[0].error == pytest.approx(14 / 3)


def test_a_problem_with_the_wrong_peak_count_fails_with_a_note():
    problem = SpectrumProblem(signal="sin(2*pi*5*t)", num=200, n_peaks=2, exact_freqs=[5, 7],
                              exact_amplitudes=[1, 1], tolerances={"exact": 1e-6})
    v = P.verify_problem(problem)
    assert not v.passed and "found 1 components, expected n_peaks = 2" in v.comparisons[0].note


@pytest.mark.parametrize(("table", "match"), [
    ({"kind": "signal", "signal": "sin(t)", "t": {"start": 0, "stop": 1, "num": 100}, "n_peaks": 1,
      "exact_freqs": [1, 2], "exact_amplitudes": [1], "reference": {"exact": {"tol": 1e-6}}},
     "key 'exact_freqs': must have n_peaks = 1 entries"),
    ({"kind": "signal", "signal": "sin(s)", "t": {"start": 0, "stop": 1, "num": 100}, "n_peaks": 1,
      "reference": {"scipy": {"tol": 1e-6}}}, "uses s"),
    ({"kind": "signal", "signal": "sin(t)", "t": {"start": 0, "stop": 1, "num": 100.5}, "n_peaks": 1,
      "reference": {"scipy": {"tol": 1e-6}}}, "key 't.num': must be an integer"),
    ({"kind": "signal", "signal": "sin(t)", "t": {"start": 0, "stop": 1, "num": 3}, "n_peaks": 1,
      "reference": {"scipy": {"tol": 1e-6}}}, "key 't.num': must be an integer >= 4, got 3"),
    ({"kind": "signal", "signal": "sin(t)", "t": {"start": 0, "stop": 1, "num": 100}, "n_peaks": 0,
      "reference": {"scipy": {"tol": 1e-6}}}, "key 'n_peaks': must be a positive integer"),
    ({"kind": "signal", "signal": "sin(t)", "t": {"start": 1, "stop": 0, "num": 100}, "n_peaks": 1,
      "reference": {"scipy": {"tol": 1e-6}}}, "stop > start"),
    ({"kind": "signal", "signal": "sin(t)", "t": {"start": 0, "stop": 1, "num": 100, "step": 2},
      "n_peaks": 1, "reference": {"scipy": {"tol": 1e-6}}},
     "unknown key 't.step' \\(the keys here are num, start, stop\\)"),
    ({"kind": "qp", "Q": [[1, 0], [0, 1]], "c": [1, 1], "A": [[1, 1]], "reference": {"scipy": {"tol": 1e-6}}},
     "give both A and b"),
    ({"kind": "qp", "Q": [[1, 0], [0, 1]], "c": [1, "x"], "reference": {"scipy": {"tol": 1e-6}}},
     r"key 'c'\[1\]"),
    ({"kind": "qp", "Q": [[1, 0], [0, 1]], "c": [1, 1], "reference": {"exact": {"tol": 1e-6}}},
     "needs exact_x"),
])
def test_malformed_files_are_named(table, match):
    with pytest.raises(ProblemFileError, match=match):
        P.from_dict(table, source="bad.toml")
