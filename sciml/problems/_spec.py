"""Reading a problem file: a TOML table with typed accessors whose errors name the file, the key and the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sciml.problems._expressions import ExpressionError, parse, parse_number


class ProblemFileError(ValueError):
    """A problem file that cannot be read: names the file, the key and what is wrong."""


_MISSING = object()


class Spec:
    """One problem's table, read key by key. Every accessor raises :class:`ProblemFileError` on bad input.

    ``source`` is where the table came from (a file path or ``"<dict>"``); ``prefix`` the dotted path of
    nested tables, so that messages read ``problems/x.toml: key 'reference.exact.tol': ...``.
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
        return cls.from_text(text, str(path))

    @classmethod
    def from_text(cls, text: str, source: str) -> Spec:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProblemFileError(f"{source}: not valid TOML: {exc}") from None
        return cls(data, source)

    def _where(self, key: str) -> str:
        return f"{self.source}: key '{self.prefix}{key}'"

    def error(self, key: str, message: str) -> ProblemFileError:
        return ProblemFileError(f"{self._where(key)}: {message}")

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default=_MISSING):
        self._used.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.error(key, "is required but missing")
            return default
        return self.data[key]

    def str(self, key: str, default=_MISSING) -> str:
        value = self.get(key, default)
        if value is not default and not isinstance(value, str):
            raise self.error(key, f"must be a string, got {type(value).__name__} {value!r}")
        return value

    def number(self, key: str, default=_MISSING) -> float:
        value = self.get(key, default)
        if value is default:
            return value
        try:
            return parse_number(value, where=self._where(key))
        except ExpressionError as exc:
            raise ProblemFileError(str(exc)) from None

    def expr(self, key: str, default=_MISSING, *, symbols=None):
        value = self.get(key, default)
        if value is default:
            return value
        try:
            return parse(value, where=self._where(key), symbols=symbols)
        except ExpressionError as exc:
            raise ProblemFileError(str(exc)) from None

    def list(self, key: str, default=_MISSING, *, length: int | None = None) -> list:
        value = self.get(key, default)
        if value is default:
            return value
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, got {type(value).__name__} {value!r}")
        if length is not None and len(value) != length:
            raise self.error(key, f"must have {length} entries, got {len(value)}")
        return value

    def numbers(self, key: str, default=_MISSING, *, length: int | None = None) -> list[float]:
        """A list of constants; entries may be exact strings such as ``"2/3"``."""
        value = self.list(key, default, length=length)
        if value is default:
            return value
        out = []
        for i, item in enumerate(value):
            try:
                out.append(parse_number(item, where=f"{self._where(key)}[{i}]"))
            except ExpressionError as exc:
                raise ProblemFileError(str(exc)) from None
        return out

    def matrix(self, key: str, default=_MISSING) -> list[list[float]]:
        """A rectangular list of lists of constants."""
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

    def table(self, key: str, default=_MISSING) -> Spec:
        value = self.get(key, default)
        if value is default:
            return value
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table, got {type(value).__name__} {value!r}")
        return Spec(value, self.source, f"{self.prefix}{key}.")

    def choice(self, key: str, choices, default=_MISSING) -> str:
        value = self.str(key, default)
        if value is not default and value not in choices:
            raise self.error(key, f"must be one of {sorted(choices)}, got {value!r}")
        return value

    def check_unused(self) -> None:
        """Raise on keys nobody read: a misspelt key must not be ignored silently."""
        unused = sorted(set(self.data) - self._used)
        if unused:
            raise self.error(unused[0], f"is not a known key here (known: {sorted(self._used)})")
