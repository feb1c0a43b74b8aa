"""SQLite's type affinity for a declared type, and the intent a declaration shows beyond it."""

from __future__ import annotations

import re

_INT_RE = re.compile(r"INT", re.I)
_TEXT_RE = re.compile(r"CHAR|CLOB|TEXT", re.I)
_REAL_RE = re.compile(r"REAL|FLOA|DOUB", re.I)
_SCALE_RE = re.compile(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


def affinity(declared: str) -> str:
    """SQLite's column affinity for a declared type (section 3.1 of the SQLite type docs)."""
    if _INT_RE.search(declared):
        return "INTEGER"
    if _TEXT_RE.search(declared):
        return "TEXT"
    if not declared.strip() or re.search(r"BLOB", declared, re.I):
        return "BLOB"
    if _REAL_RE.search(declared):
        return "REAL"
    return "NUMERIC"


def declared_scale(declared: str) -> tuple[int, int] | None:
    """(precision, scale) of a declared NUMERIC(p,s)/DECIMAL(p,s), else None."""
    m = _SCALE_RE.search(declared)
    if not m or not re.match(r"\s*(NUMERIC|DECIMAL|NUMBER|MONEY)", declared, re.I):
        return None
    return int(m.group(1)), int(m.group(2) or 0)


def declared_kind(declared: str) -> str:
    """The intent behind a declared type: boolean, timestamp, date, json, numeric, or the affinity's name."""
    d = declared.upper()
    if re.search(r"\bBOOL", d):
        return "boolean"
    if re.search(r"TIMESTAMP|DATETIME", d):
        return "timestamp"
    if re.search(r"\bDATE\b", d):
        return "date"
    if re.search(r"\bJSONB?\b", d):
        return "json"
    if declared_scale(declared) or re.search(r"NUMERIC|DECIMAL|MONEY", d):
        return "numeric"
    return affinity(declared).lower()
