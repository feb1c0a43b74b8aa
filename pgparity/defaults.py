"""Translate a SQLite column default into PostgreSQL, or say why it cannot be carried."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}
# SQLite's CURRENT_* are UTC; PostgreSQL's depend on the session zone, so pin them to UTC.
_CLOCK = {
    "CURRENT_TIMESTAMP": "(now() AT TIME ZONE 'UTC')",
    "CURRENT_DATE": "((now() AT TIME ZONE 'UTC')::date)",
    "CURRENT_TIME": "((now() AT TIME ZONE 'UTC')::time)",
}


def _unwrap(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


def _literal(text: str) -> str | None:
    """The value of a quoted SQLite literal ('x' or "x"), or None when `text` is not one."""
    for q in ("'", '"'):
        if len(text) >= 2 and text[0] == q and text[-1] == q:
            return text[1:-1].replace(q * 2, q)
    return None


def translate_default(dflt: str | None, pg_type: str) -> tuple[str | None, str | None]:
    """(PostgreSQL default expression or None, a note when the default was not carried)."""
    if dflt is None:
        return None, None
    text = _unwrap(dflt)
    upper = text.upper()
    if upper == "NULL":
        return None, None
    if upper in _CLOCK:
        if pg_type in ("timestamp", "timestamptz", "date", "text") or pg_type.startswith("varchar"):
            expr = _CLOCK[upper]
            if pg_type == "timestamptz" and upper == "CURRENT_TIMESTAMP":
                expr = "now()"
            elif pg_type == "text" or pg_type.startswith("varchar"):
                fmt = {"CURRENT_TIMESTAMP": "YYYY-MM-DD HH24:MI:SS", "CURRENT_DATE": "YYYY-MM-DD",
                       "CURRENT_TIME": "HH24:MI:SS"}[upper]
                expr = f"to_char(now() AT TIME ZONE 'UTC', '{fmt}')"
            return expr, None
        return None, f"default {dflt} not carried: column is {pg_type}"
    value = _literal(text)
    if value is None:
        if upper in ("TRUE", "FALSE"):
            value = "1" if upper == "TRUE" else "0"
        elif _NUMBER.match(text):
            value = text
        else:
            return None, f"default {dflt} not carried: an expression PostgreSQL cannot run as written"
    return _typed(value, pg_type, dflt)


def _typed(value: str, pg_type: str, dflt: str) -> tuple[str | None, str | None]:
    if pg_type == "boolean":
        low = value.strip().lower()
        if low in _TRUE | _FALSE:
            return ("true" if low in _TRUE else "false"), None
        return None, f"default {dflt} not carried: not a boolean"
    if pg_type in ("bigint", "integer", "smallint") or pg_type.startswith(("numeric", "double")):
        if not _NUMBER.match(value.strip()):
            return None, f"default {dflt} not carried: not a number for {pg_type}"
        if pg_type == "bigint" and not re.match(r"^[+-]?\d+$", value.strip()):
            return None, f"default {dflt} not carried: not an integer"
        return value.strip(), None
    if pg_type in ("timestamp", "timestamptz", "date"):
        if value.strip() in ("0", ""):
            return None, f"default {dflt} not carried: not a valid {pg_type}"
    if pg_type == "bytea":
        return None, f"default {dflt} not carried for a bytea column"
    return "'" + value.replace("'", "''") + "'", None
