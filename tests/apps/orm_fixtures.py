"""Helpers shared by the ORM app tests (test_orm_apps.py, test_orm_migrate.py): run an app's command as a user
does, make and drop databases on the test server, fill an app's SQLite file through its ORM, and run
`pytest checks/` hermetically."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2

from tests.test_check_suite_cli import run_checks_cli

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "tests" / "apps"
DJANGO_APP = APPS / "django_app"
SA_APP = APPS / "sa_app"


def run(args: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPARITY_SQLITE")}
    full.update(PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=full,
                          timeout=300, check=False)


def ok(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    return res.stdout


def with_db(url: str, db: str) -> str:
    head, sep, query = url.partition("?")
    return head.rsplit("/", 1)[0] + "/" + db + sep + query


class Server:
    """Databases made for one test module on the test server, dropped at the end."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.conn = psycopg2.connect(admin_url)
        self.conn.autocommit = True
        self.made: list[str] = []

    def create(self, name: str, template: str | None = None) -> str:
        with self.conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.made.append(name)
        return with_db(self.admin_url, name)

    def close(self) -> None:
        with self.conn.cursor() as cur:
            for name in reversed(self.made):
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.conn.close()


def django_populated(path: Path, env: dict | None = None) -> Path:
    """The Django shop's SQLite file: `manage.py migrate`, then ~730 objects through the ORM (`env`: more settings,
    e.g. PGPARITY_DJANGO_USE_TZ=0)."""
    env = {"PGPARITY_DJANGO_DB": str(path), **(env or {})}
    ok(run(["manage.py", "migrate", "-v0"], DJANGO_APP, env))
    ok(run(["populate.py"], DJANGO_APP, env))
    return path


def sa_populated(path: Path, alembic: bool = False) -> Path:
    """The SQLAlchemy app's SQLite file, ~390 objects through a Session; `alembic`: its tables made by
    `alembic upgrade head` first (the file then carries alembic_version), else by create_all."""
    if alembic:
        ok(run(["-m", "alembic", "-x", f"url={path}", "upgrade", "head"], SA_APP))
    ok(run(["app.py", "populate", path], SA_APP))
    return path


def checks(sqlite: Path, url: str, folder: Path, *extra, env: dict | None = None
           ) -> tuple[subprocess.CompletedProcess, dict]:
    """`pytest checks/` as a user runs it, hermetic: settings, reports and suites in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    res = run_checks_cli("-q", "--sqlite", sqlite, "--pg", url, "--reports", folder / "reports", "--examples", "200",
                         *extra, cwd=folder, env=env)
    summary = folder / "reports" / "summary.json"
    return res, json.loads(summary.read_text()) if summary.exists() else {}


def failing(summary: dict) -> list[str]:
    return [f"{f['check']}[{f['table']}]: {f.get('message', '')[:300]}" for f in summary.get("failures", [])]


def assert_go(sqlite: Path, url: str, reports: Path, *extra, env: dict | None = None) -> None:
    res, summary = checks(sqlite, url, reports, *extra, env=env)
    assert res.returncode == 0 and summary.get("verdict") == "GO", (
        "pytest checks/ on a correct ORM copy: " + str(summary.get("verdict")) + "\n" + "\n".join(failing(summary))
        + "\n" + res.stdout[-3000:])
