"""The catalog core: file reading and its errors, the registry, and failure isolation in verify_problem."""

import dataclasses

import pytest

from sciml import problems
from sciml.problems import Problem, ProblemFileError, Spec
from sciml.problems._expressions import ExpressionError, parse, parse_number
from sciml.problems._linalg import LinalgProblem

SOLVE = {
    "kind": "linalg",
    "title": "t",
    "operation": "solve",
    "A": [[3, 1], [1, 2]],
    "b": [9, 8],
    "exact": [2, 3],
    "reference": {"exact": {"tol": 1e-14}},
}


def test_parse_exact_numbers_and_powers():
    assert parse_number("-1675/256") == -1675 / 256
    assert parse_number("(5 + sqrt(5))/2") == pytest.approx((5 + 5**0.5) / 2, rel=1e-16)
    assert str(parse("x^2 + y", symbols=["x", "y"])) == "x**2 + y"


@pytest.mark.parametrize("text", ["x +* 2", "sin(x", "x = = 1"])
def test_unparsable_expression_is_named(text):
    with pytest.raises(ExpressionError, match="cannot parse"):
        parse(text, where="f.toml: key 'expr'")


def test_undeclared_symbol_is_named():
    with pytest.raises(ExpressionError, match="uses z"):
        parse("x + z", symbols=["x"])


def test_every_catalog_file_loads_and_names_are_unique():
    names = problems.names()
    assert len(names) == len(set(names)) >= 4
    for name in names:
        p = problems.load(name)
        assert p.name == name and p.kind in problems.KINDS and p.title and p.tolerances
        assert p.statement()


def test_unknown_name_suggests_nearest():
    with pytest.raises(problems.UnknownProblemError) as info:
        problems.load("seed_linalg_sovle")
    assert "seed_linalg_solve" in info.value.suggestions


def test_from_dict_builds_and_verifies():
    p = problems.from_dict(SOLVE, name="mine")
    assert isinstance(p, LinalgProblem)
    v = problems.verify_problem(p)
    assert v.passed and v.comparisons[0].error <= 1e-14


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"kind": "nosuch"}, "kind", "unknown problem kind 'nosuch'"),
        ({"kind": "linalgg"}, "kind", "did you mean linalg"),
        ({"kind": "calculus"}, "kind", "is a capability, not a kind"),
        ({"A": "not a list"}, "A", "must be a list"),
        ({"A": [[1, 2], [3]]}, "A", "different lengths"),
        ({"b": ["1/0 +"]}, "b", "cannot parse"),
        ({"reference": {"exact": {}}}, "reference.exact.tol", "missing"),
        ({"reference": {"exact": {"tol": 0}}}, "reference.exact.tol", "must be a positive"),
        ({"reference": {"oracle": {"tol": 1}}}, "reference.oracle", "no such reference"),
        ({"reference": {}}, "reference", "empty"),
        ({"operation": "det"}, "operation", "must be one of"),
        ({"tolerance": 1e-3}, "tolerance", "unknown key .tolerance. \\(the keys here are A, B, b, "),
    ],
)
def test_malformed_table_names_key_and_problem(change, key, message):
    data = {**SOLVE, **change}
    with pytest.raises(ProblemFileError, match=message) as info:
        problems.from_dict(data, source="my.toml")
    assert f"'{key}'" in str(info.value) and "my.toml" in str(info.value)


def test_missing_reference_table():
    data = {k: v for k, v in SOLVE.items() if k != "reference"}
    with pytest.raises(ProblemFileError, match=r"'reference'.*at least one"):
        problems.from_dict(data)


def test_load_file_and_toml_errors(tmp_path):
    good = tmp_path / "mine.toml"
    good.write_text('kind = "linalg"\noperation = "inv"\nA = [[2, 0], [0, 4]]\nexact = [["1/2", 0], [0, "1/4"]]\n'
                    "[reference.exact]\ntol = 1e-15\n")
    p = problems.load(str(good))
    assert p.name == "mine" and problems.verify_problem(p).passed
    bad = tmp_path / "bad.toml"
    bad.write_text("kind = \n")
    with pytest.raises(ProblemFileError, match=r"bad\.toml: not valid TOML"):
        problems.load(str(bad))
    with pytest.raises(ProblemFileError, match="cannot read"):
        problems.load_file(tmp_path / "missing.toml")


