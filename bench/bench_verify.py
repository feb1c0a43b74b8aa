"""Benchmark: the full `pytest checks/` (what users run) against the raw read floor measured in the same run.

    .venv/bin/python bench/bench_verify.py            # 1 M rows, median of 3, reladiff as the peer
    .venv/bin/python bench/bench_verify.py --quick    # 2 000 rows, once, no peer: a smoke run (seconds)

Databases (built once into bench/work/, reused while the SQLite file and migrate.py's code are unchanged):
  one   the demo's shipped_items alone, N rows x 7 columns (id, order_id, sku, unit_price, is_gift,
        shipped_at, note), copied by migrate.py into PostgreSQL; a second copy of it (CREATE DATABASE ...
        TEMPLATE) with 5 differing rows: order_id + 1 in 4 rows, sku changed in 1, ids at 1/6 .. 5/6 of the table
  demo  the demo database with N shipped_items (13 tables), copied by migrate.py
GX suites are made for each by `python -m pgparity.gx_suites` (as a user following the README has them).

Measured, each a fresh process (wall time from its start to its exit; peak RSS by wait4 on that process):
  floor   every row of every table read from both sides at once, one thread each, with the drivers the checks
          use (ADBC SQLite; ADBC PostgreSQL, which reads by COPY binary) into Arrow batches, nothing computed.
          Two figures: the process (interpreter start, driver imports, connections, reads) and the in-process
          read time (first connect to last batch). Every suite time is divided by both.
  suite   `pytest checks/ --sqlite F --pg URL --reports DIR --expectations DIR -q` (every marker but drift;
          no -m, no --table), plus --durations (output only) and -p no:cacheprovider (no .pytest_cache written).
          With 5 differences, the report's summary.json must name all 5 keys and their columns.
  peer    reladiff (in its own venv under bench/work/, installed on first use), PostgreSQL against PostgreSQL
          only (it cannot read SQLite): the clean copy against a second clean copy, then against the copy with
          5 differences; the thread count (-j 1/2/4) chosen once by one run of each, then the median of runs.
Each measurement is repeated --repeat times, interleaved (floor, suites, floor, ...), and the median kept.
Writes bench/results/verify.md and verify.json (all runs, --durations and per-check seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ROOT,
    Run,
    add_run_options,
    code_state,
    copy_db,
    demo_db,
    drop_dbs,
    durations,
    floor,
    gx_suites,
    header,
    measure,
    median,
    migrated,
    parser,
    single_table_db,
    sqlite_tables,
    suite,
)

TABLE = "shipped_items"
GOALS = {"one clean": 1.6, "one diff": 1.8}  # x the process floor, by case name without ", GX"
RELADIFF_THREADS = (1, 2, 4)


def damage(url: str, rows: int) -> list[tuple[int, str]]:
    """Change 5 rows spread over the table: order_id + 1 in four, sku in one. Returns the (id, column) pairs."""
    ids = [max(1, rows * k // 6) for k in range(1, 6)]
    changed = [(i, "order_id") for i in ids[:4]] + [(ids[4], "sku")]
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        for key, column in changed:
            new = "order_id + 1" if column == "order_id" else "sku || '~'"
            cur.execute(f"UPDATE {TABLE} SET {column} = {new} WHERE id = %s", (key,))
            if cur.rowcount != 1:
                raise SystemExit(f"damage: no row id={key} in {TABLE}")
    conn.close()
    return changed


def named(summary: dict, expected: list[tuple[int, str]]) -> tuple[bool, list[str]]:
    """Whether the content failure in summary.json names every expected (key, column); what it named."""
    reported: set[tuple[int, str]] = set()
    for failure in summary.get("failures", []):
        if failure.get("check") == "content" and failure.get("table") == TABLE:
            for row in failure.get("rows", []):
                key = row.get("key") or {}
                if "id" in key:
                    reported.add((int(key["id"]), str(row.get("column"))))
    return all(e in reported for e in expected), [f"id={k} {c}" for k, c in sorted(reported)]


# ---------------------------------------------------------------- the peer

def reladiff(work: Path, install: bool) -> Path | None:
    """reladiff's executable in its own venv under the work folder (its dependencies may clash with ours)."""
    venv = work / "reladiff-venv"
    exe = venv / "bin" / "reladiff"
    if not exe.exists() and install:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "reladiff[postgresql]"], check=True,
                       capture_output=True)
    return exe if exe.exists() else None


