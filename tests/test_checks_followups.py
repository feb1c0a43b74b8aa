"""Follow-ups of the hostile tests of the fact-reading checks (hostile_checks.md), through `pytest checks/`.

A hand-made PostgreSQL copy of a small SQLite file, damaged one way per test: a name in another case, a
column lost, an instant outside years 1-9999. The verdict comes from the exit code and summary.json.
"""

from __future__ import annotations

import json

import pytest

from tests.build import sqlite_file
from tests.test_check_suite_cli import run_checks_cli

DDL = "CREATE TABLE notes (id INTEGER PRIMARY KEY, flag BOOLEAN, at DATETIME, body TEXT);"
BETA = "CREATE TABLE beta (id INTEGER PRIMARY KEY);"  # pairs, so that a run with notes unpaired still runs
ROWS = [(1, 1, "2024-01-01 10:00:00", "café"), (2, 0, "2024-01-02 11:00:00", "b"), (3, None, None, None)]


def _copy(tmp_path, target, table: str = "notes", body: str = "body", rows=ROWS):
    """The SQLite file and a PostgreSQL copy of it, the table and its text column named as given."""
    path = sqlite_file(tmp_path, DDL + BETA, {"notes": ROWS})
    target.sql(f"CREATE TABLE {target.q('beta')} (id bigint PRIMARY KEY)")
    q = f'"{target.schema}"."{table}"'
    target.sql(f'CREATE TABLE {q} (id bigint PRIMARY KEY, flag boolean, "at" timestamp, "{body}" text)')
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {q} VALUES (%s, %s, %s, %s)",
                        [(i, None if f is None else bool(f), a, b) for i, f, a, b in rows])
    return path


def _run(path, target, tmp_path, *args, waivers: str = ""):
    (tmp_path / "pgparity.toml").write_text("[pgparity]\n" + waivers)
    out = tmp_path / "rep"
    res = run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema, "--reports", out,
                         *args, cwd=tmp_path)
    return res, json.loads((out / "summary.json").read_text())


def _findings(summary) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {}
    for f in summary["failures"]:
        out.setdefault(f["check"], set()).update((x["column"], x["kind"]) for x in f["findings"])
    return out


@pytest.mark.parametrize("table, body", [("notes", "Body"), ("Notes", "body"), ("NOTES", "BODY")])
def test_a_name_in_another_case_than_sqlites_or_its_lowercase_is_no_go(tmp_path, target, table, body):
    """`SELECT body FROM notes` fails on PostgreSQL's "Body" / "Notes": no check pairs them silently."""
    path = _copy(tmp_path, target, table, body)
    res, summary = _run(path, target, tmp_path)
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    found = _findings(summary)
    if table != "notes":
        assert ("missing-table" in {k for _, k in found["row_count"]}), found
        assert f"PostgreSQL has '{table}'" in res.stdout
    else:
        for check in ("schema", "text", "profiles", "row_count"):
            assert ("body", "missing-column") in found[check], (check, found)
        assert f"PostgreSQL has '{body}'" in res.stdout


def test_the_lowercase_fold_of_a_mixed_case_name_pairs(tmp_path, target):
    """--lowercase-names (or a hand copy with unquoted names): SQLite `Notes.Body`, PostgreSQL notes.body: GO."""
    path = sqlite_file(tmp_path, DDL.replace("notes", "Notes").replace("body", "Body"), {"Notes": ROWS})
    target.sql(f'CREATE TABLE {target.q("notes")} (id bigint PRIMARY KEY, flag boolean, "at" timestamp, body text)')
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('notes')} VALUES (%s, %s, %s, %s)",
                        [(i, None if f is None else bool(f), a, b) for i, f, a, b in ROWS])
    res, summary = _run(path, target, tmp_path, "-m", "not sequences")  # a hand copy: no identity
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-3000:]


@pytest.mark.parametrize("mark", ["text", "counts", "profiles", "booleans", "timestamps"])
def test_a_narrowed_run_fails_on_a_column_missing_in_postgresql(tmp_path, target, mark):
    """body renamed body2 in PostgreSQL: each column-covering check alone fails, naming the column."""
    path = _copy(tmp_path, target, body="body2")
    res, summary = _run(path, target, tmp_path, "-m", mark)
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    found = _findings(summary)
    assert any(("body", "missing-column") in kinds for kinds in found.values()), found
    assert "notes.body: column missing in PostgreSQL" in res.stdout


