"""Foreign keys: present and validated in PostgreSQL, no orphan rows."""

import pytest

from pgparity.verify.foreign_keys import check_foreign_keys

pytestmark = pytest.mark.fk


def applies(comparison, table) -> bool:
    return bool(table.source.foreign_keys or table.target.foreign_keys)


def test_foreign_keys(comparison, table, verdict):
    verdict(check_foreign_keys(comparison, table))
