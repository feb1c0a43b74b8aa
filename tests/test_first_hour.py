"""A new user's first hour, through the real command line: where files go does not depend on where you stand,
the terminal says what was compared and the verdict, a wrong target stops early, reports are never stale."""

import json
import subprocess
import sys

import pytest

from pgparity.gx_suites import generate
from tests.helpers import migrate
from tests.test_check_suite_cli import ROOT, run_checks_cli


@pytest.fixture(scope="module")
def copy(demo_db, pg_url):
    from tests.conftest import Target

    t = Target(pg_url)
    migrate(demo_db, t)
    yield t
    t.drop()


def test_paths_follow_the_rootdir_not_the_working_directory(demo_db, copy, tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    elsewhere.mkdir()
    generate(demo_db, project / "expectations", ["users"])
    (project / "pgparity.toml").write_text(f'[pgparity]\nschema = "{copy.schema}"\n')
    res = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "checks"), "-p", "no:cacheprovider",
                          "--rootdir", str(project), "--sqlite", str(demo_db), "--pg", copy.url, "-q",
                          "-k", "users"], capture_output=True, text=True, cwd=elsewhere, timeout=600, check=False)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert (project / "reports" / "summary.json").exists() and not (elsewhere / "reports").exists()
    summary = json.loads((project / "reports" / "summary.json").read_text())
    assert summary["tables"]["users"]["expectations"]["status"] == "passed"
    assert f"gx: suites for 1 of 13 table(s) in {project / 'expectations' / 'demo'}" in res.stdout


def test_an_empty_suite_folder_that_was_asked_for_is_said(demo_db, copy, tmp_path):
    (tmp_path / "empty").mkdir()
    res = run_checks_cli("--sqlite", demo_db, "--pg", copy.url, "--pg-schema", copy.schema,
                         "--expectations", tmp_path / "empty", cwd=tmp_path)
    assert res.returncode == 4
    assert f"no suite for any table of demo.db in {tmp_path / 'empty' / 'demo'}" in res.stderr
    assert "python -m pgparity.gx_suites" in res.stderr


def test_missing_default_suites_are_said_not_dropped(demo_db, copy, tmp_path):
    res = run_checks_cli("--sqlite", demo_db, "--pg", copy.url, "--pg-schema", copy.schema, "-m", "counts", "-q",
                         cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-2000:]
    assert f"gx: no suites in {tmp_path / 'expectations' / 'demo'}: the expectations check does not run" \
        in res.stdout
