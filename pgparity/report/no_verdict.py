"""Reports that cannot be mistaken for a verdict: a run that stops before checking leaves none behind."""

from __future__ import annotations

from html import escape
from pathlib import Path

VERDICT_FILES = ("index.html", "summary.json", "junit.xml")


def clear_reports(out_dir: Path) -> None:
    """Remove the previous run's verdict files; this run writes them anew (or says why it could not)."""
    for name in VERDICT_FILES:
        (out_dir / name).unlink(missing_ok=True)


def write_no_verdict(out_dir: Path, reason: str) -> Path | None:
    """An index.html that says no check ran and why; the old summary.json and junit.xml are removed."""
    try:
        clear_reports(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        page = out_dir / "index.html"
        page.write_text("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>pgparity — no verdict"
                        "</title></head><body><main style='font:15px system-ui,sans-serif;max-width:900px;"
                        "margin:24px auto'><h1>pgparity: no verdict</h1><p>The last run stopped before any check "
                        f"ran:</p><pre>{escape(reason)}</pre><p>No summary.json or junit.xml was written.</p>"
                        "</main></body></html>", encoding="utf-8")
        return page
    except OSError:  # a reports folder that cannot be written: the usage error itself still reaches the user
        return None
