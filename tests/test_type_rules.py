"""Each type rule: the planned PostgreSQL type, and the value that arrives."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from pgparity.defaults import translate_default
from pgparity.source import SqliteSource
from pgparity.verify.rules import Settings, canonical_source, infer, split_raw
from tests.build import column_type, sqlite_file
from tests.helpers import migrate

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
    assert column_type(target, "t", "v") == pg_type
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


def _both_reads(tmp_path, declared: str, pg_type: str, values: list) -> tuple[list, list | None]:
    """Canonical SQLite values of one column read the two ways content reads it: the rule's CASE
    expressions, and a plain `SELECT v` split by storage class (split_raw; None when it refuses the column,
    as it must when it cannot tell the parts apart, and content then reads the expressions)."""
    path = sqlite_file(tmp_path, f"CREATE TABLE t (v {declared});", {"t": [(v,) for v in values]})
    s = Settings()
    rule = infer("v", declared, "v", pg_type, s)
    with SqliteSource.open(path) as src:
        typed = pa.Table.from_batches(list(src.typed_batches(list(rule.src_select), "t")))
        plain = pa.Table.from_batches(list(src.batches('SELECT "v" FROM "t"')))
    by_sql = [a.to_pylist() for a in canonical_source(rule, [col.combine_chunks() for col in typed.columns], s)]
    try:
        by_plain = canonical_source(rule, split_raw(rule, plain.column(0).combine_chunks()), s)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return by_sql, None
    return by_sql, [a.to_pylist() for a in by_plain]


# one PostgreSQL type per rule, and one group of SQLite values per storage class
RULE_TYPES = {"int": "bigint", "float": "double precision", "numeric": "numeric", "bool": "boolean", "uuid": "uuid",
              "interval": "interval", "inet": "inet", "time": "time without time zone",
              "ts": "timestamp without time zone", "tstz": "timestamp with time zone", "date": "date",
              "bytes": "bytea", "json": "jsonb", "text": "text"}
STORED = {"integer": [0, 1, 2, -5, 86_400_000_000, 1_700_000_000, None],
          "real": [0.0, 1.0, -0.0, 0.5, 19.99, 1e100, None],
          "text": ["1", " TRUE ", "off", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-02-30", "08:30",
                   "1 day, 1:00:00", "10.0.2.2", "0123456789ABCDEF0123456789abcdef", '{"b": 1, "a": [1.0]}',
                   "12.50", "", None],
          "blob": [b"\x00\x01", b"true", b"0123456789abcdef", None]}


@pytest.mark.parametrize("stored", STORED)
@pytest.mark.parametrize("name", RULE_TYPES)
def test_both_reads_agree_on_every_value(tmp_path, name, stored):
    """A column of one storage class gives the same canonical values whether read plainly or by the rule's
    expressions (or the plain read refuses, and content reads the expressions). The odd marker's text may
    differ for a real (SQLite and Arrow spell a double differently); which values are odd may not."""
    assert infer("v", "", "v", RULE_TYPES[name], Settings()).name == name
    by_sql, by_plain = _both_reads(tmp_path, "", RULE_TYPES[name], STORED[stored])
    if by_plain is None:
        return  # the plain read refused this column: content reads the expressions
    assert by_plain[0] == by_sql[0]
    assert [o is None for o in by_plain[1]] == [o is None for o in by_sql[1]]
    if stored != "real":
        assert by_plain[1] == by_sql[1]


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
