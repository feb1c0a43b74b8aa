"""`pytest checks/ -m queries`: the application's queries replayed on the SQLite file and the PostgreSQL copy.

Each behaviour difference the issue names is shown on the migrated demo (LIKE case, boolean `= 1`,
`||` on a boolean, collation order, integer division of a NUMERIC column, CURRENT_TIMESTAMP's zone),
and each construct that does not change results is shown to pass (no false alarm). Writes are rolled
back on both sides; bad queries files are clear errors naming the query, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest

from pgparity.queries.report import queries_html
from tests.conftest import Target, _with_db
from tests.helpers import migrate

ROOT = Path(__file__).resolve().parents[1]
APP_QUERIES = ROOT / "tests" / "fixtures" / "app" / "queries.sql"
DIFFERENT = {"search_customers", "gift_flags", "admins", "gift_share", "stock_average", "first_sku_per_order",
             "price_floor", "shipped_on"}  # on the demo, in a C-collation database


def run_queries(sqlite: Path, url: str, schema: str, queries: Path | None, *extra: str, toml: str = "",
                cwd: Path | None = None) -> tuple[subprocess.CompletedProcess, Path]:
    """`pytest checks/ -m queries` as a user runs it, in a fresh folder (settings from its pgparity.toml);
    returns the run and its reports folder. `queries` None: the default queries.sql beside pgparity.toml."""
    cwd = cwd or Path(tempfile.mkdtemp(prefix="pgparity-queries-"))
    (cwd / "pgparity.toml").write_text(toml)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPARITY_SQLITE")}
    given = ("--queries", str(queries)) if queries is not None else ()
    res = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "checks"), "-p", "no:cacheprovider",
                          "-p", "pgparity.queries.pytest_options", "--pgparity-config", str(cwd / "pgparity.toml"),
                          "--sqlite", str(sqlite), "--pg", url, "--pg-schema", schema, *given,
                          "-m", "queries", "-rA", *extra], capture_output=True, text=True, env=env, cwd=cwd,
                         timeout=600, check=False)
    return res, cwd / "reports"


def outcomes(res: subprocess.CompletedProcess) -> dict[str, str]:
    """test_query[name] -> PASSED / FAILED, from -rA's short summary."""
    out = {}
    for line in res.stdout.splitlines():
        for word in ("PASSED", "FAILED", "ERROR"):
            if line.startswith(word + " ") and "test_query[" in line:
                out[line.split("test_query[", 1)[1].split("]", 1)[0]] = word
    return out


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "queries.sql"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def shared(demo_db, pg_url):
    """One migrated demo for the tests that leave PostgreSQL as they found it (which some of them prove)."""
    t = Target(pg_url)
    migrate(demo_db, t)
    yield t
    t.drop()


@pytest.fixture
def migrated(demo_db, target):
    migrate(demo_db, target)
    return target


