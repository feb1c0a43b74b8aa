"""Result values in canonical form, by the same rules as the table checks (pgparity.verify.rules).

A result column that is a table's column is compared by that column's rule (`infer` over the two
schemas: 0/1 vs boolean, text timestamps vs timestamp, floats bit-exact ...). A computed column gets
the rule `infer` gives for the type PostgreSQL reports for it (numeric read as a double), with floats
compared to 12 significant digits: two engines add in different orders. The SQLite values go through
the rule's own source expressions (evaluated by SQLite over the values, so every storage class is
split as for a table) and both sides through `canonical_source` / `canonical_target`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from ..sqlnames import qs
from ..verify.rules import Rule, Settings, canonical_source, canonical_target, infer

COMPUTED_TOLERANCE = 1e-12
_ARROW = {"int": pa.int64(), "real": pa.float64(), "text": pa.string(), "blob": pa.binary()}

# type OIDs psycopg2 reports in cursor.description -> the type a computed column is compared as
PG_TYPES = {16: "boolean", 20: "bigint", 21: "smallint", 23: "integer", 25: "text", 1043: "character varying",
            1042: "character", 700: "real", 701: "double precision", 1700: "double precision", 1082: "date",
            1114: "timestamp without time zone", 1184: "timestamp with time zone", 17: "bytea", 114: "json",
            3802: "jsonb", 19: "text", 18: "text", 2950: "uuid", 1083: "time without time zone"}


@dataclass(frozen=True)
class ColumnRule:
    """How one result column is compared: the rule, its settings, and the SQLite name the rule reads."""

    rule: Rule
    settings: Settings
    source_name: str


def table_rule(rule: Rule, source_name: str, s: Settings) -> ColumnRule:
    return ColumnRule(rule, s, source_name)


def computed_rule(type_oid: int | None, s: Settings) -> ColumnRule:
    """The rule for a computed result column of the PostgreSQL type `type_oid`."""
    pg_type = PG_TYPES.get(type_oid or 0, "text")
    tolerant = replace(s, float_tolerance=s.float_tolerance or COMPUTED_TOLERANCE)
    return ColumnRule(infer("value", "", "value", pg_type, tolerant), tolerant, "value")


def canon_sqlite(cr: ColumnRule, values: list) -> list[tuple]:
    """(value, odd) per SQLite value: odd is the text of a value the rule cannot read, else None."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute(f"CREATE TABLE v ({qs(cr.source_name)})")  # no declared type: values keep their class
        con.executemany("INSERT INTO v VALUES (?)", [(v,) for v in values])
        exprs = ", ".join(e for e, _ in cr.rule.src_select)
        rows = con.execute(f"SELECT {exprs} FROM v ORDER BY rowid").fetchall()
    finally:
        con.close()
    arrays = [pa.array([r[i] for r in rows], _ARROW[kind]) for i, (_, kind) in enumerate(cr.rule.src_select)]
    value, odd = canonical_source(cr.rule, arrays, cr.settings)
    return list(zip(value.to_pylist(), odd.to_pylist()))


def canon_pg(cr: ColumnRule, values: list) -> list[tuple]:
    """(value, odd) per PostgreSQL value (psycopg2's Python objects, read as the rule's pg_select reads)."""
    value, odd = canonical_target(cr.rule, _pg_array(cr.rule, values), cr.settings)
    return list(zip(value.to_pylist(), odd.to_pylist()))


def _pg_array(rule: Rule, values: list) -> pa.Array:
    select = rule.pg_select.replace(" ", "").lower()
    if rule.canon == "json" or select.endswith("::text"):
        return pa.array([_pg_text(v) for v in values], pa.string())
    if select.endswith("::int"):
        return pa.array([int(v) if v is not None else None for v in values], pa.int64())
    if select.endswith("::float8") or rule.canon == "float":
        return pa.array([float(v) if v is not None else None for v in values], pa.float64())
    if rule.canon == "text":
        return pa.array([_pg_text(v) for v in values], pa.string())
    if rule.canon == "bytes":
        return pa.array([bytes(v) if v is not None else None for v in values], pa.binary())
    if rule.canon in ("ts", "tstz") and any(isinstance(v, datetime) and v.tzinfo for v in values):
        values = [v.astimezone(UTC) if isinstance(v, datetime) and v.tzinfo else v for v in values]
        return pa.array(values, pa.timestamp("us", tz="UTC"))
    if rule.canon == "int":
        return pa.array([int(v) if v is not None else None for v in values], pa.int64())
    return pa.array(values)


def _pg_text(v) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list, int, float)) and not isinstance(v, bool):
        return json.dumps(v) if isinstance(v, (dict, list)) else str(v)
    return str(v)


def clock_minutes(us: int | None, now_us: int) -> int | None:
    """A value read from the clock as whole minutes from the moment the statement ran (0: the same clock)."""
    return None if us is None else round((us - now_us) / 60_000_000)


def now_us() -> int:
    return int((datetime.now(UTC).replace(tzinfo=None) - datetime(1970, 1, 1)) / timedelta(microseconds=1))
