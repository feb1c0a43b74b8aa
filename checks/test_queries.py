"""The application's own queries: the same answers (and the same changed rows) on SQLite and PostgreSQL.

pytest checks/ -m queries [--queries queries.sql]   (the format: pgparity.queries.qfile)
"""

import pytest

from pgparity.queries.pytest_options import generate_queries, query, query_records, query_replayer  # noqa: F401

pytestmark = pytest.mark.queries


def pytest_generate_tests(metafunc):
    generate_queries(metafunc)


def test_query(query, query_replayer, query_records, verdict):  # noqa: F811
    outcome, record = query_replayer.run(query)
    query_records[query.name] = record
    verdict(outcome)
