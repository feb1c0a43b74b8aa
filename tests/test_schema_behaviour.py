"""The schema check proves behaviour: CHECK meaning, DEFAULTs, nothing stricter or narrower, declared intent.

Each mutation damages a correct copy one way (the data still fits; the application's next write or
read changes) and must fail `schema[table]` naming the column and the kind; each equivalent copy made
by other means must pass.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from pgparity.sqltranslate import glob_to_regex, translate_expr
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
from pgparity.verify.schema_parity import check_schema
from tests.conftest import corpus
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli

APP = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL COLLATE NOCASE UNIQUE,
    qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0),
    kind TEXT DEFAULT 'std' CHECK (kind IN ('std', 'bulk')),
    active BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    meta JSON CHECK (json_valid(meta)),
    code VARCHAR(8) CHECK (length(code) <= 8),
    n INTEGER NOT NULL CHECK (typeof(n) = 'integer'),
    zip TEXT CHECK (zip GLOB '[0-9][0-9][0-9][0-9][0-9]'),
    big BIGINT,
    title VARCHAR(150),
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP
);
"""


def build_app(path) -> str:
    """A small app database with CHECKs, DEFAULTs and a NOCASE UNIQUE, a few rows."""
    con = sqlite3.connect(path)
    con.executescript(APP)
    con.executemany("INSERT INTO items (sku, qty, kind, active, meta, code, n, zip, big, title, created_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [(f"SKU-{i}", i, "std" if i % 2 else "bulk", i % 2, json.dumps({"i": i}), f"C{i}", i,
                      f"{10000 + i}", 2**40 + i, f"title {i}", f"2024-01-0{1 + i % 9} 10:00:00") for i in range(20)])
    con.commit()
    con.close()
    return str(path)


def schema_outcome(sqlite_path, target, table: str):
    cmp = Comparison(str(sqlite_path), target.url, Settings(schema=target.schema), tables=[table])
    try:
        return check_schema(cmp, cmp.table(table))
    finally:
        cmp.close()


def kinds(outcome) -> set[tuple[str | None, str]]:
    return {(f.column, f.kind) for f in outcome.findings}


@pytest.fixture
def app(tmp_path, target):
    """The app database and a correct copy: migrate.py's, its NOCASE UNIQUE made a unique index on lower(sku)."""
    path = build_app(tmp_path / "app.db")
    migrate(path, target)
    for (name,) in target.sql("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
                              (target.q("items"),)):
        target.sql(f'ALTER TABLE {target.q("items")} DROP CONSTRAINT "{name}"')
    for (name,) in target.sql("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexdef LIKE "
                              "'%%UNIQUE%%' AND indexname NOT LIKE '%%pkey'", (target.schema,)):
        target.sql(f'DROP INDEX "{target.schema}"."{name}"')
    target.sql(f'CREATE UNIQUE INDEX items_sku_ci ON {target.q("items")} (lower(sku))')
    if not target.sql("SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' AND "
                      "pg_get_constraintdef(oid) LIKE '%%zip%%'", (target.q("items"),)):
        zip_check = translate_expr("zip GLOB '[0-9][0-9][0-9][0-9][0-9]'", {"zip": "zip"}).sql
        target.sql(f'ALTER TABLE {target.q("items")} ADD CHECK ({zip_check})')  # until ddl.py uses sqltranslate
    return path, target


def _check_name(target, table: str, column: str) -> str:
    return target.sql("SELECT conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                      "AND a.attnum = ANY (c.conkey) WHERE c.conrelid = %s::regclass AND c.contype = 'c' "
                      "AND a.attname = %s", (target.q(table), column))[0][0]


def _replace_check(target, table: str, column: str, new: str) -> None:
    q = target.q(table)
    target.sql(f'ALTER TABLE {q} DROP CONSTRAINT "{_check_name(target, table, column)}"')
    target.sql(f"ALTER TABLE {q} ADD {new}")


# --- correct copies pass, and say why ----------------------------------------------------------------------

def test_app_correct_copy_passes_with_type_implied_checks_said(app):
    path, target = app
    out = schema_outcome(path, target, "items")
    assert out.ok, out.message()
    for said in ("CHECK (active IN (0, 1)) is implied", "CHECK (json_valid(meta)) is implied",
                 "CHECK (typeof(n) = 'integer') is implied"):
        assert said in out.summary


