"""Foreign keys: each SQLite FK exists in PostgreSQL, points at the same table and columns, acts the same
on the parent's DELETE/UPDATE, is checked when SQLite checks it, and is enforced; no orphans either side.

Compared: columns, the referenced table *with its schema* and columns, ON DELETE / ON UPDATE actions,
deferral (SQLite `DEFERRABLE INITIALLY DEFERRED` = checked at COMMIT), NOT VALID, and enforcement: the RI
triggers PostgreSQL enforces an FK with must fire (`ALTER TABLE ... DISABLE TRIGGER ALL` turns them off)
and no role that could be the application's may run with `session_replication_role = replica` (set on
the database, the role, or the role in this database), which silences every FK.

NO ACTION and RESTRICT are treated as the same when the FK is not deferred: both refuse a statement that
leaves an orphan; they differ only in whether a statement that breaks and repairs a reference within
itself is refused (RESTRICT) -- SQLite and PostgreSQL agree on that distinction. A deferred FK made
RESTRICT (which is never deferred) is a difference.

Cannot see: whether the application turns SQLite's `PRAGMA foreign_keys` on at all (SQLite enforces FKs
only on connections that do), MATCH clauses (SQLite parses and ignores them), and a role that is not
allowed to log in but is SET ROLE'd into by the application.
"""

from __future__ import annotations

from ..schema import ForeignKey
from ..sqlnames import qi, qname, qs
from .outcome import Finding, Outcome, failed, missing_table, passed
from .pairing import Comparison, TablePair, match_name
from .pg_objects import PgObjects, pg_objects

CHECK = "foreign_keys"
_SAME = {"NO ACTION", "RESTRICT"}


def check_foreign_keys(cmp: Comparison, tp: TablePair) -> Outcome:
    """Every FK declared in SQLite is carried and enforced as declared; every FK in PostgreSQL holds."""
    if tp.target is None:
        return missing_table(CHECK, tp.name, cmp.settings.schema)
    objs = pg_objects(cmp)
    findings: list[Finding] = []
    seen: set[str] = set()
    for fk in tp.source.foreign_keys:
        findings += _one(cmp, tp, fk, objs, seen)
    findings += _pg_only(cmp, tp, seen)
    if findings:
        return failed(CHECK, tp.name, f"{len(findings)} foreign-key problem(s)", findings)
    return passed(CHECK, tp.name, f"{len(tp.source.foreign_keys)} foreign key(s) present, same target and actions, "
                                  "validated, enforced, no orphans")


def _label(tp: TablePair, fk: ForeignKey) -> str:
    return f"{tp.name}({', '.join(fk.from_columns)}) -> {fk.table}({', '.join(fk.to_columns)})"


def _one(cmp: Comparison, tp: TablePair, fk: ForeignKey, objs: PgObjects, seen: set[str]) -> list[Finding]:
    col_map = {c.name.lower(): c.target.name for c in tp.columns if c.target}
    cols = tuple(col_map.get(c.lower(), c) for c in fk.from_columns)
    parent = match_name(fk.table, list(cmp.catalog))
    label, column = _label(tp, fk), fk.from_columns[0]

    def note() -> str:  # SQLite's own orphans, read only for a finding that says them (a passing FK reads no row)
        n = _sqlite_orphans(cmp, tp, fk)
        return f" (SQLite itself has {n} orphan row(s))" if n else ""

    same_cols = [f for f in tp.target.foreign_keys if f.columns == cols and f.name not in seen]
    pg_fk = next((f for f in same_cols if f.parent == parent), same_cols[0] if same_cols else None)
    if pg_fk is None:
        out = [Finding(f"{label}: FOREIGN KEY missing in PostgreSQL{note()}: the application can write "
                       f"{', '.join(fk.from_columns)} values with no {fk.table} row", column, "fk-missing")]
        if parent:
            pcols = [_parent_col(cmp, parent, c) for c in fk.to_columns]
            n = _pg_orphans(cmp, qname(cmp.settings.schema, tp.target.name), cols,
                            qname(cmp.settings.schema, parent), pcols)
            if n:
                out.append(Finding(f"{label}: {n} orphan row(s) in PostgreSQL", column, "orphans"))
        return out
    seen.add(pg_fk.name)
    info = objs.fks.get((tp.target.name, pg_fk.name))
    pschema = info.parent_schema if info else cmp.settings.schema
    out = _target(cmp, tp, fk, pg_fk, pschema, parent, label)
    out += _actions(fk, pg_fk, info, label)
    if not pg_fk.validated:
        out.append(Finding(f"{label}: FOREIGN KEY {pg_fk.name} is NOT VALID in PostgreSQL{note()}: the rows already "
                           "there were never checked", column, "fk-not-valid"))
    out += [Finding(f"{label}: {why}", column, "fk-disabled") for why in _not_enforced(pg_fk.name, info, objs)]
    n = _pg_orphans(cmp, qname(cmp.settings.schema, tp.target.name), pg_fk.columns,
                    qname(pschema, pg_fk.parent), pg_fk.parent_columns)
    if n:
        out.append(Finding(f"{label}: {n} orphan row(s) in PostgreSQL{note()}", column, "orphans"))
    return [Finding(f.text, column, f.kind) for f in out]


