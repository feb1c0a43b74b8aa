"""The drift section of the report: per table a trend of row counts over the runs (inline SVG), what
changed since the baseline, and which rule broke."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, RUNS = 220, 36, 30


def sparkline(values: list[float], broken: list[bool]) -> str:
    """An inline SVG line of `values` (oldest first); runs that broke a rule get a marked dot."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1
    step = WIDTH / max(len(values) - 1, 1)
    pts = [(i * step, HEIGHT - 4 - (v - lo) / span * (HEIGHT - 8)) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{"#b3261e" if bad else "#1b7f3b"}">'
                   f"<title>{v:,.0f} rows{' — rule broken' if bad else ''}</title></circle>"
                   for (x, y), v, bad in zip(pts, values, broken))
    return (f'<svg width="{WIDTH + 8}" height="{HEIGHT}" viewBox="-4 0 {WIDTH + 8} {HEIGHT}" role="img" '
            f'aria-label="rows over the last {len(values)} runs: {values[0]:,.0f} to {values[-1]:,.0f}">'
            f'<polyline points="{line}" fill="none" stroke="#5f6368" stroke-width="1.5"/>{dots}</svg>')


def drift_section(drift: dict, history: list[dict]) -> str:
    rows = []
    for table, today in sorted(drift["tables"].items()):
        runs = [h["tables"][table] for h in history[-RUNS:] if table in h.get("tables", {})]
        trend = sparkline([r.get("rows") or 0 for r in runs], [not r.get("ok", True) for r in runs])
        status = "✓ ok" if today["ok"] else "✗ DRIFT"
        cls = "c-passed" if today["ok"] else "c-failed"
        broke = "<br>".join(escape(v) for v in today.get("violations") or []) or "—"
        rows.append(f"<tr><td><code>{escape(table)}</code></td><td class='{cls}'>{status}</td>"
                    f"<td>{escape(today['summary'])}</td><td>{broke}</td><td>{trend}</td></tr>")
    note = "baseline updated from this run" if drift.get("updated_baseline") else f"baseline: {drift['baseline']}"
    return ("<h2>Drift since the baseline</h2>"
            f"<p class='legend'>{escape(note)} · history: {escape(drift['history'])} ({len(history)} runs) · "
            "dots: green = rules held, red = a rule broke</p>"
            "<table><thead><tr><th>table</th><th>verdict</th><th>what changed</th><th>rule broken</th>"
            f"<th>rows over the last {RUNS} runs</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