@pytest.mark.parametrize("column,new", [
    ("qty", "CHECK (0 <= qty)"),
    ("kind", "CHECK (kind = 'std' OR kind = 'bulk')"),
    ("zip", "CHECK (zip ~ '^[0-9]{5}$')"),
], ids=["flipped", "in-as-or", "glob-as-regex"])
def test_check_written_differently_is_equal(app, column, new):
    path, target = app
    _replace_check(target, "items", column, new)
    out = schema_outcome(path, target, "items")
    assert out.ok, out.message()
    assert "written differently in PostgreSQL with the same meaning" in out.summary


def test_demo_correct_copy_passes(demo_db, demo_copy):
    for table in ("bundle_components", "orders_inbox", "users", "shipped_items"):
        out = schema_outcome(demo_db, demo_copy, table)
        assert out.ok, out.message()


# --- CHECK meaning ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("new,kind,said", [
    ("CHECK (true)", "check-meaning", "quantity = -1 rejected by SQLite is accepted by PostgreSQL"),
    ("CHECK (quantity >= -5)", "check-meaning", "rejected by SQLite is accepted by PostgreSQL"),
    ("CHECK (quantity > 0) NOT VALID", "check-not-valid", "NOT VALID"),
], ids=["true", "weakened", "not-valid"])
def test_demo_check_damaged_fails(demo_db, demo_copy, new, kind, said):
    _replace_check(demo_copy, "bundle_components", "quantity", new)
    out = schema_outcome(demo_db, demo_copy, "bundle_components")
    assert not out.ok
    assert ("quantity", kind) in kinds(out), out.message()
    assert said in out.message()


def test_check_moved_to_another_column_fails_on_both(app):
    path, target = app
    _replace_check(target, "items", "qty", "CHECK (n >= 0)")
    out = schema_outcome(path, target, "items")
    assert {("qty", "check-meaning"), ("n", "check-added")} <= kinds(out), out.message()
    assert "n = -1 accepted by SQLite is rejected by PostgreSQL" in out.message()


def test_check_implied_by_varchar_length_passes_when_dropped(app):
    path, target = app
    target.sql(f'ALTER TABLE {target.q("items")} DROP CONSTRAINT "{_check_name(target, "items", "code")}"')
    out = schema_outcome(path, target, "items")
    assert out.ok, out.message()
    assert "CHECK (length(code) <= 8) is implied by the PostgreSQL type of code" in out.summary


def test_stricter_check_added_fails(app):
    path, target = app
    target.sql(f"ALTER TABLE {target.q('items')} ADD CHECK (length(title) < 20)")
    out = schema_outcome(path, target, "items")
    assert ("title", "check-added") in kinds(out), out.message()


def test_untranslatable_check_lost_is_named(app):
    path, target = app
    target.sql(f"ALTER TABLE {target.q('items')} ALTER n TYPE text")
    out = schema_outcome(path, target, "items")
    assert ("n", "check-untranslatable") in kinds(out), out.message()
    assert "typeof()" in out.message()


# --- DEFAULTs -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("table,column,alter,kind", [
    ("orders_inbox", "status", "SET DEFAULT 'picking'", "default"),
    ("orders_inbox", "priority", "DROP DEFAULT", "default"),
    ("users", "created_at", "DROP DEFAULT", "default"),
    ("users", "is_admin", "SET DEFAULT true", "default"),
    ("shipped_orders", "carrier", "SET DEFAULT 'dhl'", "default-added"),
    ("users", "created_at", "SET DEFAULT '2020-01-01'", "default"),
], ids=["changed", "dropped", "clock-dropped", "boolean-changed", "added", "clock-to-constant"])
def test_demo_default_damaged_fails(demo_db, demo_copy, table, column, alter, kind):
    demo_copy.sql(f'ALTER TABLE {demo_copy.q(table)} ALTER "{column}" {alter}')
    out = schema_outcome(demo_db, demo_copy, table)
    assert (column, kind) in kinds(out), out.message()


def test_equivalent_clock_and_boolean_defaults_pass(app):
    path, target = app
    q = target.q("items")
    target.sql(f"ALTER TABLE {q} ALTER created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC'")
    target.sql(f"ALTER TABLE {q} ALTER created_at SET DEFAULT CURRENT_TIMESTAMP")
    target.sql(f"ALTER TABLE {q} ALTER active SET DEFAULT '1'::boolean")
    out = schema_outcome(path, target, "items")
    assert out.ok, out.message()


def test_local_clock_on_timestamp_depends_on_server_timezone(app, pg_url):
    path, target = app
    q = target.q("items")
    target.sql(f"ALTER TABLE {q} ALTER created_at SET DEFAULT now()")
    db = target.sql("SELECT current_database()")[0][0]
    target.sql(f"ALTER DATABASE \"{db}\" SET TimeZone = 'America/New_York'")
    try:
        out = schema_outcome(path, target, "items")
    finally:
        target.sql(f'ALTER DATABASE "{db}" RESET TimeZone')
    assert ("created_at", "default") in kinds(out), out.message()
    assert "America/New_York" in out.message()