def _target(cmp: Comparison, tp: TablePair, fk: ForeignKey, pg_fk, pschema: str, parent: str | None,
            label: str) -> list[Finding]:
    """The FK references the migrated parent (same schema, same table, same columns)."""
    schema = cmp.settings.schema
    if pschema != schema or pg_fk.parent != parent:
        return [Finding(f"{label}: FOREIGN KEY {pg_fk.name} references {qname(pschema, pg_fk.parent)}, not the "
                        f"migrated {qname(schema, parent or fk.table)}: the application's writes are checked "
                        "against the wrong table", None, "fk-target")]
    want = tuple(_parent_col(cmp, parent, c) for c in fk.to_columns)
    if tuple(pg_fk.parent_columns) != want:
        return [Finding(f"{label}: FOREIGN KEY {pg_fk.name} references {parent}({', '.join(pg_fk.parent_columns)}), "
                        f"SQLite references ({', '.join(fk.to_columns)})", None, "fk-target")]
    return []


def _actions(fk: ForeignKey, pg_fk, info, label: str) -> list[Finding]:
    out = []
    for event, src, dst in (("DELETE", fk.on_delete, pg_fk.on_delete), ("UPDATE", fk.on_update, pg_fk.on_update)):
        src = src or "NO ACTION"
        if src == dst or (src in _SAME and dst in _SAME and not fk.deferred):
            continue
        out.append(Finding(f"{label}: ON {event} {src} in SQLite but {dst} in PostgreSQL: the application's "
                           f"{event} of a referenced {fk.table} row now does {dst}, not {src}", None, "fk-action"))
    pg_deferred = bool(info and info.deferred)
    if fk.deferred != pg_deferred:
        when = ("at COMMIT in SQLite (DEFERRABLE INITIALLY DEFERRED) but at each statement in PostgreSQL: a "
                "transaction that inserts children before parents now fails") if fk.deferred else \
            ("at each statement in SQLite but only at COMMIT in PostgreSQL (INITIALLY DEFERRED): a statement "
             "SQLite refuses is accepted")
        out.append(Finding(f"{label}: checked {when}", None, "fk-deferrable"))
    return out


def _not_enforced(name: str, info, objs: PgObjects) -> list[str]:
    out = []
    if info is not None:
        off = [t.name for t in info.triggers if not t.fires]
        if off:
            out.append(f"FOREIGN KEY {name} is not enforced: its trigger(s) {', '.join(off)} are disabled "
                       "(ALTER TABLE ... DISABLE TRIGGER): the application can write orphans")
    out += [f"FOREIGN KEY {name} is not enforced for sessions of {who}: the application can write orphans"
            for who in objs.replica]
    return out


def _pg_only(cmp: Comparison, tp: TablePair, seen: set[str]) -> list[Finding]:
    out = []
    for pg_fk in tp.target.foreign_keys:
        if pg_fk.name in seen:
            continue
        info = pg_objects(cmp).fks.get((tp.target.name, pg_fk.name))
        pschema = info.parent_schema if info else cmp.settings.schema
        n = _pg_orphans(cmp, qname(cmp.settings.schema, tp.target.name), pg_fk.columns,
                        qname(pschema, pg_fk.parent), pg_fk.parent_columns)
        if n or not pg_fk.validated:
            column = next((c.name for c in tp.columns if c.target and c.target.name == pg_fk.columns[0]), None)
            out.append(Finding(f"{tp.name}: PostgreSQL FK {pg_fk.name} has {n} orphan row(s)"
                               f"{'' if pg_fk.validated else ' and is NOT VALID'}", column,
                               "orphans" if n else "fk-not-valid"))
    return out


def _pg_orphans(cmp: Comparison, child: str, cols, parent: str, pcols) -> int:
    join = " AND ".join(f"p.{qi(pc)} = c.{qi(cc)}" for cc, pc in zip(cols, pcols))
    notnull = " AND ".join(f"c.{qi(cc)} IS NOT NULL" for cc in cols)
    return cmp.pg_query(f"SELECT count(*) FROM {child} c WHERE {notnull} AND NOT EXISTS "
                        f"(SELECT 1 FROM {parent} p WHERE {join})")[0][0]


def _sqlite_orphans(cmp: Comparison, tp: TablePair, fk: ForeignKey) -> int | None:
    join = " AND ".join(f"p.{qs(t)} = c.{qs(f)}" for f, t in zip(fk.from_columns, fk.to_columns))
    notnull = " AND ".join(f"c.{qs(f)} IS NOT NULL" for f in fk.from_columns)
    try:
        return cmp.source.query(f"SELECT count(*) FROM {qs(tp.name)} c WHERE {notnull} AND NOT EXISTS "
                                f"(SELECT 1 FROM {qs(fk.table)} p WHERE {join})")[0][0]
    except Exception:  # noqa: BLE001 - the parent table may not exist in the file
        return None


def _parent_col(cmp: Comparison, parent: str, name: str) -> str:
    cols = [c.name for c in cmp.catalog[parent].columns]
    return match_name(name, cols) or name
