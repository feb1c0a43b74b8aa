"""The migration as one library call: inspect -> plan -> preflight -> (backup) -> load -> manifest."""

from __future__ import annotations

import json
import platform
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from . import __version__, ddl
from .errors import RefusedError, SourceError
from .load import LoadOptions, LoadResult, Phases, Progress, load
from .plan import Plan, PlanOptions, make_plan
from .preflight import Finding, Policy, orphan_findings, run_preflight
from .profile import profile_and_run, row_estimate
from .schema import Schema, inspect_schema
from .server import redact
from .source import SqliteSource, file_sha256, sqlite_uri


@dataclass(frozen=True)
class MigrateOptions:
    plan: PlanOptions = PlanOptions()
    policy: Policy = Policy()
    drop_existing: bool = False
    data_only: bool = False
    truncate: bool = False
    tables: tuple[str, ...] = ()  # only these tables (all when empty)
    exclude: tuple[str, ...] = ()
    backup_dir: str | None = None
    interval_unit: str | None = None  # unit of integers going into interval columns: 'us' | 'ms' | 's'
    epoch_unit: str | None = None  # unit of integer epochs going into timestamp/date columns
    allow_stale_read: bool = False  # read with immutable=1 even when a WAL/hot journal would be missed


@dataclass
class Prepared:
    """Everything known before writing: the snapshot, schema, plan and preflight findings."""

    source: SqliteSource
    schema: Schema
    plan: Plan
    findings: list[Finding]
    profiles: dict = field(repr=False, default_factory=dict)
    units: dict = field(default_factory=dict)  # 'table.column' -> {'unit', 'evidence'} (--data-only)
    phases: dict = field(default_factory=dict)  # seconds of each step before the load: schema, profile, ...
    _sha256: dict = field(default_factory=dict, repr=False)  # the source file's hash, once `hash_source` ran

    def hash_source(self) -> None:
        """Start hashing the source file in a thread of its own (see `source_sha256`): the load calls it
        once every table is loaded, while PostgreSQL checks the constraints and the client waits."""
        if "thread" not in self._sha256:
            def work() -> None:
                try:
                    self._sha256["hex"] = file_sha256(self.source.path)
                except BaseException as exc:  # noqa: BLE001 - raised by source_sha256, in the caller's thread
                    self._sha256["error"] = exc
            self._sha256["thread"] = threading.Thread(target=work, daemon=True)
            self._sha256["thread"].start()

    def source_sha256(self) -> str:
        """The hex sha256 of the source file (hashed now, unless `hash_source` started it earlier)."""
        self.hash_source()
        self._sha256["thread"].join()
        if "error" in self._sha256:
            raise self._sha256["error"]
        return self._sha256["hex"]

    @property
    def refusals(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "refuse"]


def prepare(sqlite_path: str | Path | SqliteSource, opts: MigrateOptions, scan_utf8: bool = True) -> Prepared:
    """Open the source read-only (or take the one opened) and plan the migration (writes nothing anywhere).

    `scan_utf8=False`: the load validates text on its way instead of a separate read (see preflight).
    """
    src = sqlite_path if isinstance(sqlite_path, SqliteSource) else \
        SqliteSource.open(sqlite_path, opts.allow_stale_read)
    phases: dict[str, float] = {}
    clock = Phases(phases)
    try:
        with clock("schema"):
            schema = inspect_schema(src)
            _select_tables(schema, opts)
        with clock("read/profile"):  # the profile scans, and each table's FK orphan count on the same connections
            names = {t.name.lower(): t for t in schema.tables}
            checked = [t for t in schema.tables if t.foreign_keys]
            profiles, found = profile_and_run(src, schema.tables, [
                (row_estimate(src, t) * len(t.foreign_keys),
                 partial(orphan_findings, table=t, names=names, policy=opts.policy)) for t in checked])
            orphans = {t.name: [] for t in schema.tables} | {t.name: f for t, f in zip(checked, found)}
        with clock("plan"):
            plan = make_plan(schema, profiles, opts.plan)
        with clock("preflight"):
            findings = run_preflight(src, plan, opts.policy, profiles, scan_utf8, orphans)
    except BaseException:
        src.close()
        raise
    return Prepared(src, schema, plan, findings, profiles, phases=phases)


def _select_tables(schema: Schema, opts: MigrateOptions) -> None:
    names = {t.name.lower() for t in schema.tables}
    unknown = [n for n in (*opts.tables, *opts.exclude) if n.lower() not in names]
    if unknown:
        raise SourceError(f"no such table in the SQLite file: {', '.join(unknown)} "
                          f"(tables: {', '.join(sorted(t.name for t in schema.tables))})")
    keep = {n.lower() for n in opts.tables}
    drop = {n.lower() for n in opts.exclude}
    schema.tables = [t for t in schema.tables
                     if (not keep or t.name.lower() in keep) and t.name.lower() not in drop]


