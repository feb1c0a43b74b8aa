"""Nightly drift: today's PostgreSQL against the last accepted baseline, table by table, by rules.

A fingerprint is computed inside PostgreSQL (no rows leave the server): row count, an
order-independent checksum of every row's text (sum of hashtextextended), max key, max updated-at,
per column NULLs/min/max. The baseline is diff-friendly JSON meant for git (default
`drift/baseline.json` beside pgparity.toml, outside the reports); each run appends one line to a
history file (default `drift/history.jsonl`).

Rules per table (config `[pgparity.drift.tables.NAME]`):
  (none)       the default: any change is drift — the table must be as in the baseline
  append-only  rows may be added, never changed or removed (needs `key`)
  reference    the table must not change at all
  growth       [min, max] rows added per run; with the same row count the content must be unchanged
No baseline is not a pass: a table without one fails until `--update-baseline` accepts today's state.
Incremental mode skips the per-column profile (a second scan); the checksums (of the whole table and
of the rows up to the baseline's max key) are still computed by the server over every row in one
scan, so an in-place update of an old row is seen with or without an updated-at column.
Cannot see: a change that leaves every row's text the same (e.g. a column type change that renders
equally), or two changes whose hashes cancel out (64-bit sums: negligible).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError
from ..sqlnames import qi, qname, sql_literal
from .outcome import Finding, Outcome, failed, missing_table, passed
from .pairing import Comparison, TablePair, match_name

BASELINE_FORMAT = "pgparity-baseline/1"
RULES = ("append-only", "reference", "none")


@dataclass(frozen=True)
class DriftRule:
    rule: str = "none"
    key: str | None = None
    updated_at: str | None = None
    growth: tuple[int, int] | None = None


@dataclass
class DriftSettings:
    baseline: Path
    history: Path
    incremental: bool = False
    tables: dict[str, DriftRule] = field(default_factory=dict)

    def rule_for(self, tp: TablePair) -> DriftRule:
        """The configured rule, with key and updated-at found by themselves when not given."""
        found = self.tables.get(tp.name) or next((r for n, r in self.tables.items() if n.lower() == tp.name.lower()),
                                                 None)
        rule = found or DriftRule()
        key = rule.key or (tp.source.primary_key[0] if len(tp.source.primary_key) == 1 else None)
        return DriftRule(rule.rule, key, rule.updated_at or _updated_at_column(tp), rule.growth)


_UPDATED = re.compile(r"^(updated|modified|last_?update[d]?|changed|last_?modified)(_?(at|on|time|ts))?$", re.I)


def _updated_at_column(tp: TablePair) -> str | None:
    """A column that says when a row last changed (updated_at, last_update, modified_on ...), if any."""
    for c in tp.columns:
        if c.target is not None and _UPDATED.match(c.name) and c.target.type.startswith(("timestamp", "date")):
            return c.name
    return None


def parse_drift(config: dict, base: Path) -> DriftSettings:
    """The [pgparity.drift] section (every key optional); relative paths are relative to `base` (the folder of
    pgparity.toml, else pytest's rootdir)."""
    tables = {}
    for name, spec in (config.get("tables") or {}).items():
        rule = spec.get("rule", "none")
        if rule not in RULES:
            raise UsageError(f"drift rule for {name}: {rule!r} is not one of {', '.join(RULES)}")
        if rule == "append-only" and not spec.get("key"):
            raise UsageError(f"drift rule for {name}: append-only needs key = \"<column>\"")
        growth = tuple(spec["growth"]) if spec.get("growth") is not None else None
        tables[name] = DriftRule(rule, spec.get("key"), spec.get("updated_at"), growth)
    unknown = sorted(set(config) - {"baseline", "history", "incremental", "tables"})
    if unknown:
        from ..check_settings import suggest

        raise UsageError(f"[pgparity.drift]: unknown setting {unknown[0]!r}"
                         f"{suggest(unknown[0], ['baseline', 'history', 'incremental', 'tables'])}")
    return DriftSettings(base / (config.get("baseline") or "drift/baseline.json"),
                         base / (config.get("history") or "drift/history.jsonl"),
                         bool(config.get("incremental", False)), tables)


def _col(tp: TablePair, name: str | None) -> str | None:
    if not name or tp.target is None:
        return None
    found = match_name(name, [c.name for c in tp.target.columns])
    if found is None:
        raise UsageError(f"drift: table {tp.name} has no column {name!r} in PostgreSQL")
    return found


def fingerprint(cmp: Comparison, tp: TablePair, rule: DriftRule, base: dict | None, incremental: bool) -> dict:
    """Today's fingerprint of the PostgreSQL table, computed by the server in one scan (plus the per-column
    profile in full mode): counts, checksums of all rows and of the rows up to the baseline's max key."""
    t = qname(cmp.settings.schema, tp.target.name)
    key, upd = _col(tp, rule.key), _col(tp, rule.updated_at)
    row_hash = "hashtextextended(x::text, 0)::numeric"
    old = f"{qi(key)} <= {key_literal(base['max_key'])}" if key and base and base.get("max_key") is not None \
        else None
    since = sql_literal(base["max_updated"]) if old and upd and base.get("max_updated") else None
    exprs = ["count(*)", f"max({qi(key)})::text" if key else "NULL", f"max({qi(upd)})::text" if upd else "NULL",
             f"coalesce(sum({row_hash}), 0)::text",
             f"count(*) FILTER (WHERE {old})" if old else "NULL",
             f"coalesce(sum({row_hash}) FILTER (WHERE {old}), 0)::text" if old else "NULL",
             f"count(*) FILTER (WHERE {old} AND {qi(upd)} > {since})" if since else "NULL"]
    rows, max_key, max_upd, checksum, old_rows, old_checksum, old_updated = cmp.pg_query(
        f"SELECT {', '.join(exprs)} FROM {t} x")[0]
    return {"rows": rows, "checksum": checksum, "max_key": max_key, "max_updated": max_upd, "old_rows": old_rows,
            "old_checksum": old_checksum, "old_updated": old_updated,
            "mode": "incremental" if incremental else "full", "profile": {} if incremental else _profile(cmp, tp)}


def key_literal(max_key: str) -> str:
    """The baseline's max key (kept as text) as a SQL literal: a number when it is one."""
    try:
        return sql_literal(int(max_key))
    except (TypeError, ValueError):
        return sql_literal(max_key)


_ORDERED = ("smallint", "integer", "bigint", "numeric", "real", "double precision", "text", "character varying",
            "character", "date", "timestamp without time zone", "timestamp with time zone")


def _profile(cmp: Comparison, tp: TablePair) -> dict:
    """Per column NULLs, and min/max where the type has an order (booleans, JSON, bytes have none)."""
    from ..fit import base_type

    cols = [(c.target.name, base_type(c.target.type) in _ORDERED) for c in tp.columns if c.target is not None]
    if not cols:
        return {}
    exprs = [e for c, ordered in cols for e in (
        f"count(*) - count({qi(c)})",
        f"min({qi(c)})::text" if ordered else "NULL", f"max({qi(c)})::text" if ordered else "NULL")]
    row = cmp.pg_query(f"SELECT {', '.join(exprs)} FROM {qname(cmp.settings.schema, tp.target.name)}")[0]
    return {c: {"nulls": row[3 * i], "min": _short(row[3 * i + 1]), "max": _short(row[3 * i + 2])}
            for i, (c, _) in enumerate(cols)}


def _short(v):
    return v[:60] if isinstance(v, str) else v


def evaluate(tp: TablePair, rule: DriftRule, base: dict | None, today: dict) -> tuple[list[str], list[str]]:
    """(rule violations, changes since the baseline) for one table."""
    if base is None:
        return ["no baseline: create one with --update-baseline"], ["no baseline for this table yet"]
    changes, violations = [], []
    delta = today["rows"] - base["rows"]
    same_content = today["checksum"] == base["checksum"]
    if delta:
        changes.append(f"{delta:+d} rows ({base['rows']} -> {today['rows']})")
    if not same_content and not delta:
        changes.append("same row count, different content")
    if today.get("max_key") != base.get("max_key"):
        changes.append(f"max key {base.get('max_key')} -> {today.get('max_key')}")
    if rule.rule == "reference" and (delta or not same_content):
        violations.append(f"reference table changed: {', '.join(changes) or 'content differs'}")
    if rule.rule == "append-only" and base.get("max_key") is not None:
        violations += _append_only(base, today)
    if rule.rule == "none" and rule.growth is None and (delta or not same_content):
        violations.append(f"changed with no drift rule that allows it: {', '.join(changes) or 'content differs'} "
                          f"(declare rule or growth in [pgparity.drift.tables.{tp.name}])")
    if rule.rule == "none" and rule.growth is not None and not delta and not same_content:
        violations.append("same row count, different content: rows were changed in place")
    if rule.growth is not None and not rule.growth[0] <= delta <= rule.growth[1]:
        violations.append(f"growth {delta:+d} rows outside the expected band [{rule.growth[0]}, {rule.growth[1]}]")
    return violations, changes


def _append_only(base: dict, today: dict) -> list[str]:
    removed = base["rows"] - (today["old_rows"] or 0)
    if removed > 0:
        return [f"append-only: {removed} row(s) with key <= {base['max_key']} removed"]
    if today.get("old_checksum") is not None and today["old_checksum"] != base["checksum"]:
        return [f"append-only: row(s) with key <= {base['max_key']} changed"]
    if today.get("old_updated"):
        return [f"append-only: {today['old_updated']} row(s) with key <= {base['max_key']} updated "
                f"after {base['max_updated']}"]
    return []


def check_drift(cmp: Comparison, tp: TablePair, ds: DriftSettings, baseline: dict,
                accepting: bool = False) -> tuple[Outcome, dict]:
    """The table's drift verdict against the baseline, and today's fingerprint (`accepting`: today becomes
    the baseline, so only the fingerprint matters)."""
    if tp.target is None:
        return missing_table("drift", tp.name, cmp.settings.schema), {}
    rule = ds.rule_for(tp)
    base = (baseline.get("tables") or {}).get(tp.name)
    today = fingerprint(cmp, tp, rule, base, ds.incremental)
    if accepting:
        today["buckets"] = key_buckets(cmp, tp, rule, today.get("max_key"))
        return passed("drift", tp.name, f"[{rule.rule}] baseline accepted: {today['rows']} rows"), today
    violations, changes = evaluate(tp, rule, base, today)
    if violations and base and base.get("buckets"):
        ranges = changed_ranges(cmp, tp, rule, base)
        changes += [f"changed rows among keys {ranges}"] if ranges else []
        violations = [v + (f" (keys {ranges})" if ranges and "changed" in v else "") for v in violations]
    label = f"{rule.rule}" + (f", growth {list(rule.growth)}" if rule.growth else "")
    summary = f"[{label}, {today['mode']}] " + ("; ".join(changes) if changes else "unchanged since the baseline")
    if violations:
        return failed("drift", tp.name, summary, [Finding(f"{tp.name}: {v}", None, "drift") for v in violations]), \
            today
    return passed("drift", tp.name, summary), today


BUCKETS = 64  # key ranges whose checksums the baseline keeps, to say where an old row changed


def _bucket_sums(cmp: Comparison, tp: TablePair, key: str, width: int, upto: str | None = None) -> dict[str, str]:
    where = f" WHERE {qi(key)} <= {key_literal(upto)}" if upto is not None else ""
    rows = cmp.pg_query(f"SELECT floor({qi(key)}::numeric / {width})::bigint, "
                        f"sum(hashtextextended(x::text, 0)::numeric)::text "
                        f"FROM {qname(cmp.settings.schema, tp.target.name)} x{where} GROUP BY 1")
    return {str(b): total for b, total in rows}


def key_buckets(cmp: Comparison, tp: TablePair, rule: DriftRule, max_key) -> dict | None:
    """Checksums of 64 key ranges (integer keys only), kept in the baseline."""
    key = _col(tp, rule.key)
    target = next((c.target for c in tp.columns if c.target is not None and c.target.name == key), None)
    if key is None or target is None or target.type not in ("smallint", "integer", "bigint") or max_key is None:
        return None
    width = max(1, -(-int(max_key) // BUCKETS))
    return {"width": width, "sums": _bucket_sums(cmp, tp, key, width)}


def changed_ranges(cmp: Comparison, tp: TablePair, rule: DriftRule, base: dict) -> str:
    """The baseline's key ranges whose rows changed since (up to its max key), as 'a..b, c..d'."""
    width, before = base["buckets"]["width"], base["buckets"]["sums"]
    now = _bucket_sums(cmp, tp, _col(tp, rule.key), width, base.get("max_key"))
    changed = sorted(int(b) for b in set(before) | set(now) if before.get(b) != now.get(b))
    shown = [f"{b * width}..{(b + 1) * width - 1}" for b in changed[:8]]
    return ", ".join(shown) + (f" and {len(changed) - 8} more ranges" if len(changed) > 8 else "")


def load_baseline(path: Path) -> dict:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    if data.get("format") != BASELINE_FORMAT:
        raise UsageError(f"{path} is not a pgparity baseline (format {data.get('format')!r})")
    return data


def write_baseline(path: Path, fingerprints: dict[str, dict], source: str) -> int:
    """Accept today's state: one key per table, sorted, indented (reads well in a git diff)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = ("rows", "checksum", "max_key", "max_updated", "profile", "buckets")
    tables = {name: {k: v for k, v in fp.items() if k in kept and v is not None}
              for name, fp in sorted(fingerprints.items()) if fp.get("checksum") is not None}
    path.write_text(json.dumps({"format": BASELINE_FORMAT, "accepted_at": _now(), "source": source,
                                "tables": tables}, indent=2, sort_keys=True) + "\n")
    return len(tables)


def append_history(path: Path, records: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps({"at": _now(), "tables": records}, sort_keys=True) + "\n")


def read_history(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
