"""Each type rule: the planned PostgreSQL type, and the value that arrives."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from pgparity.defaults import translate_default
from pgparity.source import SqliteSource
from pgparity.verify.rules import Settings, canonical_source, infer, split_raw
from tests.build import sqlite_file
from tests.helpers import migrate


def _col_type(target, table, column):
    return target.sql("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                      "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = %s AND c.relname = %s AND a.attname = %s",
                      (target.schema, table, column))[0][0]


CASES = [
    # declared, values, expected PostgreSQL type, expected first value
    ("BOOLEAN", [1, 0, None], "boolean", True),
    ("BOOL", ["t", "f", "T"], "boolean", True),
    ("DATETIME", ["2024-01-02 03:04:05.123456", "2024-01-02T03:04:05", None], "timestamp without time zone",
     datetime(2024, 1, 2, 3, 4, 5, 123456)),
    ("TIMESTAMP", ["2024-01-02 03:04:05+02:00", "2024-01-02 03:04:05Z"], "timestamp with time zone",
     datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
    ("DATETIME", [1_700_000_000, 1_600_000_000], "timestamp without time zone", datetime(2023, 11, 14, 22, 13, 20)),
    ("DATE", ["2024-02-29", None], "date", date(2024, 2, 29)),
    ("REAL", [0.1 + 0.2, 1e300, -0.0], "double precision", 0.1 + 0.2),
    ("DOUBLE", [3, 2.5], "double precision", 3.0),
    ("NUMERIC(10,2)", [0.99, 12, 1234.5], "numeric(10,2)", Decimal("0.99")),
    ("DECIMAL(5,2)", [1.005, 2], "numeric", Decimal("1.005")),  # 1.005 does not fit scale 2: widened
    ("INTEGER", [1, 2**62, -5], "bigint", 1),
    ("VARCHAR(5)", ["abcde", "ü€😀"], "character varying(5)", "abcde"),
    ("VARCHAR(3)", ["abcdef"], "text", "abcdef"),  # overflow: widened, not cut
    ("CHAR(4)", ["ab  ", "x"], "character varying(4)", "ab  "),
    ("JSON", ['{"a": 1}', "[1, 2]"], "jsonb", {"a": 1}),
    ("JSON", ['{"a": 1}', "not json"], "text", '{"a": 1}'),
    ("BLOB", [b"\x00\x01\xff", b""], "bytea", b"\x00\x01\xff"),
    ("", [1, "two", 3.5], "text", "1"),
    ("INTEGER", [1, "lots-of-it"], "text", "1"),
    ("BOOLEAN", [0, 1, 2], "bigint", 0),
    ("DATETIME", ["2024-01-01 00:00:00", "yesterday"], "text", "2024-01-01 00:00:00"),
    ("TEXT", ["  padded  ", "", None], "text", "  padded  "),
]


@pytest.mark.parametrize("declared,values,pg_type,first", CASES,
                         ids=[f"{c[0] or 'untyped'}-{c[2]}" for c in CASES])
def test_type_rule(tmp_path, target, declared, values, pg_type, first):
    path = sqlite_file(tmp_path, f"CREATE TABLE t (id INTEGER PRIMARY KEY, v {declared});",
                       {"t": [(i, v) for i, v in enumerate(values, 1)]})
    migrate(path, target)
    assert _col_type(target, "t", "v") == pg_type
    got = target.sql(f"SELECT v FROM {target.q('t')} ORDER BY id")[0][0]
    if isinstance(got, memoryview):
        got = bytes(got)
    assert got == first


def test_real_in_text_column_keeps_sqlite_look(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, v);", {"t": [(1, 3.0), (2, "x"), (3, 0.1)]})
    migrate(path, target)
    assert [r[0] for r in target.sql(f"SELECT v FROM {target.q('t')} ORDER BY id")] == ["3.0", "x", "0.1"]


def test_defaults_are_translated(tmp_path, target):
    path = sqlite_file(tmp_path, """CREATE TABLE t (id INTEGER PRIMARY KEY, flag BOOLEAN NOT NULL DEFAULT TRUE,
        made DATETIME DEFAULT CURRENT_TIMESTAMP, n INTEGER DEFAULT '7', s TEXT DEFAULT 'it''s',
        odd TIMESTAMP DEFAULT (strftime('%Y', 'now')));""", {"t": [(1, 1, "2024-01-01 00:00:00", 1, "a", None)]})
    prep = migrate(path, target)
    target.sql(f"INSERT INTO {target.q('t')} DEFAULT VALUES")
    row = target.sql(f"SELECT flag, made IS NOT NULL, n, s, odd FROM {target.q('t')} WHERE id = 2")[0]
    assert row == (True, True, 7, "it's", None)
    notes = prep.plan.table("t").columns[5].notes
    assert any("not carried" in n for n in notes)


def test_current_timestamp_default_is_utc_like_sqlite(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, made DATETIME DEFAULT CURRENT_TIMESTAMP);")
    migrate(path, target)
    target.sql("SET TimeZone = 'Asia/Tokyo'")
    target.sql(f"INSERT INTO {target.q('t')} DEFAULT VALUES")
    drift = target.sql(f"SELECT abs(extract(epoch FROM made - (now() AT TIME ZONE 'UTC'))) FROM {target.q('t')}")
    assert drift[0][0] < 60


def _both_reads(tmp_path, declared: str, pg_type: str, values: list) -> tuple[list, list]:
    """Canonical SQLite values of one column read the two ways content reads it: the rule's CASE
    expressions, and a plain `SELECT v` split by storage class (split_raw)."""
    path = sqlite_file(tmp_path, f"CREATE TABLE t (v {declared});", {"t": [(v,) for v in values]})
    s = Settings()
    rule = infer("v", declared, "v", pg_type, s)
    with SqliteSource.open(path) as src:
        typed = pa.Table.from_batches(list(src.typed_batches(list(rule.src_select), "t")))
        plain = pa.Table.from_batches(list(src.batches('SELECT "v" FROM "t"')))
    by_sql = canonical_source(rule, [col.combine_chunks() for col in typed.columns], s)
    by_plain = canonical_source(rule, split_raw(rule, plain.column(0).combine_chunks()), s)
    return [a.to_pylist() for a in by_sql], [a.to_pylist() for a in by_plain]


def test_boolean_words_mean_the_same_in_both_reads(tmp_path):
    """Spaces trimmed, ASCII case folded; a tab is not trimmed (SQLite's trim and the profile keep it)."""
    words = [" TRUE ", "Yes", "on", "OFF", "n", "\ttrue", "true\n", "maybe", "tr"]
    by_sql, by_plain = _both_reads(tmp_path, "TEXT", "boolean", words)
    assert by_sql == by_plain
    assert by_sql[0] == [1, 1, 1, 0, 0, None, None, None, None]
    assert by_sql[1][5:] == ["\ttrue", "true\n", "maybe", "tr"]


def test_boolean_default_uses_the_same_words():
    assert translate_default("' On '", "boolean") == ("true", None)
    assert translate_default("'no'", "boolean") == ("false", None)
    assert translate_default("'\ttrue'", "boolean")[0] is None
