"""Row counts: as many rows in PostgreSQL as in SQLite."""

import pytest

from pgparity.verify.counts import check_row_count

pytestmark = pytest.mark.counts


def test_row_count(comparison, table, verdict):
    verdict(check_row_count(comparison, table))
