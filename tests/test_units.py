"""Integers that are durations or instants are read in a stated or shown unit, never a guessed one (issue 9 §1).

The story that found it: a Django 5.2 app moved the common way (Django `migrate` on PostgreSQL, then
`migrate.py --data-only`) had its DurationField microseconds loaded as seconds. Here a tiny real Django
project does exactly that and reads the objects back through the ORM from both databases.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pgparity.errors import RefusedError
from pgparity.source import SqliteSource
from pgparity.units import epoch_unit, interval_unit
from tests.build import sqlite_file
from tests.helpers import migrate

ROOT = Path(__file__).resolve().parents[1]

SETTINGS = """
import os
SECRET_KEY = "units-test"
USE_TZ = True
TIME_ZONE = "Europe/Paris"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["trips"]
_db = os.environ["UNITS_DB"]
if _db.startswith("pg:"):
    _schema, _name = _db[3:].split("/", 1)
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _name, "USER": "postgres",
                             "HOST": os.environ["UNITS_PG_HOST"], "PORT": os.environ["UNITS_PG_PORT"],
                             "OPTIONS": {"options": f"-c search_path={_schema}"}}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _db}}
"""

MODELS = """
from django.db import models

class Trip(models.Model):
    name = models.CharField(max_length=40)
    duration = models.DurationField()
    pause = models.DurationField(null=True)
    day = models.DateField()
    at = models.DateTimeField()
    odometer = models.BigIntegerField()
    fare = models.DecimalField(max_digits=12, decimal_places=2)
"""

POPULATE = """
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from trips.models import Trip
Trip.objects.create(name="short", duration=timedelta(seconds=74, microseconds=2), pause=None,
                    day=date(2024, 2, 29), at=datetime(2024, 3, 31, 1, 30, tzinfo=timezone.utc),
                    odometer=2**62 + 1, fare=Decimal("19.99"))
Trip.objects.create(name="long", duration=timedelta(days=3, hours=4, microseconds=999_999),
                    pause=timedelta(minutes=-5), day=date(1969, 12, 31),
                    at=datetime(1999, 12, 31, 23, 59, 59, 123456, tzinfo=timezone.utc), odometer=-7,
                    fare=Decimal("0.01"))
"""

READ = """
import json
from trips.models import Trip
print(json.dumps([[t.name, str(t.duration), str(t.pause), t.day.isoformat(), t.at.isoformat(), t.odometer,
                   str(t.fare)] for t in Trip.objects.order_by("name")]))
