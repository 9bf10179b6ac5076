"""sciml.expressions: maths text parses as before, and text that is not mathematics is refused before it runs.

Every entry point that reads maths text — :func:`sciml.expressions.parse`, :func:`sciml.calculus.to_torch`,
:class:`sciml.pinn.BVP`, problem files through :func:`sciml.problems.load` and ``sciml show`` — is fed the
classic escapes from ``eval``-based parsers. The sentinels would create a file if they ran (a test checks that
they do under plain :func:`sympy.parse_expr`), and the file must not appear.
"""

import json

import pytest
import sympy
import torch

from sciml import problems
from sciml.calculus import to_torch
from sciml.cli import main
from sciml.expressions import ExpressionError, parse, parse_number
from sciml.pinn import BVP

x, y, z = sympy.symbols("x y z")
u = sympy.Function("u")


def _chars(text: str) -> str:
    """``text`` spelt without quotes, as ``chr(..)+chr(..)``: a payload that survives pinn's prime handling."""
    return "+".join(f"chr({ord(c)})" for c in text)


# -- valid mathematics ------------------------------------------------------------------------------------

VALID = [
    ("x^2*y + y + 2", x**2 * y + y + 2),
    ("x**2*y + y + 2", x**2 * y + y + 2),
    ("atan2(y, x) * Max(x, 1)", sympy.atan2(y, x) * sympy.Max(x, 1)),
    ("Piecewise((x, x > 0), (0, True))", sympy.Piecewise((x, x > 0), (0, True))),
    ("Piecewise((x, (x > 0) & (y < 1)), (0, True))", sympy.Piecewise((x, sympy.And(x > 0, y < 1)), (0, True))),
    ("exp(2)", sympy.exp(2)),
    ("-1675/256", sympy.Rational(-1675, 256)),
    ("(5 + sqrt(5))/2", (5 + sympy.sqrt(5)) / 2),
    ("besselj(0, x)", sympy.besselj(0, x)),
    ("Heaviside(x)", sympy.Heaviside(x)),
    ("E", sympy.E),
    ("pi/2", sympy.pi / 2),
    ("oo", sympy.oo),
    ("2*I + 1", 1 + 2 * sympy.I),
    ("x > 0", x > 0),
    ("Eq(x, 1)", sympy.Eq(x, 1)),
    ("abs(x) + max(x, y) + min(x, 2) + pow(x, 3)", sympy.Abs(x) + sympy.Max(x, y) + sympy.Min(x, 2) + x**3),
    ("sin(x)**2 + cos(x)**2", sympy.sin(x) ** 2 + sympy.cos(x) ** 2),
    ("log(x, 2) + ln(y)", sympy.log(x, 2) + sympy.log(y)),
    ("erf(x/(2*sqrt(y)))", sympy.erf(x / (2 * sympy.sqrt(y)))),
    ("Mod(x, 3) + x % 2 + x // 2", sympy.Mod(x, 3) + sympy.Mod(x, 2) + sympy.floor(x / 2)),
    ("1.5*x + 1e-3", sympy.Float("1.5") * x + sympy.Float("1e-3")),
    ("f(x) + 1", sympy.Function("f")(x) + 1),
    ("u__d2 + u__d0", sympy.Symbol("u__d2") + sympy.Symbol("u__d0")),
    ("Integer(2)/Rational(1, 3)", sympy.Integer(6)),
    ("diff(x**3, x) + sqrt(x)", 3 * x**2 + sympy.sqrt(x)),
    (3, sympy.Integer(3)),
    (2.5, sympy.Float(2.5)),
    (x + 1, x + 1),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[str(t) for t, _ in VALID])
def test_valid_mathematics_parses_as_sympy_does(text, expected):
    assert parse(text) == expected


def test_local_dict_supplies_functions_and_symbols_and_is_not_modified():
    k = sympy.Symbol("k", positive=True)
    local = {"u": u, "k": k}
    expr = parse("Derivative(u(x), (x, 2)) + k*u(x)", local_dict=local)
    assert expr == sympy.Derivative(u(x), (x, 2)) + k * u(x)
    assert expr.has(k) and local == {"u": u, "k": k}


def test_symbols_restrict_free_symbols_and_may_be_builtin_names():
    assert parse("x + z", symbols=["x", "z"]) == x + z
    with pytest.raises(ExpressionError, match=r"f\.toml: key 'expr': 'x \+ z' uses z"):
        parse("x + z", where="f.toml: key 'expr'", symbols=["x"])
    assert parse("id + 1", symbols=["id"]) == sympy.Symbol("id") + 1  # a declared variable called id
    with pytest.raises(ExpressionError, match="'id' is a Python builtin"):
        parse("id + 1")


