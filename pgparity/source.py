"""A read-only, single-snapshot view of a SQLite file.

Everything pgparity reads from SQLite goes through one `SqliteSource`: the file is opened with
`mode=ro` and one read transaction is held from `open` to `close`, so the schema, the profile and
the rows all come from the same snapshot even while an application keeps writing.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from .errors import SourceError
from .sqlnames import qs

SQLITE_MAGIC = b"SQLite format 3\x00"
BATCH_ROWS = 65_536
# The ADBC driver fixes each column's Arrow type from the first rows it sees: a first row of these
# literals (dropped again) gives a column that starts with NULLs its intended type.
SENTINEL = {"int": "0", "real": "0.5", "text": "''", "blob": "x''"}


JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
WAL_HEADER = 32  # a -wal file no longer than its header holds no frames
# files the user allowed to be read stale in this process: a second connection (profile scans) reads the same way
_STALE_ALLOWED: set[Path] = set()


def sqlite_uri(path: Path, immutable: bool = False) -> str:
    """A read-only `file:` URI for `path`, quoted: '?', '#', '%' and spaces in names stay part of the path."""
    quoted = urllib.parse.quote(str(path.resolve()))
    return f"file:{quoted}?mode=ro" + ("&immutable=1" if immutable else "")


def unmerged_writes(path: Path) -> str | None:
    """What a reader of the main file alone would miss: a -wal file with frames, or a hot journal."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > WAL_HEADER:
        return f"{wal.name} holds {wal.stat().st_size} bytes of writes that may not be in the main file yet"
    journal = path.with_name(path.name + "-journal")
    try:
        with journal.open("rb") as fh:
            hot = fh.read(len(JOURNAL_MAGIC)) == JOURNAL_MAGIC
    except OSError:
        return None
    return f"{journal.name} is a hot journal: the main file holds a write that was never finished" if hot else None


def display_sql(expr: str) -> str:
    """A SQLite value as a person should see it in a message: reals with every digit (the driver would
    render a real mixed among text as '1.230000e+01'), blobs as x'hex', the rest as stored."""
    return (f"CASE typeof({expr}) WHEN 'real' THEN printf('%!.17g', {expr}) "
            f"WHEN 'blob' THEN 'x''' || hex({expr}) || '''' ELSE {expr} END")


def check_sqlite_file(path: Path) -> None:
    """Raise SourceError unless `path` is a readable SQLite 3 file."""
    if not path.exists():
        raise SourceError(f"SQLite file not found: {path} (check the path; pgparity never creates it)")
    if path.is_dir():
        raise SourceError(f"{path} is a directory, not a SQLite file")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    if head != SQLITE_MAGIC:
        raise SourceError(f"{path} is not a SQLite 3 database (its header is not 'SQLite format 3')")


