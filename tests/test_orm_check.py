"""`pytest checks/ -m orm`: the gate reads the data the way the application does, through its own ORM.

The apps of tests/apps (tests/test_orm_apps.py builds them: SQLite filled through the ORM, the ORM's own
PostgreSQL schema, `migrate.py --data-only`). Run as a user runs it, `pytest checks/` in a subprocess:
- the correct copy is GO, and the SQLite file is left byte-identical, mtime included;
- each damage made through the ORM on the PostgreSQL side is NO-GO naming model, key and field;
- a schema of migrate.py's own design (the ORM's marker table gone, so nothing tells it the file is Django's)
  fails schema usability naming model, field and both types;
- no --django-settings/--sqlalchemy-models: nothing collected, and a note says why; a settings module that
  cannot be imported is one line and exit 4.
"""

# ruff: noqa: F811 - the module fixtures of tests/test_orm_apps.py are imported, then requested by name
from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path

import psycopg2
import pytest

from tests.test_orm_apps import (  # noqa: F401 - module fixtures reused
    DJANGO_APP,
    DJANGO_DAMAGES,
    ROOT,
    SA_APP,
    SA_DAMAGES,
    checks,
    django_pg,
    django_sqlite,
    failing,
    loaded,
    ok,
    run,
    sa_pg,
    sa_sqlite,
    server,
)
from tests.test_source_untouched import _state

DJANGO_MODELS = {"shop_product": "shop.Product", "shop_productdetail": "shop.ProductDetail",
                 "shop_order": "shop.Order", "shop_supplier": "shop.Supplier"}


@pytest.fixture
def django_env(monkeypatch, django_sqlite):
    """The project on PYTHONPATH as a user has it; its settings module wants PGPARITY_DJANGO_DB set (any value:
    the check replaces DATABASES with the two databases it compares)."""
    monkeypatch.setenv("PYTHONPATH", str(DJANGO_APP))
    monkeypatch.setenv("PGPARITY_DJANGO_DB", str(django_sqlite))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)


@pytest.fixture
def sa_env(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(SA_APP))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)


def orm_findings(summary: dict, check: str) -> list[tuple[str, str | None, str | None, str, str]]:
    """(model, field, key, kind, text) of every finding of `check`."""
    return [(f["table"], x["column"], x["key"], x["kind"], x["text"]) for f in summary.get("failures", [])
            if f["check"] == check for x in f["findings"]]


def assert_orm_go(summary: dict, res, models: set[str]) -> None:
    assert res.returncode == 0 and summary.get("verdict") == "GO", "\n".join(failing(summary)) + res.stdout[-3000:]
    ran = {(t, c) for t, cells in summary["tables"].items() for c, cell in cells.items() if cell["status"] == "passed"}
    assert {(m, "orm") for m in models} | {(m, "orm_schema") for m in models} <= ran, sorted(ran)


def assert_named(summary: dict, expected: list[tuple[str, str, str]]) -> None:
    found = {(m, f, k) for m, f, k, _, _ in orm_findings(summary, "orm")}
    missed = [e for e in expected if e not in found]
    assert not missed, f"damages not named by -m orm: {missed}\n" + "\n".join(failing(summary))


def assert_types_named(summary: dict, expected: list[tuple[str, str, str]]) -> None:
    """Each (model, field, type the ORM creates) fails schema usability, the text naming both types."""
    found = orm_findings(summary, "orm_schema")
    for model, field, want in expected:
        hits = [t for m, f, _, kind, t in found if m == model and f == field and kind == "orm-type"]
        assert hits and f"the ORM creates {want}, PostgreSQL has " in hits[0], (model, field, want, found)


def without_marker(sqlite: Path, folder: Path, table: str) -> Path:
    """A copy of the app's file without the ORM's bookkeeping table: migrate.py then designs the schema itself."""
    copy = folder / sqlite.name
    shutil.copy(sqlite, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    return copy


# ---------------------------------------------------------------- Django


def test_django_correct_copy_is_go_and_source_untouched(django_sqlite, django_pg, django_env, monkeypatch, tmp_path):
    """DJANGO_SETTINGS_MODULE (pytest-django's convention) instead of --django-settings."""
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "djproj.settings")
    before = _state(django_sqlite)
    res, summary = checks(django_sqlite, loaded(django_pg, "migrate")["url"], tmp_path, "-m", "orm")
    assert _state(django_sqlite) == before
    assert_orm_go(summary, res, {"shop.Product", "shop.Order", "shop.Supplier", "auth.User", "shop.Note"})
    assert "223 link(s) read equal through Django" in summary["tables"]["shop.Product"]["orm"]["summary"]
    assert any(n.startswith("orm: 14 model(s) read through Django") for n in summary["notes"]), summary["notes"]


