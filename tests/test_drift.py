"""Nightly drift: baselines, rules (append-only, reference, growth), history, incremental = full,
and consistent snapshots while a writer keeps changing both sides."""

import fcntl
import json
import multiprocessing
import sqlite3
import time

import psycopg2
import pytest

from tests.build import sqlite_file
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli

CONFIG = """[pgparity]
schema = "{schema}"
reports = "{reports}"

[pgparity.drift]
baseline = "{baseline}"

[pgparity.drift.tables.events]
rule = "append-only"
key = "id"

[pgparity.drift.tables.settings]
rule = "reference"

[pgparity.drift.tables.orders]
growth = [0, 3]
"""


@pytest.fixture
def pair(tmp_path, target):
    path = sqlite_file(tmp_path, """
        PRAGMA journal_mode=wal;
        CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, updated_at DATETIME);
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);""", {
        "events": [(i, f"k{i % 3}", f"2024-01-01 00:00:{i:02d}") for i in range(1, 41)],
        "settings": [("a", "1"), ("b", "2")],
        "orders": [(i, i * 1.5) for i in range(1, 11)]})
    migrate(path, target)
    (tmp_path / "pgparity.toml").write_text(CONFIG.format(schema=target.schema, reports=tmp_path / "rep",
                                                          baseline=tmp_path / "baseline.json"))
    return path, target, tmp_path


def drift(pair, *args):
    path, target, cwd = pair
    res = run_checks_cli("-m", "drift", "-q", "--sqlite", path, "--pg", target.url, *args, cwd=cwd)
    summary = json.loads((cwd / "rep" / "summary.json").read_text())
    return res, summary


def both(pair, sql_sqlite: str, sql_pg: str) -> None:
    path, target, _ = pair
    con = sqlite3.connect(path)
    con.execute(sql_sqlite)
    con.commit()
    con.close()
    target.sql(f'SET search_path = "{target.schema}"; {sql_pg}')


def test_baseline_then_unchanged(pair):
    res, summary = drift(pair, "--update-baseline")
    assert res.returncode == 0, res.stdout[-2000:]
    baseline = json.loads((pair[2] / "baseline.json").read_text())
    assert set(baseline["tables"]) == {"events", "settings", "orders"}
    assert baseline["tables"]["events"]["max_key"] == "40"
    assert baseline["tables"]["events"]["max_updated"] == "2024-01-01 00:00:40"  # updated_at found by its name
    res, summary = drift(pair)
    assert res.returncode == 0
    assert "unchanged since the baseline" in summary["drift"]["tables"]["events"]["summary"]


def test_append_only_growth_passes_in_both_modes(pair):
    drift(pair, "--update-baseline")
    both(pair, "INSERT INTO events VALUES (41, 'k9', '2024-02-01 00:00:00')",
         "INSERT INTO events VALUES (41, 'k9', '2024-02-01 00:00:00')")
    for mode in ((), ("--incremental",)):
        res, summary = drift(pair, *mode)
        assert res.returncode == 0, res.stdout[-2000:]
        assert "+1 rows" in summary["drift"]["tables"]["events"]["summary"]


@pytest.mark.parametrize("change,expect", [
    ("DELETE FROM events WHERE id = 7", "append-only: 1 row(s) with key <= 40 removed"),
    ("UPDATE events SET kind = 'edited', updated_at = '2024-03-01 00:00:00' WHERE id = 7", "append-only: "),
], ids=["row-removed", "row-changed"])
def test_append_only_violation_caught_by_full_and_incremental(pair, change, expect):
    drift(pair, "--update-baseline")
    both(pair, change, change)
    verdicts = []
    for mode in ((), ("--incremental",)):
        res, summary = drift(pair, *mode)
        verdicts.append(res.returncode)
        assert expect in res.stdout, res.stdout[-2000:]
        assert summary["drift"]["tables"]["events"]["ok"] is False
    assert verdicts == [1, 1]


