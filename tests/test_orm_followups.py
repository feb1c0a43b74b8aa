"""Follow-ups of the hostile test of the ORM migration and the -m orm gate (through migrate.py and pytest checks/).

- USE_TZ = False (Django stores naive local times of TIME_ZONE): `--data-only --django-settings` loads them in that
  zone, and `pytest checks/ --django-settings` reads them in it (table checks too, not only -m orm); a copy
  loaded in UTC is NO-GO on content naming the column. `--data-only --sqlalchemy-models` is refused.
- JSON numbers keep their kind (1 vs 1.0 vs true) in -m orm and content.
- Intervals in hours form ('9605:00:00') where the ORM writes days ('400 days 05:00:00') are NO-GO on content.
- A value the ORM cannot convert (year 10000) is one finding naming model, key and field (Django, SQLAlchemy).
- Declared UNIQUE names are kept by the full migration and checked by schema; a link table's id width by orm_schema.

What these cannot see: every Django setting that changes how values are stored (only USE_TZ/TIME_ZONE here);
values the ORM cannot convert in a key column.
"""

# ruff: noqa: F811 - the module fixtures of tests/test_orm_apps.py are imported, then requested by name
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import psycopg2

from tests.apps.orm_fixtures import DJANGO_APP, ROOT, Server, checks, django_populated, failing, ok, run
from tests.test_orm_apps import SA_APP, django_pg, django_sqlite, loaded, sa_pg, sa_sqlite, server  # noqa: F401

NO_TZ = {"PGPARITY_DJANGO_USE_TZ": "0"}
DJANGO_ENV = {"PYTHONPATH": str(DJANGO_APP)}


def migrate(sqlite: Path, *args, env: dict | None = None):
    return run([ROOT / "migrate.py", sqlite, *args], ROOT, env)


def django_schema(server: Server, name: str, env: dict | None = None) -> str:
    url = server.create(f"pgparity_tests_ormfu_{name}_{os.getpid()}")
    ok(run(["manage.py", "migrate", "-v0"], DJANGO_APP, {"PGPARITY_DJANGO_DB": url, **(env or {})}))
    return url


def sql(url: str, statement: str) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(statement)
        return cur.fetchall() if cur.description else []


def test_use_tz_false_data_only_and_checks_read_time_zone(server, tmp_path):
    path = django_populated(tmp_path / "local.sqlite3", NO_TZ)
    env = {"PYTHONPATH": str(DJANGO_APP), "PGPARITY_DJANGO_DB": str(path), **NO_TZ}
    url = django_schema(server, "notz", NO_TZ)
    res = migrate(path, "--pg", url, "--data-only", "--truncate", "--django-settings", "djproj.settings",
                  "--reports", tmp_path / "load", env=env)
    ok(res)
    assert "read in Europe/Paris (--django-settings djproj.settings: USE_TZ = False" in res.stderr
    assert "objects equal" in ok(run(["compare.py"], DJANGO_APP, {"PGPARITY_DJANGO_DB": str(path),
                                                                  "PGPARITY_DJANGO_OTHER": url, **NO_TZ}))
    table_checks = ("-m", "not drift and not orm", "--django-settings", "djproj.settings")
    res, summary = checks(path, url, tmp_path / "good", *table_checks, env=env)
    assert summary.get("verdict") == "GO", failing(summary)
    assert "naive SQLite times read in Europe/Paris" in res.stdout + res.stderr
    plain = migrate(path, "--data-only", "--dry-run", env=env)  # without the settings: said, not silent
    assert "naive datetimes are read as UTC" in plain.stderr and "--django-settings" in plain.stderr, plain.stderr
    # the same file loaded as UTC (the old silent default): the table checks, zone from the settings, see it
    ok(migrate(path, "--pg", url, "--data-only", "--truncate", "--source-tz", "UTC", "-q",
               "--reports", tmp_path / "load2", env=env))
    res, summary = checks(path, url, tmp_path / "bad", *table_checks, env=env)
    assert summary.get("verdict") == "NO-GO"
    assert any(f.startswith("content[shop_order]") for f in failing(summary)), failing(summary)
    assert "placed_at" in res.stdout


