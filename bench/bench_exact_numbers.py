"""Benchmark: content verification of 1 M rows with decimal columns (exact decimal text) and a double.

    python bench/bench_exact_numbers.py --rows 1000000 --pg postgresql://postgres@127.0.0.1/postgres
    python bench/bench_exact_numbers.py ... --code /path/to/older/checkout   # the same, with another pgparity

The table: id, price NUMERIC(12,2) (reals with 2 decimals), qty DECIMAL(20,0) (integers), w REAL, name
TEXT, migrated by migrate.py. compare_content() runs in a fresh process (best of 3); process CPU seconds
are reported beside wall seconds because the machine is shared and wall time mostly measures the others.
Appends one line to bench/results/exact_numbers.md.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, fresh_db, parser  # noqa: E402

RUN = """
import sys, time
from pgparity.verify.content import compare_content
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
cmp = Comparison(sys.argv[1], sys.argv[2], Settings())
tp = cmp.table("items")
t0, c0 = time.perf_counter(), time.process_time()
res = compare_content(cmp, tp)
assert res.ok, res
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def build(path: Path, rows: int) -> None:
    if path.exists():
        return
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, price NUMERIC(12,2), qty DECIMAL(20,0), w REAL, "
                "name TEXT)")
    r = random.Random(1)
    con.executemany("INSERT INTO items VALUES (?,?,?,?,?)", ((i, round(r.random() * 10000, 2), r.randrange(10**6),
                                                               r.random(), f"n{i}") for i in range(1, rows + 1)))
    con.commit()
    con.close()


def main() -> None:
    ap = parser(__doc__, "exact_numbers.md")
    ap.add_argument("--code", default=str(ROOT), help="the checkout whose pgparity is measured")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"numbers_{args.rows}.db"
    build(db, args.rows)
    url = fresh_db(args.pg, "bench_numbers")
    subprocess.run([sys.executable, str(ROOT / "migrate.py"), str(db), "--pg", url, "--quiet"], check=True, cwd=ROOT)
    env = {**os.environ, "PYTHONPATH": args.code}
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", RUN, str(db), url], env=env, capture_output=True, text=True,
                             check=True, cwd="/")
        runs.append(tuple(float(x) for x in out.stdout.split()))
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    line = f"| {args.code} | {args.rows:,} | {wall:.2f} | {cpu:.2f} |\n"
    with open(args.out, "a") as fh:
        fh.write(line)
    print(line, end="")


if __name__ == "__main__":
    main()
