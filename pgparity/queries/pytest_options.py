"""pytest wiring for `pytest checks/ -m queries`: the --queries option, the queries, the replayer, the results.

Loaded as a plugin (`-p pgparity.queries.pytest_options`, or listed in the root conftest's
`pytest_plugins`). The queries file is --queries FILE, else queries.sql next to pgparity.toml (or in
the rootdir); with neither, test_query collects nothing. One test per query: test_query[NAME]; its
Outcome (check 'query', table NAME) goes through the same `verdict` and waivers as the table checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .qfile import QueriesFileError, Query, read_queries

QUERIES = pytest.StashKey[list]()
RECORDS = pytest.StashKey[dict]()
DEFAULT_NAME = "queries.sql"


def add_options(group) -> None:
    """The --queries option, for the pgparity option group (once, whoever asks first)."""
    if any("--queries" in opt.names() for opt in group.options):
        return
    group.addoption("--queries", metavar="FILE", help="the application's queries to replay on both sides "
                    f"(default {DEFAULT_NAME} next to pgparity.toml; format: see pgparity.queries.qfile)")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser.getgroup("pgparity", "pgparity: compare a SQLite file with its PostgreSQL copy"))


@pytest.hookimpl(trylast=True)  # after pgparity.pytest_plugin has resolved the settings
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "queries: the application's own queries replayed on both sides")
    config.stash[RECORDS] = {}
    from ..pytest_plugin import COMPARISON

    if COMPARISON not in config.stash:
        return
    path = queries_path(config)  # a bad --queries or queries file is a usage error before any test runs
    try:
        config.stash[QUERIES] = read_queries(path) if path is not None else []
    except QueriesFileError as exc:
        raise pytest.UsageError(f"pgparity: {exc}") from None


def queries_path(config: pytest.Config) -> Path | None:
    """--queries FILE (must exist), else queries.sql beside pgparity.toml or in the rootdir, else None."""
    given = config.getoption("--queries", None)
    if given:
        path = Path(given).resolve()
        if not path.is_file():
            raise pytest.UsageError(f"pgparity: --queries: no such file {path}")
        return path
    from ..check_settings import find_config
    from ..errors import PgParityError

    try:
        found = find_config(config.getoption("--pgparity-config", None), config.rootpath)
    except PgParityError:
        found = None
    base = found.parent if found else config.rootpath
    default = base / DEFAULT_NAME
    return default if default.is_file() else None


def generate_queries(metafunc: pytest.Metafunc) -> None:
    """One test per query (checks/test_queries.py's pytest_generate_tests); reads the file itself when this
    module was not loaded as a plugin."""
    if "query" not in metafunc.fixturenames:
        return
    config = metafunc.config
    if QUERIES not in config.stash:
        path = queries_path(config)
        config.stash[RECORDS] = {}
        try:
            config.stash[QUERIES] = read_queries(path) if path is not None else []
        except QueriesFileError as exc:
            raise pytest.UsageError(f"pgparity: {exc}") from None
    names = [q.name for q in config.stash[QUERIES]]
    metafunc.parametrize("query", names, ids=names, indirect=True)


@pytest.fixture
def query(request: pytest.FixtureRequest) -> Query:
    """The named query of this test."""
    return next(q for q in request.config.stash[QUERIES] if q.name == request.param)


@pytest.fixture(scope="session")
def query_replayer(comparison):
    """Runs queries on the SQLite file (a private copy for writes) and on the PostgreSQL copy."""
    from ..errors import PgParityError
    from .replay import Replayer

    try:
        replayer = Replayer.from_comparison(comparison)
    except PgParityError as exc:
        pytest.exit(f"pgparity: {exc}", returncode=4)
    yield replayer
    replayer.close()


@pytest.fixture
def query_records(request: pytest.FixtureRequest) -> dict:
    """name -> QueryRecord for the report's queries section (see pgparity.queries.report)."""
    return request.config.stash[RECORDS]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Each query's result joins the table checks' results (check 'query', table = the query's name)."""
    outcome = yield
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "query" in params and "table" not in params:
        from ..pytest_plugin import record_result

        record_result(item, outcome.get_result(), call, "query", params["query"])


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """reports/queries.json: every replayed query with its verdict and both SQL texts."""
    from ..pytest_plugin import RESULTS, SETTINGS

    config = session.config
    records = config.stash.get(RECORDS, {})
    if not records or SETTINGS not in config.stash:
        return
    from .report import queries_section, write_queries_json

    write_queries_json(queries_section(records, config.stash[RESULTS]), Path(config.stash[SETTINGS]["reports"]))
