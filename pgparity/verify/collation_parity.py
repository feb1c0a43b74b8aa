"""Column collations: `WHERE col = 'X'` and `ORDER BY col` compare text as SQLite's column did.

SQLite's declared collation (BINARY by default, NOCASE, RTRIM) is read from the CREATE TABLE text.
Equal behaviour: BINARY (byte order) is a column without its own collation (the database's) or one of
"C", "POSIX", ucs_basic, "C.utf8"; NOCASE is citext, or the same; RTRIM the same. A citext column where
SQLite compared case-sensitively makes `WHERE email = 'A@X'` match 'a@x' ('collation'); any other
column collation (ICU, a libc locale) changes ORDER BY and, when non-deterministic, equality
('collation'). An enum whose labels are not declared in byte order sorts otherwise: said in the
summary, not failed (the order is the ORM model's declared choice).

What it cannot see: the database's default collation (the queries check replays ORDER BY on it);
NOCASE columns carried as plain text (uniqueness is checked by strictness.py; a case-blind WHERE is a
query difference); collations set per expression in the application's SQL.
"""

from __future__ import annotations

import re

from ..fit import base_type
from .outcome import Finding
from .pairing import TablePair

BYTE_ORDER = {"c", "posix", "ucs_basic", "c.utf8", "c.utf-8", "pg_c_utf8"}
_TEXT = ("text", "character varying", "character", "bpchar", "citext", "name")
_NAME = re.compile(r'^\s*("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\s(]+)')
_COLLATE = re.compile(r"\bCOLLATE\s+[\"'`\[]?(\w+)", re.I)
_NOT_COLUMN = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


def enum_order_notes(tp: TablePair) -> list[str]:
    """Enums whose declaration order is not byte order: said, not failed. An enum type is how an ORM (SQLAlchemy,
    Rails) maps a list of values on PostgreSQL; the order it sorts in is the model's declared choice, not a fault
    of the copy — but ORDER BY, <, >, min() and max() on it differ from SQLite's text, so the run says so."""
    return [f"{c.name}: enum {c.target.type} sorts in declaration order ({', '.join(c.target.enum_labels)}), "
            "SQLite's text in byte order (ORDER BY, <, >, min(), max() differ)"
            for c in tp.columns if c.target is not None and list(c.target.enum_labels)
            != sorted(c.target.enum_labels, key=lambda v: v.encode())]


def collation_findings(tp: TablePair) -> list[Finding]:
    """A column whose PostgreSQL collation compares or orders text otherwise than SQLite's did."""
    declared = declared_collations(tp.source.sql)
    out = []
    for c in tp.columns:
        t = c.target
        base = base_type(t.type).split(".")[-1] if t is not None else ""
        if t is None or base not in _TEXT:
            continue
        src = declared.get(c.name.lower(), "BINARY")
        if base == "citext" and src != "NOCASE":
            out.append(Finding(f"{tp.name}.{c.name}: citext in PostgreSQL compares case-blind, SQLite's {src} "
                               f"column does not: WHERE {c.name} = 'ABC' also matches 'abc' and a UNIQUE refuses "
                               "both", c.name, "collation"))
        elif t.collation and t.collation.lower() not in BYTE_ORDER:
            out.append(Finding(f"{tp.name}.{c.name}: COLLATE \"{t.collation}\" in PostgreSQL, {src} in SQLite: "
                               f"ORDER BY {c.name}, <, > and (for a non-deterministic collation) = compare text "
                               "otherwise than the application saw", c.name, "collation"))
    return out


def declared_collations(sql: str) -> dict[str, str]:
    """{lower-cased column name: COLLATE name upper-cased} from a CREATE TABLE statement."""
    start, end = sql.find("("), sql.rfind(")")
    if start < 0 or end <= start:
        return {}
    out = {}
    for part in _split(sql[start + 1:end]):
        m = _NAME.match(part)
        if not m or m.group(1).upper() in _NOT_COLUMN:
            continue
        name = m.group(1)
        if name[0] in "\"`[":
            name = name[1:-1].replace('""', '"')
        rest = part[m.end():]
        while (flat := re.sub(r"\([^()]*\)", "", rest)) != rest:
            rest = flat
        if coll := _COLLATE.search(rest):
            out[name.lower()] = coll.group(1).upper()
    return out


def _split(body: str) -> list[str]:
    """The comma-separated parts of a table body, at parenthesis depth 0 and outside quotes."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in body:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    return parts + ["".join(cur)]