def test_parse_number():
    assert parse_number("-1675/256") == -1675 / 256
    assert parse_number("(5 + sqrt(5))/2") == pytest.approx((5 + 5**0.5) / 2, rel=1e-16)
    assert parse_number("exp(2)") == pytest.approx(7.38905609893065, rel=1e-15)
    with pytest.raises(ExpressionError, match="must be a constant"):
        parse_number("x + 1")
    with pytest.raises(ExpressionError, match="is not real"):
        parse_number("sqrt(-1)")
    with pytest.raises(ExpressionError, match=r"at\[0\]: refused"):
        parse_number("open('f')", where="at[0]")


@pytest.mark.parametrize("text", ["x +* 2", "sin(x", "x = = 1", "import os", "*x", "x\0"])
def test_unparsable_text_is_named(text):
    with pytest.raises(ExpressionError, match="where: SymPy cannot parse"):
        parse(text, where="where")


@pytest.mark.parametrize("text", [None, True, [1, 2], {"x": 1}])
def test_non_text_is_refused(text):
    with pytest.raises(ExpressionError, match="expected a string or a number"):
        parse(text)


def test_every_catalog_problem_still_parses():
    for name in problems.names():
        problems.load(name).statement()


# -- text that is not mathematics ---------------------------------------------------------------------------

REFUSED = [
    ("__import__('os').system('id')", "'__import__' starts with '_'"),
    ("().__class__.__bases__[0].__subclasses__()", r"attribute access \('\.__class__'\)"),
    ("x.__class__", r"attribute access \('\.__class__'\) is not mathematics"),
    ("getattr(x, 'y')", "'getattr' is a Python builtin, not mathematics"),
    ("eval('1')", "'eval' is a Python builtin"),
    ("exec('1')", "'exec' is a Python builtin"),
    ("open('f')", "'open' is a Python builtin"),
    ("globals()", "'globals' is a Python builtin"),
    ("compile(x, x, x)", "'compile' is a Python builtin"),
    ("lambda: 1", "lambda is not mathematics"),
    ("[i for i in range(3)]", "comprehensions are not mathematics"),
    ("sum(i for i in (1, 2))", "comprehensions are not mathematics"),
    ("{1: 2}", r"dicts \('\{\.\.\.\}'\) are not mathematics"),
    ("{1, 2}", "sets"),
    ("[1, 2]", "lists"),
    ("f'{x}'", "f-strings are not mathematics"),
    ("'abc'", r"strings \('abc'\) are not mathematics"),
    ("b'abc'", "strings"),
    ("x[0]", r"indexing \('x\[\.\.\.\]'\) is not mathematics"),
    ("(y := 1)", r"assignment \(':='\) is not mathematics"),
    ("x if y else z", "'a if c else b' is not mathematics; write Piecewise"),
    ("f(*x)", r"'\*' unpacking is not mathematics"),
    ("sympy.sin(x)", r"attribute access \('\.sin'\) is not mathematics"),
    ("sin(x, evaluate=False)", "keyword arguments"),
    ("f(x)(y)", "only named functions can be called"),
    ("_x + 1", "'_x' starts with '_'"),
    ("x is y", "the operator 'is' is not mathematics"),
    ("x in y", "the operator 'in' is not mathematics"),
    ("x << 2", "the operator '<<' is not mathematics"),
    ("None", "None is not mathematics"),
    ("sympify(x)", "'sympify' is a SymPy tool"),
    ("lambdify(x, x)", "'lambdify' is a SymPy tool"),
    ("srepr(x)", "'srepr' is a SymPy tool"),
    ("test()", "'test' is a SymPy tool"),
    ("preview(x)", "'preview' is a SymPy tool"),
]


@pytest.mark.parametrize(("text", "match"), REFUSED, ids=[t for t, _ in REFUSED])
def test_what_is_not_mathematics_is_refused_and_named(text, match):
    with pytest.raises(ExpressionError, match=match) as info:
        parse(text, where="f.toml: key 'expr'")
    assert str(info.value).startswith(f"f.toml: key 'expr': refused {text!r}: ")


@pytest.mark.parametrize(("text", "match"), REFUSED[:23], ids=[t for t, _ in REFUSED[:23]])
def test_to_torch_refuses_the_same(text, match):
    with pytest.raises(ExpressionError, match=match):
        to_torch(text, ["x"])


def test_several_offences_are_listed_in_reading_order():
    with pytest.raises(ExpressionError) as info:
        parse("open(x).__class__[0] + eval(y) + 'a'")
    message = str(info.value)
    assert message.index("'open'") < message.index("attribute access") < message.index("indexing")
    assert message.endswith("; ...")  # at most three reasons, then an ellipsis


