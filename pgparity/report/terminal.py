"""The last lines of `pytest checks/`: where the report is, what did not run, and the verdict in one line."""

from __future__ import annotations

from pathlib import Path

from .html import LEAD_ORDER

LISTED = 6  # failing checks named in the verdict line


def shown(path: str | Path, base: Path) -> str:
    """A path relative to the project folder when it is inside it (as a user typed it), else absolute."""
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _names(cells: list[tuple[str, str]]) -> str:
    names = [f"{check}[{table}]" for check, table in cells[:LISTED]]
    more = f", … and {len(cells) - LISTED} more" if len(cells) > LISTED else ""
    return ", ".join(names) + more


def _cells(summary: dict, status: str) -> list[tuple[str, str]]:
    """(check, table) per cell with `status`, table by table, the check that explains the others first."""
    order = {c: i for i, c in enumerate(LEAD_ORDER)}
    cells = [(check, table) for table, checks in summary["tables"].items()
             for check, cell in checks.items() if cell["status"] == status]
    return sorted(cells, key=lambda c: (c[1], order.get(c[0], len(order)), c[0]))


def verdict_line(summary: dict) -> str:
    c, tables = summary["counts"], len(summary["tables"])
    if summary.get("kind") == "drift":
        return _drift_line(summary)
    if summary["verdict"] == "GO":
        skipped = f", {c['skipped']} skipped" if c["skipped"] else ""
        return f"pgparity: GO — {c['passed']} checks passed on {tables} tables ({c['waived']} waived{skipped})"
    failed, errors = _cells(summary, "failed"), _cells(summary, "error")
    if not failed and not errors:
        why = "interrupted" if any("interrupted" in n for n in summary.get("notes", [])) else "no check ran"
        return f"pgparity: NO-GO — {why} ({c['passed']} passed)"
    parts = [f"{len(failed)} failed: {_names(failed)}"] if failed else []
    parts += [f"{len(errors)} could not run: {_names(errors)}"] if errors else []
    return f"pgparity: NO-GO — {'; '.join(parts)} ({c['passed']} passed, {c['waived']} waived)"


def _drift_line(summary: dict) -> str:
    drifted = sorted({table for check, table in _cells(summary, "failed") + _cells(summary, "error")})
    drift = summary.get("drift") or {}
    if summary["verdict"] == "NO DRIFT":
        if drift.get("updated_baseline"):
            return f"pgparity: baseline written: {drift['baseline_shown']} ({drift.get('baseline_tables')} tables)"
        return f"pgparity: NO DRIFT — {len(summary['tables'])} tables hold their drift rules"
    unbased = sorted(t for t, v in (drift.get("tables") or {}).items()
                     if any("no baseline" in line for line in v.get("violations") or []))
    if unbased:
        return (f"pgparity: DRIFT — no baseline for {len(unbased)} of {len(summary['tables'])} tables: "
                f"create one with --update-baseline (written to {drift['baseline_shown']})")
    return f"pgparity: DRIFT — {len(drifted)} of {len(summary['tables'])} tables: {_list(drifted)}"


def _list(names: list[str]) -> str:
    more = f", … and {len(names) - LISTED} more" if len(names) > LISTED else ""
    return ", ".join(names[:LISTED]) + more


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def closing_lines(summary: dict, page: Path, base: Path) -> list[str]:
    lines = [f"pgparity report: {shown(page, base)} (summary.json and junit.xml beside it)"]
    not_run = summary.get("not_run") or {}
    drift = summary.get("drift") or {}
    if drift:
        drift["baseline_shown"] = shown(drift["baseline"], base)
    if not_run.get("drift"):
        lines.append(f"pgparity: {_n(not_run['drift'], 'drift check')} not run: they run only with -m drift "
                     "(nightly, against a baseline)")
    if not_run.get("not_applicable"):
        lines.append(f"pgparity: {_n(not_run['not_applicable'], 'check')} not applicable (no table they apply to)")
    if not_run.get("deselected"):
        lines.append(f"pgparity: {_n(not_run['deselected'], 'check')} deselected by -k/-m")
    if drift.get("updated_baseline") and summary["verdict"] != "NO DRIFT":
        lines.append(f"pgparity: baseline written: {shown(drift['baseline'], base)} "
                     f"({drift.get('baseline_tables')} tables)")
    partial = sorted(t for t, checks in summary["tables"].items()
                     if "not compared" in (checks.get("drift_live") or {}).get("summary", ""))
    if partial:
        lines.append(f"pgparity: --incremental live comparison read only rows past the baseline's max key in "
                     f"{len(partial)} table(s): an old row changed on one side only is not seen "
                     "(run without --incremental to compare every row)")
    lines.append(verdict_line(summary))
    return lines
