"""What a PostgreSQL schema holds: tables, columns, keys, indexes, foreign keys, checks, sequences."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PgColumn:
    name: str
    type: str  # format_type()
    notnull: bool
    default: str | None
    sequence: str | None  # identity, serial or nextval() default


@dataclass(frozen=True)
class PgForeignKey:
    name: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    validated: bool
    on_update: str
    on_delete: str


@dataclass
class PgTable:
    name: str
    columns: list[PgColumn] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    unique: list[tuple[str, ...]] = field(default_factory=list)  # unique constraints and unique indexes
    indexes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (name, columns)
    foreign_keys: list[PgForeignKey] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    def column(self, name: str) -> PgColumn | None:
        low = name.lower()
        exact = [c for c in self.columns if c.name == name]
        return exact[0] if exact else next((c for c in self.columns if c.name.lower() == low), None)


_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def read_catalog(cur, schema: str) -> dict[str, PgTable]:
    """Every ordinary or partitioned table of `schema`."""
    tables: dict[str, PgTable] = {}
    cur.execute("""
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid),
               pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum""", (schema,))
    for table, name, typ, notnull, default, seq in cur.fetchall():
        if seq is None and default and default.startswith("nextval("):
            seq = default.split("'")[1]
        tables.setdefault(table, PgTable(table)).columns.append(PgColumn(name, typ, notnull, default, seq))
    cur.execute("""
        SELECT c.relname, i.indisprimary, i.indisunique, ic.relname,
               array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s""", (schema,))
    for table, primary, unique, iname, cols in cur.fetchall():
        t = tables.get(table)
        if t is None:
            continue
        cols = tuple(cols)
        if primary:
            t.primary_key = cols
        elif unique:
            t.unique.append(cols)
        t.indexes.append((iname, cols))
    cur.execute("""
        SELECT c.relname, co.conname, co.contype, co.convalidated, pc.relname, co.confupdtype, co.confdeltype,
               array(SELECT a.attname FROM unnest(co.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
               array(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
               pg_get_constraintdef(co.oid)
        FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class pc ON pc.oid = co.confrelid
        WHERE n.nspname = %s AND co.contype IN ('f', 'c')""", (schema,))
    for table, name, kind, valid, parent, upd, dele, cols, pcols, definition in cur.fetchall():
        t = tables.get(table)
        if t is None:
            continue
        if kind == "f":
            t.foreign_keys.append(PgForeignKey(name, tuple(cols), parent, tuple(pcols), valid,
                                               _ACTIONS.get(upd, upd), _ACTIONS.get(dele, dele)))
        else:
            t.checks.append(definition)
    return tables
