"""Translate a SQLite column default into PostgreSQL, or say why it cannot be carried."""

from __future__ import annotations

import re

from .boolean_words import word_value

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# SQLite's CURRENT_* are UTC; PostgreSQL's depend on the session zone, so pin them to UTC.
_CLOCK = {
    "CURRENT_TIMESTAMP": "(now() AT TIME ZONE 'UTC')",
    "CURRENT_DATE": "((now() AT TIME ZONE 'UTC')::date)",
    "CURRENT_TIME": "((now() AT TIME ZONE 'UTC')::time)",
}


_NOW_CALL = re.compile(r"^(datetime|date|time|strftime|unixepoch)\s*\(", re.I)
_TO_CHAR = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH24", "%M": "MI", "%S": "SS", "%f": "SS.MS", "%j": "DDD",
            "%%": "%"}
_STAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%f")


def _now_call(text: str) -> tuple[str, str | None, bool] | None:
    """(function, strftime format, local) for a SQLite clock call such as datetime('now', 'localtime')."""
    from sqlglot import exp

    from .sqltranslate import parse_sqlite

    m = _NOW_CALL.match(text)
    if not m:
        return None
    try:
        tree = parse_sqlite(text)
    except ValueError:
        return None
    if tree.find(exp.Column):
        return None
    args = [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string]
    func = m.group(1).lower()
    fmt = next((a for a in args if "%" in a), None) if func == "strftime" else None
    rest = [a.lower() for a in args if a != fmt]
    if func != "unixepoch" and "now" not in rest or any(a not in ("now", "localtime", "utc") for a in rest):
        return None
    return func, fmt, "localtime" in rest


def _clock_call(call: tuple[str, str | None, bool], pg_type: str) -> str | None:
    """A PostgreSQL default giving what the SQLite clock call gives, as `pg_type` holds it, or None."""
    func, fmt, local = call
    now = "LOCALTIMESTAMP" if local else "(now() AT TIME ZONE 'UTC')"
    if func == "unixepoch" or fmt == "%s":
        return "(extract(epoch FROM now()))::bigint" if pg_type in ("bigint", "integer") else None
    fmt = fmt or {"datetime": "%Y-%m-%d %H:%M:%S", "date": "%Y-%m-%d", "time": "%H:%M:%S"}[func]
    if pg_type in ("timestamp", "timestamptz") and fmt in _STAMP_FORMATS:
        return "now()" if pg_type == "timestamptz" and not local else now
    if pg_type == "date" and fmt == "%Y-%m-%d":
        return f"({now}::date)"
    if pg_type == "text" or pg_type.startswith("varchar"):
        parts = re.split(r"(%.)", fmt)
        if any(p.startswith("%") and p not in _TO_CHAR for p in parts):
            return None
        pattern = "".join(_TO_CHAR.get(p, f'"{p}"' if p and not p.startswith("%") else p) for p in parts)
        return f"to_char({now}, '{pattern}')"
    return None


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
    if (call := _now_call(text)) is not None:
        expr = _clock_call(call, pg_type)
        return (expr, None) if expr else (None, f"default {dflt} not carried: column is {pg_type}")
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
        truth = word_value(value)
        if truth is not None:
            return ("true" if truth else "false"), None
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
