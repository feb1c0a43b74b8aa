"""What the benchmarks share: their common options, the demo database they measure, a fresh database."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parser(doc: str, out_name: str, rows: list[int] | None = None) -> argparse.ArgumentParser:
    """--rows (one size, or several when `rows` gives their default), --pg, --work, --out."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if rows is None:
        ap.add_argument("--rows", type=int, default=1_000_000)
    else:
        ap.add_argument("--rows", type=int, nargs="+", default=rows)
    ap.add_argument("--pg", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1/postgres"))
    ap.add_argument("--work", default=str(ROOT / "bench" / "work"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / out_name))
    return ap


def demo_db(work: str | Path, rows: int) -> Path:
    """The demo database with `rows` shipped_items, built once and kept in the work folder."""
    from pgparity.demo import build

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"demo_{rows}.db"
    if not db.exists():
        build(db, rows=rows)
    return db


def with_db(url: str, db: str) -> str:
    head, _, query = url.partition("?")
    return head.rsplit("/", 1)[0] + "/" + db + (("?" + query) if query else "")


def fresh_db(url: str, name: str) -> str:
    """A URL to a database `name` made empty for this run."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    conn.close()
    return with_db(url, name)
