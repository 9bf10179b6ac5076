"""Problem files explain themselves: a misspelt key is named with the key it was meant to be, a parse error
names the file's own key (``equation``, not the Python argument ``equations[0]``), and the statement's
messages read as plain English. Each case checks the exact words, through ``sciml show`` (exit code 2,
one line naming the file) and through :func:`sciml.problems.load`.
"""

import pytest

from sciml.problems import ProblemFileError, load

_BVP = 'kind = "bvp"\ntitle = "t"\ndomain = [0, 2]\n'
_EQ = _BVP + 'equation = "y\'\' + y = 0"\n'
_SCIPY = '[reference.scipy]\ntol = 1e-6\n'
_SIGNAL = 'kind = "signal"\ntitle = "t"\nsignal = "sin(2*pi*5*t)"\nn_peaks = 1\n'

#: file text -> the exact words of its one-line message (after "FILE: ")
FILES = {
    "a misspelt required key": (
        _EQ + 'conditons = ["y(0) = 0", "y(2) = 1"]\n' + _SCIPY,
        "unknown key 'conditons'; did you mean 'conditions'? ('conditions' is required)"),
    "a misspelt optional key": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = 1"]\nexakt = "sin(x)/sin(2)"\n' + _SCIPY,
        "unknown key 'exakt'; did you mean 'exact'?"),
    "a misspelt optional key that a reference needs": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = 1"]\nexakt = "sin(x)/sin(2)"\n[reference.exact]\ntol = 1e-6\n',
        "unknown key 'exakt'; did you mean 'exact'?"),
    "a misspelt kind key": ('knd = "bvp"\n', "unknown key 'knd'; did you mean 'kind'? ('kind' is required)"),
    "a misspelt reference table": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = 1"]\n[refrence.scipy]\ntol = 1e-6\n',
        "unknown key 'refrence'; did you mean 'reference'?"),
    "a misspelt tol": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = 1"]\n[reference.scipy]\ntoll = 1e-6\n',
        "unknown key 'reference.scipy.toll'; did you mean 'tol'? ('tol' is required)"),
    "a misspelt reference name": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = 1"]\n[reference.scipi]\ntol = 1e-6\n',
        "key 'reference.scipi': bvp problems have no such reference; did you mean 'scipy'? "
        "(choose from exact, scipy, sympy, unknowns)"),
    "a reference the kind lacks is not 'corrected' to another": (
        'kind = "derivative"\ntitle = "t"\noperation = "grad"\nexpr = "x*y"\nvariables = ["x", "y"]\n'
        'at = [1, 2]\n' + _SCIPY,
        "key 'reference.scipy': derivative problems have no such reference (choose from exact, sympy)"),
    "a misspelt solver option": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = 1"]\n[solver]\nn_point = 50\n' + _SCIPY,
        "key 'solver': unknown option 'n_point'; did you mean 'n_points'? (the options are atol, "),
    "a misspelt key in a nested table": (
        _SIGNAL + 't = { start = 0, stop = 1, nun = 100 }\n' + _SCIPY,
        "unknown key 't.nun'; did you mean 'num'? ('num' is required)"),
    "an unknown key near nothing lists the keys": (
        _SIGNAL + 't = { start = 0, stop = 1, num = 100, step = 0.01 }\n' + _SCIPY,
        "unknown key 't.step' (the keys here are num, start, stop)"),
    "a misspelt key of sampled data": (
        _EQ + 'conditions = ["y(0) = 0"]\n[data]\nsolution = "sin(x)"\nn = 10\nnoice = 0.1\nseed = 1\n' + _SCIPY,
        "unknown key 'data.noice'; did you mean 'noise'?"),
    "a misspelt key of observed data": (
        _EQ + 'conditions = ["y(0) = 0"]\n[data]\nx = [1]\nyy = [1]\n' + _SCIPY,
        "unknown key 'data.yy' (the keys here are u, x)"),
    "an equation that does not parse": (
        _BVP + 'equation = "y\'\' + y = (0"\nconditions = ["y(0) = 0", "y(2) = 1"]\n' + _SCIPY,
        "key 'equation' = \"y'' + y = (0\": SymPy cannot parse ' (0' (SyntaxError: '(' was never closed)"),
    "one equation of a system that does not parse": (
        _BVP + 'equation = ["u\' = v", "v\' = -u +"]\nconditions = ["u(0) = 0", "v(2) = 1"]\n' + _SCIPY,
        "key 'equation' (entry 2 of 2) = \"v' = -u +\": SymPy cannot parse ' -u +'"),
    "a condition that does not parse": (
        _EQ + 'conditions = ["y(0) = (0", "y(2) = 1"]\n' + _SCIPY,
        "key 'conditions' (entry 1 of 2) = 'y(0) = (0': SymPy cannot parse ' (0'"),
    "a condition outside the domain": (
        _EQ + 'conditions = ["y(0) = 0", "y(4) = 1"]\n' + _SCIPY,
        "key 'conditions': condition 'y(4) = 1' is at x = 4, outside the domain [0, 2]; move the condition "
        "into the domain, or widen the domain"),
    "a condition at pi outside the domain": (
        _EQ + 'conditions = ["y(0) = 0", "y(pi) = 1"]\n' + _SCIPY,
        "key 'conditions': condition 'y(pi) = 1' is at x = pi ≈ 3.14159, outside the domain [0, 2]"),
    "an initial value problem with a late condition": (
        'kind = "ivp"\ntitle = "t"\ndomain = [0, 2]\nequation = "u\'\' = -u"\nconditions = ["u(0) = 0", '
        '"u(2) = 1"]\nexact = "sin(t)/sin(2)"\n' + _SCIPY,
        "key 'conditions': an IVP has every condition at the left end t = 0, but 'u(2) = 1' is not; for "
        "conditions elsewhere use BVP (kind = \"bvp\" in a problem file)"),
    "an undeclared constant in the equation": (
        _BVP + 'equation = "y\'\' + k*y = 0"\nconditions = ["y(0) = 0", "y(2) = 1"]\n' + _SCIPY,
        "key 'equation': \"y'' + k*y = 0\" uses k, which is neither the variable x nor an unknown function (y); "
        "give its value among the parameters, or its guess among the unknowns to identify it"),
    "an undeclared constant in a condition": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = c"]\n' + _SCIPY,
        "key 'conditions': condition 'y(2) = c' uses c, which is not a value of y at a point; give its value "
        "among the parameters, or its guess among the unknowns to identify it"),
    "a parameter that does not parse": (
        _BVP + 'equation = "y\'\' + k*y = 0"\nconditions = ["y(0) = 0", "y(2) = 1"]\n[parameters]\nk = "1 +"\n'
        + _SCIPY,
        "key 'parameters.k': SymPy cannot parse '1 +'"),
    "an exact solution that does not parse": (
        _EQ + 'conditions = ["y(0) = 0", "y(2) = 1"]\nexact = "sin(x"\n[reference.exact]\ntol = 1e-6\n',
        "key 'exact': SymPy cannot parse 'sin(x'"),
    "an empty domain": (
        'kind = "bvp"\ntitle = "t"\ndomain = [2, 0]\nequation = "y\'\' + y = 0"\nconditions = ["y(0) = 0", '
        '"y(2) = 1"]\n' + _SCIPY,
        "key 'domain': (2, 0) is an empty interval: the left end must be below the right end"),
    "a key given twice": (_EQ + 'domain = [0, 1]\n', "not valid TOML: Cannot overwrite a value (at line 5, column 16) "
                          "(a key or table given twice?)"),
    "bounds of the wrong shape": (
        'kind = "optimize"\ntitle = "t"\nfun = "x^2"\nvariables = ["x"]\nx0 = 1\nbounds = [[1, 0]]\n' + _SCIPY,
        "key 'bounds': must be one pair [low, high] with low < high per variable (1), got [[1.0, 0.0]]"),
}


@pytest.mark.parametrize("case", list(FILES))
def test_problem_file_messages(case, tmp_path, capsys):
    from sciml.cli import main

    text, words = FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemFileError) as info:
        load(str(path))
    assert str(info.value).startswith(f"{path}: {words}"), str(info.value)
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"{path}: {words}" in err, err


def test_a_misspelling_is_reported_instead_of_the_missing_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(FILES["a misspelt required key"][0], encoding="utf-8")
    with pytest.raises(ProblemFileError) as info:
        load(str(path))
    assert "is required but missing" not in str(info.value)


def test_a_missing_key_with_no_near_misspelling_is_still_missing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(_EQ + 'options = {}\n' + _SCIPY, encoding="utf-8")  # not near enough to 'conditions'
    with pytest.raises(ProblemFileError, match="key 'conditions': is required but missing"):
        load(str(path))


def test_the_python_api_keeps_its_argument_names():
    from sciml.pinn import BVP

    with pytest.raises(ValueError) as info:
        BVP("y'' + y = 0", domain=(0, 2), conditions=["y(0) = 0", "y(4) = 1"])
    assert str(info.value).startswith("conditions[1]: condition 'y(4) = 1' is at x = 4, outside the domain [0, 2]")