# -- sentinels: the escapes would run under plain SymPy, and do not run through sciml -------------------------

def _sentinels(target) -> dict[str, str]:
    """Payloads, each creating the file ``target`` when evaluated as Python; spelt without quotes."""
    touch = f"open({_chars(str(target))}, chr(119)).close()"
    code = _chars(f"open({str(target)!r}, 'w').close()")
    return {
        "open": f"{touch} or x",
        "__import__": f"__import__({_chars('pathlib')}).Path({_chars(str(target))}).touch() or x",
        "exec": f"exec({code}) or x",
        "eval": f"eval({code}) or x",
        "getattr": f"getattr(__import__({_chars('pathlib')}).Path({_chars(str(target))}), {_chars('touch')})() or x",
        "comprehension": f"(x, [{touch} for open in (open,)])",
        "lambda": f"(lambda: {touch})() or x",
        "ifexp": f"x if {touch} else x",
        "walrus": f"(open := {touch}) or x",
        "subscript": f"({touch}, x)[1]",
    }


def test_the_sentinels_are_live_under_plain_sympy(tmp_path):
    """Without the check, each payload runs: the file appears (so the other sentinel tests mean something)."""
    for name, payload in _sentinels(tmp_path / "live").items():
        target = tmp_path / "live"
        target.unlink(missing_ok=True)
        try:
            sympy.parse_expr(payload)
        except Exception:  # the payload has run by the time SymPy objects to what it returned
            pass
        assert target.exists(), name


@pytest.fixture
def sentinels(tmp_path):
    target = tmp_path / "pwned"
    yield _sentinels(target)
    assert not target.exists(), "a payload ran"


def test_parse_runs_no_payload(sentinels):
    for payload in sentinels.values():
        with pytest.raises(ExpressionError, match="refused"):
            parse(payload)


def test_to_torch_runs_no_payload(sentinels):
    for payload in sentinels.values():
        with pytest.raises(ExpressionError, match="refused"):
            to_torch(payload, ["x"])
    assert to_torch("x**2", ["x"])(torch.tensor(3.0, dtype=torch.float64)).item() == 9.0


def test_pinn_runs_no_payload(sentinels):
    for name, payload in sentinels.items():
        if name == "walrus":  # ':=' splits the equation at its '=' first: "must be one equation"
            continue
        for equation, conditions in ((f"u'' + u = {payload}", ["u(0) = 0", "u(1) = 0"]),
                                     ("u'' + u = 0", ["u(0) = 0", f"u(1) = {payload}"])):
            with pytest.raises(ExpressionError, match=r"(equations|conditions)\[\d\]: refused"):
                BVP(equation, domain=(0, 1), conditions=conditions)
    with pytest.raises(ExpressionError, match=r"exact\['u'\]: refused"):
        BVP("u'' + u = 0", domain=(0, 1), conditions=["u(0) = 0", "u(1) = 0"], exact=sentinels["open"])


def test_pinn_names_the_text_as_written():
    with pytest.raises(ExpressionError, match=r"""equations\[0\]: refused "u'' \+ u\.__class__ ": attribute"""):
        BVP("u'' + u.__class__ = 0", domain=(0, 1), conditions=["u(0) = 0", "u(1) = 0"])
    with pytest.raises(ValueError, match=r"equations\[0\].*cannot parse"):  # still a ValueError
        BVP("u'' + = 0", domain=(0, 1), conditions=["u(0) = 0", "u(1) = 0"])


def _problem_file(tmp_path, expr: str):
    path = tmp_path / "bad.toml"
    path.write_text(
        'kind = "derivative"\ntitle = "bad"\n'
        f"expr = {json.dumps(expr)}\n"  # a JSON string is a TOML basic string
        'variables = ["x", "y"]\nat = [2, 3]\noperation = "grad"\nexact = [12, 5]\n\n'
        "[reference.exact]\ntol = 1e-12\n",
        encoding="utf-8",
    )
    return path


def test_problem_file_runs_no_payload(tmp_path, sentinels, capsys):
    assert problems.load(_problem_file(tmp_path, "x**2*y + y + 2")).name == "bad"  # the file itself is fine
    for payload in sentinels.values():
        path = _problem_file(tmp_path, payload)
        with pytest.raises(ValueError, match=r"bad\.toml: key 'expr': refused"):
            problems.load(path)
        assert main(["show", str(path)]) == 2
        err = capsys.readouterr().err
        assert "refused" in err and "not mathematics" in err and "Traceback" not in err


def test_problem_file_escapes_are_named_by_the_cli(tmp_path, capsys):
    path = _problem_file(tmp_path, "__import__('os').system('id')")
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: key 'expr': refused" in err and "'__import__' starts with '_'" in err
