"""Profiles on canonical values: correct copies that SQL aggregates flagged pass, damages still fail, and fail
as consequences of the content difference; distinct counts stay in bounded memory past their limit.

Each correct copy is made by hand (a SQLite file and a PostgreSQL table written independently) and
checked through the real command line, `pytest checks/ -m profiles` (and content beside it).
"""

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from pgparity.verify import column_facts
from pgparity.verify.facts import facts_of
from pgparity.verify.pairing import Comparison
from pgparity.verify.profiles import check_profiles
from pgparity.verify.rules import Settings
from tests.checking import run_checks
from tests.test_check_suite_cli import ROOT, run_checks_cli


def _pair(tmp_path, target, sqlite_ddl: str, rows: list[tuple], pg_ddl: str, pg_rows: list[tuple]):
    """A SQLite table t and a PostgreSQL table t, each written on its own (a copy made another way)."""
    path = tmp_path / "src.db"
    con = sqlite3.connect(path)
    con.execute(sqlite_ddl)
    con.executemany(f"INSERT INTO t VALUES ({','.join('?' * len(rows[0]))})", rows)
    con.commit()
    con.close()
    target.sql(f'SET search_path = "{target.schema}", public; {pg_ddl}')
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('t')} VALUES ({','.join(['%s'] * len(pg_rows[0]))})", pg_rows)
    return path


def _cli(path, target, tmp_path, marks: str):
    res = run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema,
                         "--reports", tmp_path / "rep", "-q", "-m", marks)
    return res, json.loads((tmp_path / "rep" / "summary.json").read_text())


CORRECT_COPIES = {
    # count(DISTINCT) under NOCASE: SQLite 2 values, PostgreSQL 3; canonically 3 and 3
    "nocase-text": ("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE)",
                    [(1, "a"), (2, "A"), (3, "b")],
                    "CREATE TABLE t (id bigint PRIMARY KEY, name text)", [(1, "a"), (2, "A"), (3, "b")]),
    # one instant written with 'T' and with ' ': SQLite 3 distinct texts, PostgreSQL 2 timestamps
    "timestamp-T-and-space": ("CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)",
                              [(1, "2024-03-01T10:00:00"), (2, "2024-03-01 10:00:00"), (3, "2024-03-02 08:30:00.5")],
                              "CREATE TABLE t (id bigint PRIMARY KEY, at timestamp)",
                              [(1, "2024-03-01 10:00:00"), (2, "2024-03-01 10:00:00"), (3, "2024-03-02 08:30:00.5")]),
    # 't' and 'true' are one boolean: SQLite 3 distinct words, PostgreSQL 2 values
    "boolean-words": ("CREATE TABLE t (id INTEGER PRIMARY KEY, active BOOLEAN)", [(1, "t"), (2, "true"), (3, "f")],
                      "CREATE TABLE t (id bigint PRIMARY KEY, active boolean)", [(1, True), (2, True), (3, False)]),
    # an untyped column holding 1 and '1' lands as text (what migrate.py does): the text rule reads 1 as '1'
    "untyped-1-and-'1'": ("CREATE TABLE t (id INTEGER PRIMARY KEY, v)", [(1, 1), (2, "1"), (3, 2)],
                          "CREATE TABLE t (id bigint PRIMARY KEY, v text)", [(1, "1"), (2, "1"), (3, "2")]),
    # SQLite's sum() raises "integer overflow" past 2^63
    "integers-past-2^63": ("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)", [(1, 2**62), (2, 2**62), (3, 2**62)],
                           "CREATE TABLE t (id bigint PRIMARY KEY, n bigint)", [(1, 2**62), (2, 2**62), (3, 2**62)]),
    # PostgreSQL's sum(float8) raises "value out of range: overflow"; SQLite's gives inf
    "floats-near-1.7e308": ("CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", [(1, 1.7e308), (2, 1.7e308), (3, -1.0)],
                            "CREATE TABLE t (id bigint PRIMARY KEY, x double precision)",
                            [(1, 1.7e308), (2, 1.7e308), (3, -1.0)]),
}


