"""Pair a SQLite file with a PostgreSQL schema: which table and column is whose, compared by which rule.

Both sides are read in one consistent snapshot each (a SQLite read transaction, a PostgreSQL
REPEATABLE READ transaction), held for the life of the `Comparison`.

A scan in a background thread (verify/schedule.py) must not share these connections with the checks
running meanwhile, so `scan_view()` gives a view of the comparison over a second pair of connections
that read the same snapshots: PostgreSQL imports the first transaction's exported snapshot
(pg_export_snapshot / SET TRANSACTION SNAPSHOT: exactly the same rows); the second SQLite connection
starts its read transaction right after the first, under the same --snapshot-lock. While the first
connection holds its read transaction no writer can commit to a rollback-journal file, so both see the
same rows; in WAL mode a commit landing between the two opens (microseconds) is only excluded for
writers that honour --snapshot-lock, as between SQLite and PostgreSQL.

The unit of integer epochs in a column that became timestamp/date is decided by the smallest and largest
integer of the column (as migrate.py does). Eagerly that is one more read of the SQLite table at open;
with `units_when_asked` the content scan measures them in its own read (`epochs_pending`, then
`settle_epochs`: read again only when the integers turn out to be in another unit than assumed), and a
table no check scans is not read for it (`unmeasured`: its rules say an assumed unit).
READS counts every full read of a table's rows, per side, in this process (the reports say them).

Names pair when PostgreSQL holds the SQLite name exactly or its lowercase (--lowercase-names; an unquoted
name in the application's SQL folds to it), or either cut to 63 bytes. Any other spelling in another case
(SQLite `body`, PostgreSQL "Body") is reached by no query the application wrote for SQLite (`body` and
`"body"` both miss it), so it does not pair: the table or column counts as missing, every check covering
it fails, and `near` keeps the PostgreSQL spelling so the finding names both.
Cannot see: a name the application itself quotes in PostgreSQL's spelling (it would work there).
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TargetError
from ..fit import base_type
from ..schema import Column, Schema, Table, inspect_schema
from ..source import SqliteSource
from ..sqlnames import PG_NAME_BYTES, qs, sql_literal
from ..units import UnitEvidence, epoch_unit, interval_unit
from .catalog import PgColumn, PgTable, read_catalog
from .rules import Rule, Settings, infer

READS: Counter[tuple[str, str]] = Counter()  # (table, 'sqlite' | 'postgresql') -> full reads in this process
_READS_LOCK = threading.Lock()


def count_read(table: str, side: str) -> None:
    """One full read of `table`'s rows on `side` ('sqlite' or 'postgresql'), for READS."""
    with _READS_LOCK:
        READS[(table, side)] += 1


@dataclass
class ColumnPair:
    source: Column
    target: PgColumn | None
    rule: Rule | None
    near: str | None = None  # unpaired: the PostgreSQL column of the same name in another case (see module doc)

    @property
    def name(self) -> str:
        return self.source.name


@dataclass
class TablePair:
    source: Table
    target: PgTable | None
    columns: list[ColumnPair]
    key: list[ColumnPair] = field(default_factory=list)  # empty: compared as a multiset
    near: str | None = None  # unpaired: the PostgreSQL table of the same name in another case (see module doc)

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def compared(self) -> list[ColumnPair]:
        return [c for c in self.columns if c.rule is not None]

    @property
    def missing(self) -> list[ColumnPair]:
        """The columns with no PostgreSQL counterpart (none when the table itself is missing)."""
        return [c for c in self.columns if c.target is None] if self.target is not None else []


def match_name(name: str, candidates: list[str], strict: bool = False) -> str | None:
    """The PostgreSQL name for a SQLite name: exact, case-folded, or cut to 63 bytes (plain or hashed).
    `strict`: case-folded means the SQLite name's lowercase only (see the module docstring); otherwise any
    case matches (names written in SQLite SQL, which ignores case)."""
    if name in candidates:
        return name
    if strict and name.lower() in candidates:
        return name.lower()
    low = {c.lower(): c for c in candidates}
    if not strict and name.lower() in low:
        return low[name.lower()]
    raw = name.encode()
    if len(raw) > PG_NAME_BYTES:
        plain = raw[:PG_NAME_BYTES].decode("utf-8", "ignore")
        tag = "_" + hashlib.sha1(raw).hexdigest()[:8]
        hashed = raw[: PG_NAME_BYTES - len(tag)].decode("utf-8", "ignore") + tag
        for cand in (plain, hashed, plain.lower(), hashed.lower()):
            if cand in candidates:
                return cand
    return None


