"""What a PostgreSQL schema holds: tables, columns, keys, indexes, foreign keys, checks, sequences."""

from __future__ import annotations

from dataclasses import dataclass, field

from .domains import read_domains


@dataclass(frozen=True)
class PgColumn:
    name: str
    type: str  # format_type()
    notnull: bool
    default: str | None
    sequence: str | None  # identity, serial or nextval() default
    collation: str | None = None  # the column's collation when it is not the type's default
    identity: str = ""  # pg_attribute.attidentity: 'a' ALWAYS, 'd' BY DEFAULT, '' none
    generated: str = ""  # pg_attribute.attgenerated: 's' STORED, '' none
    domain: str | None = None  # the DOMAIN the column was declared with (`type` is then its base type)
    enum_labels: tuple[str, ...] = ()  # an enum type's labels in their sort order


@dataclass(frozen=True)
class PgCheck:
    name: str
    definition: str  # pg_get_constraintdef: 'CHECK ((qty >= 0))', ' NOT VALID' appended when not validated
    expression: str  # pg_get_expr of the constraint: '(qty >= 0)'
    columns: tuple[str, ...]  # the columns it reads
    validated: bool  # False: added NOT VALID, existing rows were never proven
    domain: str | None = None  # the DOMAIN the CHECK belongs to (VALUE rewritten as the column)


@dataclass(frozen=True)
class PgIndex:
    name: str
    primary: bool
    unique: bool
    columns: tuple[str | None, ...]  # key columns in order; None for an expression
    expressions: str | None  # pg_get_expr of the key expressions (e.g. 'lower((email)::text)')
    predicate: str | None  # the WHERE of a partial index
    collations: tuple[str | None, ...]  # per key column: a non-default collation, else None
    definition: str  # pg_get_indexdef
    deferrable: bool = False  # its constraint is DEFERRABLE: ON CONFLICT refuses it, duplicates fail at COMMIT
    deferred: bool = False  # INITIALLY DEFERRED
    nulls_not_distinct: bool = False  # NULLS NOT DISTINCT (PostgreSQL 15+): a second NULL is a duplicate
    exclusion: bool = False  # the index of an EXCLUDE constraint


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
    checks: list[str] = field(default_factory=list)  # pg_get_constraintdef of each CHECK
    check_constraints: list[PgCheck] = field(default_factory=list)
    index_list: list[PgIndex] = field(default_factory=list)  # every index with its expressions and predicate
    parents: list[str] = field(default_factory=list)  # tables it INHERITS from (not partitioning)
    children: list[str] = field(default_factory=list)  # tables that INHERIT from it (not partitions)

    def column(self, name: str) -> PgColumn | None:
        low = name.lower()
        exact = [c for c in self.columns if c.name == name]
        return exact[0] if exact else next((c for c in self.columns if c.name.lower() == low), None)


_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def read_catalog(cur, schema: str) -> dict[str, PgTable]:
    """Every ordinary or partitioned table of `schema`."""
    tables: dict[str, PgTable] = {}
    _columns(cur, schema, tables)
    _indexes(cur, schema, tables)
    _inheritance(cur, schema, tables)
    cur.execute("""
        SELECT c.relname, co.conname, co.contype, co.convalidated, pc.relname, co.confupdtype, co.confdeltype,
               pg_get_expr(co.conbin, co.conrelid),
               array(SELECT a.attname FROM unnest(co.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
               array(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
               pg_get_constraintdef(co.oid)
        FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class pc ON pc.oid = co.confrelid
        WHERE n.nspname = %s AND co.contype IN ('f', 'c')""", (schema,))
    for table, name, kind, valid, parent, upd, dele, expr, cols, pcols, definition in cur.fetchall():
        t = tables.get(table)
        if t is None:
            continue
        if kind == "f":
            t.foreign_keys.append(PgForeignKey(name, tuple(cols), parent, tuple(pcols), valid,
                                               _ACTIONS.get(upd, upd), _ACTIONS.get(dele, dele)))
        else:
            t.checks.append(definition)
            t.check_constraints.append(PgCheck(name, definition, expr, tuple(cols), valid))
    read_domains(cur, schema, tables, PgCheck)
    return tables


def _columns(cur, schema: str, tables: dict[str, PgTable]) -> None:
    cur.execute("""
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid),
               pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname),
               CASE WHEN a.attcollation <> t.typcollation THEN co.collname END, a.attidentity::text,
               a.attgenerated::text,
               array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum""", (schema,))
    for table, name, typ, notnull, default, seq, coll, ident, gen, labels in cur.fetchall():
        if seq is None and default and default.startswith("nextval("):
            seq = default.split("'")[1]
        tables.setdefault(table, PgTable(table)).columns.append(
            PgColumn(name, typ, notnull, default, seq, coll, ident or "", gen or "", None, tuple(labels or ())))


def _indexes(cur, schema: str, tables: dict[str, PgTable]) -> None:
    cur.execute("SELECT current_setting('server_version_num')::int")
    nnd = "i.indnullsnotdistinct" if cur.fetchall()[0][0] >= 150000 else "false"  # PostgreSQL 15+
    cur.execute("""
        SELECT c.relname, i.indisprimary, i.indisunique, ic.relname,
               array(SELECT coalesce(a.attname, '') FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                     LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord),
               array(SELECT coalesce(co.collname, '') FROM unnest(i.indcollation) WITH ORDINALITY k(coll, ord)
                     LEFT JOIN pg_collation co ON co.oid = k.coll AND co.collname <> 'default'
                     ORDER BY k.ord),
               pg_get_expr(i.indexprs, i.indrelid), pg_get_expr(i.indpred, i.indrelid),
               pg_get_indexdef(i.indexrelid), coalesce(co.condeferrable, false), coalesce(co.condeferred, false),
               """ + nnd + """, coalesce(co.contype = 'x', false)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
        LEFT JOIN pg_constraint co ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid
                                   AND co.contype IN ('p', 'u', 'x')
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s""", (schema,))
    for (table, primary, unique, iname, keys, colls, exprs, pred, definition, deferrable, deferred,
         nulls, exclusion) in cur.fetchall():
        t = tables.get(table)
        if t is None:
            continue
        keys = tuple(k or None for k in keys)
        cols = tuple(k for k in keys if k)  # the plain columns, as the (name, columns) lists always gave
        if primary:
            t.primary_key = cols
        elif unique:
            t.unique.append(cols)
        t.indexes.append((iname, cols))
        t.index_list.append(PgIndex(iname, primary, unique, keys, exprs, pred,
                                    tuple(c or None for c in colls), definition, deferrable, deferred, nulls,
                                    exclusion))


def _inheritance(cur, schema: str, tables: dict[str, PgTable]) -> None:
    """Classic table inheritance (INHERITS), not declarative partitioning."""
    cur.execute("""
        SELECT pc.relname, cc.relname, pn.nspname = %s, cn.nspname = %s
        FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent JOIN pg_class cc ON cc.oid = h.inhrelid
        JOIN pg_namespace pn ON pn.oid = pc.relnamespace JOIN pg_namespace cn ON cn.oid = cc.relnamespace
        WHERE pc.relkind = 'r' AND (pn.nspname = %s OR cn.nspname = %s)""", (schema,) * 4)
    for parent, child, parent_here, child_here in cur.fetchall():
        if parent_here and parent in tables:
            tables[parent].children.append(child)
        if child_here and child in tables:
            tables[child].parents.append(parent)
