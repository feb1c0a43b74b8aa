"""A view's rows by content: the multiset of canonical rows SQLite's view returns equals PostgreSQL's.

Each column is compared by the rule a table column would get (rules.infer) from the view's column types:
SQLite's declared type (PRAGMA table_info on the view; '' for an expression) and PostgreSQL's view column
type. Both sides are read in batches, turned into canonical values and hashed per row (polars), so memory
holds one batch plus one hash per row. On a difference both sides are read again to show one example row.

A plain row filter of one table (follows_table) is compared by the primary keys both sides return when
the table's content scan passed (then each view row is the table row of its key): the demo's open_orders,
187k rows, 1.9 s -> 0.4 s measured alone (every column read and canonicalised on both sides, vs one integer
column per side; in a full run the long way also contends with the scan worker reading the same table).

Not compared by content (count and NULLs only): a column whose value depends on the order rows are
aggregated in -- group_concat without ORDER BY (neither database promises an order), and sum/avg/total
that PostgreSQL computes as numeric or double (SQLite adds doubles in its own order: 4756.9800000000005
where PostgreSQL's numeric sum says 4756.98).

Cannot see: a view column SQLite returns as integers that PostgreSQL returns as timestamps is read as unix
seconds unless --epoch-unit says otherwise; doubles near a --float-tolerance bucket edge may hash apart.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..errors import TargetError
from ..fit import base_type
from ..sqlnames import qi, qname, qs, sql_literal
from .pairing import Comparison, TablePair, match_name
from .pg_objects import relation_column_types
from .rules import Rule, canonical_source, canonical_target, infer
from .schedule import settled

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


# --- a view that is its table's rows: compared by the keys it returns -------------------------------------

_PLAIN = {"expressions", "from", "from_", "where"}  # the only parts a row filter over one table has


def follows_table(cmp: Comparison, tp: TablePair, view: str, sql: str, pg_name: str, pg_def: str | None) -> bool:
    """Whether the view's rows are proven equal without reading them: both sides are a plain filter of this
    table (SELECT its columns, the same ones in the same order, FROM it alone, WHERE anything: no join,
    grouping, DISTINCT, LIMIT or expression; PostgreSQL's view depends on this table and no other relation),
    they return its one-column integer primary key, the same keys on both sides, and the table's content
    scan found every row equal by key. Then each view row is the table row of its key on both sides.
    False (the rows are compared themselves) whenever any part is not so, or no scan was scheduled."""
    found = cmp.cache.get(f"content:{tp.name}")
    if found is None or pg_def is None or tp.target is None or len(tp.source.primary_key) != 1:
        return False
    to_target = {c.name: c.target.name for c in tp.columns if c.target is not None}
    src = _projection(sql, "sqlite", tp.name, [c.name for c in tp.source.columns])
    tgt = _projection(pg_def, "postgres", tp.target.name, [c.name for c in tp.target.columns])
    pk = tp.source.primary_key[0]
    if src is None or tgt is None or [to_target.get(c) for c, _ in src] != [c for c, _ in tgt]:
        return False
    pos = next((i for i, (c, _) in enumerate(src) if c == pk), None)
    if pos is None or not _reads_only(cmp, pg_name, tp.target.name):
        return False
    try:
        res = settled(found)
    except Exception:  # noqa: BLE001 - the content check says why its scan failed
        return False
    if res is None or not res.ok or not res.keyed:
        return False
    want = cmp.source.arrow(f"SELECT {qs(src[pos][1])} FROM {qs(view)}").column(0)
    got = _pg_arrow(cmp, f"SELECT {qi(tgt[pos][1])} FROM {qname(cmp.settings.schema, pg_name)}")
    return got is not None and _same_keys(want, got)


def _projection(sql: str, dialect: str, table: str, columns: list[str]) -> list[tuple[str, str]] | None:
    """(table column, output name) of each column a plain row filter over `table` returns, in order; None
    for any other query."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None
    select = tree.expression if isinstance(tree, exp.Create) else tree
    if not isinstance(select, exp.Select) or any(v for k, v in select.args.items() if k not in _PLAIN):
        return None
    source = select.args.get("from_") or select.args.get("from")
    t = source.this if source is not None else None
    if not isinstance(t, exp.Table) or match_name(t.name, [table]) is None or t.catalog or \
            (dialect == "sqlite" and t.db and t.db.lower() != "main"):
        return None
    out: list[tuple[str, str]] = []
    for e in select.selects:
        col = e.this if isinstance(e, exp.Alias) else e
        if isinstance(col, exp.Star) or (isinstance(col, exp.Column) and isinstance(col.this, exp.Star)):
            out += [(c, c) for c in columns]
        elif isinstance(col, exp.Column) and (name := match_name(col.name, columns)) is not None:
            out.append((name, e.alias_or_name))
        else:
            return None
    return out


def _reads_only(cmp: Comparison, view: str, table: str) -> bool:
    """PostgreSQL's view depends on `table` of the schema and on no other relation (its rewrite rule's
    dependencies: an unqualified name in its definition may be another schema's table)."""
    schema = cmp.settings.schema
    try:
        (n, same), = cmp.pg_query(
            "SELECT count(DISTINCT d.refobjid), bool_and(d.refobjid = "
            f"{sql_literal(qname(schema, table))}::regclass) FROM pg_rewrite r JOIN pg_depend d "
            "ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass "
            f"WHERE r.ev_class = {sql_literal(qname(schema, view))}::regclass AND d.refobjid <> r.ev_class")
    except TargetError:
        return False
    return n == 1 and bool(same)


def _pg_arrow(cmp: Comparison, sql: str) -> pa.Array | None:
    """One column of a PostgreSQL query inside the snapshot (savepoint: a failure spoils nothing)."""
    _pg(cmp, "SAVEPOINT pgparity_view")
    done = "ROLLBACK TO SAVEPOINT pgparity_view"
    cur = cmp.pg.cursor()
    try:
        cur.execute(sql)
        col = cur.fetch_arrow_table().column(0)
        done = "RELEASE SAVEPOINT pgparity_view"
        return col
    except Exception:  # noqa: BLE001 - the rows are compared the long way, which says what fails
        return None
    finally:
        cur.close()
        _pg(cmp, done)


def _same_keys(want: pa.ChunkedArray, got: pa.ChunkedArray) -> bool:
    """The same multiset of integer keys (any other key type: not decided here)."""
    if not (pa.types.is_integer(want.type) and pa.types.is_integer(got.type)) or want.null_count or got.null_count:
        return False
    a = np.sort(want.to_numpy().astype(np.int64))
    b = np.sort(got.to_numpy().astype(np.int64))
    return bool(np.array_equal(a, b))