def test_django_orm_damages_are_named_and_waivable(server, django_sqlite, django_pg, django_env, tmp_path):
    """Every damage named by model, key and field; a password hash changed is named with both values redacted;
    the findings reach JUnit and the HTML report, and waivers naming them exactly turn the run GO."""
    base = loaded(django_pg, "migrate")
    url = server.create(f"pgparity_tests_ormchk_{os.getpid()}", template=base["name"])
    damaged = ok(run(["damage.py", *DJANGO_DAMAGES, "supplier_flag_flipped"], DJANGO_APP,
                     {"PGPARITY_DJANGO_DB": url})).split()
    expected = []
    for table, column, key in zip(damaged[::3], damaged[1::3], damaged[2::3]):
        if table == "shop_product_tags":  # damage.py removes product 10's first tag link
            expected.append(("shop.Product", "tags", "id=10"))
        elif key.startswith("id='"):  # a UUID primary key, named as the app reads it
            expected.append((DJANGO_MODELS[table], column, f"id={uuid.UUID(key[4:-1])}"))
        else:
            expected.append((DJANGO_MODELS[table], column, key))
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("UPDATE auth_user SET password = 'md5$changed' WHERE id = (SELECT min(id) FROM auth_user) "
                    "RETURNING id")
        expected.append(("auth.User", "password", f"id={cur.fetchone()[0]}"))
    res, summary = checks(django_sqlite, url, tmp_path, "-m", "orm", "--django-settings", "djproj.settings")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    assert_named(summary, expected)
    assert not orm_findings(summary, "orm_schema"), failing(summary)
    found = orm_findings(summary, "orm")
    assert len(found) == len(expected), failing(summary)
    password = next(t for m, f, _, _, t in found if f == "password")
    assert "***redacted***" in password and "md5$" not in password, password
    reports = tmp_path / "reports"
    assert 'name="test_orm[shop.Product]"' in (reports / "junit.xml").read_text()
    assert "shop.Product [id=2] price" in (reports / "index.html").read_text()

    waived = tmp_path / "waived"
    waived.mkdir()
    (waived / "pgparity.toml").write_text("[pgparity]\n" + "".join(
        f'[[pgparity.waivers]]\ntable = "{m}"\ncheck = "orm"\ncolumn = "{f}"\nkey = "{k}"\nreason = "known"\n'
        f"expires = 2999-12-31\n" for m, f, k in expected))
    res, summary = checks(django_sqlite, url, waived, "-m", "orm", "--django-settings", "djproj.settings")
    assert res.returncode == 0 and summary["verdict"] == "GO", "\n".join(failing(summary)) + res.stdout[-2000:]
    assert summary["counts"]["waived"] == len({m for m, _, _ in expected}), summary["counts"]


def test_django_schema_of_our_design_is_not_usable(server, django_sqlite, django_env, monkeypatch, tmp_path):
    plain = without_marker(django_sqlite, tmp_path, "django_migrations")
    url = server.create(f"pgparity_tests_ormdesign_{os.getpid()}")
    ok(run([ROOT / "migrate.py", plain, "--pg", url, "-q", "--reports", tmp_path / "load"], ROOT))
    res, summary = checks(plain, url, tmp_path / "run", "-m", "orm", "--django-settings", "djproj.settings")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    assert_types_named(summary, [("shop.Product", "external_id", "uuid"), ("shop.Product", "lead_time", "interval"),
                                 ("shop.Order", "client_ip", "inet"), ("shop.Product", "price", "numeric(14,2)"),
                                 ("shop.Order", "placed_at", "timestamp with time zone")])
    # the same project with USE_TZ = False reads and writes naive local times: timestamp is then only a note
    monkeypatch.setenv("PGPARITY_DJANGO_USE_TZ", "0")
    res, summary = checks(plain, url, tmp_path / "naive", "-m", "orm", "-k", "shop.Order and not Line",
                          "--django-settings", "djproj.settings")
    assert not [x for x in orm_findings(summary, "orm_schema") if x[1] == "placed_at"], failing(summary)
    said = summary["tables"]["shop.Order"]["orm_schema"]["summary"]
    assert "note: placed_at: timestamp without time zone for timestamp with time zone (USE_TZ = False" in said, said


