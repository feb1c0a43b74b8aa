"""Load a plan into PostgreSQL in ONE transaction: tables, COPY, keys, FKs, CHECKs, sequences, ANALYZE.

Any failure rolls everything back, so the target is exactly as it was before the run.
"""

from __future__ import annotations

import io
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg2
import pyarrow as pa
import pyarrow.csv as pacsv

from . import ddl
from .errors import RefusedError, TargetError
from .plan import Plan, TablePlan
from .reader import read_batches
from .source import SqliteSource
from .sqlnames import qi, qname

Progress = Callable[[str, int, int], None]  # (table, rows done, rows total)
CONSTRAINTS = "(keys, indexes, FKs)"  # the progress line of the constraint phase, counted in statements


@dataclass
class TableResult:
    table: str
    pg_table: str
    rows_read: int = 0
    rows_written: int = 0
    seconds: float = 0.0


@dataclass
class LoadResult:
    tables: list[TableResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class LoadOptions:
    drop_existing: bool = False
    orphans: str = "refuse"
    nul: str = "refuse"
    bad_utf8: str = "refuse"
    source_tz: str | None = None  # the zone naive SQLite text timestamps are read in (timestamptz targets)


def connect(url: str):
    """A psycopg2 connection, or a one-line TargetError saying what to check."""
    try:
        conn = psycopg2.connect(url, connect_timeout=10, application_name="pgparity")
    except psycopg2.OperationalError as exc:
        raise TargetError(f"cannot connect to PostgreSQL: {_pg_message(exc)} "
                          "(check --pg/DATABASE_URL: host, port, user, password, database)") from None
    return conn


def _pg_message(exc: BaseException) -> str:
    text = (getattr(exc, "pgerror", None) or str(exc)).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " ".join(lines[:2]) if lines else type(exc).__name__


class _CsvStream(io.RawIOBase):
    """A file-like object COPY reads: CSV bytes rendered from Arrow batches by a reader thread."""

    def __init__(self, batches: Iterator[pa.RecordBatch], on_rows: Callable[[int], None]):
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._buf = b""
        self._done = False
        self.error: BaseException | None = None  # what stopped the stream (psycopg2 hides it inside its own)
        self._on_rows = on_rows
        self._thread = threading.Thread(target=self._produce, args=(batches,), daemon=True)
        self._thread.start()

    def _produce(self, batches: Iterator[pa.RecordBatch]) -> None:
        opts = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        try:
            for batch in batches:
                sink = io.BytesIO()
                pacsv.write_csv(batch, sink, opts)
                self._queue.put((sink.getvalue(), batch.num_rows))
            self._queue.put((None, 0))
        except BaseException as exc:  # noqa: BLE001 - handed to the COPY side and raised there
            self._queue.put((exc, 0))

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buf) < size):
            item, rows = self._queue.get()
            if item is None:
                self._done = True
            elif isinstance(item, BaseException):
                self._done = True
                self.error = item
                raise item
            else:
                self._buf += item
                self._on_rows(rows)
        if size < 0:
            size = len(self._buf)
        out, self._buf = self._buf[:size], self._buf[size:]
        return out


def existing_tables(cur, schema: str, names: list[str]) -> list[str]:
    cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.relkind IN ('r','p','v','m','f')",
                (schema, names))
    return sorted(r[0] for r in cur.fetchall())


