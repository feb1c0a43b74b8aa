"""Fixtures for pgparity's own tests: a real PostgreSQL (local 5432 when it answers, else embedded)."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest

from pgparity import server

# real-world SQLite files, each folder with its SOURCE.md (provenance, licence); PGPARITY_CORPUS points elsewhere
CORPUS = Path(os.environ.get("PGPARITY_CORPUS") or Path(__file__).resolve().parent / "corpus")
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TEST_DB = "pgparity_tests"


def _base_url() -> str:
    url = os.environ.get("PGPARITY_TEST_PG")
    if url:
        return url
    try:
        psycopg2.connect(LOCAL_URL, connect_timeout=2).close()
        return LOCAL_URL
    except psycopg2.OperationalError:
        # the embedded server of the tests lives outside the repository (never the user's ./.pgparity)
        os.environ.setdefault("PGPARITY_HOME", str(Path(tempfile.gettempdir()) / f"pgparity-tests-{os.getuid()}"))
        return server.resolve(None).url


def _with_db(url: str, db: str) -> str:
    if "?" in url:
        head, query = url.split("?", 1)
        return head.rsplit("/", 1)[0] + "/" + db + "?" + query
    return url.rsplit("/", 1)[0] + "/" + db


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL to a maintenance database of the test server."""
    return _base_url()


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: str):
    """A URL to a database made fresh for this test session (named per process: runs may overlap)."""
    name = f"{TEST_DB}_{os.getpid()}"
    conn = psycopg2.connect(pg_admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (TEST_DB + "\\_%",))
        for (stale,) in cur.fetchall():  # left by a run that was killed: its process is gone
            pid = stale.rsplit("_", 1)[-1]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                cur.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    yield _with_db(pg_admin_url, name)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    conn.close()


class Target:
    """One empty PostgreSQL schema for one test."""

    def __init__(self, url: str):
        self.url = url
        self.schema = "t_" + uuid.uuid4().hex[:10]
        self.conn = psycopg2.connect(url)
        self.conn.autocommit = True
        self.sql(f'CREATE SCHEMA "{self.schema}"')

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def tables(self) -> list[str]:
        return [r[0] for r in self.sql("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1",
                                       (self.schema,))]

    def q(self, table: str) -> str:
        return f'"{self.schema}"."{table}"'

    def drop(self) -> None:
        self.sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.conn.close()


@pytest.fixture
def target(pg_url: str):
    t = Target(pg_url)
    yield t
    t.drop()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    from pgparity.demo import build

    return build(tmp_path_factory.mktemp("demo") / "demo.db", rows=3000)


@pytest.fixture
def demo_copy(demo_db, target):
    """The demo database migrated by migrate.py into this test's own schema: a correct copy to damage."""
    from tests.helpers import migrate

    migrate(demo_db, target)
    return target


@pytest.fixture(scope="session")
def dirty_db(tmp_path_factory) -> Path:
    from pgparity.demo import build

    return build(tmp_path_factory.mktemp("dirty") / "dirty.db", rows=500, dirty=True)


def corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():  # the corpus ships with the repository: a missing file is a broken checkout
        pytest.fail(f"corpus file {path} not present (tests/corpus/ ships with the repository; "
                    f"PGPARITY_CORPUS={os.environ.get('PGPARITY_CORPUS', '')!r})")
    return path


REPO = Path(__file__).resolve().parents[1]
USER_STATE = ("reports", "expectations", "drift", "pgparity.toml", ".pgparity/server.json")


def _state() -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file a user's own runs leave in the repository."""
    files = {}
    for name in USER_STATE:
        root = REPO / name
        for p in [root] if root.is_file() else (root.rglob("*") if root.is_dir() else []):
            if p.is_file():
                st = p.stat()
                files[str(p.relative_to(REPO))] = (st.st_size, st.st_mtime_ns)
    return files


@pytest.fixture(scope="session", autouse=True)
def hermetic():
    """The project's tests never read or write what a user's `make demo` left in the repository."""
    before = _state()
    yield
    after = _state()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:  # a warning, not a failure: another process (make demo, a parallel run) may have written them
        import warnings

        warnings.warn(f"the user's files in the repository changed during the tests: {', '.join(changed[:10])} "
                      "(a test that runs migrate.py or pytest checks/ without its own --reports/cwd?)", stacklevel=1)
