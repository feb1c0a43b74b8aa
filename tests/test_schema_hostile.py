"""The hostile review's false GOs on the schema check: each damage of migrate.py's correct demo copy fails.

Every case is one the hostile review (engineer H) found passing: the data still fits, the application's
next read or write changes. Each must fail `schema[table]` naming the column and the fault's kind; the
equivalent copies H listed as GO (a unique index instead of a constraint, COLLATE "C", a plain domain)
must still pass.
"""

from __future__ import annotations

import pytest

from tests.test_schema_behaviour import kinds, schema_outcome


@pytest.fixture
def demo(demo_copy):
    return demo_copy


def _unique_constraint(demo, table: str, column: str) -> str:
    return demo.sql("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u' AND "
                    "pg_get_constraintdef(oid) = %s", (demo.q(table), f"UNIQUE ({column})"))[0][0]


def _readd_unique(demo, table: str, column: str, how: str) -> None:
    name = _unique_constraint(demo, table, column)
    demo.sql(f'ALTER TABLE {demo.q(table)} DROP CONSTRAINT "{name}"')
    demo.sql(f'ALTER TABLE {demo.q(table)} ADD CONSTRAINT "{name}" UNIQUE {how}')


@pytest.mark.parametrize("how", ["(external_ref) DEFERRABLE INITIALLY DEFERRED", "(external_ref) DEFERRABLE"])
def test_unique_made_deferrable(demo, demo_db, how):
    """a04: ON CONFLICT (external_ref) errors on a deferrable unique; deferred duplicates fail only at COMMIT."""
    _readd_unique(demo, "orders_inbox", "external_ref", how)
    out = schema_outcome(demo_db, demo, "orders_inbox")
    assert not out.ok and ("external_ref", "unique-deferrable") in kinds(out), out.message()
    assert "ON CONFLICT" in out.message()


def test_primary_key_made_deferrable(demo, demo_db):
    name = demo.sql("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
                    (demo.q("users"),))[0][0]
    demo.sql(f'ALTER TABLE {demo.q("users")} DROP CONSTRAINT "{name}" CASCADE')
    demo.sql(f'ALTER TABLE {demo.q("users")} ADD PRIMARY KEY (id) DEFERRABLE INITIALLY IMMEDIATE')
    out = schema_outcome(demo_db, demo, "users")
    assert ("id", "unique-deferrable") in kinds(out), out.message()


def test_unique_nulls_not_distinct(demo, demo_db):
    """a05: a second NULL external_ref, accepted by SQLite, is rejected."""
    _readd_unique(demo, "orders_inbox", "external_ref", "NULLS NOT DISTINCT (external_ref)")
    out = schema_outcome(demo_db, demo, "orders_inbox")
    assert not out.ok and ("external_ref", "unique-nulls") in kinds(out), out.message()


def test_timestamp_precision_zero(demo, demo_db):
    """a20: timestamp(0) rounds away the fractions of the application's next write."""
    demo.sql(f"ALTER TABLE {demo.q('users')} ALTER COLUMN created_at TYPE timestamp(0)")
    out = schema_outcome(demo_db, demo, "users")
    assert ("created_at", "narrower-type") in kinds(out), out.message()


def test_char_padding(demo, demo_db):
    """a24: char(n) pads what the application wrote with blanks."""
    demo.sql(f"ALTER TABLE {demo.q('bundle_skus')} ALTER COLUMN bundle_sku TYPE char(32)")
    out = schema_outcome(demo_db, demo, "bundle_skus")
    assert ("bundle_sku", "char-padding") in kinds(out), out.message()


def test_domain_check_is_a_check(demo, demo_db):
    """a16: a DOMAIN's CHECK rejects quantity = 4, which SQLite's CHECK (quantity > 0) accepts."""
    demo.sql(f'CREATE DOMAIN "{demo.schema}".qty AS bigint CHECK (VALUE BETWEEN 1 AND 3)')
    demo.sql(f'ALTER TABLE {demo.q("bundle_components")} ALTER COLUMN quantity TYPE "{demo.schema}".qty')
    out = schema_outcome(demo_db, demo, "bundle_components")
    assert ("quantity", "check-added") in kinds(out), out.message()
    assert "DOMAIN qty" in out.message()


