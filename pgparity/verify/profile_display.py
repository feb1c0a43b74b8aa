"""Canonical statistics as a person reads them: instants as ISO text, durations as durations, numbers as numbers.

Instants outside years 1-9999 (BC dates, year 12000, an epoch read in the wrong unit) are spelled as
PostgreSQL does ('0044-03-15 BC'; years past 9999 with a '+'), and the explicit infinities column_facts
keeps PostgreSQL's 'infinity' / '-infinity' as are shown as those words, never as numbers.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Context, Decimal
from fractions import Fraction

from .column_facts import INFINITY, MINUS_INFINITY, ColumnFacts

_TEXT_LIMIT = 40
_SUM_DIGITS = Context(prec=25)


def _civil(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a count of days since 1970-01-01: proleptic Gregorian, astronomical years (0 is
    1 BC), any range (H. Hinnant's civil_from_days)."""
    era, doe = divmod(days + 719_468, 146_097)
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def instant(kind: str, v: int) -> str:
    """A canonical instant ('ts', 'tstz': microseconds since 1970, UTC for 'tstz'; 'date': days) as
    PostgreSQL spells it, for any value."""
    if v in (INFINITY, MINUS_INFINITY):
        return "infinity" if v == INFINITY else "-infinity"
    days, us = (v, 0) if kind == "date" else divmod(v, 86_400_000_000)
    y, m, d = _civil(days)
    year = f"{y:04d}" if 1 <= y <= 9999 else f"+{y}" if y > 9999 else f"{1 - y:04d}"
    text = f"{year}-{m:02d}-{d:02d}"
    if kind != "date":
        text += " " + _time_of_day(us) + ("+00:00" if kind == "tstz" else "")
    return text + (" BC" if y < 1 else "")


def _time_of_day(v: int) -> str:
    seconds, us = divmod(v, 1_000_000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" + (f".{us:06d}" if us else "")


def _value(kind: str, v) -> str:
    if kind in ("ts", "tstz", "date"):
        return instant(kind, v)
    if kind == "time":
        return _time_of_day(v)
    if kind == "interval":
        return str(timedelta(microseconds=v)) if abs(v) < 86_400_000_000 * 999_999_999 else f"{v} µs"
    if isinstance(v, str):
        return repr(v if len(v) <= _TEXT_LIMIT else v[:_TEXT_LIMIT - 3] + "...")
    if isinstance(v, Fraction):
        return str(_SUM_DIGITS.divide(Decimal(v.numerator), Decimal(v.denominator)))
    return repr(v) if isinstance(v, float) else str(v)


def show(kind: str, stat: str, v) -> str:
    """One statistic's value: counts and lengths as numbers, min/max/sum in the column's terms."""
    if v is None:
        return "none"
    if stat in ("min", "max", "sum"):
        return _value(kind, v)
    return str(v)


def show_count(f: ColumnFacts) -> str:
    return f"{f.distinct:,}" if f.distinct is not None else f"{f.distinct_estimate:,}"
