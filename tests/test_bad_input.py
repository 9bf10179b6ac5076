"""Bad input by class (issue 11): each case either raises a ValueError/TypeError naming the argument, or
returns a failed result with a status and a warning — never another exception, a hang or a silent answer.

The hypothesis part feeds random junk of every kind to the entry points under a deterministic profile.
"""

import math
import re

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sciml import calculus, linalg, optimize, problems, qp, signal
from sciml.pinn import BVP, IVP, check_options, collocation_points, solve
from sciml.results import ConvergenceWarning

F64 = torch.float64
EYE = torch.eye(2, dtype=F64)
_SEED_BVP = BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"])
_NET = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()


def _rosen(z):
    return torch.stack([10 * (z[1] - z[0] ** 2), 1 - z[0]])


CASES = {
    # 1. tuning parameters that used to hang or pass unchecked
    "lm lam0 < 0": (lambda: optimize.levenberg_marquardt(_rosen, torch.func.jacrev(_rosen), torch.ones(2, dtype=F64),
                                                          lam0=-1.0), ValueError, "lam0"),
    "lm lam0 nan": (lambda: optimize.levenberg_marquardt(_rosen, torch.func.jacrev(_rosen), torch.ones(2, dtype=F64),
                                                          lam0=math.nan), ValueError, "lam0"),
    "lm lam_max inf": (lambda: optimize.levenberg_marquardt(_rosen, torch.func.jacrev(_rosen),
                                                             torch.ones(2, dtype=F64), lam_max=math.inf),
                       ValueError, "lam_max"),
    "lm window 0": (lambda: optimize.levenberg_marquardt(_rosen, torch.func.jacrev(_rosen), torch.ones(2, dtype=F64),
                                                          window=0), ValueError, "window"),
    "qp rtol < 0": (lambda: qp.solve_qp([[1, 0], [0, 0]], [1, 1], rtol=-1.0), ValueError, "rtol"),
    "threshold str": (lambda: signal.dominant_frequencies(torch.ones(64, dtype=F64), fs=10.0, threshold="a"),
                      TypeError, "threshold"),
    "n_points 1": (lambda: collocation_points((0, 1), 1), ValueError, "n_points"),
    # 2. complex input is refused, not dropped to its real part
    "solve complex b": (lambda: linalg.solve(EYE, [1j, 2]), TypeError, "imaginary"),
    "jvp complex v": (lambda: calculus.jvp(torch.sin, torch.ones(2, dtype=F64), torch.tensor([1j, 1j])),
                      TypeError, "v is complex"),
    # 3. dtypes torch cannot compute in are refused up front
    "solve float16": (lambda: linalg.solve(torch.eye(2, dtype=torch.float16), torch.ones(2, dtype=torch.float16)),
                      TypeError, "float16"),
    "minimize bfloat16": (lambda: optimize.minimize(lambda x: (x ** 2).sum(), torch.ones(2, dtype=torch.bfloat16)),
                          TypeError, "bfloat16"),
    "qp dtype int": (lambda: qp.solve_qp(EYE, [1.0, 1.0], dtype=torch.int64), TypeError, "dtype"),
    "spectrum float16": (lambda: signal.spectrum(torch.ones(16, dtype=torch.float16), fs=1.0), TypeError, "float16"),
    # 4. empty and scalar input
    "solve 0x0": (lambda: linalg.solve(torch.zeros(0, 0, dtype=F64), torch.zeros(0, dtype=F64)), ValueError, "0×0"),
    "eigvalsh 0x0": (lambda: linalg.eigvalsh(torch.zeros(0, 0, dtype=F64)), ValueError, "0×0"),
    "solve scalar b": (lambda: linalg.solve([[2.0]], 3.0), ValueError, "got a scalar"),
    "qp Q None": (lambda: qp.solve_qp(None, [1.0]), TypeError, "Q is required"),
    "qp n = 0": (lambda: qp.solve_qp(torch.zeros(0, 0, dtype=F64), torch.zeros(0, dtype=F64)), ValueError, "0×0"),
    # 6. messages that name the argument
    "ragged Q": (lambda: qp.solve_qp([[1.0, 0.0], [0.0]], [1.0, 1.0]), ValueError, "Q must be rectangular"),
    "to_torch variables=5": (lambda: calculus.to_torch("x", variables=5), TypeError, "variables must be a list"),
    "to_torch Integral": (lambda: calculus.to_torch("Integral(x, x)", ["x"]), ValueError, "unevaluated Integral"),
    "taylor order 25": (lambda: calculus.taylor_derivatives(_NET, torch.ones(3, dtype=F64), 25), ValueError,
                        "order=25 is above 20"),
    # 2. degenerate domains
    "collocation reversed": (lambda: collocation_points((1, 0), 5), ValueError, "a < b"),
    "collocation nan": (lambda: collocation_points((0, math.nan), 5), ValueError, r"domain\[1\] must be a finite"),
    "collocation int dtype": (lambda: collocation_points((0, 1), 5, dtype=torch.int64), TypeError,
                              "dtype=torch.int64"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_a_message_naming_it(case):
    call, error, words = CASES[case]
    with pytest.raises(error, match=words):
        call()


def test_a_fit_that_explains_nothing_is_not_a_success():
    t = torch.arange(200, dtype=F64) / 199.0
    x = torch.cos(2 * torch.pi * 5 * t)  # a 5 Hz tone, the fit started at 50 Hz
    with pytest.warns(signal.FitConvergenceWarning, match="explains none of the signal"):
        r = signal.fit_sinusoids(x, t, freqs=[50.0])
    assert not r.success and r.status == signal.FitStatus.NO_PROGRESS
    assert signal.fit_sinusoids(x, t, freqs=[5.2]).success  # within half a bin: found


def test_white_noise_fits_a_bounded_number_of_tones():
    """3000 samples of noise have hundreds of spectral peaks; the joint fit takes the largest 32 (it used to refit
    hundreds of tones for about a minute)."""
    from sciml.signal._peaks import MAX_COMPONENTS

    x = torch.randn(3000, generator=torch.Generator().manual_seed(0), dtype=F64)
    r = signal.dominant_frequencies(x, fs=100.0)
    assert 0 < r.freqs.numel() <= MAX_COMPONENTS == 32 and bool((r.freqs < 50.0).all())


def test_pinn_statements_that_say_nothing_or_runs_that_only_interpolate():
    from sciml.pinn import BVPStatus, solve

    with pytest.raises(ValueError, match="reduces to 0 = 0: it says nothing"):
        BVP("u'' = u''", (0, 1), [])
    with pytest.warns(ConvergenceWarning, match="only interpolates its points"):
        r = solve(BVP("u'' + u = 0", (0, "pi/2"), ["u(0) = 0", "u(pi/2) = 1"]), n_points=2)
    assert not r.success and r.status == BVPStatus.UNDERRESOLVED and r.residual_between > 1e-2


def test_a_spectrum_of_finite_samples_near_the_limit_does_not_overflow():
    x = torch.tensor([1e308, -1e308] * 8, dtype=F64)  # the plain FFT sum overflows to inf
    s = signal.spectrum(x, fs=1.0)
    assert bool(torch.isfinite(s.amplitude).all()) and float(s.amplitude[-1]) == pytest.approx(1e308, rel=1e-12)


def test_singular_cond_is_inf_as_documented():
    assert linalg.cond([[1.0, 1.0], [1.0, 1.0]]) == math.inf


# -- hypothesis: junk of every kind into the entry points ------------------------------------------------

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3),
    st.lists(st.floats(-1e3, 1e3), max_size=4), st.lists(st.lists(st.integers(-2, 2), max_size=3), max_size=3),
    st.sampled_from([torch.zeros(0), torch.ones(2, dtype=torch.float16), torch.tensor([1j, 2.0]),
                     torch.tensor([math.nan, 1.0], dtype=F64), torch.ones(3, 3, dtype=F64), torch.arange(4)]),
)
ENTRY_POINTS = {
    "linalg.solve(A, b)": lambda a, b: linalg.solve(a, b),
    "linalg.solve(EYE, b)": lambda a, b: linalg.solve(EYE, b),
    "linalg.inv": lambda a, b: linalg.inv(a),
    "linalg.cond": lambda a, b: linalg.cond(a),
    "linalg.eigvalsh": lambda a, b: linalg.eigvalsh(a),
    "linalg.svd": lambda a, b: linalg.svd(a),
    "qp.solve_qp(Q, c)": lambda a, b: qp.solve_qp(a, b),
    "qp.solve_qp(EYE, c, A, b)": lambda a, b: qp.solve_qp(EYE, [1.0, 1.0], a, b),
    "signal.spectrum": lambda a, b: signal.spectrum(a, fs=b),
    "minimize(x0)": lambda a, b: optimize.minimize(lambda x: (x ** 2).sum(), a, gtol=1e-6),
    "minimize(options)": lambda a, b: optimize.minimize(lambda x: (x ** 2).sum(), [1.0], gtol=b),
    "collocation_points": lambda a, b: collocation_points(a, b),
    "to_torch": lambda a, b: calculus.to_torch(a, b),
    "BVP": lambda a, b: BVP(a, (0, 1), b),
    "BVP(domain)": lambda a, b: BVP("u'' + u = 0", a, ["u(0) = 0", "u(1) = 1"]),
    "calculus.grad": lambda a, b: calculus.grad(lambda x: (x ** 2).sum())(a),
    "calculus.jacobian": lambda a, b: calculus.jacobian(torch.sin)(a),
    "calculus.hessian": lambda a, b: calculus.hessian(lambda x: (x ** 3).sum())(a),
    "calculus.jvp": lambda a, b: calculus.jvp(torch.sin, a, b),
    "calculus.vjp": lambda a, b: calculus.vjp(torch.sin, a, b),
    "calculus.hvp": lambda a, b: calculus.hvp(lambda x: (x ** 3).sum(), a, b),
    "calculus.laplacian": lambda a, b: calculus.laplacian(lambda x: (x ** 2).sum())(a),
    "calculus.derivative": lambda a, b: calculus.derivative(torch.sin, a, b),
    "calculus.taylor_derivatives": lambda a, b: calculus.taylor_derivatives(_NET, a, b),
    "calculus.verify": lambda a, b: calculus.verify(torch.sin, "sin(x)", ["x"], points=a),
    "calculus.random_expressions": lambda a, b: calculus.random_expressions(a, depth=b),
    "optimize.levenberg_marquardt": lambda a, b: optimize.levenberg_marquardt(
        _rosen, torch.func.jacrev(_rosen), torch.ones(2, dtype=F64), max_iter=5, xtol=a, ftol=b),
    "signal.dominant_frequencies": lambda a, b: signal.dominant_frequencies(a, fs=b),
    "signal.fit_sinusoids": lambda a, b: signal.fit_sinusoids(torch.ones(64, dtype=F64), fs=10.0, freqs=a,
                                                              max_iter=b),
    "signal.plot_spectrum": lambda a, b: _plot(a),
    "linalg.eigvals": lambda a, b: linalg.eigvals(a),
    "calculus.divergence": lambda a, b: calculus.divergence(torch.sin)(a),
    "calculus.tanh_mlp_derivatives": lambda a, b: calculus.tanh_mlp_derivatives(list(_NET.parameters()), a, b),
    "calculus.sympy_function": lambda a, b: calculus.sympy_function(a, b),
    "calculus.to_sympy": lambda a, b: calculus.to_sympy(a, b),
    "calculus.check_function": lambda a, b: calculus.check_function(torch.sin, a),
    "pinn.IVP": lambda a, b: IVP(a, (0, 1), b),
    "pinn.solve": lambda a, b: solve(_SEED_BVP, n_points=a, hidden=b, max_iter=3),
    "pinn.check_options": lambda a, b: check_options(rtol=a, method=b),
    "problems.load": lambda a, b: problems.load(a),
    "cli.main": lambda a, b: _cli(a, b),
    "calculus.fused_taylor": lambda a, b: _enter(calculus.fused_taylor(a)),
    "calculus.cubic": lambda a, b: calculus.cubic(a),
    "problems.catalog": lambda a, b: problems.catalog(a),
    "problems.register": lambda a, b: problems.register(a),
    "problems.verify_problem": lambda a, b: problems.verify_problem(a),
    "pinn.references": lambda a, b: __import__("sciml.pinn.references").pinn.references.scipy_solution(a),
}


