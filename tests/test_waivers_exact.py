"""Waivers match structured findings exactly and apply to every finding, not only the examples shown.

Each test damages migrate.py's correct copy of the demo database, writes a waiver into pgparity.toml and
runs `pytest checks/` as a user would; the verdict comes from summary.json and the exit code.
"""

import json
from datetime import date

import pytest

from pgparity.verify.outcome import Finding
from pgparity.verify.waivers import Waiver
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli

WAIVER = """
[[pgparity.waivers]]
table = "shipped_items"
check = "content"
reason = "known: TICKET-9"
expires = 2999-12-31
"""


@pytest.fixture
def copy(demo_db, target):
    migrate(demo_db, target)
    return target


def _run(demo_db, copy, tmp_path, waivers: str, *extra):
    (tmp_path / "pgparity.toml").write_text("[pgparity]\n" + waivers)
    out = tmp_path / "rep"
    res = run_checks_cli("--sqlite", demo_db, "--pg", copy.url, "--pg-schema", copy.schema, "--reports", out,
                         "-m", "content", "-k", "shipped_items", *extra, cwd=tmp_path)
    return res, json.loads((out / "summary.json").read_text())


def _set(copy, sql: str) -> None:
    copy.sql(f"UPDATE {copy.q('shipped_items')} SET {sql}")


def test_column_and_kind_waiver_covers_only_its_findings(demo_db, copy, tmp_path):
    _set(copy, "sku = 'SKU-BROKEN' WHERE id = 7")
    _set(copy, "note = 'changed too' WHERE id = 8")
    res, summary = _run(demo_db, copy, tmp_path, WAIVER + 'column = "sku"\nkind = "changed"\n')
    assert res.returncode == 1, res.stdout[-2000:]
    assert summary["verdict"] == "NO-GO"
    failure = next(f for f in summary["failures"] if f["check"] == "content")
    assert [(f["column"], f["kind"], f["key"]) for f in failure["findings"]] == [("note", "changed", "id=8")]
    assert "1 finding(s) waived" in failure["message"] and "SKU-BROKEN" not in res.stdout


def test_waiver_column_and_key_are_not_substrings():
    finding = Finding("t.id_card: NOT NULL added", "id_card", "not-null-added")
    assert not Waiver("t", "schema", "r", date(2999, 1, 1), column="id").covers(finding)
    assert Waiver("t", "schema", "r", date(2999, 1, 1), column="ID_CARD").covers(finding)
    row = Finding("t [id=12] x: SQLite 1 != PostgreSQL 2", "x", "changed", "id=12")
    assert not Waiver("t", "content", "r", date(2999, 1, 1), key="id=1").covers(row)


def test_key_waiver_is_exact(demo_db, copy, tmp_path):
    _set(copy, "sku = 'SKU-BROKEN' WHERE id IN (1, 12)")
    res, summary = _run(demo_db, copy, tmp_path, WAIVER + 'key = "id=1"\n')
    assert res.returncode == 1
    failure = next(f for f in summary["failures"] if f["check"] == "content")
    assert [f["key"] for f in failure["findings"]] == ["id=12"]


def test_column_waiver_covers_rows_beyond_the_examples(demo_db, copy, tmp_path):
    _set(copy, "sku = sku || '!' WHERE id BETWEEN 100 AND 104")
    res, summary = _run(demo_db, copy, tmp_path, WAIVER + 'column = "sku"\n', "--examples", "1")
    assert res.returncode == 0, res.stdout[-2000:]
    assert summary["verdict"] == "GO" and summary["counts"]["waived"] == 1


def test_column_waiver_does_not_hide_an_unshown_change_elsewhere(demo_db, copy, tmp_path):
    _set(copy, "sku = sku || '!' WHERE id BETWEEN 100 AND 104")
    _set(copy, "note = 'hidden' WHERE id = 105")
    res, summary = _run(demo_db, copy, tmp_path, WAIVER + 'column = "sku"\n', "--examples", "1")
    assert res.returncode == 1
    failure = next(f for f in summary["failures"] if f["check"] == "content")
    assert {f["column"] for f in failure["findings"]} == {"note"}


def test_unknown_waiver_field_is_a_usage_error(demo_db, copy, tmp_path):
    (tmp_path / "pgparity.toml").write_text("[pgparity]\n" + WAIVER + 'colum = "sku"\n')
    res = run_checks_cli("--sqlite", demo_db, "--pg", copy.url, "--pg-schema", copy.schema, cwd=tmp_path)
    assert res.returncode == 4 and "unknown field(s) colum" in res.stderr