def test_a_waiver_covers_the_missing_column_finding(tmp_path, target):
    path = _copy(tmp_path, target, body="body2")
    waiver = ('[[pgparity.waivers]]\ntable = "notes"\ncheck = "text"\ncolumn = "body"\nkind = "missing-column"\n'
              'reason = "dropped on purpose: TICKET-1"\nexpires = 2999-12-31\n')
    res, summary = _run(path, target, tmp_path, "-m", "text", waivers=waiver)
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-3000:]


def test_instants_outside_years_1_to_9999_are_shown_not_a_crash(tmp_path, target):
    """PostgreSQL 'infinity', '-infinity', BC and year 12000: one line each naming the column, in PostgreSQL's
    spelling; 'infinity' is the maximum (not a wrapped negative minimum)."""
    rows = [(1, 1, "infinity", "a"), (2, 0, "4713-01-01 BC", "b"), (3, None, None, None)]
    path = _copy(tmp_path, target, rows=rows)
    res, summary = _run(path, target, tmp_path, "-m", "timestamps or profiles", "-k", "notes")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    assert "Traceback" not in res.stdout and "could not run" not in res.stdout, res.stdout[-3000:]
    assert "notes.at: max differs: SQLite 2024-01-02 11:00:00, PostgreSQL infinity" in res.stdout, res.stdout[-3000:]
    assert "notes.at: min differs: SQLite 2024-01-01 10:00:00, PostgreSQL 4713-01-01 00:00:00 BC" in res.stdout
    assert "max: SQLite 2024-01-02 11:00:00 != PostgreSQL infinity" in res.stdout, res.stdout[-3000:]
    assert "-9222425352054775809" not in res.stdout
    target.sql(f"UPDATE {target.q('notes')} SET \"at\" = CASE id WHEN 1 THEN '-infinity'::timestamp "
               "ELSE '12000-01-01 00:00:00'::timestamp END WHERE id < 3")
    res, _ = _run(path, target, tmp_path, "-m", "timestamps", "-k", "notes")
    assert res.returncode == 1 and "Traceback" not in res.stdout, res.stdout[-3000:]
    assert "min differs: SQLite 2024-01-01 10:00:00, PostgreSQL -infinity" in res.stdout, res.stdout[-3000:]
    assert "max differs: SQLite 2024-01-02 11:00:00, PostgreSQL +12000-01-01 00:00:00" in res.stdout


def test_epoch_seconds_copied_as_milliseconds_say_the_unit(tmp_path, target):
    """SQLite DATETIME holding epoch seconds, PostgreSQL bigint holding milliseconds: year ~55000, no crash."""
    path = sqlite_file(tmp_path, "CREATE TABLE ev (id INTEGER PRIMARY KEY, ep DATETIME);",
                       {"ev": [(1, 1_700_000_000), (2, 1_700_086_400)]})
    target.sql(f"CREATE TABLE {target.q('ev')} (id bigint PRIMARY KEY, ep bigint)")
    target.sql(f"INSERT INTO {target.q('ev')} VALUES (1, 1700000000000), (2, 1700086400000)")
    res, summary = _run(path, target, tmp_path, "-m", "timestamps")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    assert "Traceback" not in res.stdout, res.stdout[-3000:]
    assert "ev.ep: min differs: SQLite 2023-11-14 22:13:20, PostgreSQL +5" in res.stdout, res.stdout[-3000:]
    assert "PostgreSQL's is SQLite's x1000: epoch integers copied in another unit?" in res.stdout


def test_no_column_pairs_up_names_the_columns(tmp_path, target):
    """Every column of notes renamed in PostgreSQL: profiles and row_count name each one, no traceback."""
    path = sqlite_file(tmp_path, "CREATE TABLE notes (a INTEGER, b TEXT);" + BETA, {"notes": [(1, "x"), (2, "y")]})
    target.sql(f"CREATE TABLE {target.q('beta')} (id bigint PRIMARY KEY)")
    target.sql(f"CREATE TABLE {target.q('notes')} (a2 bigint, b2 text)")
    target.sql(f"INSERT INTO {target.q('notes')} VALUES (1, 'x'), (2, 'y')")
    res, summary = _run(path, target, tmp_path, "-m", "profiles or counts or text", "-k", "notes")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    assert "Traceback" not in res.stdout and "Error" not in res.stdout, res.stdout[-3000:]
    found = _findings(summary)
    for check in ("profiles", "row_count", "text"):
        assert {("a", "missing-column"), ("b", "missing-column")} <= found[check], (check, found)