def reladiff_run(exe: Path, a: str, b: str, threads: int) -> Run:
    run = measure([str(exe), a, TABLE, b, TABLE, "-k", "id", "-c", "%", "-j", str(threads)])
    keys = sorted({int(k) for k in re.findall(r"^[-+] (\d+),", run.out, re.M)})
    error = next((ln.split(" - ", 1)[-1][:100] for ln in (run.out + run.err).splitlines() if "ERROR" in ln), "")
    run.extra = {"keys": keys, "error": error}
    return run


def reladiff_version(exe: Path) -> str:
    res = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    return (res.stdout or res.stderr).strip().split()[-1] if res.returncode == 0 else "?"


# ---------------------------------------------------------------- the run

@dataclass
class Case:
    """One `pytest checks/` measurement: which file against which copy, with or without GX suites."""

    name: str
    db: str  # "one" or "demo"
    url: str
    expectations: Path | None
    config: Path | None

    def run(self, inp: dict, reports: Path) -> Run:
        return suite(inp[self.db], self.url, reports, self.expectations, self.config)


def prepare(args, work: Path) -> dict:
    """The inputs: SQLite files, migrated copies (cached), the damaged copy, GX suites."""
    one, demo = single_table_db(work, args.rows), demo_db(work, args.rows)
    p = args.db_prefix
    one_url, one_reused = migrated(args.pg, one, f"{p}_one_{args.rows}", work)
    demo_url, demo_reused = migrated(args.pg, demo, f"{p}_demo_{args.rows}", work)
    diff_url = copy_db(args.pg, f"{p}_one_{args.rows}", f"{p}_one_{args.rows}_diff")
    inp = {"one": one, "demo": demo, "one_url": one_url, "demo_url": demo_url, "diff_url": diff_url,
           "changed": damage(diff_url, args.rows), "reused": {"one": one_reused, "demo": demo_reused},
           "tables": {"one": sqlite_tables(one), "demo": sqlite_tables(demo)}}
    demo_config = ROOT / "demo.pgparity.toml"  # `make demo`'s settings: the waived trigger the demo carries
    cases = []
    for gx in ("without", "with"):
        if args.gx in (gx, "both"):
            exp = {db: gx_suites(work, inp[db]) for db in ("one", "demo")} if gx == "with" else {}
            tag = ", GX" if gx == "with" else ""
            cases += [Case("one clean" + tag, "one", one_url, exp.get("one"), None),
                      Case("one diff" + tag, "one", diff_url, exp.get("one"), None),
                      Case("demo clean" + tag, "demo", demo_url, exp.get("demo"), demo_config)]
    inp["cases"] = cases
    return inp


def measure_all(args, work: Path, inp: dict) -> dict[str, list[Run]]:
    """Every measurement --repeat times, interleaved so the load of the machine falls on all alike."""
    runs: dict[str, list[Run]] = {"floor one": [], "floor demo": [], **{c.name: [] for c in inp["cases"]}}
    for i in range(args.repeat):
        for name in runs:
            if name.startswith("floor"):
                db = name.split()[1]
                run = floor(inp[db], inp[f"{db}_url"], inp["tables"][db])
            else:
                case = next(c for c in inp["cases"] if c.name == name)
                run = case.run(inp, work / "runs" / f"{name.replace(', ', '_').replace(' ', '_')}_{i}")
            runs[name].append(run)
            print(f"  {name:<16} run {i + 1}/{args.repeat}: {run.wall:6.2f} s  {run.rss_mib:5.0f} MiB"
                  + (f"  {run.extra.get('verdict')}" if "verdict" in run.extra else ""), flush=True)
    return runs


def measure_peer(args, work: Path, inp: dict) -> dict:
    exe = reladiff(work, install=True) if args.peer else None
    if exe is None:
        return {}
    twin = copy_db(args.pg, f"{args.db_prefix}_one_{args.rows}", f"{args.db_prefix}_one_{args.rows}_twin")
    calibration = {j: reladiff_run(exe, inp["one_url"], twin, j).wall for j in RELADIFF_THREADS}
    threads = min(calibration, key=calibration.get)
    clean = [reladiff_run(exe, inp["one_url"], twin, threads) for _ in range(args.repeat)]
    diff = [reladiff_run(exe, inp["one_url"], inp["diff_url"], threads) for _ in range(args.repeat)]
    return {"version": reladiff_version(exe), "threads": threads, "calibration": calibration,
            "clean": clean, "diff": diff}


