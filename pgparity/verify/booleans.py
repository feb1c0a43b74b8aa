"""Booleans: SQLite holds only 0/1/NULL (or boolean words), and PostgreSQL's true/false/NULL counts match.

A column declared BOOLEAN that landed as an integer or text column is checked too: its PostgreSQL
values are counted as 1/0 (or boolean words) the same way (the schema check names the lost type);
when not every SQLite value is a boolean, that landing was right and only content compares the values.
Cannot see: which rows swapped true and false when the counts stay equal (the content check does).
"""

from __future__ import annotations

from ..affinity import declared_kind
from ..fit import base_type
from ..sqlnames import qi, qname, qs
from .outcome import Finding, Outcome, failed, passed
from .pairing import Comparison, TablePair
from .rules import FALSE_WORDS, TRUE_WORDS

_TRUE = ",".join(f"'{w}'" for w in TRUE_WORDS)
_FALSE = ",".join(f"'{w}'" for w in FALSE_WORDS)
_INT_TYPES = ("smallint", "integer", "bigint")
_TEXT_TYPES = ("text", "character varying", "character", "varchar", "citext")


def _landed_plain(c) -> bool:
    return declared_kind(c.source.type) == "boolean" and base_type(c.target.type) in _INT_TYPES + _TEXT_TYPES


def boolean_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.name == "bool" or _landed_plain(c)]


def _source_exprs(q: str) -> list[str]:
    num = f"typeof({q}) IN ('integer','real')"
    word = f"typeof({q})='text' AND lower(trim({q}))"
    is_t = f"(({q} IN (1, 1.0) AND {num}) OR ({word} IN ({_TRUE})))"
    is_f = f"(({q} IN (0, 0.0) AND {num}) OR ({word} IN ({_FALSE})))"
    return [f"sum({is_t})", f"sum({is_f})", f"sum({q} IS NULL)", f"sum({q} IS NOT NULL AND NOT {is_t} AND NOT {is_f})"]


def _target_exprs(c) -> list[str]:
    """true/false/NULL/other counts of the PostgreSQL column, whatever type it landed as."""
    p = qi(c.target.name)
    base = base_type(c.target.type)
    if base in _INT_TYPES:
        is_t, is_f = f"{p} = 1", f"{p} = 0"
    elif base in _TEXT_TYPES:
        is_t, is_f = f"lower(trim({p}::text)) IN ({_TRUE})", f"lower(trim({p}::text)) IN ({_FALSE})"
    else:
        is_t, is_f = f"{p}", f"NOT {p}"
    return [f"count(*) FILTER (WHERE {is_t})", f"count(*) FILTER (WHERE {is_f})",
            f"count(*) FILTER (WHERE {p} IS NULL)",
            f"count(*) FILTER (WHERE {p} IS NOT NULL AND NOT ({is_t}) AND NOT ({is_f}))"]


def check_booleans(cmp: Comparison, tp: TablePair) -> Outcome:
    """Per boolean column: source 1/0/NULL/other counts against target true/false/NULL/other counts."""
    cols = boolean_columns(tp)
    if not cols:
        return passed("booleans", tp.name, "no boolean columns")
    src_exprs = [e for c in cols for e in _source_exprs(qs(c.name))]
    tgt_exprs = [e for c in cols for e in _target_exprs(c)]
    src = [v or 0 for v in cmp.source.query(f"SELECT {', '.join(src_exprs)} FROM {qs(tp.name)}")[0]]
    tgt = [v or 0 for v in cmp.pg_query(f"SELECT {', '.join(tgt_exprs)} "
                                        f"FROM {qname(cmp.settings.schema, tp.target.name)}")[0]]
    findings = []
    for i, c in enumerate(cols):
        findings += _column(cmp, tp, c, src[4 * i: 4 * i + 4], tgt[4 * i: 4 * i + 4])
    if findings:
        return failed("booleans", tp.name, f"{len(findings)} boolean mismatch(es)", findings)
    return passed("booleans", tp.name, ", ".join(f"{c.name} {src[4*i]}/{src[4*i+1]}/{src[4*i+2]}"
                                                  for i, c in enumerate(cols)) + " true/false/NULL on both sides")


def _column(cmp: Comparison, tp: TablePair, c, src: list[int], tgt: list[int]) -> list[Finding]:
    s1, s0, sn, odd = src
    t1, t0, tn, t_odd = tgt
    if odd and _landed_plain(c):
        return []  # not every value is a boolean: an integer/text landing keeps them, content compares them
    out = []
    if odd:
        q = qs(c.name)
        sample = cmp.source.query(f"SELECT rowid, {q} FROM {qs(tp.name)} WHERE {q} IS NOT NULL "
                                  f"AND CAST({q} AS TEXT) NOT IN ('0','1','0.0','1.0') LIMIT 3")
        out.append(Finding(f"{tp.name}.{c.name}: {odd} SQLite value(s) are not booleans, e.g. "
                           + ", ".join(f"rowid {r}: {v!r}" for r, v in sample), c.name, "not-boolean"))
    if (s1, s0, sn, 0) != (t1, t0, tn, t_odd):
        other = f", {t_odd} other value(s)" if t_odd else ""
        out.append(Finding(f"{tp.name}.{c.name}: SQLite 1/0/NULL = {s1}/{s0}/{sn}, "
                           f"PostgreSQL true/false/NULL = {t1}/{t0}/{tn}{other}", c.name, "boolean-counts"))
    return out
