"""Exact numbers: decimals as decimals, integers no double holds, JSON numbers and duplicate keys, a float
tolerance that means what it says. Each case is a correct copy made by hand (must pass) and a damaged one
(must fail), on real SQLite files and real PostgreSQL tables."""

import json
import sqlite3

import numpy as np
import pyarrow as pa
import pytest

from pgparity.dataonly import adapt
from pgparity.migration import prepare
from pgparity.verify.detail import beyond_tolerance
from pgparity.verify.exact_numbers import double_bits
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
from tests.checking import failures, run_checks
from tests.helpers import migrate, options
from tests.test_check_suite_cli import run_checks_cli


def _pair(tmp_path, target, sqlite_ddl: str, rows: list[tuple], pg_ddl: str | None = None,
          pg_rows: list[tuple] = ()):
    """A SQLite table t and a PostgreSQL table t made independently (a copy made another way)."""
    path = tmp_path / "src.db"
    con = sqlite3.connect(path)
    con.execute(sqlite_ddl)
    con.executemany(f"INSERT INTO t VALUES ({','.join('?' * len(rows[0]))})", rows)
    con.commit()
    con.close()
    if pg_ddl is None:
        return path
    target.sql(f'SET search_path = "{target.schema}", public; {pg_ddl}')
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('t')} VALUES ({','.join(['%s'] * len(pg_rows[0]))})", pg_rows)
    return path


def _fails(path, target, **settings) -> dict:
    return failures(run_checks(path, target.url, target.schema, **settings))


BIG = 1_500_000_000_000_000_000


@pytest.mark.parametrize("src, pg_text", [
    (BIG, str(BIG + 1)),  # 1500000000000000000 -> ...001
    (2**60 + 7, str(2**60 + 107)),  # +100 above 2^60
    (19.99, "19.989999999999998"),  # the fee that WHERE fee = 19.99 no longer finds
])
def test_numeric_compared_as_decimals(tmp_path, target, src, pg_text):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, v NUMERIC)", [(1, src), (2, 5)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, v numeric)", [(1, pg_text), (2, "5")])
    msg = _fails(path, target).get(("content", "t"), "")
    assert "[id=1] v" in msg, msg
    target.sql(f"UPDATE {target.q('t')} SET v = %s WHERE id = 1", (repr(src) if isinstance(src, float) else str(src),))
    assert ("content", "t") not in _fails(path, target)


def test_numeric_scale_and_text_spellings_are_the_same_number(tmp_path, target):
    rows = [(1, 19.99), (2, 5), (3, "7.50"), (4, -0.0), (5, 1e16), (6, None)]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, v numeric(20,2))",
                 [(1, "19.99"), (2, "5"), (3, "7.5"), (4, "0"), (5, "10000000000000000"), (6, None)])
    assert ("content", "t") not in _fails(path, target)


def test_numeric_20_0_above_2_53_passes_every_check(tmp_path, target):
    values = [2**53 + 1, 2**62 + 3, -(2**63), 12]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, v DECIMAL(20,0))",
                 [(i, v) for i, v in enumerate(values)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, v numeric(20,0))", [(i, str(v)) for i, v in enumerate(values)])
    fails = _fails(path, target)
    assert not {k: v for k, v in fails.items() if k[0] in ("content", "schema")}, fails


def test_numeric_through_migrate(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, fee NUMERIC(10,2), big DECIMAL(20,0))",
                 [(1, 19.99, 2**53 + 1), (2, 0.1, 2**62 + 3)])
    migrate(path, target)
    assert ("content", "t") not in _fails(path, target)
    target.sql(f"UPDATE {target.q('t')} SET big = big + 1 WHERE id = 1")
    target.sql(f"UPDATE {target.q('t')} SET fee = 0.11 WHERE id = 2")
    msg = _fails(path, target)[("content", "t")]
    assert "[id=1] big" in msg and "[id=2] fee" in msg, msg


