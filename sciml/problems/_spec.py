"""Reading a problem file: a TOML table with typed accessors whose errors name the file, the key and the fix.

Every check of a file key lives here, so that each kind reads its keys in one line and every message has
the same form, ``problems/x.toml: key 'order': must be a positive integer, got 0``. Checks of Python
arguments (a problem built in Python) use :mod:`sciml._validation`; :func:`check_names` is the one such
check the kinds share.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from pathlib import Path

from sciml._validation import check_bool, check_choice, check_int, check_real
from sciml.expressions import ExpressionError, parse, parse_number


class ProblemFileError(ValueError):
    """A problem file that cannot be read: names the file, the key and what is wrong."""


_MISSING = object()

#: a constructor's message led by an argument name: ``equations[1]: ...``, ``parameters['k']: ...``, ``solver: ...``
_LEAD = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:\[(?P<index>[^\]]*)\])?(?P<colon>:)? ")


def did_you_mean(name: str, candidates, cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the candidate nearest to ``name`` (difflib), or ``""`` when none is near.

    >>> did_you_mean("conditons", ["conditions", "domain"])
    "; did you mean 'conditions'?"
    """
    near = difflib.get_close_matches(str(name), sorted(map(str, candidates)), n=1, cutoff=cutoff)
    return f"; did you mean {near[0]!r}?" if near else ""


def check_names(value, name: str = "variables") -> list[str]:
    """``value`` as a non-empty list of distinct names (strings), else a ``ValueError`` naming ``name``."""
    if not isinstance(value, list | tuple) or not value or not all(isinstance(s, str) for s in value):
        raise ValueError(f"{name} must be a non-empty list of names, got {value!r}")
    if len(set(value)) != len(value):
        raise ValueError(f"{name} must be distinct, got {list(value)}")
    return list(value)


