"""Fetch only the differing rows again, by key, and say which column differs and how.

Rows are re-read with exact values: under a float tolerance the checksum hashes doubles in buckets
(see exact_numbers.double_bits), so two doubles within the tolerance can hash apart near a bucket
edge; here each such pair is compared exactly, |a - b| <= tolerance * max(|a|, |b|), and a row whose
only differences are within the tolerance is no difference at all (`beyond_tolerance`).
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass, replace

import polars as pl
import pyarrow as pa

from ..source import display_sql
from ..sqlnames import qi, qname, qs, sql_literal
from .exact_numbers import within_tolerance
from .json_values import duplicate_conflicts
from .pairing import Comparison, TablePair

FETCH_KEYS = 500
REDACTED = "***redacted***"
# names of columns whose values are never shown: credentials, and what logs a user in (a Django session key
# is a bearer credential; its session data holds the session)
SENSITIVE = re.compile(r"pass(word|wd)?|secret|token|api_?key|credential|private_?key|salt"
                       r"|session_?(key|data)|sessionid|cookie", re.I)


@dataclass
class RowDiff:
    """One differing row: its key, and for a changed row the column and both values."""

    kind: str  # 'missing' (in SQLite, not in PostgreSQL) | 'extra' | 'changed'
    key: dict
    column: str | None = None
    source: object = None
    target: object = None


def key_where_sql(tp: TablePair, keys: list[tuple], side: str) -> str:
    """A WHERE clause selecting rows by canonical key values (keys are ints or texts)."""
    cols = [qs(c.name) if side == "source" else qi(c.target.name) for c in tp.key]
    if len(cols) == 1:
        return f"{cols[0]} IN ({', '.join(sql_literal(k[0]) for k in keys)})"
    rows = ", ".join("(" + ", ".join(sql_literal(v) for v in k) + ")" for k in keys)
    if side == "source":
        return f"({', '.join(cols)}) IN (VALUES {rows})"
    return f"({', '.join(cols)}) IN ({rows})"


def is_sensitive(column: str, extra: tuple[str, ...] = ()) -> bool:
    return bool(SENSITIVE.search(column)) or column.lower() in {e.lower() for e in extra}


def _fetch_source(cmp: Comparison, tp: TablePair, where: str) -> list[tuple[tuple, list, dict]]:
    """(canonical key, canonical values per column, display row) for the rows `where` selects."""
    from .rules import canonical_source

    canon = [e for c in tp.compared for e in c.rule.src_select]
    shown = [(f"CAST({display_sql(qs(c.name))} AS TEXT)", "text") for c in tp.columns]
    exprs = canon + shown + [("rowid" if not tp.source.without_rowid else "0", "int")]
    batches = list(cmp.source.typed_batches(exprs, tp.source.name, where))
    if not batches:
        return []
    table = pa.Table.from_batches(batches)
    out, i = [], 0
    values: list[list] = []
    keys: dict[int, list] = {}
    for c in tp.compared:
        n = len(c.rule.src_select)
        raw = [table.column(j).combine_chunks() for j in range(i, i + n)]
        values.append(_rows(canonical_source(c.rule, raw, _exact(cmp))))
        if _tolerant_key(cmp, tp, c):
            keys[len(values) - 1] = _rows(canonical_source(c.rule, raw, cmp.settings))
        i += n
    displays = [table.column(i + k).to_pylist() for k in range(len(tp.columns))]
    rowids = table.column(len(exprs) - 1).to_pylist()
    for r in range(table.num_rows):
        row_vals = [values[k][r] for k in range(len(tp.compared))]
        display = {c.name: displays[k][r] for k, c in enumerate(tp.columns)}
        if not tp.source.without_rowid:
            display["rowid"] = rowids[r]
        out.append((_key_of(tp, _keyed(row_vals, keys, r)), row_vals, display))
    return out


def _fetch_target(cmp: Comparison, tp: TablePair, where: str) -> list[tuple[tuple, list, dict]]:
    from .rules import canonical_target

    canon = [c.rule.pg_select for c in tp.compared]
    shown = [f"{qi(c.target.name)}::text" for c in tp.compared]
    sql = (f"SELECT {', '.join(canon + shown)}, ctid::text FROM {qname(cmp.settings.schema, tp.target.name)} "
           f"WHERE {where}")
    cur = cmp.pg.cursor()
    try:
        cur.execute(sql)
        table = cur.fetch_arrow_table()
    finally:
        cur.close()
    n = len(tp.compared)
    values, keys = [], {}
    for k, c in enumerate(tp.compared):
        raw = table.column(k).combine_chunks()
        values.append(_rows(canonical_target(c.rule, raw, _exact(cmp))))
        if _tolerant_key(cmp, tp, c):
            keys[k] = _rows(canonical_target(c.rule, raw, cmp.settings))
    displays = [table.column(n + k).to_pylist() for k in range(n)]
    ctids = table.column(2 * n).to_pylist()
    out = []
    for r in range(table.num_rows):
        row_vals = [values[k][r] for k in range(n)]
        display = {c.name: displays[k][r] for k, c in enumerate(tp.compared)}
        display["ctid"] = ctids[r]
        out.append((_key_of(tp, _keyed(row_vals, keys, r)), row_vals, display))
    return out


def _exact(cmp: Comparison):
    """The settings with doubles compared bit for bit: the values the tolerance is then applied to."""
    return replace(cmp.settings, float_tolerance=0.0) if cmp.settings.float_tolerance else cmp.settings


def _tolerant_key(cmp: Comparison, tp: TablePair, c) -> bool:
    """A key column whose canonical value depends on the tolerance (a double key): keys must match the checksum's."""
    return bool(cmp.settings.float_tolerance) and c.rule.canon == "float" and any(k is c for k in tp.key)


