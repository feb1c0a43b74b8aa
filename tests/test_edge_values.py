"""Values that trip CSV loaders and text comparisons: COPY's end marker, quotes, CR/LF, 'NULL' and '\\N'
as text, astral characters, 100 000-character text, infinities, -0.0, subnormals, 2**63-1."""

from tests.build import sqlite_file
from tests.checking import failures, run_checks
from tests.helpers import migrate
from tests.oracle import assert_same

VALUES = ["\\.", "a\n\\.\nb", "\\.\n", '"quoted"', "comma,semi;", "\r\n", "tab\tend", "", " ", "NULL", "\\N",
          "∞ 𝄞 ☃", "x" * 100_000]


def test_edge_values_round_trip_and_pass_every_check(tmp_path, target):
    rows = [(i, v, v.encode(), i / 7, v if i % 2 else i) for i, v in enumerate(VALUES, 1)]
    rows += [(99, None, None, float("inf"), -0.0), (100, None, None, -1e-310, 2**63 - 1)]
    path = sqlite_file(tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB, r REAL, n);", {"t": rows})
    prep = migrate(path, target)
    assert_same(path, target.url, prep.plan)
    assert failures(run_checks(path, target.url, target.schema)) == {}
    got = dict(target.sql(f"SELECT id, n FROM {target.q('t')} WHERE id IN (99, 100)"))
    assert got == {99: "-0.0", 100: "9223372036854775807"}
