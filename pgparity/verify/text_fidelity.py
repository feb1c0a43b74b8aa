"""Text fidelity: character lengths equal (mojibake, double encoding), NUL per policy, varchar limits.

Cannot see: a change that keeps every length (a swapped letter); the content check compares every
character of every row.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from ..reader import real_as_text
from ..sqlnames import qi, qname, qs
from .outcome import Finding, Outcome, failed, passed
from .pairing import Comparison, TablePair

_HAS_NUL = "(typeof({q})='text' AND instr(CAST({q} AS BLOB), x'00') > 0)"


def nul_value_lengths(cmp: Comparison, tp: TablePair, column: str) -> list[int]:
    """Character counts, NULs removed, of the text values that hold a NUL (a rare path, read by rowid)."""
    q = qs(column)
    rows = cmp.source.arrow(f"SELECT CAST({q} AS BLOB) AS v FROM {qs(tp.name)} WHERE {_HAS_NUL.format(q=q)}")
    return [len(v.decode("utf-8", "replace").replace("\x00", "")) for v in rows.column(0).to_pylist()]


def _real_length_correction(cmp: Comparison, tp: TablePair, column: str) -> int:
    """Reals in a text column are text in PostgreSQL as the shortest round-trip digits (-0.0, 0.1),
    not as SQLite's own 15-digit rendering that length() measures: count them the PostgreSQL way."""
    q = qs(column)
    rows = cmp.source.arrow(f"SELECT {q} AS v, length(CAST({q} AS TEXT)) AS n FROM {qs(tp.name)} "
                            f"WHERE typeof({q}) = 'real'")
    if rows.num_rows == 0:
        return 0
    ours = pc.sum(pc.utf8_length(real_as_text(rows.column(0).combine_chunks().cast(pa.float64())))).as_py()
    return int(ours or 0) - int(pc.sum(rows.column(1)).as_py() or 0)


def text_columns(tp: TablePair) -> list:
    return [c for c in tp.compared if c.rule.canon == "text" and c.rule.name == "text"]


def check_text(cmp: Comparison, tp: TablePair) -> Outcome:
    cols = text_columns(tp)
    if not cols:
        return passed("text", tp.name, "no text columns")
    src_exprs, tgt_exprs = [], []
    for c in cols:
        q, p = qs(c.name), qi(c.target.name)
        has_nul = _HAS_NUL.format(q=q)
        src_exprs += [f"sum(CASE WHEN {has_nul} THEN 0 ELSE length(CAST({q} AS TEXT)) END)", f"sum({has_nul})",
                      f"max(CASE WHEN {has_nul} THEN 0 ELSE length(CAST({q} AS TEXT)) END)",
                      f"sum(typeof({q}) = 'real')"]
        tgt_exprs += [f"sum(char_length({p}::text))"]
    src = cmp.source.query(f"SELECT {', '.join(src_exprs)} FROM {qs(tp.name)}")[0]
    tgt = cmp.pg_query(f"SELECT {', '.join(tgt_exprs)} FROM {qname(cmp.settings.schema, tp.target.name)}")[0]
    lines = []
    for i, c in enumerate(cols):
        s_len, s_nul, s_max, s_reals = (v or 0 for v in src[4 * i: 4 * i + 4])
        if s_nul:  # SQLite's length() stops at a NUL: count those few values here, NULs removed
            lengths = nul_value_lengths(cmp, tp, c.name)
            s_len, s_max = s_len + sum(lengths), max([s_max, *lengths])
        if s_reals:
            s_len += _real_length_correction(cmp, tp, c.name)
        t_len = int(tgt[i] or 0)
        if s_nul and cmp.settings.nul_policy == "fail":
            ex = cmp.source.query(f"SELECT rowid FROM {qs(tp.name)} WHERE typeof({qs(c.name)})='text' AND "
                                  f"instr(CAST({qs(c.name)} AS BLOB), x'00') > 0 LIMIT 3")
            lines.append(Finding(f"{tp.name}.{c.name}: {s_nul} SQLite value(s) hold NUL characters PostgreSQL text "
                                 f"cannot store (rowid {', '.join(str(r[0]) for r in ex)}); pass --nul-policy strip "
                                 "if stripping them is the accepted policy", c.name, "nul-character"))
        if s_len != t_len:
            lines.append(Finding(f"{tp.name}.{c.name}: total characters differ: SQLite {s_len}, PostgreSQL {t_len} "
                                 f"({t_len - s_len:+d}; mojibake, double encoding or trimming)", c.name, "char-count"))
        m = re.match(r"(character varying|character)\((\d+)\)", c.target.type)
        if m and s_max > int(m.group(2)):
            lines.append(Finding(f"{tp.name}.{c.name}: longest SQLite value has {s_max} characters, "
                                 f"PostgreSQL column is {c.target.type}", c.name, "varchar-length"))
    if lines:
        return failed("text", tp.name, f"{len(lines)} text problem(s)", lines)
    return passed("text", tp.name, f"{len(cols)} text column(s): character counts equal")