def test_demo_shows_the_real_differences_and_passes_the_rest(demo_db, shared):
    res, reports = run_queries(demo_db, shared.url, shared.schema, APP_QUERIES)
    assert res.returncode == 1, res.stdout[-3000:]
    assert "Traceback" not in res.stdout + res.stderr
    got = outcomes(res)
    assert {n for n, s in got.items() if s == "FAILED"} == DIFFERENT, res.stdout[-3000:]
    assert {"list_users", "customers_sorted", "order_skus", "shipped_count", "item_labels", "cost_quarters",
            "stock_sevenths", "monthly_volume", "clock", "touch_control", "enable_control", "purge_violations",
            "record_count", "carrier_of", "journal"} <= {n for n, s in got.items() if s == "PASSED"}
    out = res.stdout
    # LIKE is case-insensitive in SQLite: the row is named, with its key
    assert "query search_customers [id=2]: only SQLite returns (2, 'Ærøskøbing Ltd')" in out
    assert "SQLite-only constructs in it: like_case" in out
    # an error on one side only: both answers and the construct
    assert ("query gift_share: PostgreSQL fails: UndefinedFunction: operator does not exist: boolean = integer; "
            "SQLite answers (1 row(s)); caused by boolean_compare (is_gift = 1 -> is_gift)") in out
    # || on a boolean: the row and the column
    assert "query gift_flags [id=1] gift_flag: SQLite 'gift:0', PostgreSQL 'gift:false'" in out
    # sum() of integers is numeric in PostgreSQL: the division is exact there
    assert "query stock_average [row=1] avg_on_hand: SQLite 2" in out and "integer_division" in out
    # max(a, b) is NULL with a NULL in SQLite; GREATEST ignores it
    assert "query price_floor [id=1] price: SQLite None, PostgreSQL 0.0" in out
    assert "caused by bare_group_column (sku -> sku in GROUP BY, or min(sku))" in out
    assert "query shipped_on: PostgreSQL fails: UndefinedFunction: operator does not exist: timestamp without " \
        "time zone ~~ text" in out and "caused by text_op_on_typed" in out
    summary = json.loads((reports / "summary.json").read_text())
    assert summary["tables"]["gift_share"]["query"]["status"] == "failed"
    assert summary["tables"]["order_skus"]["query"]["status"] == "passed"
    failure = next(f for f in summary["failures"] if f["table"] == "admins")
    assert failure["check"] == "query" and failure["findings"][0]["kind"] == "error-postgresql"
    listed = json.loads((reports / "queries.json").read_text())["queries"]
    section = {q["name"]: q for q in listed}
    page = queries_html(listed)  # the index.html section the report shows (pgparity.queries.report)
    assert f"{len(listed) - len(DIFFERENT)} of {len(listed)} give the same answers" in page
    assert "✘ error" in page and "<code>gift_share</code>" in page
    assert "WHERE status = &quot;shipped&quot;" in page and "WHERE status = &#x27;shipped&#x27;" in page
    assert section["gift_share"]["status"] == "error" and section["search_customers"]["status"] == "different"
    assert section["list_users"]["status"] == "same" and section["journal"]["status"] == "skipped"
    assert "COALESCE(email, '')" in section["list_users"]["postgresql"] and "LIMIT" not in \
        section["list_users"]["postgresql"]
    assert 'ON CONFLICT ("name") DO UPDATE' in section["enable_control"]["postgresql"]


def _pg_state(target: Target) -> dict:
    tables = ("workflow_controls", "shipping_violations", "inventory_transactions")
    state = {t: target.sql(f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                           f"FROM {target.q(t)} x")[0] for t in tables}
    seq = target.sql("SELECT pg_get_serial_sequence(%s, 'id')", (target.q("inventory_transactions"),))[0][0]
    state["sequence"] = target.sql(f"SELECT last_value, is_called FROM {seq}")[0]
    return state


def test_writes_are_rolled_back_on_both_sides(demo_db, shared, tmp_path):
    sqlite = tmp_path / "demo.db"
    shutil.copy2(demo_db, sqlite)
    before_bytes, before_mtime = hashlib.sha256(sqlite.read_bytes()).hexdigest(), sqlite.stat().st_mtime_ns
    before = _pg_state(shared)
    queries = write(tmp_path, APP_QUERIES.read_text() + "\n-- name: wipe\nDELETE FROM workflow_controls;\n"
                    "-- name: scratch_table\nCREATE TABLE scratch (a INTEGER);\nINSERT INTO scratch VALUES (1);\n")
    res, _ = run_queries(sqlite, shared.url, shared.schema, queries, "-k", "control or purge or record or wipe or "
                         "scratch")
    assert {n: s for n, s in outcomes(res).items()} == {"touch_control": "PASSED", "enable_control": "PASSED",
                                                        "purge_violations": "PASSED", "record_count": "PASSED",
                                                        "wipe": "PASSED", "scratch_table": "PASSED"}, res.stdout[-3000:]
    assert "scratch" not in shared.tables()
    assert _pg_state(shared) == before
    assert hashlib.sha256(sqlite.read_bytes()).hexdigest() == before_bytes
    assert sqlite.stat().st_mtime_ns == before_mtime
    assert not Path(str(sqlite) + "-wal").exists()
    with sqlite3.connect(sqlite) as conn:
        assert conn.execute("SELECT count(*) FROM workflow_controls").fetchone()[0] == 3


def test_a_changed_row_is_named(demo_db, migrated, tmp_path):
    """A write that changes other values on one side: the changed row, its key and the column."""
    migrated.sql(f"UPDATE {migrated.q('workflow_controls')} SET \"Owner Name\" = 'Someone Else' "
                 "WHERE name = 'auto_pick'")
    queries = write(tmp_path, "-- name: disable\n-- param name: 'auto_pick'\n"
                              "UPDATE workflow_controls SET enabled = 0 WHERE name = :name;\n"
                              "-- name: disable_bool\n-- param name: 'auto_pick'\n-- param off: False\n"
                              "UPDATE workflow_controls SET enabled = :off WHERE name = :name;\n")
    res, _ = run_queries(demo_db, migrated.url, migrated.schema, queries)
    assert outcomes(res) == {"disable": "FAILED", "disable_bool": "FAILED"}, res.stdout[-3000:]
    assert "caused by boolean_assign (enabled = 0 -> enabled = false)" in res.stdout
    assert ("query disable_bool [name=auto_pick] Owner Name: SQLite 'Ops Team', PostgreSQL 'Someone Else'"
            in res.stdout)


