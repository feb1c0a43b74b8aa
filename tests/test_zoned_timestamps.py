"""Zoned text timestamps (hostile_checks.md 4b): a text whose offset moves its UTC date to another day is still a
timestamp, lands as timestamptz and keeps its instant; through migrate.py and `pytest checks/` as subprocesses.

The instants are compared with Python's own ISO parser (datetime.fromisoformat), not with SQLite's or
PostgreSQL's: a third reader. A damaged copy (one value moved by a second in PostgreSQL) must be NO-GO.
Cannot see: a lowercase 'z' (SQLite and PostgreSQL read it, the checks do not: not tested), fractions
finer than microseconds (Python truncates, PostgreSQL rounds; not tested), zones SQLite reads but spells
otherwise than 'Z'/±HH:MM (none known), a zone followed by trailing spaces (judged as naive, then by the
date parse: valid only if the written date is its UTC date).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.build import column_type, sqlite_file
from tests.test_check_suite_cli import run_checks_cli
from tests.test_cli import run_cli

DDL = "CREATE TABLE ev (id INTEGER PRIMARY KEY, at TIMESTAMP);"

CASES = {
    # +14:00 / -12:00: the UTC date is the day before / after the written one
    "day-boundaries": ["2024-01-01T00:30:00+14:00", "2024-12-31T23:30:00-12:00", "2024-08-29T21:51:52-05:30",
                       "2024-02-29 00:00+14:00"],
    "zulu": ["2024-02-29T23:59:59Z", "2024-03-01 00:00:00Z", "2023-12-31T23:59Z"],
    "fractions": ["2024-06-30T23:59:59.999999+01:00", "2024-01-01T00:00:00.5-00:30", "2024-01-01 00:00:00.123+05:45"],
}


def _migrate(path, target, *args):
    res = run_cli(path, "--pg", target.url, "--pg-schema", target.schema, "--reports", path.parent / "mig", *args,
                  cwd=path.parent)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return res


def _checks(path, target, *args):
    return run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema,
                          "--reports", path.parent / "rep", *args, cwd=path.parent)


def _instants(target) -> dict[int, datetime]:
    return dict(target.sql(f"SELECT id, at FROM {target.q('ev')} ORDER BY id"))


def _expected(texts: list[str], naive_zone=UTC) -> dict[int, datetime]:
    out = {}
    for i, t in enumerate(texts, 1):
        d = datetime.fromisoformat(t[:-1] + "+00:00" if t[-1] in "Zz" else t)
        out[i] = (d if d.tzinfo else d.replace(tzinfo=naive_zone)).astimezone(UTC)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoned_texts_land_as_timestamptz_with_their_instants(tmp_path, target, case):
    texts = CASES[case]
    path = sqlite_file(tmp_path, DDL, {"ev": list(enumerate(texts, 1))})
    res = _migrate(path, target)
    assert "not timestamp" not in res.stdout + res.stderr, res.stdout
    assert column_type(target, "ev", "at") == "timestamp with time zone"
    assert _instants(target) == _expected(texts)

    ok = _checks(path, target)
    assert ok.returncode == 0, ok.stdout[-3000:]

    target.sql(f"UPDATE {target.q('ev')} SET at = at + interval '1 second' WHERE id = 2")
    bad = _checks(path, target)
    assert bad.returncode == 1 and "NO-GO" in bad.stdout, bad.stdout[-3000:]
    assert "ev [id=2] at" in bad.stdout, bad.stdout[-3000:]


@pytest.mark.parametrize("text", ["2024-02-30T10:00:00Z", "2024-01-01T10:00:00+15:00", "2024-01-01T10:00:00+0200"])
def test_a_zoned_text_sqlite_does_not_read_is_no_timestamp(tmp_path, text):
    """Feb 30 with a zone (SQLite's date() does not normalise it then), an offset past ±14:59, an offset without
    ':': the column is kept as text and the note names the row."""
    path = sqlite_file(tmp_path, DDL, {"ev": [(1, "2024-01-01T10:00:00+02:00"), (2, text)]})
    res = run_cli(path, "--dry-run", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert '"at" text' in res.stdout and f"rowid 2: '{text}'" in res.stderr, res.stdout + res.stderr


def test_zoned_and_naive_texts_mixed_keep_their_instants(tmp_path, target):
    """Naive texts beside zoned ones: timestamptz; the naive ones are wall time in --source-tz (loaded and checked
    in that zone). A check reading them in another zone is NO-GO."""
    texts = ["2024-01-01T00:30:00+14:00", "2024-07-01 12:00:00", "2024-12-31T23:30:00-12:00", "2024-01-15 08:00"]
    path = sqlite_file(tmp_path, DDL, {"ev": list(enumerate(texts, 1))})
    _migrate(path, target, "--source-tz", "Europe/Paris")
    assert column_type(target, "ev", "at") == "timestamp with time zone"
    assert _instants(target) == _expected(texts, ZoneInfo("Europe/Paris"))
    assert _checks(path, target, "--source-tz", "Europe/Paris").returncode == 0
    wrong = _checks(path, target, "-m", "timestamps")  # naive read as UTC: rows 2 and 4 are 1-2 h off
    assert wrong.returncode == 1, wrong.stdout[-3000:]


def test_zoned_and_naive_texts_mixed_the_plan_says_where_and_why(tmp_path):
    texts = ["2024-01-01T00:30:00+14:00", "2024-07-01 12:00:00"]
    path = sqlite_file(tmp_path, DDL, {"ev": list(enumerate(texts, 1))})
    res = run_cli(path, "--dry-run", "--source-tz", "Europe/Paris", cwd=tmp_path)
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith("--   at:"))
    assert "DEVIATES" in line and "naive" in line and "Europe/Paris" in line, line


def test_a_declared_date_holding_zoned_times_never_drops_the_offset(tmp_path, target):
    """PostgreSQL's timestamp input drops an offset ('...T00:30:00+14:00' lands as 00:30): migrate.py either lands
    such a column as timestamptz with its instants, or refuses before writing, naming the rows."""
    texts = ["2024-01-01T00:30:00+14:00", "2024-12-31 23:00-12:00"]
    path = sqlite_file(tmp_path, DDL.replace("TIMESTAMP", "DATE"), {"ev": list(enumerate(texts, 1))})
    res = run_cli(path, "--pg", target.url, "--pg-schema", target.schema, "--reports", tmp_path / "mig",
                  cwd=tmp_path)
    if res.returncode == 0:
        assert _instants(target) == _expected(texts)
    else:
        assert "Traceback" not in res.stderr and target.tables() == [], res.stderr
        refusal = next(ln for ln in res.stderr.splitlines() if ln.startswith("REFUSE ev.at"))
        assert "zone offset" in refusal and f"rowid 1: '{texts[0]}'" in refusal, refusal
