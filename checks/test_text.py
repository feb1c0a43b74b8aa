"""Text fidelity: character counts equal (mojibake, trimming), NUL per policy, varchar limits."""

import pytest

from pgparity.verify.text_fidelity import check_text, text_columns

pytestmark = pytest.mark.text


def applies(comparison, table) -> bool:
    return bool(text_columns(table))


def test_text(comparison, table, verdict):
    verdict(check_text(comparison, table))
