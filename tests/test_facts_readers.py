"""The data checks read the table facts of the one content scan: no row read of their own (issue 10 §1).

Real SQLite files, real PostgreSQL tables written by hand (so that one value at a time can differ), the
checks called as checks/ calls them, and `pytest checks/` as a subprocess for the -k/-m selection.
"""

from __future__ import annotations

import time

from pgparity.verify.booleans import check_booleans
from pgparity.verify.counts import check_row_count
from pgparity.verify.facts import facts_of
from pgparity.verify.pairing import Comparison
from pgparity.verify.profiles import check_profiles
from pgparity.verify.rules import Settings
from pgparity.verify.schema_parity import check_schema
from pgparity.verify.text_fidelity import check_text
from pgparity.verify.timestamps import check_timestamps
from tests.build import sqlite_file
from tests.checking import failures, run_checks
from tests.test_check_suite_cli import run_checks_cli

DDL = ("CREATE TABLE alpha (id INTEGER PRIMARY KEY, flag BOOLEAN, at DATETIME, name TEXT, price REAL);"
       "CREATE TABLE beta (id INTEGER PRIMARY KEY, n INTEGER);")
ALPHA = [(1, 1, "2024-01-01 10:00:00.25", "a", 1.5), (2, 0, "2024-01-02T11:00:00", "bé", None),
         (3, None, None, None, 2.0)]
BETA = [(1, 10), (2, 20)]


def _load(target, table: str, ddl: str, rows: list[tuple]) -> None:
    target.sql(f"CREATE TABLE {target.q(table)} ({ddl})")
    if rows:
        with target.conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {target.q(table)} VALUES ({', '.join(['%s'] * len(rows[0]))})", rows)


def _copy(tmp_path, target):
    path = sqlite_file(tmp_path, DDL, {"alpha": ALPHA, "beta": BETA})
    _load(target, "alpha", "id bigint PRIMARY KEY, flag boolean, at timestamp, name text, price double precision",
          [(i, None if f is None else bool(f), a, n, p) for i, f, a, n, p in ALPHA])
    _load(target, "beta", "id bigint PRIMARY KEY, n bigint", BETA)
    return path


def test_after_the_content_scan_the_checks_need_neither_database(tmp_path, target):
    """With both connections closed once the scan is done, every reader still decides a passing table."""
    path = _copy(tmp_path, target)
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema))
    tp = cmp.table("alpha")
    facts = facts_of(cmp, tp)
    cmp.close()
    assert facts.source.rows == facts.target.rows == 3
    for check in (check_row_count, check_booleans, check_timestamps, check_text, check_schema, check_profiles):
        out = check(cmp, tp)
        assert out.ok, out.message()
    assert "1/1/1 true/false/NULL" in check_booleans(cmp, tp).message()


def test_one_table_one_check_reads_that_table_once(tmp_path, target):
    """`pytest checks/ -k alpha -m booleans`: PostgreSQL scans alpha once and beta never."""
    path = _copy(tmp_path, target)

    def scans() -> dict[str, int]:
        target.sql("SELECT pg_stat_force_next_flush()")  # this session's own scans (the index builds) counted
        target.sql("SELECT pg_stat_clear_snapshot()")
        return dict(target.sql("SELECT relname, seq_scan FROM pg_stat_user_tables WHERE schemaname = %s",
                               (target.schema,)))

    before = scans()
    res = run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema, "-k", "alpha",
                         "-m", "booleans")
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "test_booleans.py::test_booleans[alpha] PASSED" in res.stdout or "1 passed" in res.stdout
    for _ in range(50):  # the server counts the run's scans when its connection ends
        after = scans()
        if after["alpha"] > before["alpha"]:
            break
        time.sleep(0.1)
    assert after["alpha"] - before["alpha"] == 1 and after["beta"] == before["beta"], (before, after)


def test_type_fit_counts_canonical_values(tmp_path, target):
    """A real with three decimals or nine whole digits does not fit numeric(10,2), eight whole digits and a
    negative fraction do; numeric text does (it is a number); a text longer than varchar(3) does not."""
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, price NUMERIC, code TEXT);",
                       {"t": [(1, 1.234, "abc"), (2, "12.5", "abcd"), (3, 7, None), (4, 99999999.99, None),
                              (5, -0.5, None), (6, 100000000, None)]})
    _load(target, "t", "id bigint PRIMARY KEY, price numeric(10,2), code varchar(3)",
          [(1, 1.23, "abc"), (2, 12.5, "abc"), (3, 7, None), (4, 99999999.99, None), (5, -0.5, None),
           (6, None, None)])
    out = run_checks(path, target.url, target.schema)
    fits = [f.text for f in out[("schema", "t")].findings if f.kind == "type-fit"]
    assert fits == ["t.price: 2 value(s) not a number that numeric(10,2) keeps exactly (PostgreSQL type "
                    "numeric(10,2))", "t.code: 1 value(s) longer than character varying(3) (PostgreSQL type "
                    "character varying(3))"]
    assert ("code", "varchar-length") in {(f.column, f.kind) for f in out[("text", "t")].findings}


