"""The catalog: problem kinds, the bundled problem files, problems registered from Python, and lookup."""

from __future__ import annotations

import copy
import difflib
import functools
import importlib
import importlib.resources
import json
from pathlib import Path

from sciml._validation import check_choice
from sciml.problems._base import TIERS, Problem
from sciml.problems._spec import ProblemFileError, Spec, did_you_mean

#: kind name -> "module:Class"; imported on first use so that listing kinds stays cheap. Each class names its
#: ``capability``, the subpackage it exercises, by which ``catalog`` and ``--kind`` select too.
KINDS: dict[str, str] = {
    "derivative": "sciml.problems._derivative:DerivativeProblem",
    "custom_function": "sciml.problems._custom_function:CustomFunctionProblem",
    "corpus": "sciml.problems._corpus:CorpusProblem",
    "optimize": "sciml.problems._optimize:MinimizeProblem",
    "mgh": "sciml.problems._suite:SuiteProblem",
    "linalg": "sciml.problems._linalg:LinalgProblem",
    "qp": "sciml.problems._qp:QPProblem",
    "signal": "sciml.problems._signal:SpectrumProblem",
    "bvp": "sciml.problems._bvp:BVPProblem",
    "ivp": "sciml.problems._ivp:IVPProblem",
    "learn": "sciml.problems._learn:LearnProblem",
}

#: earlier kind names, accepted wherever a kind is named (files, ``--kind``, :func:`catalog`, :func:`kind_class`)
ALIASES: dict[str, str] = {"minimize": "optimize", "spectrum": "signal"}

_registered: dict[str, Problem] = {}


class UnknownProblemError(LookupError):
    """No problem of that name; ``suggestions`` holds the nearest names."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no problem named {name!r} in the catalog{hint} (see `sciml list`)")

    def __str__(self) -> str:
        return self.args[0]


class UnknownKindError(ValueError):
    """No kind, alias or capability of that name; ``suggestions`` holds the nearest names."""

    def __init__(self, message: str, suggestions: list[str]):
        self.suggestions = suggestions
        super().__init__(message)


def _unknown(name: str, what: str, candidates, *, capabilities_too: bool) -> UnknownKindError:
    """The error for an unknown ``name``: the nearest names first, then every valid one."""
    aliased = {k: [a for a, target in ALIASES.items() if target == k] for k in KINDS}
    kinds = [f"{k} (alias {a[0]})" if a else k for k, a in sorted(aliased.items())]
    valid = f"choose a kind: {', '.join(kinds)}"
    if capabilities_too:  # those that group several kinds first
        caps = sorted(capabilities().items(), key=lambda item: (item[1] == [item[0]], item[0]))
        listed = [c if ks == [c] else f"{c} ({', '.join(ks)})" for c, ks in caps]
        valid += f"; or a capability: {', '.join(listed)}"
    suggestions = difflib.get_close_matches(str(name), sorted(candidates), n=3)
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    return UnknownKindError(f"unknown {what} {name!r}{hint} ({valid})", suggestions)


def resolve_kind(name: str) -> str:
    """The kind ``name`` stands for: a kind of :data:`KINDS`, or one of its :data:`ALIASES`.

    >>> resolve_kind("minimize")
    'optimize'
    """
    if name in KINDS:
        return name
    if name in ALIASES:
        return ALIASES[name]
    caps = capabilities()
    if name in caps:
        raise UnknownKindError(f"{name!r} is a capability, not a kind: name one of its kinds "
                               f"{', '.join(caps[name])}", caps[name])
    raise _unknown(name, "problem kind", [*KINDS, *ALIASES], capabilities_too=False)


def kind_class(kind: str) -> type[Problem]:
    """The :class:`Problem` subclass for ``kind`` (a kind or an alias)."""
    module, cls = KINDS[resolve_kind(kind)].split(":")
    return getattr(importlib.import_module(module), cls)


def capabilities() -> dict[str, list[str]]:
    """Each capability (the sciml subpackage a kind exercises) with its kinds, from the kind classes.

    >>> capabilities()["pinn"]
    ['bvp', 'ivp']
    """
    out: dict[str, list[str]] = {}
    for kind in KINDS:
        out.setdefault(kind_class(kind).capability, []).append(kind)
    return out


def catalog_dir():
    """The folder of bundled problem files (``problems/`` in the source tree, ``sciml/catalog`` installed)."""
    try:
        return importlib.resources.files("sciml.catalog")
    except ModuleNotFoundError:  # imported from a source checkout, not through the installed mapping
        return Path(__file__).resolve().parents[2] / "problems"


def _bundled_files() -> dict[str, object]:
    files = {}
    stack = [catalog_dir()]
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.name.startswith(("_", ".")):
                stack.append(entry)
            elif entry.name.endswith(".toml"):
                files[entry.name.removesuffix(".toml")] = entry
    return files


@functools.cache
def _recorded_costs() -> dict[str, float]:
    """Seconds each bundled problem took when last measured (``problems/costs.json``; empty if absent)."""
    try:
        return dict(json.loads((catalog_dir() / "costs.json").read_text(encoding="utf-8"))["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def expected_seconds(problem: Problem) -> float:
    """What ``problem`` is expected to take: its recorded cost (a sweep's variant, its base problem's), else a
    guess from its tier. Used to start the longest problems first when several workers share a run."""
    recorded = _recorded_costs().get(problem.name.split("[", 1)[0])
    if recorded is not None:
        return recorded
    return 10.0 if problem.tier == "full" else 0.5


def from_dict(data: dict, *, source: str = "<dict>", name: str | None = None) -> Problem:
    """Build a problem from a table with the file format's keys (see ``problems/README.md``)."""
    spec = Spec(data, source)
    try:
        kind = resolve_kind(spec.str("kind"))
    except UnknownKindError as exc:
        raise spec.error("kind", str(exc)) from None
    cls = kind_class(kind)
    common = {
        "name": spec.str("name", name or ""),
        "title": spec.str("title", ""),
        "description": spec.str("description", ""),
        "tier": spec.choice("tier", TIERS, "quick"),
    }
    spec.str("source", "")  # provenance, for readers of the file
    refs = spec.table("reference", None)
    if refs is None:
        spec.check_misspelt()  # [refrence.exact]
        raise spec.error("reference", f"is required: give at least one of {sorted(cls.reference_labels)}")
    tolerances = {}
    for key in refs.data:
        if key not in cls.reference_labels:
            hint = did_you_mean(key, cls.reference_labels, 0.8)
            raise refs.error(key, f"{kind} problems have no such reference{hint} (choose from "
                                  f"{', '.join(sorted(cls.reference_labels))})")
        ref = refs.table(key)
        tolerances[key] = ref.positive("tol")
        ref.check_unused()
    if not tolerances:
        raise spec.error("reference", "is empty: give at least one reference with its tol")
    common["tolerances"] = tolerances
    try:
        problem = cls.from_spec(spec, **common)
    except ProblemFileError:
        raise
    except (ValueError, TypeError) as exc:
        raise spec.explain(exc) from None
    spec.check_unused()
    problem.spec_data = copy.deepcopy(spec.data)
    return problem


