"""Every notebook in notebooks/ runs top to bottom: its code cells are executed in order in one namespace.

No Jupyter kernel is needed: the cells are plain Python (no magics), run with the Agg backend in a
temporary working folder, so whatever a notebook saves does not land in the repository.
"""

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
