"""All or nothing: a failure anywhere leaves the target exactly as it was."""

import threading

import psycopg2
import pytest

from pgparity.errors import RefusedError, TargetError
from pgparity.load import LoadOptions, load
from pgparity.migration import prepare
from tests.helpers import migrate, options


def _snapshot(target):
    return target.sql("SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = %s ORDER BY 1", (target.schema,))


def test_failure_in_a_late_table_rolls_back_everything(demo_db, target):
    target.sql(f"CREATE TABLE {target.q('keep_me')} (x int)")
    before = _snapshot(target)
    prep = prepare(demo_db, options(target.schema))
    last = prep.plan.tables[-1].name
    with pytest.raises(TargetError, match="injected"):
        load(prep.source, prep.plan, target.url, LoadOptions(), fail_after_table=last)
    prep.source.close()
    assert _snapshot(target) == before


def test_killed_connection_mid_copy_leaves_nothing(demo_db, target, pg_url):
    before = _snapshot(target)
    prep = prepare(demo_db, options(target.schema))
    killer = psycopg2.connect(pg_url)
    killer.autocommit = True
    fired = threading.Event()

    def progress(table, done, total):
        if table == "shipped_items" and done > 0 and not fired.is_set():
            fired.set()
            with killer.cursor() as cur:
                cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'pgparity' AND pid <> pg_backend_pid()")

    with pytest.raises(TargetError, match="nothing was committed"):
        load(prep.source, prep.plan, target.url, LoadOptions(), progress=progress)
    prep.source.close()
    killer.close()
    assert fired.is_set()
    assert _snapshot(target) == before


def test_refuses_existing_tables_and_changes_nothing(demo_db, target):
    target.sql(f"CREATE TABLE {target.q('users')} (id int)")
    target.sql(f"INSERT INTO {target.q('users')} VALUES (42)")
    before = _snapshot(target)
    with pytest.raises(RefusedError, match="already exist.*users.*--drop-existing"):
        migrate(demo_db, target)
    assert _snapshot(target) == before
    assert target.sql(f"SELECT id FROM {target.q('users')}") == [(42,)]


def test_drop_existing_replaces_only_migrated_tables(demo_db, target):
    target.sql(f"CREATE TABLE {target.q('users')} (id int)")
    target.sql(f"CREATE TABLE {target.q('unrelated')} (id int)")
    migrate(demo_db, target, drop_existing=True)
    assert "unrelated" in target.tables()
    assert target.sql(f"SELECT count(*) FROM {target.q('users')}")[0][0] == 39
