"""Booleans: SQLite 0/1/NULL (or boolean words) against PostgreSQL true/false/NULL."""

import pytest

from pgparity.verify.booleans import boolean_columns, check_booleans

pytestmark = pytest.mark.booleans


def applies(comparison, table) -> bool:
    return bool(boolean_columns(table) or table.missing)  # a lost column fails every check covering columns


def test_booleans(comparison, table, verdict):
    verdict(check_booleans(comparison, table))
