"""Canonical statistics as a person reads them: instants as ISO text, durations as durations, numbers as numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal
from fractions import Fraction

from .column_facts import ColumnFacts

_EPOCH = datetime(1970, 1, 1)
_TEXT_LIMIT = 40
_SUM_DIGITS = Context(prec=25)


def _instant(kind: str, v: int) -> str:
    try:
        if kind == "date":
            return (date(1970, 1, 1) + timedelta(days=v)).isoformat()
        moment = _EPOCH + timedelta(microseconds=v)
        return moment.replace(tzinfo=UTC).isoformat(" ") if kind == "tstz" else moment.isoformat(" ")
    except OverflowError:  # beyond year 9999: the number is all there is to show
        return str(v)


def _time_of_day(v: int) -> str:
    seconds, us = divmod(v, 1_000_000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" + (f".{us:06d}" if us else "")


def _value(kind: str, v) -> str:
    if kind in ("ts", "tstz", "date"):
        return _instant(kind, v)
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
