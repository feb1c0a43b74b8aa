"""ORM types get rules inferred from the two schemas: uuid, interval, inet/cidr, time, citext, timestamptz
offsets, naive local times across DST (one rule in migrate.py and the checks), and declared booleans or
timestamps that landed as integer/text are still checked. Correct copies made by hand pass; damage fails."""

import uuid

import pytest

from tests.checking import failures, run_checks
from tests.helpers import migrate
from tests.test_exact_values import _cli, _fails, _pair

U = [uuid.UUID(int=(i + 1) * 0x1234567890ABCDEF1234567890ABCDEF % 2**128) for i in range(3)]


def test_uuid_32_36_and_blob_compare_as_uuids(tmp_path, target):
    rows = [(1, U[0].hex), (2, str(U[1]).upper()), (3, U[2].bytes)]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, u CHAR(32))", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, u uuid)", [(i, str(u)) for i, u in zip((1, 2, 3), U)])
    assert ("content", "t") not in _fails(path, target)
    target.sql(f"UPDATE {target.q('t')} SET u = %s WHERE id = 3", (str(uuid.UUID(int=5)),))
    assert "[id=3] u" in _fails(path, target)[("content", "t")]


def test_django_duration_microseconds_vs_interval(tmp_path, target):
    rows = [(1, 74_000_002), (2, 86_401_000_000), (3, -1_000_000), (4, "1 day, 0:00:01")]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, d bigint)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, d interval)",
                 [(1, "00:01:14.000002"), (2, "1 day 00:00:01"), (3, "-1 days +23:59:59"), (4, "1 day 1 second")])
    assert ("content", "t") not in _fails(path, target)
    target.sql(f"UPDATE {target.q('t')} SET d = '20555:33:22' WHERE id = 1")  # the µs read as seconds
    target.sql(f"UPDATE {target.q('t')} SET d = '-00:00:01' WHERE id = 3")  # the same instant span, hours form
    fails = _fails(path, target)[("content", "t")]
    assert "[id=1] d" in fails and "[id=3] d" in fails


def test_interval_with_months_is_not_a_number_of_microseconds(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, d bigint)", [(1, 30 * 86_400_000_000)],
                 "CREATE TABLE t (id bigint PRIMARY KEY, d interval)", [(1, "1 mon")])
    msg = _fails(path, target)[("content", "t")]
    assert "[id=1] d" in msg


def test_inet_and_cidr(tmp_path, target):
    rows = [(1, "10.0.2.2", "10.0.0.0/8"), (2, "2001:DB8::1", "2001:db8::/32"), (3, "10.0.2.5/24", None)]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, ip TEXT, net TEXT)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, ip inet, net cidr)",
                 [(1, "10.0.2.2/32", "10.0.0.0/8"), (2, "2001:db8:0::1", "2001:db8::/32"), (3, "10.0.2.5/24", None)])
    assert ("content", "t") not in _fails(path, target)
    target.sql(f"UPDATE {target.q('t')} SET ip = '10.0.2.5/25' WHERE id = 3")
    assert "[id=3] ip" in _fails(path, target)[("content", "t")]


def test_time_of_day(tmp_path, target):
    rows = [(1, "08:30"), (2, "08:30:00"), (3, "23:59:59.000001")]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, at TIME)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, at time)", [(1, "08:30:00"), (2, "08:30"),
                                                                      (3, "23:59:59.000001")])
    assert ("content", "t") not in _fails(path, target)
    target.sql(f"UPDATE {target.q('t')} SET at = '23:59:59' WHERE id = 3")
    assert "[id=3] at" in _fails(path, target)[("content", "t")]


def test_citext_compares_the_text_exactly(tmp_path, target):
    target.sql("CREATE EXTENSION IF NOT EXISTS citext SCHEMA public")
    rows = [(1, "Alice@Example.com"), (2, "bob@example.com"), (3, "BOB@example.com")]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, email public.citext)", rows)
    fails = _fails(path, target)
    assert not {k: v for k, v in fails.items() if k[0] in ("content", "text")}, fails
    target.sql(f"UPDATE {target.q('t')} SET email = 'alice@example.com' WHERE id = 1")
    assert "[id=1] email" in _fails(path, target)[("content", "t")]


