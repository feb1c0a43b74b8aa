"""Timestamps: every value read, no zone shift, fractional seconds kept, min and max equal."""

import pytest

from pgparity.verify.timestamps import check_timestamps, timestamp_columns

pytestmark = pytest.mark.timestamps


def applies(comparison, table) -> bool:
    return bool(timestamp_columns(table) or table.missing)  # a lost column fails every check covering columns


def test_timestamps(comparison, table, verdict):
    verdict(check_timestamps(comparison, table))
