"""The result of one check on one table: what a report shows and what pytest asserts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    check: str
    table: str
    ok: bool
    summary: str
    lines: list[str] = field(default_factory=list)  # one finding per line: table, column, key, both values
    rows: list = field(default_factory=list)  # RowDiff examples for the report's tables
    rules: dict[str, str] = field(default_factory=dict)  # column -> normalisation rule applied
    total: int = 0  # how many findings in all (lines hold at most the examples asked for)
    seconds: float = 0.0

    def message(self) -> str:
        head = f"{self.check}[{self.table}]: {self.summary}"
        if not self.lines:
            return head
        more = f"\n  ... and {self.total - len(self.lines)} more" if self.total > len(self.lines) else ""
        return head + "\n  " + "\n  ".join(self.lines) + more


def passed(check: str, table: str, summary: str, **kw) -> Outcome:
    return Outcome(check, table, True, summary, **kw)


def failed(check: str, table: str, summary: str, lines: list[str], **kw) -> Outcome:
    kw.setdefault("total", len(lines))
    return Outcome(check, table, False, summary, lines, **kw)
