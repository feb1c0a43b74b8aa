"""An independent, deliberately simple oracle: read both sides row by row in Python and compare.

Slow on purpose and sharing no code with the engine's reader, so a bug there cannot hide itself.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg2

from pgparity.plan import Plan, TablePlan
from pgparity.source import sqlite_uri
from pgparity.sqlnames import qi

_CANON = {"integer": "bigint", "smallint": "bigint", "timestamp without time zone": "timestamp",
          "timestamp with time zone": "timestamptz", "real": "double precision", "json": "jsonb"}


def canon(pg_type: str) -> str:
    """format_type() spellings to the plan's own."""
    base = re.sub(r"\(\d+(,\d+)?\)", "", pg_type).strip()
    if base in ("character varying", "character"):
        return "text"
    if base == "numeric":
        return pg_type
    return _CANON.get(base, base)


def _src_value(value, pg_type: str, rule: str):
    pg_type = canon(pg_type)
    if value is None:
        return None
    if pg_type == "boolean":
        return str(value).strip().lower() in ("1", "t", "true", "y", "yes", "on")
    if pg_type == "bigint":
        return int(value)
    if pg_type == "double precision":
        return float(value)
    if pg_type.startswith("numeric"):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    if rule == "epoch-timestamp":
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    if pg_type == "timestamp":
        return datetime.fromisoformat(value)
    if pg_type == "timestamptz":
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if pg_type == "date":
        return date.fromisoformat(value)
    if pg_type == "bytea":
        return bytes(value) if isinstance(value, bytes) else str(value).encode()
    if pg_type == "jsonb":
        return json.dumps(json.loads(value), sort_keys=True)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _pg_value(value, pg_type: str):
    pg_type = canon(pg_type)
    if value is None:
        return None
    if pg_type == "bytea":
        return bytes(value)
    if pg_type == "jsonb":
        return json.dumps(json.loads(value) if isinstance(value, str) else value, sort_keys=True)
    if pg_type.startswith("numeric"):
        return Decimal(value).normalize()
    return value


def _key(row: tuple) -> tuple:
    return tuple((v is None, repr(v)) for v in row)


def table_rows(sqlite_path, pg_url: str, schema: str, tp: TablePlan) -> tuple[Counter, Counter]:
    """Both sides of one table as multisets of normalised rows."""
    src = sqlite3.connect(sqlite_uri(Path(sqlite_path)), uri=True)  # odd file names too
    src.text_factory = bytes
    cols_s = ", ".join('"' + c.name.replace('"', '""') + '"' for c in tp.columns)
    rows_s = src.execute(f"SELECT {cols_s} FROM {qi(tp.name)}").fetchall()
    src.close()
    left = Counter()
    for row in rows_s:
        vals = []
        for c, v in zip(tp.columns, row):
            if isinstance(v, bytes) and c.pg_type != "bytea":
                v = v.decode("utf-8")
            s = _src_value(v, c.pg_type, c.rule)
            vals.append(s.normalize() if isinstance(s, Decimal) else s)
        left[_key(tuple(vals))] += 1
    conn = psycopg2.connect(pg_url)
    with conn.cursor() as cur:
        cols_p = ", ".join(qi(c.pg_name) for c in tp.columns)
        cur.execute(f"SELECT {cols_p} FROM {qi(schema)}.{qi(tp.pg_name)}")
        right = Counter(_key(tuple(_pg_value(v, c.pg_type) for c, v in zip(tp.columns, row)))
                        for row in cur.fetchall())
    conn.close()
    return left, right


def assert_same(sqlite_path, pg_url: str, plan: Plan) -> None:
    """Every table's rows arrive, equal under the planned rule."""
    for tp in plan.tables:
        left, right = table_rows(sqlite_path, pg_url, plan.options.schema, tp)
        missing, extra = left - right, right - left
        assert not missing and not extra, (
            f"{tp.name}: {sum(missing.values())} missing, {sum(extra.values())} extra; "
            f"e.g. missing {list(missing)[:2]} extra {list(extra)[:2]}")
