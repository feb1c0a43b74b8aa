"""Booleans: SQLite holds only 0/1/NULL (or boolean words), and PostgreSQL's true/false/NULL counts match.

A reader of the table facts (facts.facts_of): the counts are those of the content scan's canonical
values on each side (true, false, NULL, and odd: a SQLite value that is no boolean); the table is not
read again. Only when SQLite holds values that are no booleans are three of them fetched by rowid, to
name them.

A column declared BOOLEAN that landed as an integer or text column is checked too: its values on both
sides are read as 1/0 or boolean words the same way (column_facts.plain_landing; the schema check
names the lost type); when not every SQLite value is a boolean, that landing was right and only content
compares the values.
A column missing in PostgreSQL fails here too (as in every check covering columns), whatever its type.
Cannot see: which rows swapped true and false when the counts stay equal (the content check does).
"""

from __future__ import annotations

from ..boolean_words import sql_list, sqlite_word
from ..sqlnames import qs
from .column_facts import FALSE_TEXTS, TRUE_TEXTS, ColumnFacts, plain_landing
from .facts import facts_of
from .outcome import Finding, Outcome, failed, missing_columns, passed
from .pairing import Comparison, TablePair


def boolean_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.name == "bool" or plain_landing(c) == "boolean"]


def _counts(f: ColumnFacts) -> tuple[int, int, int, int]:
    """(true, false, NULL, other) of one side's column."""
    if f.kind == "bool":
        return f.trues or 0, f.falses or 0, f.nulls, f.odd
    t, fa, other = f.words or (0, 0, 0)
    return t, fa, f.nulls, other


def check_booleans(cmp: Comparison, tp: TablePair) -> Outcome:
    """Per boolean column: source 1/0/NULL/other counts against target true/false/NULL/other counts."""
    cols = boolean_columns(tp)
    findings = missing_columns(tp.name, tp.missing)
    if not cols and not findings:
        return passed("booleans", tp.name, "no boolean columns")
    facts = facts_of(cmp, tp) if cols else None
    counts = {c.name: (_counts(facts.source.columns[c.name]), _counts(facts.target.columns[c.name])) for c in cols}
    for c in cols:
        findings += _column(cmp, tp, c, *counts[c.name])
    if findings:
        return failed("booleans", tp.name, f"{len(findings)} boolean problem(s) (a missing column among them)"
                      if tp.missing else f"{len(findings)} boolean mismatch(es)", findings)
    return passed("booleans", tp.name, ", ".join(f"{c.name} {'/'.join(str(n) for n in counts[c.name][0][:3])}"
                                                  for c in cols) + " true/false/NULL on both sides")


def _column(cmp: Comparison, tp: TablePair, c, src: tuple, tgt: tuple) -> list[Finding]:
    s1, s0, sn, odd = src
    t1, t0, tn, t_odd = tgt
    if odd and plain_landing(c):
        return []  # not every value is a boolean: an integer/text landing keeps them, content compares them
    out = []
    if odd:
        q = qs(c.name)
        rowid = "rowid" if not tp.source.without_rowid else "NULL"  # WITHOUT ROWID: the value alone
        sample = cmp.source.query(f"SELECT {rowid}, {q} FROM {qs(tp.name)} WHERE {q} IS NOT NULL AND "
                                  f"{sqlite_word(f'CAST({q} AS TEXT)')} NOT IN ({sql_list(TRUE_TEXTS + FALSE_TEXTS)}) "
                                  "LIMIT 3")
        shown = ", ".join(("" if r is None else f"rowid {r}: ") + repr(v) for r, v in sample)
        out.append(Finding(f"{tp.name}.{c.name}: {odd} SQLite value(s) are not booleans, e.g. {shown}", c.name,
                           "not-boolean"))
    if (s1, s0, sn, 0) != (t1, t0, tn, t_odd):
        other = f", {t_odd} other value(s)" if t_odd else ""
        out.append(Finding(f"{tp.name}.{c.name}: SQLite 1/0/NULL = {s1}/{s0}/{sn}, "
                           f"PostgreSQL true/false/NULL = {t1}/{t0}/{tn}{other}", c.name, "boolean-counts"))
    return out
