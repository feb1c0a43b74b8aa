"""Probe values: a small set of values a column can hold in both engines, to test what a constraint accepts.

A probe is one value written the way SQLite stores it (after the source column's affinity) and the
way PostgreSQL holds it in the target type. The set for a column is the target type's edges
(0, -1, the type's range, '', a value of the full declared length), every constant the constraint
mentions with its neighbours (n-1, n, n+1; 'new', 'NEW', 'newx'), and up to DISTINCT_VALUES values
the column holds. Two constraints that agree on every probe are taken as equal; a probe where they
disagree is the witness shown to the user.

What it cannot see: a difference only at a value none of these reach (a probe set is finite).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlglot import exp

from ..affinity import affinity
from ..fit import INT_RANGE, base_type

DISTINCT_VALUES = 50  # source values per column added to the probes
MAX_ROWS = 1500  # probe rows for a constraint on several columns (their product is cut to this)

_TEXT_EDGES = ("", "a", "A", "abc", "ABC", " ", "0", "1", "-1", "é", "a b", "%", "_")
_JSON_EDGES = ("{}", "[]", '{"a": 1}', "[1, 2]", "1", '"a"', "null", "true", "0", "-1.5")
_TS_EDGES = ("2024-01-02 03:04:05", "1970-01-01 00:00:00", "2099-12-31 23:59:59", "2000-02-29 12:00:00")
_DATE_EDGES = ("2024-01-02", "1970-01-01", "2099-12-31", "2000-02-29")


@dataclass(frozen=True)
class Probe:
    value: object  # the Python value as SQLite stores it (int, float, str, bytes, None)
    sqlite: str  # a SQLite literal for it, cast so the source column's affinity applies
    pg: str  # a PostgreSQL literal of the target type


def literals(*trees: exp.Expression) -> tuple[list[float], list[str]]:
    """The numeric and string constants appearing in sqlglot trees."""
    nums, texts = [], []
    for tree in trees:
        for lit in tree.find_all(exp.Literal):
            if lit.is_string:
                texts.append(lit.this)
            else:
                try:
                    nums.append(float(lit.this))
                except ValueError:
                    pass
    return nums, texts


def column_probes(pg_type: str, declared: str, nullable: bool, nums: list[float], texts: list[str],
                  seen: list) -> list[Probe] | None:
    """Probes for one column of `pg_type` (None when this type has no probe rule)."""
    base = base_type(pg_type)
    values = _candidates(pg_type, base, nums, texts, seen)
    if values is None:
        return None
    out, keys = [], set()
    for v in values:
        v = _fit(v, pg_type, base)
        if v is None or (type(v), v) in keys:
            continue
        keys.add((type(v), v))
        out.append(Probe(v, _sqlite_literal(v, declared), _pg_literal(v, pg_type, base)))
    if nullable:
        out.append(Probe(None, "NULL", f"NULL::{pg_type}"))
    return out


def _candidates(pg_type: str, base: str, nums: list[float], texts: list[str], seen: list) -> list | None:
    numeric_texts = [float(t) for t in texts if _is_number(t)]
    around = [x + d for x in nums + numeric_texts for d in (-1, -0.5, -1e-6, 0, 1e-6, 0.5, 1)]
    if base in INT_RANGE:
        lo, hi = INT_RANGE[base]
        return [math.floor(x) for x in around if math.isfinite(x)] + [0, 1, -1, 2, -2, 10, 100, lo, hi,
                                                                      lo + 1, hi - 1] + list(seen)
    if base == "boolean":
        return [0, 1]
    if base in ("double precision", "real", "numeric"):
        return around + [0, 1, -1, 0.5, -0.5, 1e9, -1e9, 1e-6, 2] + list(seen)
    if base in ("text", "character varying", "citext"):
        variants = [s for t in texts for s in (t, t.upper(), t.lower(), t + "x", t[:-1], " " + t, t + " ")]
        width = _length(pg_type)
        longest = ["x" * width, "x" * (width + 1)] if width else ["x" * 300]
        return variants + [str(int(x)) if x == int(x) else repr(x) for x in nums] + list(_TEXT_EDGES) \
            + longest + [s for s in seen if isinstance(s, str)]
    if base in ("json", "jsonb"):
        return list(_JSON_EDGES) + [t for t in texts if _is_json(t)] + [s for s in seen if _is_json(s)]
    if base.startswith("timestamp"):
        return list(_TS_EDGES) + [t for t in texts if _is_time(t)] + [s for s in seen if _is_time(s)]
    if base == "date":
        return list(_DATE_EDGES) + [t for t in texts if re.fullmatch(r"\d{4}-\d\d-\d\d", t)] + \
            [s for s in seen if isinstance(s, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", s)]
    if base == "bytea":
        return [b"", b"\x00", b"abc"] + [s for s in seen if isinstance(s, bytes)]
    return None


def _fit(v, pg_type: str, base: str):
    """`v` as the target type holds it, or None when the type cannot hold it (not a probe)."""
    if base in INT_RANGE:
        lo, hi = INT_RANGE[base]
        return v if isinstance(v, int) and lo <= v <= hi else None
    if base in ("double precision", "real", "numeric"):
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            return None
        if m := re.search(r"\((\d+)(?:,\s*(\d+))?\)", pg_type):
            p, s = int(m.group(1)), int(m.group(2) or 0)
            try:
                q = Decimal(repr(v)).quantize(Decimal(1).scaleb(-s))
            except InvalidOperation:
                return None
            if abs(q) >= Decimal(10) ** (p - s):
                return None
            v = float(q) if s else int(q)
        return v
    if base in ("text", "character varying", "citext", "json", "jsonb") or base.startswith(("timestamp", "date")):
        width = _length(pg_type)
        return v if isinstance(v, str) and (not width or len(v) <= width) else None
    return v


def _length(pg_type: str) -> int | None:
    m = re.search(r"\((\d+)\)", pg_type)
    return int(m.group(1)) if m and base_type(pg_type) in ("character varying", "character") else None


def _sqlite_literal(v, declared: str) -> str:
    """The probe as a SQLite literal; cast where the column's affinity keeps the value, so it applies."""
    aff = affinity(declared)
    if isinstance(v, bool) or v is None:
        return "NULL" if v is None else str(int(v))
    if isinstance(v, int):
        if aff == "REAL":
            return f"CAST({v} AS REAL)"
        return f"CAST({v} AS INTEGER)" if aff in ("INTEGER", "NUMERIC") else str(v)
    if isinstance(v, float):
        if aff in ("INTEGER", "NUMERIC") and v == int(v) and abs(v) < 2**63:
            return f"CAST({int(v)} AS INTEGER)"
        return f"CAST({v!r} AS REAL)" if aff != "TEXT" else f"'{v!r}'"
    if isinstance(v, bytes):
        return f"X'{v.hex()}'"
    text = "'" + str(v).replace("'", "''") + "'"
    return f"CAST({text} AS TEXT)" if aff == "TEXT" else text


def _pg_literal(v, pg_type: str, base: str) -> str:
    if base == "boolean":
        return "true" if v else "false"
    if isinstance(v, bytes):
        return f"'\\x{v.hex()}'::bytea"
    text = repr(v) if isinstance(v, float) else str(v)
    return "'" + text.replace("'", "''") + f"'::{pg_type}"


def _is_number(t: str) -> bool:
    try:
        return math.isfinite(float(t))
    except ValueError:
        return False


def _is_json(t) -> bool:
    if not isinstance(t, str):
        return False
    try:
        json.loads(t)
        return True
    except ValueError:
        return False


def _is_time(t) -> bool:
    return isinstance(t, str) and bool(re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?", t))