def test_timestamptz_offsets_same_instant(tmp_path, target):
    rows = [(1, "2024-01-01 10:00:00+01:00"), (2, "2024-01-01T09:00:00Z"), (3, "2024-01-01T10:00:00.000+01:00"),
            (4, "2024-01-01 10:00:00+0100"), (5, "2024-07-01 02:00:00+02:00")]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, at timestamptz)",
                 [(i, "2024-01-01 09:00:00+00") for i in range(1, 5)] + [(5, "2024-07-01 00:00:00+00")])
    fails = _fails(path, target)
    assert not {k: v for k, v in fails.items() if k[0] in ("content", "timestamps")}, fails
    target.sql(f"UPDATE {target.q('t')} SET at = at + interval '1 hour' WHERE id = 5")
    fails = _fails(path, target)
    assert "[id=5] at" in fails[("content", "t")] and "max differs" in fails[("timestamps", "t")]


DST = [(1, "2018-03-11 02:30:00"),  # never happens in New York (clocks forward)
       (2, "2018-11-04 01:30:00"),  # happens twice (clocks back)
       (3, "2018-06-01 12:00:00"), (4, "2018-01-01 00:00:00+00:00")]


def test_dst_naive_times_migrate_then_check_go(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)", DST)
    migrate(path, target, source_tz="America/New_York")
    got = dict(target.sql(f"SELECT id, to_char(at AT TIME ZONE 'UTC', 'HH24:MI') FROM {target.q('t')}"))
    assert got[1] == "07:30" and got[2] == "06:30"  # the documented rule (pgparity.timeconv)
    res, summary = _cli(path, target, tmp_path, "--source-tz", "America/New_York")
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-3000:]


def test_dst_copy_made_by_postgresql_itself_agrees(tmp_path, target):
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)", DST)
    target.sql(f"SET TimeZone = 'America/New_York'; CREATE TABLE {target.q('t')} (id bigint PRIMARY KEY, "
               "at timestamptz)")
    with target.conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {target.q('t')} VALUES (%s, %s)", DST)
    target.sql("RESET TimeZone")
    fails = _fails(path, target, source_tz="America/New_York")
    assert not {k: v for k, v in fails.items() if k[0] in ("content", "timestamps")}, fails
    assert ("content", "t") in _fails(path, target, source_tz="UTC")


def test_declared_boolean_landed_as_integer_is_still_checked(tmp_path, target):
    rows = [(1, 1), (2, 0), (3, None)]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, active BOOLEAN)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, active integer)", rows)
    outcomes = run_checks(path, target.url, target.schema)
    assert outcomes[("booleans", "t")].ok
    target.sql(f"UPDATE {target.q('t')} SET active = 2 WHERE id = 1")
    out = run_checks(path, target.url, target.schema)[("booleans", "t")]
    assert not out.ok and [(f.column, f.kind) for f in out.findings] == [("active", "boolean-counts")]


@pytest.mark.parametrize("pg_type", ["text", "bigint"])
def test_declared_datetime_landed_plain_is_still_checked(tmp_path, target, pg_type):
    rows = [(1, "2024-01-01 10:00:00"), (2, "2024-03-01 10:00:00")] if pg_type == "text" else \
        [(1, 1_700_000_000), (2, 1_700_086_400)]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)", rows,
                 f"CREATE TABLE t (id bigint PRIMARY KEY, at {pg_type})", rows)
    assert run_checks(path, target.url, target.schema)[("timestamps", "t")].ok
    late = "'2025-01-01 10:00:00'" if pg_type == "text" else "1800000000"
    target.sql(f"UPDATE {target.q('t')} SET at = {late} WHERE id = 2")
    out = failures(run_checks(path, target.url, target.schema))
    assert "max differs" in out[("timestamps", "t")]


