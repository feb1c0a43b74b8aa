"""Keys, indexes, foreign keys with actions, CHECKs and sequences are carried."""

import psycopg2
import pytest

from tests.build import sqlite_file
from tests.conftest import corpus
from tests.helpers import migrate

SCHEMA = """
CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE, qty INTEGER CHECK (qty >= 0));
CREATE TABLE child (a INTEGER, b INTEGER, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE,
                    PRIMARY KEY (a, b));
CREATE INDEX child_parent ON child(parent_id) WHERE parent_id IS NOT NULL;
"""


@pytest.fixture
def migrated(tmp_path, target):
    path = sqlite_file(tmp_path, SCHEMA, {"parent": [(1, "x", 1), (5, "y", 2)], "child": [(1, 1, 1), (1, 2, 5)]})
    con = __import__("sqlite3").connect(path)
    con.execute("INSERT INTO parent VALUES (9, 'z', 0)")
    con.execute("DELETE FROM parent WHERE id = 9")  # sqlite_sequence now 9, max(id) 5
    con.commit()
    con.close()
    migrate(path, target)
    return target


def test_composite_primary_key(migrated):
    t = migrated
    with pytest.raises(psycopg2.errors.UniqueViolation):
        t.sql(f"INSERT INTO {t.q('child')} VALUES (1, 1, 1)")


def test_unique_and_check_are_enforced(migrated):
    t = migrated
    with pytest.raises(psycopg2.errors.UniqueViolation):
        t.sql(f"INSERT INTO {t.q('parent')} (code, qty) VALUES ('x', 1)")
    with pytest.raises(psycopg2.errors.CheckViolation):
        t.sql(f"INSERT INTO {t.q('parent')} (code, qty) VALUES ('new', -1)")


def test_fk_cascade_works(migrated):
    t = migrated
    t.sql(f"DELETE FROM {t.q('parent')} WHERE id = 1")
    assert t.sql(f"SELECT a, b FROM {t.q('child')}") == [(1, 2)]


def test_partial_index_carried(migrated):
    t = migrated
    defs = t.sql("SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = 'child_parent'", (t.schema,))
    assert "WHERE" in defs[0][0]


def test_insert_without_id_after_migration_passes_autoincrement_counter(migrated):
    t = migrated
    new_id = t.sql(f"INSERT INTO {t.q('parent')} (code, qty) VALUES ('new', 1) RETURNING id")[0][0]
    assert new_id == 10  # past sqlite_sequence (9), not just past max(id) (5)


@pytest.mark.parametrize("name,table,expect_next_above", [
    ("Chinook_Sqlite_AutoIncrementPKs.sqlite", "Track", 3503),
    ("Chinook_Sqlite.sqlite", "Album", 347),
])
def test_corpus_sequences(target, name, table, expect_next_above):
    migrate(corpus("chinook", name), target)
    cols = target.sql("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                      "AND table_name = %s AND is_identity = 'YES'", (target.schema, table))
    assert cols, "the rowid key became an identity column"
    col = cols[0][0]
    new_id = target.sql("SELECT nextval(pg_get_serial_sequence(%s, %s))",
                        (f'"{target.schema}"."{table}"', col))[0][0]
    assert new_id > expect_next_above


def test_circular_foreign_keys_and_cascade_on_sakila(target):
    migrate(corpus("sakila", "sakila.db"), target)
    fks = target.sql("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                     "WHERE n.nspname = %s AND contype = 'f' AND convalidated", (target.schema,))[0][0]
    assert fks == 22


def test_northwind_checks_carried(target):
    migrate(corpus("northwind", "northwind.db"), target)
    with pytest.raises(psycopg2.errors.CheckViolation):
        target.sql(f"UPDATE {target.q('Order Details')} SET \"Quantity\" = 0")
