"""The result of one check on one table: what a report shows, what pytest asserts, what a waiver matches.

A failed outcome carries structured findings: each says which column (None: the table), what kind of
fault (a short stable word such as 'check-meaning', 'default', 'changed', 'missing-row') and, for a
row, its key. Waivers match those fields exactly; the text is only what a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    text: str  # the line a person reads: table, column, key and both values
    column: str | None = None  # the SQLite column it is about; None when it is about the table
    kind: str = "other"  # what is wrong, one stable word per fault class (see README's check table)
    key: str | None = None  # the row's key as 'id=12' (or 'a=1, b=2'); None when not about one row


@dataclass
class Outcome:
    check: str
    table: str
    ok: bool
    summary: str
    findings: list[Finding] = field(default_factory=list)  # every fault, or examples plus a line for the rest
    rows: list = field(default_factory=list)  # RowDiff examples for the report's tables
    rules: dict[str, str] = field(default_factory=dict)  # column -> normalisation rule applied
    total: int = 0  # how many findings
    seconds: float = 0.0
    complete: bool = True  # False when `findings` do not list every fault (sampled rows, capped examples)

    @property
    def lines(self) -> list[str]:
        return [f.text for f in self.findings]

    def message(self) -> str:
        head = f"{self.check}[{self.table}]: {self.summary}"
        return head + "".join("\n  " + line for line in self.lines)


def passed(check: str, table: str, summary: str, **kw) -> Outcome:
    return Outcome(check, table, True, summary, **kw)


def failed(check: str, table: str, summary: str, findings: list[Finding | str], **kw) -> Outcome:
    """A failed outcome; a bare string is a finding about the table of kind 'other' (prefer Finding)."""
    items = [f if isinstance(f, Finding) else Finding(f) for f in findings]
    kw.setdefault("total", len(items))
    return Outcome(check, table, False, summary, items, **kw)


def spelled(name: str, near: str | None) -> str:
    """What a missing name's finding adds when PostgreSQL holds it in another case (pairing.py's `near`)."""
    if near is None:
        return ""
    return (f" (PostgreSQL has {near!r}, another case: neither {name!r} nor its lowercase reaches it from the "
            "application's SQL)")


def missing_table(check: str, table: str, schema: str, near: str | None = None) -> Outcome:
    """The one outcome every check gives when the table has no PostgreSQL counterpart."""
    return failed(check, table, "table missing in PostgreSQL",
                  [Finding(f"{table}: no such table in PostgreSQL schema {schema}{spelled(table, near)}", None,
                           "missing-table")])


def missing_columns(table: str, columns: list) -> list[Finding]:
    """One finding per column (pairing.ColumnPair) with no PostgreSQL counterpart: every check that covers a
    table's columns gives them, so a run narrowed to any of those checks cannot pass a table that lost one."""
    return [Finding(f"{table}.{c.name}: column missing in PostgreSQL, not compared: every query naming it "
                    f"fails{spelled(c.name, c.near)}", c.name, "missing-column") for c in columns]
