"""Timestamps: every source value reads, nothing shifted, fractional seconds kept, same min and max."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from ..profile import ts_valid_sql
from ..sqlnames import qi, qname, qs
from .content_check import content_of
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair
from .rules import canonical_source, canonical_target


def timestamp_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.canon in ("ts", "tstz", "date")]


def check_timestamps(cmp: Comparison, tp: TablePair) -> Outcome:
    cols = timestamp_columns(tp)
    if not cols:
        return passed("timestamps", tp.name, "no timestamp columns")
    lines = []
    for c in cols:
        lines += _column(cmp, tp, c)
    res = content_of(cmp, tp)
    for c in cols:
        n = res.column_changes.get(c.name, 0)
        if n:
            shifts = Counter(_shift(cmp, c, d.source, d.target) for d in res.examples
                             if d.kind == "changed" and d.column == c.name)
            common = ", ".join(f"{s} x{k}" for s, k in shifts.most_common(3))
            lines.append(f"{tp.name}.{c.name}: {n} value(s) differ (e.g. shift {common})")
    rules = {c.name: c.rule.description for c in cols}
    if lines:
        return failed("timestamps", tp.name, f"{len(lines)} timestamp problem(s)", lines, rules=rules)
    return passed("timestamps", tp.name, f"{len(cols)} column(s): every value read, none shifted, min/max equal",
                  rules=rules)


def _column(cmp: Comparison, tp: TablePair, c) -> list[str]:
    q, p = qs(c.name), qi(c.target.name)
    frac = f"({q} GLOB '*:[0-9][0-9].*[1-9]*')"
    unread, src_min, src_max, src_frac, epochs = cmp.source.query(
        f"SELECT sum({q} IS NOT NULL AND typeof({q}) <> 'integer' AND NOT {ts_valid_sql(q)}), "
        # 'T' and ' ' both separate date and time: as text they must sort alike to find the true min/max
        f"min(CASE WHEN {ts_valid_sql(q)} THEN replace({q}, 'T', ' ') END), "
        f"max(CASE WHEN {ts_valid_sql(q)} THEN replace({q}, 'T', ' ') END), "
        f"sum(typeof({q})='text' AND {frac}), sum(typeof({q})='integer') FROM {qs(tp.name)}")[0]
    out = []
    if unread:
        ex = cmp.source.query(f"SELECT rowid, {q} FROM {qs(tp.name)} WHERE {q} IS NOT NULL AND typeof({q}) <> "
                              f"'integer' AND NOT {ts_valid_sql(q)} LIMIT 3")
        out.append(f"{tp.name}.{c.name}: {unread} SQLite value(s) are not timestamps, e.g. "
                   + ", ".join(f"rowid {r}: {v!r}" for r, v in ex))
    if c.rule.canon != "date":
        tgt_frac = cmp.pg_query(f"SELECT count(*) FILTER (WHERE extract(microseconds FROM {p})::bigint % 1000000 <> 0)"
                                f" FROM {qname(cmp.settings.schema, tp.target.name)}")[0][0]
        if (src_frac or 0) != tgt_frac:
            out.append(f"{tp.name}.{c.name}: {src_frac or 0} SQLite value(s) have fractional seconds, "
                       f"PostgreSQL {tgt_frac}")
    tmin, tmax = cmp.pg_query(f"SELECT min({p})::text, max({p})::text FROM "
                              f"{qname(cmp.settings.schema, tp.target.name)}")[0]
    for label, s_val, t_val in (("min", src_min, tmin), ("max", src_max, tmax)):
        if epochs or (s_val is None and t_val is None):  # epochs: min/max of mixed forms are not comparable
            continue
        if _canon_src(cmp, c, s_val) != _canon_tgt(cmp, tp, c, label):
            out.append(f"{tp.name}.{c.name}: {label} differs: SQLite {s_val!r}, PostgreSQL {t_val!r}")
    return out


def _canon_src(cmp: Comparison, c, text: str | None):
    arrays = canonical_source(c.rule, [pa.array([None], pa.int64()), pa.array([text], pa.string())], cmp.settings)
    return arrays[0][0].as_py()


def _canon_tgt(cmp: Comparison, tp: TablePair, c, label: str):
    cur = cmp.pg.cursor()
    try:
        cur.execute(f"SELECT {label}({qi(c.target.name)}) FROM {qname(cmp.settings.schema, tp.target.name)}")
        arr = cur.fetch_arrow_table().column(0).combine_chunks()
    finally:
        cur.close()
    return canonical_target(c.rule, arr, cmp.settings)[0][0].as_py()


def _shift(cmp: Comparison, c, source: str | None, target: str | None) -> str:
    try:
        s = _canon_src(cmp, c, source)
        t = canonical_target(c.rule, pa.array([target], pa.string()).cast(
            pa.timestamp("us", tz="UTC") if c.rule.canon == "tstz" else pa.timestamp("us")), cmp.settings)[0][0].as_py()
        seconds = (t - s) / 1_000_000
        return f"{seconds:+g}s"
    except Exception:  # noqa: BLE001 - a value that is not a timestamp has no shift to show
        return "n/a"