def test_register_python_problem():
    p = LinalgProblem(operation="eigvals", A=[[2, 0], [0, 3]], exact=[2, 3], tolerances={"exact": 1e-15},
                      name="test_registered_diag", title="diag")
    problems.register(p)
    try:
        assert "test_registered_diag" in problems.names() and problems.load("test_registered_diag") is p
        with pytest.raises(ValueError, match="exists already"):
            problems.register(p)
        assert problems.register(p, replace=True) is p
    finally:
        problems.unregister("test_registered_diag")
    assert "test_registered_diag" not in problems.names()
    with pytest.raises(ValueError, match="no reference 'sympy'"):
        LinalgProblem(operation="eigvals", A=[[1]], tolerances={"sympy": 1.0})


@dataclasses.dataclass(eq=False)
class _Broken(Problem):
    kind = "linalg"
    reference_labels = {"exact": "closed form", "scipy": "scipy"}
    crash_in: str = "solve"

    def statement(self):
        return "broken on purpose"

    def solve(self, **options):
        if self.crash_in == "solve":
            raise RuntimeError("boom")
        return 1.0

    def references(self):
        def bad(result):
            raise ZeroDivisionError("ref boom")

        return [self._reference("exact", lambda r: 0.0), self._reference("scipy", bad)]

    @classmethod
    def from_spec(cls, spec, **common):
        raise NotImplementedError


def test_crashing_solver_is_recorded_not_raised():
    v = problems.verify_problem(_Broken(name="b", tolerances={"exact": 1.0}))
    assert not v.passed and "RuntimeError: boom" in v.error and v.comparisons == []


def test_crashing_reference_fails_only_that_row():
    v = problems.verify_problem(_Broken(name="b", crash_in="", tolerances={"exact": 1.0, "scipy": 1.0}))
    assert [c.passed for c in v.comparisons] == [True, False]
    assert "ZeroDivisionError" in v.comparisons[1].note and not v.passed


def test_wrong_exact_answer_fails():
    p = problems.from_dict({**SOLVE, "exact": [2, 3.001]})
    v = problems.verify_problem(p)
    assert not v.passed and v.comparisons[0].error == pytest.approx(1e-3)


def test_spec_accessors_report_nested_keys():
    spec = Spec({"t": {"num": "x"}}, "f.toml")
    with pytest.raises(ProblemFileError, match=r"f.toml: key 't.num'.*must be a constant"):
        spec.table("t").number("num")


@pytest.mark.parametrize(("read", "message"), [
    (lambda s: s.int("flag"), "key 'flag': must be an integer, got .*True"),
    (lambda s: s.int("n", low=5), "key 'n': must be an integer >= 5, got .*3"),
    (lambda s: s.int("x"), r"key 'x': must be an integer, got .*2\.5"),
    (lambda s: s.bool("n"), "key 'n': must be True or False, got .*3"),
    (lambda s: s.positive("neg"), "key 'neg': must be a positive finite number"),
    (lambda s: s.number("neg", low=0), "key 'neg': must be a non-negative finite number"),
    (lambda s: s.choice("name", ["grad", "hessian"]), r"key 'name': must be one of 'grad', 'hessian', got 'gard'; "
                                                      r"did you mean 'grad'\?"),
    (lambda s: s.strings("names"), "key 'names': must be a non-empty list of strings, got list"),
    (lambda s: s.strings("dup", distinct=True), "key 'dup': must be distinct"),
    (lambda s: s.str_or_list("n"), "key 'n': must be a string or a list of strings, got int 3"),
    (lambda s: s.constants("mixed"), r"key 'mixed'\[1\]: 'y' must be a constant"),
    (lambda s: s.table("t").int("missing"), "key 't.missing': is required but missing"),
])
def test_spec_validators_name_file_and_key(read, message):
    spec = Spec({"flag": True, "n": 3, "x": 2.5, "neg": "-1/2", "name": "gard", "names": ["a", 1],
                 "dup": ["a", "a"], "mixed": ["1/2", "y"], "t": {}}, "f.toml")
    with pytest.raises(ProblemFileError, match=f"^f.toml: {message}"):
        read(spec)


def test_spec_validators_return_the_values():
    spec = Spec({"n": 3, "on": False, "tol": "1/100", "op": "HESSIAN", "at": ["pi/6", 2], "A": [[1, "1/2"]],
                 "e": 2, "opts": {"lr": 0.1}}, "f.toml")
    assert spec.int("n", low=1) == 3 and spec.bool("on") is False and spec.positive("tol") == 0.01
    assert spec.choice("op", ["grad", "hessian"]) == "hessian"  # any letter case, returned as listed
    assert spec.constants("at", length=2) == ["pi/6", 2]  # kept as written, for SymPy
    assert spec.array("A") == [[1.0, 0.5]] and spec.array("e") == 2.0 and spec.array("x", None) is None
    assert spec.mapping("opts") == {"lr": 0.1} and spec.mapping("absent") == {}
    assert spec.int("absent", None) is None and spec.strings("absent", None) is None
    spec.check_unused()
