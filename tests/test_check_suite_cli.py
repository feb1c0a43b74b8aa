"""`pytest checks/` as users run it: ids per table, -k and -m, usage errors, exit codes, env and config file."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.demo_port import port_demo_trigger
from tests.helpers import migrate

ROOT = Path(__file__).resolve().parents[1]


def run_checks_cli(*args, env=None, cwd=None):
    """`pytest checks/ ARGS` as a user runs it, hermetic: settings come from `cwd/pgparity.toml` when the test
    wrote one (else from an empty one), so reports, expectations and drift files land in `cwd` (a fresh
    temporary folder by default), never in the repository's."""
    cwd = Path(cwd or tempfile.mkdtemp(prefix="pgparity-run-"))
    full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPARITY_SQLITE")}
    full.update(env or {})
    args = tuple(map(str, args))
    if "--pgparity-config" not in args:
        config = cwd / "pgparity.toml"
        if not config.exists():
            config.write_text("")
        args = ("--pgparity-config", str(config), *args)
    return subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "checks"), "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, env=full, cwd=cwd, timeout=600, check=False)


@pytest.fixture
def migrated(demo_db, target):
    migrate(demo_db, target)
    port_demo_trigger(target)  # migrate.py does not translate triggers; a user ports it before cutover
    return target


def test_ids_and_selection(demo_db, migrated):
    res = run_checks_cli("--sqlite", demo_db, "--pg", migrated.url, "--pg-schema", migrated.schema,
                         "--collect-only", "-q", "-k", "shipped_items")
    assert "checks/test_content.py::test_content[shipped_items]" in res.stdout
    assert "checks/test_row_counts.py::test_row_count[shipped_items]" in res.stdout
    assert "[users]" not in res.stdout
    res = run_checks_cli("--sqlite", demo_db, "--pg", migrated.url, "--pg-schema", migrated.schema,
                         "--collect-only", "-q", "-m", "booleans")
    ids = [ln for ln in res.stdout.splitlines() if "::" in ln]
    assert ids and all("test_booleans.py" in i for i in ids)
    assert "test_booleans[workflow_controls]" in res.stdout and "test_booleans[bundle_skus]" not in res.stdout


def test_passing_run_exits_zero_and_junit(demo_db, migrated, tmp_path):
    res = run_checks_cli("--sqlite", demo_db, "--pg", migrated.url, "--pg-schema", migrated.schema, "-q",
                         "--junitxml", tmp_path / "j.xml")
    assert res.returncode == 0, res.stdout[-3000:]
    assert 'failures="0"' in (tmp_path / "j.xml").read_text()


def test_failing_run_names_table_column_key(demo_db, migrated):
    migrated.sql(f"UPDATE {migrated.q('shipped_items')} SET sku = 'SKU-XXXXX' WHERE id = 42")
    res = run_checks_cli("--sqlite", demo_db, "--pg", migrated.url, "--pg-schema", migrated.schema, "-q",
                         "-m", "content")
    assert res.returncode == 1
    assert "checks/test_content.py::test_content[shipped_items]" in res.stdout.split("short test summary")[1]
    assert "shipped_items [id=42] sku: SQLite 'SKU-" in res.stdout and "PostgreSQL 'SKU-XXXXX'" in res.stdout
    assert "Traceback" not in res.stdout


def test_environment_and_config_file(demo_db, migrated, tmp_path):
    (tmp_path / "pgparity.toml").write_text(f'[pgparity]\nschema = "{migrated.schema}"\ntables = ["users"]\n')
    res = run_checks_cli("-q", env={"PGPARITY_SQLITE": str(demo_db), "DATABASE_URL": migrated.url}, cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-2000:]
    assert "passed" in res.stdout.splitlines()[-1]
    assert "[users]" in run_checks_cli("--collect-only", "-q", env={"PGPARITY_SQLITE": str(demo_db),
                                                                     "DATABASE_URL": migrated.url},
                                       cwd=tmp_path).stdout


@pytest.mark.parametrize("args,expect", [
    ((), "which SQLite file? pass --sqlite PATH"),
    (("--sqlite", "/nope.db"), "SQLite file not found: /nope.db"),
    (("--source-tz", "Mars/Olympus"), "is not a time zone name"),
    (("--table", "nope"), "--table nope: no such table"),
], ids=["no-sqlite", "missing-file", "bad-zone", "unknown-table"])
def test_usage_errors(demo_db, migrated, args, expect):
    if args and args[0] != "--sqlite":
        args = ("--sqlite", demo_db, *args)
    res = run_checks_cli(*args, "--pg", migrated.url, "--pg-schema", migrated.schema)
    assert res.returncode == 4, res.stdout + res.stderr
    assert expect in res.stderr
    assert "Traceback" not in res.stderr


def test_wrong_url_is_a_usage_error_without_password(demo_db):
    res = run_checks_cli("--sqlite", demo_db, "--pg", "postgresql://u:hunter2@127.0.0.1:1/x")
    assert res.returncode == 4
    assert "cannot connect to PostgreSQL" in res.stderr and "hunter2" not in res.stderr
