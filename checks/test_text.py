"""Text fidelity: character counts equal (mojibake, trimming), NUL per policy, varchar limits."""

import pytest

from pgparity.verify.text_fidelity import check_text, text_columns

pytestmark = pytest.mark.text


def applies(comparison, table) -> bool:
    return bool(text_columns(table) or table.missing)  # a lost column fails every check covering columns


def test_text(comparison, table, verdict):
    verdict(check_text(comparison, table))
