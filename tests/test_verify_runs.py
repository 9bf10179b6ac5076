"""sciml verify at scale: worker processes (-j), the JSON record, resume after an interruption, bad input."""

import importlib.util
import io
import json

import pytest

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
