"""Waivers: a known, accepted difference (table, check, optional column/key, reason, expiry) is shown
and counted as 'waived' instead of failing; past its expiry date it fails again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import UsageError
from .outcome import Outcome


@dataclass(frozen=True)
class Waiver:
    table: str
    check: str
    reason: str
    expires: date
    column: str | None = None
    key: str | None = None

    @property
    def expired(self) -> bool:
        return date.today() > self.expires

    def describe(self) -> str:
        scope = f"{self.check}[{self.table}]" + (f" column {self.column}" if self.column else "") + \
            (f" key {self.key}" if self.key else "")
        return f"waiver for {scope} until {self.expires.isoformat()}: {self.reason}"

    def covers(self, outcome: Outcome) -> bool:
        if outcome.check != self.check or outcome.table.lower() != self.table.lower():
            return False
        lines = outcome.lines or [outcome.summary]
        # a waiver narrowed to a column or key covers the failure only if every finding is about it
        if self.column and not all(f".{self.column}" in ln or f"] {self.column}:" in ln for ln in lines):
            return False
        return not (self.key and not all(self.key in ln for ln in lines))


def parse_waivers(entries: list[dict]) -> list[Waiver]:
    out = []
    for i, e in enumerate(entries, 1):
        missing = [k for k in ("table", "check", "reason", "expires") if k not in e]
        if missing:
            raise UsageError(f"waiver #{i}: missing {', '.join(missing)} (each needs table, check, reason, expires)")
        expires = e["expires"] if isinstance(e["expires"], date) else date.fromisoformat(str(e["expires"]))
        out.append(Waiver(e["table"], e["check"], e["reason"], expires, e.get("column"), e.get("key")))
    return out


def find_waiver(entries: list[dict], outcome: Outcome) -> Waiver | None:
    """The waiver covering this failed outcome, if any (an expired one is returned too: it must fail)."""
    return next((w for w in parse_waivers(entries) if w.covers(outcome)), None)
