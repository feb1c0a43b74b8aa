"""The command line: one-line errors with distinct exit codes, a plan on --dry-run, no password anywhere."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.build import sqlite_file
from tests.conftest import corpus

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, env=None, cwd=None):
    import os

    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "migrate.py"), *map(str, args)], capture_output=True,
                          text=True, env=full_env, cwd=cwd or tempfile.mkdtemp(prefix="pgparity-cli-"), timeout=300)


def _one_line_error(res):
    err = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1, res.stderr
    assert "Traceback" not in res.stderr
    return err[0]


def test_help_teaches():
    res = run_cli("--help")
    assert res.returncode == 0
    for word in ("--dry-run", "--data-only", "--orphans", "DATABASE_URL", "exit codes", "examples"):
        assert word in res.stdout


def test_missing_file():
    res = run_cli("/nonexistent/app.db", "--dry-run")
    assert res.returncode == 3 and "not found" in _one_line_error(res)


def test_not_a_database(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    res = run_cli(bogus, "--dry-run")
    assert res.returncode == 3 and "not a SQLite 3 database" in _one_line_error(res)


def test_corrupt_file():
    res = run_cli(corpus("integrity-fixtures", "corrupt.db"), "--dry-run")
    assert res.returncode == 3 and "malformed" in _one_line_error(res)


def test_wrong_url(tmp_path):
    path = sqlite_file(tmp_path, "CREATE TABLE t (x INTEGER);", {"t": [(1,)]})
    res = run_cli(path, "--pg", "postgresql://nobody:pw@127.0.0.1:1/none")
    assert res.returncode == 4 and "cannot connect" in _one_line_error(res)


def test_dry_run_prints_plan_and_touches_nothing(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, flag BOOLEAN);", {"t": [(1, 0)]})
    res = run_cli(path, "--dry-run", "--pg", target.url, "--schema", target.schema)
    assert res.returncode == 0
    assert 'CREATE TABLE "' in res.stdout and "rule int-0-1-boolean" in res.stdout
    assert target.tables() == []


def test_refusal_exit_code_and_lines(dirty_db, target):
    res = run_cli(dirty_db, "--pg", target.url, "--schema", target.schema)
    assert res.returncode == 5
    assert res.stderr.count("REFUSE ") == 3
    assert target.tables() == []


def test_no_password_in_output_or_manifest(tmp_path, target, pg_url):
    secret = "s3cret-Pa55"
    url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    if url == pg_url:
        pytest.skip("test server URL has no user part to add a password to")
    path = sqlite_file(tmp_path, "CREATE TABLE t (x INTEGER);", {"t": [(1,)]})
    res = run_cli(path, "--pg", url, "--schema", target.schema, "--reports", tmp_path / "rep")
    assert res.returncode == 0, res.stderr
    manifest = (tmp_path / "rep" / "migration.json").read_text()
    assert secret not in res.stdout + res.stderr + manifest
    assert json.loads(manifest)["target"]["url"].startswith("postgresql://postgres:***@")


def test_backup_is_a_consistent_copy(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (x INTEGER);", {"t": [(1,), (2,)]})
    res = run_cli(path, "--pg", target.url, "--schema", target.schema, "--backup", tmp_path / "bk",
                  "--reports", tmp_path / "rep")
    assert res.returncode == 0, res.stderr
    copies = list((tmp_path / "bk").iterdir())
    assert len(copies) == 1
    import sqlite3

    assert sqlite3.connect(copies[0]).execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_progress_summary_and_manifest(demo_db, target, tmp_path):
    res = run_cli(demo_db, "--pg", target.url, "--schema", target.schema, "--reports", tmp_path / "rep")
    assert res.returncode == 0, res.stderr
    assert "PostgreSQL: given server at" in res.stderr
    assert "  shipped_items: 3000 rows in" in res.stderr and "rows/s" in res.stderr  # plain lines: not a TTY
    assert "shipped_items" in res.stdout and "rows written" in res.stdout
    manifest = json.loads((tmp_path / "rep" / "migration.json").read_text())
    import hashlib

    assert manifest["source"]["sha256"] == hashlib.sha256(demo_db.read_bytes()).hexdigest()
    counts = {t["table"]: (t["rows_read"], t["rows_written"]) for t in manifest["tables"]}
    assert counts["shipped_items"] == (3000, 3000)
    assert manifest["plan"]["orders_inbox"]["columns"][3]["rule"] == "text-jsonb"
    assert any(n.startswith("trigger inventory_touch") for n in manifest["not_migrated"])
    assert manifest["versions"]["pgparity"]
