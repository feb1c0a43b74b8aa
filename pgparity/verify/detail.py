"""Fetch only the differing rows again, by key, and say which column differs and how."""

from __future__ import annotations

import re
import struct

import polars as pl
import pyarrow as pa

from ..source import display_sql
from ..sqlnames import qi, qname, qs
from .pairing import Comparison, TablePair

FETCH_KEYS = 500
REDACTED = "***redacted***"
SENSITIVE = re.compile(r"pass(word|wd)?|secret|token|api_?key|credential|private_?key|salt", re.I)


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
    for c in tp.compared:
        n = len(c.rule.src_select)
        arrays = canonical_source(c.rule, [table.column(j).combine_chunks() for j in range(i, i + n)], cmp.settings)
        values.append([tuple(v) for v in zip(*(a.to_pylist() for a in arrays))])
        i += n
    displays = [table.column(i + k).to_pylist() for k in range(len(tp.columns))]
    rowids = table.column(len(exprs) - 1).to_pylist()
    for r in range(table.num_rows):
        row_vals = [values[k][r] for k in range(len(tp.compared))]
        display = {c.name: displays[k][r] for k, c in enumerate(tp.columns)}
        if not tp.source.without_rowid:
            display["rowid"] = rowids[r]
        out.append((_key_of(tp, row_vals), row_vals, display))
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
    values = []
    for k, c in enumerate(tp.compared):
        arrays = canonical_target(c.rule, table.column(k).combine_chunks(), cmp.settings)
        values.append([tuple(v) for v in zip(*(a.to_pylist() for a in arrays))])
    displays = [table.column(n + k).to_pylist() for k in range(n)]
    ctids = table.column(2 * n).to_pylist()
    out = []
    for r in range(table.num_rows):
        row_vals = [values[k][r] for k in range(n)]
        display = {c.name: displays[k][r] for k, c in enumerate(tp.compared)}
        display["ctid"] = ctids[r]
        out.append((_key_of(tp, row_vals), row_vals, display))
    return out


def _key_of(tp: TablePair, row_vals: list[tuple]) -> tuple:
    pos = {id(c): i for i, c in enumerate(tp.compared)}
    return tuple(row_vals[pos[id(k)]][0] for k in tp.key)


def _redact(display: dict, extra: tuple[str, ...]) -> dict:
    return {k: (REDACTED if v is not None and is_sensitive(k, extra) else v) for k, v in display.items()}


def _double(bits: int | None) -> str | None:
    return None if bits is None else repr(struct.unpack("<d", struct.pack("<q", bits))[0])


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def rows_by_key(cmp: Comparison, tp: TablePair, df: pl.DataFrame, side: str, n: int) -> list[tuple[dict, dict]]:
    """The first `n` rows of `df` (canonical keys) as shown on one side."""
    from .content import key_where_sql

    keys = [tuple(r) for r in df.select([f"k{i}" for i in range(len(tp.key))]).head(n).iter_rows()]
    if not keys:
        return []
    fetch = _fetch_source if side == "source" else _fetch_target
    rows = fetch(cmp, tp, key_where_sql(tp, keys, side))
    names = [c.name for c in tp.key]
    return [(dict(zip(names, k)), _redact(d, cmp.redact)) for k, _, d in rows][:n]


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


def detail_changed(cmp: Comparison, tp: TablePair, changed: pl.DataFrame, n: int):
    """(examples, changed rows per column, rows attributed) for rows present on both sides but different."""
    from .content import RowDiff, key_where_sql

    keys = [tuple(r) for r in changed.select([f"k{i}" for i in range(len(tp.key))]).iter_rows()]
    examples: list = []
    per_column: dict[str, int] = {}
    attributed = 0
    names = [c.name for c in tp.key]
    for chunk in _chunks(keys, FETCH_KEYS):
        src = {k: (v, d) for k, v, d in _fetch_source(cmp, tp, key_where_sql(tp, chunk, "source"))}
        tgt = {k: (v, d) for k, v, d in _fetch_target(cmp, tp, key_where_sql(tp, chunk, "target"))}
        for key in chunk:
            if key not in src or key not in tgt:
                continue
            attributed += 1
            (sv, sd), (tv, td) = src[key], tgt[key]
            for i, c in enumerate(tp.compared):
                if sv[i] == tv[i]:
                    continue
                per_column[c.name] = per_column.get(c.name, 0) + 1
                if len(examples) < n:
                    hide = is_sensitive(c.name, cmp.redact)
                    shown_s, shown_t = sd.get(c.name), td.get(c.name)
                    if c.rule.canon == "float":  # show the doubles compared, not a rounded rendering
                        shown_s, shown_t = _double(sv[i][0]) or shown_s, _double(tv[i][0]) or shown_t
                    examples.append(RowDiff("changed", dict(zip(names, key)), c.name,
                                            REDACTED if hide else shown_s, REDACTED if hide else shown_t))
    return examples, per_column, attributed

