"""Every public function documents its parameters and ends with a runnable example (numpydoc sections).

The house rule (optax and SciPy are the model): a numpydoc docstring whose first line says what the function
does, the maths where there is maths, ``Parameters`` and ``Returns`` sections, an ``Examples`` section with a
doctest (run in the suite by ``--doctest-modules``) and ``References`` where there is a published source. This
test keeps the part a machine can check: for every function in ``__all__`` of the capability and core
modules, a docstring with a ``Parameters`` section (when the function takes any) and an ``Examples`` section
holding a ``>>>`` line; for every public class, a docstring of its own. numpydoc is not a dependency, so the
sections are found by their headers (a title line underlined with dashes).

A function that cannot meet the rule is listed in :data:`EXEMPT` with the reason; keep that list short.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re

import pytest

MODULES = (
    "sciml.calculus",
    "sciml.optimize",
    "sciml.linalg",
    "sciml.qp",
    "sciml.signal",
    "sciml.pinn",
    "sciml.results",
    "sciml.training",
    "sciml.expressions",
    "sciml.learn",
)

# "module.name" -> why the function is not held to the rule. Every entry must name a public function.
EXEMPT: dict[str, str] = {}

_SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]*?)[ \t]*\n(?P<rule>-+)[ \t]*$", re.MULTILINE)


def sections(doc: str) -> dict[str, str]:
    """The numpydoc sections of ``doc`` (title underlined with as many dashes) mapped to their bodies."""
    doc = inspect.cleandoc(doc)
    heads = [m for m in _SECTION.finditer(doc) if len(m["rule"]) == len(m["title"])]
    found = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        found[m["title"]] = doc[m.end():end]
    return found


def _takes_parameters(fn) -> bool:
    try:
        return bool(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # no signature to read: ask for the section
        return True


def problems(fn) -> list[str]:
    """What the docstring of the function ``fn`` lacks under the house rule (empty when it complies)."""
    doc = fn.__doc__
    if not doc or not doc.strip():
        return ["no docstring"]
    found = sections(doc)
    missing = []
    if _takes_parameters(fn) and "Parameters" not in found:
        missing.append("no 'Parameters' section")
    if "Examples" not in found:
        missing.append("no 'Examples' section")
    elif not re.search(r"^\s*>>> ", found["Examples"], re.MULTILINE):
        missing.append("no '>>>' example in its 'Examples' section")
    return missing


def _own_docstring(cls) -> str | None:
    """The class's own docstring: not inherited, not the ``Name(field, ...)`` line dataclasses generate."""
    doc = cls.__dict__.get("__doc__")
    if not doc or not doc.strip():
        return None
    if doc.startswith(f"{cls.__name__}(") and "\n" not in doc.strip():
        return None
    return doc


def _public(kind: str) -> list:
    params = []
    for module_name in MODULES:
        if importlib.util.find_spec(module_name) is None:  # a core module not written yet
            params.append(pytest.param(module_name, None, id=module_name, marks=pytest.mark.skip(
                reason=f"{module_name} does not exist yet; its public functions are checked once it does")))
            continue
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            is_class = inspect.isclass(obj)
            if (kind == "class" and is_class) or (kind == "function" and callable(obj) and not is_class):
                params.append(pytest.param(module_name, name, id=f"{module_name}.{name}"))
    return params


FUNCTIONS = _public("function")
CLASSES = _public("class")


@pytest.mark.parametrize(("module_name", "name"), FUNCTIONS)
def test_function_docstring(module_name, name):
    key = f"{module_name}.{name}"
    if key in EXEMPT:
        pytest.skip(f"exempt: {EXEMPT[key]}")
    fn = getattr(importlib.import_module(module_name), name)
    missing = problems(fn)
    assert not missing, f"{key} (defined in {fn.__module__}): " + "; ".join(missing)


@pytest.mark.parametrize(("module_name", "name"), CLASSES)
def test_class_docstring(module_name, name):
    cls = getattr(importlib.import_module(module_name), name)
    assert _own_docstring(cls), f"{module_name}.{name} (defined in {cls.__module__}) has no docstring of its own"


def test_exempt_entries_are_public_functions_with_reasons():
    listed = {p.id for p in FUNCTIONS}
    for key, reason in EXEMPT.items():
        assert key in listed, f"EXEMPT names {key}, which is not a public function of {MODULES}: remove it"
        assert reason.strip(), f"EXEMPT[{key!r}] gives no reason"


def test_the_modules_are_checked():
    # a typo in MODULES or an empty __all__ would make every check above vacuous
    assert len([p for p in FUNCTIONS if p.values[1] is not None]) >= 30


# -- the checker itself: a test that cannot fail is a defect ---------------------------------------------


def _one_line(x):
    """Square ``x``."""
    return x * x


def _no_docstring(x):
    return x * x


def _example_without_prompt(x):
    """Square ``x``.

    Parameters
    ----------
    x : float

    Examples
    --------
    _example_without_prompt(2.0) gives 4.0
    """
    return x * x


def _short_rule(x):
    """Square ``x``.

    Parameters
    ---
    x : float

    Examples
    ---
    >>> _short_rule(2.0)
    4.0
    """
    return x * x


def _complete(x):
    """Square ``x``.

    .. math:: y = x^2

    Parameters
    ----------
    x : float
        The number.

    Returns
    -------
    float

    Examples
    --------
    >>> _complete(2.0)
    4.0
    """
    return x * x


def _no_arguments():
    """The number four.

    Examples
    --------
    >>> _no_arguments()
    4
    """
    return 4


def test_checker_flags_a_bare_one_line_docstring():
    assert problems(_one_line) == ["no 'Parameters' section", "no 'Examples' section"]


def test_checker_flags_a_missing_docstring():
    assert problems(_no_docstring) == ["no docstring"]


def test_checker_flags_an_example_that_does_not_run():
    assert problems(_example_without_prompt) == ["no '>>>' example in its 'Examples' section"]


def test_checker_flags_headers_that_are_not_numpydoc_sections():
    assert problems(_short_rule) == ["no 'Parameters' section", "no 'Examples' section"]


def test_checker_accepts_a_complete_docstring():
    assert problems(_complete) == []
    assert problems(_no_arguments) == []  # no arguments, no Parameters section to ask for
    assert set(sections(_complete.__doc__)) == {"Parameters", "Returns", "Examples"}


def test_checker_flags_a_class_without_its_own_docstring():
    import dataclasses
    import typing

    class Documented:
        """A class."""

    class Inherits(Documented):
        pass

    @dataclasses.dataclass
    class Generated:
        x: int

    class Pair(typing.NamedTuple):
        a: int
        b: int

    assert _own_docstring(Documented)
    assert not _own_docstring(Inherits)
    assert not _own_docstring(Generated)
    assert not _own_docstring(Pair)
