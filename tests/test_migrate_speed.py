"""migrate.py's speed work keeps its promises: phase timings are recorded, the read-ahead pipeline keeps
every table apart and whole, and a failure in the last table still leaves nothing.

The load reads the next table while PostgreSQL loads and indexes the current one, and builds each
table's keys right after its COPY; these tests go through `migrate.py` itself and look at the target.

Cannot see: how fast anything is (bench/bench_migrate.py measures that), or a failure between two
reads of one batch inside the SQLite driver.
"""

from __future__ import annotations

import json
import sqlite3

from tests.test_cli import run_cli

PHASES = ("schema", "read/profile", "plan", "preflight", "create tables", "copy", "keys/indexes",
          "checks/views/FKs", "sequences", "analyze", "manifest")


def _fill(con, table: str, n: int, values: str) -> None:
    """Insert rows 1..n into `table`, each row SELECT `values` over i (the row number)."""
    con.execute(f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
                f"INSERT INTO {table} SELECT {values} FROM s WHERE {n} > 0")


def _migrate(db, target, tmp_path, *extra):
    return run_cli(db, "--pg", target.url, "--pg-schema", target.schema, "--reports", tmp_path / "rep", *extra)


def test_manifest_records_every_phase_and_copy_per_table(demo_db, target, tmp_path):
    res = _migrate(demo_db, target, tmp_path, "-q")
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "rep" / "migration.json").read_text())
    phases = manifest["phases"]
    assert tuple(phases) == PHASES
    assert all(isinstance(v, float | int) and v >= 0 for v in phases.values())
    per_table = [t["seconds"] for t in manifest["tables"]]
    assert len(per_table) == len(target.tables()) == 13
    assert abs(phases["copy"] - sum(per_table)) < 0.01  # the copy phase is the tables' COPYs, nothing else
    assert sum(phases.values()) <= manifest["seconds"] + 0.05  # measured inside the run, not invented


def test_many_tables_of_several_batches_land_whole_and_apart(tmp_path, target):
    """Tables of more than one Arrow batch each, read ahead across table boundaries: every row of
    every table lands in its own table (counts, sums and the keys built right after each COPY)."""
    db = tmp_path / "many.db"
    con = sqlite3.connect(db)
    sizes = {"a": 70_000, "b": 3, "c": 140_000, "d": 0, "e": 66_000}
    for name, n in sizes.items():
        con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v TEXT NOT NULL, w INTEGER UNIQUE)")
        _fill(con, name, n, f"i, '{name}' || i, i * 7")
    con.commit()
    con.close()
    res = _migrate(db, target, tmp_path, "-q")
    assert res.returncode == 0, res.stderr
    for name, n in sizes.items():
        rows = target.sql(f"SELECT count(*), coalesce(sum(id), 0), count(*) FILTER (WHERE v <> '{name}' || id), "
                          f"coalesce(sum(w), 0) FROM {target.q(name)}")
        assert rows == [(n, n * (n + 1) // 2, 0, 7 * n * (n + 1) // 2)], name
        keys = target.sql("SELECT contype FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY 1",
                          (target.q(name),))
        assert keys == [("p",), ("u",)], name


def test_bad_bytes_late_in_the_last_table_leave_nothing(tmp_path, target):
    """The earlier tables are loaded and keyed, the last one is refused mid-COPY by the reader: the
    one transaction rolls all of it back and the error names table, column and rowid."""
    db = tmp_path / "late.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE first (id INTEGER PRIMARY KEY, v TEXT)")
    _fill(con, "first", 80000, "i, 'x' || i")
    con.execute("CREATE TABLE zlast (id INTEGER PRIMARY KEY, first_id INTEGER REFERENCES first(id), v TEXT)")
    _fill(con, "zlast", 70000, "i, i, 'y' || i")
    con.execute("UPDATE zlast SET v = CAST(x'41ff42' AS TEXT) WHERE id = 69999")
    con.commit()
    con.close()
    before = target.tables()
    res = _migrate(db, target, tmp_path)
    assert res.returncode == 5, res.stderr
    assert "zlast.v: bytes that are not valid UTF-8 at rowid 69999" in res.stderr
    assert "nothing was committed" in res.stderr
    assert "Traceback" not in res.stderr
    assert target.tables() == before == []


def _edge_db(tmp_path):
    """Values at the edges of each binary form, NULL in every column, and a table that must stay CSV."""
    db = tmp_path / "edges.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, big INTEGER, r REAL, b BOOLEAN, t TEXT, "
                "v VARCHAR(5), ts DATETIME, j JSON, bl BLOB)")
    con.executemany("INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (1, -9223372036854775808, -0.0, 0, "", "abcde", "0001-01-01 00:00:00", '{"a": [1, 2.50, "ü"], "a": 0}',
         b""),
        (2, 9223372036854775807, 1e308, 1, "Ünïcödé 🙂 \"q\",\n", "ä", "1969-12-31 23:59:59.999999", " [ ] ",
         bytes(range(256))),
        (3, None, None, None, None, None, None, None, None),
        (4, 0, 0.1 + 0.2, 1, "x" * 5000, "", "2024-02-29 12:00:00.5", '{"n": 1e400}', b"\x00"),
        (5, 42, float("inf"), 0, "\\N", None, "9999-12-31 23:59:59.123", '[{"k": null}]', b"\\x41"),
    ])
    con.execute("CREATE TABLE other (id INTEGER PRIMARY KEY, ts DATETIME, n NUMERIC(5,2))")
    con.executemany("INSERT INTO other VALUES (?, ?, ?)", [(1, "2024-01-01T10:00:00", 1.25), (2, None, None)])
    con.commit()
    con.close()
    return db