@pytest.mark.parametrize("case", list(CORRECT_COPIES))
def test_correct_copy_profiles_equal_through_the_cli(tmp_path, target, case):
    sqlite_ddl, rows, pg_ddl, pg_rows = CORRECT_COPIES[case]
    path = _pair(tmp_path, target, sqlite_ddl, rows, pg_ddl, pg_rows)
    res, summary = _cli(path, target, tmp_path, "profiles or content")
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-3000:]
    assert "from the content scan" in summary["tables"]["t"]["profiles"]["summary"]


def test_exact_statistics_of_the_extremes(tmp_path, target):
    """The sums are exact (no overflow, no rounding) and the same on both sides."""
    _, rows, pg_ddl, pg_rows = CORRECT_COPIES["floats-near-1.7e308"]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", rows, pg_ddl, pg_rows)
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema))
    try:
        facts = facts_of(cmp, cmp.table("t"))
    finally:
        cmp.close()
    x, id_ = facts.source.columns["x"], facts.source.columns["id"]
    assert x.total == 2 * __import__("fractions").Fraction(1.7e308) - 1 and x == facts.target.columns["x"]
    assert (x.minimum, x.maximum, x.distinct, id_.total) == (-1.0, 1.7e308, 2, 6)


def test_untyped_1_and_text_1_in_a_bigint_is_what_content_says(tmp_path, target):
    """By hand into bigint, the text '1' is a value an integer column cannot hold as written (the int rule
    marks it): content fails, and profiles fails as its consequence, pointing at content."""
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, v)", [(1, 1), (2, "1"), (3, 2)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, v bigint)", [(1, 1), (2, 1), (3, 2)])
    res, summary = _cli(path, target, tmp_path, "profiles or content")
    assert summary["tables"]["t"]["content"]["status"] == "failed", res.stdout[-3000:]
    profiles = [f for f in summary["failures"] if f["check"] == "profiles"][0]
    assert "because content differs (1 changed row(s)" in profiles["message"]
    assert {(f["column"], f["kind"]) for f in profiles["findings"]} >= {("v", "profile-unmatchable")}


def test_float_tolerance_bucket_edge_passes_content_and_profiles(tmp_path, target):
    """Under --float-tolerance 2e-3, 1.0019 and 1.0020 fall in neighbouring buckets: content re-checks the row
    exactly and passes, and profiles compare min/max within twice the tolerance (sums and distinct not)."""
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", [(1, 1.0019), (2, 5.0)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, x double precision)", [(1, 1.0020), (2, 5.0)])
    out = run_checks(path, target.url, target.schema, float_tolerance=2e-3)
    assert out[("content", "t")].ok and "1 of them only within the float tolerance" in out[("content", "t")].summary
    assert out[("profiles", "t")].ok, out[("profiles", "t")].message()
    target.sql(f"UPDATE {target.q('t')} SET x = 1.01 WHERE id = 1")
    out = run_checks(path, target.url, target.schema, float_tolerance=2e-3)
    assert not out[("content", "t")].ok and not out[("profiles", "t")].ok
    assert ("x", "profile-min") in {(f.column, f.kind) for f in out[("profiles", "t")].findings}


def test_row_deleted_profiles_point_at_content(demo_db, demo_copy, tmp_path):
    demo_copy.sql(f"DELETE FROM {demo_copy.q('shipped_items')} WHERE id = 77")
    res = run_checks_cli("--sqlite", demo_db, "--pg", demo_copy.url, "--pg-schema", demo_copy.schema,
                         "--reports", tmp_path / "rep", "-q", "-m", "profiles", "-k", "shipped_items")
    assert res.returncode == 1, res.stdout[-3000:]
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    (f,) = summary["failures"]
    assert f["check"] == "profiles" and "differ because content differs (1 missing row(s)" in f["message"]
    assert "see content" in f["message"]
    kinds = {x["kind"] for x in f["findings"]}
    assert kinds and all(k.startswith("profile-") for k in kinds) and "profile-nulls" not in kinds
    assert all(x["column"] for x in f["findings"])


