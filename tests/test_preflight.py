"""Every preflight defect is found and named (table, column, rowid, value) before anything is written."""

import pytest

from pgparity.errors import RefusedError
from pgparity.migration import MigrateOptions, prepare, run
from tests.build import sqlite_file
from tests.helpers import options


def _findings(path, **kw):
    prep = prepare(path, options("public", **kw))
    prep.source.close()
    return prep.findings


def _one(findings, kind, severity="refuse"):
    hits = [f for f in findings if f.kind == kind and f.severity == severity]
    assert len(hits) == 1, [f.line() for f in findings]
    return hits[0]


def test_dirty_demo_lists_every_defect(dirty_db):
    lines = "\n".join(f.line() for f in _findings(dirty_db))
    assert "shipping_violations.shipped_order_id: orphan rows" in lines and "rowid 9001" in lines
    assert "orders_inbox.customer_name: text holds NUL" in lines and "rowid 3" in lines
    assert "shipped_items.note: bytes that are not valid UTF-8" in lines and "rowid 5" in lines
    assert "orders_inbox.priority: declared 'INTEGER' mixes" in lines and "'n/a'" in lines
    assert "shipped_orders.is_express: declared 'BOOLEAN' holds integers" in lines and "rowid 2: 2" in lines
    assert "orders_inbox.received_at" in lines and "'yesterday'" in lines
    assert "users.username: declared VARCHAR(50) but the longest value has 200" in lines


def test_dirty_demo_is_refused_and_nothing_written(dirty_db, target):
    opts = options(target.schema)
    prep = prepare(dirty_db, opts)
    with pytest.raises(RefusedError, match="nothing was written"):
        run(prep, target.url, opts)
    prep.source.close()
    assert target.tables() == []


def test_dirty_demo_loads_with_policies(dirty_db, target):
    opts = options(target.schema, orphans="not-valid", nul="strip", bad_utf8="replace")
    prep = prepare(dirty_db, opts)
    run(prep, target.url, opts)
    prep.source.close()
    assert target.sql(f"SELECT customer_name FROM {target.q('orders_inbox')} WHERE id = 3") == [("NULbyte",)]
    assert target.sql(f"SELECT note FROM {target.q('shipped_items')} WHERE id = 5") == [("file\ufffd name",)]


def test_strict_types_refuses_text_in_integer(tmp_path):
    path = sqlite_file(tmp_path, "CREATE TABLE products (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL);",
                       {"products": [(1, 5), (2, "lots-of-it")]})
    f = _one(_findings(path, strict_types=True), "type")
    assert f.table == "products" and f.column == "qty" and f.examples == [(2, "lots-of-it")]
    assert _one(_findings(path), "type", "warn")


def test_unparseable_date_and_epoch_mix(tmp_path):
    path = sqlite_file(tmp_path, "CREATE TABLE s (id INTEGER PRIMARY KEY, at DATETIME);",
                       {"s": [(1, "2024-01-01 10:00:00"), (2, 1700000000), (3, "2024-02-30 00:00:00")]})
    f = _one(_findings(path, strict_types=True), "type")
    assert f.count == 2 and {r for r, _ in f.examples} == {2, 3}


def test_null_in_primary_key_keeps_rows_and_says_so(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE autoinc (id integer auto_increment primary key, t TEXT);",
                       {"autoinc": [(None, "a"), (None, "b")]})
    notes = [f.line() for f in _findings(path) if f.kind == "constraint"]
    assert notes and "PRIMARY KEY (id) not created: NULL in id" in notes[0]


def test_unknown_table_option(demo_db):
    from pgparity.errors import SourceError

    with pytest.raises(SourceError, match="no such table.*nope"):
        prepare(demo_db, MigrateOptions(tables=("nope",)))


def test_bad_utf8_alone_is_refused_by_the_load_naming_the_rowid(target):
    from tests.conftest import corpus

    path = corpus("pgloader-sqlite", "bad-utf8.db")
    opts = options(target.schema)
    prep = prepare(path, opts, scan_utf8=False)
    assert prep.refusals == []  # nothing else wrong: the check happens on the way to COPY
    with pytest.raises(RefusedError, match=r"files.filename: bytes that are not valid UTF-8 at rowid 2"):
        run(prep, target.url, opts)
    prep.source.close()
    assert target.tables() == []
    prep = prepare(path, opts, scan_utf8=True)  # --dry-run lists it up front
    prep.source.close()
    assert [f.kind for f in prep.refusals] == ["utf8"] and prep.refusals[0].examples[0][0] == 2


def test_each_deviation_counts_and_shows_the_values_that_depart(dirty_db, tmp_path):
    by_column = {(f.table, f.column): f for f in _findings(dirty_db) if f.kind == "type"}
    assert by_column[("users", "username")].count == 1 and by_column[("users", "username")].examples[0][0] == 2
    assert by_column[("shipped_orders", "is_express")].count == 1
    mixed = sqlite_file(tmp_path, "CREATE TABLE m (id INTEGER PRIMARY KEY, v INTEGER);",
                        {"m": [(1, 1), (2, "toto"), (3, 12.5)]})
    f = _one(_findings(mixed), "type", "warn")
    assert f.count == 2 and f.examples == [(2, "toto"), (3, "12.5")]  # a real shown whole, not '1.250000e+01'
