"""ORM-made databases as the proof (issue 9, "How to prove it"): a Django 5.2 project and a SQLAlchemy 2.x app.

Each app fills SQLite through its own ORM (tests/apps/); its PostgreSQL schema is made the ORM's way (Django
`manage.py migrate`, SQLAlchemy `create_all` into a fresh schema); `migrate.py --data-only` loads the data. Then,
as users run them: (a) `pytest checks/` says GO, (b) the ORM itself reads every object equal from both databases,
and (c) subtle damages made through the ORM on the PostgreSQL side each make `pytest checks/` say NO-GO, naming
table, column and key.

Two correct copies are judged: 'migrate' (our loader) and 'orm_copy' (the ORM itself copies every object), so a
false alarm of the checks is told apart from a fault of the loader; the damages are made on the 'migrate' copy.
The user's GX suites, generated from the SQLite file, hold on the correct copy of either app: the expectations
stated in SQLite storage form for uuid/inet/jsonb/enum/interval columns are named as not run, never failed.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.apps.orm_fixtures import (
    DJANGO_APP,
    ROOT,
    SA_APP,
    Server,
    assert_go,
    checks,
    django_populated,
    failing,
    ok,
    run,
    sa_populated,
)

DJANGO_DAMAGES = ["decimal_cent", "duration_microsecond", "uuid_changed", "boolean_flipped", "m2m_link_removed",
                  "datetime_hour"]
SA_DAMAGES = ["decimal_cent", "interval_microsecond", "uuid_changed", "boolean_flipped", "aware_hour",
              "enum_changed"]


@pytest.fixture(scope="module")
def server(pg_admin_url):
    s = Server(pg_admin_url)
    yield s
    s.close()


def named(summary: dict, table: str, column: str | None, key: str) -> bool:
    """Some failed check names this table, column (None: the whole row) and key."""
    for f in summary.get("failures", []):
        if f["table"] != table:
            continue
        for x in f.get("findings", []):
            if x.get("key") == key and x.get("column") == column:
                return True
            if f"[{key}]" in x.get("text", "") and (column is None or f"] {column}:" in x["text"]):
                return True
    return False


def assert_damages_named(sqlite: Path, url: str, reports: Path, damaged: list[str], *extra) -> None:
    res, summary = checks(sqlite, url, reports, *extra)
    assert res.returncode == 1 and summary.get("verdict") == "NO-GO", res.stdout[-3000:]
    missed = []
    for line in damaged:
        table, column, key = line.split(" ", 2)
        if not named(summary, table, None if column == "-" else column, key):
            missed.append(line)
    assert not missed, f"damages not named by any check: {missed}\n" + "\n".join(failing(summary))


# ---------------------------------------------------------------- Django


@pytest.fixture(scope="module")
def django_sqlite(tmp_path_factory) -> Path:
    pytest.importorskip("django")
    return django_populated(tmp_path_factory.mktemp("django") / "app.sqlite3")


@pytest.fixture(scope="module")
def django_pg(server, django_sqlite, tmp_path_factory) -> dict:
    """Django's own PostgreSQL schema (`manage.py migrate`), loaded two ways: `migrate.py --data-only --truncate`
    ('migrate'), and Django itself copying every object ('orm_copy': the checks judged apart from our loader)."""
    name = f"pgparity_tests_orm_{os.getpid()}"
    url = server.create(name)
    ok(run(["manage.py", "migrate", "-v0"], DJANGO_APP, {"PGPARITY_DJANGO_DB": url}))
    copy_name = f"pgparity_tests_ormcopy_{os.getpid()}"  # ends in the pid: a killed run's leftovers are dropped
    copy_url = server.create(copy_name, template=name)
    ok(run(["copy_orm.py"], DJANGO_APP, {"PGPARITY_DJANGO_DB": str(django_sqlite), "PGPARITY_DJANGO_OTHER": copy_url}))
    load = run([ROOT / "migrate.py", django_sqlite, "--pg", url, "--data-only", "--truncate", "-q",
                "--reports", tmp_path_factory.mktemp("django_load")], ROOT)
    return {"migrate": {"name": name, "url": url, "load": load},
            "orm_copy": {"name": copy_name, "url": copy_url, "load": None}}


def loaded(copies: dict, which: str) -> dict:
    copy = copies[which]
    if copy["load"] is not None:
        ok(copy["load"])
    return copy


def test_django_data_only_loads(django_pg):
    ok(django_pg["migrate"]["load"])


@pytest.mark.parametrize("which", ["migrate", "orm_copy"])
def test_django_checks_say_go(django_sqlite, django_pg, which, tmp_path):
    assert_go(django_sqlite, loaded(django_pg, which)["url"], tmp_path)


@pytest.mark.parametrize("which", ["migrate", "orm_copy"])
def test_django_serializer_reads_every_object_equal(django_sqlite, django_pg, which):
    out = ok(run(["compare.py"], DJANGO_APP, {"PGPARITY_DJANGO_DB": str(django_sqlite),
                                              "PGPARITY_DJANGO_OTHER": loaded(django_pg, which)["url"]}))
    assert "objects equal" in out


@pytest.mark.parametrize("which", ["migrate", "orm_copy"])
def test_django_next_writes_work(django_pg, which):
    """After the load the application's next insert into every model works (sequences, defaults, constraints)."""
    assert "writes work" in ok(run(["writes.py"], DJANGO_APP, {"PGPARITY_DJANGO_DB": loaded(django_pg, which)["url"]}))