def _rows(arrays: list) -> list[tuple]:
    return [tuple(v) for v in zip(*(a.to_pylist() for a in arrays))]


def _keyed(row_vals: list[tuple], keys: dict[int, list], r: int) -> list[tuple]:
    if not keys:
        return row_vals
    return [keys[k][r] if k in keys else v for k, v in enumerate(row_vals)]


def _key_of(tp: TablePair, row_vals: list[tuple]) -> tuple:
    pos = {id(c): i for i, c in enumerate(tp.compared)}
    return tuple(row_vals[pos[id(k)]][0] for k in tp.key)


def _redact(display: dict, extra: tuple[str, ...]) -> dict:
    return {k: (REDACTED if v is not None and is_sensitive(k, extra) else v) for k, v in display.items()}


def shown_key(names: list[str], key: tuple, extra: tuple[str, ...] = ()) -> dict:
    """A row's key as findings name it: a sensitive key column (a session key) by the first 8 hex digits of the
    sha256 of its text ('sha256:1f2e3d4c'), so the row is still named, and a waiver can name it, without the value."""
    return {n: (f"sha256:{hashlib.sha256(str(v).encode()).hexdigest()[:8]}" if v is not None and is_sensitive(n, extra)
                else v) for n, v in zip(names, key)}


def _double(bits: int | None) -> str | None:
    return None if bits is None else repr(struct.unpack("<d", struct.pack("<q", bits))[0])


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def rows_by_key(cmp: Comparison, tp: TablePair, df: pl.DataFrame, side: str, n: int) -> list[tuple[dict, dict]]:
    """The first `n` rows of `df` (canonical keys) as shown on one side."""
    keys = [tuple(r) for r in df.select([f"k{i}" for i in range(len(tp.key))]).head(n).iter_rows()]
    if not keys:
        return []
    fetch = _fetch_source if side == "source" else _fetch_target
    rows = fetch(cmp, tp, key_where_sql(tp, keys, side))
    names = [c.name for c in tp.key]
    return [(shown_key(names, k, cmp.redact), _redact(d, cmp.redact)) for k, _, d in rows][:n]


