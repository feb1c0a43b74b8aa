"""migrate.py on ORM-made SQLite files (issue 13 §1), through migrate.py as a subprocess.

The ORM is recognised from the file (django_migrations, alembic_version, schema_migrations +
ar_internal_metadata) and named first. A full migration stops (exit 2, one message with the ORM's own steps,
nothing written in PostgreSQL); the ORM's way (Alembic `upgrade head`, then --data-only) reaches GO; with
--design-schema each column gets the type the ORM creates on PostgreSQL, and the application itself (the
apps' compare and writes scripts) reads every object equal and inserts. Rails' file is built here with Active
Record's SQLite DDL conventions (no Ruby on this machine): it cannot show that Rails itself reads the result,
only that each column gets the type Rails' PostgreSQL adapter creates and the values Rails wrote. Any full
migration keeps an FK SQLite declares DEFERRABLE INITIALLY DEFERRED (Django declares all of them so) deferred.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import psycopg2
import pytest

from tests.apps.orm_fixtures import (
    DJANGO_APP,
    ROOT,
    SA_APP,
    Server,
    assert_go,
    django_populated,
    ok,
    run,
    sa_populated,
)
from tests.build import sqlite_file


@pytest.fixture(scope="module")
def server(pg_admin_url):
    s = Server(pg_admin_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def django_sqlite(tmp_path_factory) -> Path:
    return django_populated(tmp_path_factory.mktemp("django") / "app.sqlite3")


@pytest.fixture(scope="module")
def alembic_sqlite(tmp_path_factory) -> Path:
    return sa_populated(tmp_path_factory.mktemp("sa") / "app.sqlite3", alembic=True)


def migrate(sqlite: Path, *args, env: dict | None = None):
    return run([ROOT / "migrate.py", sqlite, *args], ROOT, env)


def tables(url: str) -> list[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
        return [r[0] for r in cur.fetchall()]


def pg_rows(url: str, sql: str) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def column_types(url: str, table: str) -> dict[str, str]:
    return dict(pg_rows(url, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                             f"WHERE attrelid = 'public.\"{table}\"'::regclass AND attnum > 0 AND NOT attisdropped"))


def assert_refused(res, *steps: str) -> list[str]:
    """Exit 2, the ORM named first, one error message holding each step."""
    lines = res.stderr.splitlines()
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("ORM    "), res.stderr
    assert sum(ln.startswith("error:") for ln in lines) == 1, res.stderr
    for step in steps:
        assert step in res.stderr, f"{step!r} not in:\n{res.stderr}"
    return lines


# ---------------------------------------------------------------- Django


def test_django_full_migration_refused_with_django_steps(server, django_sqlite):
    url = server.create(f"pgparity_tests_ormmig_refused_{os.getpid()}")
    lines = assert_refused(migrate(django_sqlite, "--pg", url), "python manage.py migrate",
                           "--data-only --truncate --django-settings yourproject.settings", "--source-tz <TIME_ZONE>",
                           '-m "not drift" --django-settings', "-m orm --django-settings", "--design-schema",
                           f"pytest checks/ --sqlite {django_sqlite.resolve()} ")
    assert "django_migrations: apps admin (3), auth (12), contenttypes (2), sessions (1), shop (2)" in lines[0]
    assert tables(url) == []
    both = migrate(django_sqlite, "--pg", url, "--data-only", "--design-schema")
    assert both.returncode == 2 and "--design-schema designs the tables of a full migration" in both.stderr


def test_django_design_schema_reads_equal_and_writes(server, django_sqlite, tmp_path):
    """--design-schema --django-settings: the models' own types; Django reads every object equal and inserts."""
    url = server.create(f"pgparity_tests_ormmig_dj_{os.getpid()}")
    env = {"PYTHONPATH": str(DJANGO_APP), "PGPARITY_DJANGO_DB": str(django_sqlite)}
    ok(migrate(django_sqlite, "--pg", url, "--design-schema", "--django-settings", "djproj.settings", "-q",
               "--reports", tmp_path, env=env))
    types = column_types(url, "shop_product")
    assert (types["external_id"], types["lead_time"], types["price"], types["updated"], types["opens_at"]) == (
        "uuid", "interval", "numeric(14,2)", "timestamp with time zone", "time without time zone"), types
    assert "objects equal" in ok(run(["compare.py"], DJANGO_APP, {"PGPARITY_DJANGO_DB": str(django_sqlite),
                                                                  "PGPARITY_DJANGO_OTHER": url}))
    assert "writes work" in ok(run(["writes.py"], DJANGO_APP, {"PGPARITY_DJANGO_DB": url}))
    assert_go(django_sqlite, url, tmp_path / "orm", "-m", "orm", "--django-settings", "djproj.settings",
              env=env)  # every model read equal and every column of the type Django creates
    record = json.loads((tmp_path / "migration.json").read_text())
    assert list(record)[:2] == ["format", "orm"] and record["orm"]["name"] == "django" and \
        record["orm"]["design_schema"] is True
    lead = next(c for c in record["plan"]["shop_product"]["columns"] if c["name"] == "lead_time")
    assert lead["pg_type"] == "interval" and lead["rule"] == "django-interval" and \
        "shop.Product.lead_time is DurationField (--django-settings djproj.settings), which Django creates as " \
        "interval on PostgreSQL; integer microseconds" in lead["reason"]
    # an auto-created link table's id as `manage.py migrate` makes it (the project's DEFAULT_AUTO_FIELD)
    assert [column_types(url, t)["id"] for t in ("auth_group_permissions", "shop_product_tags")] == ["bigint"] * 2
    # Meta.constraints keep their names: the app's next migration (RemoveConstraint) drops them by name
    named = pg_rows(url, "SELECT conname FROM pg_constraint WHERE contype = 'u' AND conname IN "
                         "('product_sku_per_supplier', 'orderline_once_per_order') ORDER BY 1")
    assert named == [("orderline_once_per_order",), ("product_sku_per_supplier",)], named
    deferred = pg_rows(url, "SELECT count(*) FILTER (WHERE condeferrable AND condeferred), count(*) "
                            "FROM pg_constraint WHERE contype = 'f'")[0]
    assert deferred[0] == deferred[1] > 0, f"Django declares every FK DEFERRABLE INITIALLY DEFERRED: {deferred}"