DJANGO_SQLITE = """CREATE TABLE t (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, ref char(32) NOT NULL,
    client_ip char(39) NULL, opens time NOT NULL, total decimal(20, 0) NOT NULL, fee decimal(10, 2) NOT NULL,
    meta text NOT NULL CHECK ((JSON_VALID("meta") OR "meta" IS NULL)), placed datetime NOT NULL, paid bool NOT NULL)"""
DJANGO_PG = """CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ref uuid NOT NULL,
    client_ip inet NULL, opens time NOT NULL, total numeric(20, 0) NOT NULL, fee numeric(10, 2) NOT NULL,
    meta jsonb NOT NULL, placed timestamptz NOT NULL, paid boolean NOT NULL)"""


def test_data_only_into_an_orm_schema_is_go(tmp_path, target):
    """The common way: the ORM creates the PostgreSQL schema, migrate.py --data-only fills it, the checks say GO."""
    rows = [(i, uuid.UUID(int=i * 7919).hex, f"10.0.{i}.2" if i % 3 else "2001:DB8::1", "08:30",
             2**53 + i, round(19.99 + i, 2), '{"price": 1e+16, "ids": [1, 2]}', f"2024-03-31 0{i % 4}:30:00", i % 2)
            for i in range(1, 40)]
    path = _pair(tmp_path, target, DJANGO_SQLITE, rows)
    target.sql(f'SET search_path = "{target.schema}"; {DJANGO_PG}')
    migrate(path, target, data_only=True, source_tz="Europe/Paris")
    res, summary = _cli(path, target, tmp_path, "--source-tz", "Europe/Paris", "-m",
                        "content or booleans or timestamps or text")
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-3000:]


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Paris", "Australia/Sydney"])
def test_one_dst_rule_for_the_loader_and_postgresql(target, zone):
    """reader.finish_column (what COPY receives for timestamptz) reads naive text by pgparity.timeconv, and
    that rule is PostgreSQL's own: the same instants as PostgreSQL reading the text with TimeZone = zone."""
    import pyarrow as pa

    from pgparity.plan import ColumnPlan
    from pgparity.reader import finish_column

    days = [f"{y}-{m:02d}-{d:02d} {h:02d}:30:00" for y in (2018, 2024) for m in (3, 4, 10, 11)
            for d in range(1, 31) for h in (0, 1, 2, 3)]
    cplan = ColumnPlan("at", "at", "DATETIME", "timestamptz", "text-timestamptz", "", [('"at"', "text")])
    sent = finish_column(cplan, [pa.array(days)], source_tz=zone).to_pylist()
    target.sql(f"SET TimeZone = '{zone}'")
    by_pg = [r[0] for r in target.sql("SELECT extract(epoch FROM t::timestamptz)::numeric FROM unnest(%s) t",
                                      (days,))]
    target.sql("RESET TimeZone")
    ours = [r[0] for r in target.sql("SELECT extract(epoch FROM t::timestamptz)::numeric FROM unnest(%s) t",
                                     (sent,))]
    assert ours == by_pg


def test_interval_text_forms_and_a_stated_unit(tmp_path, target):
    rows = [(1, "1970-01-01 00:01:14.000002"),  # SQLAlchemy's Interval: the time since 1970-01-01
            (2, "74000002"), (3, "1 day 02:00:00"), (4, 5)]
    path = _pair(tmp_path, target, "CREATE TABLE t (id INTEGER PRIMARY KEY, d DATETIME)", rows,
                 "CREATE TABLE t (id bigint PRIMARY KEY, d interval)",
                 [(1, "00:01:14.000002"), (2, "00:01:14.000002"), (3, "1 day 02:00:00"), (4, "00:00:05")])
    assert "[id=4] d" in _fails(path, target)[("content", "t")]  # 5 read as microseconds by default
    target.sql(f"UPDATE {target.q('t')} SET d = '5 microseconds' WHERE id = 4")
    assert ("content", "t") not in _fails(path, target)
    target.sql(f"UPDATE {target.q('t')} SET d = '00:00:05' WHERE id = 4")
    fails = _fails(path, target, interval_unit="s")
    assert "[id=2] d" in fails[("content", "t")] and "[id=4] d" not in fails[("content", "t")]
