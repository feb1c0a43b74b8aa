"""Column DEFAULTs compared by what an INSERT that omits the column writes.

Both defaults are evaluated: SQLite's on the source connection (`SELECT <default>`), PostgreSQL's in
the scratch transaction under the server's own session settings (TimeZone of the database/role),
cast to the column's type; SQLite's value is cast to the same type there and the two compared
(a default of 1 on a boolean column is `true`). Clock defaults (CURRENT_TIMESTAMP, datetime('now'),
now(), ...) are equal when both give the current UTC time within CLOCK_SLACK seconds as the
column holds it; one whose value follows the session's TimeZone is named in the pass summary.

Kinds: 'default' (changed or dropped), 'default-added' (PostgreSQL writes a value where SQLite
wrote NULL). Identity, serial and nextval() defaults belong to the sequences check.

What it cannot see: volatile non-clock defaults (random(), uuid functions) are only checked for
presence on both sides; a clock default's format inside a text column beyond its length and instant.
"""

from __future__ import annotations

import re

from .outcome import Finding
from .pairing import ColumnPair, Comparison, TablePair
from .scratch import Scratch, ScratchError

CLOCK_SLACK = 120  # seconds between reading SQLite's clock and PostgreSQL's
_SQLITE_CLOCK = re.compile(r"\bCURRENT_(TIMESTAMP|DATE|TIME)\b|'now'|\"now\"", re.I)
_PG_CLOCK = re.compile(r"\bnow\(\)|\bCURRENT_(TIMESTAMP|DATE|TIME)\b|\bLOCAL(TIMESTAMP|TIME)\b|"
                       r"statement_timestamp\(\)|transaction_timestamp\(\)|clock_timestamp\(\)", re.I)
_PROBE_ZONE = "Asia/Kathmandu"  # +05:45: a session zone no server uses by accident


def compare_defaults(cmp: Comparison, tp: TablePair, scratch: Scratch) -> tuple[list[Finding], list[str]]:
    """(findings, notes) for every column both sides have."""
    findings, notes = [], []
    for c in tp.columns:
        t = c.target
        if t is None or t.sequence or t.identity or t.generated or tp.source.rowid_alias == c.name:
            continue
        src = _sqlite_default(c.source.dflt_value)
        tgt = None if t.default is None or re.fullmatch(r"NULL(::[\w .\"()\[\]]+)?", t.default) else t.default
        if src is None and tgt is None:
            continue
        f, note = _compare(cmp, tp, c, src, tgt, scratch)
        findings += f
        notes += [note] if note else []
    return findings, notes


def _sqlite_default(text: str | None) -> str | None:
    if text is None or re.fullmatch(r"\(*\s*NULL\s*\)*", text, re.I):
        return None
    return text


def _compare(cmp: Comparison, tp: TablePair, c: ColumnPair, src: str | None, tgt: str | None,
             scratch: Scratch) -> tuple[list[Finding], str | None]:
    where = f"{tp.name}.{c.name}"
    if src is None:
        shown = _pg_value(scratch, tgt, c.target.type) or tgt
        return [Finding(f"{where}: PostgreSQL has DEFAULT {tgt} where SQLite had none: an INSERT that omits "
                        f"{c.name} wrote NULL in SQLite and writes {shown} in PostgreSQL", c.name,
                        "default-added")], None
    if tgt is None:
        return [Finding(f"{where}: DEFAULT {src} of SQLite is missing in PostgreSQL: an INSERT that omits "
                        f"{c.name} writes NULL" + (" and fails (NOT NULL)" if c.target.notnull else "")
                        + _unholdable(cmp, c, src, scratch), c.name, "default")], None
    clocks = bool(_SQLITE_CLOCK.search(src)), bool(_PG_CLOCK.search(tgt))
    if clocks == (True, True):
        return _clock(cmp, c, src, tgt, scratch, where)
    if any(clocks):
        return [_changed(where, c, src, tgt, "one is the current time, the other a constant")], None
    return _constant(cmp, c, src, tgt, scratch, where)


def _unholdable(cmp: Comparison, c: ColumnPair, src: str, scratch: Scratch) -> str:
    """A note when no PostgreSQL default could write SQLite's value: the column's type cannot hold it."""
    try:
        (value,), = cmp.source.query(f"SELECT {src}")
        scratch.query(f"SELECT ({_pg_literal(value)})::{c.target.type}")
    except ScratchError:
        return f" (SQLite's default value {value!r} is not a {c.target.type}: no PostgreSQL default can write it)"
    except Exception:  # noqa: BLE001 - SQLite cannot evaluate it either: nothing more to say
        return ""
    return ""