def test_binary_and_csv_copies_give_identical_tables(tmp_path, target, pg_url):
    from tests.conftest import Target

    db = _edge_db(tmp_path)
    csv_target = Target(pg_url)
    try:
        res = _migrate(db, target, tmp_path, "-q")
        assert res.returncode == 0, res.stderr
        formats = {t["table"]: t["copy_format"]
                   for t in json.loads((tmp_path / "rep" / "migration.json").read_text())["tables"]}
        assert formats == {"plain": "binary", "other": "csv"}  # 'T' timestamps and numeric stay CSV
        res = run_cli(db, "--pg", pg_url, "--pg-schema", csv_target.schema, "--reports", tmp_path / "rep2", "-q",
                      env={"PGPARITY_COPY_FORMAT": "csv"})
        assert res.returncode == 0, res.stderr
        formats = {t["table"]: t["copy_format"]
                   for t in json.loads((tmp_path / "rep2" / "migration.json").read_text())["tables"]}
        assert formats == {"plain": "csv", "other": "csv"}
        for table in ("plain", "other"):
            a, b = target.q(table), csv_target.q(table)
            assert target.sql(f"SELECT count(*) FROM {a}") == target.sql(f"SELECT count(*) FROM {b}")
            assert target.sql(f"(SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b}) UNION ALL "
                              f"(SELECT * FROM {b} EXCEPT ALL SELECT * FROM {a})") == []
        # and what binary sent is what SQLite holds, spot-checked where the forms differ most
        assert target.sql(f"SELECT big, r::text, b, length(t), ts::text, j::text, encode(bl, 'hex') "
                          f"FROM {target.q('plain')} ORDER BY id") == [
            (-9223372036854775808, "0", False, 0, "0001-01-01 00:00:00", '{"a": 0}', ""),  # SQLite keeps no -0.0
            (9223372036854775807, "1e+308", True, 15, "1969-12-31 23:59:59.999999", "[]", bytes(range(256)).hex()),
            (None, None, None, None, None, None, None),
            (0, "0.30000000000000004", True, 5000, "2024-02-29 12:00:00.5", '{"n": ' + "1" + "0" * 400 + "}", "00"),
            (42, "Infinity", False, 2, "9999-12-31 23:59:59.123", '[{"k": null}]', "5c783431")]
    finally:
        csv_target.drop()


