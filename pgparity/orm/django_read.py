"""A Django project's models read through Django itself from the SQLite file and from the PostgreSQL copy.

Django is set up from the user's settings module with DATABASES replaced by two aliases: 'default', the
SQLite file opened read-only (`file:...?mode=ro`, OPTIONS uri), and 'pgparity_pg', the PostgreSQL schema
under comparison (search_path, read-only transactions); DATABASE_ROUTERS are dropped, so nothing the app
does at setup can reach another database. Every concrete, managed model (proxies, unmanaged models and
swapped ones excluded) is read with `values_list` of its concrete fields, which runs each field's
`from_db_value` and the backend's converters: the values a view would see (Decimal, UUID, timedelta,
aware datetime, dict, bytes, time...). Rows stream ordered by primary key in chunks on both sides (a
server-side cursor on PostgreSQL); a text key is ordered by byte order on both (COLLATE "C" / BINARY),
so both orders are Python's. Many-to-many links of auto-created link tables are compared as sets per object.

It cannot see: model methods, custom managers' filters (the base manager reads every row), values computed
in Python at save time, rows of unmanaged models and proxies (their tables are compared by the table checks),
an explicit `through` model's links other than as that model's own rows. Both sides are read at about the
same time but not in one snapshot: a database written during the run shows as a difference.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .object_diff import ObjectShape, OrderError, Tally, diff_links, diff_objects
from .sides import OrmSetupError, Sides, importable
from .usability import Expected, check_usability

SQLITE, PG = "default", "pgparity_pg"
# a stored value Python cannot hold: a datetime past year 9999, a date Python's calendar lacks, a number too large
CONVERSION = (ValueError, OverflowError)
CHUNK = 2000
TEXT_TYPES = ("char", "text", "citext")


def setup(module: str, sides: Sides, search: list[Path]) -> None:
    """Django configured from `module` with our two read-only aliases; the project found on sys.path or in `search`."""
    importable(module, search, "--django-settings")
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    try:
        import django
        from django.conf import settings

        settings.DATABASES = {SQLITE: {"ENGINE": "django.db.backends.sqlite3", "NAME": sides.sqlite_uri,
                                       "OPTIONS": {"uri": True}},
                              PG: _pg_entry(sides.pg)}
        settings.DATABASE_ROUTERS = []
        django.setup()
    except Exception as exc:  # noqa: BLE001 - whatever the user's settings or apps raise, said in one line
        raise OrmSetupError(f"--django-settings {module}: {type(exc).__name__}: {_first_line(exc)}") from None


def naive_zone(module: str, search: list[Path]) -> str:
    """The zone the app's naive stored datetimes are in: UTC under USE_TZ, else TIME_ZONE (the settings module read,
    Django not set up)."""
    importable(module, search, "--django-settings")
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    try:
        from django.conf import settings

        return "UTC" if settings.USE_TZ else settings.TIME_ZONE
    except Exception as exc:  # noqa: BLE001 - whatever the user's settings raise, said in one line
        raise OrmSetupError(f"--django-settings {module}: {type(exc).__name__}: {_first_line(exc)}") from None


def _pg_entry(keywords: dict) -> dict:
    rest = dict(keywords)
    return {"ENGINE": "django.db.backends.postgresql", "NAME": rest.pop("dbname", "") or rest.get("user", ""),
            "USER": rest.pop("user", ""), "PASSWORD": rest.pop("password", ""), "HOST": rest.pop("host", ""),
            "PORT": rest.pop("port", ""), "OPTIONS": rest}


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def models() -> list[DjangoModel]:
    from django.apps import apps

    return [DjangoModel(m) for m in apps.get_models() if m._meta.managed and not m._meta.proxy]


@dataclass(frozen=True)
class DjangoModel:
    model: type

    @property
    def label(self) -> str:
        return self.model._meta.label  # app_label.Model

    @property
    def table_name(self) -> str:
        return self.model._meta.db_table

    def shape(self, redact: tuple[str, ...]) -> ObjectShape:
        from ..verify.detail import is_sensitive

        meta = self.model._meta
        fields = tuple(f.name for f in meta.concrete_fields)
        hidden = frozenset(f.name for f in meta.concrete_fields
                           if is_sensitive(f.name, redact) or is_sensitive(f.column, redact))
        return ObjectShape(self.label, ", ".join(f.column for f in _key_fields(meta)), fields, hidden)

    def values(self, examples: int, redact: tuple[str, ...]) -> tuple[Tally, str | None]:
        """Every object and link of the model compared; an error reading either side is returned as text."""
        from django.db import DatabaseError, connections

        drivers = tuple(connections[a].Database.Error for a in (SQLITE, PG))
        skip: set[str] = set()
        try:
            try:
                tally = self._compare(examples, redact, skip)
            except CONVERSION as exc:  # a stored value Python cannot hold (year 10000): which object, which field
                located = [(side, *bad) for alias, side in ((SQLITE, "SQLite"), (PG, "PostgreSQL"))
                           for bad in _unconvertible(self.model, alias)]
                if not located:
                    return Tally(self.shape(redact), examples), f"{type(exc).__name__}: {_first_line(exc)}"
                # the rest compared without those fields (their first unreadable value is the finding)
                skip = {name for _, _, name, _ in located}
                tally = self._compare(examples, redact, skip, located)
        except CONVERSION as exc:
            return Tally(self.shape(redact), examples), f"{type(exc).__name__}: {_first_line(exc)}"
        except (DatabaseError, OrderError, *drivers) as exc:
            while exc.__context__ is not None:  # Django closing a server-side cursor after the error raises anew
                exc = exc.__context__
            return Tally(self.shape(redact), examples), f"{type(exc).__name__}: {_first_line(exc)}"
        return tally, None

    def _compare(self, examples: int, redact: tuple[str, ...], skip: set[str], located=()) -> Tally:
        tally = Tally(self.shape(redact), examples)
        for side, key, name, error in located:
            tally.add("unconvertible", name, key, f"{name}: the {side} value cannot be read by Django ({error}); "
                                                  "this field is not compared further")
        diff_objects(tally, _objects(self.model, SQLITE, skip), _objects(self.model, PG, skip))
        for f in _auto_links(self.model):
            diff_links(tally, f.name, f.related_model._meta.label, _links(f, SQLITE), _links(f, PG))
        return tally

    def usability(self, schema: str, catalog: dict) -> object:
        """The PostgreSQL column types against those Django's PostgreSQL backend creates for the fields."""
        from django.conf import settings
        from django.db import connections

        pg = connections[PG]
        meta, expected, unknown = self.model._meta, [], []
        for f in meta.local_concrete_fields:  # a parent's fields are its own model's
            _expect(expected, unknown, meta.db_table, f.column, f.name, f.db_type(pg))
        for m2m in _auto_links(self.model):
            through = m2m.remote_field.through._meta
            # the link table's own key as the migrations create it (the project's DEFAULT_AUTO_FIELD), then its
            # two references
            key = _migrated_pk(through.db_table) or through.pk
            _expect(expected, unknown, through.db_table, key.column, m2m.name, key.db_type(pg))
            for name in (m2m.m2m_field_name(), m2m.m2m_reverse_field_name()):
                f = through.get_field(name)
                _expect(expected, unknown, through.db_table, f.column, m2m.name, f.db_type(pg))
        return check_usability("orm_schema", self.label, expected, catalog, schema, not settings.USE_TZ, unknown)


