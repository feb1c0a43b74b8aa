"""Sequences: the application's next INSERT without an id works, and one with an id works as it did in SQLite.

For every column SQLite assigns values to (the INTEGER PRIMARY KEY rowid alias) and every PostgreSQL
column fed by a sequence (identity, serial, nextval() default): the column must still be fed
(identity kept, DEFAULT still nextval of its sequence), and the sequence must hand out ids that are new
and allowed -- INCREMENT positive, no CYCLE, next value above max(column) and above SQLite's
AUTOINCREMENT counter (sqlite_sequence), MAXVALUE not reached. SQLite accepts an explicit id in every
INSERT; `GENERATED ALWAYS` refuses it, so it fails.

Cannot see: an application that reads ids from somewhere else (a UUID it makes itself), sequences
shared by several tables, or concurrent writers that take ids between this check and the cutover.
"""

from __future__ import annotations

from ..schema import sqlite_sequences
from ..sqlnames import qi, qname
from .outcome import Finding, Outcome, failed, missing_table, passed
from .pairing import ColumnPair, Comparison, TablePair
from .pg_objects import PgColumnGen, pg_objects, read_sequence

CHECK = "sequences"


def _sqlite_counter(cmp: Comparison, table: str) -> int:
    return sqlite_sequences(cmp.source).get(table, 0)


def check_sequences(cmp: Comparison, tp: TablePair) -> Outcome:
    """The first insert after cutover must work and must not collide."""
    if tp.target is None:
        return missing_table(CHECK, tp.name, cmp.settings.schema)
    objs = pg_objects(cmp)
    findings: list[Finding] = []
    seen: list[str] = []
    for pair in tp.columns:
        if pair.target is None:
            continue
        gen = objs.columns.get((tp.target.name, pair.target.name), PgColumnGen("", "", None, None))
        assigns = pair.name == tp.source.rowid_alias
        if assigns or pair.target.sequence or gen.identity or gen.owned_sequence:
            findings += _column(cmp, tp, pair, gen, assigns, seen)
    if findings:
        return failed(CHECK, tp.name, f"{len(findings)} sequence problem(s)", findings)
    if not seen:
        return passed(CHECK, tp.name, "no sequences")
    return passed(CHECK, tp.name, "ahead of max(key): " + ", ".join(seen))


def _insert(tp: TablePair, pair: ColumnPair) -> str:
    others = [c.target.name for c in tp.columns if c.target is not None and c is not pair][:3]
    return f"INSERT INTO {qi(tp.target.name)} ({', '.join(qi(c) for c in others)}{', ...' if others else ''}) " \
           "VALUES (...)"


def _column(cmp: Comparison, tp: TablePair, pair: ColumnPair, gen: PgColumnGen, assigns: bool,
            seen: list[str]) -> list[Finding]:
    col, where = pair.name, f"{tp.name}.{pair.name}"
    out = []
    if gen.identity == "a":
        out.append(Finding(f"{where}: GENERATED ALWAYS AS IDENTITY in PostgreSQL, but SQLite accepts the application's "
                           f"own values: INSERT INTO {qi(tp.target.name)} ({qi(pair.target.name)}, ...) fails with "
                           f"'cannot insert a non-DEFAULT value into column'", col, "identity-always"))
    seq = _feeding_sequence(pair, gen)
    if seq is None:
        if gen.owned_sequence:
            out.append(Finding(f"{where}: sequence {gen.owned_sequence} is owned by the column but its DEFAULT is "
                               f"{gen.expression or 'none'}, not nextval(): {_insert(tp, pair)} gets "
                               f"{gen.expression or 'NULL'} instead of a new id", col, "sequence-default"))
        elif assigns:
            out.append(Finding(f"{where}: INTEGER PRIMARY KEY assigns ids in SQLite, but the PostgreSQL column has "
                               f"no identity/serial sequence: an insert without {col} fails after cutover "
                               f"({_insert(tp, pair)}: {gen.expression or 'null value'} for {col})", col,
                               "identity-dropped"))
        return out
    return out + _position(cmp, tp, pair, seq, assigns, seen)


def _feeding_sequence(pair: ColumnPair, gen: PgColumnGen) -> str | None:
    """The sequence an INSERT without this column takes its value from (None: none does)."""
    if gen.identity:
        return gen.owned_sequence or pair.target.sequence
    expr = gen.expression or ""
    if expr.startswith("nextval("):
        return pair.target.sequence or expr.split("'")[1]
    return None


def _position(cmp: Comparison, tp: TablePair, pair: ColumnPair, seq_name: str, assigns: bool,
              seen: list[str]) -> list[Finding]:
    col, where = pair.name, f"{tp.name}.{pair.name}"
    seq = read_sequence(cmp, seq_name)
    if seq is None:
        return []
    top = cmp.pg_query(f"SELECT max({qi(pair.target.name)}) FROM {qname(cmp.settings.schema, tp.target.name)}")[0][0]
    counter = _sqlite_counter(cmp, tp.name) if assigns else 0
    floor = max(int(top or 0), counter)
    nxt = seq.next_value
    seen.append(f"{col} next {nxt}")
    out = []
    if seq.increment <= 0:
        out.append(Finding(f"{where}: sequence {seq.name} has INCREMENT BY {seq.increment}: ids go down into the "
                           f"ones already used ({nxt}, {nxt + seq.increment}, ...)", col, "sequence-increment"))
    if seq.cycle:
        out.append(Finding(f"{where}: sequence {seq.name} has CYCLE: after {seq.max_value} it hands out "
                           f"{seq.min_value} again, an id already used", col, "sequence-cycle"))
    if nxt <= floor:
        why = f"max({col}) = {top}"
        if counter > (top or 0):
            why += f", SQLite AUTOINCREMENT counter {counter}"
        what = ("the first insert after cutover collides with an existing row" if top is not None and nxt <= top
                else "it would hand out again an id SQLite's AUTOINCREMENT never reuses (a deleted row's)")
        out.append(Finding(f"{where}: sequence {seq.name} would hand out {nxt}, but {why}: {what}",
                           col, "sequence-next"))
    need = max(nxt, floor + 1)
    if seq.increment > 0 and seq.max_value < need:
        out.append(Finding(f"{where}: sequence {seq.name} has MAXVALUE {seq.max_value}, below the next id the "
                           f"application needs ({need}): {_insert(tp, pair)} fails with 'nextval: reached maximum "
                           f"value of sequence'", col, "sequence-max"))
    return out
