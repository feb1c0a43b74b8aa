"""The report's queries section: per query same / different / error, with both SQL texts.

    summary["queries"] = queries_section(records, results)   # summary.json
    page_extra += queries_html(summary["queries"])           # index.html
"""

from __future__ import annotations

import json
from dataclasses import asdict
from html import escape
from pathlib import Path

from .replay import QueryRecord

_SYMBOL = {"same": "✔ same", "different": "✘ different", "error": "✘ error", "untranslatable": "✘ untranslatable",
           "skipped": "– not run", "waived": "~ waived"}


def queries_section(records: dict[str, QueryRecord], results: list[dict]) -> list[dict]:
    """One entry per replayed query, in run order; a waived query says so."""
    status = {r["table"]: r["status"] for r in results if r.get("check") == "query"}
    out = []
    for name, rec in records.items():
        entry = asdict(rec)
        entry["test"] = status.get(name, "")
        if entry["test"] == "waived":
            entry["status"] = "waived"
        out.append(entry)
    return out


def queries_html(section: list[dict]) -> str:
    """An HTML section listing every query with its verdict and both SQL texts (empty when no queries ran)."""
    if not section:
        return ""
    rows = "".join(
        f'<tr class="q-{escape(q["status"])}"><td><code>{escape(q["name"])}</code></td>'
        f'<td>{escape(_SYMBOL.get(q["status"], q["status"]))}</td><td>{escape(q["summary"])}'
        f'<details><summary>SQL</summary><p>SQLite</p><pre>{escape(q["sqlite"])}</pre><p>PostgreSQL '
        f'(translated)</p><pre>{escape(q["postgresql"])}</pre></details></td></tr>' for q in section)
    same = sum(q["status"] in ("same", "skipped") for q in section)
    return (f'<h2 id="queries">Application queries</h2><p>{same} of {len(section)} give the same answers on both '
            f'sides.</p><table class="queries"><thead><tr><th>query</th><th>verdict</th><th>what the application '
            f'would see</th></tr></thead><tbody>{rows}</tbody></table>')


def write_queries_json(section: list[dict], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "queries.json"
    path.write_text(json.dumps({"queries": section}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