@cache
def _migrated_keys() -> dict:
    from .models import migrated_apps

    return {m._meta.db_table: m._meta.pk for m in migrated_apps().get_models(include_auto_created=True)}


def _migrated_pk(table: str):
    """The primary key field of `table` as the project's migrations make it (None: no migration makes it)."""
    return _migrated_keys().get(table)


def _expect(expected: list, unknown: list, table: str, column: str, name: str, db_type: str | None) -> None:
    if db_type is None:
        unknown.append(f"{name} (Django gives no column type)")
    else:
        expected.append(Expected(table, column, name, db_type))


def _key_fields(meta) -> list:
    return list(getattr(meta.pk, "fields", None) or [meta.pk])  # a CompositePrimaryKey holds its fields


def _order(field, alias: str):
    """The field ordered the same way on both databases and in Python: byte order for text."""
    from django.db import connections
    from django.db.models import F
    from django.db.models.functions import Collate

    kind = (field.target_field if field.is_relation else field).db_type(connections[PG]) or ""
    if any(t in kind.lower() for t in TEXT_TYPES):
        return Collate(F(field.attname), "C" if alias == PG else "BINARY")
    return F(field.attname).asc()


def _objects(model, alias: str, skip: set[str] = frozenset()):
    """(key, value per concrete field) in key order; a field in `skip` (by name) is not read: None on both sides."""
    meta = model._meta
    keys = _key_fields(meta)
    names = [f.attname if f.name not in skip else None for f in meta.concrete_fields]
    at = [names.index(k.attname) for k in keys]
    rows = (model._base_manager.using(alias).order_by(*(_order(k, alias) for k in keys))
            .values_list(*[n for n in names if n]).iterator(chunk_size=CHUNK))
    if skip:
        spread = [i for i, n in enumerate(names) if n]
        rows = (tuple(dict(zip(spread, row)).get(i) for i in range(len(names))) for row in rows)
    for row in rows:
        yield (row[at[0]] if len(at) == 1 else tuple(row[i] for i in at), *row)


def _unconvertible(model, alias: str) -> list[tuple[object, str, str]]:
    """(key, field, error) of the first value of each field Django cannot convert on `alias`: each field read
    with the key in chunks; in the chunk that fails, row by row (OFFSET: the order is the comparison's)."""
    meta = model._meta
    keys = _key_fields(meta)
    ordered = model._base_manager.using(alias).order_by(*(_order(k, alias) for k in keys))
    out = []
    for f in meta.concrete_fields:
        rows = ordered.values_list(f.attname)
        done = 0
        try:
            for _ in rows.iterator(chunk_size=CHUNK):
                done += 1
            continue
        except CONVERSION:
            pass
        try:
            for _ in rows[done:done + CHUNK].iterator(chunk_size=1):
                done += 1
            continue
        except CONVERSION as exc:
            error = f"{type(exc).__name__}: {_first_line(exc)}"
        key = ordered.values_list(*(k.attname for k in keys))[done]
        out.append((key[0] if len(keys) == 1 else tuple(key), f.name, error))
    return out


def _auto_links(model) -> list:
    return [f for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created]


def _links(m2m, alias: str):
    through = m2m.remote_field.through
    a, b = (through._meta.get_field(n) for n in (m2m.m2m_field_name(), m2m.m2m_reverse_field_name()))
    rows = (through._base_manager.using(alias).order_by(_order(a, alias), _order(b, alias))
            .values_list(a.attname, b.attname).iterator(chunk_size=CHUNK))
    for pair in rows:
        yield (tuple(pair),)
