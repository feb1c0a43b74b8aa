"""What a SQLite file declares: tables, columns, keys, indexes, foreign keys, checks, views, triggers.

The names follow SQLite's own PRAGMA vocabulary so a reader never has to translate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .source import SqliteSource


@dataclass(frozen=True)
class Column:
    cid: int
    name: str
    type: str  # declared type, as written ('' when none)
    notnull: bool
    dflt_value: str | None  # the default's SQL text, as written
    pk: int  # 1-based position in the primary key, 0 when not part of it


@dataclass(frozen=True)
class ForeignKey:
    id: int
    table: str  # the parent table
    from_columns: tuple[str, ...]
    to_columns: tuple[str, ...]
    on_update: str
    on_delete: str
    deferred: bool = False  # DEFERRABLE INITIALLY DEFERRED: checked at COMMIT, not per statement


@dataclass(frozen=True)
class Index:
    name: str
    unique: bool
    origin: str  # 'c' CREATE INDEX, 'u' UNIQUE constraint, 'pk' PRIMARY KEY
    columns: tuple[str | None, ...]  # None for an expression
    where: str | None  # the WHERE clause of a partial index
    sql: str | None
    collations: tuple[str | None, ...] = ()  # per key column, as PRAGMA index_xinfo says ('BINARY', 'NOCASE')

    @property
    def nocase(self) -> bool:
        """Whether any key column compares with NOCASE (uniqueness ignores ASCII case)."""
        return any((c or "").upper() == "NOCASE" for c in self.collations)


@dataclass(frozen=True)
class Check:
    name: str | None
    expression: str


@dataclass(frozen=True)
class Generated:
    name: str
    type: str  # declared type, as written
    expression: str  # the SQLite expression inside AS ( ... )
    stored: bool  # STORED; False: VIRTUAL (computed on read)


@dataclass(frozen=True)
class SqlObject:
    """A view, trigger or virtual table: its name, the table it belongs to (tbl_name) and its SQL."""

    name: str
    table: str
    sql: str


@dataclass
class Table:
    name: str
    columns: list[Column]
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    without_rowid: bool = False
    autoincrement: bool = False
    sql: str = ""
    skipped_columns: list[str] = field(default_factory=list)  # generated/hidden columns
    generated: list[Generated] = field(default_factory=list)  # generated columns (among skipped_columns)

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The primary key's columns in key order (empty when the table has none)."""
        return tuple(c.name for c in sorted((c for c in self.columns if c.pk), key=lambda c: c.pk))

    @property
    def rowid_alias(self) -> str | None:
        """The INTEGER PRIMARY KEY column that aliases the rowid, if any."""
        pk = [c for c in self.columns if c.pk]
        if len(pk) == 1 and not self.without_rowid and pk[0].type.upper() == "INTEGER":
            if not re.search(r"PRIMARY\s+KEY\s+DESC", self.sql, re.I):
                return pk[0].name
        return None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass
class Schema:
    tables: list[Table]
    views: list[str]
    triggers: list[str]
    virtual_tables: list[str]
    view_defs: list[SqlObject] = field(default_factory=list)  # in creation order
    trigger_defs: list[SqlObject] = field(default_factory=list)
    virtual_defs: list[SqlObject] = field(default_factory=list)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def inspect_schema(src: SqliteSource) -> Schema:
    """Read every user table's declaration from the snapshot."""
    listing = src.query("PRAGMA table_list")
    master = {(r[0], r[1]): r[2] for r in src.query("SELECT type, name, sql FROM sqlite_master")}
    sequences = _autoincrement_tables(src)
    tables, views, virtual = [], [], []
    for schema_name, name, kind, _ncol, wr, _strict in listing:
        if schema_name != "main" or name.startswith("sqlite_"):
            continue
        if kind == "view":
            views.append(name)
            continue
        sql = master.get(("table", name)) or ""
        if kind == "virtual" or sql.upper().startswith("CREATE VIRTUAL"):
            virtual.append(name)
            continue
        if kind == "shadow":
            continue
        tables.append(_inspect_table(src, name, sql, bool(wr), name in sequences))
    triggers = sorted(n for (t, n) in master if t == "trigger")
    tables.sort(key=lambda t: t.name)
    objects = src.query("SELECT type, name, tbl_name, sql FROM sqlite_master "
                        "WHERE type IN ('view', 'trigger', 'table') ORDER BY rowid")
    defs = {kind: [SqlObject(n, tbl, sql or "") for k, n, tbl, sql in objects if k == kind and n in names]
            for kind, names in (("view", set(views)), ("trigger", set(triggers)), ("table", set(virtual)))}
    return Schema(tables=tables, views=sorted(views), triggers=triggers, virtual_tables=sorted(virtual),
                  view_defs=defs["view"], trigger_defs=defs["trigger"], virtual_defs=defs["table"])


