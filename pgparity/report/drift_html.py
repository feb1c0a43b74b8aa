"""The drift section of the report: per table a trend of row counts over the runs (inline SVG with a row
axis and a date axis), what changed since the baseline, and which rule broke."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, RUNS = 300, 90, 30
LEFT, BOTTOM, TOP, RIGHT = 58, 18, 6, 10  # room for the axes' labels


def trend(values: list[float], dates: list[str], broken: list[bool]) -> str:
    """An inline SVG chart of row counts (oldest first) with a row axis and a date axis; runs that broke a
    rule get a red dot, each dot says its date and count when hovered."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values) - 1, 1)
    pts = [(LEFT + i * step, TOP + plot_h - (v - lo) / span * plot_h) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{"#b3261e" if bad else "#1b7f3b"}">'
                   f"<title>{escape(d[:16])}: {v:,.0f} rows{' — rule broken' if bad else ''}</title></circle>"
                   for (x, y), v, d, bad in zip(pts, values, dates, broken))
    axis = (f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#5f6368"/>'
            f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#5f6368"/>'
            f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{hi:,.0f}</text>'
            f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">{lo:,.0f}</text>'
            f'<text x="{LEFT}" y="{HEIGHT - 3}">{escape(dates[0][:10])}</text>'
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 3}" text-anchor="end">{escape(dates[-1][:10])}</text>')
    return (f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-size="10" '
            f'font-family="system-ui,sans-serif" fill="#5f6368" aria-label="rows over the last {len(values)} runs, '
            f'{escape(dates[0][:10])} to {escape(dates[-1][:10])}: {values[0]:,.0f} to {values[-1]:,.0f}">'
            f'{axis}<polyline points="{line}" fill="none" stroke="#1d1d1f" stroke-width="1.5"/>{dots}</svg>')


def drift_section(drift: dict, history: list[dict]) -> str:
    rows = []
    for table, today in sorted(drift["tables"].items()):
        runs = [(h.get("at", ""), h["tables"][table]) for h in history[-RUNS:] if table in h.get("tables", {})]
        chart = trend([r.get("rows") or 0 for _, r in runs], [at for at, _ in runs],
                      [not r.get("ok", True) for _, r in runs])
        status = "✓ ok" if today["ok"] else "✗ DRIFT"
        cls = "c-passed" if today["ok"] else "c-failed"
        broke = "<br>".join(escape(v) for v in today.get("violations") or []) or "—"
        rows.append(f"<tr><td><code>{escape(table)}</code></td><td class='{cls}'>{status}</td>"
                    f"<td>{escape(today['summary'])}</td><td>{broke}</td><td>{chart}</td></tr>")
    note = (f"baseline written from this run: {drift['baseline']}" if drift.get("updated_baseline")
            else f"baseline: {drift['baseline']}")
    return ("<h2>Drift since the baseline</h2>"
            f"<p class='legend'>{escape(note)} · history: {escape(drift['history'])} ({len(history)} runs) · "
            "dots: green = rules held, red = a rule broke</p>"
            "<table><thead><tr><th>table</th><th>verdict</th><th>what changed</th><th>rule broken</th>"
            f"<th>rows over the last {RUNS} runs</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