def test_django_text_keys_under_a_locale_collation(server, django_sqlite, django_pg, django_env, tmp_path):
    """Session keys ordered by an ICU collation in PostgreSQL ('_c' < 'a1' < 'B2') and by bytes in SQLite
    ('B2' < '_c' < 'a1'): both are read in byte order, so no object is reported missing or out of order."""
    keys = ["a1", "B2", "_c", "Z9", "\u00e40", "b3"]
    copy = tmp_path / "app.sqlite3"
    shutil.copy(django_sqlite, copy)
    with sqlite3.connect(copy) as conn:
        conn.executemany("INSERT INTO django_session VALUES (?, 'data', '2030-01-01 00:00:00')", [(k,) for k in keys])
    url = server.create(f"pgparity_tests_ormtext_{os.getpid()}", template=loaded(django_pg, "migrate")["name"])
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute('ALTER TABLE django_session ALTER COLUMN session_key TYPE varchar(40) COLLATE "en-x-icu"')
        cur.executemany("INSERT INTO django_session VALUES (%s, 'data', '2030-01-01 00:00:00+00')",
                        [(k,) for k in keys])
        cur.execute("SELECT session_key FROM django_session WHERE session_key IN ('a1', 'B2', '_c') ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == ["_c", "a1", "B2"]  # the collation does order otherwise
    res, summary = checks(copy, url, tmp_path / "run", "-m", "orm", "-k", "Session",
                          "--django-settings", "djproj.settings")
    assert res.returncode == 0 and summary["verdict"] == "GO", "\n".join(failing(summary)) + res.stdout[-2000:]
    assert summary["tables"]["sessions.Session"]["orm"]["summary"].startswith(f"{len(keys) + 1} object(s) read equal")


def test_django_model_without_table_is_one_line_each(server, django_sqlite, django_pg, django_env, tmp_path):
    """A model whose table is missing in PostgreSQL: its read stops with the database's error and its schema
    says the table is missing, both without a traceback; the other models are still read."""
    url = server.create(f"pgparity_tests_ormnotable_{os.getpid()}", template=loaded(django_pg, "migrate")["name"])
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute('DROP TABLE "Order Notes"')
    res, summary = checks(django_sqlite, url, tmp_path, "-m", "orm", "-k", "Note or Order",
                          "--django-settings", "djproj.settings")
    assert "Traceback" not in res.stdout and res.returncode == 1, res.stdout[-3000:]
    assert [x[1:4] for x in orm_findings(summary, "orm")] == [(None, None, "read-error")]
    assert 'relation "Order Notes" does not exist' in orm_findings(summary, "orm")[0][4]
    assert [x[:4] for x in orm_findings(summary, "orm_schema")] == [("shop.Note", None, None, "missing-table")]
    assert summary["tables"]["shop.Order"]["orm"]["status"] == "passed"


def test_no_orm_option_collects_nothing_and_says_why(django_sqlite, django_pg, tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    res, summary = checks(django_sqlite, loaded(django_pg, "migrate")["url"], tmp_path, "-m", "orm or counts")
    assert not any(c in cells for cells in summary["tables"].values() for c in ("orm", "orm_schema")), summary
    note = [n for n in summary["notes"] if n.startswith("orm: not run")]
    assert note and "made by Django: pass --django-settings" in note[0], note


def test_unimportable_settings_is_one_line(django_sqlite, django_pg, tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    res, _ = checks(django_sqlite, loaded(django_pg, "migrate")["url"], tmp_path, "-m", "orm",
                    "--django-settings", "nosuchproject.settings")
    assert res.returncode == 4 and "Traceback" not in res.stdout + res.stderr, res.stdout + res.stderr
    assert "--django-settings nosuchproject.settings: no module 'nosuchproject' on PYTHONPATH" in res.stderr


# ---------------------------------------------------------------- SQLAlchemy


def test_sqlalchemy_correct_copy_is_go_and_source_untouched(sa_sqlite, sa_pg, sa_env, tmp_path):
    copy = loaded(sa_pg, "migrate")
    before = _state(sa_sqlite)
    res, summary = checks(sa_sqlite, copy["url"], tmp_path, "-m", "orm", "--pg-schema", copy["schema"],
                          "--sqlalchemy-models", "models:Base")
    assert _state(sa_sqlite) == before
    assert_orm_go(summary, res, {"Customer", "Invoice", "Payment"})


def test_sqlalchemy_orm_damages_are_named(server, sa_sqlite, sa_pg, sa_env, tmp_path):
    base = loaded(sa_pg, "migrate")
    url = server.create(f"pgparity_tests_ormchk_sa_{os.getpid()}", template=base["name"])
    damaged = ok(run(["app.py", "damage", url, *SA_DAMAGES, "--schema", base["schema"]], SA_APP)).split()
    expected = []
    for table, column, key in zip(damaged[::3], damaged[1::3], damaged[2::3]):
        key = f"id={uuid.UUID(key[4:-1])}" if key.startswith("id='") else key
        expected.append((table.capitalize(), column, key))
    res, summary = checks(sa_sqlite, url, tmp_path, "-m", "orm", "--pg-schema", base["schema"],
                          "--sqlalchemy-models", "models:Base")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    assert_named(summary, expected)
    assert len(orm_findings(summary, "orm")) == len(expected), failing(summary)


def test_sqlalchemy_schema_of_our_design_is_not_usable(server, sa_sqlite, sa_env, tmp_path):
    url = server.create(f"pgparity_tests_ormdesign_sa_{os.getpid()}")
    ok(run([ROOT / "migrate.py", sa_sqlite, "--pg", url, "-q", "--reports", tmp_path / "load"], ROOT))
    res, summary = checks(sa_sqlite, url, tmp_path / "run", "-m", "orm", "--sqlalchemy-models", "models:Base")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO", res.stdout[-3000:]
    assert_types_named(summary, [("Customer", "public_id", "uuid"), ("Invoice", "grace", "interval"),
                                 ("Payment", "paid_at", "timestamp with time zone")])