def test_domain_not_null(demo, demo_db):
    demo.sql(f'CREATE DOMAIN "{demo.schema}".req AS text NOT NULL')
    table, col = demo.sql("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s "
                          "AND is_nullable = 'YES' AND data_type = 'text' AND table_name <> 'orders_inbox' "
                          "ORDER BY 1, 2", (demo.schema,))[0]
    demo.sql(f"""UPDATE {demo.q(table)} SET "{col}" = '' WHERE "{col}" IS NULL""")
    demo.sql(f'ALTER TABLE {demo.q(table)} ALTER COLUMN "{col}" TYPE "{demo.schema}".req')
    out = schema_outcome(demo_db, demo, table)
    assert (col, "not-null-added") in kinds(out), out.message()


def test_citext_where_sqlite_was_case_sensitive(demo, demo_db):
    """a23: WHERE email = 'A@X' matches 'a@x' on citext; SQLite's BINARY column does not."""
    demo.sql("CREATE EXTENSION IF NOT EXISTS citext SCHEMA public")
    demo.sql(f"ALTER TABLE {demo.q('users')} ALTER COLUMN email TYPE public.citext")
    out = schema_outcome(demo_db, demo, "users")
    assert ("email", "collation") in kinds(out), out.message()


def test_column_collation_changes_order(demo, demo_db):
    """a26: a locale collation orders sku otherwise than SQLite's byte order."""
    coll = demo.sql("SELECT collname FROM pg_collation WHERE collprovider IN ('i', 'c') AND collname NOT IN "
                    "('C', 'POSIX', 'ucs_basic', 'default', 'C.utf8') ORDER BY collprovider = 'i' DESC, 1 LIMIT 1")
    if not coll:
        pytest.skip("no locale collation on this server")
    demo.sql(f'ALTER TABLE {demo.q("shipped_items")} ALTER COLUMN sku TYPE text COLLATE "{coll[0][0]}"')
    out = schema_outcome(demo_db, demo, "shipped_items")
    assert ("sku", "collation") in kinds(out), out.message()


