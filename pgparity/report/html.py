"""The cutover report as one self-contained HTML page: no external CSS, JS, font or image.

Verdict first, then the tables x checks matrix (symbol and word as well as colour, so it reads in
grayscale and in print), each failure with its differing rows, the type mapping, and run metadata.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

CHECK_ORDER = ["schema", "row_count", "content", "profiles", "foreign_keys", "booleans", "timestamps", "sequences",
               "text", "expectations", "drift", "drift_live"]
SYMBOL = {"passed": ("✓", "pass"), "failed": ("✗", "FAIL"), "waived": ("≈", "waived"), "error": ("!", "error"),
          "skipped": ("–", "skipped")}

CSS = """
:root{--ok:#1b7f3b;--bad:#b3261e;--warn:#8a5a00;--ink:#1d1d1f;--mute:#5f6368;--line:#d9d9de;--bg:#fafafa}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:36px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:22px 0 6px}.sub{color:var(--mute);margin:0 0 18px}
.verdict{display:flex;gap:18px;align-items:center;border:3px solid;border-radius:10px;padding:16px 22px;margin:8px 0 6px}
.verdict.go{border-color:var(--ok);background:#eef8f1}.verdict.nogo{border-color:var(--bad);background:#fdf0ef}
.verdict .word{font-size:34px;font-weight:800;letter-spacing:.04em}.go .word{color:var(--ok)}.nogo .word{color:var(--bad)}
.verdict .counts{font-size:15px}.verdict .counts b{font-size:18px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13.5px}
th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
.matrix td,.matrix th{text-align:center;white-space:nowrap}.matrix td:first-child,.matrix th:first-child{text-align:left}
.c-passed{background:#e7f4ea;color:var(--ok)}.c-failed{background:#fbe3e1;color:var(--bad);font-weight:700}
.c-waived{background:#fff4dc;color:var(--warn)}.c-error{background:#fbe3e1;color:var(--bad)}.c-skipped,.c-na{color:var(--mute)}
.matrix a{color:inherit}
.fail{border-left:4px solid var(--bad);padding:2px 0 2px 14px;margin:18px 0}
.fail.waived{border-left-color:var(--warn)}
.fail ul{margin:6px 0;padding-left:20px}.fail li{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-word}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
td.val{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-word;max-width:380px}
.meta td:first-child{width:200px;color:var(--mute)}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
.legend{color:var(--mute);font-size:13px}
.table-failures{margin:20px 0 28px}.table-failures>h3{font-size:16px}.fail h4{font-size:14.5px;margin:8px 0 4px}
details.follows{margin-left:18px}details.follows>summary{font-weight:500;color:var(--mute)}
@media print{main{max-width:none;padding:0}.verdict{break-inside:avoid}details{display:block}details>*{display:block}
 .fail{break-inside:avoid}a{text-decoration:none}}
"""


def _cell(cell: dict | None, anchor: str) -> str:
    if cell is None:
        return '<td class="c-na" title="not applicable">·</td>'
    status = cell["status"]
    sym, word = SYMBOL[status]
    label = f"{sym} {word}" if status != "failed" else f"{sym} {cell.get('findings') or ''} FAIL".replace("  ", " ")
    inner = f'<a href="#{anchor}">{escape(label)}</a>' if status in ("failed", "waived", "error") else escape(label)
    return f'<td class="c-{status}" title="{escape(cell.get("summary", ""))}">{inner}</td>'


def _anchor(table: str, check: str) -> str:
    return "f-" + "".join(ch if ch.isalnum() else "-" for ch in f"{check}-{table}")


def _matrix(s: dict) -> str:
    checks = [c for c in CHECK_ORDER if any(c in t for t in s["tables"].values())]
    checks += sorted({c for t in s["tables"].values() for c in t} - set(checks))
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in checks)
    rows = []
    for table in sorted(s["tables"]):
        cells = "".join(_cell(s["tables"][table].get(c), _anchor(table, c)) for c in checks)
        rows.append(f"<tr><td><code>{escape(table)}</code></td>{cells}</tr>")
    return (f'<table class="matrix"><thead><tr><th>table</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            '<p class="legend">✓ pass · ✗ N FAIL (N findings) · ≈ waived · ! error · · not applicable. '
            "Hover a cell for its summary; failing cells link to their details.</p>")


NUMERIC_TYPES = ("smallint", "integer", "bigint", "numeric", "real", "double precision", "decimal")
LOCATORS = ("rowid", "ctid")  # where a row without a primary key sits: not the row's data


def _value(v, numeric: bool = False) -> str:
    """A value as the database holds it: NULL, a number unquoted (in a numeric column), text quoted."""
    if v is None:
        return "<i>NULL</i>"
    if isinstance(v, (int, float)) or (numeric and isinstance(v, str) and _is_number(v)):
        return escape(str(v))
    return escape(repr(v) if isinstance(v, str) else str(v))


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _row_values(row: dict | None, numeric: set[str]) -> str:
    if not row:
        return "<i>—</i>"
    return "<br>".join(f"{escape(str(k))} = {_value(v, k in numeric)}" for k, v in row.items() if k not in LOCATORS)


def _key(key: dict, numeric: set[str]) -> str:
    if set(key) <= set(LOCATORS):  # a table without a primary key: say where, not as if it were data
        where = ", ".join(f"{'SQLite rowid' if k == 'rowid' else 'PostgreSQL ctid'} {v}" for k, v in key.items())
        return f"<span class='legend'>no primary key · {escape(where)}</span>"
    return "<br>".join(f"{escape(str(k))} = {_value(v, k in numeric)}" for k, v in key.items())


def _numeric_columns(s: dict, table: str) -> set[str]:
    cols = (s.get("rules") or {}).get(table) or {}
    return {c for c, r in cols.items() if (r.get("target") or "").startswith(NUMERIC_TYPES)}


def _diff_table(rows: list[dict], numeric: set[str]) -> str:
    body = []
    for r in rows:
        if r["kind"] == "changed":
            num = r["column"] in numeric
            src, tgt = _value(r["source"], num), _value(r["target"], num)
        else:
            src, tgt = _row_values(r["source"], numeric), _row_values(r["target"], numeric)
        body.append(f"<tr><td>{escape(r['kind'])}</td><td class='val'>{_key(r['key'], numeric)}</td>"
                    f"<td>{escape(r['column'] or '—')}</td><td class='val'>{src}</td><td class='val'>{tgt}</td></tr>")
    return ("<table><thead><tr><th>difference</th><th>key</th><th>column</th><th>SQLite</th>"
            f"<th>PostgreSQL</th></tr></thead><tbody>{''.join(body)}</tbody></table>")


def _failure(f: dict, numeric: set[str], heading: str = "h4") -> str:
    cls = "fail waived" if f["status"] == "waived" else "fail"
    title = f'{escape(f["check"].replace("_", " "))} · <code>{escape(f["table"])}</code>'
    parts = [f'<section class="{cls}" id="{_anchor(f["table"], f["check"])}"><{heading}>{title} — '
             f'{escape(f["status"])}</{heading}>', f"<p>{escape(f['message'])}</p>"]
    if f.get("waiver"):
        label = "Expired waiver" if "EXPIRED" in f["waiver"] else "Waiver"
        parts.append(f"<p><b>{label}:</b> {escape(f['waiver'])}</p>")
    if f.get("rows"):
        parts.append(_diff_table(f["rows"], numeric))
    elif f.get("lines"):
        parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in f["lines"]) + "</ul>")
    if f.get("more"):
        parts.append(f"<p class='legend'>… and {f['more']} more (see summary.json or raise --examples).</p>")
    if f.get("rules"):
        rules = "".join(f"<tr><td><code>{escape(c)}</code></td><td>{escape(r)}</td></tr>" for c, r in f["rules"].items())
        parts.append(f"<details><summary>normalisation rule per column</summary><table>{rules}</table></details>")
    parts.append("</section>")
    return "".join(parts)


# the exact rows lead; checks whose failure a content difference explains are shown as its consequences
LEAD_ORDER = ["content", "row_count", "schema", "foreign_keys", "sequences", "drift_live", "drift"]
FOLLOWS_CONTENT = {"row_count", "profiles", "expectations", "text", "booleans", "timestamps"}


def _table_failures(table: str, items: list[dict], numeric: set[str]) -> str:
    """One table's problems: the content diff first, then independent faults, then what follows from them."""
    order = {c: i for i, c in enumerate(LEAD_ORDER)}
    items = sorted(items, key=lambda f: order.get(f["check"], len(order)))
    content_failed = any(f["check"] == "content" and f["status"] == "failed" for f in items)
    lead = [f for f in items if not (content_failed and f["check"] in FOLLOWS_CONTENT and f["status"] == "failed")]
    follow = [f for f in items if f not in lead]
    parts = [f"<section class='table-failures'><h3><code>{escape(table)}</code> — {len(items)} failing "
             f"check{'s' if len(items) != 1 else ''}</h3>"]
    parts += [_failure(f, numeric) for f in lead]
    if follow:
        names = ", ".join(f["check"].replace("_", " ") for f in follow)
        parts.append(f"<details class='follows'><summary>What follows from the content difference above ({escape(names)}"
                     "): fix the rows and these pass too</summary>" + "".join(_failure(f, numeric) for f in follow)
                     + "</details>")
    parts.append("</section>")
    return "".join(parts)


def _failures(s: dict) -> str:
    by_table: dict[str, list[dict]] = {}
    for f in s["failures"]:
        by_table.setdefault(f["table"], []).append(f)
    return "".join(_table_failures(t, items, _numeric_columns(s, t)) for t, items in sorted(by_table.items()))


def _rules(s: dict) -> str:
    out = []
    for table in sorted(s["rules"]):
        rows = "".join(
            f"<tr><td><code>{escape(c)}</code></td><td><code>{escape(r['source'] or '(none)')}</code></td>"
            f"<td><code>{escape(r['target'] or 'missing')}</code></td><td>{escape(r['rule'] or '—')}</td>"
            f"<td>{escape(r['description'])}</td></tr>" for c, r in s["rules"][table].items())
        out.append(f"<details><summary><code>{escape(table)}</code> ({len(s['rules'][table])} columns)</summary>"
                   "<table><thead><tr><th>column</th><th>SQLite declared</th><th>PostgreSQL type</th><th>rule</th>"
                   f"<th>how values are compared</th></tr></thead><tbody>{rows}</tbody></table></details>")
    return "".join(out)


def _meta(s: dict) -> str:
    src, tgt = s["source"], s["target"]
    items = [("started", s["started_at"]), ("duration", f"{s['duration_s']} s"),
             ("SQLite file", src["path"]), ("size", f"{src['bytes']:,} bytes"), ("sha256", src["sha256"]),
             ("snapshot", src.get("snapshot_at", "")), ("PostgreSQL", tgt["url"]), ("schema", tgt["schema"]),
             ("server version", tgt.get("server_version", "")),
             ("settings", ", ".join(f"{k}={v}" for k, v in s.get("settings", {}).items())),
             ("versions", ", ".join(f"{k} {v}" for k, v in s["versions"].items()))]
    if s.get("not_compared"):
        items.append(("not compared", ", ".join(s["not_compared"])))
    rows = "".join(f"<tr><td>{escape(k)}</td><td class='mono'>{escape(str(v))}</td></tr>" for k, v in items)
    durations = sorted(((t, c, cell["seconds"]) for t, cs in s["tables"].items() for c, cell in cs.items()),
                       key=lambda x: -x[2])[:10]
    slow = "".join(f"<tr><td><code>{escape(t)}</code></td><td>{escape(c)}</td><td>{sec:.3f} s</td></tr>"
                   for t, c, sec in durations)
    return (f'<table class="meta">{rows}</table><details><summary>slowest checks</summary><table><thead><tr>'
            f"<th>table</th><th>check</th><th>duration</th></tr></thead><tbody>{slow}</tbody></table></details>")


def _gx_link(s: dict) -> str:
    if not s.get("gx_docs"):
        return ""
    return (f"<p>Great Expectations results (the <i>expectations</i> column) in GX Data Docs: "
            f"<a href=\"{escape(s['gx_docs'])}\">{escape(s['gx_docs'])}</a> (GX's own pages load assets from "
            "the internet; this page does not).</p>")


VERDICT_TEXT = {
    "GO": ("✓ GO", "go", "Every check passed or is waived: the copy may replace the source."),
    "NO-GO": ("✗ NO-GO", "nogo", "Do not cut over: the failures below must be fixed or waived."),
    "NO DRIFT": ("✓ NO DRIFT", "go", "Every table holds its drift rule since the baseline."),
    "DRIFT": ("✗ DRIFT", "nogo", "Tables changed in ways their drift rules do not allow, or have no baseline: see below."),
}


def _verdict(s: dict) -> str:
    c = s["counts"]
    word, cls, text = VERDICT_TEXT[s["verdict"]]
    notes = "".join(f"<br><span class='legend'>{escape(n)}</span>" for n in s.get("notes") or [])
    return (f'<div class="verdict {cls}"><div class="word">{word}</div>'
            f'<div class="counts"><b>{c["failed"]}</b> failed · <b>{c["waived"]}</b> waived · '
            f'<b>{c["passed"]}</b> passed · {c["error"]} errors · {c["skipped"]} skipped<br>{text}{notes}</div></div>')


def render(s: dict, extra_sections: str = "") -> str:
    """The whole page for a summary (see summary.py)."""
    drift = s.get("kind") == "drift"
    heading = "pgparity drift report" if drift else "pgparity cutover report"
    failures = _failures(s) or "<p>No failures.</p>"
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>pgparity — {escape(s['verdict'])}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{heading}</h1><p class='sub'>{escape(Path(s['source']['path']).name)} → "
            f"{escape(s['target']['url'])} (schema {escape(s['target']['schema'])}) · {escape(s['finished_at'])}</p>"
            f"{_verdict(s)}<h2>Tables × checks</h2>{_matrix(s)}{_gx_link(s)}<h2>Failures and waivers, by table</h2>"
            f"{failures}{extra_sections}<h2>Type mapping</h2>{_rules(s)}<h2>Run</h2>{_meta(s)}</main></body></html>")


def write_html(s: dict, out_dir: Path, extra_sections: str = "") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(render(s, extra_sections), encoding="utf-8")
    return path
