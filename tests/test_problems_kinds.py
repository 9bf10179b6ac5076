"""Kind names, their aliases and capabilities: files, catalog(), kind_class(), register() and ``--kind`` agree."""

import dataclasses
import io

import pytest

from sciml import problems
from sciml.cli import main
from sciml.problems._registry import catalog_dir

#: the kinds as a user names them, with their classes and the subpackage each exercises
TABLE = {
    "derivative": ("DerivativeProblem", "calculus"),
    "custom_function": ("CustomFunctionProblem", "calculus"),
    "corpus": ("CorpusProblem", "calculus"),
    "optimize": ("MinimizeProblem", "optimize"),
    "mgh": ("SuiteProblem", "optimize"),
    "linalg": ("LinalgProblem", "linalg"),
    "qp": ("QPProblem", "qp"),
    "signal": ("SpectrumProblem", "signal"),
    "bvp": ("BVPProblem", "pinn"),
    "ivp": ("IVPProblem", "pinn"),
    "learn": ("LearnProblem", "learn"),
}

QUARTIC = {"kind": "minimize", "title": "quartic", "fun": "x^4 - 3*x^3 + 2", "variables": ["x"], "x0": 0,
           "method": "gd", "exact_x": ["9/4"], "exact_fun": "-1675/256", "reference": {"exact": {"tol": 1e-9}}}


def listed(argv):
    out = io.StringIO()
    assert main(argv, out=out) == 0
    lines = out.getvalue().splitlines()
    return sorted(line.split()[0] for line in lines[2:] if line.strip() and not line.startswith(tuple("0123456789")))


def test_kinds_classes_and_capabilities():
    assert set(problems.KINDS) == set(TABLE)
    for kind, (name, capability) in TABLE.items():
        cls = problems.kind_class(kind)
        assert cls is getattr(problems, name) and cls.__name__ == name
        assert cls.kind == kind and cls.capability == capability
    expected = {}
    for kind in problems.KINDS:  # in the registry's order
        expected.setdefault(TABLE[kind][1], []).append(kind)
    assert problems.capabilities() == expected
    assert expected["calculus"] == ["derivative", "custom_function", "corpus"] and expected["pinn"] == ["bvp", "ivp"]


@pytest.mark.parametrize(("alias", "kind"), [("minimize", "optimize"), ("spectrum", "signal")])
def test_every_alias_maps_to_its_kind(alias, kind):
    assert problems.ALIASES[alias] == kind and problems.resolve_kind(alias) == kind
    assert problems.kind_class(alias) is problems.kind_class(kind)
    assert [p.name for p in problems.catalog(alias)] == [p.name for p in problems.catalog(kind)] != []
    # the alias names the kind; where the kind's name is also its capability's, the capability's kinds come too
    assert {p.kind for p in problems.catalog(alias)} == set(problems.capabilities().get(kind, [kind]))


def test_aliases_cover_the_old_names_only():
    assert set(problems.ALIASES) == {"minimize", "spectrum"}
    assert set(problems.ALIASES.values()) <= set(problems.KINDS)
    assert not set(problems.ALIASES) & set(problems.KINDS)


def test_alias_in_a_file_loads_the_new_kind(tmp_path):
    assert problems.from_dict(QUARTIC, name="q").kind == "optimize"
    path = tmp_path / "old.toml"
    path.write_text('kind = "spectrum"\nsignal = "sin(2*pi*5*t)"\nn_peaks = 1\nexact_freqs = [5]\n'
                    'exact_amplitudes = [1]\nt = {start = 0, stop = 1, num = 200}\n[reference.exact]\ntol = 1e-6\n')
    p = problems.load(str(path))
    assert isinstance(p, problems.SpectrumProblem) and p.kind == "signal"


def test_bundled_files_name_the_new_kinds():
    for name in problems.names():
        kind = problems.load(name).kind
        assert kind in problems.KINDS, (name, kind)
    folders = {"optimize": "optimize", "signal": "signal", "qp": "qp", "linalg": "linalg"}
    for folder, kind in folders.items():
        stems = sorted(e.name.removesuffix(".toml") for e in (catalog_dir() / folder).iterdir()
                       if e.name.endswith(".toml"))
        assert stems and stems == [p.name for p in problems.catalog(kind)]


def test_ivp_files_load_as_kind_ivp():
    ivps = sorted(e.name.removesuffix(".toml") for e in (catalog_dir() / "pinn").iterdir()
                  if e.name.startswith("ivp_") and e.name.endswith(".toml"))
    assert len(ivps) >= 5
    for name in ivps:
        p = problems.load(name)
        assert isinstance(p, problems.IVPProblem) and isinstance(p, problems.BVPProblem)
        assert p.kind == "ivp" and p.capability == "pinn" and p.bvp.is_ivp
        if "scipy" in p.tolerances:
            assert [r.label for r in p.references() if r.name == "scipy"] == ["scipy.integrate.solve_ivp"]
    assert {p.name for p in problems.catalog("ivp")} == set(ivps)
    assert set(ivps) < {p.name for p in problems.catalog("pinn")}
    assert not set(ivps) & {p.name for p in problems.catalog("bvp")}


