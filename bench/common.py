"""What the benchmarks share: options, cached inputs (SQLite files, migrated databases, GX suites), the raw
read floor, the `pytest checks/` command users run, and one child process measured (wall, peak RSS)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
SAMPLE_S = 0.1  # how often the process tree's resident memory is summed (only reported when it has children)

SHIPPED_ITEMS = """CREATE TABLE shipped_items (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, sku TEXT NOT NULL, unit_price REAL,
    is_gift BOOLEAN NOT NULL DEFAULT 0, shipped_at DATETIME, note TEXT)"""

# The raw read floor: every row of every table, both sides at once (one thread each), with the drivers the
# checks read with (ADBC SQLite, ADBC PostgreSQL: COPY binary into Arrow), nothing computed. Prints its
# in-process read time (connect to last batch) and the time its imports took; the caller times the process.
FLOOR = """
import json, sys, threading, time
t0 = time.perf_counter()
import adbc_driver_postgresql.dbapi as pg, adbc_driver_sqlite.dbapi as lite
t1 = time.perf_counter()
db, url, tables = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = {}
def read(side, connect):
    conn = connect()
    cur = conn.cursor()
    n = 0
    for t in tables:
        cur.execute('SELECT * FROM "' + t.replace('"', '""') + '"')
        n += sum(b.num_rows for b in cur.fetch_record_batch())
    cur.close()
    conn.close()
    rows[side] = n
sides = [threading.Thread(target=read, args=("sqlite", lambda: lite.connect("file:" + db + "?mode=ro"))),
         threading.Thread(target=read, args=("pg", lambda: pg.connect(url)))]
