"""Benchmark: the full `pytest checks/` at 1 M and 10 M rows: is the time linear, is memory bounded (< 1 GB)?

    .venv/bin/python bench/bench_scale.py             # 1 M and 10 M rows, median of 3
    .venv/bin/python bench/bench_scale.py --quick     # 2 000 and 20 000 rows, once (a smoke run)

For each size, a SQLite table of the demo's shipped_items shape (id, order_id, sku, unit_price with every 50th
NULL, is_gift 0/1, shipped_at as text with microseconds, note on every third row, unique and non-ASCII) is
generated inside SQLite, copied by migrate.py, and both are kept in bench/work/ (reused while the file and
migrate.py's code are unchanged: building and migrating 10 M rows takes minutes). Distinct values grow with
the size (id, note, most timestamps and prices), so a distinct count cannot stay small by repetition.

Measured at each size, each a fresh process, interleaved, median of --repeat: the raw read floor (as in
bench_verify.py: both sides at once, same drivers, nothing computed) and `pytest checks/` (every marker but
drift; no GX suites unless --gx). Peak RSS is each process's own (wait4). Writes bench/results/scale.md.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ROOT,
    SHIPPED_ITEMS,
    add_run_options,
    code_state,
    drop_dbs,
    floor,
    gx_suites,
    header,
    median,
    migrated,
    parser,
    suite,
)

TABLE = "shipped_items"
RSS_LIMIT_MIB = 1024
FILL = """
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})
INSERT INTO shipped_items SELECT i, 1 + abs(random()) % ({n} / 4 + 1), 'SKU-' || printf('%05d', abs(random()) % 5000),
  CASE WHEN i % 50 THEN (abs(random()) % 20000000) / 99991.0 END, abs(random()) % 10 = 0,
  strftime('%Y-%m-%d %H:%M:%f', 1704067200 + abs(random()) % 31536000, 'unixepoch') || printf('%03d', i % 1000),
  CASE WHEN i % 3 = 0 THEN 'note ü ' || i END FROM s
"""


def generated_db(work: Path, rows: int) -> Path:
    """shipped_items with `rows` rows generated inside SQLite, kept in the work folder."""
    db = work / f"scale_{rows}.db"
    if not db.exists():
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(tmp)
        con.execute(SHIPPED_ITEMS)
        con.execute(FILL.format(n=rows))
        con.commit()
        con.close()
        tmp.rename(db)
    return db


def main() -> int:
    ap = parser(__doc__, "scale.md", rows=[1_000_000, 10_000_000])
    add_run_options(ap, repeat=3)
    ap.add_argument("--quick", action="store_true", help="2 000 and 20 000 rows, one run (a smoke run)")
    ap.add_argument("--gx", action="store_true", help="make GX suites, so the expectations check runs too")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.repeat = [2000, 20000], 1
    load, started = os.getloadavg()[0], code_state()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for n in args.rows:
        t0 = time.perf_counter()
        db = generated_db(work, n)
        url, reused = migrated(args.pg, db, f"{args.db_prefix}_scale_{n}", work)
        inputs[n] = (db, url, gx_suites(work, db) if args.gx else None)
        print(f"{n:,} rows ready in {time.perf_counter() - t0:.0f} s (migrated copy reused: {reused})", flush=True)
    runs: dict[int, dict[str, list]] = {n: {"floor": [], "suite": []} for n in args.rows}
    for i in range(args.repeat):
        for n, (db, url, exp) in inputs.items():
            runs[n]["floor"].append(floor(db, url, [TABLE]))
            runs[n]["suite"].append(suite(db, url, work / "runs" / f"scale_{n}_{i}", exp))
            print(f"  {n:>11,} run {i + 1}: floor {runs[n]['floor'][-1].wall:.2f} s, "
                  f"suite {runs[n]['suite'][-1].wall:.2f} s {runs[n]['suite'][-1].rss_mib:.0f} MiB", flush=True)
    ok = write(args, runs, load, started)
    if args.drop:
        drop_dbs(args.pg, [f"{args.db_prefix}_scale_{n}" for n in args.rows])
        for n in args.rows:
            (work / f"{args.db_prefix}_scale_{n}.migrated").unlink(missing_ok=True)
    return 0 if ok else 1


def marginal(walls: dict[int, tuple[float, float]], which: int) -> float:
    """Seconds per further million rows from the smallest size to the largest (the fixed cost cancels)."""
    small, big = min(walls), max(walls)
    return (walls[big][which] - walls[small][which]) / ((big - small) / 1e6)


def write(args, runs: dict, load: float, started: tuple) -> bool:
    sizes = " ".join(map(str, args.rows))
    cmd = "python bench/bench_scale.py" + (" --quick" if args.quick else f" --rows {sizes} --repeat {args.repeat}")
    lines = header(f"`pytest checks/` at scale — shipped_items shape, {', '.join(f'{n:,}' for n in args.rows)} rows",
                   cmd, args.note, load, args.pg, started)
    lines += [f"Median of {args.repeat} run(s), each a fresh process timed start to exit; peak RSS is that "
              f"process's own (wait4). Suite: `pytest checks/` (every marker but drift), "
              f"{'with' if args.gx else 'without'} GX suites. Floor: both sides read at once, same drivers "
              "(ADBC), nothing computed (see verify.md).", "",
              "| rows | floor process s | floor read s | suite s | suite s per million rows | x floor (process) "
              "| suite peak RSS MiB | verdict |", "|---:|---:|---:|---:|---:|---:|---:|---|"]
    per_m, walls, ok = {}, {}, True
    for n, r in runs.items():
        f, s = median(r["floor"]), median(r["suite"])
        walls[n] = (f.wall, s.wall)
        read = sorted(x.extra["read_s"] for x in r["floor"])[(len(r["floor"]) - 1) // 2]
        per_m[n] = s.wall / (n / 1e6)
        peak = max(x.rss_mib for x in r["suite"])
        verdicts = {x.extra.get("verdict") for x in r["suite"]}
        ok = ok and verdicts == {"GO"}
        rss = f"{peak:.0f}" + (f" (tree {s.tree_mib:.0f})" if s.tree_mib else "")
        lines.append(f"| {n:,} | {f.wall:.2f} | {read:.2f} | {s.wall:.2f} | {per_m[n]:.2f} | "
                     f"{s.wall / f.wall:.2f}x | {rss} | {'/'.join(sorted(map(str, verdicts)))} |")
    small, big = min(per_m), max(per_m)
    peak_big = max(x.rss_mib for x in runs[big]["suite"])
    under = "under" if peak_big < RSS_LIMIT_MIB else "**not under**"
    lines += ["", f"Time per million rows at {big:,} / at {small:,}: {per_m[big] / per_m[small]:.2f} "
              "(1.00 = linear; below 1, the fixed cost of process start and imports is spread thinner).  ",
              f"Each further million rows ({small:,} to {big:,}): suite {marginal(walls, 1):.2f} s, floor "
              f"{marginal(walls, 0):.2f} s — {marginal(walls, 1) / marginal(walls, 0):.2f}x the floor's.  ",
              f"Peak RSS at {big:,} rows: {peak_big:.0f} MiB — "
              f"{under} {RSS_LIMIT_MIB} MiB (the highest of the runs)."]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    return ok


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