def test_sqlalchemy_models_with_data_only_is_refused(django_sqlite, tmp_path):
    res = migrate(django_sqlite, "--pg", "postgresql://postgres@127.0.0.1/none", "--data-only",
                  "--sqlalchemy-models", "models:Base", "--dry-run")
    assert res.returncode == 2 and "--sqlalchemy-models decides the types of --design-schema" in res.stderr, \
        res.stderr


def damaged_copy(server: Server, django_pg: dict, name: str, *statements: str) -> str:
    """A fresh database from the correct --data-only copy, with `statements` applied."""
    url = server.create(f"pgparity_tests_ormfu_{name}_{os.getpid()}", template=loaded(django_pg, "migrate")["name"])
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    return url


def test_json_number_kinds_are_what_the_app_gets(server, django_sqlite, django_pg, tmp_path):
    """JSON 1 -> 1.0 (int -> float) and true -> 1 (bool -> int): json.loads hands the app another type; -m orm
    names each (model, key, field) although Python says 1 == 1.0 == True."""
    url = damaged_copy(server, django_pg, "json",
                       "UPDATE shop_product SET attributes = '[1, \"two\", null, 1, {\"k\": []}]' WHERE id = "
                       "(SELECT min(id) FROM shop_product WHERE attributes = '[1, \"two\", null, true, {\"k\": []}]')",
                       "UPDATE shop_product SET attributes = jsonb_set(attributes, '{nested,deep,neg}', "
                       "'-9223372036854775808.0') WHERE id = (SELECT min(id) FROM shop_product "
                       "WHERE attributes ? 'nested')")
    ids = [r[0] for r in sql(url, "SELECT id FROM shop_product WHERE attributes::text LIKE '%.0}}}' "
                                  "OR attributes::text LIKE '%null, 1,%' ORDER BY id")]
    assert len(ids) == 2, ids
    env = {**DJANGO_ENV, "PGPARITY_DJANGO_DB": str(django_sqlite)}
    res, summary = checks(django_sqlite, url, tmp_path / "orm", "-m", "orm", "--django-settings", "djproj.settings",
                          env=env)
    assert summary.get("verdict") == "NO-GO", res.stdout[-3000:]
    texts = [x["text"] for f in summary["failures"] if f["check"] == "orm" for x in f["findings"]]
    for i in ids:
        assert any(f"shop.Product [id={i}] attributes:" in t for t in texts), (i, texts)
    # the table checks compare JSON numbers with their kind too (a '.' in the literal: float; jsonb keeps it)
    res, summary = checks(django_sqlite, url, tmp_path / "content", "-m", "not drift and not orm", "--table",
                          "shop_product", "-k", "content")
    assert summary.get("verdict") == "NO-GO", res.stdout[-3000:]
    keys = {x["key"] for f in summary["failures"] if f["check"] == "content" for x in f["findings"]
            if x.get("column") == "attributes"}
    assert {f"id={i}" for i in ids} <= keys, (keys, failing(summary))


def test_interval_in_hours_form_is_a_difference(server, django_sqlite, django_pg, tmp_path):
    """Django writes a timedelta as days + time ('400 days 05:00:00'); the same total in hours ('9605:00:00') is
    another value to PostgreSQL's extract(day ...), justify_* and date arithmetic: NO-GO on content, naming the
    column; the copy as migrate.py --data-only made it (days form) passes the same check."""
    good = loaded(django_pg, "migrate")["url"]
    assert sql(good, "SELECT count(*) FROM shop_product WHERE lead_time >= '1 day' "
                     "AND extract(day FROM lead_time) = 0") == [(0,)]
    args = ("-m", "not drift and not orm", "--table", "shop_product", "-k", "content")
    res, summary = checks(django_sqlite, good, tmp_path / "good", *args)
    assert summary.get("verdict") == "GO", failing(summary)
    url = damaged_copy(server, django_pg, "hours", "UPDATE shop_product SET lead_time = "
                       "make_interval(secs => extract(epoch FROM lead_time)) WHERE lead_time >= '1 day'")
    assert sql(url, "SELECT count(*) FROM shop_product WHERE lead_time >= '1 day'")[0][0] > 0
    res, summary = checks(django_sqlite, url, tmp_path / "hours", *args)
    assert summary.get("verdict") == "NO-GO", res.stdout[-3000:]
    found = [x for f in summary["failures"] if f["check"] == "content" for x in f["findings"]]
    assert found and all(x["column"] == "lead_time" for x in found if x.get("column")), found
    assert "lead_time" in res.stdout


