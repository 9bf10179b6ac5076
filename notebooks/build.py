"""Execute the notebooks and store their outputs in place, so that they read on GitHub without running.

    python notebooks/build.py                 # every notebooks/*.ipynb, in name order
    python notebooks/build.py 07_pinn_bvp     # those named (a path, a file name or its stem)
    python notebooks/build.py --engine plain  # without Jupyter
    python notebooks/build.py --check         # which stored outputs are missing or older than the code

Each notebook runs top to bottom in a fresh temporary working folder (whatever it saves does not land in
the repository) and is written back with every code cell's outputs, figures included as PNG display data
at a modest resolution (:data:`DPI`), execution counts 1, 2, ... in order, and in its metadata a hash of
its code (``metadata.sciml.code_sha256``) by which ``tests/test_notebooks.py`` tells whether the stored
outputs are those of the code as it stands. A notebook whose cell raises is not written, and the run ends
with exit code 1 after trying the others.

Engines: ``nbclient`` (the default when nbclient and ipykernel are installed, ``pip install -e
".[notebooks]"``) runs each notebook on a fresh ``python3`` Jupyter kernel, exactly as a reader's Jupyter
would; ``plain`` needs no Jupyter: it executes the code cells in one namespace in this process and records
what Jupyter would show — stdout and stderr, the value of a last-line expression, and every figure left
open at the end of a cell (then closed, as the inline backend does).
"""

from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: resolution of stored figures (matplotlib's default is 100): an 11-inch-wide figure is 880 pixels wide
DPI = 80
#: the kernel every notebook names, and the metadata written with it (no versions: the files stay stable)
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}


class NotebookError(RuntimeError):
    """A notebook that cannot be built: a cell raised, or the file is not an nbformat-4 notebook."""


def code_sha256(nb: dict) -> str:
    """The hash of a notebook's code cells (their sources, in order): what its stored outputs were built from."""
    digest = hashlib.sha256()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            digest.update(_source(cell).encode("utf-8") + b"\0")
    return digest.hexdigest()


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _lines(text: str) -> list[str]:
    """Text as nbformat stores it: a list of lines, each keeping its newline."""
    return text.splitlines(keepends=True)


def read(path: Path) -> dict:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"{path}: cannot read the notebook ({exc})") from None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path}: not an nbformat-4 notebook")
    for i, cell in enumerate(nb["cells"]):  # nbformat 4.5 wants cell ids: give stable ones where missing
        cell.setdefault("id", hashlib.sha1(f"{i}:{_source(cell)}".encode()).hexdigest()[:8])
    return nb


def write(path: Path, nb: dict) -> None:
    """Write as Jupyter does (one-space indent, sorted keys, UTF-8), atomically."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# -- the plain engine ---------------------------------------------------------------------------------------

def _figures() -> list[dict]:
    """Every open matplotlib figure as PNG display data, then closed (what the inline backend shows)."""
    if "matplotlib.pyplot" not in sys.modules:
        return []
    import matplotlib.pyplot as plt

    out = []
    for num in plt.get_fignums():
        fig = plt.figure(num)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
        out.append({"output_type": "display_data", "metadata": {},
                    "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii") + "\n",
                             "text/plain": [repr(fig)]}})
    plt.close("all")
    return out


def _show_warning(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _run_cell(source: str, name: str, namespace: dict, count: int) -> tuple[list[dict], BaseException | None]:
    stdout, stderr = io.StringIO(), io.StringIO()
    outputs, error, value = [], None, None
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), warnings.catch_warnings():
        warnings.resetwarnings()  # shown once per place, as in Jupyter (not errors, as under pytest -W error)
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            tree = ast.parse(source, name)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, name, "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
                if source.rstrip().endswith(";"):  # Jupyter's way to hide the value
                    value = None
        except Exception as exc:  # recorded as the cell's error output, as Jupyter does
            error = exc
    for stream, text in (("stdout", stdout.getvalue()), ("stderr", stderr.getvalue())):
        if text:
            outputs.append({"output_type": "stream", "name": stream, "text": _lines(text)})
    if value is not None:
        outputs.append({"output_type": "execute_result", "execution_count": count, "metadata": {},
                        "data": {"text/plain": _lines(repr(value))}})
    outputs += _figures()
    if error is not None:
        outputs.append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error),
                        "traceback": _lines("".join(traceback.format_exception(error)))})
    return outputs, error


def run_plain(nb: dict, path: Path) -> dict:
    """Execute the code cells of ``nb`` in one namespace in this process (Agg backend, temporary folder)."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__main__"}
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="sciml-notebook-") as folder, matplotlib.rc_context({"figure.dpi": DPI}):
        os.chdir(folder)
        try:
            count = 0
            for cell in nb["cells"]:
                if cell["cell_type"] != "code":
                    continue
                count += 1
                outputs, error = _run_cell(_source(cell), f"{path.name}[{count}]", namespace, count)
                cell["outputs"], cell["execution_count"] = outputs, count
                if error is not None:
                    raise NotebookError(f"{path.name}: cell {count} raised {type(error).__name__}: {error}")
        finally:
            os.chdir(cwd)
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
    return nb


