"""The checks read integer durations and epochs in the unit migrate.py --data-only loads them in (issue 9 §1).

Both ask pgparity.units: the stated --interval-unit/--epoch-unit, else what the file shows (Django's
django_migrations: microseconds; epochs: the one 1973..2242 band holding every integer). Where nothing
shows the unit the content rule says which one it assumed and how to state another. Real SQLite files,
real PostgreSQL, migrate.py's own command line for the load.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
from tests.build import crashed_mid_write, sqlite_file
from tests.checking import run_checks

ROOT = Path(__file__).resolve().parents[1]
DURATIONS = "CREATE TABLE t (id INTEGER PRIMARY KEY, d INTEGER);"
MS_ROWS = [(1, 74_000), (2, 1), (3, -1_500), (4, 86_400_001), (5, None)]


def _data_only(path: Path, target, *options: str) -> None:
    """migrate.py --data-only into the test's hand-made tables (its reports beside the file, not in the repo)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    res = subprocess.run([sys.executable, str(ROOT / "migrate.py"), str(path), "--pg", target.url, "--pg-schema",
                          target.schema, "--data-only", "--reports", str(path.parent / "rep"), *options],
                         capture_output=True, text=True, env=env, cwd=path.parent, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]


def _rules(path: Path, target, **settings) -> dict[str, object]:
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema, **settings))
    try:
        return {c.name: c.rule for tp in cmp.tables for c in tp.compared}
    finally:
        cmp.close()


def test_millisecond_durations_checked_in_the_stated_unit(tmp_path, target):
    path = sqlite_file(tmp_path, DURATIONS, {"t": MS_ROWS})
    target.sql(f"CREATE TABLE {target.q('t')} (id bigint PRIMARY KEY, d interval)")
    _data_only(path, target, "--interval-unit", "ms")
    assert target.sql(f"SELECT d::text FROM {target.q('t')} WHERE id = 1") == [("00:01:14",)]
    stated = run_checks(path, target.url, target.schema, interval_unit="ms")
    assert stated[("content", "t")].ok, stated[("content", "t")].message()
    assert "milliseconds: stated: --interval-unit ms" in stated[("content", "t")].rules["d"]

    assumed = run_checks(path, target.url, target.schema)[("content", "t")]
    assert not assumed.ok
    assert {(f.column, f.kind) for f in assumed.findings} == {("d", "changed")}
    assert "microseconds ASSUMED" in assumed.rules["d"] and "--interval-unit" in assumed.rules["d"]
    rule = _rules(path, target)["d"]
    assert rule.unit == "us" and "pass --interval-unit {us,ms,s}" in rule.assumed


def test_a_django_file_says_microseconds(tmp_path, target):
    """The file's own evidence decides, as for migrate.py: no statement needed, nothing assumed."""
    path = sqlite_file(tmp_path, DURATIONS + "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT);",
                       {"t": [(1, 74_000_002), (2, None)]})
    target.sql(f"CREATE TABLE {target.q('t')} (id bigint PRIMARY KEY, d interval)")
    target.sql(f"CREATE TABLE {target.q('django_migrations')} (id bigint PRIMARY KEY, app text)")
    _data_only(path, target)
    out = run_checks(path, target.url, target.schema)[("content", "t")]
    assert out.ok, out.message()
    rule = _rules(path, target)["d"]
    assert rule.unit == "us" and not rule.assumed and "django_migrations" in rule.description


EPOCHS = "CREATE TABLE e (id INTEGER PRIMARY KEY, at INTEGER, day INTEGER);"


def test_millisecond_epochs_checked_in_the_unit_their_band_shows(tmp_path, target):
    rows = [(1, 1_700_000_000_123, 1_704_067_200_000), (2, 1_700_000_001_000, None), (3, None, 1_704_153_600_000)]
    path = sqlite_file(tmp_path, EPOCHS, {"e": rows})
    target.sql(f"CREATE TABLE {target.q('e')} (id bigint PRIMARY KEY, at timestamp, day date)")
    _data_only(path, target, "--epoch-unit", "ms")
    outcomes = run_checks(path, target.url, target.schema)
    for check in ("content", "timestamps"):
        assert outcomes[(check, "e")].ok, outcomes[(check, "e")].message()
    rules = _rules(path, target)
    assert rules["at"].unit == "ms" and not rules["at"].assumed and "1973 and 2242" in rules["at"].description

    target.sql(f"UPDATE {target.q('e')} SET at = at + interval '1 millisecond' WHERE id = 1")
    out = run_checks(path, target.url, target.schema)[("content", "e")]
    assert not out.ok and {(f.column, f.kind, f.key) for f in out.findings} == {("at", "changed", "id=1")}


def test_epochs_outside_every_band_are_read_as_stated_or_said_assumed(tmp_path, target):
    path = sqlite_file(tmp_path, EPOCHS, {"e": [(1, 3, None), (2, 1_700_000_000, None)]})
    target.sql(f"CREATE TABLE {target.q('e')} (id bigint PRIMARY KEY, at timestamp, day date)")
    _data_only(path, target, "--epoch-unit", "s")
    assert run_checks(path, target.url, target.schema, epoch_unit="s")[("content", "e")].ok
    rules = _rules(path, target)
    assert rules["at"].unit == "s" and "pass --epoch-unit {us,ms,s}" in rules["at"].assumed
    assert "seconds ASSUMED (integers from 3 to 1700000000" in rules["at"].description
    assert not rules["day"].assumed  # no integers: no unit to assume


