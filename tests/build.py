"""Build tiny real SQLite files for one test (a few statements, then the file's path), and read back what
a test asserts on: a column's PostgreSQL type, the objects check's findings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from pgparity.verify.objects import check_objects
from pgparity.verify.outcome import Outcome
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings


def sqlite_file(tmp_path: Path, script: str, rows: dict[str, list[tuple]] | None = None,
                name: str = "t.db") -> Path:
    path = tmp_path / name
    con = sqlite3.connect(path)
    con.executescript(script)
    for table, values in (rows or {}).items():
        if values:
            marks = ",".join("?" * len(values[0]))
            con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
    con.commit()
    con.close()
    return path


def crashed_mid_write(db: Path, table: str, columns: int, rows: int, update: str) -> Path:
    """A file whose writer died inside a transaction: `rows` rows of `columns` integer columns (row i holds i
    in each), then `update` half written to the main file and a hot journal holding the way back."""
    cols = ", ".join(f"c{i} INTEGER" for i in range(columns))
    marks = ",".join("?" * columns)
    script = (f"import sqlite3, os\nc = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
              f"c.execute('CREATE TABLE {table} ({cols})')\n"
              f"c.executemany('INSERT INTO {table} VALUES ({marks})', [(i,) * {columns} for i in range({rows})])\n"
              f"c.execute('PRAGMA cache_size=1')\nc.execute('BEGIN')\nc.execute({update!r})\n"
              "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    return db


def column_type(t, table: str, column: str) -> str:
    """The PostgreSQL type of `table`.`column` in target `t`, as format_type() spells it."""
    return t.sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
                 "AND attname = %s", (t.q(table), column))[0][0]


def objects_outcomes(path: Path, t) -> dict[str, Outcome]:
    """The objects check on every table of the SQLite file `path` against the copy in target `t`."""
    cmp = Comparison(str(path), t.url, Settings(schema=t.schema))
    try:
        return {tp.name: check_objects(cmp, tp) for tp in cmp.tables}
    finally:
        cmp.close()


def findings(outcomes: dict[str, Outcome]) -> set[tuple]:
    """(table, column, kind, key) of every finding."""
    return {(table, f.column, f.kind, f.key) for table, o in outcomes.items() for f in o.findings}
