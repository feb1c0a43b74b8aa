"""pgparity.capture: the SQL an application runs through sqlite3, with its parameters, as a queries file
that the replay reads (capture -> replay is the workflow for SQL built at run time)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from pgparity import capture
from pgparity.queries.qfile import read_queries
from tests.helpers import migrate
from tests.test_queries import outcomes, run_queries

ROOT = Path(__file__).resolve().parents[1]


def app_run(path: Path, table: str) -> None:
    """An application's code, unchanged: it opens its own connection."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, what TEXT);")
    conn.execute("SELECT id, username FROM users WHERE username LIKE ?", ("%USER1%",)).fetchall()
    conn.execute("SELECT id FROM users WHERE is_admin = :flag", {"flag": 1}).fetchall()
    conn.executemany("INSERT INTO audit (what) VALUES (?)", [("a",), ("b",)])
    cur = conn.cursor()
    cur.execute(f"SELECT count(*) FROM {table}")  # built at run time: captured as it ran
    cur.execute(f"SELECT count(*) FROM {table}")  # the same statement again: kept once
    conn.commit()
    conn.close()


def test_recording_keeps_each_statement_once_with_its_parameters(demo_db, tmp_path):
    db = tmp_path / "app.db"
    shutil.copy2(demo_db, db)
    out = tmp_path / "queries.sql"
    with capture.recording(out) as rec:
        app_run(db, "shipped_items")
    assert rec.seen["SELECT count(*) FROM shipped_items"][1] == 2
    queries = {q.name: q for q in read_queries(out)}
    assert list(queries) == ["pragma", "create_audit", "select_users", "select_users_2", "insert_audit",
                             "select_shipped_items"]
    assert queries["select_users"].positional == ("%USER1%",)
    assert queries["select_users_2"].named == {"flag": 1}
    assert queries["insert_audit"].positional == ("a",)
    assert sqlite3.connect is capture._REAL_CONNECT  # recording ends with the block


def test_trace_records_expanded_sql(tmp_path):
    rec = capture.Recorder()
    conn = sqlite3.connect(tmp_path / "t.db")
    capture.trace(conn, rec)
    conn.execute("CREATE TABLE t (a TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", ("it's",))
    conn.commit()
    conn.close()
    assert "INSERT INTO t VALUES ('it''s')" in rec.seen


def test_capture_a_script_then_replay_it(demo_db, target, tmp_path):
    """python -m pgparity.capture on the fixture app's run.py, then pytest checks/ -m queries on what it wrote."""
    db = tmp_path / "app.db"
    shutil.copy2(demo_db, db)
    out = tmp_path / "captured.sql"
    res = subprocess.run([sys.executable, "-m", "pgparity.capture", str(out),
                          str(ROOT / "tests" / "fixtures" / "app" / "run.py"), str(db)],
                         capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "distinct statement(s) written to" in res.stderr
    migrate(demo_db, target)
    res, _ = run_queries(demo_db, target.url, target.schema, out)
    assert outcomes(res) == {"pragma": "PASSED", "pragma_2": "PASSED", "select_orders_inbox": "FAILED",
                             "select_users": "PASSED", "select_shipped_items": "FAILED"}, res.stdout[-3000:]
    assert "caused by boolean_compare (is_gift = 1 -> is_gift)" in res.stdout
