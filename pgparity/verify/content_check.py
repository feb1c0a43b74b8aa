"""Content parity as a check: the checksum verdict and the exact differing rows."""

from __future__ import annotations

from .content import ContentResult, compare_content
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair


def content_of(cmp: Comparison, tp: TablePair) -> ContentResult:
    """The table's content comparison, computed once per Comparison (other checks reuse it)."""
    key = f"content:{tp.name}"
    if key not in cmp.cache:
        cmp.cache[key] = compare_content(cmp, tp)
    return cmp.cache[key]


def _key(key: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in key.items())


def check_content(cmp: Comparison, tp: TablePair) -> Outcome:
    """Every row equal under its column's rule; on a difference, which rows, which columns, both values."""
    if tp.target is None:
        return failed("content", tp.name, "table missing in PostgreSQL", [f"{tp.name}: no such table"])
    missing_cols = [c.name for c in tp.columns if c.rule is None]
    res = content_of(cmp, tp)
    rules = {c.name: f"{c.rule.name}: {c.rule.description}" for c in tp.compared}
    how = "by primary key" if res.keyed else "as a multiset (no primary key)"
    if res.ok and not missing_cols:
        return passed("content", tp.name, f"{res.source_rows} rows identical {how} (checksum {res.source_checksum})",
                      rules=rules, seconds=res.seconds)
    lines = [f"{tp.name}.{c}: column missing in PostgreSQL (not compared)" for c in missing_cols]
    for d in res.examples:
        if d.kind == "changed":
            lines.append(f"{tp.name} [{_key(d.key)}] {d.column}: SQLite {d.source!r} != PostgreSQL {d.target!r}")
        elif d.kind == "missing":
            lines.append(f"{tp.name} [{_key(d.key)}] missing in PostgreSQL: {d.source}")
        else:
            lines.append(f"{tp.name} [{_key(d.key)}] extra in PostgreSQL: {d.target}")
    parts = [f"{n} {k}" for n, k in ((res.missing, "missing"), (res.extra, "extra"), (res.changed, "changed")) if n]
    cols = ", ".join(f"{c} x{n}" for c, n in sorted(res.column_changes.items(), key=lambda x: -x[1]))
    if cols and res.changed > res.attributed_rows:
        cols += f" (columns counted over the first {res.attributed_rows} of {res.changed} changed rows)"
    summary = (f"{', '.join(parts) or 'checksums differ'} row(s) {how}; SQLite {res.source_rows} rows, "
               f"PostgreSQL {res.target_rows}" + (f"; changed columns: {cols}" if cols else ""))
    return failed("content", tp.name, summary, lines, rows=res.examples, rules=rules,
                  total=res.missing + res.extra + sum(res.column_changes.values()) + len(missing_cols),
                  seconds=res.seconds)
