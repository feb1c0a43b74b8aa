"""What the values in each SQLite column actually are, counted inside SQLite in one scan per table.

SQLite declares affinities, not types: an INTEGER column may hold text, a DATETIME column epochs.
The planner needs these counts to follow the values instead of the declaration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .schema import Table
from .source import SqliteSource
from .sqlnames import qs

BOOL_TOKENS = ("0", "1", "t", "f", "true", "false", "y", "n", "yes", "no", "on", "off")
# a text timestamp PostgreSQL reads as SQLite does: date, optional time, optional fraction and zone
_TS_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]*"


@dataclass(frozen=True)
class ColumnProfile:
    rows: int
    nulls: int
    integers: int
    reals: int
    texts: int
    blobs: int
    int_min: int | None
    int_max: int | None
    non_bool_ints: int  # integer values other than 0 and 1
    bool_texts: int  # text values that are boolean words
    max_chars: int | None  # longest text value in characters
    nul_texts: int  # text values holding a NUL character
    ts_texts: int  # text values that are valid timestamps
    ts_zoned: int  # ... of which carry a zone (Z or +hh:mm)
    date_only: int  # text values that are a plain YYYY-MM-DD date
    json_texts: int  # text values that are JSON objects or arrays
    scale_misfits: int  # numbers that do not fit the declared NUMERIC scale

    @property
    def non_null(self) -> int:
        return self.rows - self.nulls


def declared_scale(declared: str) -> tuple[int, int] | None:
    """(precision, scale) of a declared NUMERIC(p,s)/DECIMAL(p,s), else None."""
    m = re.search(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)", declared)
    if not m or not re.match(r"\s*(NUMERIC|DECIMAL|NUMBER|MONEY)", declared, re.I):
        return None
    return int(m.group(1)), int(m.group(2) or 0)


def ts_valid_sql(c: str) -> str:
    """SQLite condition: the quoted column `c` holds a text timestamp PostgreSQL reads the same way."""
    return (f"(typeof({c})='text' AND {c} GLOB '{_TS_GLOB}' AND julianday({c}) IS NOT NULL"
            f" AND date({c}) = substr({c},1,10))")


def _column_exprs(name: str, declared: str) -> list[str]:
    c = qs(name)
    is_text = f"typeof({c})='text'"
    tokens = ",".join(f"'{t}'" for t in BOOL_TOKENS)
    ts_ok = ts_valid_sql(c)
    ps = declared_scale(declared)
    scale = (f"sum(typeof({c}) IN ('real','integer') AND round({c},{ps[1]}) <> {c}"
             f" OR abs({c}) >= 1e{ps[0] - ps[1]})") if ps else "0"
    return [
        f"sum({c} IS NULL)",
        f"sum(typeof({c})='integer')",
        f"sum(typeof({c})='real')",
        f"sum({is_text})",
        f"sum(typeof({c})='blob')",
        f"min(CASE WHEN typeof({c})='integer' THEN {c} END)",
        f"max(CASE WHEN typeof({c})='integer' THEN {c} END)",
        f"sum(typeof({c})='integer' AND {c} NOT IN (0,1))",
        f"sum({is_text} AND lower(trim({c})) IN ({tokens}))",
        f"max(CASE WHEN {is_text} THEN length({c}) END)",
        f"sum({is_text} AND instr(CAST({c} AS BLOB), x'00') > 0)",
        f"sum({ts_ok})",
        f"sum({ts_ok} AND ({c} GLOB '*[+-][0-9][0-9]:[0-9][0-9]' OR {c} GLOB '*Z'))",
        f"sum({ts_ok} AND length({c}) = 10)",
        f"sum({is_text} AND substr(ltrim({c}),1,1) IN ('{{','[') AND json_valid({c}))",
        scale,
    ]


def profile_table(src: SqliteSource, table: Table) -> dict[str, ColumnProfile]:
    """Count, per column, the storage classes and value shapes present (one scan of the table)."""
    exprs = ["count(*)"]
    per_col = 0
    for col in table.columns:
        parts = _column_exprs(col.name, col.type)
        per_col = len(parts)
        exprs.extend(parts)
    row = src.query(f"SELECT {', '.join(exprs)} FROM {qs(table.name)}")[0]
    rows = row[0]
    out = {}
    for i, col in enumerate(table.columns):
        vals = [v if v is not None else 0 for v in row[1 + i * per_col: 1 + (i + 1) * per_col]]
        raw = row[1 + i * per_col: 1 + (i + 1) * per_col]
        out[col.name] = ColumnProfile(rows, *vals[:5], raw[5], raw[6], vals[7], vals[8], raw[9], *vals[10:])
    return out