def test_django_without_use_tz_is_read_in_its_time_zone(server, tmp_path):
    """USE_TZ = False: Django stored local times of TIME_ZONE (Europe/Paris); the settings say so, the naive texts
    land in timestamptz at that zone, and Django reads every object equal."""
    no_tz = {"PGPARITY_DJANGO_USE_TZ": "0"}
    path = django_populated(tmp_path / "local.sqlite3", no_tz)
    url = server.create(f"pgparity_tests_ormmig_notz_{os.getpid()}")
    ok(migrate(path, "--pg", url, "--design-schema", "--django-settings", "djproj.settings", "-q", "--reports",
               tmp_path, env={"PYTHONPATH": str(DJANGO_APP), "PGPARITY_DJANGO_DB": str(path), **no_tz}))
    assert json.loads((tmp_path / "migration.json").read_text())["options"]["source_tz"] == "Europe/Paris"
    assert "objects equal" in ok(run(["compare.py"], DJANGO_APP, {"PGPARITY_DJANGO_DB": str(path),
                                                                  "PGPARITY_DJANGO_OTHER": url, **no_tz}))


def test_django_design_from_the_file_alone_refuses_what_it_cannot_decide(server, django_sqlite):
    """Without the models, a spelling with several Django readings (bigint: BigIntegerField or DurationField; the
    integer key: AutoField or BigAutoField) or dropped parameters (decimal's digits) is refused: exit 2, naming
    each such column and the option that decides it; nothing is planned as if the file had said."""
    url = server.create(f"pgparity_tests_ormmig_undecided_{os.getpid()}")
    for extra in ((), ("--dry-run",)):
        res = migrate(django_sqlite, "--pg", url, "--design-schema", *extra)
        assert res.returncode == 2, res.stderr
        err = res.stderr.strip().splitlines()[-1]
        assert err.startswith("error: --design-schema: the file alone does not say which Django type"), err
        for said in ("shop_product.lead_time: declared 'bigint' is ", "shop_product.id: declared 'INTEGER' is ",
                     "declared 'decimal' is DecimalField in Django, created on PostgreSQL as numeric"):
            assert said in err, said
        assert "-> give --django-settings " in err and "Traceback" not in res.stderr
        assert not res.stdout.strip()
    assert pg_rows(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


# ---------------------------------------------------------------- SQLAlchemy + Alembic


def test_alembic_file_refused_with_alembic_steps(alembic_sqlite):
    lines = assert_refused(migrate(alembic_sqlite, "--dry-run"), "alembic upgrade head", "--data-only --truncate",
                           "-m orm --sqlalchemy-models yourapp.models:Base")
    assert lines[0] == "ORM    SQLAlchemy (Alembic / Flask-Migrate) database (alembic_version: 0001)"


def test_alembic_upgrade_head_then_data_only_is_go(server, alembic_sqlite, tmp_path):
    """The steps as said: Alembic makes the PostgreSQL schema, migrate.py --data-only --truncate loads, GO."""
    url = server.create(f"pgparity_tests_ormmig_alembic_{os.getpid()}")
    ok(run(["-m", "alembic", "-x", f"url={url}", "upgrade", "head"], SA_APP))
    ok(migrate(alembic_sqlite, "--pg", url, "--data-only", "--truncate", "-q", "--reports", tmp_path / "load"))
    assert pg_rows(url, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert "objects equal" in ok(run(["app.py", "compare", alembic_sqlite, url], SA_APP))
    assert_go(alembic_sqlite, url, tmp_path / "checks")


def test_sqlalchemy_design_schema_reads_equal_and_writes(server, alembic_sqlite, tmp_path):
    url = server.create(f"pgparity_tests_ormmig_sa_{os.getpid()}")
    ok(migrate(alembic_sqlite, "--pg", url, "--design-schema", "--sqlalchemy-models", "models:Base", "-q",
               "--reports", tmp_path, env={"PYTHONPATH": str(SA_APP)}))
    types = column_types(url, "invoice")
    assert (types["id"], types["grace"], types["lines"], types["paid"]) == ("uuid", "interval", "json", "boolean")
    assert column_types(url, "payment")["paid_at"] == "timestamp with time zone"
    assert "objects equal" in ok(run(["app.py", "compare", alembic_sqlite, url], SA_APP))
    assert "writes work" in ok(run(["app.py", "writes", url], SA_APP))
    assert column_types(url, "customer")["tier"] == "tier"  # the native enum SQLAlchemy creates
    assert pg_rows(url, "SELECT contype FROM pg_constraint WHERE conname = 'invoice_number_per_customer'") == [("u",)]
    assert_go(alembic_sqlite, url, tmp_path / "checks", "-m", "not drift", "--sqlalchemy-models", "models:Base",
              env={"PYTHONPATH": str(SA_APP)})  # the table checks and -m orm


def test_sqlalchemy_design_from_the_file_alone_refuses_datetime(alembic_sqlite):
    """SQLAlchemy's compilers: CHAR(32) is Uuid -> uuid; DATETIME is DateTime, DateTime(tz) or Interval: the file
    cannot say which, so --design-schema without --sqlalchemy-models refuses, naming the column and the option."""
    res = migrate(alembic_sqlite, "--design-schema", "--dry-run")
    assert res.returncode == 2, res.stderr
    assert ("invoice.grace: declared 'DATETIME' is DateTime() or DateTime(timezone=True) or Interval()"
            in res.stderr)
    assert "-> give --sqlalchemy-models " in res.stderr and not res.stdout.strip()


# ---------------------------------------------------------------- Rails

RAILS_DDL = """
CREATE TABLE "schema_migrations" ("version" varchar NOT NULL PRIMARY KEY);
CREATE TABLE "ar_internal_metadata" ("key" varchar NOT NULL PRIMARY KEY, "value" varchar,
  "created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL);
CREATE TABLE "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar NOT NULL,
  "admin" boolean DEFAULT 0 NOT NULL, "balance" decimal(10,2), "settings" json, "opens_at" time, "born_on" date,
  "created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL);
CREATE TABLE "posts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL,
  "title" varchar(200), "score" float, "created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL,
  CONSTRAINT "fk_rails_5b5ddfd518" FOREIGN KEY ("user_id") REFERENCES "users" ("id"));
CREATE INDEX "index_posts_on_user_id" ON "posts" ("user_id");
INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240102000000');
INSERT INTO ar_internal_metadata VALUES ('environment', 'production', '2024-01-01 00:00:00.000000',
  '2024-01-01 00:00:00.000000');
INSERT INTO users VALUES (1, 'a@example.com', 1, 12.5, '{"theme": "dark"}', '2000-01-01 09:30:00.250000',
  '1990-05-17', '2024-03-01 10:00:00.123456', '2024-03-01 10:00:00.123456');
INSERT INTO users VALUES (2, 'b@example.com', 0, NULL, NULL, NULL, NULL, '2024-03-02 11:00:00',
  '2024-03-02 11:00:00');
INSERT INTO posts VALUES (1, 1, 'hello', 1.5, '2024-03-01 10:00:00.5', '2024-03-01 10:00:00.5');
"""


@pytest.fixture
def rails_sqlite(tmp_path) -> Path:
    path = tmp_path / "production.sqlite3"
    with sqlite3.connect(path) as con:
        con.executescript(RAILS_DDL)
    con.close()
    return path


def test_rails_file_refused_with_rails_steps(rails_sqlite):
    lines = assert_refused(migrate(rails_sqlite, "--dry-run"), "bin/rails db:schema:load", "adapter: postgresql",
                           "--data-only --truncate")
    assert "schema_migrations (2 migration(s), latest 20240102000000) + ar_internal_metadata, environment " \
           "production" in lines[0]


def test_rails_design_schema_gives_the_postgresql_adapters_types(server, rails_sqlite, tmp_path):
    url = server.create(f"pgparity_tests_ormmig_rails_{os.getpid()}")
    ok(migrate(rails_sqlite, "--pg", url, "--design-schema", "-q", "--reports", tmp_path))
    assert column_types(url, "users") == {
        "id": "bigint", "email": "character varying", "admin": "boolean", "balance": "numeric(10,2)",
        "settings": "json", "opens_at": "time without time zone", "born_on": "date",
        "created_at": "timestamp without time zone", "updated_at": "timestamp without time zone"}
    assert pg_rows(url, "SELECT admin, balance::text, settings->>'theme', opens_at::text, created_at::text "
                        "FROM users ORDER BY id") == [
        (True, "12.50", "dark", "09:30:00.25", "2024-03-01 10:00:00.123456"), (False, None, None, None,
                                                                                 "2024-03-02 11:00:00")]
    assert column_types(url, "posts")["user_id"] == "bigint"  # t.references: integer in SQLite, bigint in PostgreSQL
    assert pg_rows(url, "SELECT count(*) FROM schema_migrations") == [(2,)]
    # the gate reads Rails' '2000-01-01 09:30:00.25' as the time of day it is (another date would be a finding)
    assert_go(rails_sqlite, url, tmp_path / "checks", "-m", "not drift")
    # the next insert, as Rails makes it (no id given), gets the next key
    assert pg_rows(url, "INSERT INTO users (email, created_at, updated_at) VALUES ('c@example.com', now(), now()) "
                        "RETURNING id, admin") == [(3, False)]


def test_design_schema_refuses_values_the_orm_type_would_refuse_or_round(server, django_sqlite, tmp_path):
    """A value written past the ORM (raw SQL): a price with a third decimal numeric(14,2) would round, a token
    that is not uuid hex; refused before anything is written, naming table, column and rowid."""
    path = tmp_path / "bent.sqlite3"
    path.write_bytes(django_sqlite.read_bytes())
    with sqlite3.connect(path) as con:
        con.execute("UPDATE shop_product SET price = 0.125 WHERE id = 3")
        con.execute("UPDATE shop_order SET token = 'not-a-uuid' WHERE id = 2")
    con.close()
    url = server.create(f"pgparity_tests_ormmig_bent_{os.getpid()}")
    res = migrate(path, "--pg", url, "--design-schema", "--django-settings", "djproj.settings", "-q",
                  "--reports", tmp_path, env={"PYTHONPATH": str(DJANGO_APP), "PGPARITY_DJANGO_DB": str(path)})
    assert res.returncode == 5, res.stderr
    assert "shop_product.price: 1 value(s) that numeric(14,2) would refuse or round (first at rowid 3)" in res.stderr
    assert "shop_order.token: 1 value(s) that uuid would refuse or round (first at rowid 2)" in res.stderr
    assert tables(url) == []


def test_a_deferred_foreign_key_stays_deferred(tmp_path, target):
    """Any file (no ORM): an FK SQLite declares DEFERRABLE INITIALLY DEFERRED is checked at COMMIT in PostgreSQL
    too (a child row written before its parent inside one transaction still commits); the plain FK is immediate."""
    path = sqlite_file(tmp_path, """CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY,
            late INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED,
            now INTEGER REFERENCES parent (id));""", {"parent": [(1,)], "child": [(1, 1, 1)]})
    ok(migrate(path, "--pg", target.url, "--pg-schema", target.schema, "-q", "--reports", tmp_path))
    got = target.sql("SELECT a.attname, c.condeferrable, c.condeferred FROM pg_constraint c JOIN pg_attribute a "
                     "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.contype = 'f' "
                     "AND c.conrelid = %s::regclass ORDER BY 1", (target.q("child"),))
    assert got == [("late", True, True), ("now", False, False)]
