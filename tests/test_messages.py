"""What a finding says is in the column's own terms: a date moved by a day says days, not microseconds."""

from types import SimpleNamespace

from pgparity.verify.rules import Settings, infer
from pgparity.verify.timestamps import _shift


def _column(declared: str, pg_type: str):
    return SimpleNamespace(rule=infer("d", declared, "d", pg_type, Settings()))


def test_date_shift_is_said_in_days():
    cmp = SimpleNamespace(settings=Settings())
    assert _shift(cmp, _column("DATE", "date"), "2024-01-01", "2024-01-02") == "shift +1 day(s)"


def test_timestamp_shift_is_said_in_seconds():
    cmp = SimpleNamespace(settings=Settings())
    assert _shift(cmp, _column("DATETIME", "timestamp without time zone"), "2024-01-01 00:00:00",
                  "2024-01-01 01:00:00") == "shift +3600s"
