"""Sequences: the first insert after cutover must not collide."""

import pytest

from pgparity.verify.sequences import check_sequences

pytestmark = pytest.mark.sequences


def applies(comparison, table) -> bool:
    return bool(table.source.rowid_alias or any(c.sequence for c in table.target.columns))


def test_sequences(comparison, table, verdict):
    verdict(check_sequences(comparison, table))