def test_integer_beyond_2_53_in_double_precision_fails(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, v)", [(1, 2**53 + 1), (2, 3)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, v double precision)", [(1, float(2**53 + 1)), (2, 3.0)])
    fails = _fails(path, target)
    assert "[id=1] v" in fails[("content", "t")]
    assert "no double holds exactly" in fails[("schema", "t")]


def test_integer_column_read_as_doubles_still_shows_an_integer_no_double_holds(tmp_path, target):
    """An INTEGER column also holding a real is read by the driver as doubles (2^53 + 1 becomes 2^53): the
    scan, which masks no INTEGER column at first, sees the doubles and reads again with the storage classes."""
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)", [(1, 2**53 + 1), (2, 0.5)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, v double precision)", [(1, float(2**53 + 1)), (2, 0.5)])
    fails = _fails(path, target)
    assert "[id=1] v" in fails[("content", "t")] and "id=2" not in fails[("content", "t")]


def test_data_only_refuses_integer_no_double_holds(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, v)", [(1, 2**53 + 1), (2, 3)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, v double precision)", [(9, 1.0)])
    target.sql(f"DELETE FROM {target.q('t')}")
    opts = options(target.schema, data_only=True)
    prep = prepare(path, opts)
    with target.conn.cursor() as cur:
        _, refusals, _ = adapt(prep, cur, opts)
    prep.source.close()
    assert any("no double holds exactly" in str(r) for r in refusals), refusals


def test_json_numbers_exact_and_python_floats_equal(tmp_path, target):
    rows = [(1, '{"p": 1234567890123456.71}'), (2, json.dumps({"a": 1e16, "b": 3e20, "c": [1.0, -0.0]})),
            (3, '{"a": 1, "a": 1}')]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, doc JSON)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, doc jsonb)", rows)
    assert target.sql(f"SELECT doc::text FROM {target.q('t')} WHERE id = 2")[0][0].count("10000000000000000") == 1
    assert ("content", "t") not in _fails(path, target)
    target.sql(f"""UPDATE {target.q('t')} SET doc = '{{"p": 1234567890123456.79}}' WHERE id = 1""")
    assert "[id=1] doc" in _fails(path, target)[("content", "t")]


def test_json_duplicate_key_read_differently_fails_naming_the_key(tmp_path, target):
    rows = [(1, '{"role": "admin", "role": "user"}')]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, doc JSON)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, doc jsonb)", rows)
    msg = _fails(path, target)[("content", "t")]
    assert "[id=1] doc" in msg and "duplicate key" in msg and "'role'" in msg.replace("\\'", "'"), msg


def test_float_tolerance_means_what_it_says(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", [(1, 1.0), (2, 1000.0)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, x double precision)", [(1, 1.005), (2, 1000.0)])
    assert "[id=1] x" in _fails(path, target, float_tolerance=2e-3)[("content", "t")]
    target.sql(f"UPDATE {target.q('t')} SET x = 1.0015 WHERE id = 1")
    assert ("content", "t") in _fails(path, target)
    assert ("content", "t") not in _fails(path, target, float_tolerance=2e-3)


def test_buckets_never_hide_a_difference_beyond_the_tolerance():
    rng = np.random.default_rng(7)
    for tol in (2e-3, 1e-6, 1e-9):
        a = rng.uniform(-1e6, 1e6, 200_000)
        b = a * (1 + rng.uniform(-3 * tol, 3 * tol, a.size))
        same = np.asarray(double_bits(pa.array(a), tol)) == np.asarray(double_bits(pa.array(b), tol))
        assert (np.abs(a - b)[same] <= tol * np.maximum(np.abs(a), np.abs(b))[same]).all()


STRADDLE = (1.0019, 1.0020)  # 2^-9 apart buckets at 2e-3: the edge 1.001953125 lies between them


