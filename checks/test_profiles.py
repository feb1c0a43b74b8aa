"""Column profiles (NULLs, distinct, min, max, exact sum, lengths, true/false) on the canonical values of the
content scan: equal data always profiles equal; a difference is shown as a consequence of content's."""

import pytest

from pgparity.verify.profiles import check_profiles

pytestmark = pytest.mark.profiles


def test_profiles(comparison, table, verdict):
    verdict(check_profiles(comparison, table))
