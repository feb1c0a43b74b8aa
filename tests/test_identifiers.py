"""Reserved words, mixed case, spaces, embedded quotes and over-long names survive."""

from tests.build import sqlite_file
from tests.helpers import migrate
from tests.oracle import assert_same


def test_odd_identifiers(tmp_path, target):
    path = sqlite_file(tmp_path, '''
        CREATE TABLE "user" ("order" INTEGER PRIMARY KEY, "group" TEXT, "CamelCase" TEXT,
                             "with space" TEXT, "quo""te" TEXT, [select] INTEGER);
        CREATE TABLE "Order Details" (id INTEGER PRIMARY KEY, "user" INTEGER REFERENCES "user"("order"));
        CREATE INDEX "idx ""odd""" ON "user"("CamelCase", "with space");
    ''', {"user": [(1, "g", "C", "s", "q", 5)], "Order Details": [(1, 1)]})
    prep = migrate(path, target)
    assert set(target.tables()) == {"user", "Order Details"}
    assert target.sql(f'SELECT "quo""te", "select" FROM {target.q("user")}') == [("q", 5)]
    assert_same(path, target.url, prep.plan)
    idx = target.sql("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname LIKE 'idx%%'",
                     (target.schema,))
    assert idx == [('idx "odd"',)]


def test_names_colliding_after_63_bytes(tmp_path, target):
    base = "a" * 70
    path = sqlite_file(tmp_path, f'CREATE TABLE "{base}_one" (x INTEGER); CREATE TABLE "{base}_two" (x INTEGER);',
                       {f"{base}_one": [(1,)], f"{base}_two": [(2,)]})
    prep = migrate(path, target)
    names = target.tables()
    assert len(names) == 2 and all(len(n.encode()) <= 63 for n in names)
    assert all(any("renamed" in n for n in tp.notes) for tp in prep.plan.tables)


def test_lowercase_names_option(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY, Title TEXT);",
                       {"Album": [(1, "x")]})
    migrate(path, target, lowercase_names=True)
    assert target.sql(f"SELECT albumid, title FROM {target.schema}.album") == [(1, "x")]