def test_nul_named_by_rowid_and_left_out_of_lengths(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);",
                       {"t": [(1, "plain"), (2, "a\x00b"), (3, None)]})
    _load(target, "t", "id bigint PRIMARY KEY, s text", [(1, "plain"), (2, "ab"), (3, None)])
    out = run_checks(path, target.url, target.schema)[("text", "t")]
    assert [(f.column, f.kind) for f in out.findings] == [("s", "nul-character")]
    assert "1 SQLite value(s) hold NUL characters PostgreSQL text cannot store (rowid 2)" in out.message()
    assert run_checks(path, target.url, target.schema, nul_policy="strip")[("text", "t")].ok
    target.sql(f"UPDATE {target.q('t')} SET s = 'plain ' WHERE id = 1")
    out = run_checks(path, target.url, target.schema, nul_policy="strip")[("text", "t")]
    assert "t.s: total characters differ: SQLite 7, PostgreSQL 8" in out.message()


def test_declared_boolean_landed_as_integer_counts_its_words(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, flag BOOLEAN);",
                       {"t": [(1, 1), (2, 0), (3, 1), (4, None)]})
    _load(target, "t", "id bigint PRIMARY KEY, flag smallint", [(1, 1), (2, 0), (3, 0), (4, None)])
    out = run_checks(path, target.url, target.schema)[("booleans", "t")]
    assert [(f.column, f.kind) for f in out.findings] == [("flag", "boolean-counts")]
    assert "SQLite 1/0/NULL = 2/1/1, PostgreSQL true/false/NULL = 1/2/1" in out.message()


def test_declared_datetime_landed_as_text_read_as_instants(tmp_path, target):
    """The text landing's values are read as instants on both sides: a dropped fraction and the max it moves."""
    rows = [(1, "2024-01-01 10:00:00"), (2, "2024-03-01T09:30:00.5")]
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME);", {"t": rows})
    _load(target, "t", "id bigint PRIMARY KEY, at text", [(1, "2024-01-01 10:00:00"), (2, "2024-03-01T09:30:00")])
    out = run_checks(path, target.url, target.schema)[("timestamps", "t")]
    assert {(f.column, f.kind) for f in out.findings} == {("at", "fractional-seconds"), ("at", "max")}
    assert "1 SQLite value(s) have fractional seconds, PostgreSQL 0" in out.message()
    assert "max differs: SQLite 2024-03-01 09:30:00.500000, PostgreSQL 2024-03-01 09:30:00" in out.message()


def test_unreadable_timestamp_named_by_rowid(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME);",
                       {"t": [(1, "2024-01-01 10:00:00"), (2, "soon"), (3, None)]})
    _load(target, "t", "id bigint PRIMARY KEY, at timestamp", [(1, "2024-01-01 10:00:00"), (2, None), (3, None)])
    fails = failures(run_checks(path, target.url, target.schema))
    assert "t.at: 1 SQLite value(s) are not timestamps, e.g. rowid 2: 'soon'" in fails[("timestamps", "t")]
    assert "t.at: 1 value(s) not a timestamp (PostgreSQL type timestamp without time zone)" in fails[("schema", "t")]


def test_not_boolean_named_in_a_table_without_rowid(tmp_path, target):
    """The sample of a failing table is fetched without rowid where there is none: the values alone."""
    path = sqlite_file(tmp_path, "CREATE TABLE t (code TEXT PRIMARY KEY, flag BOOLEAN) WITHOUT ROWID;",
                       {"t": [("a", 1), ("b", "maybe")]})
    _load(target, "t", "code text PRIMARY KEY, flag boolean", [("a", True), ("b", None)])
    fails = failures(run_checks(path, target.url, target.schema))
    assert "t.flag: 1 SQLite value(s) are not booleans, e.g. 'maybe'" in fails[("booleans", "t")]


def test_text_lengths_read_off_the_buffers_are_characters():
    """_text_sizes (lengths from Arrow's offsets, characters only where a byte is not ASCII) agrees with
    counting characters value by value: ASCII, accents, emoji, NULLs, empty texts, a NUL, a slice."""
    import polars as pl
    import pyarrow as pa

    from pgparity.verify.column_facts import _text_sizes

    cases = [["abc", "de", ""], ["bé", None, "x"], ["😀a", "日本語"], [None, None], ["a\x00b", "c"],
             ["zz", "abcd", "é", None, "hello"]]
    arrays = [pa.array(c, pa.string()) for c in cases] + [pa.array(cases[-1], pa.string()).slice(1, 3),
                                                          pa.array(cases[0], pa.large_string())]
    for a in arrays:
        chars = pl.Series(a.to_pylist(), dtype=pl.String).str.len_chars()
        nul, longest, length = _text_sizes(a)
        assert (longest, length) == (chars.max(), chars.sum()), a
        assert nul == any("\x00" in v for v in a.to_pylist() if v is not None), a
