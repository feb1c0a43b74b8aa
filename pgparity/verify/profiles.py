"""Column profiles computed inside each database: NULLs, distinct values, min, max, sum, longest text.

Cheap aggregates, and a second opinion beside the checksums: a profile names the column and the
statistic that moved.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

from ..sqlnames import qi, qname, qs
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair
from .text_fidelity import nul_value_lengths

SUM_RELATIVE = 1e-9  # sums of doubles are added in a different order on each side


def _exprs(c) -> tuple[list[str], list[str], list[str]]:
    q, p = qs(c.name), qi(c.target.name)
    names = ["nulls", "distinct"]
    src = [f"sum({q} IS NULL)", f"count(DISTINCT {q})"]
    tgt = [f"count(*) - count({p})", f"count(DISTINCT {p})"]
    if c.rule.canon in ("int", "float") and c.rule.name != "bool":
        names += ["min", "max", "sum"]
        src += [f"min({q})", f"max({q})", f"sum({q})"]
        cast = "::float8" if c.rule.canon == "float" else "::numeric"
        tgt += [f"min({p}){cast}", f"max({p}){cast}", f"sum({p}){cast}"]
    if c.rule.name == "text":
        names.append("max length")
        src.append(f"max(CASE WHEN typeof({q})='text' AND instr(CAST({q} AS BLOB), x'00') > 0 THEN 0 "
                   f"ELSE length(CAST({q} AS TEXT)) END)")
        tgt.append(f"max(char_length({p}::text))")
    return names, src, tgt


def _same(stat: str, s, t) -> bool:
    if s is None or t is None:
        return s == t or (stat == "nulls" and (s or 0) == (t or 0))
    if stat == "sum" and (isinstance(s, float) or isinstance(t, float)):
        s, t = float(s), float(t)
        return math.isclose(s, t, rel_tol=SUM_RELATIVE, abs_tol=1e-9)
    try:
        return float(s) == float(t)
    except (TypeError, ValueError):
        return str(s) == str(t)


def check_profiles(cmp: Comparison, tp: TablePair) -> Outcome:
    if tp.target is None:
        return failed("profiles", tp.name, "table missing in PostgreSQL", [f"{tp.name}: no such table"])
    plan = [(c, *_exprs(c)) for c in tp.compared if c.rule.canon not in ("bytes", "json")]
    if not plan:
        return passed("profiles", tp.name, "no profiled columns")
    with ThreadPoolExecutor(max_workers=1) as pool:  # PostgreSQL works on its own core meanwhile
        tgt_future = pool.submit(cmp.pg_query, "SELECT " + ", ".join(e for _, _, _, t in plan for e in t)
                                 + f" FROM {qname(cmp.settings.schema, tp.target.name)}")
        src = _source_stats(cmp, tp, plan)
        tgt = tgt_future.result()[0]
    lines, i = [], 0
    for c, names, _, _ in plan:
        for stat in names:
            s, t = src[i], _number(tgt[i]) if stat in ("min", "max", "sum") else tgt[i]
            i += 1
            if stat == "max length" and s is not None:
                s = max([s, *nul_value_lengths(cmp, tp, c.name)])
            if not _same(stat, s, t):
                lines.append(f"{tp.name}.{c.name}: {stat} SQLite {_show(s)} != PostgreSQL {_show(t)}")
    if lines:
        return failed("profiles", tp.name, f"{len(lines)} column statistic(s) differ", lines)
    return passed("profiles", tp.name, f"{len(plan)} column profile(s) equal")


def _source_stats(cmp: Comparison, tp: TablePair, plan: list) -> list:
    """SQLite's side: the cheap aggregates in one scan; each count(DISTINCT) on its own, where SQLite
    can answer it from an index instead of sorting the column next to the others."""
    exprs = [e for _, _, s, _ in plan for e in s]
    distinct = [i for i, e in enumerate(exprs) if e.startswith("count(DISTINCT")]
    rest = [i for i in range(len(exprs)) if i not in distinct]
    table = qs(tp.name)
    out = [None] * len(exprs)
    for i, v in zip(rest, cmp.source.query(f"SELECT {', '.join(exprs[i] for i in rest)} FROM {table}")[0]):
        out[i] = v
    for i in distinct:
        out[i] = cmp.source.query(f"SELECT {exprs[i]} FROM {table}")[0][0]
    return out


def _number(v):
    """PostgreSQL numeric arrives as text through ADBC: show it as the number it is."""
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return v
    return v


def _show(v) -> str:
    if isinstance(v, str) and len(v) > 40:
        return repr(v[:37] + "...")
    return repr(v)