def dry_run_text(prep: Prepared, opts: MigrateOptions) -> str:
    """The plan as a person reads it: DDL, then per column the rule and why."""
    schema = prep.plan.options.schema
    lines = []
    for tp in prep.plan.tables:
        lines.append(f"-- {tp.name}: {tp.rows} rows")
        lines.append(ddl.create_table(tp, schema).sql + ";")
        for c in tp.columns:
            dev = f"  [DEVIATES: {c.deviation}]" if c.deviation else ""
            lines.append(f"--   {c.name}: {c.declared or '(none)'} -> {c.pg_type}  rule {c.rule}: {c.reason}{dev}")
        lines.extend(f"--   note: {n}" for n in tp.notes)
        lines.append("")
    for stmt in ddl.constraints(prep.plan) + ddl.foreign_keys(prep.plan, opts.policy.orphans == "not-valid"):
        lines.append((stmt.sql or f"-- not created: {stmt.what}") + (";" if stmt.sql else ""))
    if prep.plan.not_migrated:
        lines.append("")
        lines.extend(f"-- not migrated: {n}" for n in prep.plan.not_migrated)
    return "\n".join(lines)


def backup(src_path: Path, backup_dir: str, immutable: bool = False) -> Path:
    """A consistent copy of the SQLite file via SQLite's online backup API, read the way the source was
    (`immutable`). Both names are taken literally: the source through a quoted URI, the copy as a path."""
    out_dir = Path(backup_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = out_dir / f"{src_path.stem}.{stamp}{src_path.suffix or '.db'}"
    source = sqlite3.connect(sqlite_uri(src_path, immutable), uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return dest


def run(prep: Prepared, url: str, opts: MigrateOptions, progress: Progress | None = None) -> LoadResult:
    """Load the prepared plan (refusing first if preflight found what cannot be kept)."""
    if prep.refusals:
        raise RefusedError(f"preflight found {len(prep.refusals)} problem(s) PostgreSQL cannot keep; "
                           "nothing was written")
    if opts.data_only:
        from .dataonly import load_data_only

        return load_data_only(prep, url, opts, progress, phases=prep.phases)
    lopts = LoadOptions(drop_existing=opts.drop_existing, orphans=opts.policy.orphans, nul=opts.policy.nul,
                        bad_utf8=opts.policy.bad_utf8, source_tz=opts.plan.source_tz)
    return load(prep.source, prep.plan, url, lopts, progress, phases=prep.phases, after_copy=prep.hash_source)


def phase_lines(result: LoadResult) -> str:
    """The phase timings as printed after the table summary: one line per phase, COPY per table above."""
    width = max((len(name) for name in result.phases), default=0)
    lines = [f"{'phase'.ljust(width)}  seconds", f"{'-' * width}  -------"]
    lines += [f"{name.ljust(width)}  {secs:7.2f}" for name, secs in result.phases.items()]
    return "\n".join(lines)


def manifest(prep: Prepared, opts: MigrateOptions, result: LoadResult, url: str, server_kind: str,
             started: float) -> dict:
    """The record of a migration: source hash, target (no password), counts, plan, timings, versions."""
    from importlib.metadata import version

    path = prep.source.path
    hashed = time.monotonic()
    sha256 = prep.source_sha256()
    return {
        "format": "pgparity-migration/1",
        "source": {"path": str(path.resolve()), "sha256": sha256, "bytes": path.stat().st_size,
                   "snapshot_at": prep.source.snapshot_at, "immutable": prep.source.immutable,
                   "read_note": prep.source.read_note},
        "target": {"url": redact(url), "server": server_kind, "schema": prep.plan.options.schema},
        "options": {"source_tz": opts.plan.source_tz, "data_only": opts.data_only, **asdict(opts.policy),
                    "interval_unit": opts.interval_unit, "epoch_unit": opts.epoch_unit,
                    "allow_stale_read": opts.allow_stale_read},
        "units": prep.units,
        "tables": [asdict(t) for t in result.tables],
        "plan": {tp.name: {"pg_table": tp.pg_name, "primary_key": list(tp.primary_key), "notes": tp.notes,
                           "columns": [{"name": c.name, "pg_name": c.pg_name, "declared": c.declared,
                                        "pg_type": c.pg_type, "rule": c.rule, "reason": c.reason,
                                        "deviation": c.deviation, "notes": c.notes} for c in tp.columns]}
                 for tp in prep.plan.tables},
        "findings": [f.line() for f in prep.findings],
        "notes": result.notes,
        "not_migrated": prep.plan.not_migrated,
        "seconds": round(time.monotonic() - started, 3),
        # where the time went: schema, read/profile, plan, preflight, create tables, copy (per table in
        # "tables"), keys/indexes, checks/views/FKs, sequences, analyze (each table's right after its keys);
        # "manifest" is the wait for the source's hash (started once the last table was loaded)
        "phases": {**result.phases, "manifest": round(time.monotonic() - hashed, 3)},
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {"pgparity": __version__, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                     **{name: version(name) for name in ("psycopg2-binary", "pyarrow", "adbc-driver-sqlite")}},
    }


def write_manifest(data: dict, reports_dir: str | Path) -> Path:
    out = Path(reports_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "migration.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
