"""The migrated schema the scan consults (`--pg URL --pg-schema S`): which columns became what."""

from __future__ import annotations

from ..errors import TargetError
from .statement import SchemaInfo


def read_schema(url: str, schema: str = "public") -> SchemaInfo:
    """Column types and primary keys of every table of `schema` (raises TargetError when unreachable)."""
    import psycopg2

    from ..server import redact
    from ..verify.catalog import read_catalog

    try:
        conn = psycopg2.connect(url, connect_timeout=10)
    except psycopg2.Error as exc:
        raise TargetError(f"cannot connect to PostgreSQL at {redact(url)}: {str(exc).splitlines()[0]}") from None
    try:
        with conn.cursor() as cur:
            catalog = read_catalog(cur, schema)
    finally:
        conn.close()
    if not catalog:
        raise TargetError(f"PostgreSQL schema {schema!r} at {redact(url)} has no tables (wrong --pg-schema?)")
    return SchemaInfo.from_catalog(catalog)
