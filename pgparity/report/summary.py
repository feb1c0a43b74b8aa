"""The machine verdict of a check run: per table, per check, status, counts and durations."""

from __future__ import annotations

import json
import platform
import sqlite3
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .. import __version__
from ..server import redact
from ..source import file_sha256

FORMAT = "pgparity-summary/1"
STATUSES = ("passed", "failed", "waived", "error", "skipped")
DRIFT_CHECKS = ("drift", "drift_live")  # a run of only these is a drift report: DRIFT / NO DRIFT


def _versions() -> dict:
    out = {"pgparity": __version__, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in ("pytest", "pyarrow", "polars", "psycopg2-binary", "adbc-driver-sqlite", "adbc-driver-postgresql"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _row(d) -> dict:
    return {"kind": d.kind, "key": d.key, "column": d.column, "source": _plain(d.source), "target": _plain(d.target)}


def _plain(v):
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return str(v)


def build_summary(results: list[dict], cmp, started: datetime, finished: datetime, server_version: str,
                  sha256: str | None = None) -> dict:
    """`results`: one dict per check run with keys check, table, status, outcome (or None), seconds, reason."""
    tables: dict[str, dict] = {}
    failures = []
    counts = {s: 0 for s in STATUSES}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        o = r.get("outcome")
        cell = {"status": r["status"], "summary": o.summary if o else r.get("reason", ""),
                "seconds": round(r["seconds"], 3), "findings": (o.total if o and not o.ok else 0)}
        if r.get("reason") and r["status"] == "waived":
            cell["waiver"] = r["reason"]
        tables.setdefault(r["table"], {})[r["check"]] = cell
        if r["status"] in ("failed", "waived", "error") and (o or r.get("reason")):
            failures.append({"table": r["table"], "check": r["check"], "status": r["status"],
                             "message": o.summary if o else r.get("reason", ""), "lines": o.lines if o else [],
                             "findings": [{"column": f.column, "kind": f.kind, "key": f.key, "text": f.text}
                                          for f in (o.findings if o else [])],
                             "more": 0,
                             "rows": [_row(d) for d in (o.rows if o else [])],
                             "rules": o.rules if o else {}, "waiver": r.get("reason") or None})
    path = Path(cmp.source.path)
    rules = {t.name: {c.name: {"source": c.source.type or "", "target": c.target.type if c.target else None,
                               "rule": c.rule.name if c.rule else None,
                               "description": c.rule.description if c.rule else "column missing in PostgreSQL"}
                      for c in t.columns} for t in cmp.tables}
    clean = counts["failed"] == 0 and counts["error"] == 0
    kind = "drift" if results and all(r["check"] in DRIFT_CHECKS for r in results) else "parity"
    if kind == "drift":
        verdict = "NO DRIFT" if clean else "DRIFT"
    else:
        verdict = "GO" if clean and counts["passed"] + counts["waived"] else "NO-GO"
    return {
        "format": FORMAT,
        "kind": kind,
        "verdict": verdict,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 3),
        "source": {"path": str(path.resolve()), "sha256": sha256 or file_sha256(path), "bytes": path.stat().st_size,
                   "snapshot_at": cmp.source.snapshot_at},
        "target": {"url": redact(cmp.pg_url), "schema": cmp.settings.schema, "server_version": server_version},
        "settings": {"source_tz": cmp.settings.source_tz, "float_tolerance": cmp.settings.float_tolerance,
                     "nul_policy": cmp.settings.nul_policy, "examples": cmp.settings.examples},
        "versions": _versions(),
        "counts": counts,
        "tables": tables,
        "failures": failures,
        "rules": rules,
        "not_compared": [f"view {v}" for v in cmp.schema.views] + [f"trigger {t}" for t in cmp.schema.triggers],
    }


def write_summary(summary: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return path


SCHEMA = {
    "type": "object",
    "required": ["format", "verdict", "started_at", "finished_at", "duration_s", "source", "target", "versions",
                 "counts", "tables", "failures", "rules"],
    "properties": {
        "format": {"const": FORMAT},
        "kind": {"enum": ["parity", "drift"]},
        "verdict": {"enum": ["GO", "NO-GO", "DRIFT", "NO DRIFT"]},
        "counts": {"type": "object", "required": list(STATUSES)},
        "tables": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["status", "summary", "seconds", "findings"],
            "properties": {"status": {"enum": list(STATUSES)}}}}},
        "failures": {"type": "array", "items": {"type": "object", "required": ["table", "check", "status", "message",
                                                                               "lines", "rows", "findings"],
                                                "properties": {"findings": {"type": "array", "items": {
                                                    "type": "object", "required": ["column", "kind", "key", "text"],
                                                    "properties": {"column": {"type": ["string", "null"]},
                                                                   "kind": {"type": "string"},
                                                                   "key": {"type": ["string", "null"]},
                                                                   "text": {"type": "string"}}}}}}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "not_run": {"type": "object", "properties": {"drift": {"type": "integer"},
                                                     "not_applicable": {"type": "integer"},
                                                     "deselected": {"type": "integer"}}},
    },
}


def now() -> datetime:
    return datetime.now(UTC)
