"""Every check fails on the fault it exists for, naming table, column and key; a clean copy passes all.

Each test migrates the demo database correctly, damages the PostgreSQL copy in one way, and asserts
which checks fail and what their messages name.
"""

import math

import pytest

from tests.checking import failures, run_checks
from tests.demo_port import port_demo_trigger
from tests.helpers import migrate


@pytest.fixture
def copy(demo_db, target):
    migrate(demo_db, target)
    port_demo_trigger(target)  # migrate.py does not translate triggers; a user ports it before cutover
    return target


def _fails(copy, demo_db, **settings):
    return failures(run_checks(demo_db, copy.url, copy.schema, **settings))


def test_clean_copy_passes_every_check(copy, demo_db):
    outcomes = run_checks(demo_db, copy.url, copy.schema)
    assert len(outcomes) > 60
    assert failures(outcomes) == {}


def _only(fails: dict, *expected: tuple[str, str]) -> None:
    assert set(fails) >= set(expected), fails
    assert {k[1] for k in fails} == {t for _, t in expected}, f"other tables failed too: {sorted(fails)}"


def test_row_deleted(copy, demo_db):
    copy.sql(f"DELETE FROM {copy.q('shipped_items')} WHERE id = 77")
    f = _fails(copy, demo_db)
    _only(f, ("row_count", "shipped_items"), ("content", "shipped_items"))
    assert "[id=77] missing in PostgreSQL" in f[("content", "shipped_items")]


def test_row_duplicated_in_table_without_key(copy, demo_db):
    copy.sql(f"INSERT INTO {copy.q('system_kpis')} SELECT * FROM {copy.q('system_kpis')} WHERE metric = 'fill_rate' "
             "LIMIT 1")
    f = _fails(copy, demo_db)
    _only(f, ("row_count", "system_kpis"), ("content", "system_kpis"))
    assert "1 extra row(s) as a multiset" in f[("content", "system_kpis")]


@pytest.mark.parametrize("column,update,shown", [
    ("order_id", "order_id = order_id + 1", "order_id"),
    ("sku", "sku = overlay(sku placing 'X' from 5 for 1)", "sku"),
    ("shipped_at", "shipped_at = shipped_at + interval '1 hour'", "shipped_at"),
    ("is_gift", "is_gift = NOT is_gift", "is_gift"),
], ids=["int", "one-character", "timestamp+1h", "boolean-flipped"])
def test_value_changed(copy, demo_db, column, update, shown):
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET {update} WHERE id = 123")
    msg = _fails(copy, demo_db)[("content", "shipped_items")]
    assert f"[id=123] {shown}: SQLite" in msg


def test_float_changed_in_its_last_bit(copy, demo_db):
    value = copy.sql(f"SELECT unit_price FROM {copy.q('shipped_items')} WHERE id = 5")[0][0]
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET unit_price = %s WHERE id = 5", (math.nextafter(value, math.inf),))
    f = _fails(copy, demo_db)
    assert "[id=5] unit_price" in f[("content", "shipped_items")]
    assert set(f) == {("content", "shipped_items"), ("profiles", "shipped_items")} or \
        set(f) == {("content", "shipped_items")}


def test_timestamp_shift_named_by_timestamp_check(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('orders_inbox')} SET received_at = received_at + interval '1 hour' WHERE id <= 3")
    f = _fails(copy, demo_db)
    assert "received_at: 3 value(s) differ (e.g. shift +3600s x3)" in f[("timestamps", "orders_inbox")]


