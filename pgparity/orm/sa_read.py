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

# a stored value Python cannot hold: a datetime past year 9999, a date Python's calendar lacks, a huge number
CONVERSION = (ValueError, OverflowError)
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
                try:
                    diff_objects(tally, _rows(lite, self.table, keys, "BINARY", aware, zone),
                                 _rows(pg, self.table, keys, "C", [], zone))
                except CONVERSION as exc:  # a stored value Python cannot hold (year 10000): which row, which column
                    tally = Tally(shape, examples)
                    both = ((lite, "SQLite", "BINARY"), (pg, "PostgreSQL", "C"))
                    located = [(side, *bad) for engine, side, coll in both
                               for bad in _unconvertible(engine, self.table, keys, coll)]
                    for side, key, name, error in located:
                        tally.add("unconvertible", name, key,
                                  f"{name}: the {side} value cannot be read by SQLAlchemy ({error})")
                    return tally, None if located else f"{type(exc).__name__}: {_first_line(exc)}"
        except (SQLAlchemyError, OrderError, *CONVERSION) as exc:
            return tally, f"{type(exc).__name__}: {_first_line(exc)}"
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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _unconvertible(engine, table, keys: list, collation: str) -> list[tuple[object, str, str]]:
    """(key, column, error) of the first value of each column SQLAlchemy cannot convert: each column read in
    chunks; in the chunk that fails, row by row (OFFSET: the order is the comparison's)."""
    from sqlalchemy import select

    out = []
    with engine.connect() as conn:
        for c in table.columns:
            ordered = select(c).order_by(*(_order(k, collation) for k in keys))
            done, error = 0, None
            for query, size in ((ordered, CHUNK), (ordered.offset(0), 1)):
                try:
                    for _ in conn.execution_options(stream_results=True, yield_per=size).execute(
                            query.offset(done).limit(CHUNK) if size == 1 else query):
                        done += 1
                    break
                except CONVERSION as exc:
                    error = f"{type(exc).__name__}: {_first_line(exc)}"
            else:
                key = conn.execute(select(*keys).order_by(*(_order(k, collation) for k in keys))
                                   .offset(done).limit(1)).first()
                out.append((key[0] if len(keys) == 1 else tuple(key), c.name, error))
    return out


def _order(c, collation: str):
    from sqlalchemy import collate
    from sqlalchemy.dialects import postgresql

    kind = str(c.type.compile(dialect=postgresql.dialect())).lower()
    return collate(c, collation) if any(t in kind for t in TEXT_TYPES) else c


def _rows(engine, table, keys: list, collation: str, aware: list[int], zone: ZoneInfo):
    from sqlalchemy import select

    at = [list(table.columns).index(k) for k in keys]
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            select(*table.columns).order_by(*(_order(k, collation) for k in keys)))
        for row in result:
            row = tuple(row)
            for i in aware:
                if isinstance(row[i], dt.datetime) and row[i].tzinfo is None:
                    row = row[:i] + (row[i].replace(tzinfo=zone),) + row[i + 1:]
            yield (row[at[0]] if len(at) == 1 else tuple(row[i] for i in at), *row)