def test_enum_out_of_byte_order_is_said(demo, demo_db):
    """a22: an enum sorts in declaration order, SQLite sorted the text: said in the summary, not failed (an enum
    type is the ORM model's declared choice — SQLAlchemy's native Enum makes exactly this on a correct copy)."""
    t = demo.q("orders_inbox")
    demo.sql(f"CREATE TYPE \"{demo.schema}\".status_t AS ENUM ('new', 'picking', 'shipped', 'cancelled')")
    for name, in demo.sql("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' AND "
                          "pg_get_constraintdef(oid) LIKE '%%status%%'", (t,)):
        demo.sql(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
    demo.sql(f"DROP VIEW IF EXISTS \"{demo.schema}\".open_orders")
    demo.sql(f"ALTER TABLE {t} ALTER COLUMN status DROP DEFAULT")
    demo.sql(f'ALTER TABLE {t} ALTER COLUMN status TYPE "{demo.schema}".status_t USING status::text::'
             f'"{demo.schema}".status_t')
    demo.sql(f"ALTER TABLE {t} ALTER COLUMN status SET DEFAULT 'new'")
    out = schema_outcome(demo_db, demo, "orders_inbox")
    assert ("status", "collation") not in kinds(out), out.message()
    assert "status: enum" in out.summary and "sorts in declaration order" in out.summary, out.message()


def test_inherited_child_escapes_keys(demo, demo_db):
    """a29: a row moved to a child table is still read but no longer under users' PRIMARY KEY and UNIQUE."""
    demo.sql(f"CREATE TABLE {demo.q('users_archive')} () INHERITS ({demo.q('users')})")
    demo.sql(f"WITH m AS (DELETE FROM ONLY {demo.q('users')} WHERE id = 39 RETURNING *) "
             f"INSERT INTO {demo.q('users_archive')} SELECT * FROM m")
    out = schema_outcome(demo_db, demo, "users")
    assert (None, "inheritance") in kinds(out), out.message()
    assert "users_archive" in out.message()


def test_equivalent_copies_pass(demo, demo_db):
    """b05 unique index for a constraint, b16 COLLATE "C"/ucs_basic, b18 a plain domain, a CHECK as a domain."""
    name = _unique_constraint(demo, "users", "username")
    demo.sql(f'ALTER TABLE {demo.q("users")} DROP CONSTRAINT "{name}"')
    demo.sql(f'CREATE UNIQUE INDEX users_username_uidx ON {demo.q("users")} (username)')
    demo.sql(f'CREATE DOMAIN "{demo.schema}".uname AS varchar(50)')
    demo.sql(f'ALTER TABLE {demo.q("users")} ALTER COLUMN username TYPE "{demo.schema}".uname')
    demo.sql(f'ALTER TABLE {demo.q("shipped_items")} ALTER COLUMN sku TYPE text COLLATE "C"')
    demo.sql(f'ALTER TABLE {demo.q("users")} ALTER COLUMN email TYPE text COLLATE ucs_basic')
    t = demo.q("bundle_components")
    for cname, in demo.sql("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' AND "
                           "pg_get_constraintdef(oid) LIKE '%%quantity%%'", (t,)):
        demo.sql(f'ALTER TABLE {t} DROP CONSTRAINT "{cname}"')
    demo.sql(f'CREATE DOMAIN "{demo.schema}".posint AS bigint CHECK (VALUE > 0)')
    demo.sql(f'ALTER TABLE {t} ALTER COLUMN quantity TYPE "{demo.schema}".posint')
    for table in ("users", "shipped_items", "bundle_components"):
        out = schema_outcome(demo_db, demo, table)
        assert out.ok, out.message()


def test_unique_index_with_its_own_collation(demo, demo_db):
    """A UNIQUE twin whose key uses a locale collation decides duplicates otherwise than SQLite's bytes."""
    coll = demo.sql("SELECT collname FROM pg_collation WHERE collprovider = 'i' AND NOT collisdeterministic "
                    "LIMIT 1") or demo.sql("SELECT collname FROM pg_collation WHERE collprovider IN ('i', 'c') AND "
                                           "collname NOT IN ('C', 'POSIX', 'ucs_basic', 'default', 'C.utf8') LIMIT 1")
    if not coll:
        pytest.skip("no locale collation on this server")
    name = _unique_constraint(demo, "users", "username")
    demo.sql(f'ALTER TABLE {demo.q("users")} DROP CONSTRAINT "{name}"')
    demo.sql(f'CREATE UNIQUE INDEX users_username_uidx ON {demo.q("users")} (username COLLATE "{coll[0][0]}")')
    out = schema_outcome(demo_db, demo, "users")
    assert ("username", "unique-collation") in kinds(out), out.message()


def test_written_column_made_generated(demo, demo_db):
    """A column the application writes, GENERATED in PostgreSQL: its next INSERT naming the column fails."""
    t = demo.q("bundle_skus")
    demo.sql(f"ALTER TABLE {t} DROP COLUMN title")
    demo.sql(f"ALTER TABLE {t} ADD COLUMN title text GENERATED ALWAYS AS (bundle_sku) STORED")
    out = schema_outcome(demo_db, demo, "bundle_skus")
    assert ("title", "generated-added") in kinds(out), out.message()


def test_exclusion_constraint_added(demo, demo_db):
    """An EXCLUDE constraint rejects rows SQLite accepts (here: two components with quantity 1001)."""
    demo.sql(f"ALTER TABLE {demo.q('bundle_components')} ADD CONSTRAINT one_big EXCLUDE USING btree "
             "(quantity WITH =) WHERE (quantity > 1000)")
    out = schema_outcome(demo_db, demo, "bundle_components")
    assert (None, "exclusion-added") in kinds(out), out.message()
