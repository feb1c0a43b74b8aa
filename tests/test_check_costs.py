"""Per-table costs of the checks that read no scan: a full `pytest checks/` opens as many PostgreSQL connections
for many tables as for few (the schema check's scratch transaction is one per comparison, not one per table),
and a passing foreign key reads no SQLite row beyond the content scan.

Connections are counted by PostgreSQL itself: pg_stat_database.sessions of the test's database, before and after
the run, once the run's backends have gone (no other process uses that database: it is made per test session).
"""

from __future__ import annotations

import time

import psycopg2

from tests.build import sqlite_file
from tests.conftest import Target
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli


def _tables(n: int) -> str:
    """`n` tables, each with a CHECK and a DEFAULT (the schema check needs its scratch transaction for each),
    all but the first with a foreign key to the first."""
    out = []
    for i in range(n):
        ref = " REFERENCES t0(id)" if i else ""
        out.append(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, parent INTEGER{ref}, qty INTEGER NOT NULL "
                   f"DEFAULT 1 CHECK (qty >= 0), note TEXT DEFAULT 'x');")
    return "\n".join(out)


class _Sessions:
    """One connection that reads pg_stat_database.sessions of its database (its own connect already counted)."""

    def __init__(self, url: str):
        self.conn = psycopg2.connect(url)
        self.conn.autocommit = True
        self._read("SELECT pg_stat_force_next_flush()")  # this session's own connect is flushed when it idles

    def _read(self, sql: str) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def total(self) -> int:
        return self._read("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")[0][0]

    def others(self) -> set[int]:
        return {r[0] for r in self._read("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND pid <> pg_backend_pid()")}


def _connections_of_a_run(tmp_path, pg_url: str, n: int) -> int:
    """Sessions a full `pytest checks/` opens on a migrated copy of an `n`-table file (a schema of its own)."""
    rows = {f"t{i}": [(k, 1 if i else None, k % 5, f"n{k}") for k in range(1, 41)] for i in range(n)}
    db = sqlite_file(tmp_path, _tables(n), rows, name=f"t{n}.db")
    target = Target(pg_url)
    stats = _Sessions(pg_url)
    try:
        migrate(db, target)
        present = stats.others()
        before = stats.total()
        res = run_checks_cli("--sqlite", db, "--pg", target.url, "--pg-schema", target.schema, "-q",
                             "--reports", tmp_path / f"reports{n}", cwd=tmp_path)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
        assert f"passed on {n} tables" in res.stdout, res.stdout[-2000:]
        for _ in range(100):  # the run's backends end (and flush their count) shortly after the client process
            if stats.others() <= present:
                break
            time.sleep(0.1)
        return stats.total() - before
    finally:
        stats.conn.close()
        target.drop()


def test_connections_do_not_grow_with_tables(tmp_path, pg_url):
    few = _connections_of_a_run(tmp_path, pg_url, 2)
    many = _connections_of_a_run(tmp_path, pg_url, 6)
    assert few > 0
    assert many == few, f"{few} connections for 2 tables, {many} for 6"


VIEWED = """CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT NOT NULL, qty INTEGER);
CREATE VIEW v AS SELECT * FROM t WHERE status <> 'done';"""


def _objects_of_t(tmp_path, db, target) -> str:
    """The objects check's line for table t in a full `pytest checks/` (the content scan runs too)."""
    res = run_checks_cli("--sqlite", db, "--pg", target.url, "--pg-schema", target.schema, "-rA",
                         "--reports", tmp_path / "reports", cwd=tmp_path)
    line = next((x for x in res.stdout.splitlines()
                 if x.startswith(("PASSED", "FAILED")) and "test_objects[t]" in x), "")
    return line + "\n" + "\n".join(x for x in res.stdout.splitlines() if "view v" in x)


def test_a_view_compared_by_its_keys_still_fails_on_its_fault(tmp_path, target):
    """A plain row filter of a table whose content passed is compared by the keys it returns (its other columns
    are the table's); the same count and NULLs with other keys, or a table row that differs, still fail."""
    rows = {"t": [(1, "open", 1), (2, "done", 2), (3, "open", None), (4, "done", None)]}
    db = sqlite_file(tmp_path, VIEWED, rows)
    migrate(db, target)
    assert "PASSED" in _objects_of_t(tmp_path, db, target)
    # the same number of rows and NULLs, other keys: 1, 3 in SQLite; 2, 4 in PostgreSQL
    target.sql(f"CREATE OR REPLACE VIEW {target.q('v')} AS SELECT * FROM {target.q('t')} WHERE status <> 'open'")
    got = _objects_of_t(tmp_path, db, target)
    assert "FAILED" in got and "returns 2 row(s) PostgreSQL's view does not" in got, got
    # the view as SQLite's, but a row it returns differs in the table (the content check fails too)
    target.sql(f"CREATE OR REPLACE VIEW {target.q('v')} AS SELECT * FROM {target.q('t')} WHERE status <> 'done'")
    target.sql(f"UPDATE {target.q('t')} SET qty = 9 WHERE id = 1")
    got = _objects_of_t(tmp_path, db, target)
    assert "FAILED" in got and "returns 1 row(s) PostgreSQL's view does not" in got, got