def _changed(where: str, c: ColumnPair, src: str, tgt: str, why: str) -> Finding:
    return Finding(f"{where}: DEFAULT {src} in SQLite became DEFAULT {tgt} in PostgreSQL ({why}): an INSERT "
                   f"that omits {c.name} writes a different value", c.name, "default")


def _pg_value(scratch: Scratch, expr: str, pg_type: str) -> str | None:
    try:
        return scratch.query(f"SELECT (({expr})::{pg_type})::text")[0][0]
    except ScratchError:
        return None


def _constant(cmp: Comparison, c: ColumnPair, src: str, tgt: str, scratch: Scratch,
              where: str) -> tuple[list[Finding], str | None]:
    try:
        (v1, v2), = cmp.source.query(f"SELECT {src}, {src}")
    except Exception as exc:  # noqa: BLE001 - SQLite itself could not evaluate it: say so
        return [_changed(where, c, src, tgt, f"SQLite cannot evaluate its default: {exc}")], None
    typ = c.target.type
    if v1 != v2:  # volatile (random, uuid): compare presence only
        return [], f"{c.name}: DEFAULT {src} is volatile; PostgreSQL has DEFAULT {tgt} (values not compared)"
    lit = _pg_literal(v1)
    try:
        (same, theirs), = scratch.query(f"SELECT ({tgt})::{typ} IS NOT DISTINCT FROM ({lit})::{typ}, "
                                        f"(({tgt})::{typ})::text")
    except ScratchError as exc:
        return [_changed(where, c, src, tgt, f"SQLite's value {v1!r} is not a {typ}: {exc}")], None
    if same:
        return [], None
    return [_changed(where, c, src, tgt, f"SQLite writes {v1!r}, PostgreSQL {theirs!r}")], None


def _clock(cmp: Comparison, c: ColumnPair, src: str, tgt: str, scratch: Scratch,
           where: str) -> tuple[list[Finding], str | None]:
    (now,), = cmp.source.query(f"SELECT {src}")
    typ = c.target.type
    gap = _gap_sql(tgt, typ, now)
    try:
        (here,), = scratch.query(f"SELECT {gap}")
        zone, = scratch.query("SELECT current_setting('TimeZone')")[0]
        scratch.query(f"SELECT set_config('TimeZone', '{_PROBE_ZONE}', true)")
        (there,), = scratch.query(f"SELECT {gap}")
        scratch.query(f"SELECT set_config('TimeZone', '{zone}', true)")
    except ScratchError as exc:
        return [_changed(where, c, src, tgt, f"their values cannot be compared: {exc}")], None
    depends = here is None or there is None or abs(float(here) - float(there)) > 60
    if here is None or abs(float(here)) > CLOCK_SLACK:
        off = "" if here is None else f" (off by {float(here) / 3600:+.2f} h)"
        return [_changed(where, c, src, tgt, f"PostgreSQL's value is not SQLite's current UTC time{off}; "
                         f"the session TimeZone is {zone}")], None
    note = (f"{c.name}: DEFAULT {tgt} equals SQLite's clock only because the server's TimeZone is {zone}"
            if depends else None)
    return [], note


def _gap_sql(tgt: str, typ: str, sqlite_now) -> str:
    """Seconds between PostgreSQL's default (as the column holds it) and SQLite's UTC clock value."""
    lit = _pg_literal(sqlite_now)
    if "with time zone" in typ:
        return f"extract(epoch FROM ({tgt})::{typ} - ({lit}::timestamp AT TIME ZONE 'UTC'))"
    if typ == "date":
        return f"(({tgt})::date - {lit}::date) * 86400"
    if typ in ("bigint", "integer"):
        return f"({tgt})::bigint - {lit}::bigint"
    if typ.startswith("timestamp"):
        return f"extract(epoch FROM ({tgt})::{typ} - {lit}::timestamp)"
    if typ.startswith("time"):
        return f"extract(epoch FROM ({tgt})::{typ} - {lit}::{typ.split('(')[0]})"
    return (f"CASE WHEN length((({tgt})::{typ})::text) = length({lit}) THEN extract(epoch FROM "
            f"(({tgt})::{typ})::timestamp - {lit}::timestamp) END")


def _pg_literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'"
    return "'" + (repr(value) if isinstance(value, float) else str(value)).replace("'", "''") + "'"
