"""Great Expectations: the suites generated from the source (and edited by you) hold in PostgreSQL.

Generate them with `python -m pgparity.gx_suites app.db` (written to expectations/app/); tables
without a suite are not part of this check.
"""

import pytest

from pgparity.verify.gx_check import check_expectations, has_suite

pytestmark = pytest.mark.gx


def applies(comparison, table) -> bool:
    return has_suite(comparison, table)


def test_expectations(comparison, table, verdict):
    verdict(check_expectations(comparison, table))
