"""The queries file: the application's SQL as it writes it, each with a name and sample parameters.

    -- name: search_customers
    -- params: '%ltd%'
    SELECT id, customer_name FROM orders_inbox WHERE customer_name LIKE ?;

    -- name: set_control
    -- param name: 'auto_pick'
    -- param enabled: True
    INSERT OR REPLACE INTO workflow_controls (name, enabled) VALUES (:name, :enabled);

A query starts at its `-- name:` line and runs to the next one; it may hold several statements (run
in order, in one transaction, as the application's function runs them). `-- params:` gives the
positional values of `?`, `-- param NAME:` the value of `:NAME`; values are Python literals ('text',
42, 1.5, None, True, b'bytes'). Other comments are part of the SQL. The file is UTF-8.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

_NAME = re.compile(r"^\s*--\s*name:\s*(.*?)\s*$", re.IGNORECASE)
_PARAMS = re.compile(r"^\s*--\s*params:\s*(.*?)\s*$", re.IGNORECASE)
_PARAM = re.compile(r"^\s*--\s*param\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_VALID_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class QueriesFileError(UsageError):
    """The queries file cannot be read (the message names the file, the line and the query)."""


@dataclass
class Query:
    name: str
    sql: str
    path: str
    line: int  # line of its `-- name:` header
    positional: tuple = ()  # values of `?`
    named: dict = field(default_factory=dict)  # values of `:name`

    @property
    def params(self) -> tuple | dict:
        return self.named if self.named else self.positional


def read_queries(path: str | Path) -> list[Query]:
    """Every query of the file, in order (raises QueriesFileError naming file:line and the query)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QueriesFileError(f"queries file {path}: {exc}") from None
    queries: list[Query] = []
    current: Query | None = None
    body: list[str] = []
    for no, line in enumerate(lines, 1):
        if m := _NAME.match(line):
            _close(current, body, queries)
            current, body = _start(m.group(1), path, no, queries), []
        elif current is None:
            if line.strip() and not line.strip().startswith("--"):
                raise QueriesFileError(f"{path}:{no}: SQL before the first '-- name:' line (each query starts with "
                                       "'-- name: NAME')")
        elif not body and (m := _PARAMS.match(line)):
            current.positional = _literal(m.group(1), path, no, current.name, tuple_=True)
        elif not body and (m := _PARAM.match(line)):
            current.named[m.group(1)] = _literal(m.group(2), path, no, current.name)
        else:
            body.append(line)
    _close(current, body, queries)
    if not queries:
        raise QueriesFileError(f"{path}: no queries (each query starts with '-- name: NAME')")
    return queries


def _start(name: str, path: Path, no: int, queries: list[Query]) -> Query:
    if not _VALID_NAME.match(name):
        raise QueriesFileError(f"{path}:{no}: query name {name!r}: use letters, digits, '_', '-' and '.'")
    if any(q.name == name for q in queries):
        raise QueriesFileError(f"{path}:{no}: query {name!r} is named twice")
    return Query(name, "", str(path), no)


def _close(current: Query | None, body: list[str], queries: list[Query]) -> None:
    if current is None:
        return
    current.sql = "\n".join(body).strip()
    if not current.sql or all(ln.strip().startswith("--") for ln in body if ln.strip()):
        raise QueriesFileError(f"{current.path}:{current.line}: query {current.name!r} has no SQL")
    queries.append(current)


def _literal(text: str, path: Path, no: int, name: str, tuple_: bool = False):
    try:
        value = ast.literal_eval(text if not tuple_ else f"({text},)" if text.strip() else "()")
    except (ValueError, SyntaxError):
        raise QueriesFileError(f"{path}:{no}: query {name!r}: parameter value {text!r} is not a literal "
                               "('text', 42, 1.5, None, True)") from None
    return tuple(value) if tuple_ else value


def write_queries(queries: list[Query], path: str | Path) -> Path:
    """Write `queries` in the format read_queries reads (used by pgparity.capture)."""
    out = []
    for q in queries:
        out.append(f"-- name: {q.name}")
        if q.positional:
            out.append("-- params: " + ", ".join(repr(v) for v in q.positional))
        out += [f"-- param {k}: {v!r}" for k, v in q.named.items()]
        out += [q.sql.rstrip().rstrip(";") + ";", ""]
    path = Path(path)
    path.write_text("\n".join(out), encoding="utf-8")
    return path
