"""sciml verify at scale: worker processes (-j), the JSON record, resume after an interruption, bad input."""

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # unruly_problems, importable in spawned workers too

from sciml.cli import main


def run(argv):
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


def _table(text):
    """The result table without the times (the last column)."""
    table = text.strip().split("\n\n")[0].splitlines()
    return [line.rsplit(None, 1)[0] for line in table]


def _entries(path):
    data = json.loads(path.read_text())
    return {name: {k: v for k, v in e.items() if k not in ("seconds", "figure")} for name, e in
            data["problems"].items()}


def test_two_workers_give_the_serial_table_in_the_same_order(tmp_path):
    argv = ["verify", "--kind", "optimize", "--no-figures", "-q", "--out", str(tmp_path)]
    code1, serial = run(argv)
    code2, parallel = run([*argv, "-j", "2"])
    assert code1 == code2 == 0 and _table(serial) == _table(parallel) and len(_table(serial)) > 4


def test_an_interrupted_run_resumes_to_the_same_record(tmp_path, monkeypatch):
    from sciml import problems

    full, part = tmp_path / "full.json", tmp_path / "part.json"
    code, _ = run(["verify", "--kind", "linalg", "--no-figures", "-q", "--json", str(full), "--out", str(tmp_path)])
    assert code == 0
    # an interruption after two problems leaves a record of two
    names = [p.name for p in problems.catalog("linalg")]
    assert run(["verify", *names[:2], "--no-figures", "-q", "--json", str(part), "--out", str(tmp_path)])[0] == 0
    assert len(_entries(part)) == 2
    ran = []
    real = problems.verify_all

    def spy(todo, **kwargs):
        ran.extend(p.name for p in todo)
        return real(todo, **kwargs)

    monkeypatch.setattr(problems, "verify_all", spy)
    code, text = run(["verify", "--kind", "linalg", "--no-figures", "-q", "--resume", str(part), "--out",
                      str(tmp_path)])
    assert code == 0 and ran == names[2:] and f"2 from {part}" in text
    assert _entries(part) == _entries(full)


def test_rerun_failed_runs_only_the_failures(tmp_path, monkeypatch):
    from sciml import problems

    record = tmp_path / "r.json"
    run(["verify", "--kind", "linalg", "--no-figures", "-q", "--json", str(record), "--out", str(tmp_path)])
    data = json.loads(record.read_text())
    first = sorted(data["problems"])[0]
    data["problems"][first]["passed"] = False
    record.write_text(json.dumps(data))
    ran = []
    real = problems.verify_all
    monkeypatch.setattr(problems, "verify_all", lambda todo, **kw: ran.extend(p.name for p in todo) or real(todo, **kw))
    assert run(["verify", "--kind", "linalg", "--no-figures", "-q", "--resume", str(record), "--rerun-failed",
                "--out", str(tmp_path)])[0] == 0
    assert ran == [first] and json.loads(record.read_text())["problems"][first]["passed"]


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "not a readable record"),
    ('{"format": "other"}', "not a sciml verify record"),
    ('{"format": "sciml verify record", "version": 9, "problems": {}}', "record version 9"),
    ('{"format": "sciml verify record", "version": 1, "problems": {"nope": {}}}', "records none of these problems"),
])
def test_a_bad_resume_file_stops_and_is_left_as_it_is(content, words, tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(content)
    assert main(["verify", "--kind", "linalg", "--resume", str(path), "--out", str(tmp_path)]) == 2
    assert words in capsys.readouterr().err and path.read_text() == content


def test_bad_options_exit_2(tmp_path, capsys):
    assert main(["verify", "--kind", "linalg", "-j", "0", "--out", str(tmp_path)]) == 2
    assert "-j must be at least 1" in capsys.readouterr().err
    assert main(["verify", "--kind", "linalg", "--resume", str(tmp_path / "none.json")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("distributed") is not None, reason="Dask is installed")
def test_dask_without_dask_says_how_to_install_it(capsys):
    assert main(["verify", "--kind", "linalg", "--dask", "local"]) == 2
    assert 'pip install "sciml[dask]"' in capsys.readouterr().err


def test_verify_all_takes_any_executor():
    import concurrent.futures

    from sciml import problems

    linalg = problems.catalog("linalg")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = problems.verify_all(linalg, executor=pool)
    assert [v.problem.name for v in runs] == [p.name for p in linalg] and all(v.passed for v in runs)
    with pytest.raises(TypeError, match=r"problems\[0\] must be a sciml.problems.Problem"):
        problems.verify_all(["seed_bvp"])


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason='needs pip install "sciml[dask]"')
def test_a_dask_local_cluster_gives_the_serial_table(tmp_path):
    argv = ["verify", "--kind", "linalg", "--no-figures", "-q", "--out", str(tmp_path)]
    code1, serial = run(argv)
    code2, on_dask = run([*argv, "--dask", "local"])
    assert code1 == code2 == 0 and _table(serial) == _table(on_dask)


# -- worker processes: a hang stopped by the time limit, a worker killed by the OS, the run goes on ---------------

def test_a_hang_and_a_killed_worker_are_reported_and_the_run_goes_on():
    from unruly_problems import unruly

    from sciml import problems

    runs = problems.verify_all([unruly("pass", "a"), unruly("hang"), unruly("die"), unruly("pass", "b")], jobs=2,
                               timeout=3)
    assert [v.problem.name for v in runs] == ["a", "hang", "die", "b"]
    assert [v.passed for v in runs] == [True, False, False, True]
    assert "timed out after 3 s" in runs[1].error and "its worker died (exit code -9" in runs[2].error


def test_timeout_is_for_own_workers():
    import concurrent.futures

    from sciml import problems

    with concurrent.futures.ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="executor's own limits"):
        problems.verify_all(problems.catalog("linalg"), executor=pool, timeout=5)
    with pytest.raises(ValueError, match="timeout"):
        problems.verify_all(problems.catalog("linalg"), timeout=0)