def test_fractional_seconds_dropped(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET shipped_at = date_trunc('second', shipped_at)")
    f = _fails(copy, demo_db)
    assert "have fractional seconds, PostgreSQL 0" in f[("timestamps", "shipped_items")]


def test_empty_string_vs_null(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('configuration_params')} SET value = NULL WHERE key = 'empty_value'")
    msg = _fails(copy, demo_db)[("content", "configuration_params")]
    assert "[key='empty_value'] value: SQLite '' != PostgreSQL None" in msg


def test_trailing_space_trimmed(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET note = rtrim(note) WHERE note LIKE '%% '")
    f = _fails(copy, demo_db)
    assert "note: SQLite '  spaces kept  ' != PostgreSQL '  spaces kept'" in f[("content", "shipped_items")]
    assert "shipped_items.note: total characters differ" in f[("text", "shipped_items")]


def test_mojibake(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('orders_inbox')} SET customer_name = convert_from(convert_to(customer_name, 'UTF8'), "
             "'LATIN1') WHERE customer_name = 'Zoë Müller'")
    f = _fails(copy, demo_db)
    assert "customer_name: SQLite 'Zoë Müller' != PostgreSQL 'ZoÃ«" in f[("content", "orders_inbox")]
    assert "orders_inbox.customer_name: total characters differ" in f[("text", "orders_inbox")]


def test_two_rows_swapping_a_value(copy, demo_db):
    q = copy.q("shipped_items")
    copy.sql(f"UPDATE {q} a SET order_id = b.order_id FROM {q} b WHERE (a.id, b.id) IN ((10, 11), (11, 10))")
    f = _fails(copy, demo_db)
    assert set(f) == {("content", "shipped_items")}, "aggregates cannot see a swap; only row hashes can"
    assert "[id=10] order_id" in f[("content", "shipped_items")]
    assert "[id=11] order_id" in f[("content", "shipped_items")]


def test_orphan_child(copy, demo_db):
    copy.sql("SET session_replication_role = replica")  # let the orphan in past the FK trigger
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET order_id = 987654 WHERE id = 9")
    copy.sql("SET session_replication_role = origin")
    f = _fails(copy, demo_db)
    assert "shipped_items(order_id) -> shipped_orders(id): 1 orphan row(s) in PostgreSQL" in \
        f[("foreign_keys", "shipped_items")]


def _fk_name(copy, table):
    return copy.sql("SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                    "WHERE n.nspname = %s AND contype = 'f' AND conrelid = %s::regclass",
                    (copy.schema, f'"{copy.schema}".{table}'))[0][0]


def test_fk_dropped(copy, demo_db):
    copy.sql(f"ALTER TABLE {copy.q('shipped_items')} DROP CONSTRAINT {_fk_name(copy, 'shipped_items')}")
    f = _fails(copy, demo_db)
    assert "FOREIGN KEY missing in PostgreSQL" in f[("foreign_keys", "shipped_items")]


def test_fk_left_not_valid(copy, demo_db):
    name = _fk_name(copy, "shipped_items")
    copy.sql(f"ALTER TABLE {copy.q('shipped_items')} DROP CONSTRAINT {name}")
    copy.sql(f"ALTER TABLE {copy.q('shipped_items')} ADD CONSTRAINT {name} FOREIGN KEY (order_id) "
             f"REFERENCES {copy.q('shipped_orders')} (id) NOT VALID")
    f = _fails(copy, demo_db)
    assert "is NOT VALID in PostgreSQL" in f[("foreign_keys", "shipped_items")]


def test_unique_dropped(copy, demo_db):
    name = copy.sql("SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                    "WHERE n.nspname = %s AND contype = 'u' AND conname LIKE 'users%%'", (copy.schema,))[0][0]
    copy.sql(f"ALTER TABLE {copy.q('users')} DROP CONSTRAINT {name}")
    assert "users: UNIQUE (username) not carried" in _fails(copy, demo_db)[("schema", "users")]


def test_index_dropped(copy, demo_db):
    copy.sql(f'DROP INDEX "{copy.schema}".shipped_items_order_idx')
    f = _fails(copy, demo_db)
    assert set(f) == {("schema", "shipped_items")}
    assert "index shipped_items_order_idx (order_id) not carried" in f[("schema", "shipped_items")]


def test_primary_key_dropped(copy, demo_db):
    copy.sql(f"ALTER TABLE {copy.q('bundle_skus')} DROP CONSTRAINT bundle_skus_pkey CASCADE")
    assert "PRIMARY KEY (bundle_sku) not carried" in _fails(copy, demo_db)[("schema", "bundle_skus")]


def test_column_dropped(copy, demo_db):
    copy.sql(f"ALTER TABLE {copy.q('shipped_items')} DROP COLUMN note")
    f = _fails(copy, demo_db)
    assert "shipped_items.note: column missing in PostgreSQL" in f[("schema", "shipped_items")]
    assert "shipped_items.note: column missing" in f[("content", "shipped_items")]


def test_column_type_changed(copy, demo_db):
    copy.sql(f"ALTER TABLE {copy.q('shipped_items')} ALTER COLUMN unit_price TYPE numeric(10,2)")
    f = _fails(copy, demo_db)
    assert "unit_price: SQLite" in f[("content", "shipped_items")]
    assert "value(s) not a number that numeric(10,2) keeps exactly" in f[("schema", "shipped_items")]


def test_not_null_dropped(copy, demo_db):
    copy.sql(f"ALTER TABLE {copy.q('shipped_items')} ALTER COLUMN sku DROP NOT NULL")
    assert "shipped_items.sku: NOT NULL in SQLite but nullable" in _fails(copy, demo_db)[("schema", "shipped_items")]


def test_check_dropped(copy, demo_db):
    name = copy.sql("SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                    "WHERE n.nspname = %s AND contype = 'c' AND conname LIKE 'bundle_components%%'", (copy.schema,))
    copy.sql(f"ALTER TABLE {copy.q('bundle_components')} DROP CONSTRAINT {name[0][0]}")
    assert "CHECK (quantity > 0) is lost or weakened" in _fails(copy, demo_db)[("schema", "bundle_components")]


def test_table_missing(copy, demo_db):
    copy.sql(f"DROP TABLE {copy.q('bundle_components')}")
    f = _fails(copy, demo_db)
    for check in ("schema", "row_count", "content"):
        assert "table missing" in f[(check, "bundle_components")]


def test_sequence_behind_max_id(copy, demo_db):
    copy.sql("SELECT setval(pg_get_serial_sequence(%s, 'id'), 5)", (f'"{copy.schema}".shipped_items',))
    msg = _fails(copy, demo_db)[("sequences", "shipped_items")]
    assert "would hand out 6, but max(id) = 3000" in msg


def test_sequence_behind_autoincrement_counter(copy, demo_db):
    copy.sql("SELECT setval(pg_get_serial_sequence(%s, 'id'), 39)", (f'"{copy.schema}".users',))
    msg = _fails(copy, demo_db)[("sequences", "users")]
    assert "SQLite AUTOINCREMENT counter 40" in msg


def test_boolean_counts_named(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('workflow_controls')} SET enabled = NOT enabled WHERE name = 'auto_pick'")
    f = _fails(copy, demo_db)
    assert "workflow_controls.enabled: SQLite 1/0/NULL = 2/1/0, PostgreSQL true/false/NULL = 1/2/0" in \
        f[("booleans", "workflow_controls")]


def test_redaction_of_sensitive_columns(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('users')} SET password_hash = 'leaked-hash', api_token = 'leaked' WHERE id = 3")
    msg = _fails(copy, demo_db)[("content", "users")]
    assert "leaked" not in msg and "***redacted***" in msg


def test_float_tolerance_accepts_tiny_differences_only(copy, demo_db):
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET unit_price = unit_price * (1 + 1e-12) WHERE id = 8")
    assert ("content", "shipped_items") in _fails(copy, demo_db)
    assert ("content", "shipped_items") not in _fails(copy, demo_db, float_tolerance=1e-9)
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET unit_price = unit_price * 1.001 WHERE id = 9")
    assert "[id=9] unit_price" in _fails(copy, demo_db, float_tolerance=1e-9)[("content", "shipped_items")]


def test_mixed_timestamp_separators_are_no_false_alarm(tmp_path, target):
    from tests.build import sqlite_file

    path = sqlite_file(tmp_path, "CREATE TABLE e (id INTEGER PRIMARY KEY, at DATETIME);",
                       {"e": [(1, "2024-01-01T10:00:00"), (2, "2024-01-01 09:00:00"), (3, "2024-01-01T08:30:00.25")]})
    migrate(path, target)
    assert failures(run_checks(path, target.url, target.schema)) == {}


def test_datetime_at_midnight_into_date_is_equal_but_a_time_of_day_is_lost(tmp_path, target):
    from tests.build import sqlite_file

    path = sqlite_file(tmp_path, "CREATE TABLE d (id INTEGER PRIMARY KEY, on_day DATETIME);",
                       {"d": [(1, "2024-03-01 00:00:00"), (2, "2024-03-02")]})
    target.sql(f"CREATE TABLE {target.q('d')} (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, on_day date)")
    migrate(path, target, data_only=True)
    assert failures(run_checks(path, target.url, target.schema)) == {}
    con = __import__("sqlite3").connect(path)
    con.execute("UPDATE d SET on_day = '2024-03-01 10:30:00' WHERE id = 1")
    con.commit()
    con.close()
    assert "[id=1] on_day" in failures(run_checks(path, target.url, target.schema))[("content", "d")]
