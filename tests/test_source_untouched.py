"""Reading never changes the source: bytes and mtime stay, WAL files included; read-only folders work."""

import hashlib
import os
import sqlite3
import stat

from tests.build import sqlite_file
from tests.conftest import corpus
from tests.helpers import migrate


def _state(path):
    st = os.stat(path)
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size


def test_corpus_file_unchanged(target):
    path = corpus("chinook", "Chinook_Sqlite.sqlite")
    before = _state(path)
    migrate(path, target)
    assert _state(path) == before


def test_wal_file_with_pending_frames_unchanged(tmp_path, target):
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=wal")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    writer.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(1000)])
    main_before = _state(path)
    wal = tmp_path / "wal.db-wal"
    wal_before = _state(wal)
    migrate(path, target)
    assert target.sql(f"SELECT count(*) FROM {target.q('t')}") == [(1000,)]  # frames still in the WAL were read
    assert _state(path) == main_before
    assert _state(wal) == wal_before
    writer.close()


def test_file_in_read_only_folder(tmp_path, target):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = sqlite_file(folder, "CREATE TABLE t (x INTEGER);", {"t": [(1,), (2,)]})
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    path.chmod(stat.S_IRUSR)
    try:
        before = _state(path)
        migrate(path, target)
        assert target.sql(f"SELECT count(*) FROM {target.q('t')}") == [(2,)]
        assert _state(path) == before
        assert sorted(p.name for p in folder.iterdir()) == ["t.db"]
    finally:
        folder.chmod(stat.S_IRWXU)
