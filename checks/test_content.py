"""Content: every row equal under its column's rule; the exact differing rows when not."""

import pytest

from pgparity.verify.content_check import check_content

pytestmark = pytest.mark.content


def test_content(comparison, table, verdict):
    verdict(check_content(comparison, table))
