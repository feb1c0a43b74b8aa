"""Build tiny real SQLite files for one test: a few statements, then the file's path."""

from __future__ import annotations

import sqlite3
from pathlib import Path


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
