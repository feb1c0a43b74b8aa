"""Sequences: every identity/serial/nextval column will hand out a value above max(key) and SQLite's counter."""

from __future__ import annotations

from ..sqlnames import qi, qname
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair


def _sqlite_counter(cmp: Comparison, table: str) -> int:
    if not cmp.source.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")[0][0]:
        return 0
    rows = cmp.source.query(f"SELECT seq FROM sqlite_sequence WHERE name = '{table.replace(chr(39), chr(39) * 2)}'")
    return int(rows[0][0] or 0) if rows else 0


def check_sequences(cmp: Comparison, tp: TablePair) -> Outcome:
    """The first insert after cutover must not collide."""
    if tp.target is None:
        return failed("sequences", tp.name, "table missing in PostgreSQL", [f"{tp.name}: no such table"])
    lines, seen = [], []
    counter = _sqlite_counter(cmp, tp.name)
    table = qname(cmp.settings.schema, tp.target.name)
    for col in tp.target.columns:
        if not col.sequence:
            continue
        seq_parts = col.sequence.split(".")
        seq = ".".join(qi(p.strip('"')) for p in seq_parts)
        last, called = cmp.pg_query(f"SELECT last_value, is_called FROM {seq}")[0]
        next_value = last + 1 if called else last
        top = cmp.pg_query(f"SELECT max({qi(col.name)}) FROM {table}")[0][0]
        floor = max(top or 0, counter if col.name.lower() == (tp.source.rowid_alias or "").lower() else 0)
        seen.append(f"{col.name} next {next_value}")
        if next_value <= floor:
            why = f"max({col.name}) = {top}"
            if counter > (top or 0):
                why += f", SQLite AUTOINCREMENT counter {counter}"
            lines.append(f"{tp.name}.{col.name}: sequence {col.sequence} would hand out {next_value}, "
                         f"but {why}: the first insert after cutover collides")
    alias = tp.source.rowid_alias
    if alias:
        pair = next((c for c in tp.columns if c.name == alias), None)
        if pair and pair.target and not pair.target.sequence:
            lines.append(f"{tp.name}.{alias}: INTEGER PRIMARY KEY assigns ids in SQLite, but the PostgreSQL column "
                         f"has no identity/serial sequence: an insert without {alias} fails after cutover")
    if lines:
        return failed("sequences", tp.name, f"{len(lines)} sequence problem(s)", lines)
    if not seen:
        return passed("sequences", tp.name, "no sequences")
    return passed("sequences", tp.name, "ahead of max(key): " + ", ".join(seen))