def test_a_value_binary_cannot_carry_sends_the_table_again_as_csv(tmp_path, target):
    """A late batch holds a timestamp PostgreSQL reads its own way ('24:00:00' is the next day): the
    binary COPY is rolled back to its savepoint and the table goes as CSV; the next table is binary again."""
    db = tmp_path / "late_form.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE fb (id INTEGER PRIMARY KEY, ts DATETIME)")
    _fill(con, "fb", 70000, "i, '2024-01-01 10:00:00.25'")
    con.execute("UPDATE fb SET ts = '2024-01-01 24:00:00' WHERE id = 69000")
    con.execute("CREATE TABLE zz (id INTEGER PRIMARY KEY, fb_id INTEGER REFERENCES fb(id), ts DATETIME)")
    con.execute("INSERT INTO zz VALUES (1, 69000, '2024-03-01 00:00:00')")
    con.commit()
    con.close()
    res = _migrate(db, target, tmp_path, "-q")
    assert res.returncode == 0, res.stderr
    formats = {t["table"]: t["copy_format"]
               for t in json.loads((tmp_path / "rep" / "migration.json").read_text())["tables"]}
    assert formats == {"fb": "csv, after binary met fb.ts: a timestamp text not of the form "
                             "YYYY-MM-DD HH:MM:SS[.ffffff]", "zz": "binary"}
    assert target.sql(f"SELECT count(*), count(DISTINCT id), min(ts)::text, max(ts)::text FROM {target.q('fb')}") \
        == [(70000, 70000, "2024-01-01 10:00:00.25", "2024-01-02 00:00:00")]
    assert target.sql(f"SELECT fb_id, ts::text FROM {target.q('zz')}") == [(69000, "2024-03-01 00:00:00")]


def test_profile_in_rowid_ranges_counts_what_one_scan_counts(tmp_path, monkeypatch):
    """The profile counts a big table in rowid ranges over two connections and adds the figures up: on
    sparse and negative rowids, a column named rowid, a WITHOUT ROWID table and an empty one, every
    figure (counts, minima, maxima, NULs in timestamp texts) equals one scan's. The ranges are made tiny
    here so that these small tables are split."""
    from pgparity import profile
    from pgparity.schema import inspect_schema
    from pgparity.source import SqliteSource

    db = tmp_path / "ranges.db"
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, r REAL, s VARCHAR(5), at DATETIME, ok BOOLEAN,
                        price NUMERIC(6,2), j JSON, b BLOB);
        CREATE TABLE shadow ("rowid" TEXT, "_rowid_" INTEGER, oid DATETIME, x TEXT);
        CREATE TABLE named (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
        CREATE TABLE empty (a INTEGER, at DATETIME);
    """)
    values = ("i * 7919 % 100003 - 50000, CASE WHEN i % 5 = 0 THEN 'x' || i ELSE i * 1000 + i END, "
              "CASE WHEN i % 3 = 0 THEN i / 7.0 WHEN i % 3 = 1 THEN NULL ELSE 'txt' END, "
              "substr('abcdefgh', 1, i % 8), "
              "CASE i % 4 WHEN 0 THEN '2024-01-0' || (i % 9 + 1) || ' 10:00:00' WHEN 1 THEN i * 86400 "
              "WHEN 2 THEN '2024-02-30' ELSE 'a' || char(0) || 'b' END, i % 3, i * 1.005, "
              "CASE WHEN i % 2 THEN '{\"a\": ' || i || '}' ELSE '[1' END, CASE WHEN i % 6 = 0 THEN x'00ff' END")
    _fill(con, "t", 3000, values)
    con.execute("UPDATE t SET id = id * id * 1000 - 4000000000")  # sparse and negative rowids
    _fill(con, "shadow", 500, "'r' || i, i, '2024-03-01 00:00:0' || (i % 10), 'x' || char(0)")
    _fill(con, "named", 400, "'k' || i, i")
    con.commit()
    con.close()
    monkeypatch.setattr(profile, "_CHUNK_ROWS", 97)
    spans: list = []
    count = profile._count  # noqa: SLF001
    monkeypatch.setattr(profile, "_count", lambda conn, t, name, span, *a: spans.append((t.name, span))
                        or count(conn, t, name, span, *a))
    with SqliteSource.open(db) as src:
        schema = inspect_schema(src)
        split = profile.profile_tables(src, schema.tables)
        split_scans = list(spans)
        whole = {t.name: {c.name: profile.profile_table(src, t, [c])[c.name] for c in t.columns}
                 for t in schema.tables}
    assert split == whole
    ranges = [span for name, span in split_scans if name == "t" and span]
    lowest, highest = sqlite3.connect(db).execute("SELECT min(id), max(id) FROM t").fetchone()
    assert len(ranges) == 8 and ranges[0][0] == lowest < 0 and ranges[-1][1] == highest  # however sparse
    # no rowid to range over: one scan of the whole table
    assert [span for name, span in split_scans if name in ("shadow", "named")] == [None, None]
    assert split["t"]["at"].nul_texts == 750 and split["t"]["at"].int_max == 2997 * 86400
    assert split["t"]["n"].int_min is None and split["t"]["id"].integers == 3000
    assert split["shadow"]["oid"].ts_texts == 500 and split["empty"]["at"].rows == 0
