"""Objects: SQLite's triggers, generated columns and views carried; nothing PostgreSQL-only changes the data."""

import pytest

from pgparity.verify.objects import check_objects

pytestmark = pytest.mark.objects


def test_objects(comparison, table, verdict):
    verdict(check_objects(comparison, table))
