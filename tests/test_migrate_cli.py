"""migrate.py's first hour (issue 11 §6, §7, §11) and its --backup (issue 9 §5), through the real command line.

The target is checked first: a malformed URL is a usage error with the right form, a server that does
not answer or a role that may not write is said before a byte of the source is read. One vocabulary
with the checks (old spellings kept); a typo gets a suggestion.
"""

from __future__ import annotations

import os
import sqlite3
import uuid

import psycopg2
import pytest

from pgparity import __version__
from tests.build import sqlite_file
from tests.conftest import corpus
from tests.test_cli import run_cli

EXAMPLE = "write it as postgresql://USER:PASSWORD@HOST:5432/DBNAME"


def _error_before_reading(res) -> str:
    assert "Traceback" not in res.stderr
    assert "reading " not in res.stderr, res.stderr  # the source was not read
    err = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1, res.stderr
    return err[0]


@pytest.mark.parametrize(("url", "line"), [
    ("localhost:5432/x", "error: --pg 'localhost:5432/x' is not a PostgreSQL URL (no postgresql:// in front): "
                         "write it as postgresql://USER@localhost:5432/x"),
    ("app:s3cret@db/x", "error: --pg 'app:***@db/x' is not a PostgreSQL URL (no postgresql:// in front): "
                        "write it as postgresql://app:***@db/x"),
    ("mysql://app@db/x", f"error: --pg 'mysql://app@db/x': unknown scheme 'mysql://'; {EXAMPLE}"),
    ("postgresql://db:54x2/x", f"error: --pg 'postgresql://db:54x2/x': port '54x2' is not a number from 1 to "
                               f"65535; {EXAMPLE}"),
    ("postgresql://db:70000/x", f"error: --pg 'postgresql://db:70000/x': port '70000' is not a number from 1 to "
                                f"65535; {EXAMPLE}"),
    ("postgresql://db/x?sslmod=require", f"error: --pg 'postgresql://db/x?sslmod=require': invalid URI query "
                                         f"parameter: \"sslmod\"; {EXAMPLE}"),
])
def test_malformed_url_is_a_usage_error_before_anything(tmp_path, url, line):
    res = run_cli(tmp_path / "missing.db", "--pg", url)  # the source does not even exist: the URL comes first
    assert res.returncode == 2, res.stderr
    assert _error_before_reading(res) == line


def test_malformed_database_url_names_the_variable(tmp_path):
    res = run_cli(tmp_path / "missing.db", env={"DATABASE_URL": "localhost/app"})
    assert res.returncode == 2
    assert _error_before_reading(res).startswith("error: $DATABASE_URL 'localhost/app' is not a PostgreSQL URL")


def test_unreachable_server_is_said_before_reading(tmp_path):
    path = sqlite_file(tmp_path, "CREATE TABLE t (x INTEGER);", {"t": [(1,)]})
    res = run_cli(path, "--pg", "postgresql://nobody@127.0.0.1:1/none")
    assert res.returncode == 4
    assert _error_before_reading(res).startswith("error: cannot connect to PostgreSQL:")


@pytest.fixture
def weak_role(pg_url):
    """A login role with no privilege beyond connecting; its URL."""
    role = "pgparity_weak_" + uuid.uuid4().hex[:8]
    conn = psycopg2.connect(pg_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} LOGIN")
    yield role, pg_url.replace("postgres@", f"{role}@", 1)
    with conn.cursor() as cur:
        cur.execute(f"DROP OWNED BY {role}")
        cur.execute(f"DROP ROLE {role}")
    conn.close()


def test_missing_create_privilege_is_said_before_reading(tmp_path, target, weak_role):
    role, url = weak_role
    if url == target.url:
        pytest.skip("test server URL has no user part to replace")
    target.sql(f'GRANT USAGE ON SCHEMA "{target.schema}" TO {role}')
    path = sqlite_file(tmp_path, "CREATE TABLE t (x INTEGER);", {"t": [(1,)]})
    res = run_cli(path, "--pg", url, "--pg-schema", target.schema)
    assert res.returncode == 4
    assert _error_before_reading(res) == (
        f"error: role {role} may not create tables in schema {target.schema} at {url}: "
        f"GRANT CREATE ON SCHEMA {target.schema} TO {role}, or choose another --pg-schema")


