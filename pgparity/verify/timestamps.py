"""Timestamps: every source value reads, nothing shifted, fractional seconds kept, same min and max.

Min, max and fractional seconds are taken from the canonical instants (the content rule's values), so
the same instant written with 'T' or ' ', with '+01:00', 'Z' or '+0100', or as naive local time read
in --source-tz (by pgparity.timeconv's one DST rule) counts once, as the application reads it.

A column declared DATETIME/TIMESTAMP/DATE that landed as text or integer is checked too: its
PostgreSQL values are read as timestamps by the same rule (the schema check names the lost type);
when not every SQLite value is a timestamp, text was the right landing and only content compares it.
Cannot see: a shift inside a column whose values the content check already reports as changed is
shown there by row; a text landing compares what the text says, not what an application's driver
would make of it.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from ..affinity import declared_kind
from ..fit import base_type
from ..sqlnames import qi, qname
from .content_check import content_of
from .outcome import Finding, Outcome, failed, passed
from .pairing import Comparison, TablePair
from .rules import Rule, canonical_source, canonical_target, infer

_NATIVE = ("ts", "tstz", "date")
_TEXT_TYPES = ("text", "character varying", "character", "varchar", "citext")
_INT_TYPES = ("smallint", "integer", "bigint")


def _landed_plain(c) -> bool:
    """A column declared as a timestamp or date whose PostgreSQL type is text or an integer."""
    return declared_kind(c.source.type) in ("timestamp", "date") and \
        base_type(c.target.type) in _TEXT_TYPES + _INT_TYPES


def timestamp_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.canon in _NATIVE or _landed_plain(c)]


def _time_rule(cmp: Comparison, tp: TablePair, c) -> Rule:
    """The rule the values are read by: the column's own, or a timestamp rule for a plain landing (integers
    read as epochs in the unit migrate.py would choose for them)."""
    if c.rule.canon in _NATIVE:
        return c.rule
    pg = "date" if declared_kind(c.source.type) == "date" else "timestamp without time zone"
    unit = cmp.epoch_units(tp.source, [c.name]).get(c.name) if base_type(c.target.type) in _INT_TYPES else None
    return infer(c.name, c.source.type, c.target.name, pg, cmp.settings, unit)


def check_timestamps(cmp: Comparison, tp: TablePair) -> Outcome:
    cols = timestamp_columns(tp)
    if not cols:
        return passed("timestamps", tp.name, "no timestamp columns")
    findings: list[Finding] = []
    rules = {c.name: _time_rule(cmp, tp, c) for c in cols}
    for c in cols:
        findings += _column(cmp, tp, c, rules[c.name])
    res = content_of(cmp, tp)
    for c in (c for c in cols if c.rule.canon in _NATIVE):
        n = res.column_changes.get(c.name, 0)
        if n:
            shifts = Counter(_shift(cmp, c, d.source, d.target) for d in res.examples
                             if d.kind == "changed" and d.column == c.name)
            common = ", ".join(f"{s} x{k}" for s, k in shifts.most_common(3))
            shown = f" (e.g. shift {common})" if common else " (none among the rows shown: see content)"
            findings.append(Finding(f"{tp.name}.{c.name}: {n} value(s) differ{shown}", c.name, "shifted"))
    said = {name: rule.description for name, rule in rules.items()}
    if findings:
        return failed("timestamps", tp.name, f"{len(findings)} timestamp problem(s)", findings, rules=said)
    return passed("timestamps", tp.name, f"{len(cols)} column(s): every value read, none shifted, min/max equal",
                  rules=said)


def _source_values(cmp: Comparison, tp: TablePair, rule: Rule) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(instants, odd texts, rowids) of the whole column, canonical."""
    exprs = [*rule.src_select, ("rowid" if not tp.source.without_rowid else "0", "int")]
    vals, odd, rowids = [], [], []
    for batch in cmp.source.typed_batches(exprs, tp.source.name):
        v, o = canonical_source(rule, [batch.column(i) for i in range(len(rule.src_select))], cmp.settings)
        vals.append(v)
        odd.append(o)
        rowids.append(batch.column(len(exprs) - 1))
    if not vals:
        return pa.array([], pa.int64()), pa.array([], pa.string()), pa.array([], pa.int64())
    return pa.concat_arrays(vals), pa.concat_arrays(odd), pa.concat_arrays(rowids)