class Comparison:
    """A SQLite file and a PostgreSQL schema, opened once, paired table by table."""

    def __init__(self, sqlite_path: str, pg_url: str, settings: Settings, tables: list[str] | None = None,
                 exclude: list[str] | None = None, redact: tuple[str, ...] = (), snapshot_lock: str | None = None,
                 allow_stale_read: bool = False, scan_view: bool = False, units_when_asked: bool = False):
        self.settings = settings
        self.redact = redact
        self.expectations = Path("expectations")  # where Great Expectations suites are looked for
        self.reports = Path("reports")  # where GX writes its project and Data Docs
        self.cache: dict[str, object] = {}  # results several checks share (content per table, GX run)
        self.pg_url = pg_url
        self._interval: UnitEvidence | None = None  # the unit of integers going into interval columns, once asked
        self.stopping = threading.Event()  # set: a scan under way stops at its next batch (an interrupted run)
        self._view: Comparison | None = None  # the scan view's connections (see scan_view), opened when asked
        self._view_lock = threading.Lock()
        self._scan_source: SqliteSource | None = None
        self._snapshot_id: str | None = None
        with _exclusive(snapshot_lock):  # both snapshots at one moment for writers that honour the lock
            self.source = SqliteSource.open(sqlite_path, allow_stale_read)
            if scan_view:
                self._scan_source = self.source.reopen()
            self.pg = _pg_connect(pg_url)
        if scan_view:  # not in pg_query's savepoint: a subtransaction cannot export its snapshot
            cur = _PgCursor(self.pg)
            cur.execute("SELECT pg_export_snapshot()")
            self._snapshot_id = cur.fetchall()[0][0]
        self.schema: Schema = inspect_schema(self.source)
        self.catalog: dict[str, PgTable] = self._catalog()
        keep = {t.lower() for t in tables or []}
        drop = {t.lower() for t in exclude or []}
        self._defer_epochs = units_when_asked and not settings.epoch_unit
        self._epochs_pending: dict[str, list[str]] = {}  # table -> epoch columns whose unit is still assumed
        self.tables = [self._pair(t) for t in self.schema.tables
                       if (not keep or t.name.lower() in keep) and t.name.lower() not in drop]

    def _catalog(self) -> dict[str, PgTable]:
        cur = _PgCursor(self.pg)
        return read_catalog(cur, self.settings.schema)

    def table(self, name: str) -> TablePair:
        return next(t for t in self.tables if t.name == name)

    @property
    def unmeasured(self) -> set[str]:
        """Tables whose epoch columns' unit is assumed, not measured (units_when_asked, not scanned yet)."""
        return set(self._epochs_pending)

    def epochs_pending(self, tp: TablePair) -> list[str]:
        """The columns of `tp` whose epoch unit a scan should measure (see settle_epochs)."""
        return list(self._epochs_pending.get(tp.name, []))

    def measure_units(self, names: Iterable[str]) -> None:
        """Measure the pending epoch units of the named tables with their own read, and settle them."""
        for name in set(names) & self.unmeasured:
            tp = self.table(name)
            found = self.epoch_units(tp.source, self._epochs_pending[name])
            self._settle(tp, found)

    def settle_epochs(self, tp: TablePair, bounds: dict[str, tuple[int | None, int | None]]) -> bool:
        """The smallest and largest integer a scan found in each pending epoch column: the unit decided as
        epoch_units does, the rules inferred again. True when a unit differs from the one assumed (the scan
        read those integers in the wrong unit and must read again)."""
        return self._settle(tp, {n: epoch_unit(*bounds.get(n, (None, None))) for n in self.epochs_pending(tp)})

    def _settle(self, tp: TablePair, units: dict[str, UnitEvidence]) -> bool:
        self._epochs_pending.pop(tp.name, None)
        changed = False
        for c in tp.columns:
            if c.name in units and c.target is not None:
                rule = infer(c.source.name, c.source.type, c.target.name, c.target.type, self.settings, units[c.name])
                changed |= rule.unit != c.rule.unit
                c.rule = rule
        return changed

    def _pair(self, table: Table) -> TablePair:
        target_name = match_name(table.name, list(self.catalog), strict=True)
        target = self.catalog.get(target_name) if target_name else None
        found = []
        for col in table.columns:
            tcol = None
            if target is not None:
                tname = match_name(col.name, [c.name for c in target.columns], strict=True)
                tcol = target.column(tname) if tname else None
            found.append((col, tcol))
        units = self._units(table, [(col, tcol) for col, tcol in found if tcol is not None])
        cols = [ColumnPair(col, tcol, infer(col.name, col.type, tcol.name, tcol.type, self.settings,
                                            units.get(col.name)) if tcol else None) for col, tcol in found]
        if target is not None:
            for c in cols:
                if c.target is None:
                    c.near = match_name(c.name, [t.name for t in target.columns])
        pair = TablePair(table, target, cols, near=None if target else match_name(table.name, list(self.catalog)))
        by_name = {c.name: c for c in cols}
        key = [by_name[k] for k in table.primary_key]
        if key and all(k.rule is not None for k in key):
            pair.key = key
        return pair

    def interval_unit(self) -> UnitEvidence:
        """The unit of SQLite integers going into interval columns, decided as migrate.py --data-only does."""
        if self._interval is None:
            self._interval = interval_unit(self.source, self.settings.interval_unit)
        return self._interval

    def _units(self, table: Table, pairs: list[tuple[Column, PgColumn]]) -> dict[str, UnitEvidence]:
        """The unit evidence of every column whose integers become durations or instants in PostgreSQL.

        Intervals: the user's --interval-unit, else the file's (Django's microseconds). Timestamps and
        dates: the user's --epoch-unit, else the one band holding every integer of the column (one
        aggregate over the table for all such columns), as migrate.py --data-only decides."""
        out: dict[str, UnitEvidence] = {}
        epochs = []
        for col, tcol in pairs:
            base = base_type(tcol.type)
            if base.startswith("interval"):
                out[col.name] = self.interval_unit()
            elif base.startswith("timestamp") or base == "date":
                epochs.append(col.name)
        if epochs and self._defer_epochs:
            self._epochs_pending[table.name] = epochs
            return out
        return out | self.epoch_units(table, epochs)

    def epoch_units(self, table: Table, names: list[str]) -> dict[str, UnitEvidence]:
        """The unit of each named column's integer epochs: the user's --epoch-unit, else the one band holding
        every integer of the column (one aggregate over the table for all of them), as migrate.py decides."""
        if not names:
            return {}
        if self.settings.epoch_unit:
            return {n: epoch_unit(None, None, self.settings.epoch_unit) for n in names}
        parts = [f"{fn}(CASE WHEN typeof({qs(n)}) = 'integer' THEN {qs(n)} END)"
                 for n in names for fn in ("min", "max")]
        count_read(table.name, "sqlite")
        row = self.source.query(f"SELECT {', '.join(parts)} FROM {qs(table.name)}")[0]
        return {n: epoch_unit(row[2 * i], row[2 * i + 1]) for i, n in enumerate(names)}

    def pg_query(self, sql: str) -> list[tuple]:
        """A small query inside the PostgreSQL snapshot; a failing one does not spoil the next (savepoint)."""
        cur = self.pg.cursor()
        try:
            cur.execute("SAVEPOINT pgparity_q")
            cur.execute(sql)
            rows = cur.fetchall()
            cur.execute("RELEASE SAVEPOINT pgparity_q")
            return rows
        except Exception as exc:  # noqa: BLE001
            try:
                cur.execute("ROLLBACK TO SAVEPOINT pgparity_q")
            except Exception:  # noqa: BLE001 - the connection itself is gone: the first error says so
                pass
            raise TargetError(f"PostgreSQL query failed: {str(exc).splitlines()[0]} (query: {sql[:200]})") from None
        finally:
            cur.close()

    def scan_view(self) -> Comparison:
        """This comparison over its second pair of connections (same snapshots, see the module docstring),
        for one scanning thread; the comparison itself when it was opened without them."""
        if self._scan_source is None:
            return self
        with self._view_lock:
            if self._view is None:
                view = copy.copy(self)
                view.source = self._scan_source
                view.pg = _pg_connect(self.pg_url, self._snapshot_id)
                view._scan_source, view._view = None, None
                self._view = view
        return self._view

    def close(self) -> None:
        from .scratch import close_scratch

        close_scratch(self)
        for conn in (self.source, self._scan_source):
            if conn is not None:
                conn.close()
        for pg in (self.pg, self._view.pg if self._view is not None else None):
            try:
                if pg is not None:
                    pg.close()
            except Exception:  # noqa: BLE001
                pass


