"""Timestamps: every source value reads, nothing shifted, fractional seconds kept, same min and max.

A reader of the table facts (facts.facts_of): values that do not read as instants, instants with a
fraction of a second, min and max are those the content scan gathered from the canonical instants (the
content rule's values), so the same instant written with 'T' or ' ', with '+01:00', 'Z' or '+0100', or as
naive local time read in --source-tz (by pgparity.timeconv's one DST rule) counts once, as the
application reads it; the table is not read again. The typical shift is read from the rows the content
check detailed. Only when SQLite values do not read as instants are three of them fetched, by rowid.

A column declared DATETIME/TIMESTAMP/DATE that landed as text or integer is checked too: its values on
both sides are read as timestamps by the same rule (text in the scan, integers as epochs in the unit
migrate.py would choose from the column's min and max; the schema check names the lost type); when not
every SQLite value is a timestamp, text was the right landing and only content compares it.
A column missing in PostgreSQL fails here too (as in every check covering columns), whatever its type.
Cannot see: a shift inside a column whose values the content check already reports as changed is
shown there by row (the typical shift only among the rows content details); a text landing compares
what the text says, not what an application's driver would make of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa

from ..sqlnames import qs
from ..units import epoch_unit
from .column_facts import INFINITY, MINUS_INFINITY, ColumnFacts, landed_time_rule, plain_landing
from .content_check import content_of
from .facts import facts_of
from .outcome import Finding, Outcome, failed, missing_columns, passed
from .pairing import Comparison, TablePair
from .profile_display import instant
from .rules import Rule, Settings, canonical_source, canonical_target

_NATIVE = ("ts", "tstz", "date")


def timestamp_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.canon in _NATIVE or plain_landing(c) in ("timestamp", "date")]


def _time_rule(cmp: Comparison, c, f: ColumnFacts) -> Rule:
    """The rule the values are read by: the column's own, or a timestamp rule for a plain landing (integers
    read as epochs in the unit migrate.py would choose from the SQLite column's integers `f`)."""
    if c.rule.canon in _NATIVE:
        return c.rule
    unit = epoch_unit(f.minimum, f.maximum, cmp.settings.epoch_unit) if c.rule.name == "int" else None
    return landed_time_rule(c, cmp.settings, unit)


@dataclass(frozen=True)
class _Read:
    """One side's column read as instants: unread values, fractional ones, min, max (canonical)."""

    unread: int
    fractional: int
    minimum: int | None
    maximum: int | None


def _epoch(rule: Rule, value: int | None, s: Settings) -> int | None:
    if value is None:
        return None
    return canonical_source(rule, [pa.array([value], pa.int64()), pa.nulls(1, pa.string())], s)[0][0].as_py()


def _read(c, rule: Rule, f: ColumnFacts, s: Settings) -> _Read:
    if c.rule.canon in _NATIVE:
        return _Read(f.odd, f.fractional or 0, f.minimum, f.maximum)
    if c.rule.name == "text":
        t = f.as_time
        return _Read(t.unread, t.fractional, t.minimum, t.maximum)
    # integers as epochs: min/max in the rule's unit (monotonic), fractions counted per unit in the scan
    frac = 0 if rule.canon == "date" else (f.epoch_fractions or {}).get(rule.unit, 0)
    return _Read(f.odd, frac, _epoch(rule, f.minimum, s), _epoch(rule, f.maximum, s))


def check_timestamps(cmp: Comparison, tp: TablePair) -> Outcome:
    cols = timestamp_columns(tp)
    findings: list[Finding] = missing_columns(tp.name, tp.missing)
    if not cols:
        if findings:
            return failed("timestamps", tp.name, f"{len(findings)} column(s) missing in PostgreSQL", findings)
        return passed("timestamps", tp.name, "no timestamp columns")
    facts = facts_of(cmp, tp)
    rules = {c.name: _time_rule(cmp, c, facts.source.columns[c.name]) for c in cols}
    for c in cols:
        rule = rules[c.name]
        src = _read(c, rule, facts.source.columns[c.name], cmp.settings)
        tgt = _read(c, rule, facts.target.columns[c.name], cmp.settings)
        findings += _column(cmp, tp, c, rule, src, tgt)
    res = content_of(cmp, tp)
    for c in (c for c in cols if c.rule.canon in _NATIVE):
        n = res.column_changes.get(c.name, 0)
        if n:
            shifts = Counter(_shift(cmp, c, d.source, d.target) for d in res.examples
                             if d.kind == "changed" and d.column == c.name)
            common = ", ".join(f"{s} x{k}" for s, k in shifts.most_common(3))
            shown = f" (e.g. {common})" if common else " (none among the rows shown: see content)"
            findings.append(Finding(f"{tp.name}.{c.name}: {n} value(s) differ{shown}", c.name, "shifted"))
    said = {name: rule.description for name, rule in rules.items()}
    if findings:
        return failed("timestamps", tp.name, f"{len(findings)} timestamp problem(s)", findings, rules=said)
    return passed("timestamps", tp.name, f"{len(cols)} column(s): every value read, none shifted, min/max equal",
                  rules=said)