def test_reference_table_change_caught(pair):
    drift(pair, "--update-baseline")
    both(pair, "UPDATE settings SET value = '3' WHERE key = 'b'", "UPDATE settings SET value = '3' WHERE key = 'b'")
    res, _ = drift(pair)
    assert res.returncode == 1 and "settings: reference table changed" in res.stdout


def test_growth_outside_band_caught(pair):
    drift(pair, "--update-baseline")
    rows = ", ".join(f"({i}, 1.0)" for i in range(11, 16))
    both(pair, f"INSERT INTO orders VALUES {rows}", f"INSERT INTO orders VALUES {rows}")
    res, _ = drift(pair)
    assert res.returncode == 1 and "growth +5 rows outside the expected band [0, 3]" in res.stdout


def test_history_accumulates_over_three_runs_and_shows_trend(pair):
    drift(pair, "--update-baseline")
    both(pair, "INSERT INTO orders VALUES (11, 2.0)", "INSERT INTO orders VALUES (11, 2.0)")
    drift(pair)
    both(pair, "INSERT INTO orders VALUES (12, 2.0)", "INSERT INTO orders VALUES (12, 2.0)")
    drift(pair)
    history = (pair[2] / "drift" / "history.jsonl").read_text().splitlines()  # beside pgparity.toml, not reports
    assert len(history) == 3
    assert [json.loads(h)["tables"]["orders"]["rows"] for h in history] == [10, 11, 12]
    html = (pair[2] / "rep" / "index.html").read_text()
    assert "Drift since the baseline" in html and "<svg" in html and "rows over the last" in html


def test_no_baseline_is_not_a_pass_and_update_says_what_it_wrote(pair):
    res, summary = drift(pair)
    assert res.returncode == 1
    assert res.stdout.splitlines()[-1] == ("pgparity: DRIFT — no baseline for 3 of 3 tables: create one with "
                                           "--update-baseline (written to baseline.json)")
    assert summary["kind"] == "drift" and summary["verdict"] == "DRIFT"
    res, _ = drift(pair, "--update-baseline")
    assert res.returncode == 0
    assert res.stdout.splitlines()[-1] == "pgparity: baseline written: baseline.json (3 tables)"
    res, summary = drift(pair)
    assert res.returncode == 0 and res.stdout.splitlines()[-1] == "pgparity: NO DRIFT — 3 tables hold their drift rules"
    assert summary["verdict"] == "NO DRIFT"
    html = (pair[2] / "rep" / "index.html").read_text()
    assert "NO DRIFT" in html and "GO" not in html.replace("NO DRIFT", "")


def test_default_baseline_lives_outside_the_reports(pair):
    path, target, cwd = pair
    (cwd / "pgparity.toml").write_text(f'[pgparity]\nschema = "{target.schema}"\n')
    res = run_checks_cli("-m", "drift", "-q", "--sqlite", path, "--pg", target.url, "--update-baseline", cwd=cwd)
    assert res.returncode == 0, res.stdout[-2000:]
    assert res.stdout.splitlines()[-1] == "pgparity: baseline written: drift/baseline.json (3 tables)"
    assert (cwd / "drift" / "baseline.json").exists() and not (cwd / "reports" / "drift").exists()


@pytest.mark.parametrize("mode", [(), ("--incremental",)], ids=["full", "incremental"])
def test_same_row_count_changed_content_fails_without_a_rule_and_with_growth(pair, mode):
    path, target, cwd = pair
    config = (cwd / "pgparity.toml").read_text().replace('[pgparity.drift.tables.settings]\nrule = "reference"\n', "")
    (cwd / "pgparity.toml").write_text(config)  # settings: no rule now
    drift(pair, "--update-baseline")
    both(pair, "UPDATE settings SET value = '9' WHERE key = 'a'", "UPDATE settings SET value = '9' WHERE key = 'a'")
    both(pair, "UPDATE orders SET total = 99 WHERE id = 3", "UPDATE orders SET total = 99 WHERE id = 3")
    res, summary = drift(pair, *mode)
    assert res.returncode == 1
    assert "settings: changed with no drift rule that allows it: same row count, different content" in res.stdout
    assert "orders: same row count, different content: rows were changed in place" in res.stdout
    assert res.stdout.splitlines()[-1] == "pgparity: DRIFT — 2 of 3 tables: orders, settings"


