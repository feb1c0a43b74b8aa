"""--data-only: load into a schema the application created, converting to its types, never altering it."""

from pathlib import Path

import pytest

from pgparity.dataonly import adapt
from pgparity.errors import RefusedError
from pgparity.migration import prepare
from tests.build import sqlite_file
from tests.conftest import corpus
from tests.helpers import migrate, options
from tests.oracle import assert_same

APP_SCHEMA = (Path(__file__).parent / "data" / "demo_app_schema.sql").read_text()


def _create(target, ddl: str) -> None:
    target.sql(f'SET search_path = "{target.schema}"; {ddl}')


def _schema_fingerprint(target):
    return target.sql("SELECT table_name, column_name, data_type, is_nullable, column_default "
                      "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2", (target.schema,))


def _adapted_plan(path, target, **kw):
    opts = options(target.schema, data_only=True, **kw)
    prep = prepare(path, opts)
    with target.conn.cursor() as cur:
        tables, refusals, _ = adapt(prep, cur, opts)
    prep.source.close()
    prep.plan.tables = tables
    return prep.plan, refusals


def test_demo_into_orm_schema(demo_db, target):
    _create(target, APP_SCHEMA)
    before = _schema_fingerprint(target)
    migrate(demo_db, target, data_only=True)
    assert _schema_fingerprint(target) == before
    plan, refusals = _adapted_plan(demo_db, target)
    assert refusals == []
    assert_same(demo_db, target.url, plan)
    # the app's own sequences are past max(key): an insert without id works at once
    new = target.sql(f"INSERT INTO {target.q('shipped_items')} (order_id, sku, is_gift) VALUES (1, 'X', false) "
                     "RETURNING id")[0][0]
    assert new == 3001
    new_user = target.sql(f"INSERT INTO {target.q('users')} (username, password_hash) VALUES ('n', 'h') RETURNING id")
    assert new_user[0][0] == 41  # past sqlite_sequence (40), though max(id) is 39


def test_refuses_when_target_holds_rows_unless_truncate(demo_db, target):
    _create(target, APP_SCHEMA)
    target.sql(f"INSERT INTO {target.q('bundle_skus')} VALUES ('OLD', 'old')")
    with pytest.raises(RefusedError, match="already hold rows: bundle_skus.*--truncate"):
        migrate(demo_db, target, data_only=True)
    assert target.sql(f"SELECT count(*) FROM {target.q('users')}") == [(0,)]
    migrate(demo_db, target, data_only=True, truncate=True)
    assert target.sql(f"SELECT count(*) FROM {target.q('bundle_skus')} WHERE bundle_sku = 'OLD'") == [(0,)]


def test_narrower_column_is_refused_naming_the_row(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(50), price REAL, n INTEGER);",
                       {"t": [(1, "ok", 1.25, 1), (2, "x" * 60, 1.005, 2**40)]})
    _create(target, "CREATE TABLE t (id int PRIMARY KEY, name varchar(50), price numeric(10,2), n integer)")
    with pytest.raises(RefusedError) as err:
        migrate(path, target, data_only=True)
    text = str(err.value)
    assert "t.name: value longer than character varying(50)" in text and "rowid 2" in text
    assert "t.price: value not a number that numeric(10,2) keeps exactly" in text
    assert "t.n: value not an integer that fits integer" in text
    assert target.sql(f"SELECT count(*) FROM {target.q('t')}") == [(0,)]


def test_missing_target_column_is_refused(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, extra TEXT);", {"t": [(1, "x")]})
    _create(target, "CREATE TABLE t (id int PRIMARY KEY, required text NOT NULL)")
    with pytest.raises(RefusedError) as err:
        migrate(path, target, data_only=True)
    assert "no column 'extra'" in str(err.value) and "required is NOT NULL without default" in str(err.value)


def test_zone_shift_is_refused_and_source_tz_applies(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE e (id INTEGER PRIMARY KEY, at DATETIME);",
                       {"e": [(1, "2024-06-01 12:00:00")]})
    _create(target, "CREATE TABLE e (id int PRIMARY KEY, at timestamptz)")
    migrate(path, target, data_only=True, source_tz="Europe/Paris")
    got = target.sql(f"SELECT extract(epoch FROM at)::bigint FROM {target.q('e')}")[0][0]
    assert got == 1717236000  # 12:00 in Paris (UTC+2) is 10:00 UTC


def test_chinook_into_lowercase_schema_with_circular_order(target):
    path = corpus("chinook", "Chinook_Sqlite.sqlite")
    # a pgloader-style target: lower-case names, made by a full migration then emptied
    migrate(path, target, lowercase_names=True)
    target.sql(f"TRUNCATE {', '.join(target.q(t) for t in target.tables())}")
    migrate(path, target, data_only=True)
    plan, _ = _adapted_plan(path, target)
    assert_same(path, target.url, plan)


def test_data_only_sakila_circular_fks(target):
    path = corpus("sakila", "sakila.db")
    migrate(path, target)
    target.sql("SET session_replication_role = replica")
    target.sql(f"TRUNCATE {', '.join(target.q(t) for t in target.tables())}")
    target.sql("SET session_replication_role = origin")
    before = target.sql("SELECT conname, condeferrable, convalidated FROM pg_constraint c JOIN pg_namespace n "
                        "ON n.oid = c.connamespace WHERE n.nspname = %s ORDER BY 1", (target.schema,))
    migrate(path, target, data_only=True)  # store <-> staff: no load order exists without deferral
    after = target.sql("SELECT conname, condeferrable, convalidated FROM pg_constraint c JOIN pg_namespace n "
                       "ON n.oid = c.connamespace WHERE n.nspname = %s ORDER BY 1", (target.schema,))
    assert after == before
    plan, _ = _adapted_plan(path, target)
    assert_same(path, target.url, plan)


def test_data_only_orphans_are_caught_by_the_fks(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, "
                       "p_id INTEGER);", {"p": [(1,)], "c": [(1, 1), (2, 99)]})
    _create(target, "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p)")
    with pytest.raises(Exception, match="foreign key.*nothing was committed"):
        migrate(path, target, data_only=True)
    assert target.sql(f"SELECT count(*) FROM {target.q('p')}") == [(0,)]
