"""Row counts on both sides."""

from __future__ import annotations

from ..sqlnames import qname, qs
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair


def check_row_count(cmp: Comparison, tp: TablePair) -> Outcome:
    """The target has exactly as many rows as the source."""
    if tp.target is None:
        return failed("row_count", tp.name, "table missing in PostgreSQL", [f"{tp.name}: no such table"])
    src = cmp.source.query(f"SELECT count(*) FROM {qs(tp.name)}")[0][0]
    tgt = cmp.pg_query(f"SELECT count(*) FROM {qname(cmp.settings.schema, tp.target.name)}")[0][0]
    if src == tgt:
        return passed("row_count", tp.name, f"{src} rows on both sides")
    return failed("row_count", tp.name, f"SQLite has {src} rows, PostgreSQL {tgt} ({tgt - src:+d})",
                  [f"{tp.name}: source {src}, target {tgt}"])