def test_bucket_edge_within_tolerance_is_cleared_by_the_exact_recheck(tmp_path, target):
    import polars as pl

    assert double_bits(pa.array([STRADDLE[0]]), 2e-3) != double_bits(pa.array([STRADDLE[1]]), 2e-3)
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", [(1, STRADDLE[0]), (2, 1.0)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, x double precision)", [(1, STRADDLE[1]), (2, 1.005)])
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema, float_tolerance=2e-3))
    try:
        left = beyond_tolerance(cmp, cmp.table("t"), pl.DataFrame({"k0": [1, 2]}))
    finally:
        cmp.close()
    assert left["k0"].to_list() == [2]


def test_bucket_edge_within_tolerance_passes_the_content_check(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", [(1, STRADDLE[0])],
                 "CREATE TABLE t (id bigint PRIMARY KEY, x double precision)", [(1, STRADDLE[1])])
    assert ("content", "t") not in _fails(path, target, float_tolerance=2e-3)


def _cli(path, target, tmp_path, *args):
    res = run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema,
                         "--reports", tmp_path / "rep", "-q", *args)
    return res, json.loads((tmp_path / "rep" / "summary.json").read_text())


def test_cli_decimal_fee_no_go_then_go(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, fee NUMERIC(10,2))", [(1, 19.99)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, fee numeric)", [(1, "19.989999999999998")])
    res, summary = _cli(path, target, tmp_path, "-k", "content")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-2000:]
    target.sql(f"UPDATE {target.q('t')} SET fee = 19.99")
    res, summary = _cli(path, target, tmp_path, "-k", "content")
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-2000:]


def test_cli_float_tolerance(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", [(1, 1.0)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, x double precision)", [(1, 1.005)])
    res, summary = _cli(path, target, tmp_path, "-k", "content", "--float-tolerance", "2e-3")
    assert summary["verdict"] == "NO-GO", res.stdout[-2000:]
    target.sql(f"UPDATE {target.q('t')} SET x = 1.001")
    res, summary = _cli(path, target, tmp_path, "-k", "content", "--float-tolerance", "2e-3")
    assert summary["verdict"] == "GO", res.stdout[-2000:]


def test_float4_equal_only_when_the_double_is_a_float4(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, x REAL)", [(1, 0.5), (2, 1.25)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, x real)", [(1, 0.5), (2, 1.25)])
    assert ("content", "t") not in _fails(path, target)
    con = sqlite3.connect(path)
    con.execute("UPDATE t SET x = 0.1 WHERE id = 2")  # 0.1 has no float4: PostgreSQL's real keeps 0.100000001...
    con.commit()
    con.close()
    target.sql(f"UPDATE {target.q('t')} SET x = 0.1 WHERE id = 2")
    assert "[id=2] x" in _fails(path, target)[("content", "t")]


def test_exact_float_sums_are_the_sums_of_the_fractions():
    """float_sum_units (shifted mantissas, whole or halved, for doubles of similar size, per exponent otherwise)
    is the exact sum: zeros, subnormals, 2^53 + 1, magnitudes 2^10, 2^11, 2^35, 2^36 apart, the largest
    doubles, signs mixed."""
    from fractions import Fraction

    from pgparity.verify.exact_sums import float_sum_units, units_to_fraction

    rng = np.random.default_rng(7)
    cases = [rng.uniform(0.5, 500, 1000).round(2), rng.uniform(-1e3, 1e3, 1000), rng.normal(0, 1e10, 1000),
             [0.0, -0.0, 5e-324, 1e-310, -2e-320], [0.0, 1.5, -0.0, 3.25], [2.0**52 + 1, 3.0, -7.5],
             [1.0, 1024.0, 1023.9999999999999], [1.0, 2048.0], [-(2.0**53 - 1) * 2.0**10, -1.0],
             [-(2.0**53 - 1) * 2.0**35, -(2.0**53 - 1)], [(2.0**53 - 1) * 2.0**36, 2.0**53 - 1],
             rng.uniform(0, 200, 1000),
             [1.7976931348623157e308, 1.6e308, -1.5e308], [2.0**-1022, 2.0**-1020], [-0.0], []]
    for values in cases:
        values = np.asarray(values, np.float64)
        assert units_to_fraction(float_sum_units(values)) == sum(map(Fraction, values), Fraction(0)), values
