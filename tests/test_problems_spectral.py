"""Signal problems with an ``operation`` (sciml.problems._spectral): files load as kind ``signal``, wrong answers
fail their references, and bad keys are named."""

import numpy as np
import pytest

from sciml import problems as P
from sciml.problems._spectral import SpectralProblem, ridge

WELCH = {"kind": "signal", "operation": "welch", "title": "w", "noise": 1, "seed": 1, "fs": 10, "num": 4096,
         "exact_level": "2/10", "options": {"nperseg": 128}, "reference": {"exact": {"tol": 0.05},
                                                                         "scipy": {"tol": 1e-12}}}


def test_operation_files_load_as_signal_problems():
    p = P.from_dict(WELCH, name="w")
    assert isinstance(p, SpectralProblem) and p.kind == "signal" and p.method == "sciml.signal.welch"
    assert P.verify_problem(p).passed
    assert isinstance(P.load("seed_spectrum"), P.SpectrumProblem)


def test_a_wrong_level_and_a_wrong_frequency_fail():
    v = P.verify_problem(P.from_dict({**WELCH, "exact_level": "3/10"}, name="w"))
    assert not v.passed and v.comparisons[0].error == pytest.approx(1 / 3, abs=0.05)
    chirp = P.load("chirp_hilbert")
    wrong = SpectralProblem(operation="hilbert", signal=chirp.signal, fs=chirp.fs, num=chirp.num,
                            exact_frequency="20 + 21*t", trim=chirp.trim, tolerances={"exact": 0.05})
    v = P.verify_problem(wrong)
    assert not v.passed and v.comparisons[0].error > 1


def test_ridge_is_exact_for_a_gaussian_peak():
    f = np.arange(20.0)
    S = np.exp(-((f[:, None] - np.array([5.3, 12.75])) ** 2) / 4)
    assert np.allclose(ridge(f, S), [5.3, 12.75], atol=1e-12)


@pytest.mark.parametrize("change, match", [
    ({"operation": "fourier"}, "operation"),
    ({"options": {"nperseg": 128, "mode": "psd"}}, "not an option of welch"),
    ({"exact_level": None}, "exact_level"),
    ({"fs": 0}, "fs"),
    ({"num": 8}, "num"),
    ({"operation": "filter", "tones": [[1, 2]], "design": {"N": 2, "Wn": 1}}, "tones"),
    ({"operation": "filter", "tones": [[1, 1, 0]], "design": {"N": 2, "Wn": 9}}, "design"),
    ({"operation": "coherence", "signal": "sin(t)"}, "white"),
])
def test_bad_files_are_named(change, match):
    data = {k: v for k, v in {**WELCH, **change}.items() if v is not None}
    if data["operation"] != "welch":
        data.pop("options")
    with pytest.raises(Exception, match=match):
        P.from_dict(data, name="bad")