def test_a_killed_run_resumes_to_the_uninterrupted_record(tmp_path):
    """The issue's target: kill a -j 2 --json run midway, rerun with --resume: the same JSON (times aside)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from sciml import problems

    names = [p.name for p in problems.catalog("calculus") if p.tier == "quick"][:12]
    full, part = tmp_path / "full.json", tmp_path / "part.json"
    assert run(["verify", *names, "--no-figures", "-q", "--json", str(full), "--out", str(tmp_path)])[0] == 0
    argv = [sys.executable, "-m", "sciml", "verify", *names, "-j", "2", "--no-figures", "-q", "--json", str(part),
            "--out", str(tmp_path)]
    proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if part.exists() and len(json.loads(part.read_text())["problems"]) >= 2:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, as a power cut would
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    interrupted = len(_entries(part))
    assert 2 <= interrupted < len(names), "the run was not interrupted midway"
    code, text = run(["verify", *names, "--no-figures", "-q", "--resume", str(part), "--out", str(tmp_path)])
    assert code == 0 and f"{interrupted} from {part}" in text
    assert _entries(part) == _entries(full)


# -- JUnit XML ----------------------------------------------------------------------------------------------------

def test_junit_has_one_case_per_problem_with_failures_and_errors(tmp_path):
    import xml.etree.ElementTree as ET

    from unruly_problems import unruly

    from sciml import _record, problems

    runs = problems.verify_all(problems.catalog("linalg")[:2])
    bad = runs[1]
    bad.comparisons[0] = type(bad.comparisons[0])(**{**bad.comparisons[0].__dict__, "passed": False})
    crash = problems.Verification(unruly("pass"), None, [], 0.0, error="ValueError: boom")
    path = _record.write_junit(tmp_path / "out" / "j.xml", [*runs, crash])
    root = ET.parse(path).getroot()
    cases = root.iter("testcase")
    by_name = {c.get("name"): c for c in cases}
    assert set(by_name) == {runs[0].problem.name, bad.problem.name, "pass"}
    assert by_name[runs[0].problem.name].find("failure") is None
    assert "error" in by_name[bad.problem.name].find("failure").get("message")
    assert by_name["pass"].find("error").text == "ValueError: boom"
    assert "computed" in by_name[runs[0].problem.name].find("system-out").text


def test_cli_writes_junit(tmp_path):
    import xml.etree.ElementTree as ET

    code, _ = run(["verify", "--kind", "linalg", "--no-figures", "-q", "--junit", str(tmp_path / "j.xml"),
                      "--out", str(tmp_path)])
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert code == 0 and suite.get("name") == "sciml.linalg" and suite.get("failures") == "0"
    assert int(suite.get("tests")) == len(problems_of("linalg"))


def problems_of(kind):
    from sciml import problems

    return problems.catalog(kind)


# -- sweeps --------------------------------------------------------------------------------------------------------

def test_sweep_varies_file_keys_validated_as_the_file_would_be():
    from sciml import problems

    base = problems.load("bratu")
    keys = list(base.spec_data)
    variants = problems.sweep(problems.load("seed_linalg_solve"), {"b": [[1, 2], [3, 4]]})
    assert [p.name for p in variants] == ["seed_linalg_solve[b=[1, 2]]", "seed_linalg_solve[b=[3, 4]]"]
    assert [p.spec_data["b"] for p in variants] == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="has no such key"):
        problems.sweep(problems.load("seed_linalg_solve"), {"nope": [1]})
    with pytest.raises(Exception, match="tier"):
        problems.sweep(problems.load("seed_linalg_solve"), {"tier": ["slowest"]})
    assert keys  # the file's keys are kept
    (layer,) = problems.sweep(problems.load("boundary_layer"), {"eps": ["1/50"]})  # parameters.eps, the shallowest
    assert layer.spec_data["parameters"]["eps"] == "1/50" and layer.name == "boundary_layer[eps=1/50]"
    assert layer.spec_data["solver"]["continuation"]["eps"] == ["1/100", "1/300"]


def test_sweep_of_a_python_problem_varies_its_fields():
    from unruly_problems import unruly

    from sciml import problems

    variants = problems.sweep(unruly("pass", "u"), {"behaviour": ["pass", "pass"]})
    assert [p.name for p in variants] == ["u[behaviour=pass]", "u[behaviour=pass]"]
    with pytest.raises(ValueError, match="no such field"):
        problems.sweep(unruly("pass"), {"eps": [1]})
    with pytest.raises(ValueError, match="non-empty list"):
        problems.sweep(unruly("pass"), {"behaviour": "pass"})


def test_cli_set_runs_a_grid(tmp_path):
    from sciml._verify_cli import parse_set

    assert parse_set("eps=0.1,0.01") == ("eps", [0.1, 0.01])
    assert parse_set("b=[[1, 2], [3, 4]]") == ("b", [[1, 2], [3, 4]])
    assert parse_set("method=bfgs,newton") == ("method", ["bfgs", "newton"])
    code, text = run(["verify", "corpus_random_expressions", "--set", "seed=1,2", "--set", "n=3", "--no-figures",
                      "-q", "--out", str(tmp_path)])
    assert code == 0 and "corpus_random_expressions[seed=2,n=3]" in text and "2 of 2 problems passed" in text
    assert main(["verify", "--set", "n=3", "--out", str(tmp_path)]) == 2
    assert main(["verify", "corpus_random_expressions", "--set", "nope=3", "--out", str(tmp_path)]) == 2


# -- the corpus at scale -----------------------------------------------------------------------------------------

def _corpus_counts_agree(tmp_path, n, *elsewhere) -> str:
    """Run verify-corpus of n expressions serially and with the options ``elsewhere``; the counts line."""
    argv = ["verify-corpus", "--n", str(n), "--block", str(n // 3), "-q", "--out", str(tmp_path)]
    code1, serial = run(argv)
    code2, other = run([*argv, *elsewhere])
    summary = [line for line in serial.splitlines() if line.startswith(f"{n} expressions")]
    assert code1 == code2 == 0 and summary and summary[0] in other
    return summary[0]


def test_verify_corpus_counts_are_the_same_in_workers(tmp_path):
    summary = _corpus_counts_agree(tmp_path, 60, "-j", "2")
    assert "verified" in summary and "0 wrong, 0 not converted, 0 not checked" in summary


def test_corpus_blocks_are_independent_and_reproducible():
    from sciml import problems
    from sciml.problems import CorpusProblem

    a = CorpusProblem(n=5, seed=0, block=1, tolerances={"sympy": 1e-12}).solve()
    b = CorpusProblem(n=5, seed=0, block=1, tolerances={"sympy": 1e-12}).solve()
    assert a.verified + a.no_real_point == 5 and (a.verified, a.no_real_point) == (b.verified, b.no_real_point)
    with pytest.raises(ValueError, match="order"):
        CorpusProblem(n=5, order=3, tolerances={"sympy": 1e-12})
    assert problems.verify_problem(problems.load("corpus_random_expressions")).passed


# -- bad input ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "words"), [
    (["verify", "--kind", "linalg", "--rerun-failed"], "--rerun-failed needs --resume"),
    (["verify", "--kind", "linalg", "--timeout", "0"], "--timeout must be a positive"),
    (["verify", "--kind", "linalg", "--timeout", "5", "--dask", "local"], "--timeout applies to sciml's own"),
    (["verify-corpus", "--n", "0"], "--n and --block must be at least 1"),
    (["verify-corpus", "--n", "10", "-j", "0"], "-j must be at least 1"),
    (["verify", "--kind", "linalg", "--set", "x"], "--set varies named problems"),
])
def test_bad_running_options_exit_2(argv, words, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert words in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason='needs pip install "sciml[dask]"')
def test_an_unreachable_dask_scheduler_is_a_clear_error_within_seconds(tmp_path, capsys):
    import socket
    import time

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    assert main(["verify", "--kind", "linalg", "--dask", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path)]) == 2
    assert time.monotonic() - start < 30
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason='needs pip install "sciml[dask]"')
def test_verify_corpus_on_a_dask_local_cluster_gives_the_serial_counts(tmp_path):
    _corpus_counts_agree(tmp_path, 30, "--dask", "local")


def test_every_catalog_problem_travels_to_a_worker():
    """Workers (-j, Dask) receive problems by pickle: no module, lock or closure may hide in one."""
    import pickle

    from sciml import problems

    for p in problems.catalog():
        assert pickle.loads(pickle.dumps(p)).name == p.name


def test_a_reference_that_raises_is_counted_not_checked_and_the_block_goes_on(monkeypatch):
    """At 10^4 expressions SymPy itself raised once ('Invalid NaN comparison'): that must not lose the block."""
    import sciml.calculus
    from sciml.problems import CorpusProblem

    real, calls = sciml.calculus.verify, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise TypeError("Invalid NaN comparison")
        return real(*args, **kwargs)

    monkeypatch.setattr(sciml.calculus, "verify", flaky)
    with pytest.warns(UserWarning, match="not checked: .*Invalid NaN comparison"):
        result = CorpusProblem(n=4, tolerances={"sympy": 1e-12}).solve()
    assert len(result.not_checked) == 1 and result.verified + result.no_real_point == 3
    assert "1 not checked" in result.summary
