"""Benchmark: does content verification scale linearly, with memory bounded (10 M rows under 1 GB)?

    python bench/bench_scale.py --rows 1000000 5000000 10000000 --pg postgresql://postgres@127.0.0.1/postgres

For each size a SQLite table of the shipped_items shape (int key, int, text, real, 0/1 boolean, text
timestamp with microseconds, nullable unicode text) is generated inside SQLite, copied with
migrate.py, and compared with compare_content() in a fresh process: wall time and peak RSS.
Writes bench/results/scale.md.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, fresh_db, parser  # noqa: E402

TABLE = """
DROP TABLE IF EXISTS items;
CREATE TABLE items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, sku TEXT NOT NULL, unit_price REAL,
                    is_gift BOOLEAN NOT NULL, shipped_at DATETIME, note TEXT);
"""
FILL = """
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})
INSERT INTO items SELECT i, abs(random()) % 250000, 'SKU-' || printf('%05d', abs(random()) % 5000),
  CASE WHEN i % 50 THEN (abs(random()) % 2000000) / 9973.0 END, abs(random()) % 10 = 0,
  strftime('%Y-%m-%d %H:%M:%f', 1704067200 + abs(random()) % 31536000, 'unixepoch') || '123',
  CASE WHEN i % 3 = 0 THEN 'note ü ' || i END FROM s
"""
ENGINE = """
import sys, time
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
from pgparity.verify.content import compare_content
cmp = Comparison(sys.argv[1], sys.argv[2], Settings())
t0 = time.perf_counter()
r = compare_content(cmp, cmp.table("items"))
print(time.perf_counter() - t0, r.ok)
"""


def main() -> int:
    args = parser(__doc__, "scale.md", rows=[1_000_000, 5_000_000, 10_000_000]).parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    lines = [f"# Content verification at scale — shipped_items shape, {', '.join(f'{n:,}' for n in args.rows)} rows",
             "", f"Command: `python bench/bench_scale.py --rows {' '.join(map(str, args.rows))} --pg <url>`  ",
             f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}", "",
             "| rows | engine s | s per million rows | peak RSS MiB | clean |", "|---:|---:|---:|---:|---|"]
    for n in args.rows:
        db = work / f"scale_{n}.db"
        if not db.exists():
            con = sqlite3.connect(db)
            con.executescript(TABLE)
            con.execute(FILL.format(n=n))
            con.commit()
            con.close()
        url = fresh_db(args.pg, f"pgparity_bench_scale_{n}")
        subprocess.run([sys.executable, "migrate.py", str(db), "--pg", url, "-q", "--reports", str(work / "reports")],
                       check=True, cwd=ROOT)
        res = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-c", ENGINE, str(db), url],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        secs, ok = res.stdout.split()
        rss = int(res.stderr.strip().splitlines()[-1]) / 1024
        lines.append(f"| {n:,} | {float(secs):.2f} | {float(secs) / (n / 1e6):.2f} | {rss:.0f} | {ok} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
