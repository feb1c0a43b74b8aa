"""Follow-ups on objects and migrate's copy: a view compared by content, CHECKs carried with their meaning,
json_valid text columns and TIME columns typed by their values, and a role without CREATE on the database.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.errors
import pytest

from tests.build import column_type, findings, objects_outcomes, sqlite_file
from tests.checking import failures, run_checks
from tests.demo_port import port_demo_trigger
from tests.helpers import migrate

_VIEW_COLS = "id, external_ref, {name} AS customer_name, payload, status, priority, received_at"


def _demo_with_view(demo_db, target, customer_name: str, where: str) -> None:
    """The demo migrated, its trigger ported, and PostgreSQL's open_orders redefined."""
    migrate(demo_db, target)
    port_demo_trigger(target)
    cols = _VIEW_COLS.format(name=customer_name)
    target.sql(f"CREATE OR REPLACE VIEW {target.q('open_orders')} AS SELECT {cols} FROM {target.q('orders_inbox')} "
               f"WHERE {where}")


def test_view_value_changed_fails_naming_the_view(demo_db, target):
    _demo_with_view(demo_db, target, "upper(customer_name)", "status <> 'shipped'")
    outcome = objects_outcomes(demo_db, target)["orders_inbox"]
    assert {(f.column, f.kind, f.key) for f in outcome.findings} == {(None, "view-values", "view=open_orders")}
    text = outcome.findings[0].text
    assert "view open_orders" in text and "e.g. SQLite: {" in text and "PostgreSQL: {" in text


def test_equal_view_written_differently_passes(demo_db, target):
    _demo_with_view(demo_db, target, "(CASE WHEN customer_name IS NULL THEN NULL ELSE '' || customer_name END)",
                    "NOT (status = 'shipped') AND status IS NOT NULL ORDER BY id DESC")
    assert findings(objects_outcomes(demo_db, target)) == set()


def _sqlite(path, *statements: str):
    return sqlite_file(path.parent, ";\n".join(statements), name=path.name)


def _failed(path, t) -> dict:
    return failures(run_checks(path, t.url, t.schema))


def test_glob_and_like_checks_carried_with_their_meaning(tmp_path, target):
    path = _sqlite(tmp_path / "c.db",
                   "CREATE TABLE code (id INTEGER PRIMARY KEY, name TEXT CHECK (name GLOB '[A-Z]*'), "
                   "ref TEXT CHECK ([ref] LIKE 'ab%'))",
                   "INSERT INTO code (name, ref) VALUES ('Abc', 'AB1'), ('Zed', 'abz')")
    prep = migrate(path, target)
    assert not [n for n in prep.plan.not_migrated if n.startswith("check")]
    checks = {r[0] for r in target.sql("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' "
                                       "AND conrelid = %s::regclass", (target.q("code"),))}
    assert len(checks) == 2 and any("~~*" in c for c in checks) and any("~" in c and "~~" not in c for c in checks)
    assert _failed(path, target) == {}
    for bad in ("('abc', 'AB2')", "('Abc', 'zz')"):
        with pytest.raises(psycopg2.errors.CheckViolation):
            target.sql(f"INSERT INTO {target.q('code')} (name, ref) VALUES {bad}")


def test_check_that_does_not_translate_is_reported_with_its_construct(tmp_path, target):
    path = _sqlite(tmp_path / "c.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT CHECK (typeof(v) = 'text'))",
                   "INSERT INTO t (v) VALUES ('x')")
    prep = migrate(path, target)
    assert [n for n in prep.plan.not_migrated if n.startswith("check")] == [
        "check t CHECK (typeof(v) = 'text'): " + n.split(": ", 1)[1]
        for n in prep.plan.not_migrated if n.startswith("check")]
    assert any("typeof" in n for n in prep.plan.not_migrated if n.startswith("check"))


def test_django_json_valid_text_column_with_scalars_lands_as_jsonb(tmp_path, target):
    path = _sqlite(tmp_path / "j.db",
                   'CREATE TABLE "app_item" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
                   '"data" text NULL CHECK ((JSON_VALID("data") OR "data" IS NULL)))',
                   "INSERT INTO app_item (data) VALUES ('{\"a\": 1}'), ('[1, 2]'), ('1'), ('2.5'), ('\"s\"'), "
                   "('true'), ('false'), ('null'), (NULL)")
    prep = migrate(path, target)
    assert not prep.plan.not_migrated
    assert column_type(target, "app_item", "data") == "jsonb"
    assert target.sql(f"SELECT jsonb_typeof(data) FROM {target.q('app_item')} ORDER BY id") == [
        ("object",), ("array",), ("number",), ("number",), ("string",), ("boolean",), ("boolean",), ("null",),
        (None,)]
    assert _failed(path, target) == {}


def test_declared_time_lands_as_time(tmp_path, target):
    path = _sqlite(tmp_path / "t.db", "CREATE TABLE slot (id INTEGER PRIMARY KEY, opens TIME, odd TIME)",
                   "INSERT INTO slot (opens, odd) VALUES ('09:30', '09:30'), ('17:45:10', 'noon'), "
                   "('08:00:00.250000', NULL)")
    migrate(path, target)
    assert column_type(target, "slot", "opens") == "time without time zone"
    assert column_type(target, "slot", "odd") == "text"
    assert _failed(path, target) == {}


def test_empty_declared_time_is_time(tmp_path, target):
    path = _sqlite(tmp_path / "t.db", "CREATE TABLE slot (id INTEGER PRIMARY KEY, opens TIME)")
    migrate(path, target)
    assert column_type(target, "slot", "opens") == "time without time zone"


def test_role_with_create_on_the_schema_only_can_migrate(demo_db, target):
    role = "i3_" + target.schema
    target.sql(f'CREATE ROLE "{role}" LOGIN')
    try:
        target.sql(f'GRANT USAGE, CREATE ON SCHEMA "{target.schema}" TO "{role}"')
        parts = urlsplit(target.url)
        url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}"))
        migrate(demo_db, Target_(url, target.schema))
        assert "orders_inbox" in target.tables()
    finally:
        target.sql(f'DROP OWNED BY "{role}" CASCADE')
        target.sql(f'DROP ROLE "{role}"')


class Target_:
    def __init__(self, url: str, schema: str):
        self.url, self.schema = url, schema
