"""Before the source is read: the target answers, and this role may do what the migration will do.

A wrong URL or a missing privilege is found in a second, not after the whole source was read and
profiled. What is checked is what the load will need: CREATE on the schema (or on the database when
the schema is to be created) for a full migration; for `--data-only` the schema, USAGE on it, and
SELECT/INSERT (TRUNCATE with --truncate) on each table that will be loaded.
"""

from __future__ import annotations

from .errors import TargetError
from .load import connect
from .server import redact

_SCHEMA_SQL = """
    SELECT current_user, n.oid IS NOT NULL, coalesce(has_schema_privilege(n.oid, 'USAGE'), false),
           coalesce(has_schema_privilege(n.oid, 'CREATE'), false),
           has_database_privilege(current_database(), 'CREATE')
    FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = %s"""

_TABLES_SQL = """
    SELECT c.relname, has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'),
           has_table_privilege(c.oid, 'TRUNCATE')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND lower(c.relname) = ANY(%s)"""


def check_target(url: str, schema: str, data_only: bool, truncate: bool = False,
                 tables: list[str] | None = None) -> None:
    """Raise TargetError naming the role, the schema and the privilege missing (nothing is written).

    `tables`: the SQLite tables a `--data-only` load will fill (None: check the schema only)."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(_SCHEMA_SQL, (schema,))
            role, exists, usage, create, create_db = cur.fetchone()
            where = f"at {redact(url)}"
            _check_schema(role, schema, where, data_only, exists, usage, create, create_db)
            if data_only and tables:
                cur.execute(_TABLES_SQL, (schema, [t.lower() for t in tables]))
                _check_tables(role, schema, where, truncate, cur.fetchall())
    finally:
        conn.close()


def _check_schema(role: str, schema: str, where: str, data_only: bool, exists: bool, usage: bool,
                  create: bool, create_db: bool) -> None:
    if data_only and not exists:
        raise TargetError(f"schema {schema} does not exist {where}: --data-only loads into the tables the "
                          "application created; check --pg and --pg-schema")
    if exists and not usage:
        raise TargetError(f"role {role} has no USAGE on schema {schema} {where}: "
                          f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    if data_only:
        return
    if exists and not create:
        raise TargetError(f"role {role} may not create tables in schema {schema} {where}: "
                          f"GRANT CREATE ON SCHEMA {schema} TO {role}, or choose another --pg-schema")
    if not exists and not create_db:
        raise TargetError(f"schema {schema} does not exist {where} and role {role} may not create it: "
                          "create it first, or choose another --pg-schema")


def _check_tables(role: str, schema: str, where: str, truncate: bool, rows: list[tuple]) -> None:
    missing = []
    for table, select, insert, trunc in rows:
        lacks = [p for p, ok in (("SELECT", select), ("INSERT", insert), ("TRUNCATE", trunc or not truncate))
                 if not ok]
        if lacks:
            missing.append(f"{'/'.join(lacks)} on {schema}.{table}")
    if missing:
        raise TargetError(f"role {role} lacks {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} "
                          f"{where}: grant them, or connect as the tables' owner")