def test_comparison_reads_a_stale_file_only_when_told(tmp_path, target):
    """Comparison(..., allow_stale_read) is the reader's permission (pytest's --allow-stale-read passes it)."""
    import pytest

    from pgparity.errors import SourceError

    db = crashed_mid_write(tmp_path / "crashed.db", "t", 1, 2000, "UPDATE t SET c0 = c0 + 1000000")
    with pytest.raises(SourceError, match="hot journal"):
        Comparison(str(db), target.url, Settings(schema=target.schema))
    cmp = Comparison(str(db), target.url, Settings(schema=target.schema), allow_stale_read=True)
    try:
        assert cmp.source.immutable and "hot journal" in cmp.source.read_note
    finally:
        cmp.close()
    with pytest.raises(SourceError, match="hot journal"):  # allowed once is not allowed for the next comparison
        Comparison(str(db), target.url, Settings(schema=target.schema))


def test_declared_types_that_did_not_land_fail_once(tmp_path, target):
    """One fault, one failure: a declared BOOLEAN/DATETIME whose values fit, landed as integer/text, is the
    schema check's 'declared-intent'; booleans and timestamps still read its values and pass while they agree."""
    script = "CREATE TABLE t (code TEXT PRIMARY KEY, active BOOLEAN, at DATETIME, day DATE);"
    rows = [("a", 1, "2024-01-01 10:00:00", "2024-01-01"), ("b", 0, "2024-03-01 10:00:00.5", None),
            ("c", None, None, None)]
    path = sqlite_file(tmp_path, script, {"t": rows})
    target.sql(f"CREATE TABLE {target.q('t')} (code text PRIMARY KEY, active integer, at text, day text)")
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('t')} VALUES (%s, %s, %s, %s)", rows)
    outcomes = run_checks(path, target.url, target.schema)
    failing = {k: o for k, o in outcomes.items() if not o.ok}
    assert set(failing) == {("schema", "t")}, {k: o.message() for k, o in failing.items()}
    assert {(f.column, f.kind) for f in failing[("schema", "t")].findings} == \
        {("active", "declared-intent"), ("at", "declared-intent"), ("day", "declared-intent")}
    assert outcomes[("booleans", "t")].ok and outcomes[("timestamps", "t")].ok


def test_declared_datetime_of_millisecond_epochs_landed_as_bigint_reads_their_band(tmp_path, target):
    """The timestamps check reads a plain landing's integers in the unit migrate.py would choose: min/max are
    instants of 2023, not of the year 55 000."""
    rows = [("a", 1_700_000_000_123), ("b", 1_700_000_500_000)]
    path = sqlite_file(tmp_path, "CREATE TABLE t (code TEXT PRIMARY KEY, at DATETIME);", {"t": rows})
    target.sql(f"CREATE TABLE {target.q('t')} (code text PRIMARY KEY, at bigint)")
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('t')} VALUES (%s, %s)", rows)
    out = run_checks(path, target.url, target.schema)[("timestamps", "t")]
    assert out.ok and "epochs in milliseconds" in out.rules["at"]
    target.sql(f"UPDATE {target.q('t')} SET at = at + 1 WHERE code = 'b'")
    out = run_checks(path, target.url, target.schema)[("timestamps", "t")]
    assert not out.ok and "max differs: SQLite 2023-11-14 22:21:40, PostgreSQL 2023-11-14 22:21:40.001000" \
        in out.message()


def test_settings_file_accepts_only_what_the_command_line_accepts(tmp_path):
    """pgparity.toml: a unit or policy outside the command line's choices, a wrongly typed number, one
    setting spelled twice and settings outside [pgparity] are refused in one line naming the file; a single
    table may be a string."""
    import pytest

    from pgparity.check_settings import read_config
    from pgparity.errors import UsageError

    toml = tmp_path / "pgparity.toml"
    for body, said in [('interval_unit = "sec"', "interval_unit = 'sec' is not one of us, ms, s"),
                       ('nul_policy = "ignore"', "nul_policy = 'ignore' is not one of fail, refuse, strip"),
                       ('examples = "5"', "examples = '5' is not a whole number"),
                       ("allow_stale_read = 1", "allow_stale_read = 1 is not true or false"),
                       ('schema = "a"\npg_schema = "b"', "'pg_schema' and 'schema' are the same setting"),
                       ('[x]\n[y]', "x, y outside the [pgparity] table")]:
        toml.write_text(f"[pgparity]\n{body}\n")
        with pytest.raises(UsageError, match=re.escape(f"{toml}: {said}")):
            read_config(toml)
    toml.write_text('schema = "a"\n')  # before any table header: not a pgparity setting
    with pytest.raises(UsageError, match=re.escape(f"{toml}: schema outside the [pgparity] table")):
        read_config(toml)
    toml.write_text('[pgparity]\ntables = "orders"\nexclude_table = "logs"\nfloat_tolerance = 0\n')
    assert read_config(toml).data == {"tables": ["orders"], "exclude": ["logs"], "float_tolerance": 0}