def _autoincrement_tables(src: SqliteSource) -> set[str]:
    return set(sqlite_sequences(src))


def sqlite_sequences(src) -> dict[str, int]:
    """SQLite's AUTOINCREMENT counters: table name -> sqlite_sequence.seq (empty when the file has none).
    The one reader of sqlite_sequence (schema, load and the sequences check use it)."""
    if not src.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")[0][0]:
        return {}
    return {name: int(seq or 0) for name, seq in src.query("SELECT name, seq FROM sqlite_sequence")}


def _inspect_table(src: SqliteSource, name: str, sql: str, without_rowid: bool, has_seq: bool) -> Table:
    lit = quote_sqlite_string(name)
    columns, skipped = [], []
    for cid, cname, ctype, notnull, dflt, pk, hidden in src.query(f"PRAGMA table_xinfo({lit})"):
        if hidden:
            skipped.append(cname)
            continue
        columns.append(Column(cid, cname, ctype or "", bool(notnull), dflt, pk))
    autoinc = has_seq or bool(re.search(r"\bAUTOINCREMENT\b", _strip_strings(sql), re.I))
    table = Table(name, columns, without_rowid=without_rowid, autoincrement=autoinc, sql=sql,
                  skipped_columns=skipped)
    items = table_items(sql)
    deferred = _deferred_fks(items)
    table.foreign_keys = [replace(fk, deferred=deferred.get(tuple(c.lower() for c in fk.from_columns), False))
                          for fk in _foreign_keys(src, lit)]
    table.indexes = _indexes(src, lit)
    table.checks = parse_checks(sql)
    hidden = {r[1]: r[6] for r in src.query(f"PRAGMA table_xinfo({lit})") if r[6] in (2, 3)}
    table.generated = [g for g in _generated_columns(items) if g.name in hidden]
    return table


def _foreign_keys(src: SqliteSource, lit: str) -> list[ForeignKey]:
    groups: dict[int, list[tuple]] = {}
    for row in src.query(f"PRAGMA foreign_key_list({lit})"):
        groups.setdefault(row[0], []).append(row)
    fks = []
    for fk_id, rows in sorted(groups.items()):
        rows.sort(key=lambda r: r[1])
        parent = rows[0][2]
        to = tuple(r[4] for r in rows)
        if any(t is None for t in to):  # REFERENCES parent  -> the parent's primary key
            to = _parent_key(src, parent) or to
        fks.append(ForeignKey(fk_id, parent, tuple(r[3] for r in rows), tuple(to),
                              rows[0][5].upper(), rows[0][6].upper()))
    return fks


def _parent_key(src: SqliteSource, parent: str) -> tuple[str, ...]:
    rows = src.query(f"PRAGMA table_info({quote_sqlite_string(parent)})")
    return tuple(r[1] for r in sorted((r for r in rows if r[5]), key=lambda r: r[5]))