def _unread_examples(cmp: Comparison, tp: TablePair, c, rule: Rule) -> list[tuple[int, str]]:
    """Up to three SQLite values that do not read as instants, with their rowids (a failing table only:
    the column's texts are read until three are found)."""
    exprs = [*rule.src_select, ("rowid" if not tp.source.without_rowid else "0", "int")]
    out: list[tuple[int, str]] = []
    for batch in cmp.source.typed_batches(exprs, tp.source.name, f"typeof({qs(c.name)}) = 'text'"):
        _, odd = canonical_source(rule, [batch.column(i) for i in range(len(rule.src_select))], cmp.settings)
        bad = odd.is_valid()
        out += zip(batch.column(len(exprs) - 1).filter(bad).to_pylist(), odd.filter(bad).to_pylist())
        if len(out) >= 3:
            break
    return out[:3]


def _column(cmp: Comparison, tp: TablePair, c, rule: Rule, src: _Read, tgt: _Read) -> list[Finding]:
    out = []
    n = src.unread
    if n and c.rule.canon not in _NATIVE:
        return []  # not every value is a timestamp: text is the right landing, the content check compares it
    if n:
        ex = _unread_examples(cmp, tp, c, rule)
        what = "dates (a time of day other than midnight does not fit a date)" if rule.canon == "date" \
            else "timestamps"
        out.append(Finding(f"{tp.name}.{c.name}: {n} SQLite value(s) are not {what}, e.g. "
                           + ", ".join(f"rowid {r}: {v!r}" for r, v in ex), c.name, "not-timestamp"))
    if src.fractional != tgt.fractional:
        out.append(Finding(f"{tp.name}.{c.name}: {src.fractional} SQLite value(s) have fractional seconds, "
                           f"PostgreSQL {tgt.fractional}", c.name, "fractional-seconds"))
    for label, s_val, t_val in (("min", src.minimum, tgt.minimum), ("max", src.maximum, tgt.maximum)):
        if s_val != t_val:
            out.append(Finding(f"{tp.name}.{c.name}: {label} differs: SQLite {_show(rule, s_val)}, "
                               f"PostgreSQL {_show(rule, t_val)}{_unit_hint(s_val, t_val)}", c.name, label))
    return out


def _show(rule: Rule, value: int | None) -> str:
    """A canonical instant as a person reads it (UTC for timestamptz), any value: 'infinity', BC, year 12000."""
    return "none" if value is None else instant(rule.canon, value)


def _unit_hint(s_val: int | None, t_val: int | None) -> str:
    """When PostgreSQL's extreme is SQLite's times 1000 or a million (or the reverse): an epoch copied in
    another unit."""
    if not s_val or not t_val or INFINITY in (s_val, t_val) or MINUS_INFINITY in (s_val, t_val):
        return ""
    for factor in (1000, 1_000_000):
        for ratio, op in ((t_val / s_val, "x"), (s_val / t_val, "/")):
            if abs(ratio - factor) <= factor * 0.01:
                return f" (PostgreSQL's is SQLite's {op}{factor}: epoch integers copied in another unit?)"
    return ""


def _shift(cmp: Comparison, c, source: str | None, target: str | None) -> str:
    if source is None or target is None:
        return f"NULL in {'SQLite' if source is None else 'PostgreSQL'}"
    if target in ("infinity", "-infinity"):
        return f"to {target}"
    try:
        s = canonical_source(c.rule, [pa.array([None], pa.int64()), pa.array([source], pa.string())],
                             cmp.settings)[0][0].as_py()
        t = canonical_target(c.rule, pa.array([target], pa.string()).cast(
            pa.timestamp("us", tz="UTC") if c.rule.canon == "tstz" else pa.timestamp("us")), cmp.settings)[0][0].as_py()
        if c.rule.canon == "date":  # canonical dates are days since the epoch
            return f"shift {t - s:+d} day(s)"
        return f"shift {(t - s) / 1_000_000:+g}s"
    except Exception:  # noqa: BLE001 - a value that is not a timestamp has no shift to show
        return "SQLite value no date (a time of day?)" if c.rule.canon == "date" else "a value no instant"
