"""Benchmark: migrate.py against pgloader on the demo database (wall time, peak RSS, ratio).

    python bench/bench_migrate.py --rows 1000000 --pg postgresql://postgres@127.0.0.1/postgres

Each tool loads the same SQLite file into a fresh database; the script prints a Markdown table and
writes it, with the command and the machine, to bench/results/migrate.md.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, demo_db, fresh_db, parser  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of the child, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if res.returncode != 0:
        print(res.stdout[-2000:], res.stderr[-2000:], file=sys.stderr)
    return wall, max(peak, before) / 1024, res.returncode


def count_rows(url: str, table: str) -> int:
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        n = cur.fetchone()[0]
    conn.close()
    return n


def main() -> int:
    args = parser(__doc__, "migrate.md").parse_args()
    work = Path(args.work)
    db = demo_db(work, args.rows)
    rows = []
    url = fresh_db(args.pg, "pgparity_bench_ours")
    wall, rss, rc = timed([sys.executable, str(ROOT / "migrate.py"), str(db), "--pg", url, "-q",
                           "--reports", str(work / "reports")])
    rows.append(("pgparity migrate.py", wall, rss, rc, count_rows(url, "shipped_items") if rc == 0 else 0))
    pgloader = shutil.which("pgloader")
    if pgloader:
        url = fresh_db(args.pg, "pgparity_bench_pgloader")
        wall, rss, rc = timed([pgloader, "--quiet", str(db), url.split("?")[0]])
        rows.append(("pgloader " + _pgloader_version(pgloader), wall, rss, rc,
                     count_rows(url, "shipped_items") if rc == 0 else 0))
    ours = rows[0][1]
    lines = [f"# migrate.py vs pgloader — demo DB, {args.rows:,} shipped_items ({db.stat().st_size / 2**20:.0f} MiB,"
             f" {_total_rows(db):,} rows in 13 tables)", "",
             f"Command: `python bench/bench_migrate.py --rows {args.rows} --pg <url>`  ",
             f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL target "
             f"{_server_version(args.pg)}, {time.strftime('%Y-%m-%d')}", "",
             "| tool | wall s | peak RSS MiB | exit | shipped_items loaded | time vs migrate.py |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, wall, rss, rc, n in rows:
        lines.append(f"| {name} | {wall:.2f} | {rss:.0f} | {rc} | {n:,} | {wall / ours:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    return 0


def _pgloader_version(path: str) -> str:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    return out.split('"')[1] if '"' in out else ""


def _server_version(url: str) -> str:
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SHOW server_version")
        v = cur.fetchone()[0]
    conn.close()
    return v.split()[0]


def _total_rows(db: Path) -> int:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    total = sum(con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names)
    con.close()
    return total


if __name__ == "__main__":
    sys.exit(main())