# --- stricter or narrower ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sql,column,kind", [
    ("ALTER TABLE {q} ALTER big SET NOT NULL", "big", "not-null-added"),
    ("ALTER TABLE {q} ADD COLUMN tenant integer NOT NULL DEFAULT 1; ALTER TABLE {q} ALTER tenant DROP DEFAULT",
     "tenant", "extra-required-column"),
    ("ALTER TABLE {q} ALTER title TYPE varchar(12) USING left(title, 12)", "title", "narrower-type"),
    ("ALTER TABLE {q} ALTER big TYPE integer USING mod(big, 1000)::int", "big", "narrower-type"),
    ("DROP INDEX {s}.items_sku_ci; CREATE UNIQUE INDEX items_sku_ci ON {q} (lower(sku)) WHERE qty > 3",
     "sku", "unique-partial"),
    ("DROP INDEX {s}.items_sku_ci; ALTER TABLE {q} ADD UNIQUE (sku)", "sku", "unique-collation"),
    ("DROP INDEX {s}.items_sku_ci", "sku", "unique-lost"),
    ("ALTER TABLE {q} ADD UNIQUE (kind, qty)", None, "unique-added"),
    ("ALTER TABLE {q} ALTER active DROP DEFAULT; ALTER TABLE {q} ALTER active TYPE bigint USING active::int",
     "active", "declared-intent"),
    ("ALTER TABLE {q} ALTER created_at DROP DEFAULT; ALTER TABLE {q} ALTER created_at TYPE text",
     "created_at", "declared-intent"),
], ids=["not-null-added", "extra-required", "varchar-shorter", "bigint-to-integer", "unique-partial",
        "nocase-made-case-sensitive", "unique-lost", "unique-added", "boolean-as-integer", "datetime-as-text"])
def test_app_stricter_or_narrower_fails(app, sql, column, kind):
    path, target = app
    target.sql(sql.format(q=target.q("items"), s=f'"{target.schema}"'))
    out = schema_outcome(path, target, "items")
    assert (column, kind) in kinds(out), out.message()


def test_demo_smallint_and_boolean_as_integer(demo_db, demo_copy):
    demo_copy.sql(f"ALTER TABLE {demo_copy.q('bundle_components')} ALTER quantity TYPE smallint")
    assert ("quantity", "narrower-type") in kinds(schema_outcome(demo_db, demo_copy, "bundle_components"))
    q = demo_copy.q("shipped_items")
    demo_copy.sql(f"ALTER TABLE {q} ALTER is_gift DROP DEFAULT, ALTER is_gift TYPE integer USING is_gift::int, "
                  "ALTER is_gift SET DEFAULT 0")
    assert ("is_gift", "declared-intent") in kinds(schema_outcome(demo_db, demo_copy, "shipped_items"))


def test_demo_unique_on_more_columns(demo_db, demo_copy):
    name = demo_copy.sql("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
                         (demo_copy.q("users"),))[0][0]
    demo_copy.sql(f'ALTER TABLE {demo_copy.q("users")} DROP CONSTRAINT "{name}", ADD UNIQUE (username, email)')
    out = schema_outcome(demo_db, demo_copy, "users")
    assert ("username", "unique-columns") in kinds(out), out.message()


def test_declared_type_the_values_do_not_fit_stays_text_without_finding(tmp_path, target):
    path = tmp_path / "d.db"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE e (id INTEGER PRIMARY KEY, at DATETIME, ok BOOLEAN);"
                      "INSERT INTO e VALUES (1, 'yesterday', 'maybe'), (2, '2024-01-01 00:00:00', 1);")
    con.commit()
    con.close()
    migrate(path, target)
    out = schema_outcome(path, target, "e")
    assert out.ok, out.message()


# --- a corpus database ------------------------------------------------------------------------------------

def test_corpus_chinook_copy_passes_and_damage_is_named(target):
    path = corpus("chinook", "Chinook_Sqlite.sqlite")
    migrate(path, target)
    assert schema_outcome(path, target, "Invoice").ok
    target.sql(f'ALTER TABLE {target.q("Invoice")} ALTER "BillingCity" TYPE varchar(5) USING left("BillingCity", 5)')
    target.sql(f'ALTER TABLE {target.q("Invoice")} ADD CHECK ("Total" > 1) NOT VALID')
    target.sql(f'ALTER TABLE {target.q("Invoice")} ALTER "Total" TYPE numeric(12,1)')
    out = schema_outcome(path, target, "Invoice")
    assert {("BillingCity", "narrower-type"), ("Total", "check-added"), ("Total", "narrower-type")} <= kinds(out), \
        out.message()