def _capability_entry_points() -> dict:
    """Entry points that capabilities add in files of their own: ``tests/fuzz_entries_<capability>.py`` each
    define ``ENTRY_POINTS`` (name -> ``lambda a, b: ...``) and optionally ``WARNINGS``, warning classes that a
    failed result may raise. A new capability joins the fuzz suite by adding such a file."""
    import importlib.util
    from pathlib import Path

    found, warns = {}, []
    for path in sorted(Path(__file__).parent.glob("fuzz_entries_*.py")):
        spec = importlib.util.spec_from_file_location(f"_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        clash = set(found) & set(module.ENTRY_POINTS) | set(ENTRY_POINTS) & set(module.ENTRY_POINTS)
        assert not clash, f"{path.name}: entry points named twice: {sorted(clash)}"
        found.update(module.ENTRY_POINTS)
        warns.extend(getattr(module, "WARNINGS", ()))
    return found, tuple(warns)


_MORE, _MORE_WARNINGS = _capability_entry_points()
ENTRY_POINTS.update(_MORE)


def _enter(context):
    with context:
        return None


def _plot(a):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        return signal.plot_spectrum(signal.spectrum(a, fs=1.0))
    finally:
        plt.close("all")


def _cli(a, b):
    """The CLI on junk arguments: exit 0, 1 or 2 (usage errors exit 2 through SystemExit), never a traceback."""
    from sciml.cli import main

    argv = [str(v) for v in (a, b) if v is not None and not isinstance(v, torch.Tensor)]
    for command in (["show"], ["solve"], ["list", "--kind"]):
        try:
            code = main([*command, *argv])
        except SystemExit as exc:  # argparse
            code = exc.code
        assert code in (0, 1, 2), (command, argv, code)
    return None


def outcome(entry, a, b) -> str:
    """Call an entry point on junk; ``"error"`` (a named ValueError/TypeError/LookupError), ``"failed"``
    (a result with success=False) or ``"ok"``; anything else (another exception, success=True with a non-finite
    answer) fails the test."""
    try:
        with _quiet():
            out = ENTRY_POINTS[entry](a, b)
    except (ValueError, TypeError, LookupError) as exc:
        assert str(exc), f"{entry}: an error without a message"
        return "error"
    success = getattr(out, "success", None)
    if success is not None and not bool(success):
        return "failed"
    if success is not None:
        for field in ("x", "fun"):
            value = getattr(out, field, None)
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                assert bool(torch.isfinite(value).all()), f"{entry}: success=True with a non-finite {field}"
    return "ok"


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@settings(max_examples=25, deadline=5000, derandomize=True, suppress_health_check=list(HealthCheck))
@given(a=JUNK, b=JUNK)
def test_junk_gives_a_named_error_or_an_honest_result(entry, a, b):
    outcome(entry, a, b)


@pytest.mark.slow
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@settings(max_examples=400, deadline=10_000, derandomize=True, suppress_health_check=list(HealthCheck))
@given(a=JUNK, b=JUNK)
def test_junk_in_full(entry, a, b):
    outcome(entry, a, b)


class _quiet:
    """Record warnings (a failed result warns; that is the promised behaviour, not an error here)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", linalg.IllConditionedWarning)
        for category in _MORE_WARNINGS:
            warnings.simplefilter("ignore", category)
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


# -- 5. problem files are validated completely at load time: the CLI exits 2 with the file, the key, the fix ----

_LINALG = 'kind = "linalg"\ntitle = "t"\noperation = "solve"\n'
_BVP = 'kind = "bvp"\ntitle = "t"\nequation = "u\'\' + u = 0"\ndomain = [0, 1]\n'
BAD_FILES = {
    "non-square A": (_LINALG + 'A = [[3, 1, 2], [1, 2, 3]]\nb = [9, 8]\n[reference.scipy]\ntol = 1e-14\n',
                     "key 'A': must be square"),
    "b of the wrong length": (_LINALG + 'A = [[3, 1], [1, 2]]\nb = [9, 8, 7]\n[reference.scipy]\ntol = 1e-14\n',
                              "key 'b': must have 2 entries"),
    "an infinite entry": (_LINALG + 'A = [[3, "oo"], [1, 2]]\nb = [9, 8]\n[reference.scipy]\ntol = 1e-14\n',
                          "must be finite, got 'oo'"),
    "an extra reference key": (_LINALG + 'A = [[3, 1], [1, 2]]\nb = [9, 8]\n[reference.scipy]\ntol = 1e-14\n'
                               'tolerance = 3\n',
                               "unknown key 'reference.scipy.tolerance' \\(the keys here are tol\\)"),
    "a negative gtol": ('kind = "optimize"\ntitle = "t"\nfun = "x^2"\nvariables = ["x"]\nx0 = 1\nmethod = "gd"\n'
                        'gtol = -1\n[reference.scipy]\ntol = 1e-6\n', "key 'gtol': must be a positive"),
    "a condition at nan": (_BVP + 'conditions = ["u(0) = 0", "u(nan) = 1"]\n[reference.scipy]\ntol = 1e-6\n',
                           "not a finite real number"),
    "exact as a table": (_BVP + 'conditions = ["u(0) = 0", "u(1) = 1"]\nexact = {a = 1}\n[reference.exact]\n'
                         'tol = 1e-6\n', "key 'exact': must be a string"),
    "a bad solver value": (_BVP + 'conditions = ["u(0) = 0", "u(1) = 1"]\n[solver]\nn_points = -4\n'
                           '[reference.scipy]\ntol = 1e-6\n', "key 'solver': n_points must be an integer >= 2"),
    "an unknown window": ('kind = "signal"\ntitle = "t"\nsignal = "sin(2*pi*5*t)"\nt = { start = 0, stop = 1, '
                          'num = 100 }\nn_peaks = 1\nwindow = "hanning-bad"\nexact_freqs = [5]\nexact_amplitudes = '
                          '[1]\nexact_phases = ["-pi/2"]\n[reference.exact]\ntol = 1e-6\n',
                          "key 'window': 'hanning-bad' is not a window"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_problem_files_exit_2_naming_the_file_and_the_key(case, tmp_path, capsys):
    from sciml.cli import main

    text, words = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and len(err.strip().splitlines()) == 1
    assert re.search(words, err), err


def test_a_file_that_is_not_utf8_is_named(tmp_path, capsys):
    from sciml.cli import main

    path = tmp_path / "latin.toml"
    path.write_bytes(b'kind = "linalg"\ntitle = "\xff"\n')
    assert main(["show", str(path)]) == 2
    assert f"{path}: is not UTF-8 text" in capsys.readouterr().err