[t.start() for t in sides]
[t.join() for t in sides]
print(json.dumps({"read_s": time.perf_counter() - t1, "import_s": t1 - t0, "rows": rows}))
"""


def parser(doc: str, out_name: str, rows: list[int] | None = None) -> argparse.ArgumentParser:
    """--rows (one size, or several when `rows` gives their default), --pg, --work, --out."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if rows is None:
        ap.add_argument("--rows", type=int, default=1_000_000)
    else:
        ap.add_argument("--rows", type=int, nargs="+", default=rows)
    ap.add_argument("--pg", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1/postgres"))
    ap.add_argument("--work", default=str(ROOT / "bench" / "work"), help="cached inputs (default bench/work)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / out_name))
    return ap


def add_run_options(ap: argparse.ArgumentParser, repeat: int) -> None:
    """The options the suite benchmarks share: repetitions, database names, clean-up, a header note."""
    ap.add_argument("--repeat", type=int, default=repeat, help=f"runs per measurement, the median kept ({repeat})")
    ap.add_argument("--db-prefix", default="pgparity_bench", help="prefix of the PostgreSQL databases made")
    ap.add_argument("--drop", action="store_true", help="drop the databases made at the end (default: kept, "
                    "so the next run reuses the migrated copies)")
    ap.add_argument("--note", action="append", default=[], help="a line for the results header (repeat)")


# ---------------------------------------------------------------- inputs, cached under the work folder

def demo_db(work: str | Path, rows: int) -> Path:
    """The demo database with `rows` shipped_items, built once and kept in the work folder."""
    from pgparity.demo import build

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"demo_{rows}.db"
    if not db.exists():
        build(db, rows=rows)
    return db


def single_table_db(work: str | Path, rows: int) -> Path:
    """The demo's shipped_items alone (7 columns, no foreign key), copied out of the demo database."""
    db = Path(work) / f"one_{rows}.db"
    if not db.exists():
        demo = demo_db(work, rows)
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(tmp)
        con.execute("ATTACH ? AS demo", (str(demo),))
        con.execute(SHIPPED_ITEMS)
        con.execute("INSERT INTO shipped_items SELECT * FROM demo.shipped_items")
        con.commit()
        con.close()
        tmp.rename(db)
    return db


def sqlite_tables(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]
    con.close()
    return names


def gx_suites(work: Path, db: Path) -> Path:
    """The GX suites `python -m pgparity.gx_suites` makes for `db` (what a user following the README has),
    made again when the file is newer than them. Returns the expectations root to pass to pytest."""
    root = work / "expectations"
    made = root / db.stem
    if not made.is_dir() or made.stat().st_mtime < db.stat().st_mtime:
        subprocess.run([PY, "-m", "pgparity.gx_suites", str(db), "--out", str(root)], check=True, cwd=ROOT,
                       capture_output=True, text=True)
    return root


def with_db(url: str, db: str) -> str:
    head, _, query = url.partition("?")
    return head.rsplit("/", 1)[0] + "/" + db + (("?" + query) if query else "")


def _admin(url: str, *statements: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    rows: list[tuple] = []
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
            rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows


def fresh_db(url: str, name: str) -> str:
    """A URL to a database `name` made empty for this run."""
    _admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    return with_db(url, name)


def copy_db(url: str, template: str, name: str) -> str:
    """A URL to `name`, made afresh as a file-level copy of database `template` (nobody may be connected to it)."""
    _admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE {template}")
    return with_db(url, name)


def drop_dbs(url: str, names: list[str]) -> None:
    _admin(url, *(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names))


def migrate_code_hash() -> str:
    """What a migrated copy depends on besides its source: migrate.py and the package's top-level modules."""
    h = hashlib.sha256()
    files = [ROOT / "migrate.py", *sorted((ROOT / "pgparity").glob("*.py"))]
    for f in files:
        if f.name not in ("pytest_plugin.py", "gx_suites.py"):
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def migrated(url: str, db: Path, name: str, work: Path) -> tuple[str, bool]:
    """(URL, reused) of database `name` holding `db` as migrate.py copies it; reused while neither the file nor
    migrate's code changed since the copy was made (the marker in the work folder says which)."""
    st = db.stat()
    key = f"{db.resolve()} {st.st_size} {st.st_mtime_ns} {migrate_code_hash()}"
    marker = work / f"{name}.migrated"
    exists = _admin(url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    if exists and marker.exists() and marker.read_text() == key:
        return with_db(url, name), True
    marker.unlink(missing_ok=True)
    target = fresh_db(url, name)
    res = subprocess.run([PY, "migrate.py", str(db), "--pg", target, "-q", "--reports", str(work / "reports" / name)],
                         cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"migrate.py {db} failed ({res.returncode}): {(res.stderr or res.stdout).strip()[-800:]}")
    marker.write_text(key)
    return target, False


# ---------------------------------------------------------------- one child process, measured

@dataclass
class Run:
    wall: float  # seconds, process start to exit, timed by the parent
    rss_mib: float  # peak resident set of the child (wait4 rusage: that child and its own descendants, each)
    rc: int
    out: str
    err: str
    tree_mib: float = 0.0  # peak of the summed RSS of the child and its children, sampled; 0 when it had none
    extra: dict = field(default_factory=dict)


def _sample_tree(pid: int, stop: threading.Event, peak: dict) -> None:
    try:
        import psutil
    except ImportError:
        return
    try:
        proc = psutil.Process(pid)
        while not stop.wait(SAMPLE_S):
            kids = proc.children(recursive=True)
            if kids:
                total = proc.memory_info().rss
                for k in kids:
                    try:
                        total += k.memory_info().rss
                    except psutil.Error:
                        pass
                peak["tree"] = max(peak.get("tree", 0), total)
    except psutil.Error:
        return


def measure(cmd: list[str], cwd: Path = ROOT, env: dict | None = None) -> Run:
    """Run `cmd` once: wall time and its own peak RSS (os.wait4 on that child only, not a running maximum)."""
    out_f, err_f = _tmp("out"), _tmp("err")
    with open(out_f, "w") as out, open(err_f, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env={**os.environ, **(env or {})})
        stop, peak = threading.Event(), {}
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, stop, peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
    text = out_f.read_text(), err_f.read_text()
    out_f.unlink()
    err_f.unlink()
    return Run(wall, usage.ru_maxrss / 1024, proc.returncode, *text, tree_mib=peak.get("tree", 0) / 2**20)


def _tmp(kind: str) -> Path:
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"pgparity-bench-{os.getpid()}-{threading.get_ident()}.{kind}"


def floor(db: Path, url: str, tables: list[str]) -> Run:
    """The raw read floor as a fresh process; run.extra holds its in-process read time and row counts."""
    run = measure([PY, "-c", FLOOR, str(db), url, *tables])
    if run.rc != 0:
        raise SystemExit(f"floor read failed: {run.err.strip()[-800:]}")
    run.extra = json.loads(run.out.strip().splitlines()[-1])
    return run


def suite_cmd(db: Path, url: str, reports: Path, expectations: Path | None = None,
              config: Path | None = None) -> list[str]:
    """`pytest checks/` as users run it (every marker but drift; no -m, no --table), with --durations
    (terminal output only) and without the cache plugin (it would write .pytest_cache into the repository).
    Without `expectations` no GX suite is found, so the expectations check does not run."""
    return [PY, "-m", "pytest", "checks/", "-q", "-p", "no:cacheprovider", "--sqlite", str(db), "--pg", url,
            "--reports", str(reports), *(["--expectations", str(expectations)] if expectations else []),
            *(["--pgparity-config", str(config)] if config else []), "--durations=12"]


def suite(db: Path, url: str, reports: Path, expectations: Path | None = None, config: Path | None = None) -> Run:
    """One full `pytest checks/` run; run.extra holds its summary.json (verdict, failures, per-check seconds)."""
    summary = reports / "summary.json"
    summary.unlink(missing_ok=True)
    run = measure(suite_cmd(db, url, reports, expectations, config))
    run.extra = json.loads(summary.read_text()) if summary.exists() else {}
    if not run.extra:
        raise SystemExit(f"pytest checks/ wrote no summary.json (exit {run.rc}): {(run.out + run.err).strip()[-800:]}")
    return run


def durations(text: str) -> list[str]:
    """The `--durations` lines of a pytest run's output."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if "slowest" in ln and "durations" in ln), None)
    if start is None:
        return []
    return [ln for ln in lines[start + 1:] if re.match(r"\s*\d+\.\d+s ", ln)]


def median(runs: list[Run]) -> Run:
    """The run of median wall time (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda r: r.wall)
    return ordered[(len(ordered) - 1) // 2]


# ---------------------------------------------------------------- what was measured, where

def code_state() -> tuple[str, list[str]]:
    """(the last commit of the measured code, files of the measured code that differ from it)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    code = ["migrate.py", "conftest.py", "pyproject.toml", "pgparity", "checks", "bench", ":(exclude)bench/results"]
    status = git("status", "--porcelain", "--", *code)
    # the last commit that touched the measured code: a README-only commit during a run changes nothing measured
    return git("log", "-1", "--format=%H", "--", *code).strip(), [ln[3:] for ln in status.splitlines() if ln.strip()]


def header(title: str, command: str, notes: list[str], load_before: float, url: str,
           started: tuple[str, list[str]] | None = None) -> list[str]:
    """The results file's head: command, commit (and whether the tree differed), machine, load. `started` is
    code_state() taken when the run began: the code measured; a change by the end is said."""
    head, dirty = started or code_state()
    cores = os.cpu_count() or 1
    pg = _admin(url, "SHOW server_version")[0][0]
    lines = [f"# {title}", "", f"Command: `{command}`  ", f"Code measured: commit `{head[:12]}`"
             + (f" **with uncommitted changes** in {', '.join(dirty[:8])}{' ...' if len(dirty) > 8 else ''}"
                if dirty else " (clean tree)") + "  ",
             f"Machine: {cores} cores, {platform.machine()}, Python {platform.python_version()}, PostgreSQL {pg}, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 1-min load average before the run "
             f"{load_before:.2f}  "]
    if load_before > 0.5 * cores:
        notes = ["**loaded machine, provisional**: other work was running; rerun on a quiet machine", *notes]
    ended = code_state()
    if started and ended != started:
        notes = [*notes, f"the code changed during the run (at its end: commit `{ended[0][:12]}`, uncommitted: "
                 f"{', '.join(ended[1][:8]) or 'none'}): the runs may not all measure the same code"]
    return lines + [f"Note: {n}  " for n in notes] + [""]

