"""How the SQLite file was read is said, and a read that would miss writes is refused unless told (issue 9 §5).

When the normal read-only open fails (a WAL database in a folder this user cannot write to has no
-shm), the only way in is immutable=1: the main file alone, no locks. That read ignores WAL frames
and hot journals — a stale or half-written snapshot. migrate.py refuses it unless --allow-stale-read,
and says in its output and manifest whenever immutable=1 was used.

The read-only folder is real: when the tests run as root (who may write anywhere) migrate.py runs as
the unprivileged user `nobody`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pgparity.errors import SourceError
from pgparity.source import SqliteSource
from tests.build import crashed_mid_write

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534


def _as_user() -> list[str]:
    """The command prefix that runs as a user a read-only folder binds (root may write anywhere)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root and setpriv (util-linux) is missing: cannot make a folder read-only")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _migrate_as_user(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([*_as_user(), sys.executable, str(ROOT / "migrate.py"), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd="/", timeout=300)


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def stale_wal():
    """A WAL database whose last 500 rows are only in its -wal file, in a folder nobody may write to."""
    base = Path(tempfile.mkdtemp(prefix="pgparity-readmode-"))
    base.chmod(0o755)
    writer_dir, ro = base / "writer", base / "ro folder"
    writer_dir.mkdir()
    ro.mkdir()
    db = writer_dir / "app.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(500)])
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(500, 1000)])
    shutil.copy(db, ro / "app.db")
    shutil.copy(db.with_name("app.db-wal"), ro / "app.db-wal")  # as a crashed writer leaves it: no -shm
    con.close()
    reports = base / "rep"
    reports.mkdir()
    reports.chmod(0o777)
    for f in ro.iterdir():
        f.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    ro.chmod(0o555)
    yield ro / "app.db", reports
    ro.chmod(0o755)
    shutil.rmtree(base)


def test_unseen_wal_frames_are_refused(stale_wal, target, pg_url):
    path, reports = stale_wal
    before = _listing(path.parent)
    res = _migrate_as_user(path, "--pg", pg_url, "--pg-schema", target.schema, "--reports", reports)
    assert res.returncode == 3, res.stderr
    err = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "Traceback" not in res.stderr
    assert f"error: {path} cannot be opened read-only as usual (unable to open database file) and app.db-wal " \
           "holds" in err[0]
    assert "reading the main file alone would miss them" in err[0] and "--allow-stale-read" in err[0]
    assert target.tables() == []
    assert _listing(path.parent) == before


def test_stale_read_when_told_is_said_in_output_and_manifest(stale_wal, target, pg_url):
    path, reports = stale_wal
    before = _listing(path.parent)
    res = _migrate_as_user(path, "--pg", pg_url, "--pg-schema", target.schema, "--reports", reports,
                           "--allow-stale-read")
    assert res.returncode == 0, res.stderr
    note = [ln for ln in res.stderr.splitlines() if "immutable=1" in ln]
    assert note and note[0].startswith("note   app.db was read with immutable=1 because the normal read-only open "
                                       "failed (unable to open database file): no lock is held")
    assert "app.db-wal holds" in note[0] and "ignored as --allow-stale-read said" in note[0]
    assert target.sql(f"SELECT count(*) FROM {target.q('t')}") == [(500,)]  # the main file's rows, as said
    source = json.loads((reports / "migration.json").read_text())["source"]
    assert source["immutable"] is True and source["read_note"] == note[0][len("note   "):]
    assert _listing(path.parent) == before


def test_hot_journal_is_refused_unless_told(tmp_path):
    """A writer died mid-transaction: the main file holds half an update, the journal the way back."""
    db = crashed_mid_write(tmp_path / "crashed.db", "t", 1, 2000, "UPDATE t SET c0 = c0 + 1000000")
    assert db.with_name("crashed.db-journal").stat().st_size > 0
    before = _listing(tmp_path)
    with pytest.raises(SourceError, match="crashed.db-journal is a hot journal: the main file holds a write that "
                                          "was never finished"):
        SqliteSource.open(db)
    with SqliteSource.open(db, allow_stale_read=True) as src:
        assert src.immutable and "crashed.db-journal is a hot journal" in src.read_note
    assert _listing(tmp_path) == before


def test_normal_read_has_no_note(tmp_path):
    db = tmp_path / "fine.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    with SqliteSource.open(db) as src:
        assert not src.immutable and src.read_note is None


def test_stale_read_allowed_once_holds_for_the_second_scanning_connection(tmp_path):
    """Profiles scan wide tables over two connections: the second reads the file the way the first was told to."""
    from pgparity.migration import MigrateOptions, prepare

    db = crashed_mid_write(tmp_path / "wide.db", "w", 10, 3000, "UPDATE w SET c0 = -c0")
    with pytest.raises(SourceError, match="hot journal"):
        prepare(db, MigrateOptions())
    prep = prepare(db, MigrateOptions(allow_stale_read=True))
    try:
        assert prep.source.immutable and prep.profiles["w"]["c9"].integers == 3000
    finally:
        prep.source.close()