def test_data_only_names_the_table_privileges_missing(tmp_path, target, weak_role):
    role, url = weak_role
    if url == target.url:
        pytest.skip("test server URL has no user part to replace")
    target.sql(f'CREATE TABLE {target.q("t")} (x bigint); CREATE TABLE {target.q("other")} (y int); '
               f'GRANT USAGE ON SCHEMA "{target.schema}" TO {role}; GRANT SELECT ON {target.q("t")} TO {role}')
    path = sqlite_file(tmp_path, "CREATE TABLE t (x INTEGER);", {"t": [(1,)]})
    res = run_cli(path, "--pg", url, "--pg-schema", target.schema, "--data-only", "--truncate")
    assert res.returncode == 4
    assert _error_before_reading(res) == (
        f"error: role {role} lacks INSERT/TRUNCATE on {target.schema}.t at {url}: grant them, "
        "or connect as the tables' owner")  # `other` is not loaded: its privileges do not matter
    res = run_cli(path, "--pg", target.url, "--pg-schema", "no_such_schema", "--data-only")
    assert res.returncode == 4
    assert _error_before_reading(res).startswith("error: schema no_such_schema does not exist at ")


def test_one_vocabulary_with_the_checks(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); CREATE TABLE skip (x);",
                       {"t": [(1, "a\x00b")], "skip": [(1,)]})
    common = ["--pg", target.url, "--reports", tmp_path / "rep"]
    res = run_cli(path, *common, "--pg-schema", target.schema, "--exclude-table", "skip", "--nul-policy", "fail")
    assert res.returncode == 5 and "t.s: text holds NUL characters" in res.stderr
    res = run_cli(path, *common, "--schema", target.schema, "--exclude", "skip", "--nul", "refuse")
    assert res.returncode == 5 and "t.s: text holds NUL characters" in res.stderr
    res = run_cli(path, *common, "--pg-schema", target.schema, "--exclude-table", "skip", "--nul-policy", "strip")
    assert res.returncode == 0, res.stderr
    assert target.tables() == ["t"] and target.sql(f"SELECT s FROM {target.q('t')}") == [("ab",)]


def test_version():
    res = run_cli("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"migrate.py (pgparity) {__version__}"


@pytest.mark.parametrize(("typo", "meant"), [("--dat-only", "--data-only"), ("--exlude-table", "--exclude-table"),
                                             ("--interval-units", "--interval-unit")])
def test_typo_gets_did_you_mean(typo, meant):
    res = run_cli("app.db", typo)
    assert res.returncode == 2
    assert res.stderr.splitlines()[-1] == \
        f"migrate.py: error: unrecognized arguments: {typo} ({typo}: did you mean {meant}?)"


def test_type_note_says_what_it_counts():
    res = run_cli(corpus("sakila", "sakila.db"), "--dry-run")
    lines = res.stderr.splitlines()
    assert "note   film.release_year: declared 'YEAR' holds integers: kept as bigint" in lines
    assert any(ln.startswith("note   film.rating: declared 'ENUM' holds text that is not numeric: kept as text "
                             "(1000 values the declared type cannot hold)") for ln in lines)


def _same_database_bytes(a: bytes, b: bytes) -> bool:
    """Equal bytes, but for the two header counters the online backup sets (offsets 24-27 and 92-95)."""
    mask = lambda d: d[:24] + d[28:92] + d[96:]  # noqa: E731
    return len(a) == len(b) and mask(a) == mask(b)


def test_backup_path_with_uri_characters(tmp_path, target):
    folder = tmp_path / "we ird?#%dir"
    folder.mkdir()
    path = folder / "app?v2 #1%.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x INTEGER)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5000)])
    con.commit()
    con.close()
    source_bytes = path.read_bytes()
    backups = tmp_path / "bk ?#%"
    res = run_cli(path, "--pg", target.url, "--pg-schema", target.schema, "--backup", backups,
                  "--reports", tmp_path / "rep", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    copies = list(backups.iterdir())
    assert len(copies) == 1 and copies[0].name.startswith("app?v2 #1%.") and copies[0].suffix == ".db"
    assert _same_database_bytes(copies[0].read_bytes(), source_bytes)
    assert path.read_bytes() == source_bytes
    assert sorted(p.name for p in folder.iterdir()) == ["app?v2 #1%.db"]  # no stray file beside the source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bk ?#%", "rep", "we ird?#%dir"]
    assert os.path.exists(tmp_path / "rep" / "migration.json")
