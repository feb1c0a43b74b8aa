"""Column profiles (NULLs, distinct, min, max, sum, longest text) computed inside each database."""

import pytest

from pgparity.verify.profiles import check_profiles

pytestmark = pytest.mark.profiles


def test_profiles(comparison, table, verdict):
    verdict(check_profiles(comparison, table))
