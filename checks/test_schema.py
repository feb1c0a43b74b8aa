"""Schema parity: tables, columns, nullability, keys, indexes, CHECKs, and types that fit the values."""

import pytest

from pgparity.verify.schema_parity import check_schema

pytestmark = pytest.mark.schema


def test_schema(comparison, table, verdict):
    verdict(check_schema(comparison, table))