def test_an_ivp_needs_initial_conditions():
    base = {"kind": "ivp", "equation": "u'' + u = 0", "domain": [0, 1], "reference": {"scipy": {"tol": 1e-6}}}
    assert problems.from_dict({**base, "conditions": ["u(0) = 0", "u'(0) = 1"]}).kind == "ivp"
    with pytest.raises(problems.ProblemFileError, match="an IVP has every condition at the left end"):
        problems.from_dict({**base, "conditions": ["u(0) = 0", "u(1) = 1"]}, source="bvp.toml")
    with pytest.raises(ValueError, match="an IVP has every condition at the left end"):
        problems.IVPProblem(equation="u'' + u = 0", domain=[0, 1], conditions=["u(0) = 0", "u(1) = 1"])


def test_capability_selects_every_kind_it_groups():
    calculus = problems.catalog("calculus")
    assert {p.kind for p in calculus} == {"derivative", "custom_function", "corpus"}
    assert {p.name for p in calculus} == {p.name for k in ("derivative", "custom_function", "corpus")
                                          for p in problems.catalog(k)}
    assert {p.kind for p in problems.catalog("pinn")} == {"bvp", "ivp"}
    assert all(p.capability == "optimize" for p in problems.catalog("optimize"))


def test_cli_kind_alias_and_capability_select_the_same_problems():
    optimize = listed(["list", "--kind", "optimize"])
    assert optimize == listed(["list", "--kind", "minimize"]) == [p.name for p in problems.catalog("optimize")]
    assert "seed_quartic" in optimize
    assert listed(["list", "--kind", "spectrum"]) == listed(["list", "--kind", "signal"]) != []
    calculus = listed(["list", "--kind", "calculus"])
    assert calculus == sorted(name for kind in ("derivative", "custom_function", "corpus")
                              for name in listed(["list", "--kind", kind]))


@pytest.mark.parametrize(("name", "suggestion"), [("optimise", "optimize"), ("lnalg", "linalg"),
                                                  ("calculs", "calculus"), ("spectra", "spectrum")])
def test_unknown_kind_lists_kinds_and_capabilities_with_a_suggestion(name, suggestion):
    with pytest.raises(problems.UnknownKindError) as info:
        problems.catalog(name)
    text = str(info.value)
    assert f"unknown kind {name!r}; did you mean {suggestion}" in text and suggestion in info.value.suggestions
    assert "optimize (alias minimize)" in text and "signal (alias spectrum)" in text
    assert "calculus (derivative, custom_function, corpus)" in text and "pinn (bvp, ivp)" in text
    assert isinstance(info.value, ValueError)


def test_unknown_kind_on_the_command_line(capsys):
    assert main(["list", "--kind", "optimise"], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "unknown kind 'optimise'; did you mean optimize?" in err and "Traceback" not in err


def test_kind_class_rejects_capabilities_and_unknown_names():
    with pytest.raises(problems.UnknownKindError, match=r"'pinn' is a capability, not a kind: .* bvp, ivp"):
        problems.kind_class("pinn")
    with pytest.raises(problems.UnknownKindError, match="unknown problem kind 'bpv'; did you mean bvp"):
        problems.kind_class("bpv")


def test_register_with_an_alias():
    p = problems.register(problems.from_dict(QUARTIC, name="test_alias_quartic"))
    try:
        assert p.kind == "optimize"
        for name in ("minimize", "optimize"):
            assert "test_alias_quartic" in [q.name for q in problems.catalog(name)]
        assert "test_alias_quartic" in listed(["list", "--kind", "minimize"])
    finally:
        problems.unregister("test_alias_quartic")


@dataclasses.dataclass(eq=False)
class OldStyle(problems.LinalgProblem):
    """A user's subclass written against the old names: kind "spectrum" (an alias of "signal")."""

    kind = "spectrum"


@dataclasses.dataclass(eq=False)
class NewKind(problems.LinalgProblem):
    """A user's own kind, in its own capability."""

    kind = "my_kind"
    capability = "my_capability"


def test_register_problems_of_alias_and_new_kinds():
    old = OldStyle(operation="inv", A=[[2.0]], exact=[[0.5]], tolerances={"exact": 1e-15}, name="test_old_style")
    new = NewKind(operation="inv", A=[[4.0]], exact=[[0.25]], tolerances={"exact": 1e-15}, name="test_new_kind")
    problems.register(old)
    problems.register(new)
    try:
        assert "test_old_style" in [p.name for p in problems.catalog("signal")]
        assert "test_old_style" in [p.name for p in problems.catalog("spectrum")]
        assert [p.name for p in problems.catalog("my_kind")] == ["test_new_kind"]
        assert [p.name for p in problems.catalog("my_capability")] == ["test_new_kind"]
        assert problems.verify_problem(problems.load("test_new_kind")).passed
    finally:
        problems.unregister("test_old_style")
        problems.unregister("test_new_kind")
    with pytest.raises(problems.UnknownKindError):
        problems.catalog("my_kind")
