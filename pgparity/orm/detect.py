"""Which ORM made a SQLite file, read from the file itself: the bookkeeping table each one keeps.

- Django: `django_migrations` (app, name, applied) — which apps and how many migrations are applied.
- Alembic / Flask-Migrate (SQLAlchemy): `alembic_version` (version_num) — the revision(s) the file is at.
- Rails (Active Record): `schema_migrations` (version) together with `ar_internal_metadata` (its environment).

What it cannot see: an ORM that keeps no such table (SQLAlchemy's `create_all` without Alembic, Peewee,
Prisma's SQLite files have `_prisma_migrations` but are not read here) is not recognised; the file is then
migrated as any SQLite database. Django's `USE_TZ` leaves no mark in the file (Django writes naive text
either way), so only the project's settings (`--django-settings`) or `--source-tz` say how it is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError


@dataclass(frozen=True)
class Orm:
    """An ORM recognised in the SQLite file, with what its bookkeeping table says."""

    name: str  # 'django' | 'alembic' | 'rails'
    label: str  # as a person names it
    evidence: str  # the table(s) that told
    facts: dict = field(default_factory=dict)  # what the bookkeeping table holds (apps, revisions, versions)

    def line(self) -> str:
        """One line for the output and the manifest."""
        return f"{self.label} database ({self.evidence})"

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "evidence": self.evidence, **self.facts}


def _read(source, sql: str) -> list[tuple]:
    """The rows, or none when the bookkeeping table lacks the usual columns (a hand-made look-alike)."""
    try:
        return source.query(sql)
    except SourceError:
        return []


def _tables(source) -> set[str]:
    return {r[0].lower() for r in source.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


def detect(source) -> Orm | None:
    """The ORM whose bookkeeping table the file holds, else None. `source` has `.query(sql)` (SqliteSource)."""
    names = _tables(source)
    if "django_migrations" in names:
        return _django(source)
    if "alembic_version" in names:
        return _alembic(source)
    if "schema_migrations" in names and "ar_internal_metadata" in names:
        return _rails(source)
    return None


def _django(source) -> Orm:
    rows = _read(source, "SELECT app, count(*), max(name) FROM django_migrations GROUP BY app ORDER BY app")
    apps = {app: {"migrations": n, "latest": latest} for app, n, latest in rows}
    shown = ", ".join(f"{a} ({v['migrations']})" for a, v in apps.items()) or "none applied"
    facts = {"apps": apps, "use_tz": "not in the file: Django writes naive text under USE_TZ=True (UTC) and "
                                     "USE_TZ=False (TIME_ZONE) alike"}
    return Orm("django", "Django", f"django_migrations: apps {shown}", facts)


def _alembic(source) -> Orm:
    revisions = sorted(str(r[0]) for r in _read(source, "SELECT version_num FROM alembic_version"))
    shown = ", ".join(revisions) or "no revision stamped"
    return Orm("alembic", "SQLAlchemy (Alembic / Flask-Migrate)", f"alembic_version: {shown}",
               {"revisions": revisions})


def _rails(source) -> Orm:
    count, latest = (_read(source, "SELECT count(*), max(version) FROM schema_migrations") or [(0, None)])[0]
    env = _read(source, "SELECT value FROM ar_internal_metadata WHERE key = 'environment'")
    facts = {"migrations": count, "latest": latest, "environment": env[0][0] if env else None}
    where = f", environment {facts['environment']}" if facts["environment"] else ""
    return Orm("rails", "Rails (Active Record)",
               f"schema_migrations ({count} migration(s), latest {latest}) + ar_internal_metadata{where}", facts)


def next_steps(orm: Orm, sqlite: str, pg: str) -> str:
    """The exact way to a PostgreSQL schema the ORM made itself, then the data and the gate."""
    # the ORM's migrate fills its own bookkeeping rows (migrations applied, content types): the file's replace them
    load = f"python migrate.py {sqlite} --pg {pg} --data-only --truncate"
    sqlite = str(Path(sqlite).resolve())  # pytest runs from the pgparity checkout, not where migrate.py ran
    gate = f'pytest checks/ --sqlite {sqlite} --pg {pg} -m "not drift"'
    if orm.name == "django":
        make = ("1. create the schema with Django itself: DATABASES['default'] pointing at PostgreSQL "
                f"({pg}), then `python manage.py migrate`")
        # the settings say the zone of the naive texts (UTC under USE_TZ, else TIME_ZONE): the load and the gate
        # read them in it (or give both --source-tz TIME_ZONE)
        settings = " --django-settings yourproject.settings"
        load += settings + " (the project on PYTHONPATH: its USE_TZ/TIME_ZONE say the zone of naive times; " \
            "or --source-tz <TIME_ZONE> when USE_TZ = False)"
        gate += f"{settings}\n   and read it the way the app does: pytest checks/ --sqlite {sqlite} --pg {pg} -m orm " \
                "--django-settings yourproject.settings (the project on PYTHONPATH)"
    elif orm.name == "alembic":
        make = ("1. create the schema with Alembic: sqlalchemy.url (or your env.py's URL) pointing at PostgreSQL "
                f"({pg}), then `alembic upgrade head` (Flask-Migrate: `flask db upgrade`)")
        gate += f"\n   and read it the way the app does: pytest checks/ --sqlite {sqlite} --pg {pg} -m orm " \
                "--sqlalchemy-models yourapp.models:Base (the project on PYTHONPATH)"
    else:
        make = ("1. create the schema with Rails: config/database.yml with adapter: postgresql for that database "
                f"({pg}), then `bin/rails db:schema:load` (or `bin/rails db:migrate`)")
    return "\n".join([make, f"2. load the data into it: {load}", f"3. run the gate: {gate}"])
