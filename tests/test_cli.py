"""The sciml command line through main(argv): outputs, exit codes and error messages without tracebacks."""

import io

import pytest

from sciml.cli import main
from sciml.problems import _runner


def run(argv):
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


def test_list_shows_every_problem_and_kinds():
    from sciml import problems

    code, text = run(["list"])
    assert code == 0
    for name in problems.names():
        assert name in text
    assert "kind(s)" in text


def test_show_prints_statement_and_references():
    code, text = run(["show", "seed_linalg_solve"])
    assert code == 0 and "A x = b" in text and "closed form" in text and "tol 1e-14" in text


def test_solve_prints_errors_and_saves_figure(tmp_path):
    code, text = run(["solve", "seed_linalg_solve", "--out", str(tmp_path)])
    assert code == 0 and "pass" in text and "closed form" in text


def test_verify_kind_writes_report(tmp_path):
    from sciml import problems

    n = len(problems.catalog("linalg"))
    code, text = run(["verify", "--kind", "linalg", "--out", str(tmp_path)])
    assert code == 0 and f"{n} of {n} problems passed" in text
    report = (tmp_path / "report.md").read_text()
    assert "| seed_linalg_solve |" in report


def test_verify_failure_exits_1_and_goes_on(tmp_path):
    bad = tmp_path / "wrong.toml"
    bad.write_text('kind = "linalg"\noperation = "solve"\nA = [[3, 1], [1, 2]]\nb = [9, 8]\nexact = [2, 4]\n'
                   "[reference.exact]\ntol = 1e-12\n")
    code, text = run(["verify", str(bad), "seed_linalg_inv", "--out", str(tmp_path / "o")])
    assert code == 1 and "FAIL" in text and "1 of 2 problems passed" in text
    assert "wrong" in (tmp_path / "o" / "report.md").read_text()


def test_unknown_problem_exits_2_with_nearest_names(capsys):
    code, _ = run(["solve", "seed_linalg_slove"])
    err = capsys.readouterr().err
    assert code == 2 and "did you mean seed_linalg_solve" in err and "Traceback" not in err


def test_malformed_file_exits_2_naming_file_and_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "linalg"\noperation = "solve"\nA = [[3, 1], [1, 2]]\nb = ["9 +* 1", 8]\n'
                   "[reference.scipy]\ntol = 1e-12\n")
    code, _ = run(["show", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "bad.toml" in err and "key 'b'" in err and "cannot parse '9 +* 1'" in err


def test_usage_errors_exit_2(capsys):
    assert run(["frobnicate"])[0] == 2
    assert run(["verify", "--kind", "nosuch"])[0] == 2
    assert "unknown kind" in capsys.readouterr().err


def test_version_and_help_exit_0(capsys):
    assert run(["--version"])[0] == 0
    assert "sciml" in capsys.readouterr().out


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "sciml", "show", "seed_linalg_inv"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "inverse" in proc.stdout


@pytest.mark.parametrize("argv", [["list", "--kind", "linalg"], ["verify", "seed_linalg_svd", "-q", "--no-figures"]])
def test_other_forms(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(argv)[0] == 0


def test_internal_error_is_one_line_unless_asked(monkeypatch, capsys):
    from sciml import problems

    def broken(kind=None):
        raise RuntimeError("catalog exploded")

    monkeypatch.setattr(problems, "catalog", broken)
    code, _ = run(["list"])
    err = capsys.readouterr().err
    assert code == 1 and "internal error RuntimeError: catalog exploded" in err and "Traceback" not in err
    monkeypatch.setenv("SCIML_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="catalog exploded"):
        run(["list"])


def test_verify_runs_the_quick_tier_and_says_what_it_left_out(tmp_path, monkeypatch):
    from sciml import problems

    quick = [p.name for p in problems.catalog("pinn", tier="quick")]
    full = [p.name for p in problems.catalog("pinn", tier="full")]
    assert quick and full and set(quick).isdisjoint(full)
    ran = []
    monkeypatch.setattr(_runner, "verify_problem", lambda p, **o: ran.append(p.name) or _passed(p))
    code, text = run(["verify", "--kind", "pinn", "--no-figures", "--out", str(tmp_path)])
    assert code == 0 and ran == quick
    assert f"{len(full)} problems of the full tier were left out" in text and "run them with --all" in text
    ran.clear()
    code, text = run(["verify", "--kind", "pinn", "--all", "--no-figures", "--out", str(tmp_path)])
    assert sorted(ran) == sorted(quick + full) and "left out" not in text
    ran.clear()
    run(["verify", full[0], "--no-figures", "--out", str(tmp_path)])  # a named problem runs whatever its tier
    assert ran == [full[0]]


def _passed(problem):
    from sciml.problems import Comparison, Verification

    return Verification(problem, None, [Comparison(problem.name, problem.method, "ref", 0.0, 1.0, True, 0.0)], 0.0)


def test_verify_shows_a_bar_in_a_terminal_and_lines_otherwise(tmp_path, monkeypatch, capsys):
    import sys


    monkeypatch.setattr(_runner, "verify_problem", lambda p, **o: _passed(p))
    code, text = run(["verify", "--kind", "linalg", "--no-figures", "--out", str(tmp_path)])
    assert code == 0 and "  pass  seed_linalg_solve" in text and capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, text = run(["verify", "--kind", "linalg", "--no-figures", "--out", str(tmp_path)])
    assert code == 0 and "  pass  seed_linalg_solve" not in text and "sciml verify" in capsys.readouterr().err


def test_a_tier_other_than_quick_or_full_is_named(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('kind = "linalg"\ntitle = "t"\ntier = "slow"\noperation = "eigvals"\nA = [[1, 0], [0, 2]]\n'
                    '[reference.scipy]\ntol = 1e-12\n')
    assert main(["show", str(path)]) == 2
    assert "key 'tier'" in capsys.readouterr().err