def test_integer_division_of_numeric_column(demo_db, target, tmp_path):
    """SQLite keeps a whole NUMERIC value as an integer and divides it as one; PostgreSQL's numeric does not.
    Integers divided by integers give the same answer on both (no false alarm)."""
    db = tmp_path / "whole.db"
    shutil.copy2(demo_db, db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE inventory_current SET unit_cost = 13.0 WHERE sku = 'SKU-00001'")
    migrate(db, target)
    queries = write(tmp_path, "-- name: cost_quarters\nSELECT sku, unit_cost / 4 AS quarter FROM inventory_current;\n"
                              "-- name: stock_sevenths\nSELECT sku, on_hand / 7 FROM inventory_current;\n")
    res, _ = run_queries(db, target.url, target.schema, queries)
    assert outcomes(res) == {"cost_quarters": "FAILED", "stock_sevenths": "PASSED"}, res.stdout[-3000:]
    assert "query cost_quarters [sku=SKU-00001] quarter: SQLite 3, PostgreSQL Decimal('3.2500000000000000')" \
        in res.stdout
    assert "integer_division" in res.stdout


@pytest.fixture
def icu_target(pg_admin_url, pg_url):
    """A schema in a database whose collation is ICU English (not byte order), as many servers have."""
    name = f"pgparity_icu_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(pg_admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        try:
            cur.execute(f"CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' "
                        "TEMPLATE template0")
        except psycopg2.Error as exc:
            pytest.skip(f"this server cannot make an ICU database: {exc}")
    t = Target(_with_db(pg_url, name))
    yield t
    t.conn.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def test_collation_order_is_named(demo_db, icu_target, tmp_path):
    migrate(demo_db, icu_target)
    queries = write(tmp_path, "-- name: customers_sorted\n"
                              "SELECT DISTINCT customer_name FROM orders_inbox ORDER BY customer_name;\n"
                              "-- name: customers_any_order\nSELECT DISTINCT customer_name FROM orders_inbox;\n"
                              "-- name: users_by_id\nSELECT id, username FROM users ORDER BY id;\n"
                              "-- name: ties\nSELECT username, \"group\" FROM users ORDER BY \"group\" DESC;\n"
                              "-- name: ties_by_position\nSELECT id, is_gift FROM shipped_items ORDER BY 2;\n")
    res, _ = run_queries(demo_db, icu_target.url, icu_target.schema, queries)
    # rows with equal ORDER BY keys may come in any order on either side: not a difference
    assert outcomes(res) == {"customers_sorted": "FAILED", "customers_any_order": "PASSED", "users_by_id": "PASSED",
                             "ties": "PASSED", "ties_by_position": "PASSED"}, res.stdout[-3000:]
    assert "the same rows in another order (collation: SQLite orders text by its bytes" in res.stdout
    assert 'ORDER BY customer_name COLLATE "C" gives SQLite\'s order' in res.stdout


def test_clock_zone(demo_db, shared, tmp_path):
    """CURRENT_TIMESTAMP is UTC in SQLite and the session's zone in PostgreSQL: a write into a timestamp
    column shows it; datetime('now'), rewritten to UTC, does not (no false alarm)."""
    queries = write(tmp_path, "-- name: touch\nUPDATE workflow_controls SET updated_at = CURRENT_TIMESTAMP "
                              "WHERE name = 'auto_pick';\n"
                              "-- name: touch_utc\nUPDATE workflow_controls SET updated_at = datetime('now') "
                              "WHERE name = 'auto_pick';\n"
                              "-- name: clock\nSELECT datetime('now') AS now_utc, date('now') AS today;\n")
    zoned = shared.url + ("&" if "?" in shared.url else "?") + "options=-c%20TimeZone%3DAmerica/New_York"
    res, _ = run_queries(demo_db, zoned, shared.schema, queries)
    assert outcomes(res) == {"touch": "FAILED", "touch_utc": "PASSED", "clock": "PASSED"}, res.stdout[-3000:]
    assert "updated_at" in res.stdout and "(read from the clock: minutes apart, a time zone?)" in res.stdout
    res, _ = run_queries(demo_db, shared.url + ("&" if "?" in shared.url else "?") +
                         "options=-c%20TimeZone%3DUTC", shared.schema, queries)
    assert set(outcomes(res).values()) == {"PASSED"}, res.stdout[-3000:]


@pytest.mark.parametrize("text,expect", [
    ("-- name: broken\nSELEC id FROM users;\n", "query broken (QUERIES:1): sqlglot cannot read it as SQLite"),
    ("-- name: needs_sku\nSELECT id FROM shipped_items WHERE sku = :sku;\n",
     "query needs_sku (QUERIES:1): parameter :sku has no sample value (add '-- param sku: VALUE'"),
    ("-- name: two_marks\n-- params: 1\nSELECT id FROM users WHERE id BETWEEN ? AND ?;\n",
     "query two_marks (QUERIES:1): 2 ? parameter(s) but 1 sample value(s) left"),
    ("-- name: tx\nBEGIN;\nUPDATE users SET email = NULL;\nCOMMIT;\n",
     "query tx (QUERIES:1): BEGIN/COMMIT/ROLLBACK are not replayed"),
    ("-- name: local\nSELECT datetime(shipped_at, 'localtime') FROM shipped_items;\n",
     "query local (QUERIES:1): cannot be translated to PostgreSQL: DATETIME(shipped_at, 'localtime'): no PostgreSQL "
     "form"),
])
def test_bad_query_is_a_clear_failure_naming_it(demo_db, shared, tmp_path, text, expect):
    queries = write(tmp_path, text + "-- name: fine\nSELECT count(*) FROM users;\n")
    res, _ = run_queries(demo_db, shared.url, shared.schema, queries)
    assert res.returncode == 1, res.stdout[-2000:]
    assert expect.replace("QUERIES", str(queries)) in res.stdout, res.stdout[-2000:]
    assert "Traceback" not in res.stdout + res.stderr
    assert outcomes(res)["fine"] == "PASSED"


@pytest.mark.parametrize("text,expect", [
    ("SELECT 1;\n-- name: late\nSELECT 2;\n", "QUERIES:1: SQL before the first '-- name:' line"),
    ("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n", "QUERIES:3: query 'a' is named twice"),
    ("-- name: p\n-- params: 'unclosed\nSELECT ?;\n", "QUERIES:2: query 'p': parameter value \"'unclosed\" is not"),
    ("-- name: empty\n-- just a comment\n", "QUERIES:1: query 'empty' has no SQL"),
])
def test_bad_queries_file_is_a_usage_error(demo_db, shared, tmp_path, text, expect):
    queries = write(tmp_path, text)
    res, _ = run_queries(demo_db, shared.url, shared.schema, queries)
    assert res.returncode == 4, res.stdout[-2000:] + res.stderr[-2000:]
    assert expect.replace("QUERIES", str(queries)) in res.stderr
    assert "Traceback" not in res.stdout + res.stderr


WAIVE = """
[pgparity]
[[pgparity.waivers]]
table = "gift_flags"
check = "query"
column = "gift_flag"
kind = "value"
reason = "the API renders flags itself: TICKET-12"
expires = 2999-12-31
"""


def test_waiver_and_default_queries_file(demo_db, shared, tmp_path):
    """A waiver matches a query's findings exactly (check 'query', table = the query's name, column, kind);
    queries.sql beside pgparity.toml is read without --queries."""
    (tmp_path / "queries.sql").write_text(
        "-- name: gift_flags\nSELECT id, 'gift:' || is_gift AS gift_flag FROM shipped_items ORDER BY id LIMIT 5;\n"
        "-- name: gift_share\nSELECT COUNT(*) FROM shipped_items WHERE is_gift = 1;\n")
    res, reports = run_queries(demo_db, shared.url, shared.schema, None, toml=WAIVE, cwd=tmp_path)
    assert res.returncode == 1 and outcomes(res) == {"gift_share": "FAILED"}, res.stdout[-3000:]
    assert "(0 passed, 1 waived)" in res.stdout
    summary = json.loads((reports / "summary.json").read_text())
    assert summary["tables"]["gift_flags"]["query"]["status"] == "waived"
    section = {q["name"]: q["status"] for q in json.loads((reports / "queries.json").read_text())["queries"]}
    assert section == {"gift_flags": "waived", "gift_share": "error"}