# -- the Jupyter engine -------------------------------------------------------------------------------------

def jupyter_available() -> bool:
    """Whether nbclient and ipykernel are installed (``pip install -e ".[notebooks]"``)."""
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        return False
    return True


def run_nbclient(nb: dict, path: Path, timeout: int) -> dict:
    """Execute ``nb`` on a fresh ``python3`` kernel (nbclient), in a temporary folder."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    node = nbformat.reads(json.dumps(nb), as_version=4)  # sources as strings, as nbclient wants them
    with tempfile.TemporaryDirectory(prefix="sciml-notebook-") as folder:
        rc = Path(folder) / "matplotlibrc"  # figures at DPI, whatever the reader's own matplotlibrc says
        rc.write_text(f"figure.dpi: {DPI}\n", encoding="utf-8")
        client = NotebookClient(node, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": folder}})
        env = {"MATPLOTLIBRC": str(rc), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # the kernel inherits this process's environment
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log; cells' stderr comes as outputs
        except CellExecutionError as exc:
            raise NotebookError(f"{path.name}: a cell raised:\n{exc}") from None
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return json.loads(nbformat.writes(node))


# -- building ----------------------------------------------------------------------------------------------

def _coalesced(outputs: list[dict]) -> list[dict]:
    """Consecutive stream outputs of one stream joined into one (a kernel sends a long print in pieces)."""
    out: list[dict] = []
    for o in outputs:
        if o["output_type"] == "stream" and out and out[-1]["output_type"] == "stream" and \
                out[-1]["name"] == o["name"]:
            out[-1] = {**out[-1], "text": _lines("".join(out[-1]["text"]) + "".join(o["text"]))}
        else:
            out.append(o)
    return out


def build(path: Path, *, engine: str = "auto", timeout: int = 600) -> dict:
    """Execute the notebook at ``path`` and write it back with its outputs; returns the notebook."""
    path = Path(path)
    nb = read(path)
    for cell in nb["cells"]:  # outputs from an earlier build must not survive a failing cell
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    if engine == "auto":
        engine = "nbclient" if jupyter_available() else "plain"
    nb = run_nbclient(nb, path, timeout) if engine == "nbclient" else run_plain(nb, path)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)  # timings would change the file on every build
        if cell["cell_type"] == "code":
            cell["outputs"] = _coalesced(cell["outputs"])
    nb["metadata"]["kernelspec"], nb["metadata"]["language_info"] = dict(KERNELSPEC), dict(LANGUAGE_INFO)
    nb["metadata"]["sciml"] = {"code_sha256": code_sha256(nb), "engine": engine}
    write(path, nb)
    return nb


def stale(nb: dict) -> str | None:
    """Why the stored outputs of ``nb`` are not those of its code (``None`` when they are)."""
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if [c.get("execution_count") for c in cells] != list(range(1, len(cells) + 1)):
        return "not every code cell was executed, in order"
    if nb.get("metadata", {}).get("sciml", {}).get("code_sha256") != code_sha256(nb):
        return "the code changed since the outputs were stored"
    if any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", [])):
        return "a stored output is an error"
    return None


def resolve(names: list[str], folder: Path = HERE) -> list[Path]:
    """The notebooks named (paths, file names or stems), or every ``*.ipynb`` of ``folder`` in name order."""
    if not names:
        return sorted(folder.glob("*.ipynb"))
    out = []
    for name in names:
        candidates = [Path(name), folder / name, folder / f"{name}.ipynb"]
        hit = next((c for c in candidates if c.suffix == ".ipynb" and c.is_file()), None)
        if hit is None:
            known = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb")))
            raise NotebookError(f"no notebook {name!r} (in {folder}: {known})")
        out.append(hit)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python notebooks/build.py", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to build (default: every notebooks/*.ipynb)")
    parser.add_argument("--engine", choices=("auto", "nbclient", "plain"), default="auto",
                        help="nbclient (a Jupyter kernel) or plain (this Python); auto: nbclient when installed")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (nbclient)")
    parser.add_argument("--check", action="store_true", help="run nothing: list notebooks whose stored outputs "
                        "are missing or older than their code (exit code 1 if any)")
    args = parser.parse_args(argv)
    if args.engine == "nbclient" and not jupyter_available():
        print("build.py: --engine nbclient needs nbclient and ipykernel: pip install -e \".[notebooks]\"",
              file=sys.stderr)
        return 2
    try:
        paths = resolve(args.notebooks)
    except NotebookError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 2
    if args.check:
        why = {path: stale(read(path)) for path in paths}
        for path, reason in why.items():
            print(f"{path.name}: {reason or 'current'}")
        return 1 if any(why.values()) else 0
    failed = 0
    for path in paths:
        try:
            nb = build(path, engine=args.engine, timeout=args.timeout)
        except NotebookError as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            failed += 1
            continue
        figures = sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
        print(f"built {path.name} ({nb['metadata']['sciml']['engine']}, {figures} figure(s), "
              f"{path.stat().st_size / 1024:.0f} KiB)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
