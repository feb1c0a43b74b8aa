"""The two places a query runs: the SQLite file (a private copy for writes) and the PostgreSQL copy.

Both run a query's statements in one transaction that is always rolled back. SQLite reads go to the
file opened read-only; a query that writes runs on a private copy made once with SQLite's backup API
(the file itself is never opened for writing). PostgreSQL runs with the server's own session settings
(time zone, collation), as the application's connection would, with `search_path` set to the schema;
the schema's sequences, which a rollback does not rewind, are set back after a query that writes.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .canon import now_us


@dataclass
class Result:
    """What one statement gave on one side."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    types: list[int | None] = field(default_factory=list)  # PostgreSQL type OIDs (empty for SQLite)
    rowcount: int = -1
    error: str | None = None
    started_us: int = 0  # UTC microseconds when it ran (the reference for clock values)


class SqliteSide:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._ro: sqlite3.Connection | None = None
        self._rw: sqlite3.Connection | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    def _reader(self) -> sqlite3.Connection:
        if self._ro is None:
            self._ro = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        return self._ro

    def _writer(self) -> sqlite3.Connection:
        if self._rw is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="pgparity-queries-")
            copy = Path(self._tmp.name) / "copy.db"
            self._rw = sqlite3.connect(copy, isolation_level=None)
            self._reader().backup(self._rw)
            self._rw.execute("PRAGMA foreign_keys = ON")  # as PostgreSQL always enforces them
        return self._rw

    def run(self, statements: list[str], params: list, writes: bool) -> list[Result]:
        conn = self._writer() if writes else self._reader()
        out = []
        conn.execute("BEGIN")
        try:
            for sql, p in zip(statements, params):
                res = Result(started_us=now_us())
                try:
                    cur = conn.execute(sql, p)
                    res.rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
                    res.columns = [d[0] for d in cur.description or []]
                    res.rowcount = cur.rowcount
                except sqlite3.Error as exc:
                    res.error = f"{type(exc).__name__}: {exc}"
                out.append(res)
                if res.error:
                    break
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return out

    def close(self) -> None:
        for conn in (self._ro, self._rw):
            if conn is not None:
                conn.close()
        if self._tmp is not None:
            self._tmp.cleanup()


class PgSide:
    def __init__(self, url: str, schema: str):
        import psycopg2

        self.schema = schema
        self._conn = psycopg2.connect(url)
        with self._conn.cursor() as cur:
            cur.execute("SELECT set_config('search_path', %s, false)", (f'"{schema}"',))
        self._conn.commit()

    def setting(self, name: str) -> str:
        with self._conn.cursor() as cur:
            cur.execute("SELECT current_setting(%s)", (name,))
            value = cur.fetchone()[0]
        self._conn.rollback()
        return value

    def run(self, statements: list[str | None], params: list, writes: bool) -> list[Result]:
        import psycopg2

        out = []
        sequences = self._sequences() if writes else []
        try:
            with self._conn.cursor() as cur:
                if not writes:
                    cur.execute("SET TRANSACTION READ ONLY")
                for sql, p in zip(statements, params):
                    res = Result(started_us=now_us())
                    out.append(res)
                    if sql is None:
                        continue
                    try:
                        cur.execute(sql, p if p else None)
                        res.rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
                        res.columns = [d.name for d in cur.description or []]
                        res.types = [d.type_code for d in cur.description or []]
                        res.rowcount = cur.rowcount
                    except psycopg2.Error as exc:
                        res.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
                        break
        finally:
            try:
                self._conn.rollback()
            except psycopg2.Error as exc:  # the connection itself is gone: say so on the statement
                if out:
                    out[-1].error = out[-1].error or f"connection lost: {str(exc).splitlines()[0]}"
                return out
            if sequences:
                self._restore(sequences)
        return out

    def _sequences(self) -> list[tuple]:
        """Every sequence of the schema with its state: nextval() is not undone by a rollback."""
        with self._conn.cursor() as cur:
            cur.execute("SELECT format('%%I.%%I', schemaname, sequencename), last_value, start_value "
                        "FROM pg_sequences WHERE schemaname = %s", (self.schema,))
            rows = cur.fetchall()
        self._conn.rollback()
        return rows

    def _restore(self, before: list[tuple]) -> None:
        now = {name: last for name, last, _ in self._sequences()}
        with self._conn.cursor() as cur:
            for name, last, start in before:
                if now.get(name) != last:
                    cur.execute("SELECT setval(%s, %s, %s)", (name, start if last is None else last,
                                                              last is not None))
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()
