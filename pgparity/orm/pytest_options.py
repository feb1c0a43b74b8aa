"""pytest wiring for `pytest checks/ -m orm`: the application's models, read through its own ORM, on both sides.

    pytest checks/ -m orm --sqlite app.sqlite3 --pg URL --django-settings mysite.settings
    pytest checks/ -m orm --sqlite app.sqlite3 --pg URL --pg-schema s --sqlalchemy-models myapp.models:Base

Loaded as a plugin (listed in the root conftest's `pytest_plugins`). --django-settings, else the environment's
DJANGO_SETTINGS_MODULE (pytest-django's convention); the project's package is found on PYTHONPATH, else in
the folder pytest runs in or its rootdir. Two tests per model: test_orm[app_label.Model] (every object's
values as the app reads them, check 'orm') and test_orm_schema[app_label.Model] (each column of the type the
ORM creates on PostgreSQL, check 'orm_schema'); their Outcomes go through the same `verdict` and waivers as
the table checks; --table/--exclude-table select models by their table. With neither option nothing is
collected, and a note says why when the file was made by an ORM or -m asks for orm.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..verify.outcome import Finding, Outcome, failed
from .object_diff import Tally

MODELS = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("pgparity", "pgparity: compare a SQLite file with its PostgreSQL copy")
    g.addoption("--django-settings", metavar="MODULE",
                help="-m orm: the Django settings module of the app that made the SQLite file, e.g. mysite.settings "
                "(env DJANGO_SETTINGS_MODULE; the project's folder on PYTHONPATH or where pytest runs). Every model "
                "is read through Django from both databases (DATABASES replaced by the two compared, read-only) "
                "and each column must be of the type Django creates on PostgreSQL")
    g.addoption("--sqlalchemy-models", metavar="MODULE:ATTR",
                help="-m orm: the SQLAlchemy app's declarative Base (or MetaData), e.g. myapp.models:Base. Every "
                "table is read through its column types from both databases and each column must be of the "
                "type create_all makes on PostgreSQL")


@dataclass(frozen=True)
class OrmModel:
    """One model of the app, whichever ORM reads it."""

    orm: str  # 'Django' or 'SQLAlchemy'
    reader: object  # django_read.DjangoModel or sa_read.SaTable

    @property
    def label(self) -> str:
        return self.reader.label

    def values(self, cmp) -> Outcome:
        if self.orm == "Django":
            tally, error = self.reader.values(cmp.settings.examples, tuple(cmp.redact))
        else:
            from .sides import Sides

            tally, error = self.reader.values(Sides.of(cmp), cmp.settings.examples, tuple(cmp.redact),
                                              cmp.settings.source_tz)
        return _values_outcome(tally, error, self.orm)

    def schema(self, cmp) -> Outcome:
        return self.reader.usability(cmp.settings.schema, cmp.catalog)


def _values_outcome(tally: Tally, error: str | None, orm: str) -> Outcome:
    read = f"{tally.objects} object(s)" + (f" and {tally.links} link(s)" if tally.links else "")
    said = tally.outcome("orm", f"{read} read through {orm}" if tally.counts or error else
                         f"{read} read equal through {orm}")
    if error is None:
        return said
    finding = Finding(f"{tally.shape.label}: could not be read through {orm}: {error}", None, "read-error")
    return failed("orm", tally.shape.label, f"read stopped ({error}); {said.summary}", [finding, *said.findings],
                  complete=False)


ZONE_NOTE = pytest.StashKey[str]()


def pytest_cmdline_main(config: pytest.Config) -> None:
    """--django-settings and no --source-tz (command line or pgparity.toml): the table checks read naive SQLite
    texts in the zone the app wrote them in (UTC under USE_TZ, else TIME_ZONE), as migrate.py does with the same
    option; set as the --source-tz option before pgparity.pytest_plugin resolves its settings. A settings module
    that cannot be read is said later, by pytest_configure."""
    from .. import check_settings
    from ..pytest_plugin import _running_checks

    module = config.getoption("--django-settings", None)
    if not module or config.getoption("--source-tz", None) or not _running_checks(config):
        return
    from ..errors import PgParityError
    from .sides import OrmSetupError

    try:
        found = check_settings.find_config(config.getoption("--pgparity-config", None), config.rootpath)
        if "source_tz" in check_settings.read_config(found).data:
            return
        from .django_read import naive_zone

        zone = naive_zone(module, [Path.cwd(), config.rootpath])
    except (OrmSetupError, PgParityError):
        return
    config.option.source_tz = zone
    config.stash[ZONE_NOTE] = (f"naive SQLite times read in {zone} (--django-settings {module}: "
                               + ("USE_TZ = True)" if zone == "UTC" else f"USE_TZ = False, TIME_ZONE = {zone!r})"))


@pytest.hookimpl(trylast=True)  # after pgparity.pytest_plugin has opened the comparison
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "orm: the application's models read through its ORM from both databases")
    from ..pytest_plugin import COMPARISON, NOTES, SETTINGS

    config.stash[MODELS] = []
    if COMPARISON not in config.stash:
        return
    cmp = config.stash[COMPARISON]
    if ZONE_NOTE in config.stash and config.stash[ZONE_NOTE]:
        config.stash[NOTES].append(config.stash[ZONE_NOTE])
    asked = "orm" in (config.getoption("-m") or "")
    option = config.getoption("--django-settings", None)
    django = option or os.environ.get("DJANGO_SETTINGS_MODULE")
    sa = config.getoption("--sqlalchemy-models", None)
    if not django and not sa:
        note = _not_run_note(cmp, asked)
        config.stash[NOTES] += [note] if note else []
        return
    from .sides import OrmSetupError

    try:
        config.stash[MODELS] = _selected(_models(cmp, django, sa, [Path.cwd(), config.rootpath]),
                                         config.stash[SETTINGS])
    except OrmSetupError as exc:
        if option or sa or asked:
            raise pytest.UsageError(f"pgparity: {exc}") from None
        # only the environment named a settings module, and the run did not ask for -m orm: say it, do not stop
        config.stash[NOTES].append(f"orm: not run: DJANGO_SETTINGS_MODULE={django} cannot be used ({exc})")
        return
    orms = " and ".join(o for o in ("Django", "SQLAlchemy") if any(m.orm == o for m in config.stash[MODELS]))
    config.stash[NOTES].append(f"orm: {len(config.stash[MODELS])} model(s) read through {orms} (-m orm)")


def _models(cmp, django: str | None, sa: str | None, search: list[Path]) -> list[OrmModel]:
    from .sides import Sides

    models = []
    if django:
        from . import django_read

        django_read.setup(django, Sides.of(cmp), search)
        models += [OrmModel("Django", m) for m in django_read.models()]
    if sa:
        from . import sa_read

        models += [OrmModel("SQLAlchemy", t) for t in sa_read.load(sa, search)]
    return models


def _selected(models: list[OrmModel], settings: dict) -> list[OrmModel]:
    """--table/--exclude-table select models by their table, as they select the table checks."""
    keep = {t.lower() for t in settings.get("tables") or []}
    drop = {t.lower() for t in settings.get("exclude") or []}
    return [m for m in models if (not keep or m.reader.table_name.lower() in keep)
            and m.reader.table_name.lower() not in drop]


def _not_run_note(cmp, asked: bool) -> str | None:
    """Why the ORM checks did not run, when the file was made by an ORM or -m names them; else nothing."""
    from .detect import detect

    orm = detect(cmp.source)
    if orm is None and not asked:
        return None
    if orm is None:
        hint = ""
    elif orm.name == "rails":
        hint = " — the file was made by Rails: Active Record cannot be read here, the table checks compare its data"
    elif orm.name == "django":
        hint = " — the file was made by Django: pass --django-settings yourproject.settings to read it as the app does"
    else:
        hint = f" — the file was made by {orm.label}: pass --sqlalchemy-models yourapp.models:Base to read it as " \
            "the app does"
    return f"orm: not run: no --django-settings (or DJANGO_SETTINGS_MODULE) or --sqlalchemy-models given{hint}"


def generate_models(metafunc: pytest.Metafunc) -> None:
    """One test per model (checks/test_orm.py's pytest_generate_tests)."""
    if "orm_model" not in metafunc.fixturenames:
        return
    labels = [m.label for m in metafunc.config.stash.get(MODELS, [])]
    metafunc.parametrize("orm_model", labels, ids=labels, indirect=True)


@pytest.fixture
def orm_model(request: pytest.FixtureRequest) -> OrmModel:
    """The model of this test."""
    return next(m for m in request.config.stash[MODELS] if m.label == request.param)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Each model's result joins the table checks' results (check 'orm' or 'orm_schema', table = the model)."""
    outcome = yield
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "orm_model" in params and "table" not in params:
        from ..pytest_plugin import record_result

        record_result(item, outcome.get_result(), call, item.originalname.removeprefix("test_"), params["orm_model"])
