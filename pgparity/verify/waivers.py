"""Waivers: a known, accepted difference is shown and counted as 'waived' instead of failing.

A waiver names a check and a table, and optionally a column, a kind of finding and a row key. Each
named field must equal the finding's exactly (case-insensitive for names, never a substring: a
waiver for column `id` does not cover `id_card`, key `id=1` does not cover `id=12`). A narrowed
waiver covers an outcome only when every finding is covered and the findings are complete (a sampled
content diff cannot promise that the rows not shown are of the waived kind). Past its expiry date a
waiver no longer covers anything and the run says it expired.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ..errors import UsageError
from .outcome import Finding, Outcome

FIELDS = ("table", "check", "reason", "expires", "column", "kind", "key")


@dataclass(frozen=True)
class Waiver:
    table: str
    check: str
    reason: str
    expires: date
    column: str | None = None
    kind: str | None = None
    key: str | None = None

    @property
    def expired(self) -> bool:
        return date.today() > self.expires

    @property
    def narrowed(self) -> bool:
        return bool(self.column or self.kind or self.key)

    def describe(self) -> str:
        scope = f"{self.check}[{self.table}]" + "".join(
            f" {name} {value}" for name, value in (("column", self.column), ("kind", self.kind), ("key", self.key))
            if value)
        return f"waiver for {scope} until {self.expires.isoformat()}: {self.reason}"

    def applies_to(self, outcome: Outcome) -> bool:
        return outcome.check == self.check and outcome.table.lower() == self.table.lower()

    def covers(self, finding: Finding) -> bool:
        if self.column and (finding.column or "").lower() != self.column.lower():
            return False
        if self.kind and finding.kind != self.kind:
            return False
        return not (self.key and _norm_key(finding.key) != _norm_key(self.key))


def _norm_key(key: str | None) -> str | None:
    if key is None:
        return None
    return ",".join(part.strip().replace(" ", "") for part in key.split(","))


def parse_waivers(entries: list[dict]) -> list[Waiver]:
    out = []
    for i, e in enumerate(entries, 1):
        missing = [k for k in ("table", "check", "reason", "expires") if k not in e]
        if missing:
            raise UsageError(f"waiver #{i}: missing {', '.join(missing)} (each needs table, check, reason, expires)")
        unknown = set(e) - set(FIELDS)
        if unknown:
            raise UsageError(f"waiver #{i}: unknown field(s) {', '.join(sorted(unknown))} "
                             f"(known: {', '.join(FIELDS)})")
        try:
            expires = e["expires"] if isinstance(e["expires"], date) else date.fromisoformat(str(e["expires"]))
        except ValueError:
            raise UsageError(f"waiver #{i}: expires {e['expires']!r} is not a date (YYYY-MM-DD)") from None
        out.append(Waiver(e["table"], e["check"], e["reason"], expires, e.get("column"), e.get("kind"),
                          None if e.get("key") is None else str(e["key"])))
    return out


@dataclass
class Judgement:
    """What is left of a failed outcome after waivers: `remaining` None means wholly waived."""

    remaining: Outcome | None
    used: list[Waiver]
    expired: list[Waiver]


def apply_waivers(entries: list[dict], outcome: Outcome) -> Judgement:
    """Remove the findings that live waivers cover; a whole-outcome waiver (no column/kind/key) covers all."""
    waivers = [w for w in parse_waivers(entries) if w.applies_to(outcome)]
    live = [w for w in waivers if not w.expired]
    expired = [w for w in waivers if w.expired]
    whole = [w for w in live if not w.narrowed]
    if whole:
        return Judgement(None, whole[:1], expired)
    used: list[Waiver] = []
    left: list[Finding] = []
    for f in outcome.findings:
        w = next((w for w in live if w.covers(f)), None)
        if w is None:
            left.append(f)
        elif w not in used:
            used.append(w)
    if not used:
        return Judgement(outcome, [], expired)
    if not left and outcome.complete:
        return Judgement(None, used, expired)
    waived = len(outcome.findings) - len(left)
    note = f" ({waived} finding(s) waived; " + ("the rest are not covered)" if left else
                                                "the findings shown are a sample, so the rest cannot be)")
    rest = replace(outcome, summary=outcome.summary + note, findings=left or outcome.findings,
                   total=len(left or outcome.findings))
    return Judgement(rest, used, expired)