@pytest.mark.slow
def test_django_gx_suites_hold(django_sqlite, django_pg, tmp_path):
    """The user's Great Expectations suites, generated from the SQLite file, hold on the correct copy."""
    ok(run(["-m", "pgparity.gx_suites", django_sqlite, "--out", tmp_path / "expectations"], ROOT))
    summary = assert_gx_go(django_sqlite, loaded(django_pg, "migrate")["url"], tmp_path)
    said = summary["tables"]["shop_order"]["expectations"]["summary"]
    for column, pg_type in (("token", "uuid"), ("client_ip", "inet"), ("payload", "jsonb")):
        assert f"shop_order.{column}: a text length in SQLite, {pg_type}" in said, said
    said = summary["tables"]["shop_productdetail"]["expectations"]["summary"]
    assert "shop_productdetail.warranty: an integer bound in SQLite storage, interval" in said, said


def assert_gx_go(sqlite: Path, url: str, folder: Path, *extra) -> dict:
    """`pytest checks/ -m gx` with the suites under folder/expectations says GO; returns summary.json."""
    res, summary = checks(sqlite, url, folder, "-m", "gx", "--expectations", folder / "expectations", *extra)
    assert res.returncode == 0 and summary.get("verdict") == "GO", (
        "GX suites on a correct ORM copy: " + str(summary.get("verdict")) + "\n" + "\n".join(failing(summary))
        + "\n" + res.stdout[-3000:])
    return summary


def test_django_orm_damages_are_named(server, django_sqlite, django_pg, tmp_path):
    base = loaded(django_pg, "migrate")
    url = server.create(f"pgparity_tests_ormdmg_{os.getpid()}", template=base["name"])
    damaged = ok(run(["damage.py", *DJANGO_DAMAGES], DJANGO_APP, {"PGPARITY_DJANGO_DB": url})).split("\n")
    assert_damages_named(django_sqlite, url, tmp_path, [d for d in damaged if d])


# ---------------------------------------------------------------- SQLAlchemy


@pytest.fixture(scope="module")
def sa_sqlite(tmp_path_factory) -> Path:
    return sa_populated(tmp_path_factory.mktemp("sa") / "app.sqlite3")


@pytest.fixture(scope="module")
def sa_pg(server, sa_sqlite, tmp_path_factory) -> dict:
    """`metadata.create_all` into a fresh schema, loaded two ways: `migrate.py --data-only --pg-schema` ('migrate'), and
    SQLAlchemy itself copying every row through its column types ('orm_copy')."""
    name = f"pgparity_tests_orm_sa_{os.getpid()}"
    url = server.create(name)
    schema = "sa_" + uuid.uuid4().hex[:8]
    ok(run(["app.py", "create", url, "--schema", schema], SA_APP))
    copy_name = f"pgparity_tests_ormsacopy_{os.getpid()}"
    copy_url = server.create(copy_name, template=name)
    ok(run(["app.py", "copy", sa_sqlite, copy_url, "--schema", schema], SA_APP))
    load = run([ROOT / "migrate.py", sa_sqlite, "--pg", url, "--pg-schema", schema, "--data-only", "-q",
                "--reports", tmp_path_factory.mktemp("sa_load")], ROOT)
    return {"migrate": {"name": name, "url": url, "schema": schema, "load": load},
            "orm_copy": {"name": copy_name, "url": copy_url, "schema": schema, "load": None}}


def test_sqlalchemy_data_only_loads(sa_pg):
    ok(sa_pg["migrate"]["load"])


@pytest.mark.parametrize("which", ["migrate", "orm_copy"])
def test_sqlalchemy_checks_say_go(sa_sqlite, sa_pg, which, tmp_path):
    copy = loaded(sa_pg, which)
    assert_go(sa_sqlite, copy["url"], tmp_path, "--pg-schema", copy["schema"])


@pytest.mark.parametrize("which", ["migrate", "orm_copy"])
def test_sqlalchemy_session_reads_every_object_equal(sa_sqlite, sa_pg, which):
    copy = loaded(sa_pg, which)
    out = ok(run(["app.py", "compare", sa_sqlite, copy["url"], "--schema", copy["schema"]], SA_APP))
    assert "objects equal" in out


@pytest.mark.parametrize("which", ["migrate", "orm_copy"])
def test_sqlalchemy_next_writes_work(sa_pg, which):
    copy = loaded(sa_pg, which)
    assert "writes work" in ok(run(["app.py", "writes", copy["url"], "--schema", copy["schema"]], SA_APP))


@pytest.mark.slow
def test_sqlalchemy_gx_suites_hold(sa_sqlite, sa_pg, tmp_path):
    """The user's GX suites hold on the correct copy; the uuid lengths and the native enum's length are named."""
    ok(run(["-m", "pgparity.gx_suites", sa_sqlite, "--out", tmp_path / "expectations"], ROOT))
    copy = loaded(sa_pg, "migrate")
    summary = assert_gx_go(sa_sqlite, copy["url"], tmp_path, "--pg-schema", copy["schema"])
    said = summary["tables"]["customer"]["expectations"]["summary"]
    assert "customer.public_id: a text length in SQLite, uuid" in said and "customer.tier: a text length in " \
        "SQLite, an enum" in said, said


def test_sqlalchemy_orm_damages_are_named(server, sa_sqlite, sa_pg, tmp_path):
    base = loaded(sa_pg, "migrate")
    url = server.create(f"pgparity_tests_ormdmg_sa_{os.getpid()}", template=base["name"])
    damaged = ok(run(["app.py", "damage", url, *SA_DAMAGES, "--schema", base["schema"]], SA_APP)).split("\n")
    assert_damages_named(sa_sqlite, url, tmp_path, [d for d in damaged if d],
                         "--pg-schema", base["schema"])
