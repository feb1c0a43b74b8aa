"""Row counts on both sides.

A reader of the table facts (facts.facts_of): the rows the content scan read on each side, in the
same snapshots; the table is not counted again (unless no column pairs up, then count(*) on each side).
A column missing in PostgreSQL fails here too (as in every check covering columns): a run narrowed to
counts cannot pass a table that lost one.
Cannot see: which rows are missing or extra (the content check names them by key).
"""

from __future__ import annotations

from ..sqlnames import qname, qs
from .facts import facts_of
from .outcome import Finding, Outcome, failed, missing_columns, missing_table, passed
from .pairing import Comparison, TablePair


def check_row_count(cmp: Comparison, tp: TablePair) -> Outcome:
    """The target has exactly as many rows as the source."""
    if tp.target is None:
        return missing_table("row_count", tp.name, cmp.settings.schema, tp.near)
    if tp.compared:
        facts = facts_of(cmp, tp)
        src, tgt = facts.source.rows, facts.target.rows
    else:  # no column pairs up: there is no content scan to read, count the rows
        src = cmp.source.query(f"SELECT count(*) FROM {qs(tp.name)}")[0][0]
        tgt = cmp.pg_query(f"SELECT count(*) FROM {qname(cmp.settings.schema, tp.target.name)}")[0][0]
    lost = missing_columns(tp.name, tp.missing)
    if src == tgt and not lost:
        return passed("row_count", tp.name, f"{src} rows on both sides")
    if src == tgt:
        return failed("row_count", tp.name, f"{src} rows on both sides, but {len(lost)} column(s) missing in "
                      "PostgreSQL", lost)
    return failed("row_count", tp.name, f"SQLite has {src} rows, PostgreSQL {tgt} ({tgt - src:+d})",
                  [Finding(f"{tp.name}: source {src}, target {tgt}", None, "row-count"), *lost])
