"""Live parity during a dual-run: SQLite (still written) against PostgreSQL, one snapshot each.

Full mode compares every row (the content check). Incremental mode, for tables with a key in the
baseline, compares only rows whose key is above the baseline's max key. It cannot see an old row
(key at or below the baseline's max) changed on one side only — say, updated in SQLite by an
application that does not write to PostgreSQL yet; the drift check sees old rows changed in
PostgreSQL, not in SQLite. Its summary says so; run without --incremental to compare every row.
"""

from __future__ import annotations

from ..sqlnames import qi, qs
from .content import compare_content
from .content_check import check_content
from .drift import DriftSettings, key_literal
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair


def check_live(cmp: Comparison, tp: TablePair, ds: DriftSettings, baseline: dict) -> Outcome:
    rule = ds.rule_for(tp)
    base = (baseline.get("tables") or {}).get(tp.name)
    if not (ds.incremental and rule.key and base and base.get("max_key") is not None and tp.target is not None):
        out = check_content(cmp, tp)
        out.check = "drift_live"
        return out
    key = next((c for c in tp.columns if c.name.lower() == rule.key.lower()), None)
    if key is None or key.target is None:
        return failed("drift_live", tp.name, f"key {rule.key!r} not in both tables", [f"{tp.name}: {rule.key}"])
    bound = key_literal(base["max_key"])
    res = compare_content(cmp, tp, (f"{qs(key.name)} > {bound}", f"{qi(key.target.name)} > {bound}"))
    scope = f"rows with {key.name} > {base['max_key']}"
    blind = (f"; rows with {key.name} <= {base['max_key']} not compared: an old row changed on one side only "
             "is not seen (run without --incremental)")
    if res.ok:
        return passed("drift_live", tp.name, f"{res.source_rows} {scope} identical (incremental){blind}")
    lines = [f"{tp.name} [{', '.join(f'{k}={v!r}' for k, v in d.key.items())}] {d.kind}"
             + (f" {d.column}: SQLite {d.source!r} != PostgreSQL {d.target!r}" if d.kind == "changed" else "")
             for d in res.examples]
    return failed("drift_live", tp.name, f"{res.missing} missing, {res.extra} extra, {res.changed} changed among "
                  f"{scope} (incremental){blind}", lines, rows=res.examples)