def rows_by_locator(cmp: Comparison, tp: TablePair, locs: list, side: str) -> list[tuple[str, dict]]:
    """Rows of a keyless table by rowid (SQLite) or ctid (PostgreSQL)."""
    locs = [x for x in locs if x is not None]
    if not locs:
        return []
    if side == "source":
        rows = _fetch_source(cmp, tp, f"rowid IN ({', '.join(str(int(x)) for x in locs)})")
        return [(str(d.get("rowid")), _redact(d, cmp.redact)) for _, _, d in rows]
    lits = ", ".join("'" + x + "'::tid" for x in locs)
    rows = _fetch_target(cmp, tp, f"ctid IN ({lits})")
    return [(d["ctid"], _redact(d, cmp.redact)) for _, _, d in rows]


def _differs(cmp: Comparison, c, source: tuple, target: tuple) -> bool:
    """Canonical (value, odd) pairs differ, doubles beyond the tolerance only."""
    if source == target:
        return False
    tol = cmp.settings.float_tolerance
    if tol and c.rule.canon == "float" and source[1] is None and target[1] is None \
            and source[0] is not None and target[0] is not None:
        return not within_tolerance(source[0], target[0], tol)
    return True


def _shown(c, sv: tuple, tv: tuple, sd: dict, td: dict) -> tuple[object, object]:
    shown_s, shown_t = sd.get(c.name), td.get(c.name)
    if c.rule.canon == "float":  # show the doubles compared, not a rounded rendering
        shown_s, shown_t = _double(sv[0]) or shown_s, _double(tv[0]) or shown_t
    if c.rule.canon == "json" and isinstance(shown_s, str) and (dups := duplicate_conflicts(shown_s)):
        shown_s = (f"{shown_s} (duplicate key {'; '.join(dups)}: SQLite's json_extract reads the first value, "
                   "PostgreSQL the last)")
    return shown_s, shown_t


def _fetch_pairs(cmp: Comparison, tp: TablePair, keys: list[tuple]):
    """(key, source (values, display), target (values, display)) for keys present on both sides."""
    for chunk in _chunks(keys, FETCH_KEYS):
        src = {k: (v, d) for k, v, d in _fetch_source(cmp, tp, key_where_sql(tp, chunk, "source"))}
        tgt = {k: (v, d) for k, v, d in _fetch_target(cmp, tp, key_where_sql(tp, chunk, "target"))}
        for key in chunk:
            if key in src and key in tgt:
                yield key, src[key], tgt[key]


def beyond_tolerance(cmp: Comparison, tp: TablePair, changed: pl.DataFrame) -> pl.DataFrame:
    """The changed rows (canonical keys k0..) that still differ when doubles are compared within the tolerance
    exactly; without a tolerance, all of them. Rows that cannot be re-read (gone meanwhile) are kept."""
    if not cmp.settings.float_tolerance or changed.height == 0:
        return changed
    names = [f"k{i}" for i in range(len(tp.key))]
    cleared = {key for key, (sv, _), (tv, _) in _fetch_pairs(cmp, tp, [tuple(r) for r in changed.select(names)
                                                                        .iter_rows()])
               if not any(_differs(cmp, c, sv[i], tv[i]) for i, c in enumerate(tp.compared))}
    if not cleared:
        return changed
    keep = [tuple(r) not in cleared for r in changed.select(names).iter_rows()]
    return changed.filter(pl.Series(keep))


def detail_changed(cmp: Comparison, tp: TablePair, changed: pl.DataFrame, n: int):
    """(examples, changed rows per column, rows attributed) for rows present on both sides but different."""
    keys = [tuple(r) for r in changed.select([f"k{i}" for i in range(len(tp.key))]).iter_rows()]
    examples: list = []
    per_column: dict[str, int] = {}
    attributed = 0
    names = [c.name for c in tp.key]
    for key, (sv, sd), (tv, td) in _fetch_pairs(cmp, tp, keys):
        attributed += 1
        for i, c in enumerate(tp.compared):
            if not _differs(cmp, c, sv[i], tv[i]):
                continue
            per_column[c.name] = per_column.get(c.name, 0) + 1
            if len(examples) < n:
                hide = is_sensitive(c.name, cmp.redact)
                shown_s, shown_t = _shown(c, sv[i], tv[i], sd, td)
                examples.append(RowDiff("changed", shown_key(names, key, cmp.redact), c.name,
                                        REDACTED if hide else shown_s, REDACTED if hide else shown_t))
    return examples, per_column, attributed
