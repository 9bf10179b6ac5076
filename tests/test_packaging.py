"""Packaging: the explicit package list, a light ``import sciml``, and a non-editable install with its catalog."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {"sciml"} | {f"sciml.{p.parent.name}" for p in (ROOT / "sciml").glob("*/__init__.py")}
    assert on_disk | {"sciml.catalog"} == listed


def test_import_sciml_is_light():
    code = "import sys, sciml; print(sorted(m for m in ('torch', 'matplotlib', 'scipy', 'sympy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_non_editable_install_ships_the_catalog(tmp_path):
    target = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0:
        pytest.fail(f"pip install . failed:\n{proc.stderr[-2000:]}")
    code = (
        "import sciml.problems as p, sciml.problems._registry as r; print(r.catalog_dir()); "
        "print(len(p.names())); print(p.verify_problem(p.load('seed_linalg_solve')).passed)"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    where, count, passed = out.stdout.split()
    assert str(target) in where and int(count) == len(list((ROOT / "problems").rglob("*.toml")))
    assert passed == "True"
