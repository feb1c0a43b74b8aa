"""Content parity as a check: the checksum verdict and the exact differing rows."""

from __future__ import annotations

from .content import ContentResult, compare_content
from .outcome import Finding, Outcome, failed, missing_columns, missing_table, passed
from .pairing import Comparison, TablePair
from .schedule import settled


def content_of(cmp: Comparison, tp: TablePair) -> ContentResult:
    """The table's content comparison, computed once per Comparison (other checks reuse it): scanned ahead
    by the session's ScanSchedule (waited for here, its error raised here), else scanned now."""
    key = f"content:{tp.name}"
    found = settled(cmp.cache.get(key))
    if found is None:
        found = compare_content(cmp, tp)
    cmp.cache[key] = found
    return found


def _key(key: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in key.items())


def _plain_key(key: dict) -> str:
    """The key as a waiver spells it: 'id=12', 'a=1, b=x'."""
    return ", ".join(f"{k}={v}" for k, v in key.items())


def check_content(cmp: Comparison, tp: TablePair) -> Outcome:
    """Every row equal under its column's rule; on a difference, which rows, which columns, both values."""
    if tp.target is None:
        return missing_table("content", tp.name, cmp.settings.schema, tp.near)
    missing_cols = [c.name for c in tp.columns if c.rule is None]
    res = content_of(cmp, tp)
    rules = {c.name: f"{c.rule.name}: {c.rule.description}" for c in tp.compared}
    how = "by primary key" if res.keyed else "as a multiset (no primary key)"
    if res.ok and not missing_cols:
        same = f"equal {how}, {res.within_tolerance} of them only within the float tolerance (re-checked " \
            "exactly)" if res.within_tolerance else f"identical {how} (checksum {res.source_checksum})"
        return passed("content", tp.name, f"{res.source_rows} rows {same}", rules=rules, seconds=res.seconds)
    lines = missing_columns(tp.name, [c for c in tp.columns if c.rule is None])
    shown: dict[tuple[str, str | None], int] = {}
    for d in res.examples:
        column = d.column if d.kind == "changed" else None
        kind = {"changed": "changed", "missing": "missing-row", "extra": "extra-row"}[d.kind]
        shown[(kind, column)] = shown.get((kind, column), 0) + 1
        if d.kind == "changed":
            text = f"{tp.name} [{_key(d.key)}] {d.column}: SQLite {d.source!r} != PostgreSQL {d.target!r}"
        elif d.kind == "missing":
            text = f"{tp.name} [{_key(d.key)}] missing in PostgreSQL: {d.source}"
        else:
            text = f"{tp.name} [{_key(d.key)}] extra in PostgreSQL: {d.target}"
        lines.append(Finding(text, column, kind, _plain_key(d.key)))
    # what the examples leave out, still as findings (no key): a waiver for one row cannot cover them
    rest = [(n - shown.get(("changed", c), 0), "changed", c) for c, n in res.column_changes.items()]
    rest += [(res.missing - shown.get(("missing-row", None), 0), "missing-row", None),
             (res.extra - shown.get(("extra-row", None), 0), "extra-row", None)]
    lines += [Finding(f"{tp.name}{'.' + c if c else ''}: {n} more {kind} row(s) not shown", c, kind)
              for n, kind, c in rest if n > 0]
    parts = [f"{n} {k}" for n, k in ((res.missing, "missing"), (res.extra, "extra"), (res.changed, "changed")) if n]
    cols = ", ".join(f"{c} x{n}" for c, n in sorted(res.column_changes.items(), key=lambda x: -x[1]))
    if cols and res.changed > res.attributed_rows:
        cols += f" (columns counted over the first {res.attributed_rows} of {res.changed} changed rows)"
    summary = (f"{', '.join(parts) or 'checksums differ'} row(s) {how}; SQLite {res.source_rows} rows, "
               f"PostgreSQL {res.target_rows}" + (f"; changed columns: {cols}" if cols else ""))
    if not tp.compared:
        summary = f"no column pairs up ({len(missing_cols)} missing in PostgreSQL), nothing compared; SQLite " \
            f"{res.source_rows} rows, PostgreSQL {res.target_rows}"
    return failed("content", tp.name, summary, lines, rows=res.examples, rules=rules, seconds=res.seconds,
                  complete=res.attributed_rows >= res.changed)