class Spec:
    """One problem's table, read key by key. Every accessor raises :class:`ProblemFileError` on bad input.

    ``source`` is where the table came from (a file path or ``"<dict>"``); ``prefix`` the dotted path of
    nested tables, so that messages read ``problems/x.toml: key 'reference.exact.tol': ...``. Accessors
    take an optional ``default``, returned as it is when the key is absent (without it the key is required).
    """

    def __init__(self, data: dict, source: str = "<dict>", prefix: str = ""):
        self.data = data
        self.source = source
        self.prefix = prefix
        self._used: set[str] = set()

    @classmethod
    def from_file(cls, path) -> Spec:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProblemFileError(f"{path}: cannot read the problem file ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise ProblemFileError(f"{path}: is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as "
                                   "UTF-8") from None
        return cls.from_text(text, str(path))

    @classmethod
    def from_text(cls, text: str, source: str) -> Spec:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            hint = " (a key or table given twice?)" if "Cannot overwrite" in str(exc) else ""
            raise ProblemFileError(f"{source}: not valid TOML: {exc}{hint}") from None
        return cls(data, source)

    def _where(self, key: str) -> str:
        return f"{self.source}: key '{self.prefix}{key}'"

    def error(self, key: str, message: str) -> ProblemFileError:
        return ProblemFileError(f"{self._where(key)}: {message}")

    def _checked(self, key: str, check, value, *args, **kwargs):
        """``check(value, name, ...)`` from :mod:`sciml._validation`, its error re-raised naming file and key."""
        try:
            return check(value, f"{self._where(key)}:", *args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ProblemFileError(str(exc)) from None

    def _constant(self, value, where: str) -> float:
        try:
            number = parse_number(value, where=where)
        except ExpressionError as exc:
            raise ProblemFileError(str(exc)) from None
        if not math.isfinite(number):
            raise ProblemFileError(f"{where}: must be finite, got {value!r}")
        return number

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default=_MISSING):
        self._used.add(key)
        if key not in self.data:
            if default is _MISSING:
                # a misspelling of a required key: name it, not only the key it leaves missing
                cutoff = 0.6 if len(key) <= 3 else 0.8  # one letter off in 'num'; not 'constants' for 'conditions'
                near = difflib.get_close_matches(key, sorted(set(self.data) - self._used), n=1, cutoff=cutoff)
                if near:
                    raise self._unknown(near[0], f"; did you mean {key!r}? ({key!r} is required)")
                raise self.error(key, "is required but missing")
            return default
        return self.data[key]

    # -- scalars ------------------------------------------------------------------------------------------

    def str(self, key: str, default=_MISSING) -> str:
        value = self.get(key, default)
        if value is not default and not isinstance(value, str):
            raise self.error(key, f"must be a string, got {type(value).__name__} {value!r}")
        return value

    def int(self, key: str, default=_MISSING, *, low: int | None = None, high: int | None = None) -> int:
        """An integer (not a bool, not a float such as ``100.0``) within ``[low, high]``."""
        value = self.get(key, default)
        return value if value is default else self._checked(key, check_int, value, low=low, high=high)

    def bool(self, key: str, default=_MISSING) -> bool:
        """``true`` or ``false`` (not 0, 1 or a string)."""
        value = self.get(key, default)
        return value if value is default else self._checked(key, check_bool, value)

    def choice(self, key: str, choices, default=_MISSING) -> str:
        """One of the names ``choices`` (any letter case; the name as spelt in ``choices`` is returned)."""
        value = self.str(key, default)
        return value if value is default else self._checked(key, check_choice, value, sorted(choices))

    def number(self, key: str, default=_MISSING, *, low: float | None = None, low_open: bool = False) -> float:
        """A real constant: a number or an exact string such as ``"2/3"`` or ``"pi/2"``, as a float; with
        ``low``, at least (or, ``low_open``, above) it."""
        value = self.get(key, default)
        if value is default:
            return value
        number = self._constant(value, self._where(key))
        return number if low is None else self._checked(key, check_real, number, low=low, low_open=low_open)

    def positive(self, key: str, default=_MISSING) -> float:
        """A constant > 0, as a float (tolerances, step sizes)."""
        return self.number(key, default, low=0, low_open=True)

    def constant(self, key: str, default=_MISSING):
        """A real constant kept as written (``"9/4"`` stays a string, so SymPy reads it exactly), checked."""
        value = self.get(key, default)
        if value is not default:
            self._constant(value, self._where(key))
        return value

    def expr(self, key: str, default=_MISSING, *, symbols=None):
        """A SymPy expression; ``symbols``, when given, are the only free symbols allowed."""
        value = self.get(key, default)
        if value is default:
            return value
        try:
            return parse(value, where=self._where(key), symbols=symbols)
        except ExpressionError as exc:
            raise ProblemFileError(str(exc)) from None

    # -- lists --------------------------------------------------------------------------------------------

    def list(self, key: str, default=_MISSING, *, length: int | None = None) -> list:
        value = self.get(key, default)
        if value is default:
            return value
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, got {type(value).__name__} {value!r}")
        if length is not None and len(value) != length:
            raise self.error(key, f"must have {length} entries, got {len(value)}")
        return value

    def strings(self, key: str, default=_MISSING, *, distinct: bool = False, example: str = "") -> list[str]:
        """A non-empty list of strings (``distinct``: no repeats, as for variable names); ``example`` shows
        one in the message (``"u(0) = 0"``)."""
        value = self.get(key, default)
        if value is default:
            return value
        if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
            such = f" such as {example}" if example else ""
            raise self.error(key, f"must be a non-empty list of strings{such}, got {type(value).__name__} "
                                  f"{value!r}")
        if distinct and len(set(value)) != len(value):
            raise self.error(key, f"must be distinct, got {value!r}")
        return value

    def str_or_list(self, key: str, default=_MISSING) -> str | list[str]:
        """A string, or a non-empty list of strings (one expression, or one per component of a system)."""
        value = self.get(key, default)
        if value is default or isinstance(value, str) or (
                isinstance(value, list) and value and all(isinstance(s, str) for s in value)):
            return value
        raise self.error(key, f"must be a string or a list of strings, got {type(value).__name__} {value!r}")

    def numbers(self, key: str, default=_MISSING, *, length: int | None = None) -> list[float]:
        """A list of constants as floats; entries may be exact strings such as ``"2/3"``."""
        value = self.list(key, default, length=length)
        if value is default:
            return value
        return [self._constant(item, f"{self._where(key)}[{i}]") for i, item in enumerate(value)]

    def constants(self, key: str, default=_MISSING, *, length: int | None = None) -> list:
        """A list of constants kept as written (exact strings stay strings, for SymPy), each checked."""
        value = self.list(key, default, length=length)
        if value is not default:
            self.numbers(key, length=length)
        return value

    def matrix(self, key: str, default=_MISSING) -> list[list[float]]:
        """A rectangular list of lists of constants, as floats."""
        value = self.list(key, default)
        if value is default:
            return value
        rows = []
        for i, row in enumerate(value):
            if not isinstance(row, list):
                raise self.error(key, f"must be a list of rows (lists), row {i} is {row!r}")
            rows.append(Spec({"row": row}, self.source, f"{self.prefix}{key}[{i}].").numbers("row"))
        if len({len(r) for r in rows}) > 1:
            raise self.error(key, f"rows have different lengths {[len(r) for r in rows]}")
        return rows

    def array(self, key: str, default=_MISSING):
        """A constant, a list of constants or a matrix of them (an answer of any shape), as floats."""
        value = self.get(key, default)
        if value is default:
            return value
        if not isinstance(value, list):
            return self.number(key)
        return self.matrix(key) if value and isinstance(value[0], list) else self.numbers(key)

    # -- tables -------------------------------------------------------------------------------------------

    def table(self, key: str, default=_MISSING) -> Spec:
        value = self.get(key, default)
        if value is default:
            return value
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table, got {type(value).__name__} {value!r}")
        return Spec(value, self.source, f"{self.prefix}{key}.")

    def mapping(self, key: str) -> dict:
        """An optional table as a plain dict (``{}`` when absent), its entries left to the kind."""
        table = self.table(key, None)
        return {} if table is None else dict(table.data)

    def _unknown(self, key: str, hint: str) -> ProblemFileError:
        return ProblemFileError(f"{self.source}: unknown key '{self.prefix}{key}'{hint}")

    def unknown_key(self, key: str, known) -> ProblemFileError:
        """The error for a key that is none of ``known``: the nearest one, else all of them."""
        return self._unknown(key, did_you_mean(key, known) or f" (the keys here are {', '.join(sorted(known))})")

    def check_unused(self) -> None:
        """Raise on keys nobody read: a misspelt key must not be ignored silently. The message names the
        nearest known key (``unknown key 'exakt'; did you mean 'exact'?``), else lists the known keys."""
        unused = sorted(set(self.data) - self._used)
        if unused:
            hint = did_you_mean(unused[0], self._used - set(self.data))  # not 'stop' for 'step' beside a stop
            raise self._unknown(unused[0], hint or f" (the keys here are {', '.join(sorted(self._used))})")

    def check_misspelt(self) -> None:
        """Raise on a key nobody read that is near an optional key the file lacks (``exakt`` for ``exact``):
        checked before reporting an error that the misspelling may have caused. Safe to call before every
        key was read, as it names only keys near one that was read and found missing."""
        absent = self._used - set(self.data)
        for key in sorted(set(self.data) - self._used):
            hint = did_you_mean(key, absent, cutoff=0.8)
            if hint:
                raise self._unknown(key, hint)

    def explain(self, exc: Exception, renamed: dict[str, str] | None = None) -> ProblemFileError:
        """The error to raise for ``exc``, an error of the problem's constructor: a misspelt key when the file
        has one (:meth:`check_misspelt`), else ``exc`` with the argument it names turned into the file's key.

        A message led by an argument (``equations[1]: SymPy cannot parse ...``, ``parameters['k']: ...``)
        is led by the key instead (``key 'equation' (entry 2 of 2): ...``, ``key 'parameters.k': ...``);
        ``renamed`` maps argument names to the file's keys where they differ (``{"equations": "equation"}``).
        """
        self.check_misspelt()
        message = str(exc)
        lead = _LEAD.match(message)
        key = lead and (renamed or {}).get(lead["name"], lead["name"])
        if not lead or key not in self.data:
            return ProblemFileError(f"{self.source}: {message}")
        rest = message[lead.end():] if lead["colon"] or not lead["index"] else message  # "at must ..." → "must ..."
        value, index = self.data[key], (lead["index"] or "").strip("'\"") if lead["colon"] else ""
        where, entry = self._where(key), value
        if isinstance(value, dict) and index:
            where = self._where(f"{key}.{index}")
        elif isinstance(value, list) and len(value) > 1 and index.isdecimal() and int(index) < len(value):
            entry = value[int(index)]
            if repr(entry) not in rest:  # say which entry, unless the message quotes it
                where += f" (entry {int(index) + 1} of {len(value)})"
        elif isinstance(value, list) and len(value) > 1 and index:
            where += f" (the entry for {index})"
        if isinstance(entry, str) and repr(entry) not in rest:  # the text as written, when the message quotes a part
            where += f" = {entry!r}"
        return ProblemFileError(f"{where}: {rest}")