def test_value_changed_within_every_statistic(demo_db, demo_copy):
    """Two rows swap their SKUs: every statistic stays equal, content names both rows, profiles passes and
    says the rows differ. One order_id moved inside the range: only its sum (and maybe distinct count) moves,
a consequence of the content difference."""
    q = demo_copy.q("shipped_items")
    demo_copy.sql(f"UPDATE {q} SET sku = CASE id WHEN 10 THEN (SELECT sku FROM {q} WHERE id = 11) "
                  f"ELSE (SELECT sku FROM {q} WHERE id = 10) END WHERE id IN (10, 11)")
    out = run_checks(demo_db, demo_copy.url, demo_copy.schema)
    content, profiles = out[("content", "shipped_items")], out[("profiles", "shipped_items")]
    assert not content.ok and "[id=10] sku" in content.message()
    assert profiles.ok and "equal although rows differ (2 changed row(s)): see content" in profiles.summary
    lo, hi = demo_copy.sql(f"SELECT min(order_id), max(order_id) FROM {q}")[0]
    demo_copy.sql(f"UPDATE {q} SET order_id = order_id + 1 WHERE id = (SELECT min(id) FROM {q} "
                  f"WHERE order_id > {lo} AND order_id < {hi} - 1)")
    profiles = run_checks(demo_db, demo_copy.url, demo_copy.schema)[("profiles", "shipped_items")]
    assert not profiles.ok and "because content differs" in profiles.summary
    assert {(f.column, f.kind) for f in profiles.findings} <= {("order_id", "profile-sum"),
                                                               ("order_id", "profile-distinct")}
    assert ("order_id", "profile-sum") in {(f.column, f.kind) for f in profiles.findings}


def test_distinct_past_the_limit_is_an_estimate_never_a_failure(tmp_path, target, monkeypatch):
    monkeypatch.setattr(column_facts, "DISTINCT_FLOOR", 500)
    monkeypatch.setattr(column_facts, "DISTINCT_BUDGET", 1000)  # 500 per column here
    rows = [(i, f"name-{i % 4000}") for i in range(1, 6001)]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, name text)", rows)
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema))
    try:
        profiles, facts = check_profiles(cmp, cmp.table("t")), facts_of(cmp, cmp.table("t"))
    finally:
        cmp.close()
    assert profiles.ok and "HyperLogLog estimates" in profiles.summary, profiles.summary
    name = facts.source.columns["name"]
    assert name.distinct is None and abs(name.distinct_estimate - 4000) < 4000 * 0.04
    assert facts.source.columns["id"].distinct_estimate == facts.target.columns["id"].distinct_estimate


_FEED = textwrap.dedent("""
    import resource, sys
    import numpy as np, polars as pl, pyarrow as pa
    from pgparity.verify import column_facts
    from pgparity.verify.pairing import Comparison
    from pgparity.verify.rules import Settings
    column_facts.DISTINCT_BUDGET = column_facts.DISTINCT_FLOOR = int(sys.argv[4])
    cmp = Comparison(sys.argv[1], sys.argv[2], Settings(schema=sys.argv[3]))
    scan = column_facts.FactsScan(cmp.table("t"))
    rows, batch = int(sys.argv[5]), 131_072
    for start in range(0, rows, batch):
        ids = np.arange(min(rows, start + batch) - 1, start - 1, -1, dtype=np.int64)  # descending: no shortcut
        values = [pa.array(ids), pa.nulls(len(ids), pa.string()),
                  pa.array(np.char.add("n-", ids.astype(str))), pa.nulls(len(ids), pa.string())]
        scan.add(values, pl.from_arrow(pa.table(values, names=["v0", "v1", "v2", "v3"])))
    facts = scan.result()
    assert facts.columns["id"].distinct_estimate and facts.columns["name"].distinct_estimate
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def test_distinct_memory_does_not_grow_with_the_table_past_the_limit(tmp_path, target):
    """Peak RSS of one side's facts over 0.5 M and 3 M distinct ids and names, 20 000 words per column."""
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", [(1, "a")],
                 "CREATE TABLE t (id bigint PRIMARY KEY, name text)", [(1, "a")])

    def peak_mib(rows: int) -> int:
        res = subprocess.run([sys.executable, "-c", _FEED, str(path), target.url, target.schema, "20000", str(rows)],
                             capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
        assert res.returncode == 0, res.stderr[-2000:]
        return int(res.stdout.split()[-1])

    small, large = peak_mib(500_000), peak_mib(3_000_000)
    assert large - small < 25, (small, large)  # exact sets would hold 2 x 3 M x 8 B = 46 MiB more
