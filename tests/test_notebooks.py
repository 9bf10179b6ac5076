"""Every notebook in notebooks/ runs top to bottom, and stores the outputs of its code as it stands.

Running needs no Jupyter kernel: the cells are plain Python (no magics), run with the Agg backend in a
temporary working folder, so whatever a notebook saves does not land in the repository. The stored outputs
(written by ``notebooks/build.py``) must cover every code cell, in order, and carry the hash of the current
code; build.py itself is tested on a tiny notebook with both of its engines.
"""

import base64
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb.get("nbformat") == 4, f"{path.name}: not an nbformat-4 notebook"
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_notebooks():
    assert any(p.name == "00_tour.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__notebook__"}
    try:
        for i, source in enumerate(code_cells(path)):
            assert not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()), \
                f"{path.name} cell {i}: magics are not allowed (cells must be plain Python)"
            exec(compile(source, f"{path.name}[cell {i}]", "exec"), namespace)
    finally:
        plt.close("all")
        import torch

        torch.set_printoptions(profile="default")  # a notebook's display choices must not leak into other tests
        torch.set_num_threads(1)


# -- stored outputs: the notebooks read on GitHub without running, and are those of the code as it stands ------

def _build_module():
    """``notebooks/build.py``, imported from its file (it is a script, not part of the package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "notebooks" / "build.py"
    spec = importlib.util.spec_from_file_location("notebooks_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: the most a stored notebook may weigh, and one output in it (figures at build.DPI are 30-70 KiB)
MAX_NOTEBOOK_BYTES, MAX_OUTPUT_BYTES = 1_500_000, 300_000


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_current(path):
    build = _build_module()
    nb = json.loads(path.read_text(encoding="utf-8"))
    rebuild = f"run `python notebooks/build.py {path.stem}` and commit the notebook"
    reason = build.stale(nb)  # every code cell executed in order, the code's hash, no error stored
    assert reason is None, f"{path.name}: {reason}; {rebuild}"
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    outputs = [o for c in cells for o in c["outputs"]]
    assert outputs, f"{path.name}: no outputs stored; {rebuild}"
    draws = any(word in "".join(build._source(c)) for c in cells for word in ("plt.", ".plot(", "figure("))
    if draws:
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: draws but stores no figure"
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES, f"{path.name}: {path.stat().st_size} bytes stored"
    big = [len(json.dumps(o)) for o in outputs if len(json.dumps(o)) > MAX_OUTPUT_BYTES]
    assert not big, f"{path.name}: outputs of {big} bytes; print less, or lower the figure's size"


_TINY = {
    "nbformat": 4, "nbformat_minor": 5, "metadata": {},
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# A tiny notebook"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["import warnings\n", "import matplotlib.pyplot as plt\n", "print('hello')\n",
                    "print('world')\n", "warnings.warn('careful')\n", "6 * 7"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["fig, ax = plt.subplots(figsize=(3, 2))\n", "ax.plot([0, 1], [1, 0]);"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["with open('scratch.txt', 'w') as f:\n", "    n = f.write('written in a temporary folder')\n",
                    "n"]},
    ],
}


def _engines():
    build = _build_module()
    missing = "nbclient and ipykernel not installed (pip install -e \".[notebooks]\")"
    return ["plain", pytest.param("nbclient", marks=pytest.mark.skipif(not build.jupyter_available(), reason=missing))]


@pytest.mark.parametrize("engine", _engines())
def test_build_writes_outputs_in_place(engine, tmp_path, monkeypatch):
    build = _build_module()
    path = tmp_path / "01_tiny.ipynb"
    path.write_text(json.dumps(_TINY), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert build.main([str(path), "--engine", engine]) == 0
    nb = json.loads(path.read_text(encoding="utf-8"))
    first, second, third = (c for c in nb["cells"] if c["cell_type"] == "code")
    assert [c["execution_count"] for c in (first, second, third)] == [1, 2, 3]
    streams = {o["name"]: "".join(o["text"]) for o in first["outputs"] if o["output_type"] == "stream"}
    assert streams["stdout"] == "hello\nworld\n" and "UserWarning: careful" in streams["stderr"]
    result = next(o for o in first["outputs"] if o["output_type"] == "execute_result")
    assert "".join(result["data"]["text/plain"]) == "42" and result["execution_count"] == 1
    (figure,) = second["outputs"]  # the ';' hides the line's value; the open figure is shown, as PNG
    png = base64.b64decode(figure["data"]["image/png"])
    assert figure["output_type"] == "display_data" and png.startswith(b"\x89PNG")
    assert 150 <= int.from_bytes(png[16:20], "big") <= 3 * build.DPI  # width in pixels at build.DPI
    assert "".join(third["outputs"][0]["data"]["text/plain"]) == "29"
    assert not (tmp_path / "scratch.txt").exists()  # run in a temporary folder
    assert nb["metadata"]["sciml"] == {"code_sha256": build.code_sha256(nb), "engine": engine}
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert all("id" in c for c in nb["cells"])
    text = path.read_text(encoding="utf-8")
    build.main([str(path), "--engine", engine])
    if engine == "plain":  # the same code gives the same file
        assert path.read_text(encoding="utf-8") == text


def test_check_lists_notebooks_whose_outputs_are_older_than_their_code(tmp_path, capsys):
    build = _build_module()
    path = tmp_path / "03_check.ipynb"
    path.write_text(json.dumps(_TINY), encoding="utf-8")
    assert build.main([str(path), "--check"]) == 1
    assert "03_check.ipynb: not every code cell was executed, in order" in capsys.readouterr().out
    assert build.main([str(path), "--engine", "plain"]) == 0
    assert build.main([str(path), "--check"]) == 0
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][1]["source"].append("\n6 * 9")
    path.write_text(json.dumps(nb), encoding="utf-8")
    capsys.readouterr()
    assert build.main([str(path), "--check"]) == 1
    assert "03_check.ipynb: the code changed since the outputs were stored" in capsys.readouterr().out


def test_build_stops_at_a_failing_cell_and_keeps_the_file(tmp_path, capsys):
    build = _build_module()
    bad = {**_TINY, "cells": [*_TINY["cells"][:2], {"cell_type": "code", "metadata": {}, "execution_count": None,
                                                      "outputs": [], "source": ["1 / 0"]}]}
    path = tmp_path / "02_bad.ipynb"
    path.write_text(json.dumps(bad), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    assert build.main([str(path), "--engine", "plain"]) == 1
    assert "02_bad.ipynb: cell 2 raised ZeroDivisionError" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == before


def test_build_names_an_unknown_notebook(capsys):
    build = _build_module()
    assert build.main(["no_such_notebook"]) == 2
    assert "no notebook 'no_such_notebook'" in capsys.readouterr().err