def test_a_value_django_cannot_convert_is_one_finding(server, django_sqlite, django_pg, tmp_path):
    """A PostgreSQL timestamptz in year 10000 (what 9999-12-31 23:59 local becomes in the wrong zone): Python cannot
    hold it. One finding naming model, key and field with the conversion error, no traceback; the other objects
    and fields are still compared (a second damage on another field is named too)."""
    url = damaged_copy(server, django_pg, "y10k",
                       "UPDATE shop_product SET updated = '10000-01-01 00:00:00+00' "
                       "WHERE id = (SELECT min(id) FROM shop_product)",
                       "UPDATE shop_product SET name = name || ' (changed)' "
                       "WHERE id = (SELECT max(id) FROM shop_product)")
    first, last = sql(url, "SELECT min(id), max(id) FROM shop_product")[0]
    env = {**DJANGO_ENV, "PGPARITY_DJANGO_DB": str(django_sqlite)}
    res, summary = checks(django_sqlite, url, tmp_path / "orm", "-m", "orm", "-k", "shop.Product",
                          "--django-settings", "djproj.settings", env=env)
    assert summary.get("verdict") == "NO-GO" and "Traceback" not in res.stdout, res.stdout[-3000:]
    found = [(x["column"], x["key"], x["text"]) for f in summary["failures"] if f["check"] == "orm"
             for x in f["findings"]]
    assert [f[:2] for f in found if f[0] == "updated"] == [("updated", f"id={first}")], found
    assert any("year 10000 is out of range" in t for _, _, t in found), found
    assert ("name", f"id={last}") in [f[:2] for f in found], found


def test_full_migration_keeps_declared_constraint_and_unique_index_names(server, tmp_path):
    """The plain full migration keeps the names SQLite declares for UNIQUE constraints and unique indexes (an app's
    later migration drops them by name); an unnamed UNIQUE gets PostgreSQL's own <table>_<cols>_key."""
    path = tmp_path / "named.sqlite3"
    with sqlite3.connect(path) as con:
        con.executescript('CREATE TABLE "t" (id INTEGER PRIMARY KEY, a int, b text, c text UNIQUE, '
                          'CONSTRAINT "t a b once" UNIQUE ("a", b COLLATE BINARY));'
                          "CREATE UNIQUE INDEX t_b_only ON t(b); INSERT INTO t VALUES (1, 1, 'x', 'y');")
    url = server.create(f"pgparity_tests_ormfu_names_{os.getpid()}")
    ok(migrate(path, "--pg", url, "-q", "--reports", tmp_path / "load"))
    got = sql(url, "SELECT conname, contype FROM pg_constraint WHERE conrelid = 'public.t'::regclass ORDER BY 1")
    assert ("t a b once", "u") in got and ("t_c_key", "u") in got, got
    assert sql(url, "SELECT indexdef LIKE 'CREATE UNIQUE INDEX t_b_only%' FROM pg_indexes "
                    "WHERE indexname = 't_b_only'") == [(True,)]
    res, summary = checks(path, url, tmp_path / "same", "-m", "not drift", "-k", "schema")
    assert summary.get("verdict") == "GO", failing(summary)
    # renamed (as the old migrate.py did): the schema check names it
    sql(url, 'ALTER TABLE t RENAME CONSTRAINT "t a b once" TO t_a_b_key')
    res, summary = checks(path, url, tmp_path / "renamed", "-m", "not drift", "-k", "schema")
    kinds = [(x["kind"], x["text"]) for f in summary.get("failures", []) for x in f["findings"]]
    assert [k for k, _ in kinds] == ["unique-name"] and "'t a b once' in SQLite, 't_a_b_key'" in kinds[0][1], kinds


