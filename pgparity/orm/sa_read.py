"""A SQLAlchemy app's tables read through its own column types from the SQLite file and the PostgreSQL copy.

--sqlalchemy-models module:Base (a declarative base: one check per mapped class with its own table, plus one per
table of the metadata no class maps, such as association tables) or module:metadata (one per table). Each
table is selected with its Column objects, so every value passes the type's result processing, as an ORM
attribute does (Uuid -> UUID, Numeric -> Decimal, Interval -> timedelta, JSON -> dict, Enum -> the enum,
DateTime -> datetime), streamed ordered by primary key (text keys in byte order on both sides) on a
server-side cursor. One adjustment, said because the app cannot see it: SQLite keeps no offset for
DateTime(timezone=True), so SQLAlchemy reads those values back naive; they are taken in --source-tz (UTC by
default, as migrate.py loads them) before they are compared with PostgreSQL's aware values.

It cannot see: relationship loading, hybrid properties, column_property expressions, validators and events,
TypeDecorators whose process_result_value reads other state; tables declared in another schema than the one
compared (their schema is not translated); a table without primary key is ordered by all its columns.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from .object_diff import ObjectShape, OrderError, Tally, diff_objects
from .sides import OrmSetupError, Sides, importable
from .usability import Expected, check_usability

CHUNK = 2000
TEXT_TYPES = ("char", "text", "citext")


def load(spec: str, search: list[Path]) -> list[SaTable]:
    """The tables of `module:Base` or `module:metadata`, each with the name it is reported under."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise OrmSetupError(f"--sqlalchemy-models {spec}: expected module:Base or module:metadata")
    importable(module, search, "--sqlalchemy-models")
    try:
        found = getattr(importlib.import_module(module), attr)
    except Exception as exc:  # noqa: BLE001 - whatever the app's module raises, said in one line
        raise OrmSetupError(f"--sqlalchemy-models {spec}: {type(exc).__name__}: {exc}") from None
    from sqlalchemy import MetaData

    registry = getattr(found, "registry", None)
    metadata = found if isinstance(found, MetaData) else getattr(found, "metadata", None)
    if not isinstance(metadata, MetaData):
        raise OrmSetupError(f"--sqlalchemy-models {spec}: {attr} is neither a declarative base nor a MetaData")
    named = {}
    for mapper in (registry.mappers if registry is not None else ()):
        if not mapper.single and mapper.local_table is not None and mapper.local_table.name in metadata.tables:
            named[mapper.local_table.name] = mapper.class_.__name__
    return [SaTable(t, named.get(t.name, t.name)) for t in metadata.sorted_tables]


@dataclass(frozen=True)
class SaTable:
    table: object  # sqlalchemy.Table
    label: str  # the mapped class's name, else the table's

    @property
    def table_name(self) -> str:
        return self.table.name

    def values(self, sides: Sides, examples: int, redact: tuple[str, ...], source_tz: str) -> tuple[Tally, str | None]:
        from sqlalchemy.exc import SQLAlchemyError

        from ..verify.detail import is_sensitive

        cols = list(self.table.columns)
        keys = list(self.table.primary_key.columns) or cols
        shape = ObjectShape(self.label, ", ".join(c.name for c in keys), tuple(c.name for c in cols),
                            frozenset(c.name for c in cols if is_sensitive(c.name, redact)))
        tally = Tally(shape, examples)
        zone = ZoneInfo(source_tz)
        aware = [i for i, c in enumerate(cols) if getattr(c.type, "timezone", False) is True]
        try:
            with engines(sides) as (lite, pg):
                diff_objects(tally, _rows(lite, self.table, keys, "BINARY", aware, zone),
                             _rows(pg, self.table, keys, "C", [], zone))
        except (SQLAlchemyError, OrderError) as exc:
            return tally, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
        return tally, None

    def usability(self, schema: str, catalog: dict):
        """The PostgreSQL column types against what `create_all` would make on PostgreSQL."""
        from sqlalchemy.dialects import postgresql

        expected, unknown = [], []
        for c in self.table.columns:
            try:
                expected.append(Expected(self.table.name, c.name, c.name, c.type.compile(dialect=postgresql.dialect())))
            except Exception as exc:  # noqa: BLE001 - a type with no PostgreSQL form is said, not judged
                unknown.append(f"{c.name} ({type(exc).__name__})")
        return check_usability("orm_schema", self.label, expected, catalog, schema, False, unknown)


class engines:
    """A SQLite engine on the read-only URI and a PostgreSQL one on the schema's search_path, disposed at exit."""

    def __init__(self, sides: Sides):
        self.sides = sides

    def __enter__(self):
        import sqlite3

        import psycopg2
        from sqlalchemy import create_engine

        self.made = [create_engine("sqlite://", creator=lambda: sqlite3.connect(self.sides.sqlite_uri, uri=True)),
                     create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(**self.sides.pg))]
        return self.made

    def __exit__(self, *exc) -> None:
        for e in self.made:
            e.dispose()


def _rows(engine, table, keys: list, collation: str, aware: list[int], zone: ZoneInfo):
    from sqlalchemy import collate, select
    from sqlalchemy.dialects import postgresql

    def order(c):
        kind = str(c.type.compile(dialect=postgresql.dialect())).lower()
        return collate(c, collation) if any(t in kind for t in TEXT_TYPES) else c

    at = [list(table.columns).index(k) for k in keys]
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            select(*table.columns).order_by(*(order(k) for k in keys)))
        for row in result:
            row = tuple(row)
            for i in aware:
                if isinstance(row[i], dt.datetime) and row[i].tzinfo is None:
                    row = row[:i] + (row[i].replace(tzinfo=zone),) + row[i + 1:]
            yield (row[at[0]] if len(at) == 1 else tuple(row[i] for i in at), *row)