@contextmanager
def transaction(url: str, step: list[str]):
    """One PostgreSQL transaction: commit when the block ends, roll back on anything else.

    `step[0]` names what the block is doing, so an error says where it stopped."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            yield cur
        conn.commit()
    except psycopg2.Error as exc:
        _rollback(conn)
        if isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)):
            raise TargetError(f"connection to PostgreSQL lost while loading {step[0]}: {_pg_message(exc)}; "
                              "nothing was committed") from None
        raise TargetError(f"PostgreSQL refused the load at {step[0]}: {_pg_message(exc)}; "
                          "nothing was committed") from None
    except BaseException:
        _rollback(conn)
        raise
    finally:
        conn.close()


def load(src: SqliteSource, plan: Plan, url: str, opts: LoadOptions, progress: Progress | None = None,
         fail_after_table: str | None = None) -> LoadResult:
    """Run the whole migration in one transaction; roll back on any error."""
    started = time.monotonic()
    result = LoadResult()
    step = ["setup"]
    with transaction(url, step) as cur:
        cur.execute("SET TimeZone = %s", (plan.options.source_tz,))
        # this transaction builds every index and key: give its sorts room (a setting local to it)
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        _prepare(cur, plan, opts)
        for tp in plan.tables:
            step[0] = tp.pg_name
            result.tables.append(_copy_table(cur, src, tp, plan.options.schema, opts, progress))
            if fail_after_table == tp.name:  # used by the all-or-nothing tests
                raise TargetError(f"injected failure after table {tp.name}")
        step[0] = "constraints"
        statements = ddl.constraints(plan) + ddl.foreign_keys(plan, opts.orphans == "not-valid")
        for i, stmt in enumerate(statements):
            if progress:
                progress(CONSTRAINTS, i, len(statements))
            _run(cur, stmt, result.notes)
        if progress:
            progress(CONSTRAINTS, -1, len(statements))
        _set_sequences(cur, src, plan)
        cur.execute("ANALYZE " + ", ".join(qname(plan.options.schema, t.pg_name) for t in plan.tables)
                    if plan.tables else "SELECT 1")
    result.seconds = time.monotonic() - started
    return result


def _rollback(conn) -> None:
    try:
        conn.rollback()
    except psycopg2.Error:
        pass  # the connection is gone: the server rolls back on its own


def _prepare(cur, plan: Plan, opts: LoadOptions) -> None:
    schema = plan.options.schema
    names = [t.pg_name for t in plan.tables] + [v.pg_name for v in plan.views]
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    if not cur.fetchall():  # CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when it exists
        cur.execute(f"CREATE SCHEMA {qi(schema)}")
    present = existing_tables(cur, schema, names)
    if present and not opts.drop_existing:
        raise RefusedError(f"{len(present)} table(s) or view(s) already exist in schema {schema}: "
                           f"{', '.join(present[:8])}{' ...' if len(present) > 8 else ''}; nothing was changed. "
                           "Use --drop-existing to replace them, or --data-only to load into them")
    _drop(cur, schema, present)
    for tp in plan.tables:
        cur.execute(ddl.create_table(tp, schema).sql)


def _drop(cur, schema: str, names: list[str]) -> None:
    """Drop what --drop-existing replaces: views first (they depend on the tables), then tables."""
    if not names:
        return
    cur.execute("SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = ANY(%s)", (schema, names))
    kinds = dict(cur.fetchall())
    for kind, what in (("v", "VIEW"), ("m", "MATERIALIZED VIEW"), ("r", "TABLE"), ("p", "TABLE"),
                       ("f", "FOREIGN TABLE")):
        group = [n for n in names if kinds.get(n) == kind]
        if group:
            cur.execute(f"DROP {what} " + ", ".join(qname(schema, n) for n in group))


def _copy_table(cur, src: SqliteSource, tp: TablePlan, schema: str, opts: LoadOptions,
                progress: Progress | None) -> TableResult:
    res = TableResult(tp.name, tp.pg_name)
    t0 = time.monotonic()

    def on_rows(n: int) -> None:
        res.rows_read += n
        if progress:
            progress(tp.name, res.rows_read, tp.rows)

    if progress:
        progress(tp.name, 0, tp.rows)
    cols = ", ".join(qi(c.pg_name) for c in tp.columns)
    stream = _CsvStream(read_batches(src, tp, opts.nul, opts.bad_utf8, source_tz=opts.source_tz), on_rows)
    try:
        cur.copy_expert(f"COPY {qname(schema, tp.pg_name)} ({cols}) FROM STDIN WITH (FORMAT csv)", stream,
                        size=1 << 20)
    except psycopg2.Error:
        if stream.error is not None:  # the reader refused (bad bytes) or failed: say that, not COPY's echo
            raise stream.error from None
        raise
    res.rows_written = cur.rowcount
    res.seconds = time.monotonic() - t0
    if progress:
        progress(tp.name, -1, tp.rows)  # this table is done
    if res.rows_written != res.rows_read:
        raise TargetError(f"{tp.name}: read {res.rows_read} rows but PostgreSQL wrote {res.rows_written}")
    return res


def _run(cur, stmt: ddl.Statement, notes: list[str]) -> None:
    if not stmt.sql:
        notes.append(f"not created: {stmt.what}")
        return
    if not stmt.optional:
        cur.execute(stmt.sql)
        return
    cur.execute("SAVEPOINT pgparity_try")
    try:
        cur.execute(stmt.sql)
        cur.execute("RELEASE SAVEPOINT pgparity_try")
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        raise
    except psycopg2.Error as exc:
        cur.execute("ROLLBACK TO SAVEPOINT pgparity_try")
        notes.append(f"not created: {stmt.what}: {_pg_message(exc)}")


def _set_sequences(cur, src: SqliteSource, plan: Plan) -> None:
    """Put every identity sequence past max(key) and past SQLite's AUTOINCREMENT counter."""
    seqs = _sqlite_sequences(src)
    for tp in plan.tables:
        for c in tp.columns:
            if not c.identity:
                continue
            table = qname(plan.options.schema, tp.pg_name)
            floor = seqs.get(tp.name, 0)
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(coalesce(max({qi(c.pg_name)}), 0), %s, 1), "
                f"coalesce(max({qi(c.pg_name)}), 0) > 0 OR %s > 0) FROM {table}",
                (table, c.pg_name, floor, floor))


def _sqlite_sequences(src: SqliteSource) -> dict[str, int]:
    if not src.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")[0][0]:
        return {}
    return {name: int(seq or 0) for name, seq in src.query("SELECT name, seq FROM sqlite_sequence")}