def main() -> int:
    ap = parser(__doc__, "verify.md")
    add_run_options(ap, repeat=3)
    ap.add_argument("--quick", action="store_true", help="2 000 rows, one run, no GX suites, no peer (a smoke run)")
    ap.add_argument("--peer", action=argparse.BooleanOptionalAction, default=None,
                    help="measure reladiff (default: yes, except with --quick)")
    ap.add_argument("--gx", choices=["with", "without", "both"], default=None,
                    help="run the suite with GX suites made, without, or both (default both; --quick: without)")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.repeat = (2000 if args.rows == 1_000_000 else args.rows), 1
    args.peer = (not args.quick) if args.peer is None else args.peer
    args.gx = args.gx or ("without" if args.quick else "both")
    load, started = os.getloadavg()[0], code_state()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    inp = prepare(args, work)
    print(f"inputs ready in {time.perf_counter() - t0:.0f} s (migrated copies reused: {inp['reused']})", flush=True)
    runs = measure_all(args, work, inp)
    peer = measure_peer(args, work, inp)
    result = summarise(args, inp, runs, peer, started)
    write(args, result, load, started)
    if args.drop:
        names = [f"{args.db_prefix}_{k}_{args.rows}" for k in ("one", "demo")]
        drop_dbs(args.pg, names + [f"{names[0]}_diff", f"{names[0]}_twin"])
        for n in names:
            (work / f"{n}.migrated").unlink(missing_ok=True)
    return 0 if result["ok"] else 1


def _row(run: Run) -> dict:
    return {"wall_s": round(run.wall, 3), "rss_mib": round(run.rss_mib), "tree_mib": round(run.tree_mib),
            "rc": run.rc}


