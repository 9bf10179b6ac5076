"""The import layers of sciml, checked statically: every ``sciml/**/*.py`` is parsed with ``ast`` (imports inside
functions, ``if TYPE_CHECKING:`` blocks and ``importlib.import_module("…")`` with a literal name included) and

1. there are no import cycles between sciml modules, and no module imports its own package's ``__init__``;
2. the layers run one way: core (``results``, ``_validation``, ``expressions``, ``training``) ← capabilities
   (``calculus``, ``optimize``, ``linalg``, ``qp``, ``signal``, ``pinn``, ``learn``) ← catalog (``problems``) ←
   CLI/report (``cli``, ``report``, ``__main__``); capabilities may use each other;
3. no module reaches a private name (a ``_x`` module or attribute) of another subpackage; the core's private
   ``sciml._validation`` is open to every layer.

How imports become edges of the module graph:

- ``import sciml.a.b`` and ``from sciml.a import b`` (``b`` a module) are edges to the module ``sciml.a.b``;
  ``from sciml.a import name`` (``name`` not a module) is an edge to the package ``sciml.a``, its ``__init__``;
- importing ``sciml.a.b`` also runs the ``__init__`` of ``sciml.a``: an edge to every enclosing package that
  does not already contain the importer (so ``sciml.pinn._x`` importing ``sciml.calculus._y`` depends on
  ``sciml.calculus``, while ``sciml.calculus._z`` importing ``sciml.calculus._y`` does not depend on the
  ``sciml.calculus`` being initialized around it);
- a package ``__init__`` importing its own submodules is the re-export pattern and fine; a submodule importing
  its package's ``__init__`` is reported as a cycle risk even where no cycle closes yet (the ``__init__`` is
  half-initialized while it imports that submodule). The root ``sciml/__init__.py`` imports no submodule
  (its subpackages load lazily), so ``from sciml import __version__`` is fine.

A failure lists every violation, one per line, as ``path:line: what and what to do``.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "sciml"

CORE, CAPABILITY, CATALOG, CLI = range(4)
LAYER_NAMES = ("core", "capability", "catalog", "CLI/report")
LAYERS = {  # the first component under sciml → its layer
    "results": CORE, "_validation": CORE, "expressions": CORE, "training": CORE,
    "calculus": CAPABILITY, "optimize": CAPABILITY, "linalg": CAPABILITY, "qp": CAPABILITY,
    "signal": CAPABILITY, "pinn": CAPABILITY, "learn": CAPABILITY,
    "problems": CATALOG,
    "cli": CLI, "report": CLI, "_report_html": CLI, "_record": CLI, "__main__": CLI,
    "_train_cli": CLI, "_verify_cli": CLI,
}


@dataclasses.dataclass(frozen=True)
class Module:
    name: str  # dotted: "sciml.calculus._taylor"; a package is named by its __init__: "sciml.calculus"
    path: str  # for messages: "sciml/calculus/_taylor.py"
    source: str
    is_package: bool


@dataclasses.dataclass(frozen=True)
class Import:
    importer: str
    line: int
    ref: str  # the dotted name imported or used: "sciml.optimize._result.ConvergenceWarning"
    target: str  # the module that import runs: "sciml.optimize._result"
    explicit: bool = True  # False: an enclosing package's __init__ that the import runs first
    checked: int = 1  # leading components of ref already checked where they were imported (attribute chains)


def load(root: Path = ROOT) -> dict[str, Module]:
    """Every module of the package under ``root`` by dotted name (directories without an ``__init__.py``
    become empty namespace packages)."""
    modules = {}
    base = root / PACKAGE
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(root)
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        modules[name] = Module(name, rel.as_posix(), path.read_text(encoding="utf-8"), is_package)
    for directory in sorted(p for p in base.rglob("*") if p.is_dir() and p.name != "__pycache__"):
        name = ".".join(directory.relative_to(root).parts)
        if name not in modules and any(directory.glob("*.py")):
            path = (directory.relative_to(root) / "__init__.py").as_posix()
            modules[name] = Module(name, path, "", True)
    return modules


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def imports(modules: dict[str, Module]) -> list[Import]:
    """Every import of a sciml module in ``modules``, at any depth of the code, and every attribute chain through
    an imported sciml name (``taylor_tanh._list_form``, ``sciml.problems.load()`` after ``import sciml``), as
    :class:`Import` edges."""
    found = []
    for module in modules.values():
        tree = ast.parse(module.source, filename=module.path)
        package = module.name if module.is_package else module.name.rpartition(".")[0]
        aliases: dict[str, str] = {}  # local name → the dotted sciml name it is bound to

        def add(ref: str, line: int, checked: int = 1, module=module):
            if ref != PACKAGE and not ref.startswith(PACKAGE + "."):
                return
            parts = ref.split(".")
            # the module this runs: the longest prefix of ref that is a module we know
            target = next((t for n in range(len(parts), 0, -1) if (t := ".".join(parts[:n])) in modules), ref)
            found.append(Import(module.name, line, ref, target, checked=checked))
            for n in range(1, target.count(".") + 1):  # enclosing packages run first
                enclosing = ".".join(parts[:n])
                if not _inside(module.name, enclosing):
                    found.append(Import(module.name, line, ref, enclosing, explicit=False))

        parents = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, node.lineno)
                    local = alias.asname or alias.name.partition(".")[0]
                    aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    up = package.split(".")
                    base = ".".join(up[:len(up) - node.level + 1])
                    source = f"{base}.{node.module}" if node.module else base
                else:
                    source = node.module
                for alias in node.names:
                    if alias.name == "*":
                        add(source, node.lineno)
                        continue
                    add(f"{source}.{alias.name}", node.lineno)
                    aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str)
                  and "import_module" in (getattr(node.func, "attr", None), getattr(node.func, "id", None))):
                add(node.args[0].value, node.lineno)
        for node in ast.walk(tree):  # attribute chains on imported sciml names, outermost attribute only
            if not isinstance(node, ast.Attribute) or isinstance(parents.get(node), ast.Attribute):
                continue
            chain, inner = [], node
            while isinstance(inner, ast.Attribute):
                chain.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in aliases:
                bound = aliases[inner.id]
                add(".".join([bound, *reversed(chain)]), node.lineno, checked=bound.count(".") + 1)
    return found


def _layer(name: str) -> int | None:
    parts = name.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph`` with more than one node or a self-loop."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def _cycle_through(start: str, members: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle from ``start`` back to itself inside ``members`` (breadth first)."""
    previous, frontier = {}, [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph.get(v, ()) & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if w not in previous:
                    previous[w] = v
                    following.append(w)
        frontier = following
    return [start, start]


def check(modules: dict[str, Module]) -> dict[str, list[str]]:
    """The violations of the three rules, as messages ``path:line: …`` by rule (``"cycles"``, ``"layers"``,
    ``"private"``)."""
    found = imports(modules)
    path = {m.name: m.path for m in modules.values()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    where: dict[tuple[str, str], int] = {}
    for imp in found:
        if imp.target != imp.importer:  # a module naming itself runs nothing
            graph.setdefault(imp.importer, set()).add(imp.target)
            where.setdefault((imp.importer, imp.target), imp.line)
    report: dict[str, set[str]] = {"cycles": set(), "layers": set(), "private": set()}

    for component in _strongly_connected(graph):
        cycle = _cycle_through(component[0], set(component), graph)
        edges = ", ".join(f"{path[a]}:{where[a, b]}" for a, b in itertools.pairwise(cycle))
        members = f" among {', '.join(component)}" if len(component) > len(cycle) - 1 else ""
        report["cycles"].add(f"{path[cycle[0]]}:{where[cycle[0], cycle[1]]}: import cycle {' → '.join(cycle)} "
                             f"(at {edges}){members}; move what both sides need into a module that imports "
                             "neither")
    for module in modules.values():
        if module.name != PACKAGE and _layer(module.name) is None and not module.name.startswith(PACKAGE + ".__"):
            report["layers"].add(f"{module.path}:1: {module.name.split('.')[1]!r} is in no layer: add it to "
                                 "LAYERS in tests/test_layers.py")
    for imp in found:
        if not imp.explicit:
            continue
        at = f"{path[imp.importer]}:{imp.line}: {imp.importer}"
        target = modules.get(imp.target)
        if (target is not None and target.is_package and imp.target != PACKAGE and imp.target != imp.importer
                and _inside(imp.importer, imp.target)):
            report["cycles"].add(f"{at} imports {imp.ref} from its own package's __init__ ({imp.target}), a cycle "
                                 "risk: import it from the module that defines it")
        mine, theirs = _layer(imp.importer), _layer(imp.ref)
        if imp.checked > 1:  # an attribute chain on a name imported from below the root: checked at the import
            theirs = None
        elif theirs is None and imp.ref != PACKAGE and not imp.ref.startswith(PACKAGE + ".__"):
            report["layers"].add(f"{at} imports {imp.ref}, which is in no layer: add "
                                 f"{imp.ref.split('.')[1]!r} to LAYERS in tests/test_layers.py")
        if mine is not None and theirs is not None and theirs > mine:
            report["layers"].add(f"{at} ({LAYER_NAMES[mine]}) imports {imp.ref} ({LAYER_NAMES[theirs]}); the "
                                 "layers run core ← capabilities ← catalog ← CLI/report: move the code up a "
                                 "layer or pass what it needs in as an argument")
        parts = imp.ref.split(".")
        for i, part in enumerate(parts[imp.checked:], start=imp.checked):
            owner = ".".join(parts[:min(i, 2)])  # the subpackage (or core module) that the private name is in
            if _is_private(part) and not _inside(imp.importer, owner):
                report["private"].add(f"{at} uses {imp.ref}, private to {owner}: use (or add) a public name in "
                                      f"{owner}")
                break
    return {rule: sorted(messages) for rule, messages in report.items()}


def _message(violations: list[str], rule: str) -> str:
    return f"{len(violations)} violation(s) of {rule}:\n" + "\n".join(violations)


# -- the package ---------------------------------------------------------------------------------------------


def test_the_scan_sees_the_whole_package():
    """The checks below pass only because they look: every module is parsed, and known edges are found,
    including imports inside functions and the implicit run of another package's __init__."""
    modules = load()
    assert len(modules) > 50 and "sciml.calculus._taylor" in modules and "sciml.cli" in modules
    edges = {(i.importer, i.target) for i in imports(modules)}
    assert ("sciml.calculus._taylor", "sciml.calculus._taylor_tanh") in edges
    assert ("sciml.calculus", "sciml.calculus._operators") in edges  # re-exports
    assert ("sciml.pinn._residual", "sciml.calculus") in edges  # from sciml.calculus import to_torch
    assert ("sciml.problems._bvp", "sciml.pinn") in edges  # inside a function
    assert ("sciml.calculus._checks", "sciml.results") in edges
    assert all(_layer(name) is not None for name in modules if name != PACKAGE)


def test_no_import_cycles():
    violations = check(load())["cycles"]
    assert not violations, _message(violations, "rule 1 (no import cycles)")


def test_layers_run_one_way():
    violations = check(load())["layers"]
    assert not violations, _message(violations, "rule 2 (core ← capabilities ← catalog ← CLI/report)")


def test_no_private_names_of_another_subpackage():
    violations = check(load())["private"]
    assert not violations, _message(violations, "rule 3 (no private names of another subpackage)")


# -- the checks can fail -------------------------------------------------------------------------------------


def _fake(sources: dict[str, str]) -> dict[str, Module]:
    """Modules from ``{"sciml/calculus/__init__.py": source, …}``."""
    modules = {}
    for path, source in sources.items():
        parts = path.removesuffix(".py").split("/")
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = Module(name, path, source, is_package)
    return modules


CLEAN = {
    "sciml/__init__.py": "import importlib\n__version__ = '0'\n",
    "sciml/_validation.py": "def as_tensor(x): return x\n",
    "sciml/results.py": "from sciml._validation import as_tensor\n",
    "sciml/calculus/__init__.py": "from sciml.calculus._a import f\nfrom sciml.calculus._b import g\n",
    "sciml/calculus/_a.py": "from sciml._validation import as_tensor\ndef f(): pass\n",
    "sciml/calculus/_b.py": "from sciml.calculus._a import f\nfrom sciml.calculus import _a\ndef g(): return _a._h\n",
    "sciml/pinn/__init__.py": "from sciml.pinn._net import Net\n",
    "sciml/pinn/_net.py": "from sciml.calculus import f\nimport sciml.calculus as calc\ndef Net(): calc.g()\n",
    "sciml/problems/__init__.py": "def load():\n    from sciml import pinn\n",
    "sciml/cli.py": "from sciml import __version__\nfrom sciml import problems\nimport sciml.report\n",
    "sciml/report.py": "from sciml.problems import load\n",
}


def test_a_clean_fake_package_passes():
    assert check(_fake(CLEAN)) == {"cycles": [], "layers": [], "private": []}


def test_each_check_can_fail():
    bad = dict(CLEAN)
    # a cycle between two private modules, the second import inside a function
    bad["sciml/calculus/_a.py"] = "def f():\n    from sciml.calculus._b import g\n"
    # an upward import (core → capability) and a capability importing the catalog, as an attribute chain
    bad["sciml/results.py"] = "import sciml.calculus\n"
    bad["sciml/linalg/__init__.py"] = "from sciml.linalg._solve import solve\n"
    bad["sciml/linalg/_solve.py"] = "import sciml.problems\ndef solve(): sciml.problems.load()\n"
    # private names of another subpackage: an imported name, a module, an attribute chain, a literal import
    bad["sciml/pinn/_net.py"] = ("from sciml.calculus._a import f\nfrom sciml.calculus import _b as b\n"
                                 "import sciml.calculus as calc\ndef Net(): return calc._hidden, b.g\n"
                                 "import importlib\nimportlib.import_module('sciml.calculus._b')\n")
    # a submodule importing its own package's __init__ (no cycle closes: __init__ does not import it)
    bad["sciml/pinn/_loose.py"] = "from sciml.pinn import Net\n"
    # a module in no layer
    bad["sciml/misc.py"] = ""
    got = check(_fake(bad))
    cycles = "\n".join(got["cycles"])
    assert "import cycle sciml.calculus._a → sciml.calculus._b → sciml.calculus._a" in cycles
    assert "sciml/calculus/_a.py:2" in cycles and "sciml/calculus/_b.py:1" in cycles
    assert "sciml/pinn/_loose.py:1: sciml.pinn._loose imports sciml.pinn.Net from its own package's __init__" in cycles
    assert len(got["cycles"]) == 2
    layers = "\n".join(got["layers"])
    assert "sciml/results.py:1: sciml.results (core) imports sciml.calculus (capability)" in layers
    assert "sciml/linalg/_solve.py:1: sciml.linalg._solve (capability) imports sciml.problems (catalog)" in layers
    assert "sciml/linalg/_solve.py:2: sciml.linalg._solve (capability) imports sciml.problems.load" in layers
    assert "sciml/misc.py:1: 'misc' is in no layer" in layers
    private = "\n".join(got["private"])
    for line, ref in ((1, "sciml.calculus._a.f"), (2, "sciml.calculus._b"), (4, "sciml.calculus._hidden"),
                      (6, "sciml.calculus._b")):
        assert f"sciml/pinn/_net.py:{line}: sciml.pinn._net uses {ref}, private to sciml.calculus" in private
    assert len(got["private"]) == 4  # b.g is public; sciml._validation and same-package privates are allowed


def test_a_cycle_through_another_package_s_init_is_found():
    """calculus/_b imports pinn, whose __init__ imports pinn/_net, which imports calculus/_a: running
    calculus/_a first runs calculus/__init__ (an implicit edge), which imports calculus/_b — a cycle."""
    bad = dict(CLEAN)
    bad["sciml/calculus/_b.py"] = "from sciml.pinn import Net\ndef g(): pass\n"
    bad["sciml/pinn/_net.py"] = "from sciml.calculus._a import f\ndef Net(): pass\n"
    cycles = "\n".join(check(_fake(bad))["cycles"])
    assert "import cycle sciml.calculus → sciml.calculus._b → sciml.pinn → sciml.pinn._net → sciml.calculus" in cycles