def test_incremental_sees_an_old_row_updated_without_an_updated_at_column(pair):
    path, target, cwd = pair
    config = (cwd / "pgparity.toml").read_text().replace("growth = [0, 3]", 'rule = "append-only"\nkey = "id"')
    (cwd / "pgparity.toml").write_text(config)
    drift(pair, "--update-baseline")
    both(pair, "INSERT INTO orders VALUES (11, 1.0)", "INSERT INTO orders VALUES (11, 1.0)")
    both(pair, "UPDATE orders SET total = 0 WHERE id = 2", "UPDATE orders SET total = 0 WHERE id = 2")
    res, summary = drift(pair, "--incremental")
    assert res.returncode == 1 and "orders: append-only: row(s) with key <= 10 changed (keys 2..2)" in res.stdout


def test_incremental_live_says_what_it_cannot_see(pair):
    drift(pair, "--update-baseline")
    both(pair, "UPDATE orders SET total = 0 WHERE id = 2", "SELECT 1")  # an old row, changed in SQLite only
    res, summary = drift(pair, "--incremental")
    assert "rows with id <= 10 not compared: an old row changed on one side only is not seen" in \
        summary["tables"]["orders"]["drift_live"]["summary"]
    assert "pgparity: --incremental live comparison read only rows past the baseline's max key" in res.stdout
    res, _ = drift(pair)  # a full run compares every row
    assert res.returncode == 1 and "test_drift_live[orders]" in res.stdout


def test_live_difference_caught(pair):
    drift(pair, "--update-baseline")
    both(pair, "INSERT INTO events VALUES (41, 'sqlite-only', '2024-02-01 00:00:00')", "SELECT 1")
    res, _ = drift(pair, "--incremental")
    assert res.returncode == 1 and "test_drift_live[events]" in res.stdout and "[id=41] missing" in res.stdout


def _writer(sqlite_path, url, schema, lock, stop, counter):
    """Apply the same change to both sides, under the lock the checker takes for its snapshots."""
    s = sqlite3.connect(sqlite_path, timeout=30)
    p = psycopg2.connect(url)
    p.autocommit = True
    i, deadline = 1000, time.monotonic() + 120  # bounded: stops by itself
    with open(lock, "a+") as fh:
        while not stop.is_set() and time.monotonic() < deadline:
            i += 1
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                for sql in (f"INSERT INTO orders VALUES ({i}, {i}.5)",
                            f"UPDATE events SET kind = 'w{i}' WHERE id = {i % 40 + 1}",
                            f"DELETE FROM orders WHERE id = {i - 5}"):
                    s.execute(sql)
                    with p.cursor() as cur:
                        cur.execute(f'SET search_path = "{schema}"; {sql}')
                s.commit()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
            counter.value = i
            time.sleep(0.002)
    s.close()
    p.close()


def test_consistent_snapshots_while_a_writer_changes_both_sides(pair):
    path, target, cwd = pair
    lock = cwd / "dual-write.lock"
    stop, counter = multiprocessing.Event(), multiprocessing.Value("i", 0)
    proc = multiprocessing.get_context("fork").Process(target=_writer, args=(str(path), target.url, target.schema,
                                                                             str(lock), stop, counter))
    proc.start()
    try:
        while counter.value < 1020:
            time.sleep(0.01)
        results = []
        for _ in range(3):  # each run reads while the writer keeps committing
            before = counter.value
            res = run_checks_cli("-q", "--sqlite", path, "--pg", target.url, "--snapshot-lock", lock,
                                 "-m", "content or counts", cwd=cwd)
            results.append((res.returncode, counter.value - before, res.stdout[-1500:]))
    finally:
        stop.set()
        proc.join(30)
    assert all(code == 0 for code, _, _ in results), results
    assert all(moved > 0 for _, moved, _ in results), "the writer kept writing during every run"
