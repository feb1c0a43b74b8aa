"""Benchmark: migrate.py against pgloader, side by side on the demo database (wall, peak RSS, phases).

    python bench/bench_migrate.py --rows 1000000 --pg postgresql://postgres@127.0.0.1/postgres

Each tool loads the same SQLite file into a fresh database, `--repeat` times (default 3), the runs of the
two tools alternating so both see the same machine load; the median wall time of each is kept. Wall time
and peak RSS are measured per process (os.wait4 on that child alone, never a running maximum over
children). migrate.py's phase timings come from the manifest (reports/migration.json) of its median run.

pgloader is given the same job as migrate.py: schema, data, primary keys, indexes, foreign keys,
sequences, and ANALYZE (its command file is printed in the results). What each run produced is counted
in the target afterwards (rows, keys, FKs, indexes), so a tool that skipped work cannot look faster.
pgloader is a peer for the measurement only: without it the script measures migrate.py alone.

COPY BINARY against CSV is measured twice: the whole of migrate.py with binary off (PGPARITY_COPY_FORMAT=csv,
the same code sending every table as CSV), and PostgreSQL's own cost of COPY FROM for the largest table in
each format, the same rows streamed from files PostgreSQL wrote itself (server side only).

Cannot see: other machines, other table shapes (wide text, many small tables), network latency
between client and server (both run on this machine), or pgloader's tuning options beyond its defaults.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    PY,
    ROOT,
    Run,
    add_run_options,
    demo_db,
    drop_dbs,
    fresh_db,
    header,
    measure,
    median,
    parser,
    sqlite_tables,
)
from pgparity.load import COPY_FORMAT_ENV  # noqa: E402

PGLOADER_LOAD = """LOAD DATABASE
     FROM sqlite://{db}
     INTO {url}
 WITH include drop, create tables, create indexes, reset sequences, foreign keys
 AFTER LOAD DO $$ ANALYZE $$;
