"""Views, triggers, generated columns and virtual tables: carried by migrate.py where they translate, and
the objects check fails when one is missing or changed, or when PostgreSQL adds a rule, trigger, row
security or a shadowing table that changes what the application reads or writes.

A clean copy of the demo is migrate.py's copy plus the hand port of its trigger (migrate.py does not
translate triggers and says so): that is what a user does before cutover.
"""

import json
import sqlite3
import uuid

import pytest

from tests.build import findings, objects_outcomes
from tests.conftest import corpus
from tests.demo_port import port_demo_trigger
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli


@pytest.fixture
def copy(demo_db, target):
    migrate(demo_db, target)
    port_demo_trigger(target)
    return target


def test_clean_demo_copy_passes_and_carries_the_view(copy, demo_db):
    assert findings(objects_outcomes(demo_db, copy)) == set()
    assert copy.sql("SELECT count(*) FROM information_schema.views WHERE table_schema = %s AND table_name = "
                    "'open_orders'", (copy.schema,)) == [(1,)]


def test_migrate_says_the_trigger_is_not_translated_and_the_check_fails(demo_db, target):
    prep = migrate(demo_db, target)
    assert prep.plan.not_migrated == ["trigger inventory_touch: triggers are not translated (port it to "
                                      "PL/pgSQL by hand)"]
    assert findings(objects_outcomes(demo_db, target)) == {
        ("inventory_current", None, "trigger-missing", "trigger=inventory_touch")}


@pytest.mark.parametrize("damage,expected", [
    ("DROP TRIGGER inventory_touch ON {inventory_current}",
     ("inventory_current", None, "trigger-missing", "trigger=inventory_touch")),
    ("ALTER TABLE {inventory_current} DISABLE TRIGGER inventory_touch",
     ("inventory_current", None, "trigger-disabled", "trigger=inventory_touch")),
    ("DROP VIEW {open_orders}", ("orders_inbox", None, "view-missing", "view=open_orders")),
    ("CREATE OR REPLACE VIEW {open_orders} AS SELECT * FROM {orders_inbox} WHERE status = 'new'",
     ("orders_inbox", None, "view-rows", "view=open_orders")),
    ("CREATE RULE drop_writes AS ON INSERT TO {shipped_items} DO INSTEAD NOTHING",
     ("shipped_items", None, "pg-rule", "rule=drop_writes")),
    ("CREATE TRIGGER stamp BEFORE INSERT ON {users} FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
     ("users", None, "pg-trigger", "trigger=stamp")),
    ("ALTER TABLE {users} ENABLE ROW LEVEL SECURITY", ("users", None, "rls", None)),
], ids=["trigger-dropped", "trigger-disabled", "view-dropped", "view-changed", "rule-instead-nothing",
        "user-trigger-added", "row-level-security"])
def test_demo_damage_is_named(copy, demo_db, damage, expected):
    names = {n: copy.q(n) for n in ("inventory_current", "open_orders", "orders_inbox", "shipped_items", "users")}
    copy.sql(damage.format(**names))
    assert findings(objects_outcomes(demo_db, copy)) == {expected}


def test_view_column_changed_with_same_row_count(copy, demo_db):
    copy.sql(f"CREATE OR REPLACE VIEW {copy.q('open_orders')} AS SELECT id, external_ref, customer_name, "
             f"payload, status, NULL::bigint AS priority, received_at FROM {copy.q('orders_inbox')} "
             "WHERE status <> 'shipped'")
    outcome = objects_outcomes(demo_db, copy)["orders_inbox"]
    assert {(f.kind, f.key) for f in outcome.findings} == {("view-values", "view=open_orders")}
    assert "column priority is NULL in" in outcome.message()


def test_view_kept_as_a_table_does_not_follow_writes(copy, demo_db):
    copy.sql(f"DROP VIEW {copy.q('open_orders')}")
    copy.sql(f"CREATE TABLE {copy.q('open_orders')} AS SELECT * FROM {copy.q('orders_inbox')} "
             "WHERE status <> 'shipped'")
    assert findings(objects_outcomes(demo_db, copy)) == {
        ("orders_inbox", None, "view-materialized", "view=open_orders")}


