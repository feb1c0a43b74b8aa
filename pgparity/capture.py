"""Record the SQL an application runs through `sqlite3`, with its parameters, and write a queries file.

    with capture.recording("queries.sql"):      # every sqlite3.connect() inside records
        run_the_nightly_jobs()

    conn = capture.connect("app.db", recorder)  # or one connection, explicitly
    capture.trace(conn, recorder)               # or a connection you did not open (no parameters: the
                                                # SQL as SQLite expanded it, through set_trace_callback)

    python -m pgparity.capture queries.sql -- run.py --once   # a script, run under recording

Each distinct statement is kept once, with the parameters of its first run; names come from the
statement (select_shipped_items, update_workflow_controls_2 ...). Transaction control (BEGIN, COMMIT,
ROLLBACK, SAVEPOINT) is not recorded. What it cannot see: connections opened before recording
started, or by `from sqlite3 import connect` bound before it; SQL run by other drivers.
"""

from __future__ import annotations

import argparse
import re
import runpy
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .queries.qfile import Query, write_queries

_SKIP = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|TABLE(?:\s+IF\s+NOT\s+EXISTS)?)\s+[\"`\[]?([A-Za-z_][A-Za-z0-9_]*)",
                    re.IGNORECASE)
_PLAIN = (str, int, float, bytes, bool, type(None))


class Recorder:
    """The distinct statements seen, in first-seen order, each with its first parameters and a count."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[tuple | dict, int]] = {}

    def record(self, sql: str, params=()) -> None:
        if not isinstance(sql, str) or not sql.strip() or _SKIP.match(sql):
            return
        key = sql.strip()
        first, count = self.seen.get(key, (_plain(params), 0))
        self.seen[key] = (first, count + 1)

    def queries(self) -> list[Query]:
        out: list[Query] = []
        names: set[str] = set()
        for sql, (params, _count) in self.seen.items():
            name = _name(sql, names)
            q = Query(name, sql, "", 0)
            if isinstance(params, dict):
                q.named = params
            else:
                q.positional = params
            out.append(q)
        return out

    def write(self, path: str | Path) -> Path:
        return write_queries(self.queries(), path)


def _plain(params) -> tuple | dict:
    """Parameters as values a queries file can hold (other objects as their text, as sqlite3 would adapt)."""
    def one(v):
        return v if isinstance(v, _PLAIN) else (bytes(v) if isinstance(v, memoryview) else str(v))

    if isinstance(params, dict):
        return {k: one(v) for k, v in params.items()}
    return tuple(one(v) for v in (params or ()))


def _name(sql: str, taken: set[str]) -> str:
    verb = sql.split(None, 1)[0].lower()
    m = _TABLE.search(sql)
    base = re.sub(r"[^a-z0-9_]", "_", f"{verb}_{m.group(1)}".lower() if m else verb)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


class RecordingCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        self.connection.recorder.record(sql, parameters)
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        rows = list(seq_of_parameters)
        self.connection.recorder.record(sql, rows[0] if rows else ())
        return super().executemany(sql, rows)


class RecordingConnection(sqlite3.Connection):
    recorder: Recorder

    def cursor(self, factory=RecordingCursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=(), /):
        self.recorder.record(sql, parameters)
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        rows = list(seq_of_parameters)
        self.recorder.record(sql, rows[0] if rows else ())
        return super().executemany(sql, rows)

    def executescript(self, script, /):
        for statement in _statements(script):
            self.recorder.record(statement)
        return super().executescript(script)


def _statements(script: str) -> list[str]:
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out + ([buf.strip()] if buf.strip() else [])


def connect(database, recorder: Recorder, **kwargs) -> sqlite3.Connection:
    """sqlite3.connect(database, **kwargs) whose statements and parameters `recorder` keeps."""
    conn = _REAL_CONNECT(database, factory=RecordingConnection, **kwargs)
    conn.recorder = recorder
    return conn


def trace(conn: sqlite3.Connection, recorder: Recorder) -> None:
    """Record what an existing connection runs, as SQLite expanded it (parameters inlined as literals)."""
    conn.set_trace_callback(recorder.record)


_REAL_CONNECT = sqlite3.connect


@contextmanager
def recording(out: str | Path | None = None) -> Iterator[Recorder]:
    """Every sqlite3.connect() in the block records into one Recorder; its queries file is written to `out`."""
    recorder = Recorder()

    def patched(database, *args, **kwargs):
        if kwargs.get("factory") not in (None, sqlite3.Connection) or len(args) > 4:
            return _REAL_CONNECT(database, *args, **kwargs)  # the app's own factory: left alone
        kwargs.pop("factory", None)
        return connect(database, recorder, *args, **kwargs)

    sqlite3.connect = patched
    try:
        yield recorder
    finally:
        sqlite3.connect = _REAL_CONNECT
        if out is not None:
            recorder.write(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgparity.capture",
                                     description="Run a Python script and write the SQL it ran through sqlite3 "
                                                 "as a queries file.")
    parser.add_argument("out", help="the queries file to write (e.g. queries.sql)")
    parser.add_argument("script", help="the script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    a = parser.parse_args(argv)
    script = Path(a.script)
    if not script.is_file():
        print(f"pgparity capture: no such script {script}", file=sys.stderr)
        return 2
    saved = sys.argv, list(sys.path)
    sys.argv, sys.path[0:0] = [str(script), *[x for x in a.args if x != "--"]], [str(script.parent.resolve())]
    code = 0
    try:
        with recording(a.out) as rec:
            runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv, sys.path[:] = saved
    print(f"pgparity capture: {len(rec.seen)} distinct statement(s) written to {a.out}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