def _indexes(src: SqliteSource, lit: str) -> list[Index]:
    sql_by_name = dict(src.query("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    out = []
    for _seq, iname, unique, origin, partial in src.query(f"PRAGMA index_list({lit})"):
        cols = [r for r in src.query(f"PRAGMA index_xinfo({quote_sqlite_string(iname)})") if r[5]]
        cols.sort(key=lambda r: r[0])
        sql = sql_by_name.get(iname)
        where = _partial_where(sql) if partial else None
        out.append(Index(iname, bool(unique), origin, tuple(r[2] for r in cols), where, sql,
                         tuple(r[4] for r in cols)))
    return out


def _partial_where(sql: str | None) -> str | None:
    if not sql:
        return None
    stripped = _strip_strings(sql)
    depth = 0
    for i, ch in enumerate(stripped):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and stripped[i:i + 6].upper() == " WHERE":
            return sql[i + 6:].strip()
    return None


def quote_sqlite_string(value: str) -> str:
    """A SQL string literal for SQLite (for PRAGMA arguments)."""
    return "'" + value.replace("'", "''") + "'"


def _strip_strings(sql: str) -> str:
    """`sql` with every quoted string, identifier and comment blanked out (same length)."""
    out = list(sql)
    i, n = 0, len(sql)
    closers = {"'": "'", '"': '"', "`": "`", "[": "]"}
    while i < n:
        ch = sql[i]
        if ch in closers:
            j = sql.find(closers[ch], i + 1)
            j = n - 1 if j < 0 else j
            for k in range(i + 1, j):
                out[k] = "_"
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                out[k] = " "
            i = j
        else:
            i += 1
    return "".join(out)


_CHECK = re.compile(r"(?:\bCONSTRAINT\s+(\S+)\s+)?\bCHECK\s*\(", re.I)


def parse_checks(sql: str) -> list[Check]:
    """The CHECK constraints of a CREATE TABLE statement (column and table level)."""
    blank = _strip_strings(sql)
    checks = []
    for m in _CHECK.finditer(blank):
        start = m.end()
        depth, i = 1, start
        while i < len(blank) and depth:
            depth += blank[i] == "("
            depth -= blank[i] == ")"
            i += 1
        name = sql[m.start(1):m.end(1)].strip('"[]`') if m.group(1) else None
        checks.append(Check(name, sql[start:i - 1].strip()))
    return checks


def table_items(sql: str) -> list[str]:
    """The top-level items of a CREATE TABLE: column definitions and table constraints, as written."""
    blank = _strip_strings(sql)
    start = blank.find("(")
    if start < 0:
        return []
    items, depth, begin = [], 0, start + 1
    for i in range(start + 1, len(blank)):
        ch = blank[i]
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif (ch == "," and depth == 0) or (ch == ")" and depth == 0):
            items.append(sql[begin:i].strip())
            begin = i + 1
            if ch == ")":
                break
    return [i for i in items if i]


_NAME = r'\s*("(?:[^"]|"")*"|\[[^\]]*\]|`[^`]*`|[^\s(,]+)'
_TABLE_FK = re.compile(r"^\s*(?:CONSTRAINT\s+\S+\s+)?FOREIGN\s+KEY\s*\(([^)]*)\)", re.I)
_DEFERRED = re.compile(r"(?<!NOT)\s+DEFERRABLE\s+INITIALLY\s+DEFERRED\b", re.I)
_GENERATED = re.compile(r"\b(?:GENERATED\s+ALWAYS\s+)?AS\s*\(", re.I)


def _unquote(name: str) -> str:
    name = name.strip()
    if name[:1] in ('"', "[", "`"):
        return name[1:-1].replace('""', '"') if name[0] == '"' else name[1:-1]
    return name


def _deferred_fks(items: list[str]) -> dict[tuple[str, ...], bool]:
    """from-columns (lower case) -> whether that FOREIGN KEY is DEFERRABLE INITIALLY DEFERRED."""
    out = {}
    for item in items:
        blank = _strip_strings(item)
        if not re.search(r"\bREFERENCES\b", blank, re.I):
            continue
        deferred = bool(_DEFERRED.search(re.sub(r"\bNOT\s+DEFERRABLE", "NOT", blank, flags=re.I)))
        m = _TABLE_FK.match(blank)
        if m:
            cols = tuple(_unquote(c).lower() for c in item[m.start(1):m.end(1)].split(","))
        else:
            name = re.match(_NAME, item)
            cols = (_unquote(name.group(1)).lower(),) if name else ()
        out[cols] = deferred
    return out


def _generated_columns(items: list[str]) -> list[Generated]:
    """Column definitions with AS ( expr ) [STORED|VIRTUAL]."""
    out = []
    for item in items:
        blank = _strip_strings(item)
        head = re.match(_NAME, item)
        m = _GENERATED.search(blank)
        if not head or not m or re.match(r"\s*(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b", blank, re.I):
            continue
        depth, i = 1, m.end()
        while i < len(blank) and depth:
            depth += blank[i] == "("
            depth -= blank[i] == ")"
            i += 1
        decl = item[head.end():m.start()].strip()
        decl = re.split(r"\b(?:NOT|NULL|CONSTRAINT|COLLATE|DEFAULT|PRIMARY|UNIQUE|CHECK|REFERENCES)\b", decl,
                        flags=re.I)[0].strip()
        stored = bool(re.match(r"\s*STORED\b", blank[i:], re.I))
        out.append(Generated(_unquote(head.group(1)), decl, item[m.end():i - 1].strip(), stored))
    return out
