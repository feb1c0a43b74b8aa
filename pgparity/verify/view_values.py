"""A view's rows by content: the multiset of canonical rows SQLite's view returns equals PostgreSQL's.

Each column is compared by the rule a table column would get (rules.infer) from the view's column types:
SQLite's declared type (PRAGMA table_info on the view; '' for an expression) and PostgreSQL's view column
type. Both sides are read in batches, turned into canonical values and hashed per row (polars), so memory
holds one batch plus one hash per row. On a difference both sides are read again to show one example row.

Not compared by content (count and NULLs only): a column whose value depends on the order rows are
aggregated in -- group_concat without ORDER BY (neither database promises an order), and sum/avg/total
that PostgreSQL computes as numeric or double (SQLite adds doubles in its own order: 4756.9800000000005
where PostgreSQL's numeric sum says 4756.98).

Cannot see: a view column SQLite returns as integers that PostgreSQL returns as timestamps is read as unix
seconds unless --epoch-unit says otherwise; doubles near a --float-tolerance bucket edge may hash apart.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..fit import base_type
from ..sqlnames import qname, qs
from .pairing import Comparison, match_name
from .pg_objects import relation_column_types
from .rules import Rule, canonical_source, canonical_target, infer

BATCH_ROWS = 65_536
HASH_SEED = 20261126


def view_value_difference(cmp: Comparison, view: str, sql: str, pg_name: str) -> str | None:
    """None when both sides return the same rows (as multisets of canonical values), else what differs,
    with an example row of each side that the other lacks. `sql`: SQLite's CREATE VIEW."""
    cols = _columns(cmp, view, pg_name, _order_dependent(sql))
    if not cols:
        return None
    src = _hashes(_source_frames(cmp, view, cols))
    tgt = _hashes(_target_frames(cmp, pg_name, cols))
    counts = src.join(tgt, on="h", how="full", coalesce=True, suffix="_t").fill_null(0)
    missing = counts.filter(pl.col("n") > pl.col("n_t"))
    extra = counts.filter(pl.col("n_t") > pl.col("n"))
    if not missing.height and not extra.height:
        return None
    n_missing = int((missing["n"] - missing["n_t"]).sum()) if missing.height else 0
    n_extra = int((extra["n_t"] - extra["n"]).sum()) if extra.height else 0
    text = f" returns {n_missing} row(s) PostgreSQL's view does not and {n_extra} SQLite's does not"
    if missing.height:
        text += f"; e.g. SQLite: {_example(_source_frames(cmp, view, cols), set(missing['h'].to_list()), cols)}"
    if extra.height:
        text += f"; PostgreSQL: {_example(_target_frames(cmp, pg_name, cols), set(extra['h'].to_list()), cols)}"
    return text


def _columns(cmp: Comparison, view: str, pg_name: str, unordered: dict[int, str]) -> list[tuple[str, Rule]]:
    """(SQLite column, rule) for every view column both sides have whose value does not depend on the
    order rows are aggregated in."""
    pg = dict(relation_column_types(cmp, pg_name))
    out = []
    for pos, name, declared, *_ in cmp.source.query(f"PRAGMA table_info({qs(view)})"):
        found = match_name(name, list(pg))
        if found is None:
            continue  # reported as view-columns
        kind = unordered.get(pos)
        if kind == "concat" or (kind == "sum" and base_type(pg[found]) not in _INTEGERS):
            continue
        unit = cmp.interval_unit() if base_type(pg[found]).startswith("interval") else None
        out.append((name, infer(name, declared or "", found, pg[found], cmp.settings, unit)))
    return out


_INTEGERS = ("smallint", "integer", "bigint")


def _order_dependent(sql: str) -> dict[int, str]:
    """Output position -> 'concat' (group_concat without ORDER BY) or 'sum' (sum/avg/total), in any
    branch of the view's SELECT; {} when SQLite's view does not parse."""
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except SqlglotError:
        return {}
    body = tree.expression if isinstance(tree, exp.Create) else None
    out: dict[int, str] = {}
    for select in (body.find_all(exp.Select) if body is not None else []):
        if select is not body and not isinstance(select.parent, exp.SetOperation):
            continue  # a subquery's columns are not the view's
        for pos, e in enumerate(select.selects):
            if any(not isinstance(g.this, exp.Order) for g in e.find_all(exp.GroupConcat)):
                out[pos] = "concat"
            elif pos not in out and (e.find(exp.Sum, exp.Avg) or any(
                    a.name.lower() == "total" for a in e.find_all(exp.Anonymous))):
                out[pos] = "sum"
    return out


def _source_frames(cmp: Comparison, view: str, cols: list[tuple[str, Rule]]) -> Iterator[pl.DataFrame]:
    exprs = [e for _, r in cols for e in r.src_select]
    for batch in cmp.source.typed_batches(exprs, view, "", BATCH_ROWS):
        values, i = [], 0
        for _, r in cols:
            n = len(r.src_select)
            values += canonical_source(r, [batch.column(j) for j in range(i, i + n)], cmp.settings)
            i += n
        yield _frame(values)


def _target_frames(cmp: Comparison, pg_name: str, cols: list[tuple[str, Rule]]) -> Iterator[pl.DataFrame]:
    """PostgreSQL's canonical batches, inside a savepoint: a failure does not spoil the snapshot."""
    _pg(cmp, "SAVEPOINT pgparity_view")
    done = "ROLLBACK TO SAVEPOINT pgparity_view"
    cur = cmp.pg.cursor()
    try:
        cur.execute(f"SELECT {', '.join(r.pg_select for _, r in cols)} "
                    f"FROM {qname(cmp.settings.schema, pg_name)}")
        for batch in cur.fetch_record_batch():
            if batch.num_rows:
                yield _frame([v for i, (_, r) in enumerate(cols)
                              for v in canonical_target(r, batch.column(i), cmp.settings)])
        done = "RELEASE SAVEPOINT pgparity_view"
    finally:
        cur.close()
        _pg(cmp, done)


def _pg(cmp: Comparison, sql: str) -> None:
    cur = cmp.pg.cursor()
    try:
        cur.execute(sql)
    finally:
        cur.close()


def _frame(values: list[pa.Array]) -> pl.DataFrame:
    """The canonical values of a batch (v0, v1, ... two per column: value, odd marker) and each row's hash."""
    df = pl.from_arrow(pa.table(values, names=[f"v{i}" for i in range(len(values))]))
    return df.with_columns(df.hash_rows(seed=HASH_SEED).alias("h"))


def _hashes(frames: Iterator[pl.DataFrame]) -> pl.DataFrame:
    """h -> n (rows with that hash); only the hashes are kept from each batch."""
    parts = [f.select("h") for f in frames]
    if not parts:
        return pl.DataFrame({"h": pl.Series([], dtype=pl.UInt64), "n": pl.Series([], dtype=pl.UInt32)})
    return pl.concat(parts).group_by("h").agg(pl.len().alias("n"))


def _example(frames: Iterator[pl.DataFrame], wanted: set[int], cols: list[tuple[str, Rule]]) -> str:
    """The first row whose hash is in `wanted`, as {column: canonical value}; reading stops there."""
    for f in frames:
        hit = f.filter(pl.col("h").is_in(list(wanted)))
        if hit.height:
            row = hit.row(0)
            shown = {name: row[2 * i] if row[2 * i + 1] is None else row[2 * i + 1]
                     for i, (name, _) in enumerate(cols)}
            if hasattr(frames, "close"):
                frames.close()
            return str(shown)
    return "(not found again)"