def _target_values(cmp: Comparison, tp: TablePair, c, rule: Rule) -> pa.Array:
    """The PostgreSQL column's instants: natively, or read from text/integers by the source's rule."""
    p = qi(c.target.name)
    cur = cmp.pg.cursor()
    try:
        cur.execute(f"SELECT {p if c.rule.canon in _NATIVE else p + '::text'} "
                    f"FROM {qname(cmp.settings.schema, tp.target.name)}")
        arr = cur.fetch_arrow_table().column(0).combine_chunks()
    finally:
        cur.close()
    if c.rule.canon in _NATIVE:
        return canonical_target(rule, arr, cmp.settings)[0]
    if base_type(c.target.type) in _INT_TYPES:
        return canonical_source(rule, [arr.cast(pa.int64()), pa.nulls(len(arr), pa.string())], cmp.settings)[0]
    return canonical_source(rule, [pa.nulls(len(arr), pa.int64()), arr], cmp.settings)[0]


def _fractional(values: pa.Array, rule: Rule) -> int:
    if rule.canon == "date" or len(values) == 0:
        return 0
    return int(pc.sum(pc.not_equal(pc.subtract(values, pc.multiply(pc.divide(values, 1_000_000), 1_000_000)),
                                   0)).as_py() or 0)


def _column(cmp: Comparison, tp: TablePair, c, rule: Rule) -> list[Finding]:
    src, odd, rowids = _source_values(cmp, tp, rule)
    tgt = _target_values(cmp, tp, c, rule)
    out = []
    unread = pc.is_valid(odd)
    n = int(pc.sum(unread).as_py() or 0)
    if n and c.rule.canon not in _NATIVE:
        return []  # not every value is a timestamp: text is the right landing, the content check compares it
    if n:
        ex = zip(pc.filter(rowids, unread)[:3].to_pylist(), pc.filter(odd, unread)[:3].to_pylist())
        out.append(Finding(f"{tp.name}.{c.name}: {n} SQLite value(s) are not timestamps, e.g. "
                           + ", ".join(f"rowid {r}: {v!r}" for r, v in ex), c.name, "not-timestamp"))
    s_frac, t_frac = _fractional(src, rule), _fractional(tgt, rule)
    if s_frac != t_frac:
        out.append(Finding(f"{tp.name}.{c.name}: {s_frac} SQLite value(s) have fractional seconds, "
                           f"PostgreSQL {t_frac}", c.name, "fractional-seconds"))
    for label, agg in (("min", pc.min), ("max", pc.max)):
        s_val, t_val = agg(src).as_py() if len(src) else None, agg(tgt).as_py() if len(tgt) else None
        if s_val != t_val:
            out.append(Finding(f"{tp.name}.{c.name}: {label} differs: SQLite {_show(rule, s_val)}, "
                               f"PostgreSQL {_show(rule, t_val)}", c.name, label))
    return out


def _show(rule: Rule, value: int | None) -> str:
    """A canonical instant as a person reads it (UTC for timestamptz)."""
    if value is None:
        return "none"
    if rule.canon == "date":
        return str(pa.scalar(value, pa.int32()).cast(pa.date32()))
    zone = "UTC" if rule.canon == "tstz" else None
    return str(pa.scalar(value, pa.int64()).cast(pa.timestamp("us", tz=zone)).as_py())


def _shift(cmp: Comparison, c, source: str | None, target: str | None) -> str:
    try:
        s = canonical_source(c.rule, [pa.array([None], pa.int64()), pa.array([source], pa.string())],
                             cmp.settings)[0][0].as_py()
        t = canonical_target(c.rule, pa.array([target], pa.string()).cast(
            pa.timestamp("us", tz="UTC") if c.rule.canon == "tstz" else pa.timestamp("us")), cmp.settings)[0][0].as_py()
        if c.rule.canon == "date":  # canonical dates are days since the epoch
            return f"{t - s:+d} day(s)"
        return f"{(t - s) / 1_000_000:+g}s"
    except Exception:  # noqa: BLE001 - a value that is not a timestamp has no shift to show
        return "n/a"