def file_sha256(path: Path) -> str:
    """The hex sha256 of the file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class SqliteSource:
    """One read-only connection holding one read transaction over a SQLite file."""

    path: Path
    snapshot_at: str = ""
    immutable: bool = False
    allow_stale_read: bool = False
    # how the file was read when it was not the normal read-only snapshot (immutable=1), else None:
    # the CLI, the manifest and the checks' reports show it
    read_note: str | None = None
    _conn: object = field(default=None, repr=False)

    @classmethod
    def open(cls, path: str | os.PathLike, allow_stale_read: bool | None = None) -> SqliteSource:
        """Open `path` read-only and start the snapshot.

        When the normal read-only open fails (a WAL file in a folder this user cannot write to
        cannot get its -shm), the file is read with immutable=1: the main file as it is, without
        locks. That is said in `read_note`, and refused (SourceError) when a -wal file with frames
        or a hot journal holds writes the main file lacks, unless `allow_stale_read` (None: as
        said for this file earlier in this process)."""
        resolved = Path(path).resolve()
        if allow_stale_read:
            _STALE_ALLOWED.add(resolved)
        allowed = resolved in _STALE_ALLOWED if allow_stale_read is None else allow_stale_read
        src = cls(Path(path), allow_stale_read=allowed)
        check_sqlite_file(src.path)
        src._connect()
        return src

    def reopen(self) -> SqliteSource:
        """Another connection to the same file, read the same way (for a second scanning thread)."""
        return SqliteSource.open(self.path, self.allow_stale_read)

    def _connect(self) -> None:
        try:
            self._begin(immutable=False)
            return
        except Exception as exc:  # noqa: BLE001 - the driver raises several classes
            self._close_quietly()
            reason = _first_line(exc)
            if "unable to open" not in reason and "readonly" not in reason.lower():
                raise SourceError(f"cannot open {self.path} as SQLite: {reason}") from None
        self._fall_back_to_immutable(reason)

    def _fall_back_to_immutable(self, reason: str) -> None:
        """Read the main file alone, saying so; refuse when that would miss writes, unless told."""
        missed = unmerged_writes(self.path)
        if missed and not self.allow_stale_read:
            raise SourceError(f"{self.path} cannot be opened read-only as usual ({reason}) and {missed}: reading "
                              "the main file alone would miss them. Open it once where its folder is writable "
                              "(or copy the file with its -wal/-journal to such a folder), or pass "
                              "--allow-stale-read to read the main file as it is")
        try:
            self._begin(immutable=True)
        except Exception as exc:  # noqa: BLE001
            self._close_quietly()
            raise SourceError(f"cannot open {self.path} as SQLite: {_first_line(exc)}") from None
        self.read_note = (f"{self.path.name} was read with immutable=1 because the normal read-only open failed "
                          f"({reason}): no lock is held, so a write made during the run would not be seen")
        if missed:
            self.read_note += f"; {missed}, ignored as --allow-stale-read said"

    def _begin(self, immutable: bool) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        self._conn = adbc.connect(sqlite_uri(self.path, immutable), autocommit=True)
        cur = self._conn.cursor()
        cur.execute("BEGIN")
        cur.execute("SELECT count(*) FROM sqlite_master")
        cur.fetchall()
        cur.close()
        self.immutable = immutable
        self.snapshot_at = datetime.now(UTC).isoformat(timespec="seconds")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run a small query inside the snapshot and return its rows."""
        cur = self._conn.cursor()
        try:
            cur.execute(sql, params) if params else cur.execute(sql)
            return cur.fetchall()
        except Exception as exc:  # noqa: BLE001
            raise SourceError(f"reading {self.path.name} failed: {_first_line(exc)}") from None
        finally:
            cur.close()

    def arrow(self, sql: str) -> pa.Table:
        """Run a query inside the snapshot and return it as one Arrow table (small results)."""
        cur = self._conn.cursor()
        try:
            cur.execute(sql)
            return cur.fetch_arrow_table()
        except Exception as exc:  # noqa: BLE001
            raise SourceError(f"reading {self.path.name} failed: {_first_line(exc)}") from None
        finally:
            cur.close()

    def batches(self, sql: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """Stream a query's result as Arrow record batches (memory bounded by one batch)."""
        cur = self._conn.cursor()
        try:
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
            cur.execute(sql)
            yield from cur.fetch_record_batch()
        except SourceError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise SourceError(f"reading {self.path.name} failed: {_first_line(exc)}") from None
        finally:
            cur.close()

    def typed_batches(self, exprs: list[tuple[str, str]], table: str, where: str = "",
                      batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """Batches of `exprs` ((SQL, 'int'|'real'|'text'|'blob') pairs) over `table`, each column of the
        declared type however the table begins (a sentinel row goes first and is dropped)."""
        sentinel = ", ".join(f"{SENTINEL[kind]} AS c{i}" for i, (_, kind) in enumerate(exprs))
        body = ", ".join(f"{expr} AS c{i}" for i, (expr, _) in enumerate(exprs))
        sql = f"SELECT {sentinel} UNION ALL SELECT {body} FROM {qs(table)}" + (f" WHERE {where}" if where else "")
        first = True
        for batch in self.batches(sql, batch_rows):
            if first:
                batch, first = batch.slice(1), False
            if batch.num_rows:
                yield batch

    def close(self) -> None:
        """End the snapshot and close the file."""
        self._close_quietly()

    def _close_quietly(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - closing a broken handle must not mask the real error
            pass
        self._conn = None

    def __enter__(self) -> SqliteSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    text = re.sub(r"^(?:[A-Z_]+: )?(?:\[SQLite\] )?Failed to \w+ query: ", "", text.splitlines()[0])
    if "malformed" in text or "not a database" in text:
        text += " (the file is damaged: try `sqlite3 FILE .recover` into a new file and migrate that)"
    return text