def load_file(path) -> Problem:
    """Read one problem file (TOML). The problem's name defaults to the file's stem."""
    spec = Spec.from_file(path)
    return from_dict(spec.data, source=spec.source, name=Path(str(path)).stem)


def _load_bundled(name: str, entry) -> Problem:
    source = str(entry) if isinstance(entry, Path) else f"sciml/catalog/{entry.name}"
    spec = Spec.from_text(entry.read_text(encoding="utf-8"), source)
    return from_dict(spec.data, source=source, name=name)


def register(problem: Problem, *, replace: bool = False) -> Problem:
    """Add a problem built in Python to the registry so that :func:`load` and ``names()`` see it."""
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a sciml.problems.Problem, got {type(problem).__name__}")
    if not problem.name:
        raise ValueError("problem.name is empty: give the problem a name before registering it")
    if not replace and (problem.name in _registered or problem.name in _bundled_files()):
        raise ValueError(f"a problem named {problem.name!r} exists already; pass replace=True to override")
    _registered[problem.name] = problem
    return problem


def unregister(name: str) -> None:
    """Remove a problem added with :func:`register` (bundled files cannot be removed)."""
    if name not in _registered:
        raise ValueError(f"no registered problem named {name!r}; registered: {sorted(_registered)}")
    del _registered[name]


def names() -> list[str]:
    """All problem names: bundled files and problems registered from Python, sorted."""
    return sorted({*_bundled_files(), *_registered})


def load(name_or_path) -> Problem:
    """A problem by catalog name, or from a path to a problem file.

    >>> load("seed_linalg_solve").kind
    'linalg'
    """
    text = str(name_or_path)
    if text in _registered:
        return _registered[text]
    files = _bundled_files()
    if text in files:
        return _load_bundled(text, files[text])
    if text.endswith(".toml") or Path(text).is_file():
        return load_file(text)
    raise UnknownProblemError(text, difflib.get_close_matches(text, names(), n=3, cutoff=0.4))


def _selector(name: str):
    """A test ``problem -> bool`` for a kind, an alias or a capability (also of registered problems)."""
    kind = ALIASES.get(name, name)
    registered = [(ALIASES.get(p.kind, p.kind), p.capability) for p in _registered.values()]
    known = {*KINDS, *capabilities(), *(k for pair in registered for k in pair if k)}
    if kind not in known:
        raise _unknown(name, "kind", {*known, *ALIASES}, capabilities_too=True)
    return lambda p: ALIASES.get(p.kind, p.kind) == kind or p.capability == kind


def catalog(kind: str | None = None, *, tier: str | None = None) -> list[Problem]:
    """Every problem of the catalog, sorted by name; with ``kind``, those of that kind, alias or capability;
    with ``tier``, those of that cost tier (``"quick"``: what ``sciml verify`` runs by default).

    >>> sorted({p.kind for p in catalog("calculus")})
    ['corpus', 'custom_function', 'derivative']
    >>> {p.tier for p in catalog("linalg", tier="quick")}
    {'quick'}
    """
    selected = (lambda p: True) if kind is None else _selector(kind)
    if tier is not None:
        check_choice(tier, "tier", TIERS)
    return [p for p in (load(n) for n in names()) if selected(p) and (tier is None or p.tier == tier)]
