"""Columns declared with a DOMAIN behave like the domain's base type plus the domain's constraints.

A domain's CHECK (VALUE ...) is a CHECK every write of the column meets, and a domain's NOT NULL is
the column's NOT NULL; so each column over a domain gets its base type (format_type of the innermost
base type with the domain's modifier: varchar(50), not the domain's name) and every CHECK of every
domain in its chain, rewritten on the column, is added to the table's CHECKs.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .catalog import PgCheck, PgTable

_DOMAIN_COLUMNS = """
    WITH RECURSIVE chain(table_name, column_name, domain_name, typid, typmod, required, depth) AS (
        SELECT c.relname, a.attname, t.typname, t.typbasetype, t.typtypmod, t.typnotnull, 1
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
              AND t.typtype = 'd'
        UNION ALL
        SELECT ch.table_name, ch.column_name, ch.domain_name, t.typbasetype,
               CASE WHEN t.typtypmod <> -1 THEN t.typtypmod ELSE ch.typmod END, ch.required OR t.typnotnull,
               ch.depth + 1
        FROM chain ch JOIN pg_type t ON t.oid = ch.typid WHERE t.typtype = 'd' AND ch.depth < 20)
    SELECT DISTINCT ON (table_name, column_name) table_name, column_name, domain_name,
           format_type(typid, typmod), required
    FROM chain ORDER BY table_name, column_name, depth DESC"""

_DOMAIN_CHECKS = """
    WITH RECURSIVE chain(table_name, column_name, typid) AS (
        SELECT c.relname, a.attname, a.atttypid
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
              AND t.typtype = 'd'
        UNION ALL
        SELECT ch.table_name, ch.column_name, t.typbasetype FROM chain ch JOIN pg_type t ON t.oid = ch.typid
        WHERE t.typtype = 'd' AND t.typbasetype <> 0)
    SELECT ch.table_name, ch.column_name, quote_ident(ch.column_name), t.typname, co.conname,
           pg_get_constraintdef(co.oid), co.convalidated
    FROM chain ch JOIN pg_type t ON t.oid = ch.typid JOIN pg_constraint co ON co.contypid = ch.typid
    WHERE co.contype = 'c' ORDER BY 1, 2, 3, 4"""

_VALUE = re.compile(r"\bVALUE\b")


def read_domains(cur, schema: str, tables: dict[str, PgTable], make_check: type[PgCheck]) -> None:
    """Give columns over a domain their base type and NOT NULL, and add the domain's CHECKs to the table
    (as `make_check` records: the catalog passes its PgCheck, so this module needs no import of it)."""
    cur.execute(_DOMAIN_COLUMNS, (schema,))
    for table, column, domain, base, notnull in cur.fetchall():
        t = tables.get(table)
        if t is None:
            continue
        t.columns = [replace(c, type=base, notnull=c.notnull or notnull, domain=domain) if c.name == column else c
                     for c in t.columns]
    cur.execute(_DOMAIN_CHECKS, (schema,))
    for table, column, quoted, domain, name, definition, valid in cur.fetchall():
        t = tables.get(table)
        if t is None:
            continue
        body = _VALUE.sub(quoted.replace("\\", r"\\"), definition)
        t.checks.append(body)
        t.check_constraints.append(make_check(name, body, body.removesuffix(" NOT VALID").removeprefix("CHECK "),
                                           (column,), bool(valid), domain))