def summarise(args, inp: dict, runs: dict[str, list[Run]], peer: dict, started: tuple) -> dict:
    floors = {}
    for db in ("one", "demo"):
        rs = runs[f"floor {db}"]
        m = median(rs)
        read = sorted(r.extra["read_s"] for r in rs)[(len(rs) - 1) // 2]
        floors[db] = {"process_s": m.wall, "read_s": read, "rss_mib": m.rss_mib, "rows": m.extra["rows"],
                      "runs": [_row(r) | {"read_s": round(r.extra["read_s"], 3)} for r in rs]}
    cases, ok = {}, True
    for case in inp["cases"]:
        rs = runs[case.name]
        m = median(rs)
        fl, s = floors[case.db], m.extra
        entry = {"wall_s": m.wall, "rss_mib": m.rss_mib, "tree_mib": m.tree_mib, "verdict": s.get("verdict"),
                 "counts": s.get("counts"), "x_process_floor": m.wall / fl["process_s"],
                 "x_read_floor": m.wall / fl["read_s"], "gx": case.expectations is not None,
                 "runs": [_row(r) | {"verdict": r.extra.get("verdict")} for r in rs], "durations": durations(m.out),
                 "check_seconds": {f"{t}.{c}": v.get("seconds") for t, checks in s.get("tables", {}).items()
                                   for c, v in checks.items()},
                 "failed": [f"{f.get('check')}[{f.get('table')}]" for f in s.get("failures", [])]}
        base = case.name.split(",")[0]
        if base in GOALS:
            entry["goal_x"] = GOALS[base]
        if base == "one diff":
            entry["all_named"], entry["named"] = named(s, inp["changed"])
            entry["expected"] = [f"id={k} {c}" for k, c in inp["changed"]]
            ok = ok and entry["all_named"] and all(r.extra.get("verdict") == "NO-GO" for r in rs)
        else:
            ok = ok and all(r.extra.get("verdict") == "GO" for r in rs)
        cases[case.name] = entry
    head, dirty = started
    out = {"rows": args.rows, "repeat": args.repeat, "statistic": "median", "commit": head, "dirty": dirty,
           "floors": floors, "suites": cases, "ok": ok, "inputs_reused": inp["reused"]}
    if peer:
        out["reladiff"] = {"version": peer["version"], "threads": peer["threads"],
                           "calibration_s": {str(j): round(s, 3) for j, s in peer["calibration"].items()}}
        for kind in ("clean", "diff"):
            m = median(peer[kind])
            out["reladiff"][kind] = {"wall_s": m.wall, "rss_mib": m.rss_mib, "keys": m.extra["keys"],
                                     "error": m.extra["error"], "runs": [_row(r) for r in peer[kind]]}
    return out


LABELS = {"one clean": "one, clean", "one diff": "one, 5 differing rows", "demo clean": "demo (13 tables), clean"}


def write(args, r: dict, load: float, started: tuple) -> None:
    n = f"{args.rows:,}"
    cmd = "python bench/bench_verify.py" + (" --quick" if args.quick else f" --rows {args.rows} --repeat {args.repeat}")
    lines = header(f"`pytest checks/` (the full suite) against the raw read floor — {n} rows", cmd, args.note,
                   load, args.pg, started)
    fo, fd = r["floors"]["one"], r["floors"]["demo"]
    lines += [
        f"Median of {args.repeat} run(s) each, interleaved. Every time is a fresh process, start to exit, timed by "
        "the parent; peak RSS is that process's own (wait4).", "",
        "**Floor** = every row of every table read from SQLite and PostgreSQL at once (one thread per side) with "
        "the drivers the checks use (ADBC SQLite; ADBC PostgreSQL = COPY binary) into Arrow, nothing computed. "
        "*process* = a fresh Python process doing only that (start, imports, connect, read); *read* = the same "
        "process's read time alone. The suite's ratio to both is shown; the goal is judged on the process floor "
        "(both sides of the ratio then include a process start).", "",
        "| database | floor process s | floor read s | floor peak RSS MiB |", "|---|---:|---:|---:|",
        f"| one: shipped_items alone, {n} x 7 | {fo['process_s']:.2f} | {fo['read_s']:.2f} | {fo['rss_mib']:.0f} |",
        f"| demo: 13 tables, {n} shipped_items ({sum(fd['rows'].values()) // 2:,} rows per side) | "
        f"{fd['process_s']:.2f} | {fd['read_s']:.2f} | {fd['rss_mib']:.0f} |", "",
        "`pytest checks/` (every marker but drift, no -m, no --table), process start included. *GX*: with the "
        "suites `python -m pgparity.gx_suites` makes (the expectations check runs); without them it does not. "
        "The demo runs with `--pgparity-config demo.pgparity.toml` (`make demo`'s settings: its trigger waived).", "",
        "*in checks* = the sum of the per-check seconds in summary.json; the rest of the wall time is process "
        "start, imports, collection, pairing and report writing.", "",
        "| case | s | in checks s | x floor (process) | x floor (read) | goal | peak RSS MiB | verdict |",
        "|---|---:|---:|---:|---:|---|---:|---|"]
    for name, s in r["suites"].items():
        base, gx = name.split(",")[0], ", with GX suites" if s["gx"] else ""
        goal = ""
        if "goal_x" in s:
            goal = f"<= {s['goal_x']}x: {'met' if s['x_process_floor'] <= s['goal_x'] else '**not met**'}"
        rss = f"{s['rss_mib']:.0f}" + (f" (tree {s['tree_mib']:.0f})" if s["tree_mib"] else "")
        in_checks = sum(v or 0 for v in s["check_seconds"].values())
        lines.append(f"| {LABELS[base]}{gx} | {s['wall_s']:.2f} | {in_checks:.2f} | {s['x_process_floor']:.2f}x | "
                     f"{s['x_read_floor']:.2f}x | {goal} | {rss} | {s['verdict']} |")
    for name, d in r["suites"].items():
        if name.startswith("one diff"):
            verdict = "all 5 keys and columns named" if d["all_named"] else "NOT all named"
            lines += ["", f"{name}: differences made {', '.join(d['expected'])}; named in summary.json's content "
                      f"failure: {', '.join(d['named']) or 'none'} — **{verdict}**. Failing checks: "
                      f"{', '.join(d['failed'])}."]
    lines.append("")
    if "reladiff" in r:
        p = r["reladiff"]
        lines += [f"**Peer: reladiff {p['version']}**, PostgreSQL against PostgreSQL only (it cannot read SQLite): "
                  f"the clean copy of *one* against a second copy of it; -j {p['threads']} (fastest of "
                  f"{', '.join(f'-j {j}: {s:.2f} s' for j, s in p['calibration_s'].items())}), median of "
                  f"{args.repeat}.", "", "| reladiff | s | x floor (process, one) | peak RSS MiB | keys reported |",
                  "|---|---:|---:|---:|---|"]
        for kind in ("clean", "diff"):
            q = p[kind]
            keys = ", ".join(map(str, q["keys"])) or "none"
            error = f" (error: {q['error']})" if q["error"] else ""
            lines.append(f"| {'clean' if kind == 'clean' else '5 differing rows'} | {q['wall_s']:.2f} | "
                         f"{q['wall_s'] / fo['process_s']:.2f}x | {q['rss_mib']:.0f} | {keys}{error} "
                         "(whole rows printed, columns not named) |")
        lines.append("")
    lines += ["## Where the time goes (`--durations` of the median run; per-check seconds in verify.json)", "",
              "Where the checks share one scan per table, the scan's time lands on the first test that asks for its "
              "facts, so that test's duration is mostly the scan.", ""]
    for name, s in r["suites"].items():
        lines += [f"{name}:", "```", *(s["durations"] or ["(none)"]), "```"]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(r, indent=1, default=str) + "\n")


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