@contextmanager
def _exclusive(path: str | None):
    """Hold an exclusive flock on `path` (when given) while both snapshots are taken."""
    if not path:
        yield
        return
    import fcntl

    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _pg_connect(url: str, snapshot: str | None = None):
    """A connection inside a REPEATABLE READ READ ONLY transaction: a new snapshot, or the exported one."""
    import adbc_driver_postgresql.dbapi as adbc_pg

    try:
        conn = adbc_pg.connect(url, autocommit=True)
        cur = conn.cursor()
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if snapshot:  # before any query of the transaction, as PostgreSQL requires
            cur.execute(f"SET TRANSACTION SNAPSHOT {sql_literal(snapshot)}")
        cur.execute("SET TimeZone = 'UTC'")
        cur.execute("SELECT 1")  # the snapshot is taken here, not at BEGIN
        cur.fetchall()
        cur.close()
    except Exception as exc:  # noqa: BLE001
        from ..server import redact

        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TargetError(f"cannot connect to PostgreSQL at {redact(url)}: {msg}") from None
    return conn


class _PgCursor:
    """The two DB-API calls read_catalog needs, with %s parameters inlined as literals."""

    def __init__(self, conn):
        self._cur = conn.cursor()

    def execute(self, sql: str, params: tuple = ()) -> None:
        self._cur.execute(sql.replace("%s", "{}").format(*(sql_literal(p) for p in params)))

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall()
