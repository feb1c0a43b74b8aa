"""Text fidelity: character lengths equal (mojibake, double encoding), NUL per policy, varchar limits.

A reader of the table facts (facts.facts_of): total and longest lengths in characters, and the values
holding NUL characters, are those the content scan gathered from the canonical texts (a real in a text
column is counted as the shortest round-trip text PostgreSQL holds, not SQLite's 15-digit rendering;
NULs are left out of the lengths: PostgreSQL text cannot hold them). The table is not read again; only
when values hold NULs under --nul-policy fail are three of their rowids fetched, to name them.

A column missing in PostgreSQL fails here too (as in every check covering columns), whatever its type.
Cannot see: a change that keeps every length (a swapped letter); the content check compares every
character of every row.
"""

from __future__ import annotations

import re

from ..sqlnames import qs
from .facts import facts_of
from .outcome import Finding, Outcome, failed, missing_columns, passed
from .pairing import Comparison, TablePair


def text_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.canon == "text" and c.rule.name == "text"]


def _nul_rowids(cmp: Comparison, tp: TablePair, column: str) -> list[int]:
    q = qs(column)
    if tp.source.without_rowid:
        return []
    return [r[0] for r in cmp.source.query(f"SELECT rowid FROM {qs(tp.name)} WHERE typeof({q})='text' AND "
                                           f"instr(CAST({q} AS BLOB), x'00') > 0 LIMIT 3")]


def check_text(cmp: Comparison, tp: TablePair) -> Outcome:
    cols = text_columns(tp)
    lines = missing_columns(tp.name, tp.missing)
    if not cols and not lines:
        return passed("text", tp.name, "no text columns")
    facts = facts_of(cmp, tp) if cols else None
    for c in cols:
        s, t = facts.source.columns[c.name], facts.target.columns[c.name]
        s_nul = s.nul_values or 0
        s_len = (s.total_length or 0) - (s.nul_chars or 0)
        t_len = (t.total_length or 0) - (t.nul_chars or 0)
        if s_nul and cmp.settings.nul_policy == "fail":
            rowids = ", ".join(str(r) for r in _nul_rowids(cmp, tp, c.name))
            where = f" (rowid {rowids})" if rowids else ""
            lines.append(Finding(f"{tp.name}.{c.name}: {s_nul} SQLite value(s) hold NUL characters PostgreSQL text "
                                 f"cannot store{where}; pass --nul-policy strip "
                                 "if stripping them is the accepted policy", c.name, "nul-character"))
        if s_len != t_len:
            lines.append(Finding(f"{tp.name}.{c.name}: total characters differ: SQLite {s_len}, PostgreSQL {t_len} "
                                 f"({t_len - s_len:+d}; mojibake, double encoding or trimming)", c.name, "char-count"))
        m = re.match(r"(character varying|character)\((\d+)\)", c.target.type)
        if m and (s.longest or 0) > int(m.group(2)):
            lines.append(Finding(f"{tp.name}.{c.name}: longest SQLite value has {s.longest} characters, "
                                 f"PostgreSQL column is {c.target.type}", c.name, "varchar-length"))
    if lines:
        return failed("text", tp.name, f"{len(lines)} text problem(s)", lines)
    return passed("text", tp.name, f"{len(cols)} text column(s): character counts equal")
