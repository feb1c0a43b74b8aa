"""Foreign keys: each SQLite FK exists in PostgreSQL and is validated; no orphans on either side."""

from __future__ import annotations

from ..sqlnames import qi, qname, qs
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair, match_name


def _pg_orphans(cmp: Comparison, table: str, cols, parent: str, pcols) -> int:
    s = cmp.settings.schema
    join = " AND ".join(f"p.{qi(pc)} = c.{qi(cc)}" for cc, pc in zip(cols, pcols))
    notnull = " AND ".join(f"c.{qi(cc)} IS NOT NULL" for cc in cols)
    return cmp.pg_query(f"SELECT count(*) FROM {qname(s, table)} c WHERE {notnull} AND NOT EXISTS "
                        f"(SELECT 1 FROM {qname(s, parent)} p WHERE {join})")[0][0]


def _sqlite_orphans(cmp: Comparison, tp: TablePair, fk) -> int | None:
    join = " AND ".join(f"p.{qs(t)} = c.{qs(f)}" for f, t in zip(fk.from_columns, fk.to_columns))
    notnull = " AND ".join(f"c.{qs(f)} IS NOT NULL" for f in fk.from_columns)
    try:
        return cmp.source.query(f"SELECT count(*) FROM {qs(tp.name)} c WHERE {notnull} AND NOT EXISTS "
                                f"(SELECT 1 FROM {qs(fk.table)} p WHERE {join})")[0][0]
    except Exception:  # noqa: BLE001 - the parent table may not exist in the file
        return None


def check_foreign_keys(cmp: Comparison, tp: TablePair) -> Outcome:
    """Every FK declared in SQLite (and in PostgreSQL) holds in PostgreSQL."""
    if tp.target is None:
        return failed("foreign_keys", tp.name, "table missing in PostgreSQL", [f"{tp.name}: no such table"])
    lines, seen = [], set()
    col_map = {c.name.lower(): c.target.name for c in tp.columns if c.target}
    for fk in tp.source.foreign_keys:
        cols = tuple(col_map.get(c.lower(), c) for c in fk.from_columns)
        parent = match_name(fk.table, list(cmp.catalog))
        src_orphans = _sqlite_orphans(cmp, tp, fk)
        note = f" (SQLite itself has {src_orphans} orphan row(s))" if src_orphans else ""
        pg_fk = next((f for f in tp.target.foreign_keys if f.columns == cols and f.parent == parent), None)
        label = f"{tp.name}({', '.join(fk.from_columns)}) -> {fk.table}({', '.join(fk.to_columns)})"
        if pg_fk is None:
            lines.append(f"{label}: FOREIGN KEY missing in PostgreSQL{note}")
            if parent:
                pcols = [_parent_col(cmp, parent, c) for c in fk.to_columns]
                n = _pg_orphans(cmp, tp.target.name, cols, parent, pcols)
                if n:
                    lines.append(f"{label}: {n} orphan row(s) in PostgreSQL")
            continue
        seen.add(pg_fk.name)
        if not pg_fk.validated:
            lines.append(f"{label}: FOREIGN KEY {pg_fk.name} is NOT VALID in PostgreSQL{note}")
        n = _pg_orphans(cmp, tp.target.name, pg_fk.columns, pg_fk.parent, pg_fk.parent_columns)
        if n:
            lines.append(f"{label}: {n} orphan row(s) in PostgreSQL{note}")
    for pg_fk in tp.target.foreign_keys:
        if pg_fk.name in seen:
            continue
        n = _pg_orphans(cmp, tp.target.name, pg_fk.columns, pg_fk.parent, pg_fk.parent_columns)
        if n or not pg_fk.validated:
            lines.append(f"{tp.name}: PostgreSQL FK {pg_fk.name} has {n} orphan row(s)"
                         f"{'' if pg_fk.validated else ' and is NOT VALID'}")
    total = len(tp.source.foreign_keys)
    if lines:
        return failed("foreign_keys", tp.name, f"{len(lines)} foreign-key problem(s)", lines)
    return passed("foreign_keys", tp.name, f"{total} foreign key(s) present, validated, no orphans")


def _parent_col(cmp: Comparison, parent: str, name: str) -> str:
    cols = [c.name for c in cmp.catalog[parent].columns]
    return match_name(name, cols) or name
