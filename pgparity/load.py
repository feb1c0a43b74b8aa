"""Load a plan into PostgreSQL in ONE transaction: tables, COPY, keys, FKs, CHECKs, sequences, ANALYZE.

Any failure rolls everything back, so the target is exactly as it was before the run.
"""

from __future__ import annotations

import io
import os
import queue
import threading
import time
from collections.abc import Callable
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

import numpy as np
import psycopg2
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import ddl
from .errors import RefusedError, TargetError
from .plan import Plan, TablePlan
from .read_ahead import ahead
from .reader import read_batches
from .schema import sqlite_sequences
from .source import SqliteSource
from .sqlnames import qi, qname

Progress = Callable[[str, int, int], None]  # (table, rows done, rows total)
CONSTRAINTS = "(CHECKs, views, FKs)"  # the progress line of the phase after the last COPY, counted in statements


@dataclass
class TableResult:
    table: str
    pg_table: str
    rows_read: int = 0
    rows_written: int = 0
    seconds: float = 0.0
    copy_format: str = "csv"  # how the rows went: "binary", "csv", or "csv, after binary met <what>"


@dataclass
class LoadResult:
    tables: list[TableResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # phase -> seconds, in the order they ran


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


# ---------------------------------------------------------------- COPY BINARY, built vectorised from Arrow

COPY_FORMAT_ENV = "PGPARITY_COPY_FORMAT"  # 'csv': every table as CSV (the bench's comparison; tests)
_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
_TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01, PostgreSQL's epoch, in microseconds since 1970
# year 0001 on (PostgreSQL has no year 0), hour 00-23 (PostgreSQL reads 24:00:00 as the next day)
_PLAIN_TS = (r"^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2} "
             r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$")
_WIDTH = {"int8": 8, "float8": 8, "bool": 1, "timestamp": 8}


class NotExact(Exception):
    """A value has no exact binary form here: the table is copied again as CSV (PostgreSQL parses it)."""


def binary_kinds(tp: TablePlan) -> list[str] | None:
    """How binary COPY sends each column ('int8', 'float8', 'bool', 'text', 'jsonb', 'bytea', 'timestamp'),
    or None: some column's type is not one of these, and the table goes as CSV (PostgreSQL parses the text).

    Binary carries the value PostgreSQL's text input would give: bigint from integers, double precision
    from reals, boolean from 0/1, text/varchar from text (PostgreSQL still checks UTF-8 and varchar
    length), jsonb from its text (jsonb_recv parses it as jsonb_in does), bytea from the plan's '\\x' hex,
    timestamp from texts of the one plain form 'YYYY-MM-DD HH:MM:SS[.ffffff]'. A batch holding a value
    outside these forms raises NotExact, and the table is copied again as CSV, so every value not
    sent exactly is judged by PostgreSQL's text input, as before."""
    if os.environ.get(COPY_FORMAT_ENV, "").lower() == "csv":
        return None
    kinds = []
    for c in tp.columns:
        if c.finish != "none" or len(c.select) != 1:
            return None
        read, pg = c.select[0][1], c.pg_type.lower()
        if pg == "bigint" and read == "int":
            kinds.append("int8")
        elif pg == "double precision" and read == "real":
            kinds.append("float8")
        elif pg == "boolean" and read == "int":
            kinds.append("bool")
        elif (pg == "text" or pg.startswith(("varchar", "character varying"))) and read == "text":
            kinds.append("text")
        elif pg in ("jsonb", "bytea") and read == "text":
            kinds.append(pg)
        elif pg in ("timestamp", "timestamp without time zone") and read == "text":
            kinds.append("timestamp")
        else:
            return None
    return kinds


def binary_rows(batch: pa.RecordBatch, kinds: list[str], table: str) -> bytes:
    """The batch's rows in COPY BINARY tuple format (no header or trailer): per row a 16-bit field count,
    per field a 32-bit length (-1 for NULL) and the value in network byte order.

    Each piece is an Arrow binary array built from numpy buffers without a per-row step (the count,
    each column's lengths, each column's values); one element-wise join lays them out row by row."""
    n = batch.num_rows
    parts = [_binary(np.frombuffer(np.array([len(kinds)], ">i2").tobytes() * n, np.uint8), np.full(n, 2))]
    for j, kind in enumerate(kinds):
        lengths, payload = _field(batch.column(j), kind, f"{table}.{batch.schema.names[j]}")
        parts.append(_binary(lengths.astype(">i4").view(np.uint8), np.full(n, 4)))
        if kind == "jsonb":  # jsonb's binary form: version 1, then the text
            valid = lengths >= 0
            parts.append(_binary(np.ones(int(valid.sum()), np.uint8), valid.astype(np.int64)))
            lengths = np.where(valid, lengths - 1, lengths)
        parts.append(_binary(payload, np.maximum(lengths, 0)))
    rows = pc.binary_join_element_wise(*parts, b"")
    offsets = np.frombuffer(rows.buffers()[1], "<i4", n + 1, rows.offset * 4)
    return rows.buffers()[2][int(offsets[0]):int(offsets[-1])].to_pybytes()


def _binary(data: np.ndarray, sizes: np.ndarray) -> pa.Array:
    """An Arrow binary array over `data` (uint8), value i being the next sizes[i] bytes."""
    offsets = np.zeros(len(sizes) + 1, np.int32)
    np.cumsum(sizes, out=offsets[1:])
    return pa.Array.from_buffers(pa.binary(), len(sizes), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


_HEX = np.full(256, 255, np.uint8)
_HEX[np.frombuffer(b"0123456789ABCDEFabcdef", np.uint8)] = [*range(16), *range(10, 16)]


def _unhex(text: np.ndarray, starts: np.ndarray, sizes: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of '\\x'-prefixed hex texts (concatenated `text`, value i at starts[i], sizes[i] long)."""
    heads = starts[:-1]
    if sizes.size and ((sizes < 2).any() or (sizes % 2).any() or (text[heads] != ord("\\")).any()
                       or (text[heads + 1] != ord("x")).any()):
        raise NotExact(f"{where}: a bytea value that is not '\\x' hex text")
    keep = np.ones(text.size, bool)
    keep[heads] = False
    keep[heads + 1] = False
    nibbles = _HEX[text[keep]]
    if (nibbles == 255).any():
        raise NotExact(f"{where}: a bytea value that is not '\\x' hex text")
    return (nibbles[0::2] << 4) | nibbles[1::2], (sizes - 2) // 2


def _field(arr: pa.Array, kind: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(payload length per row, -1 for NULL; the non-NULL payloads concatenated, as bytes)."""
    valid = np.asarray(arr.is_valid()) if arr.null_count else np.ones(len(arr), bool)
    present = arr.filter(pa.array(valid)) if arr.null_count else arr
    if kind in ("text", "jsonb", "bytea"):
        width = 8 if pa.types.is_large_string(present.type) else 4
        offsets = np.frombuffer(present.buffers()[1], f"<i{width}", len(present) + 1, present.offset * width)
        offsets = offsets.astype(np.int64)
        data = np.frombuffer(present.buffers()[2] or b"", np.uint8)[offsets[0]:offsets[-1]] if len(present) \
            else np.empty(0, np.uint8)
        sizes = np.diff(offsets)
        if kind == "bytea":
            data, sizes = _unhex(data, offsets - offsets[0], sizes, where)
        lengths = np.full(len(arr), -1, np.int64)
        lengths[valid] = sizes + (kind == "jsonb")
        return lengths, data
    lengths = np.where(valid, _WIDTH[kind], -1).astype(np.int64)
    values = present.to_numpy(zero_copy_only=False)
    if kind == "int8":
        payload = values.astype(">i8")
    elif kind == "float8":
        payload = values.astype(">f8")
    elif kind == "bool":
        if values.size and not np.isin(values, (0, 1)).all():
            raise NotExact(f"{where}: an integer other than 0 and 1")
        payload = values.astype(np.uint8)
    else:  # timestamp: the plain form only, parsed by Arrow (a date that does not exist fails), shifted
        if pc.all(pc.match_substring_regex(present, _PLAIN_TS)).as_py() not in (True, None):
            raise NotExact(f"{where}: a timestamp text not of the form YYYY-MM-DD HH:MM:SS[.ffffff]")
        try:
            micros = pc.cast(present, pa.timestamp("us")).cast(pa.int64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            raise NotExact(f"{where}: a timestamp text that is no date") from None
        payload = (micros - _PG_EPOCH_US).astype(">i8")
    return lengths, payload.view(np.uint8).reshape(-1)


_QUEUED = 8  # COPY chunks (one Arrow batch each, a few MiB) rendered ahead of COPY: memory bounded by a few batches
_QUEUED_READ = 4  # batches read from SQLite ahead of their rendering


class _Reader:
    """Two threads that read the tables in load order and render each batch for COPY (BINARY or CSV).

    One reads SQLite into Arrow batches (checked and finished by `read_batches`; pgparity.read_ahead), the
    other renders them as COPY chunks, so reading a batch and rendering the one before run at once (the GIL is
    released in SQLite, Arrow and numpy's loops). They run ahead of PostgreSQL by at most `_QUEUED`
    chunks, crossing table boundaries: while the server parses one table's COPY or builds its keys,
    the next table is already being read. The reading thread alone uses the SQLite connection until
    `close()`; the batches keep their order (one thread per stage).
    """

    def __init__(self, src: SqliteSource, tables: list[TablePlan], opts: LoadOptions,
                 kinds: list[list[str] | None]):
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUED)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._render, args=(src, tables, opts, kinds), daemon=True)
        self._thread.start()

    @staticmethod
    def _batches(src: SqliteSource, tables: list[TablePlan], opts: LoadOptions):
        """Stage one (read_ahead's thread): every table's batches, checked and finished by `read_batches`,
        each as (index, batch), then (index, None) for the table's end."""
        for i, tp in enumerate(tables):
            for batch in read_batches(src, tp, opts.nul, opts.bad_utf8, source_tz=opts.source_tz):
                yield i, batch
            yield i, None

    def _render(self, src: SqliteSource, tables: list[TablePlan], opts: LoadOptions,
                kinds: list[list[str] | None]) -> None:
        """Stage two: per table its COPY chunks (BINARY: header, rows, trailer), then (index, None, 0)."""
        wopts = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        begun = -1
        try:
            with closing(ahead(self._batches(src, tables, opts), depth=_QUEUED_READ)) as items:
                for i, batch in items:
                    if i != begun:
                        begun = i
                        if kinds[i] and not self._put((i, _HEADER, 0)):
                            return
                    if batch is None:  # the table is complete
                        if (kinds[i] and not self._put((i, _TRAILER, 0))) or not self._put((i, None, 0)):
                            return
                        continue
                    if kinds[i]:
                        chunk = binary_rows(batch, kinds[i], tables[i].name)
                    else:
                        sink = io.BytesIO()
                        pacsv.write_csv(batch, sink, wopts)
                        chunk = sink.getvalue()
                    if not self._put((i, chunk, batch.num_rows)):
                        return
        except BaseException as exc:  # noqa: BLE001 - handed to the COPY side and raised there
            self._put((-1, exc, 0))

    def _put(self, item: tuple) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def get(self) -> tuple:
        return self._queue.get()

    def close(self) -> None:
        """Stop reading (after a failure, or at the end) and wait until the SQLite connection is free."""
        self._stop.set()
        self._thread.join()


class _CopyStream(io.RawIOBase):
    """The file-like object one table's COPY reads: that table's chunks from the shared reader."""

    def __init__(self, reader: _Reader, index: int, on_rows: Callable[[int], None]):
        self._reader, self._index = reader, index
        self._chunk, self._pos = b"", 0
        self._done = False
        self.error: BaseException | None = None  # what stopped the stream (psycopg2 hides it inside its own)
        self._on_rows = on_rows

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._pos >= len(self._chunk) and not self._done:
            index, item, rows = self._reader.get()
            if isinstance(item, BaseException):
                self._done = True
                self.error = item
                raise item
            if item is None:
                self._done, self._chunk, self._pos = True, b"", 0
            else:
                if index != self._index:  # cannot happen: tables are read and copied in one order
                    raise RuntimeError(f"COPY of table #{self._index} got rows of table #{index}")
                self._chunk, self._pos = item, 0
                if rows:
                    self._on_rows(rows)
        if self._pos == 0 and (size < 0 or size >= len(self._chunk)):
            out = self._chunk  # the whole chunk, not copied
        else:
            out = self._chunk[self._pos:self._pos + size] if size >= 0 else self._chunk[self._pos:]
        self._pos += len(out)
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
         fail_after_table: str | None = None, phases: dict[str, float] | None = None,
         after_copy: Callable[[], None] | None = None) -> LoadResult:
    """Run the whole migration in one transaction; roll back on any error.

    Each table's keys and indexes are built right after its COPY, then it is analyzed (the reader
    meanwhile reads the next table); CHECKs, views and FKs follow once every table is loaded.
    `after_copy()` runs once the last table is loaded, while PostgreSQL is still to check the
    constraints (the client's own work that can wait until then). `phases`: seconds measured before
    the load (read/profile, preflight), kept first in `result.phases`. Tables go as COPY BINARY where
    every value has an exact binary form, else as CSV (see `copy_tables`)."""
    started = time.monotonic()
    result = LoadResult(phases=dict(phases or {}))
    clock = Phases(result.phases)
    step = ["setup"]
    keys, rest = _statements(plan)
    floors = sqlite_sequences(src)  # read before the reader thread takes the SQLite connection
    with transaction(url, step) as cur:
        cur.execute("SET TimeZone = %s", (plan.options.source_tz,))
        # this transaction builds every index and key: give its sorts room (a setting local to it)
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        with clock("create tables"):
            _prepare(cur, plan, opts)

        def after(tp: TablePlan, i: int) -> None:
            if fail_after_table == tp.name:  # used by the all-or-nothing tests
                raise TargetError(f"injected failure after table {tp.name}")
            step[0] = f"the keys of {tp.pg_name}"
            with clock("keys/indexes"):
                for stmt in keys[i]:
                    _run(cur, stmt, result.notes)
            step[0] = "ANALYZE"
            with clock("analyze"):
                cur.execute("ANALYZE " + qname(plan.options.schema, tp.pg_name))

        # in the order they are shown
        result.phases.update(dict.fromkeys(("copy", "keys/indexes", "checks/views/FKs", "sequences", "analyze"), 0.0))
        result.tables = copy_tables(cur, src, plan.tables, plan.options.schema, opts, progress, step, after,
                                    binary=True)
        result.phases["copy"] = round(sum(t.seconds for t in result.tables), 3)
        if after_copy:
            after_copy()
        step[0] = "constraints"
        statements = rest + ddl.foreign_keys(plan, opts.orphans == "not-valid")
        with clock("checks/views/FKs"):
            for i, stmt in enumerate(statements):
                if progress:
                    progress(CONSTRAINTS, i, len(statements))
                _run(cur, stmt, result.notes)
            if progress:
                progress(CONSTRAINTS, -1, len(statements))
        step[0] = "sequences"
        with clock("sequences"):
            for tp in plan.tables:
                for c in tp.columns:
                    if c.identity:
                        set_sequence(cur, qname(plan.options.schema, tp.pg_name), c.pg_name, floors.get(tp.name, 0))
    result.seconds = time.monotonic() - started
    return result


def _statements(plan: Plan) -> tuple[list[list[ddl.Statement]], list[ddl.Statement]]:
    """(each table's keys and indexes, everything else that follows the data), as ddl.constraints lists them.

    ddl.constraints names keys for all tables in one pass (a name taken once is not reused), keys
    first; the per-table lists are cut from it by the counts ddl gives per table. Should that ever
    not hold, every statement waits for the end, as before."""
    everything = ddl.constraints(plan)
    taken = {t.pg_name for t in plan.tables} | {v.pg_name for v in plan.views}
    per_table = [ddl._keys_and_indexes(tp, plan.options.schema, taken) for tp in plan.tables]  # noqa: SLF001
    flat = [s for group in per_table for s in group]
    if everything[:len(flat)] != flat:
        return [[] for _ in plan.tables], everything
    return per_table, everything[len(flat):]


class Phases:
    """`with clock(name):` adds the block's seconds to `phases[name]` (a phase may run in several parts)."""

    def __init__(self, phases: dict[str, float]):
        self.phases = phases

    @contextmanager
    def __call__(self, name: str):
        t0 = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(self.phases.get(name, 0.0) + time.monotonic() - t0, 3)


def copy_tables(cur, src: SqliteSource, tables: list[TablePlan], schema: str, opts: LoadOptions,
                progress: Progress | None, step: list[str],
                after: Callable[[TablePlan, int], None] | None = None, binary: bool = False) -> list[TableResult]:
    """COPY every table in the given order, one reader thread running ahead; `after(tp, i)` runs once
    table i is loaded (its keys), while the reader is already on the next table.

    `binary`: a table whose every column has a binary form (`binary_kinds`) goes as COPY BINARY under a
    savepoint; should a value turn out to have no exact binary form (NotExact), that COPY is rolled
    back to the savepoint and the table is read again and sent as CSV."""
    kinds = [binary_kinds(tp) if binary else None for tp in tables]
    out: list[TableResult] = []
    why: dict[int, str] = {}  # table index -> what stopped its binary COPY
    while len(out) < len(tables):
        start = len(out)
        reader = _Reader(src, tables[start:], opts, kinds[start:])
        try:
            for i in range(start, len(tables)):
                tp = tables[i]
                step[0] = tp.pg_name
                if kinds[i]:
                    cur.execute("SAVEPOINT pgparity_copy")
                try:
                    res = _copy_table(cur, reader, i - start, tp, schema, progress, "binary" if kinds[i] else "csv")
                except NotExact as exc:
                    cur.execute("ROLLBACK TO SAVEPOINT pgparity_copy")
                    kinds[i] = None
                    why[i] = str(exc)
                    break
                if kinds[i]:
                    cur.execute("RELEASE SAVEPOINT pgparity_copy")
                elif i in why:
                    res.copy_format = f"csv, after binary met {why[i]}"
                out.append(res)
                if after:
                    after(tp, i)
        finally:
            reader.close()
    return out


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


def _copy_table(cur, reader: _Reader, index: int, tp: TablePlan, schema: str,
                progress: Progress | None, fmt: str) -> TableResult:
    res = TableResult(tp.name, tp.pg_name, copy_format=fmt)
    t0 = time.monotonic()

    def on_rows(n: int) -> None:
        res.rows_read += n
        if progress:
            progress(tp.name, res.rows_read, tp.rows)

    if progress:
        progress(tp.name, 0, tp.rows)
    cols = ", ".join(qi(c.pg_name) for c in tp.columns)
    stream = _CopyStream(reader, index, on_rows)
    try:
        cur.copy_expert(f"COPY {qname(schema, tp.pg_name)} ({cols}) FROM STDIN WITH (FORMAT {fmt})", stream,
                        size=1 << 23)
    except psycopg2.Error:
        if stream.error is not None:  # the reader refused (bad bytes) or failed: say that, not COPY's echo
            raise stream.error from None
        raise
    res.rows_written = cur.rowcount
    res.seconds = round(time.monotonic() - t0, 3)
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


def set_sequence(cur, table: str, column: str, floor: int) -> str | None:
    """Put the sequence feeding `table`.`column` (identity or serial) past max(column) and past `floor`
    (SQLite's AUTOINCREMENT counter); the next value is 1 on an empty table with no counter.
    `table` is schema-qualified and quoted. Returns the sequence's name (None: the column has none)."""
    cur.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, column))
    seq = cur.fetchone()[0]
    if seq:
        top = f"coalesce(max({qi(column)}), 0)"
        cur.execute(f"SELECT setval(%s, GREATEST({top}, %s, 1), {top} > 0 OR %s > 0) FROM {table}",
                    (seq, floor, floor))
    return seq