@pytest.mark.parametrize("scope", ["database", "role"])
def test_shadowing_table_earlier_on_the_search_path(copy, demo_db, scope):
    db = copy.sql("SELECT current_database()")[0][0]
    shadow = copy.schema + "_shadow"
    who = f'DATABASE "{db}"' if scope == "database" else f'ROLE CURRENT_USER IN DATABASE "{db}"'
    copy.sql(f'CREATE SCHEMA "{shadow}"')
    try:
        copy.sql(f'CREATE TABLE "{shadow}".users (id bigint)')
        # the copy's schema is on no search_path: nothing shadows
        assert findings(objects_outcomes(demo_db, copy)) == set()
        copy.sql(f'ALTER {who} SET search_path = "{shadow}", "{copy.schema}"')
        found = findings(objects_outcomes(demo_db, copy))
        outcome = objects_outcomes(demo_db, copy)["users"]
    finally:
        copy.sql(f"ALTER {who} RESET search_path")
        copy.sql(f'DROP SCHEMA "{shadow}" CASCADE')
    assert found == {("users", None, "shadowed", None)}
    assert f'table "{shadow}"."users" comes first on search_path' in outcome.message()


def _generated_db(tmp_path):
    path = tmp_path / "gen.db"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE item (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE, price REAL, qty INTEGER,
                           total REAL GENERATED ALWAYS AS (price * qty) STORED,
                           label TEXT AS (upper(email)) VIRTUAL);
        INSERT INTO item (email, price, qty) VALUES ('a@x.org', 1.5, 2), ('B@x.org', 2.25, 4);
        CREATE VIEW big AS SELECT id, total FROM item WHERE total > 3;
        CREATE VIEW by_month AS SELECT strftime('%m', 'now') AS m, count(*) AS n FROM item;
        CREATE VIRTUAL TABLE notes USING fts5(body);
    """)
    con.commit()
    con.close()
    return path


def test_generated_columns_views_and_nocase_are_carried(tmp_path, target):
    path = _generated_db(tmp_path)
    prep = migrate(path, target)
    assert any(n.startswith("view by_month: ") and "strftime() has no PostgreSQL equivalent" in n
               for n in prep.plan.not_migrated)
    assert "virtual table notes: PostgreSQL has no virtual tables" in prep.plan.not_migrated
    assert any("label: VIRTUAL in SQLite, STORED in PostgreSQL" in n for n in prep.plan.table("item").notes)
    gen = target.sql("SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = %s::regclass "
                     "AND attgenerated <> ''", (target.q("item"),))
    assert sorted(gen) == [("label", "s"), ("total", "s")]
    rows = target.sql(f"SELECT total, label FROM {target.q('item')} ORDER BY id")
    assert rows == [(3.0, "A@X.ORG"), (9.0, "B@X.ORG")]
    with pytest.raises(Exception, match="duplicate key"):  # SQLite's NOCASE UNIQUE refuses it too
        target.sql(f"INSERT INTO {target.q('item')} (email) VALUES ('A@X.ORG')")
    found = findings(objects_outcomes(path, target))
    assert found == {("item", None, "virtual-missing", "table=notes"),
                     ("item", None, "view-missing", "view=by_month")}


@pytest.mark.parametrize("damage,kind", [
    ("ALTER TABLE {item} DROP COLUMN total CASCADE", "generated-missing"),
    ("ALTER TABLE {item} DROP COLUMN total CASCADE; ALTER TABLE {item} ADD COLUMN total double precision; "
     "UPDATE {item} SET total = price * qty", "generated-plain"),
    ("ALTER TABLE {item} DROP COLUMN total CASCADE; "
     "ALTER TABLE {item} ADD COLUMN total double precision GENERATED ALWAYS AS (price * qty + 1) STORED",
     "generated-expression"),
    ("ALTER TABLE {item} DROP COLUMN total CASCADE; "
     "ALTER TABLE {item} ADD COLUMN total double precision GENERATED ALWAYS AS (coalesce(price, 0) * qty) STORED",
     "generated-expression"),  # equal on every row present; differs on the next row with no price
], ids=["dropped", "plain-column", "other-expression", "same-on-present-rows-only"])
def test_generated_column_damaged(tmp_path, target, damage, kind):
    path = _generated_db(tmp_path)
    migrate(path, target)
    for stmt in damage.format(item=target.q("item")).split("; "):
        target.sql(stmt)  # CASCADE drops the view `big` that reads the column, too
    found = {f for f in findings(objects_outcomes(path, target)) if f[2] not in ("virtual-missing", "view-missing")}
    assert found == {("item", "total", kind, None)}


def test_sakila_views_carried_triggers_said(target):
    path = corpus("sakila", "sakila.db")
    prep = migrate(path, target)
    assert [n for n in prep.plan.not_migrated if n.startswith("trigger")] == [
        f"trigger {t}: triggers are not translated (port it to PL/pgSQL by hand)"
        for t in ("ins_film", "upd_film", "del_film")]
    before = findings(objects_outcomes(path, target))
    assert {(t, k, key) for t, _, k, key in before} == {
        ("film", "trigger-missing", "trigger=ins_film"), ("film", "trigger-missing", "trigger=upd_film"),
        ("film", "trigger-missing", "trigger=del_film"),
        ("payment", "view-missing", "view=sales_by_store")}  # PostgreSQL refuses its bare GROUP BY column
    target.sql(f"DROP VIEW {target.q('film_list')}")
    target.sql(f"CREATE RULE no_delete AS ON DELETE TO {target.q('rental')} DO INSTEAD NOTHING")
    after = findings(objects_outcomes(path, target)) - before
    assert {(f[2], f[3]) for f in after} == {("view-missing", "view=film_list"), ("pg-rule", "rule=no_delete")}


def _cli(path, t, tmp_path, *extra):
    out = tmp_path / ("rep_" + uuid.uuid4().hex[:6])
    res = run_checks_cli("--sqlite", path, "--pg", t.url, "--pg-schema", t.schema, "--reports", out,
                         "-m", "objects", "-q", *extra, cwd=tmp_path)
    return res, json.loads((out / "summary.json").read_text())


def test_cli_no_go_until_the_trigger_is_ported_or_waived(demo_db, target, tmp_path):
    migrate(demo_db, target)
    res, summary = _cli(demo_db, target, tmp_path)
    assert res.returncode == 1 and summary["verdict"] == "NO-GO"
    assert "objects[inventory_current]" in res.stdout and "trigger inventory_touch" in res.stdout
    (tmp_path / "pgparity.toml").write_text(
        '[pgparity]\n[[pgparity.waivers]]\ntable = "inventory_current"\ncheck = "objects"\n'
        'kind = "trigger-missing"\nkey = "trigger=inventory_touch"\nreason = "ported after cutover: TICKET-7"\n'
        'expires = 2999-12-31\n')
    res, summary = _cli(demo_db, target, tmp_path)
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-2000:]
    port_demo_trigger(target)
    (tmp_path / "pgparity.toml").unlink()
    res, summary = _cli(demo_db, target, tmp_path)
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-2000:]
    target.sql(f"CREATE RULE drop_writes AS ON INSERT TO {target.q('shipped_items')} DO INSTEAD NOTHING")
    res, summary = _cli(demo_db, target, tmp_path, "-k", "shipped_items")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO"
    found = [(f["table"], x["kind"], x["key"]) for f in summary["failures"] for x in f["findings"]]
    assert found == [("shipped_items", "pg-rule", "rule=drop_writes")]


def test_drop_existing_replaces_the_views_too(demo_db, target):
    migrate(demo_db, target)
    migrate(demo_db, target, drop_existing=True)  # the view depends on orders_inbox: dropped first, then made again
    assert target.sql("SELECT count(*) FROM information_schema.views WHERE table_schema = %s", (target.schema,)) \
        == [(1,)]


def test_dry_run_shows_views_and_generated_columns(tmp_path):
    from pgparity.migration import dry_run_text, prepare
    from tests.helpers import options

    opts = options("app")
    prep = prepare(_generated_db(tmp_path), opts)
    try:
        text = dry_run_text(prep, opts)
    finally:
        prep.source.close()
    assert 'ADD COLUMN "total" double precision GENERATED ALWAYS AS ("price" * "qty") STORED;' in text
    assert 'CREATE VIEW "app"."big" AS SELECT "id", "total" FROM "app"."item" WHERE "total" > 3;' in text
    assert 'CREATE UNIQUE INDEX "item_email_nocase_key" ON "app"."item" (lower("email"));' in text
    assert "-- not migrated: virtual table notes: PostgreSQL has no virtual tables" in text
