"""Identifier quoting for both engines, and PostgreSQL's 63-byte name limit."""

from __future__ import annotations

import hashlib

PG_NAME_BYTES = 63


def qs(name: str) -> str:
    """Quote an identifier for SQLite."""
    return '"' + name.replace('"', '""') + '"'


def qi(name: str) -> str:
    """Quote an identifier for PostgreSQL (always quoted: reserved words, case, spaces, quotes)."""
    return '"' + name.replace('"', '""') + '"'


def qname(schema: str, name: str) -> str:
    """A schema-qualified, quoted PostgreSQL name."""
    return f"{qi(schema)}.{qi(name)}"


def sql_literal(value) -> str:
    """A value as a SQL literal for either engine: NULL, a number as written, else a quoted string."""
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def fit_pg_name(name: str, taken: set[str]) -> str:
    """`name` cut to PostgreSQL's 63 bytes, made unique against `taken` with a short hash."""
    raw = name.encode()
    if len(raw) <= PG_NAME_BYTES and name not in taken:
        return name
    tag = "_" + hashlib.sha1(raw).hexdigest()[:8]
    cut = raw[: PG_NAME_BYTES - len(tag)].decode("utf-8", "ignore")
    return cut + tag
