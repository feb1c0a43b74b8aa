"""Which expectations of a suite mean on PostgreSQL what they say (the suites are written from SQLite storage).

A generated suite states bounds in SQLite's storage form: the longest text of a column, the min/max of its
integers. That statement means the same in PostgreSQL only where the paired column is of the same family: a
length on text (text, varchar, char, citext), a numeric bound on a number (smallint ... double precision).
On a uuid (Django stores 32 hex digits, PostgreSQL reads 36 with hyphens), inet, jsonb, an enum type or
bytea, `length()` is another quantity or no function at all; on an interval, a timestamp made from epoch
integers or a boolean made from 0/1, an integer bound is in another unit. Such an expectation is set aside
with its reason (said in the check's outcome), never run: the content and profiles checks compare those
columns through their comparison rule. Everything else, and every expectation about a column the suite does
not pair, runs as written.
"""

from __future__ import annotations

import re

from .pairing import ColumnPair, TablePair

LENGTH = {"expect_column_value_lengths_to_be_between", "expect_column_value_lengths_to_equal"}
NUMBER = {"expect_column_min_to_be_between", "expect_column_max_to_be_between", "expect_column_values_to_be_between",
          "expect_column_mean_to_be_between", "expect_column_median_to_be_between", "expect_column_sum_to_be_between",
          "expect_column_quantile_values_to_be_between", "expect_column_stdev_to_be_between"}
TEXT_TYPES = re.compile(r"^(text|character varying|character|varchar|char|bpchar|citext|name)\b")
NUMBER_TYPES = re.compile(r"^(smallint|integer|bigint|numeric|decimal|real|double precision)\b")
MIN_MAX_QUERY = re.compile(r"^min and max of (?P<column>.+) are exactly ")  # gx_suites._min_max's description


def _statement(spec: dict) -> tuple[str | None, str | None]:
    """(form, SQLite column) of an expectation stated in storage form: 'length', 'number', or (None, None)."""
    kind, kwargs = spec.get("type", ""), spec.get("kwargs", {})
    if kind in LENGTH:
        return "length", kwargs.get("column")
    if kind in NUMBER:
        return "number", kwargs.get("column")
    mark = ((spec.get("meta") or {}).get("pgparity") or {})
    if mark.get("form") and mark.get("column"):
        return mark["form"], mark["column"]
    found = MIN_MAX_QUERY.match(str(kwargs.get("description") or spec.get("description") or ""))
    if kind == "unexpected_rows_expectation" and found:
        return "number", found["column"]
    return None, None


def _pair(tp: TablePair, column) -> ColumnPair | None:
    if column is None:
        return None
    exact = next((c for c in tp.columns if c.name == column), None)
    return exact or next((c for c in tp.columns if c.name.lower() == str(column).lower()), None)


def _reads_differently(form: str, pair: ColumnPair) -> str | None:
    """Why a statement of this form about the SQLite column does not hold its meaning on the paired column."""
    target = pair.target
    if target is None:
        return None
    pg_type = target.type.lower()
    if form == "length" and (target.enum_labels or not TEXT_TYPES.match(pg_type)):
        what = "an enum" if target.enum_labels else pg_type
        return f"a text length in SQLite, {what} in PostgreSQL (length is not the same quantity)"
    if form == "number" and not NUMBER_TYPES.match(pg_type):
        return f"an integer bound in SQLite storage, {pg_type} in PostgreSQL (not the same unit)"
    return None


def set_aside(tp: TablePair, specs: list[dict]) -> tuple[list[dict], list[str]]:
    """(expectations to run, one sentence per expectation set aside: table.column, its type and why)."""
    keep, skipped = [], []
    for spec in specs:
        form, column = _statement(spec)
        pair = _pair(tp, column) if form else None
        why = _reads_differently(form, pair) if pair is not None and form else None
        if why is None:
            keep.append(spec)
        else:
            skipped.append(f"{spec.get('type')} on {tp.name}.{pair.name}: {why}")
    return keep, skipped
