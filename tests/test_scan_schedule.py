"""Scans ahead (pgparity.verify.schedule): one read per table and side for the whole suite, only the tables the
selected checks need, a scan's error on its own table's tests, the scan's connections in the same snapshot."""

import json
import sqlite3

import pytest

from pgparity.errors import SourceError
from pgparity.verify.content import compare_content
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
from tests.build import sqlite_file
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli
from tests.test_check_units import _data_only

TABLES = [f"t{i}" for i in range(8)]
SCRIPT = "".join(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, qty INTEGER, name TEXT, done BOOLEAN, at DATETIME);"
                 for t in TABLES)


def _rows(n: int) -> list[tuple]:
    return [(i, i * 3, f"name {i}", i % 2, f"2024-01-{1 + i % 28:02d} 10:00:00") for i in range(1, n + 1)]


@pytest.fixture
def many(tmp_path, target):
    path = sqlite_file(tmp_path, SCRIPT, {t: _rows(200 + 50 * i) for i, t in enumerate(TABLES)})
    migrate(path, target)
    return path, target


def _run(path, target, tmp_path, *args) -> tuple[object, dict]:
    res = run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema,
                         "--reports", tmp_path / "rep", "-q", *args)
    return res, json.loads((tmp_path / "rep" / "summary.json").read_text())


def test_full_suite_reads_each_table_once_per_side(many, tmp_path):
    path, target = many
    target.sql(f"UPDATE {target.q('t5')} SET qty = -1 WHERE id = 77")
    res, summary = _run(path, target, tmp_path)
    assert res.returncode == 1, res.stdout[-3000:]
    assert summary["reads"] == {t: {"postgresql": 1, "sqlite": 1} for t in TABLES}
    failed = {(f["table"], f["check"]) for f in summary["failures"]}
    assert ("t5", "content") in failed and not any(t != "t5" for t, _ in failed), failed
    assert "t5 [id=77] qty: SQLite '231' != PostgreSQL '-1'" in res.stdout


def test_selection_reads_only_what_the_selected_checks_need(many, tmp_path):
    path, target = many
    res, summary = _run(path, target, tmp_path, "-m", "objects or sequences")
    assert res.returncode == 0, res.stdout[-3000:]
    assert summary["reads"] == {}
    res, summary = _run(path, target, tmp_path, "-m", "content", "-k", "t3 or t6")
    assert res.returncode == 0, res.stdout[-3000:]
    assert summary["reads"] == {"t3": {"postgresql": 1, "sqlite": 1}, "t6": {"postgresql": 1, "sqlite": 1}}
    res, summary = _run(path, target, tmp_path, "--table", "t1", "-m", "content or profiles")
    assert summary["reads"] == {"t1": {"postgresql": 1, "sqlite": 1}}


def test_a_stopped_run_reads_at_most_two_tables_ahead(many, tmp_path):
    path, target = many
    target.sql(f"DELETE FROM {target.q('t0')} WHERE id = 5")
    res, summary = _run(path, target, tmp_path, "-x")
    assert res.returncode == 1, res.stdout[-3000:]
    assert [f["table"] for f in summary["failures"]] == ["t0"]  # the first check that sees the row stops the run
    assert set(summary["reads"]) <= {"t0", "t1", "t2"}, summary["reads"]


def _damage(path, table: str) -> None:
    """Overwrite `table`'s root page with garbage: reading that table fails, the others read as before."""
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    con.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xff" * page_size)


def test_a_scan_error_is_reported_on_its_own_table(tmp_path, target):
    script = "".join(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, qty INTEGER, name TEXT);" for t in TABLES)
    path = sqlite_file(tmp_path, script, {t: [r[:3] for r in _rows(300)] for t in TABLES})
    migrate(path, target)
    _damage(path, "t2")
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema))
    try:
        with pytest.raises(SourceError) as raised:  # the message the scan gives when it runs in the test itself
            compare_content(cmp, cmp.table("t2"))
    finally:
        cmp.close()
    res, summary = _run(path, target, tmp_path, "-m", "content")
    assert res.returncode == 1, res.stdout[-3000:]
    content = {t: checks["content"] for t, checks in summary["tables"].items()}
    assert content["t2"]["status"] == "error" and str(raised.value) in content["t2"]["summary"]
    assert all(content[t]["status"] == "passed" for t in TABLES if t != "t2"), content


def test_the_scan_view_reads_the_comparisons_snapshot(many):
    path, target = many
    cmp = Comparison(str(path), target.url, Settings(schema=target.schema), scan_view=True)
    try:
        target.sql(f"INSERT INTO {target.q('t0')} VALUES (9999, 1, 'late', false, NULL)")
        view = cmp.scan_view()
        assert view.pg is not cmp.pg and view.source is not cmp.source
        res = compare_content(view, view.table("t0"))
        assert res.ok and res.target_rows == 200
    finally:
        cmp.close()


EPOCHS = "CREATE TABLE e (id INTEGER PRIMARY KEY, at DATETIME, day DATE);"


@pytest.mark.parametrize("scale, unit, reads", [(1, "seconds", 1), (1000, "milliseconds", 2)])
def test_epoch_units_are_measured_by_the_scan(tmp_path, target, scale, unit, reads):
    """Integer epochs: their unit comes from the scan's own read (again only when not the assumed one), and the
    rules say the same as when the comparison measures it at open."""
    rows = [(i, (1_700_000_000 + 3600 * i) * scale, (1_704_067_200 + 86_400 * i) * scale) for i in range(1, 500)]
    path = sqlite_file(tmp_path, EPOCHS, {"e": rows + [(500, None, None)]})
    target.sql(f"CREATE TABLE {target.q('e')} (id bigint PRIMARY KEY, at timestamp, day date)")
    _data_only(path, target)
    res, summary = _run(path, target, tmp_path, "-m", "content or timestamps")
    assert res.returncode == 0, res.stdout[-3000:]
    assert summary["reads"] == {"e": {"postgresql": reads, "sqlite": reads}}
    eager = Comparison(str(path), target.url, Settings(schema=target.schema))
    try:
        said = {c.name: c.rule.description for c in eager.table("e").compared}
    finally:
        eager.close()
    assert f"epochs in {unit}" in said["at"] and "1973 and 2242" in said["at"]
    assert {c: summary["rules"]["e"][c]["description"] for c in said} == said