"""


def _project(tmp: Path) -> Path:
    (tmp / "proj").mkdir(parents=True)
    (tmp / "proj" / "__init__.py").write_text("")
    (tmp / "proj" / "settings.py").write_text(SETTINGS)
    (tmp / "trips" / "migrations").mkdir(parents=True)
    (tmp / "trips" / "__init__.py").write_text("")
    (tmp / "trips" / "migrations" / "__init__.py").write_text("")
    (tmp / "trips" / "models.py").write_text(MODELS)
    return tmp


def _django(project: Path, db: str, pg_url: str, code: str) -> str:
    """Run `code` with Django set up on `db` (a SQLite path, or 'pg:SCHEMA/DBNAME'), in a fresh process."""
    from urllib.parse import urlsplit

    url = urlsplit(pg_url)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "proj.settings", "UNITS_DB": db, "PYTHONPATH": str(project),
           "UNITS_PG_HOST": url.hostname or "127.0.0.1", "UNITS_PG_PORT": str(url.port or 5432),
           "PYTHONDONTWRITEBYTECODE": "1"}
    head = "import django\ndjango.setup()\nfrom django.core.management import call_command\n"
    res = subprocess.run([sys.executable, "-c", head + textwrap.dedent(code)], capture_output=True, text=True,
                         cwd=project, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def _migrate_cli(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, str(ROOT / "migrate.py"), *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)


@pytest.fixture
def django_app(tmp_path, target, pg_url):
    """A Django 5.2 project: migrated on SQLite (rows made by the ORM) and on PostgreSQL (empty tables)."""
    project = _project(tmp_path / "app")
    sqlite_db = tmp_path / "app.sqlite3"
    pg = f"pg:{target.schema}/{pg_url.rsplit('/', 1)[1].split('?')[0]}"
    _django(project, str(sqlite_db), pg_url, "call_command('makemigrations', 'trips', verbosity=0)\n"
                                             "call_command('migrate', verbosity=0)\n" + POPULATE)
    _django(project, pg, pg_url, "call_command('migrate', verbosity=0)")
    return project, sqlite_db, pg


def test_django_durations_survive_data_only(django_app, target, pg_url, tmp_path):
    project, sqlite_db, pg = django_app
    res = _migrate_cli(sqlite_db, "--pg", pg_url, "--pg-schema", target.schema, "--data-only", "--truncate",
                       "--reports", tmp_path / "rep")
    assert res.returncode == 0, res.stderr
    note = ("note   trips_trip.duration: numbers read as microseconds into interval (the SQLite file has a "
            "django_migrations table: Django stores a DurationField as integer microseconds)")
    assert note in res.stderr.splitlines()
    before = json.loads(_django(project, str(sqlite_db), pg_url, READ))
    after = json.loads(_django(project, pg, pg_url, READ))
    assert after == before
    assert before[1][1] == "0:01:14.000002" and before[0][2] == "-1 day, 23:55:00"
    units = json.loads((tmp_path / "rep" / "migration.json").read_text())["units"]
    assert units["trips_trip.duration"]["unit"] == "us"
    # the form Django itself writes (days apart from the time: extract(day ...) and date arithmetic see it)
    _django(project, pg, pg_url, "from trips.models import Trip\n"
                                 "for t in list(Trip.objects.order_by('id')):\n"
                                 "    t.pk = None; t.name += '-orm'; t.save()\n")
    forms = target.sql(f"SELECT name, duration::text, pause::text FROM {target.q('trips_trip')} ORDER BY name")
    assert [f[1:] for f in forms if not f[0].endswith("-orm")] == [f[1:] for f in forms if f[0].endswith("-orm")]
    assert ("3 days 04:00:00.999999", "-1 days +23:55:00") in [f[1:] for f in forms]


def test_durations_without_evidence_are_refused(django_app, target, pg_url, tmp_path):
    _, sqlite_db, _ = django_app
    plain = tmp_path / "plain.sqlite3"
    plain.write_bytes(sqlite_db.read_bytes())
    with sqlite3.connect(plain) as con:
        con.execute("DROP TABLE django_migrations")
    res = _migrate_cli(plain, "--pg", pg_url, "--pg-schema", target.schema, "--data-only", "--truncate",
                       "--reports", tmp_path / "rep")
    assert res.returncode == 5, res.stderr
    assert ("trips_trip.duration: numbers going into interval in an unknown unit: no --interval-unit given and "
            "nothing in the file says which unit its integers use (2 values) -> say which with --interval-unit "
            "{us,ms,s} (Django stores microseconds)") in res.stderr
    assert "trips_trip.pause" in res.stderr
    assert target.sql(f"SELECT count(*) FROM {target.q('trips_trip')}") == [(0,)]
    res = _migrate_cli(plain, "--pg", pg_url, "--pg-schema", target.schema, "--data-only", "--truncate",
                       "--interval-unit", "us", "--reports", tmp_path / "rep")
    assert res.returncode == 0, res.stderr
    assert "(stated: --interval-unit us)" in res.stderr
    assert target.sql(f"SELECT duration::text FROM {target.q('trips_trip')} ORDER BY id") == \
        [("00:01:14.000002",), ("3 days 04:00:00.999999",)]


def test_interval_unit_evidence(tmp_path):
    plain = sqlite_file(tmp_path, "CREATE TABLE t (d INTEGER);")
    django = sqlite_file(tmp_path, "CREATE TABLE django_migrations (id INTEGER);", name="dj.db")
    with SqliteSource.open(plain) as src:
        assert interval_unit(src).unit is None
        assert interval_unit(src, "ms") == ("ms", "stated: --interval-unit ms")
    with SqliteSource.open(django) as src:
        assert interval_unit(src).unit == "us"


@pytest.mark.parametrize(("lo", "hi", "unit"), [
    (1_700_000_000, 1_800_000_000, "s"), (1_700_000_000_000, 1_700_000_000_999, "ms"),
    (946_684_800_000_000, 1_700_000_000_000_000, "us"), (0, 5, None), (1_700_000_000, 1_700_000_000_000, None),
    (-86_400, 1_700_000_000, None), (None, None, None)])
def test_epoch_unit_from_the_values(lo, hi, unit):
    assert epoch_unit(lo, hi).unit == unit


EPOCHS = "CREATE TABLE e (id INTEGER PRIMARY KEY, at INTEGER, day INTEGER);"


def _epoch_target(target) -> None:
    target.sql(f"CREATE TABLE {target.q('e')} (id int PRIMARY KEY, at timestamptz, day date)")


def test_epoch_seconds_and_milliseconds_load_as_the_same_instants(tmp_path, target):
    rows = [(1, 1_700_000_000, 1_704_067_200), (2, 1_700_000_001, None)]
    path = sqlite_file(tmp_path, EPOCHS, {"e": rows})
    _epoch_target(target)
    migrate(path, target, data_only=True, source_tz="Europe/Paris")
    got = target.sql(f"SELECT extract(epoch FROM at)::bigint, day::text FROM {target.q('e')} ORDER BY id")
    assert got == [(1_700_000_000, "2024-01-01"), (1_700_000_001, None)]
    ms = sqlite_file(tmp_path, EPOCHS, {"e": [(1, 1_700_000_000_123, None), (2, -1, None)]}, name="ms.db")
    target.sql(f"TRUNCATE {target.q('e')}")
    migrate(ms, target, data_only=True, epoch_unit="ms")
    got = target.sql(f"SELECT (extract(epoch FROM at) * 1000)::bigint FROM {target.q('e')} ORDER BY id")
    assert got == [(1_700_000_000_123,), (-1,)]


def test_ambiguous_epochs_are_refused_until_stated(tmp_path, target):
    path = sqlite_file(tmp_path, EPOCHS, {"e": [(1, 3, None), (2, 1_700_000_000, None)]})
    _epoch_target(target)
    with pytest.raises(RefusedError) as err:
        migrate(path, target, data_only=True)
    assert ("e.at: numbers going into timestamp with time zone in an unknown unit: integers from 3 to 1700000000 "
            "are not all in one plausible range (1973..2242 as seconds, milliseconds or microseconds) (2 values) "
            "-> say which with --epoch-unit {s,ms,us}") in str(err.value)
    migrate(path, target, data_only=True, epoch_unit="s")
    assert target.sql(f"SELECT at = to_timestamp(3) FROM {target.q('e')} WHERE id = 1") == [(True,)]


def test_epoch_with_a_time_of_day_is_refused_for_a_date(tmp_path, target):
    path = sqlite_file(tmp_path, EPOCHS, {"e": [(1, None, 1_704_067_200), (2, None, 1_704_067_200 + 3600)]})
    _epoch_target(target)
    with pytest.raises(RefusedError) as err:
        migrate(path, target, data_only=True)
    assert ("e.day: value not a date: integers are epochs in seconds within years 1..9999 at midnight UTC "
            "(a date drops the time of day)") in str(err.value)
    assert "rowid 2: 1704070800" in str(err.value)
    assert target.sql(f"SELECT count(*) FROM {target.q('e')}") == [(0,)]


def test_integer_beyond_2_53_into_double_is_refused(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE f (id INTEGER PRIMARY KEY, x INTEGER);",
                       {"f": [(1, 2**53), (2, 2**53 + 1)]})
    target.sql(f"CREATE TABLE {target.q('f')} (id int PRIMARY KEY, x double precision)")
    with pytest.raises(RefusedError) as err:
        migrate(path, target, data_only=True)
    assert "f.x: value not a number, or an integer no double holds exactly (beyond 2^53)" in str(err.value)
    assert "rowid 2: 9007199254740993" in str(err.value) and "rowid 1:" not in str(err.value)


def test_integer_beyond_2_24_into_real_is_refused_and_named_by_the_schema_check(tmp_path, target):
    """float4 holds integers exactly only up to 2^24 (and beyond, those whose odd part fits 24 bits)."""
    from tests.checking import run_checks

    rows = [(1, 2**24), (2, 2**24 + 1), (3, 2**25), (4, -(2**24) - 3), (5, 2**62 + 2**39), (6, 5)]
    path = sqlite_file(tmp_path, "CREATE TABLE f (id INTEGER PRIMARY KEY, x INTEGER);", {"f": rows})
    target.sql(f"CREATE TABLE {target.q('f')} (id int PRIMARY KEY, x real)")
    with pytest.raises(RefusedError) as err:
        migrate(path, target, data_only=True)
    msg = str(err.value)
    assert "f.x: value not a number, or an integer no float4 (real) holds exactly (beyond 2^24)" in msg
    assert "rowid 2: 16777217" in msg and "rowid 4: -16777219" in msg
    assert not any(f"rowid {i}:" in msg for i in (1, 3, 5, 6))
    assert target.sql(f"SELECT count(*) FROM {target.q('f')}") == [(0,)]
    # a copy made another way rounds them silently: the schema check names the column's type fit
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('f')} VALUES (%s, %s)", rows)
    out = run_checks(path, target.url, target.schema)[("schema", "f")]
    assert ("x", "type-fit") in {(f.column, f.kind) for f in out.findings}
    assert "2 value(s) not a number, or an integer no float4 (real) holds exactly" in out.message()


def test_sqlalchemy_interval_text_is_the_time_since_the_epoch(tmp_path, target):
    """SQLAlchemy stores an Interval in SQLite as the DATETIME 1970-01-01 + the duration: no unit to choose."""
    path = sqlite_file(tmp_path, "CREATE TABLE i (id INTEGER PRIMARY KEY, grace DATETIME);",
                       {"i": [(1, "1970-01-31 00:00:00.000000"), (2, "1969-12-31 23:59:59.500000"),
                              (3, "1970-01-01 00:01:14.000002"), (4, None)]})
    target.sql(f"CREATE TABLE {target.q('i')} (id int PRIMARY KEY, grace interval)")
    migrate(path, target, data_only=True)
    got = target.sql(f"SELECT (extract(epoch FROM grace) * 1000000)::bigint FROM {target.q('i')} ORDER BY id")
    assert got == [(2_592_000_000_000,), (-500_000,), (74_000_002,), (None,)]
    # as SQLAlchemy (psycopg) writes the timedelta: whole days apart from the time of day, negative as Python's
    assert target.sql(f"SELECT grace::text FROM {target.q('i')} ORDER BY id") == \
        [("30 days",), ("-1 days +23:59:59.5",), ("00:01:14.000002",), (None,)]


def test_digits_stored_as_text_need_a_unit_too(tmp_path, target):
    path = sqlite_file(tmp_path, "CREATE TABLE i (id INTEGER PRIMARY KEY, d TEXT);",
                       {"i": [(1, "74000002"), (2, "1 day 02:00:00"), (3, None)]})
    target.sql(f"CREATE TABLE {target.q('i')} (id int PRIMARY KEY, d interval)")
    with pytest.raises(RefusedError, match=r"i.d: numbers going into interval in an unknown unit: .* \(1 value\)"):
        migrate(path, target, data_only=True)
    migrate(path, target, data_only=True, interval_unit="us")
    assert target.sql(f"SELECT d::text FROM {target.q('i')} ORDER BY id") == \
        [("00:01:14.000002",), ("1 day 02:00:00",), (None,)]