def test_link_table_id_width_is_checked(server, django_sqlite, django_pg, tmp_path):
    """The auto-created link table's own id: bigint as `manage.py migrate` makes it (the project's
    DEFAULT_AUTO_FIELD); an integer one (overflow at 2**31 links) fails orm_schema naming the link table's id."""
    url = damaged_copy(server, django_pg, "m2mid", "ALTER TABLE shop_product_tags ALTER COLUMN id TYPE integer")
    env = {**DJANGO_ENV, "PGPARITY_DJANGO_DB": str(django_sqlite)}
    res, summary = checks(django_sqlite, url, tmp_path / "orm", "-m", "orm", "-k", "shop.Product or auth.Group",
                          "--django-settings", "djproj.settings", env=env)
    assert summary.get("verdict") == "NO-GO", res.stdout[-3000:]
    texts = [x["text"] for f in summary["failures"] if f["check"] == "orm_schema" for x in f["findings"]]
    assert any(t.startswith("shop.Product.tags (shop_product_tags.id): the ORM creates bigint") for t in texts), texts
    assert [f["table"] for f in summary["failures"]] == ["shop.Product"], failing(summary)  # auth.Group's are right


def test_a_value_sqlalchemy_cannot_convert_is_one_finding(server, sa_sqlite, sa_pg, tmp_path):
    """The same through SQLAlchemy: one finding naming the table, key and column, no traceback."""
    base = loaded(sa_pg, "migrate")
    url = server.create(f"pgparity_tests_ormfu_say10k_{os.getpid()}", template=base["name"])
    schema = base["schema"]
    first = sql(url, f"UPDATE {schema}.payment SET paid_at = '10000-01-01 00:00:00+00' "
                     f"WHERE id = (SELECT min(id) FROM {schema}.payment) RETURNING id")[0][0]
    res, summary = checks(sa_sqlite, url, tmp_path / "orm", "-m", "orm", "-k", "payment", "--pg-schema", schema,
                          "--sqlalchemy-models", "models:Base", env={"PYTHONPATH": str(SA_APP)})
    assert summary.get("verdict") == "NO-GO" and "Traceback" not in res.stdout, res.stdout[-3000:]
    found = [(x["column"], x["key"], x["text"]) for f in summary["failures"] if f["check"] == "orm"
             for x in f["findings"]]
    assert [(c, k) for c, k, _ in found] == [("paid_at", f"id={first}")], found
    assert "year 10000" in found[0][2], found


def test_a_session_key_is_named_by_a_hash_not_shown(server, django_sqlite, django_pg, tmp_path):
    """A Django session key is a bearer credential: -m orm names the session by a hash prefix of its key and shows
    neither the key nor the data, in the terminal and the reports."""
    url = damaged_copy(server, django_pg, "session", "UPDATE django_session SET session_data = session_data || 'x' "
                       "WHERE session_key = (SELECT min(session_key) FROM django_session)")
    key = sql(url, "SELECT min(session_key) FROM django_session")[0][0]
    assert key, "the app's file holds sessions"
    env = {**DJANGO_ENV, "PGPARITY_DJANGO_DB": str(django_sqlite)}
    res, summary = checks(django_sqlite, url, tmp_path / "orm", "-m", "orm", "-k", "sessions.Session",
                          "--django-settings", "djproj.settings", env=env)
    assert summary.get("verdict") == "NO-GO", res.stdout[-3000:]
    found = [x for f in summary["failures"] if f["check"] == "orm" for x in f["findings"]]
    assert [x["key"] for x in found] == [f"session_key=sha256:{hashlib.sha256(key.encode()).hexdigest()[:8]}"], found
    reports = "".join(p.read_text(errors="replace") for p in (tmp_path / "orm" / "reports").iterdir() if p.is_file())
    assert key not in res.stdout + reports
