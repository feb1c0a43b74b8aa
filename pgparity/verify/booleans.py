"""Booleans: SQLite holds only 0/1/NULL (or boolean words), and PostgreSQL's true/false/NULL counts match."""

from __future__ import annotations

from ..sqlnames import qi, qname, qs
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair
from .rules import FALSE_WORDS, TRUE_WORDS


def boolean_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.name == "bool"]


def check_booleans(cmp: Comparison, tp: TablePair) -> Outcome:
    """Per boolean column: source 1/0/NULL/other counts against target true/false/NULL counts."""
    cols = boolean_columns(tp)
    if not cols:
        return passed("booleans", tp.name, "no boolean columns")
    t = ",".join(f"'{w}'" for w in TRUE_WORDS)
    f = ",".join(f"'{w}'" for w in FALSE_WORDS)
    src_exprs, tgt_exprs = [], []
    for c in cols:
        q = qs(c.name)
        num = f"typeof({q}) IN ('integer','real')"
        word = f"typeof({q})='text' AND lower(trim({q}))"
        is_t = f"(({q} IN (1, 1.0) AND {num}) OR ({word} IN ({t})))"
        is_f = f"(({q} IN (0, 0.0) AND {num}) OR ({word} IN ({f})))"
        src_exprs += [f"sum({is_t})", f"sum({is_f})", f"sum({q} IS NULL)",
                      f"sum({q} IS NOT NULL AND NOT {is_t} AND NOT {is_f})"]
        p = qi(c.target.name)
        tgt_exprs += [f"count(*) FILTER (WHERE {p})", f"count(*) FILTER (WHERE NOT {p})",
                      f"count(*) FILTER (WHERE {p} IS NULL)"]
    src = [v or 0 for v in cmp.source.query(f"SELECT {', '.join(src_exprs)} FROM {qs(tp.name)}")[0]]
    tgt = cmp.pg_query(f"SELECT {', '.join(tgt_exprs)} FROM {qname(cmp.settings.schema, tp.target.name)}")[0]
    lines = []
    for i, c in enumerate(cols):
        s1, s0, sn, odd = src[4 * i: 4 * i + 4]
        t1, t0, tn = tgt[3 * i: 3 * i + 3]
        if odd:
            sample = cmp.source.query(f"SELECT rowid, {qs(c.name)} FROM {qs(tp.name)} WHERE {qs(c.name)} IS NOT NULL "
                                      f"AND CAST({qs(c.name)} AS TEXT) NOT IN ('0','1','0.0','1.0') LIMIT 3")
            lines.append(f"{tp.name}.{c.name}: {odd} SQLite value(s) are not booleans, e.g. "
                         + ", ".join(f"rowid {r}: {v!r}" for r, v in sample))
        if (s1, s0, sn) != (t1, t0, tn):
            lines.append(f"{tp.name}.{c.name}: SQLite 1/0/NULL = {s1}/{s0}/{sn}, "
                         f"PostgreSQL true/false/NULL = {t1}/{t0}/{tn}")
    if lines:
        return failed("booleans", tp.name, f"{len(lines)} boolean mismatch(es)", lines)
    return passed("booleans", tp.name, ", ".join(f"{c.name} {src[4*i]}/{src[4*i+1]}/{src[4*i+2]}"
                                                  for i, c in enumerate(cols)) + " true/false/NULL on both sides")