def test_corpus_clock_defaults_carried(target):
    path = corpus("pgloader-sqlite", "sqlite.db")
    migrate(path, target)
    for table in ("appointments", "datetime_default"):
        out = schema_outcome(path, target, table)
        assert out.ok, out.message()


# --- through the command line ------------------------------------------------------------------------------

def _cli(sqlite_path, target, tmp_path, *extra):
    out = tmp_path / "rep"
    res = run_checks_cli("--sqlite", sqlite_path, "--pg", target.url, "--pg-schema", target.schema, "--reports",
                         out, "-m", "schema", *extra, cwd=tmp_path)
    return res, json.loads((out / "summary.json").read_text())


def test_cli_app_copy_go_then_damage_no_go(app, tmp_path):
    path, target = app
    res, summary = _cli(path, target, tmp_path)
    assert res.returncode == 0, res.stdout[-3000:]
    assert summary["verdict"] == "GO"
    _replace_check(target, "items", "qty", "CHECK (qty >= -5)")
    target.sql(f"ALTER TABLE {target.q('items')} ALTER kind SET DEFAULT 'bulk'")
    res, summary = _cli(path, target, tmp_path)
    assert res.returncode == 1 and summary["verdict"] == "NO-GO"
    failure = next(f for f in summary["failures"] if f["check"] == "schema")
    got = {(f["column"], f["kind"]) for f in failure["findings"]}
    assert got == {("qty", "check-meaning"), ("kind", "default")}, failure


def test_cli_waiver_for_declared_intent(demo_db, demo_copy, tmp_path):
    q = demo_copy.q("shipped_items")
    demo_copy.sql(f"ALTER TABLE {q} ALTER is_gift DROP DEFAULT, ALTER is_gift TYPE integer USING is_gift::int, "
                  "ALTER is_gift SET DEFAULT 0")
    res, summary = _cli(demo_db, demo_copy, tmp_path, "-k", "shipped_items")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO"
    (tmp_path / "pgparity.toml").write_text(
        '[pgparity]\n[[pgparity.waivers]]\ntable = "shipped_items"\ncheck = "schema"\ncolumn = "is_gift"\n'
        'kind = "declared-intent"\nreason = "the app reads 0/1"\nexpires = 2999-12-31\n')
    res, summary = _cli(demo_db, demo_copy, tmp_path, "-k", "shipped_items")
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-3000:]


# --- the translation module ----------------------------------------------------------------------------------

def test_translate_expr_maps_columns_and_names_what_it_cannot_carry():
    t = translate_expr("[Unit Price] > 0 AND sku LIKE 'A%' AND \"none\" = x", {"Unit Price": "unit_price",
                                                                            "SKU": "sku", "x": "x"})
    assert t.sql == '"unit_price" > 0 AND "sku" ILIKE \'A%\' AND \'none\' = "x"' and t.problems == []
    bad = translate_expr("json_valid(meta) AND strftime('%Y', d) > '2000'", {"meta": "meta", "d": "d"})
    assert bad.sql is None and bad.problems == ["json_valid() is a SQLite function PostgreSQL does not have",
                                                "strftime() has no PostgreSQL function with SQLite's meaning"]
    assert glob_to_regex("[0-9]*.?") == "^[0-9].*\\..$"


def test_enum_type_implies_an_in_check_until_it_gains_a_label(tmp_path, target):
    path = tmp_path / "e.db"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE o (id INTEGER PRIMARY KEY, status VARCHAR(8) NOT NULL "
                      "CHECK (status IN ('new', 'done'))); INSERT INTO o VALUES (1, 'new'), (2, 'done');")
    con.commit()
    con.close()
    target.sql(f'CREATE TYPE "{target.schema}".st AS ENUM (\'done\', \'new\')')  # byte order: sorts as text
    target.sql(f'CREATE TABLE {target.q("o")} (id bigint PRIMARY KEY, status "{target.schema}".st NOT NULL)')
    target.sql(f"INSERT INTO {target.q('o')} VALUES (1, 'new'), (2, 'done')")
    out = schema_outcome(path, target, "o")
    assert out.ok and "is implied by the PostgreSQL type of status" in out.summary, out.message()
    target.sql(f"ALTER TYPE \"{target.schema}\".st ADD VALUE 'lost'")
    out = schema_outcome(path, target, "o")
    assert ("status", "check-meaning") in kinds(out) and "status = 'lost'" in out.message()
