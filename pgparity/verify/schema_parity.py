"""Schema parity: tables, columns, nullability, primary key, UNIQUE, indexes, CHECKs, type fit."""

from __future__ import annotations

from ..fit import misfit
from ..sqlnames import qs
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair


def _target_cols(tp: TablePair, names) -> tuple[str, ...] | None:
    out = []
    for n in names:
        pair = next((c for c in tp.columns if c.name == n), None)
        if pair is None or pair.target is None:
            return None
        out.append(pair.target.name)
    return tuple(out)


def check_schema(cmp: Comparison, tp: TablePair) -> Outcome:
    """Everything SQLite declares for the table is carried, and each target type can hold the values."""
    if tp.target is None:
        return failed("schema", tp.name, "table missing in PostgreSQL", [f"{tp.name}: no such table in schema "
                                                                         f"{cmp.settings.schema}"])
    lines: list[str] = []
    lines += [f"{tp.name}.{c.name}: column missing in PostgreSQL" for c in tp.columns if c.target is None]
    lines += _nullability(cmp, tp)
    lines += _keys(cmp, tp)
    lines += _checks(tp)
    lines += _fit(cmp, tp)
    rules = {c.name: f"{c.source.type or 'untyped'} -> {c.target.type}: {c.rule.name}" for c in tp.compared}
    if lines:
        return failed("schema", tp.name, f"{len(lines)} schema difference(s)", lines, rules=rules)
    return passed("schema", tp.name, f"{len(tp.compared)} columns, keys, indexes and checks carried", rules=rules)


def _nullability(cmp: Comparison, tp: TablePair) -> list[str]:
    want = [c for c in tp.columns if c.target is not None and c.source.notnull and not c.target.notnull]
    if not want:
        return []
    counts = cmp.source.query("SELECT " + ", ".join(f"sum({qs(c.name)} IS NULL)" for c in want)
                              + f" FROM {qs(tp.name)}")[0]
    return [f"{tp.name}.{c.name}: NOT NULL in SQLite but nullable in PostgreSQL"
            for c, n in zip(want, counts) if not n]


def _keys(cmp: Comparison, tp: TablePair) -> list[str]:
    out, t = [], tp.target
    pk = tp.source.primary_key
    if pk:
        want = _target_cols(tp, pk)
        has_nulls = any(cmp.source.query(f"SELECT count(*) FROM {qs(tp.name)} WHERE {qs(c)} IS NULL")[0][0]
                        for c in pk if c != tp.source.rowid_alias)
        if want and not has_nulls and set(want) != set(t.primary_key):
            out.append(f"{tp.name}: PRIMARY KEY ({', '.join(pk)}) not carried"
                       + (f" (PostgreSQL has ({', '.join(t.primary_key)}))" if t.primary_key else ""))
    unique_sets = [set(u) for u in t.unique] + ([set(t.primary_key)] if t.primary_key else [])
    for ix in tp.source.indexes:
        if ix.origin == "pk" or any(c is None for c in ix.columns):
            continue
        want = _target_cols(tp, ix.columns)
        if want is None:
            continue
        if ix.unique and set(want) not in unique_sets and not ix.where:
            out.append(f"{tp.name}: UNIQUE ({', '.join(ix.columns)}) not carried")
        elif not ix.unique and not any(cols[: len(want)] == want for _, cols in t.indexes):
            out.append(f"{tp.name}: index {ix.name} ({', '.join(ix.columns)}) not carried")
    return out


def _checks(tp: TablePair) -> list[str]:
    missing = len(tp.source.checks) - len(tp.target.checks)
    if missing <= 0:
        return []
    return [f"{tp.name}: {missing} of {len(tp.source.checks)} CHECK constraint(s) not carried "
            f"(SQLite: {'; '.join(c.expression for c in tp.source.checks)})"]


def _fit(cmp: Comparison, tp: TablePair) -> list[str]:
    """Each target type can hold every source value (one scan of the table for all columns)."""
    conds = []
    for c in tp.compared:
        q = qs(c.name)
        bad, why = misfit(q, c.target.type)
        if bad:
            conds.append((c, f"sum({q} IS NOT NULL AND ({bad}))", why))
    if not conds:
        return []
    counts = cmp.source.query("SELECT " + ", ".join(e for _, e, _ in conds) + f" FROM {qs(tp.name)}")[0]
    return [f"{tp.name}.{c.name}: {n} value(s) {why} (PostgreSQL type {c.target.type})"
            for (c, _, why), n in zip(conds, counts) if n]


