"""A new user's first hour, through the real command line: where files go does not depend on where you stand,
the terminal says what was compared and the verdict, a wrong target stops early, reports are never stale."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from pgparity.gx_suites import generate
from tests.helpers import migrate
from tests.test_check_suite_cli import ROOT, run_checks_cli
from tests.test_source_read_modes import stale_wal  # noqa: F401 - a fixture


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


def _run(demo_db, target, tmp_path, *extra):
    res = run_checks_cli("--sqlite", demo_db, "--pg", target.url, "--pg-schema", target.schema, "-q", *extra,
                         cwd=tmp_path)
    return res, res.stdout.splitlines()


NOT_OBJECTS = ("-m", "not objects")  # the demo's trigger is not migrated: the objects check fails on it by design


def test_terminal_says_what_was_compared_first_and_the_verdict_last(demo_db, copy, tmp_path):
    res, lines = _run(demo_db, copy, tmp_path, *NOT_OBJECTS)
    assert res.returncode == 0, res.stdout[-2000:]
    url = copy.url.replace("postgres@", "postgres@")  # trust auth: no password in the test URL
    assert lines[0] == f"pgparity 0.1.0: SQLite {demo_db} (13 tables) vs PostgreSQL " \
                       f"{lines[0].split('PostgreSQL ')[1].split(' ')[0]} at {url}, schema {copy.schema}"
    counts = json.loads((tmp_path / "reports" / "summary.json").read_text())["counts"]
    skipped = f", {counts['skipped']} skipped" if counts["skipped"] else ""
    assert lines[-1] == f"pgparity: GO — {counts['passed']} checks passed on 13 tables (0 waived{skipped})"
    assert "pgparity: 26 drift checks not run: they run only with -m drift (nightly, against a baseline)" in lines


def test_no_go_names_the_failed_checks_in_one_line(demo_db, target, tmp_path):
    migrate(demo_db, target)
    target.sql(f"DELETE FROM {target.q('shipped_items')} WHERE id = 12")
    res, lines = _run(demo_db, target, tmp_path, *NOT_OBJECTS)
    assert res.returncode == 1
    assert lines[-1].startswith("pgparity: NO-GO — 6 failed: content[shipped_items], row_count[shipped_items], ")
    html = (tmp_path / "reports" / "index.html").read_text()
    section = html.split("<code>shipped_items</code> — 6 failing checks")[1]
    assert section.index("content · ") < section.index("What follows from the content difference above (row count, ")
    assert "<td class='val'>id = 12</td>" in section
    assert "order_id = " in section and "order_id = '" not in section  # numbers as numbers


def test_wrong_target_stops_early_with_one_usage_error(demo_db, pg_url, tmp_path):
    res = run_checks_cli("--sqlite", demo_db, "--pg", pg_url.replace("postgres@", "postgres:hunter2@"),
                         "--pg-schema", "public", cwd=tmp_path)
    assert res.returncode == 4
    shown = pg_url.replace("postgres@", "postgres:***@")
    assert f"pgparity: 0 of 13 SQLite tables found in PostgreSQL schema public at {shown} — wrong --pg or " \
           "--pg-schema?" in res.stderr
    assert "hunter2" not in res.stderr + res.stdout


def test_a_run_that_stops_before_checking_leaves_no_verdict(demo_db, copy, tmp_path):
    res, _ = _run(demo_db, copy, tmp_path, *NOT_OBJECTS)
    assert res.returncode == 0 and (tmp_path / "reports" / "summary.json").exists()
    res, _ = _run(demo_db, copy, tmp_path, "--source-tz", "Mars/Olympus")
    assert res.returncode == 4
    assert sorted(p.name for p in (tmp_path / "reports").iterdir() if p.is_file()) == ["index.html"]
    page = (tmp_path / "reports" / "index.html").read_text()
    assert "pgparity: no verdict" in page and "Mars/Olympus" in page and "GO" not in page
    res, _ = _run(demo_db, copy, tmp_path, "--collect-only")
    assert res.returncode == 0
    assert not (tmp_path / "reports" / "summary.json").exists() and not (tmp_path / "reports" / "junit.xml").exists()
    res, _ = _run(demo_db, copy, tmp_path, "-k", "users", "-m", "counts")
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    junit = (tmp_path / "reports" / "junit.xml").read_text()
    assert summary["counts"]["passed"] == 1 and 'tests="1"' in junit


def test_rows_without_a_key_show_where_they_sit_not_as_data(demo_db, target, tmp_path):
    migrate(demo_db, target)
    target.sql(f"DELETE FROM {target.q('system_kpis')} WHERE ctid = (SELECT min(ctid) FROM "
               f"{target.q('system_kpis')})")
    res, _ = _run(demo_db, target, tmp_path, "-m", "content")
    assert res.returncode == 1
    html = (tmp_path / "reports" / "index.html").read_text()
    section = html.split("<code>system_kpis</code> — 1 failing check")[1]
    assert "no primary key · SQLite rowid " in section and "rowid = " not in section and "ctid = " not in section
    assert "value = " in section and "value = '" not in section  # a REAL shown as a number


def test_checks_accept_migrate_spellings_and_toml_typos_get_a_suggestion(demo_db, copy, tmp_path):
    res, lines = _run(demo_db, copy, tmp_path, "--schema", copy.schema, "--exclude", "users", "--nul", "refuse",
                      "-m", "counts")
    assert res.returncode == 0, res.stdout[-2000:]
    assert lines[-1] == "pgparity: GO — 12 checks passed on 12 tables (0 waived)"
    (tmp_path / "pgparity.toml").write_text('[pgparity]\nexamples = 3\nexlude = ["users"]\n')
    res = run_checks_cli("--sqlite", demo_db, "--pg", copy.url, cwd=tmp_path)
    assert res.returncode == 4 and "unknown setting 'exlude' (did you mean exclude?)" in res.stderr


def test_a_stale_read_is_refused_unless_allowed_and_then_said(request, target, tmp_path):
    """The checks read the SQLite file as migrate.py does: a file that can only be read with immutable=1 while its
    WAL holds writes is refused (usage error) unless --allow-stale-read, and then the terminal and summary say so."""
    from tests.test_source_read_modes import _as_user

    db, reports = request.getfixturevalue("stale_wal")
    copy = tmp_path / "copy.db"
    src = sqlite3.connect(db.parent.parent / "writer" / "app.db")
    src.execute(f"VACUUM INTO '{copy}'")
    src.close()
    migrate(copy, target)
    config = reports / "pgparity.toml"
    config.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPARITY_SQLITE")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    def checks(*extra):
        return subprocess.run([*_as_user(), sys.executable, "-m", "pytest", str(ROOT / "checks"), "-p",
                               "no:cacheprovider", "--pgparity-config", str(config), "--sqlite", str(db), "--pg",
                               target.url, "--pg-schema", target.schema, "-m", "counts", "-q", *extra],
                              capture_output=True, text=True, env=env, cwd="/", timeout=300, check=False)

    res = checks()
    assert res.returncode == 4 and "--allow-stale-read" in res.stderr, res.stdout[-2000:] + res.stderr[-2000:]
    res = checks("--allow-immutable")  # migrate.py's other spelling
    assert "pgparity: read mode: app.db was read with immutable=1" in res.stdout, res.stdout[-3000:]
    summary = json.loads((reports / "reports" / "summary.json").read_text())
    assert any(n.startswith("read mode: app.db was read with immutable=1") for n in summary["notes"])
    assert "read with immutable=1" in (reports / "reports" / "index.html").read_text()