"""


def main() -> int:
    ap = parser(__doc__, "migrate.md")
    add_run_options(ap, 3)
    ap.add_argument("--sqlite", help="an existing demo file to load (default: built in the work folder)")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    work = Path(args.work)
    db = Path(args.sqlite) if args.sqlite else demo_db(work, args.rows)
    pgloader = shutil.which("pgloader")
    ours_db, peer_db = f"{args.db_prefix}_migrate", f"{args.db_prefix}_pgloader"
    ours: list[Run] = []
    csv: list[Run] = []
    peer: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            for runs, env in ((ours, {}), (csv, {COPY_FORMAT_ENV: "csv"})):
                reports = Path(tmp) / f"reports{i}{len(env)}"
                url = fresh_db(args.pg, ours_db)
                run = timed([PY, str(ROOT / "migrate.py"), str(db), "--pg", url, "-q", "--reports", str(reports)],
                            env=env)
                _check(run, "migrate.py")
                run.extra.update(manifest=json.loads((reports / "migration.json").read_text()), target=produced(url))
                runs.append(run)
            if pgloader:
                url = fresh_db(args.pg, peer_db)
                cmd_file = Path(tmp) / "demo.load"
                cmd_file.write_text(PGLOADER_LOAD.format(db=db.resolve(), url=url))
                run = timed([pgloader, "--quiet", str(cmd_file)])
                _check(run, "pgloader")
                run.extra.update(target=produced(url))
                peer.append(run)
        copy_formats = copy_format_costs(args.pg, ours_db, "shipped_items", args.repeat)
    if args.drop:
        drop_dbs(args.pg, [ours_db, peer_db])
    text = report(args, db, load_before, ours, csv, peer, pgloader, copy_formats)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    return 0


def timed(cmd: list[str], env: dict | None = None) -> Run:
    """`measure` (wall, the child's own peak RSS), plus the child's own CPU seconds, user + system: what
    RUSAGE_CHILDREN grows by when os.wait4 reaps that one child (nothing else is reaped meanwhile)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = measure(cmd, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.extra["cpu"] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return run


def _check(run: Run, tool: str) -> None:
    if run.rc != 0:
        raise SystemExit(f"{tool} failed (exit {run.rc}): {(run.err or run.out).strip()[-1500:]}")


def produced(url: str) -> dict:
    """What a run left in the target's public schema: tables, rows, keys, FKs, CHECKs, indexes, sequences."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'public' AND c.relkind = 'r'")
            tables = [r[0] for r in cur.fetchall()]
            rows = 0
            for t in tables:
                cur.execute(f'SELECT count(*) FROM public."{t}"')
                rows += cur.fetchone()[0]
            cur.execute("SELECT contype, count(*) FROM pg_constraint co JOIN pg_namespace n "
                        "ON n.oid = co.connamespace WHERE n.nspname = 'public' GROUP BY contype")
            kinds = dict(cur.fetchall())
            cur.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
            indexes = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM pg_sequences WHERE schemaname = 'public'")
            sequences = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = 'public' "
                        "AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)")
            analyzed = cur.fetchone()[0]
    finally:
        conn.close()
    return {"tables": len(tables), "rows": rows, "primary keys": kinds.get("p", 0),
            "unique constraints": kinds.get("u", 0), "foreign keys": kinds.get("f", 0),
            "checks": kinds.get("c", 0), "indexes": indexes, "sequences": sequences, "analyzed": analyzed}


def copy_format_costs(admin_url: str, db: str, table: str, repeat: int) -> dict[str, float]:
    """Seconds PostgreSQL spends in COPY FROM for `table`'s rows as CSV and as BINARY (median of
    `repeat`), the bytes streamed from files PostgreSQL itself wrote, into a fresh table rolled back."""
    from bench.common import with_db

    conn = psycopg2.connect(with_db(admin_url, db))
    out = {}
    try:
        with tempfile.TemporaryDirectory() as tmp, conn.cursor() as cur:
            for fmt in ("csv", "binary"):
                path = Path(tmp) / f"{table}.{fmt}"
                with path.open("wb") as fh:
                    cur.copy_expert(f'COPY public."{table}" TO STDOUT WITH (FORMAT {fmt})', fh)
                conn.commit()
                secs = []
                for _ in range(repeat):
                    cur.execute(f'CREATE TABLE bench_copy (LIKE public."{table}")')
                    with path.open("rb") as fh:
                        t0 = time.perf_counter()
                        cur.copy_expert(f"COPY bench_copy FROM STDIN WITH (FORMAT {fmt})", fh, size=1 << 23)
                        secs.append(time.perf_counter() - t0)
                    conn.rollback()
                out[fmt] = statistics.median(secs)
                out[f"{fmt}_mib"] = path.stat().st_size / 2**20
    finally:
        conn.close()
    return out


def report(args, db: Path, load_before: float, ours: list[Run], csv: list[Run], peer: list[Run],
           pgloader: str | None, copy_formats: dict[str, float]) -> str:
    tables = sqlite_tables(db)
    total = _source_rows(db, tables)
    notes = list(args.note)
    if not pgloader:
        notes.append("pgloader is not installed here: migrate.py measured alone (apt-get install pgloader)")
    size = db.stat().st_size / 2**20
    lines = header(f"migrate.py vs pgloader — demo DB, {args.rows:,} shipped_items ({size:.0f} MiB,"
                   f" {total:,} rows in {len(tables)} tables)",
                   f"python bench/bench_migrate.py --rows {args.rows} --pg <url>", notes, load_before, args.pg)
    mine = median(ours)
    rows = [("pgparity migrate.py", ours, mine),
            (f"migrate.py, every table as CSV ({COPY_FORMAT_ENV}=csv)", csv, median(csv))]
    if peer:
        rows.append((f"pgloader {_pgloader_version(pgloader)}", peer, median(peer)))
    lines += [f"Median of {args.repeat} runs per tool, alternating (migrate.py, migrate.py CSV-only, pgloader, "
              "migrate.py, ...), each into a fresh database. migrate.py sends a table as COPY BINARY when every "
              "column has an exact binary form, else as CSV; the CSV-only row is the same code with binary off.", "",
              "| tool | wall s (median) | all runs s | client CPU s | peak RSS MiB | rows loaded | "
              "PK / UNIQUE / FK / CHECK | indexes | sequences | tables analyzed | wall vs pgloader (medians) | "
              "wall vs pgloader, per round (median) |",
              "|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    base = median(peer).wall if peer else None
    for name, runs, run in rows:
        t = run.extra["target"]
        ratio = f"{run.wall / base:.2f}x" if base else "-"
        rounds = [mine.wall / theirs.wall for mine, theirs in zip(runs, peer)]
        paired = f"{statistics.median(rounds):.2f}x ({', '.join(f'{r:.2f}' for r in rounds)})" if rounds else "-"
        lines.append(f"| {name} | {run.wall:.2f} | {', '.join(f'{r.wall:.2f}' for r in runs)} | "
                     f"{run.extra['cpu']:.2f} | {run.rss_mib:.0f} | "
                     f"{t['rows']:,} | {t['primary keys']} / {t['unique constraints']} / {t['foreign keys']} / "
                     f"{t['checks']} | {t['indexes']} | {t['sequences']} | {t['analyzed']} | {ratio} | {paired} |")
    lines += ["", "Peak RSS: the process's own maximum resident set (ru_maxrss from os.wait4 on that child). "
              "Client CPU: that process's user + system seconds (of the median run); PostgreSQL's own work (parsing "
              "COPY, building indexes, checking FKs, ANALYZE) runs in its server processes and is in neither "
              "tool's CPU figure, only in the wall time. On a machine shared with other work, wall times vary "
              "from run to run; CPU seconds much less. Per round: each tool's run divided by the pgloader run of "
              "the same round (the runs of one round follow each other, so they share the machine's load).",
              "pgloader makes UNIQUE indexes where migrate.py makes UNIQUE constraints (both counted under "
              "indexes) and does not carry SQLite's CHECKs or views; migrate.py also checks FK orphans, NUL and "
              "UTF-8 before writing, and everything runs in one transaction.", ""]
    lines += _phases(mine.extra["manifest"], median(csv).extra["manifest"])
    if copy_formats:
        lines += ["", "## COPY format, PostgreSQL's side (shipped_items)", "",
                  "| format | COPY FROM s (median) | bytes streamed MiB |", "|---|---:|---:|",
                  f"| CSV | {copy_formats['csv']:.2f} | {copy_formats['csv_mib']:.0f} |",
                  f"| BINARY | {copy_formats['binary']:.2f} | {copy_formats['binary_mib']:.0f} |", "",
                  "Server side only, from files PostgreSQL wrote with COPY TO: the client's cost of producing each "
                  "format is not in these figures."]
    if peer:
        lines += ["", "pgloader command file (paths filled in per run):", "", "```",
                  PGLOADER_LOAD.format(db="/path/demo.db", url="postgresql://.../pgparity_bench_pgloader").strip(),
                  "```"]
    return "\n".join(lines) + "\n"


def _phases(manifest: dict, csv: dict) -> list[str]:
    """migrate.py's phases from the manifests of its median runs (as shipped, and CSV only); COPY per table."""
    lines = ["## migrate.py phases (manifests of the median runs)", "",
             "| phase | seconds | seconds, CSV only |", "|---|---:|---:|"]
    lines += [f"| {name} | {secs:.2f} | {csv.get('phases', {}).get(name, 0):.2f} |"
              for name, secs in manifest.get("phases", {}).items()]
    other = {t["table"]: t for t in csv["tables"]}
    lines += ["", "| COPY of table | rows | format | seconds | seconds, CSV only |", "|---|---:|---|---:|---:|"]
    lines += [f"| {t['table']} | {t['rows_written']:,} | {t.get('copy_format', 'csv')} | {t['seconds']:.2f} | "
              f"{other[t['table']]['seconds']:.2f} |"
              for t in sorted(manifest["tables"], key=lambda t: -t["rows_written"])[:6]]
    lines += ["", f"Whole run as the manifest times it: {manifest['seconds']:.2f} s (process start and imports are "
              "outside it)."]
    return lines


def _source_rows(db: Path, tables: list[str]) -> int:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total = sum(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
    con.close()
    return total


def _pgloader_version(path: str | None) -> str:
    if not path:
        return ""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    return out.split('"')[1] if '"' in out else out.split()[-1] if out.split() else ""


if __name__ == "__main__":
    sys.exit(main())
