"""Content by key: a key the target holds twice (no primary key there) is an extra row, named with its count;
the scan's distinct count of a one-column key spares the grouping only when every key is there once."""

import sqlite3

import pytest

from pgparity.verify.content_check import check_content
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings


def _pair(tmp_path, target, pg_rows: list[tuple], key: str = "id"):
    path = tmp_path / "src.db"
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE t ({key} INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b"), (3, "c")])
    con.commit()
    con.close()
    target.sql(f"CREATE TABLE {target.q('t')} ({key} bigint, v text)")  # no primary key: a key may repeat
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('t')} VALUES (%s, %s)", pg_rows)
    return path


def _content(path, target):
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema))
    try:
        return check_content(cmp, cmp.table("t"))
    finally:
        cmp.close()


def test_each_key_once_passes(tmp_path, target):
    out = _content(_pair(tmp_path, target, [(3, "c"), (1, "a"), (2, "b")]), target)
    assert out.ok, out.message()


@pytest.mark.parametrize("rows, copies", [
    ([(1, "a"), (2, "b"), (3, "c"), (2, "b")], "2 copies of this key"),  # an exact copy of a row
    ([(1, "a"), (2, "b"), (2, "b"), (2, "b")], "3 copies of this key"),  # row 3 gone, key 2 thrice
])
def test_a_key_held_twice_is_an_extra_row_named_with_its_count(tmp_path, target, rows, copies):
    out = _content(_pair(tmp_path, target, rows), target)
    assert not out.ok
    text = out.message()
    assert "[id=2] extra in PostgreSQL: " + copies in text, text
