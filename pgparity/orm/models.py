"""The PostgreSQL type the application's own models ask for, per table and column, asked of the ORM itself.

- Django (`--django-settings MODULE`, the project on PYTHONPATH): `field.db_type(connection)` for a
  PostgreSQL connection object (never connected), for every concrete field of every installed model,
  many-to-many tables included, as the project's migrations make them (their state wins over the live models:
  an auto-created link table's id is what `manage.py migrate` creates); with `USE_TZ` and `TIME_ZONE` from the
  settings.
- SQLAlchemy (`--sqlalchemy-models MODULE:ATTR`, a declarative base or a `MetaData`, as `pytest checks/ -m orm`
  takes it): each column's type compiled by SQLAlchemy's PostgreSQL dialect.
The project is found as `-m orm` finds it (sides.importable: PYTHONPATH, else the current folder).

What it cannot see: models that are not imported by the settings / module; columns the ORM does not
map (they keep the file's own plan). A native enum is created as the type SQLAlchemy names (CREATE TYPE).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from .sides import OrmSetupError, importable


@dataclass(frozen=True)
class ModelColumn:
    pg_type: str  # as the ORM spells it on PostgreSQL
    field: str  # model and field, for the plan ('shop.Product.lead_time')
    kind: str  # the ORM's type name ('DurationField', 'Interval', 'AutoField', ...)
    enum: tuple[str, ...] = ()  # a native enum's labels (pg_type is then the type's name)


@dataclass(frozen=True)
class ModelTypes:
    source: str  # '--django-settings djproj.settings'
    columns: dict = field(default_factory=dict)  # (table lower, column lower) -> ModelColumn
    time_zone: str | None = None  # the zone naive stored datetimes are in (Django: UTC under USE_TZ)

    def get(self, table: str, column: str) -> ModelColumn | None:
        return self.columns.get((table.lower(), column.lower()))


def django_models(settings_module: str) -> ModelTypes:
    """Every concrete column of the project's models with the type Django creates for it on PostgreSQL."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    try:
        importable(settings_module, [Path.cwd()], "--django-settings")
        import django

        django.setup()
    except OrmSetupError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any import/config error of the user's project is one line
        raise UsageError(f"--django-settings {settings_module}: Django could not load it: {exc} "
                         "(is the project on PYTHONPATH?)") from None
    from django.apps import apps
    from django.conf import settings
    from django.db.backends.postgresql.base import DatabaseWrapper

    pg = DatabaseWrapper({"NAME": "pgparity_design", "ENGINE": "django.db.backends.postgresql", "OPTIONS": {},
                          "TIME_ZONE": None, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
                          "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True,
                          "ATOMIC_REQUESTS": False, "TEST": {}}, "pgparity_design")
    cols = {}
    # the models as the project's migrations make them (what `manage.py migrate` creates: an auto-created link
    # table's id is the project's DEFAULT_AUTO_FIELD there, whatever the app's own default says), over the live
    # models (apps without migrations)
    for registry in (apps, migrated_apps()):
        for model in registry.get_models(include_auto_created=True):
            for f in model._meta.local_fields:
                pg_type = f.db_type(pg)
                if pg_type:
                    cols[(model._meta.db_table.lower(), f.column.lower())] = ModelColumn(
                        pg_type, f"{model._meta.label}.{f.name}", f.get_internal_type())
    zone = "UTC" if settings.USE_TZ else settings.TIME_ZONE
    return ModelTypes(f"--django-settings {settings_module}", cols, zone)


def migrated_apps():
    """The app registry of the project's migration state (empty when the migrations cannot be loaded)."""
    from django.apps.registry import Apps

    try:
        from django.db.migrations.loader import MigrationLoader

        return MigrationLoader(None, ignore_no_migrations=True).project_state().apps
    except Exception:  # noqa: BLE001 - broken or missing migrations: the live models alone
        return Apps([])


def sqlalchemy_models(spec: str) -> ModelTypes:
    """Every column of the MetaData at MODULE:ATTR with the type SQLAlchemy creates for it on PostgreSQL."""
    from sqlalchemy import Enum
    from sqlalchemy.dialects import postgresql

    from .sa_read import load

    try:
        tables = load(spec, [Path.cwd()])
    except OrmSetupError as exc:
        raise UsageError(str(exc)) from None
    dialect = postgresql.dialect()
    cols = {}
    for table in (t.table for t in tables):
        for c in table.columns:
            typ = c.type
            native = isinstance(typ, Enum) and typ.native_enum and typ.name
            cols[(table.name.lower(), c.name.lower())] = ModelColumn(
                typ.name if native else typ.compile(dialect=dialect).lower(), f"{table.name}.{c.name}",
                type(typ).__name__, tuple(typ.enums) if native else ())
    return ModelTypes(f"--sqlalchemy-models {spec}", cols)
