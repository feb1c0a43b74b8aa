"""The migration plan: per table and column, the PostgreSQL type, the rule that chose it and why.

The plan follows SQLite's affinity rules *and* the values present (see profile.py): where the
values do not fit the declared type, the column keeps every value (usually as text) and the plan
says so in `deviation`. Each column also says how to read it from SQLite (`select`) and how the
Arrow result is finished before COPY (`finish`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .affinity import declared_kind as _kind
from .affinity import declared_scale
from .defaults import translate_default
from .orm.design import Designed, OrmDesign, design_column
from .plan_checks import check_notes, json_valid_column
from .profile import ColumnProfile
from .schema import Column, Generated, Schema, Table
from .sqlnames import fit_pg_name, qs
from .sqltranslate import translate_expr
from .viewsql import ViewSql, translate_view


@dataclass(frozen=True)
class PlanOptions:
    strict_types: bool = False  # refuse instead of widening a column to keep its values
    lowercase_names: bool = False  # fold table/column names to lower case (raw-SQL apps)
    schema: str = "public"
    source_tz: str = "UTC"  # how naive text timestamps are read when the target is timestamptz
    design: OrmDesign | None = field(default=None, compare=False)  # --design-schema: the ORM's own types


@dataclass
class ColumnPlan:
    name: str  # SQLite name
    pg_name: str
    declared: str
    pg_type: str
    rule: str
    reason: str
    select: list[tuple[str, str]]  # (SQLite expression, "int"|"real"|"text"); two when reals are split out
    finish: str = "none"  # 'none' | 'real-split' (coalesce shortest-repr reals with text)
    notnull: bool = False
    identity: bool = False
    default: str | None = None
    deviation: str | None = None  # set when the plan departs from the declared type
    enum: tuple[str, ...] = ()  # --design-schema: a native enum type pg_type with these labels (CREATE TYPE)
    notes: list[str] = field(default_factory=list)


@dataclass
class GeneratedPlan:
    """A generated column: PostgreSQL computes it from the translated expression (always STORED)."""

    name: str  # SQLite name
    pg_name: str
    pg_type: str
    expression: str | None  # the PostgreSQL expression; None when it cannot be translated
    stored: bool  # as declared in SQLite (VIRTUAL ones become STORED)
    problems: list[str] = field(default_factory=list)


@dataclass
class TablePlan:
    name: str
    pg_name: str
    columns: list[ColumnPlan]
    table: Table
    rows: int
    primary_key: tuple[str, ...]  # pg column names; empty when none can be created
    notes: list[str] = field(default_factory=list)
    generated: list[GeneratedPlan] = field(default_factory=list)

    def pg_column(self, sqlite_name: str) -> str:
        return next(c.pg_name for c in self.columns if c.name == sqlite_name)


@dataclass
class Plan:
    tables: list[TablePlan]
    options: PlanOptions
    not_migrated: list[str] = field(default_factory=list)
    views: list[ViewSql] = field(default_factory=list)  # translated views, in SQLite's creation order

    def table(self, name: str) -> TablePlan:
        return next(t for t in self.tables if t.name == name)


# integers read as unix epochs only in this band (1973..2242): 0 or 2024 are not instants
EPOCH_MIN, EPOCH_MAX = 100_000_000, 2**33
_LEN_RE = re.compile(r"(?:VAR)?CHAR(?:ACTER)?(?:\s+VARYING)?\s*\(\s*(\d+)\s*\)", re.I)


def plan_column(table: Table, col: Column, prof: ColumnProfile, opts: PlanOptions) -> ColumnPlan:
    """Choose the PostgreSQL type and conversion for one column: the ORM's type under --design-schema, else
    from its declaration and values."""
    if opts.design is None:
        return _by_values(table, col, prof, opts)
    got = design_column(opts.design, table, col, prof, table.rowid_alias == col.name, _json_checked(table, col.name))
    if isinstance(got, Designed):
        # the ORM's own type, said in rule and reason; not a deviation (no value misfits the declaration)
        return ColumnPlan(col.name, col.name, col.type, got.pg_type, got.rule, got.reason, got.select, got.finish,
                          enum=got.enum)
    cplan = _by_values(table, col, prof, opts)
    if got:
        cplan.notes.append(got)
    return cplan


def _by_values(table: Table, col: Column, prof: ColumnProfile, opts: PlanOptions) -> ColumnPlan:
    """The PostgreSQL type and conversion for one column from its declaration and values."""
    c = qs(col.name)
    kind = _kind(col.type)
    p = prof
    only = _only(p)

    def cp(pg_type: str, rule: str, reason: str, select: list[str] | None = None, finish: str = "none",
           deviation: str | None = None) -> ColumnPlan:
        kind_ = _value_kind(pg_type, rule)
        exprs = [(e, "text") for e in select] if select else [(c if kind_ != "text" else f"CAST({c} AS TEXT)", kind_)]
        if finish == "real-split":
            exprs = [(exprs[0][0], "real"), (exprs[1][0], "text")]
        return ColumnPlan(col.name, col.name, col.type, pg_type, rule, reason, exprs, finish,
                          deviation=deviation)

    if table.rowid_alias == col.name:
        why = "INTEGER PRIMARY KEY aliases the rowid: bigint identity"
        if table.autoincrement:
            why += "; AUTOINCREMENT: its sequence starts past sqlite_sequence, ids are never reused"
        return cp("bigint", "rowid-identity", why)
    if only == "empty":
        return _from_declaration(col, kind, cp)
    if p.blobs:
        if p.texts + p.integers + p.reals == 0 or kind == "blob":
            why = "BLOB values" if kind == "blob" else f"{p.blobs} BLOB value(s) in a {col.type or 'untyped'} column"
            return cp("bytea", "blob-bytea", why, [_hex(c)],
                      deviation=None if kind == "blob" else f"declared {col.type!r} holds BLOBs: kept as bytea")
        return cp("text", "mixed-blob-text", "BLOBs mixed with text: blobs kept as their bytes read as UTF-8",
                  [f"CAST({c} AS TEXT)"], deviation=f"declared {col.type!r} mixes BLOB and text values")
    if kind == "boolean" and only in ("empty", "integer") and not p.non_bool_ints:
        return cp("boolean", "int-0-1-boolean", "declared boolean, values only 0/1")
    if kind == "boolean" and only == "text" and p.bool_texts == p.texts:
        return cp("boolean", "text-boolean", "declared boolean, values are boolean words",
                  [f"lower(trim({c}))"])
    if kind == "timestamp" and only == "text" and p.ts_texts == p.texts:
        if p.ts_zoned == p.texts:
            return cp("timestamptz", "text-timestamptz", "text timestamps with a zone offset")
        if p.ts_zoned:
            return cp("timestamptz", "text-timestamptz", "text timestamps, some with a zone offset",
                      deviation=f"mixes {p.ts_zoned} zoned and {p.texts - p.ts_zoned} naive text timestamps: "
                                f"timestamptz, the naive ones read as wall time in {opts.source_tz} (--source-tz)")
        return cp("timestamp", "text-timestamp", "text timestamps without zone: timestamp, no shift")
    if kind == "timestamp" and only == "integer" and EPOCH_MIN <= p.int_min and p.int_max < EPOCH_MAX:
        return cp("timestamp", "epoch-timestamp", "integer unix epochs in a timestamp column",
                  [f"datetime({c}, 'unixepoch')"])
    if kind == "date" and only == "text" and p.ts_texts == p.texts:
        if p.date_only == p.texts:
            return cp("date", "text-date", "text dates YYYY-MM-DD")
        if p.ts_zoned:
            naive = f"; {p.texts - p.ts_zoned} naive ones read in {opts.source_tz}" if p.ts_zoned < p.texts else ""
            return cp("timestamptz", "text-timestamptz", "declared DATE but values carry a time of day and a zone",
                      deviation=f"declared DATE holds zoned times: timestamptz keeps the instants{naive}")
        return cp("timestamp", "text-timestamp", "declared DATE but values carry a time of day",
                  deviation="declared DATE holds times of day: timestamp keeps them")
    if kind == "json" and only == "text" and p.json_texts == p.texts:
        return cp("jsonb", "text-jsonb", "every value parses as a JSON object or array")
    if only in ("text", "empty") and _json_checked(table, col.name):
        return cp("jsonb", "json-valid-jsonb", "CHECK (json_valid(...)): SQLite refused every write that is not "
                  "JSON, so every value (JSON scalars included) is JSON, as Django's JSONField expects jsonb")
    if _time_declared(col.type) and only == "text":
        return _time_rule(col, p, cp)
    if only in ("empty", "integer") and kind in ("integer", "boolean", "numeric", "blob", "timestamp", "date"):
        if kind == "numeric" and (ps := declared_scale(col.type)):
            return cp(f"numeric({ps[0]},{ps[1]})", "number-numeric", "declared NUMERIC(p,s); integers fit")
        rule_dev = None if kind in ("integer", "blob") or only == "empty" else \
            f"declared {col.type!r} holds integers: kept as bigint"
        return cp("bigint", "integer-bigint", "integer values", deviation=rule_dev)
    if only in ("empty", "integer", "real", "number") and kind in ("real", "numeric", "blob", "integer"):
        if kind == "numeric" and (ps := declared_scale(col.type)) and not p.scale_misfits:
            return cp(f"numeric({ps[0]},{ps[1]})", "number-numeric",
                      f"declared NUMERIC({ps[0]},{ps[1]}); every value fits exactly at scale {ps[1]}",
                      _split(c), "real-split")
        if kind == "numeric":
            dev = f"{p.scale_misfits} value(s) do not fit {col.type}: unconstrained numeric" \
                if declared_scale(col.type) else None
            return cp("numeric", "number-numeric", "exact numbers (reals as shortest round-trip text)",
                      _split(c), "real-split", deviation=dev)
        dev = None if kind == "real" else f"declared {col.type!r} holds real numbers: double precision"
        return ColumnPlan(col.name, col.name, col.type, "double precision", "real-double", "IEEE doubles, bit-exact",
                          [(f"CAST({c} AS REAL)", "real")], deviation=dev)
    # text, or a mix that only text keeps whole
    if only == "text" or only == "empty":
        length = _LEN_RE.search(col.type)
        if length and (p.max_chars or 0) <= int(length.group(1)):
            return cp(f"varchar({length.group(1)})", "text-varchar", f"declared {col.type}; every value fits")
        dev = None
        if length:
            dev = f"declared {col.type} but the longest value has {p.max_chars} characters: text keeps it"
        elif kind in ("boolean", "timestamp", "date", "json", "integer", "real", "numeric"):
            dev = f"declared {col.type!r} holds text that is not {kind}: kept as text"
        return cp("text", "text-text", "text values", deviation=dev)
    return cp("text", "mixed-text", f"mixed storage classes ({_classes(p)}): text keeps every value",
              _split(c), "real-split",
              deviation=f"declared {col.type or 'untyped'!r} mixes {_classes(p)}: kept as text")


def _json_checked(table: Table, name: str) -> bool:
    return any((json_valid_column(chk.expression) or "").lower() == name.lower() for chk in table.checks)


def _time_declared(declared: str) -> bool:
    return re.fullmatch(r"\s*TIME(\s*\(\s*\d\s*\))?(\s+WITHOUT\s+TIME\s+ZONE)?\s*", declared, re.I) is not None


def _time_rule(col: Column, p: ColumnProfile, cp) -> ColumnPlan:
    """Declared TIME: `time` when every value is 'HH:MM[:SS[.ffffff]]' (profile.time_texts), else text."""
    counted = getattr(p, "time_texts", None)
    if counted is not None and counted == p.texts:
        return cp("time", "text-time", "every value is a time of day HH:MM[:SS[.ffffff]]")
    why = "not every value is a time of day HH:MM[:SS[.ffffff]]" if counted is not None \
        else "the values' shape was not measured"
    return cp("text", "text-text", f"declared {col.type}: {why}: text keeps every value",
              deviation=f"declared {col.type!r}: {why}: kept as text")


def declared_pg_type(declared: str) -> str:
    """The PostgreSQL type a declaration asks for, values aside."""
    if _time_declared(declared):
        return "time"
    length = _LEN_RE.search(declared)
    ps = declared_scale(declared)
    return {
        "boolean": "boolean", "timestamp": "timestamp", "date": "date", "json": "jsonb", "real": "double precision",
        "integer": "bigint", "blob": "bytea" if declared.strip() else "text",
        "numeric": f"numeric({ps[0]},{ps[1]})" if ps else "numeric",
        "text": f"varchar({length.group(1)})" if length else "text",
    }[_kind(declared)]


def _from_declaration(col: Column, kind: str, cp) -> ColumnPlan:
    """An empty column: the declaration is all there is to follow."""
    pg_type = declared_pg_type(col.type)
    select = [_hex(qs(col.name))] if pg_type == "bytea" else None
    return cp(pg_type, "empty-declared", f"no values: follows the declared {col.type or 'untyped'!r}", select)


def _value_kind(pg_type: str, rule: str) -> str:
    """How a column's plain value arrives from SQLite: all integers, all reals, or text."""
    if pg_type == "bigint" or rule == "int-0-1-boolean" or (rule == "empty-declared" and pg_type == "boolean"):
        return "int"
    if pg_type == "double precision":
        return "real"
    return "text"


def _only(p: ColumnProfile) -> str:
    present = [k for k, n in (("integer", p.integers), ("real", p.reals), ("text", p.texts), ("blob", p.blobs)) if n]
    if not present:
        return "empty"
    if present == ["integer", "real"]:
        return "number"
    return present[0] if len(present) == 1 else "mixed"


def _classes(p: ColumnProfile) -> str:
    return ", ".join(f"{n} {k}" for k, n in (("integer", p.integers), ("real", p.reals), ("text", p.texts)) if n)


def _hex(c: str) -> str:
    return f"CASE WHEN {c} IS NULL THEN NULL ELSE '\\x' || hex({c}) END"


def _split(c: str) -> list[str]:
    return [f"CASE WHEN typeof({c})='real' THEN {c} END", f"CASE WHEN typeof({c})<>'real' THEN CAST({c} AS TEXT) END"]


def plan_table(table: Table, profiles: dict[str, ColumnProfile], opts: PlanOptions) -> TablePlan:
    """Plan every column of a table, fix names for PostgreSQL, and decide on its primary key."""
    cols, taken = [], set()
    for col in table.columns:
        cplan = plan_column(table, col, profiles[col.name], opts)
        name = col.name.lower() if opts.lowercase_names else col.name
        cplan.pg_name = fit_pg_name(name, taken)
        taken.add(cplan.pg_name)
        if cplan.pg_name != col.name and not opts.lowercase_names:
            cplan.notes.append(f"renamed to {cplan.pg_name!r}: PostgreSQL names hold at most 63 bytes")
        cplan.identity = cplan.rule.endswith("-identity")
        cplan.notnull = col.notnull or cplan.identity
        if col.notnull and profiles[col.name].nulls:
            cplan.notnull = False
            cplan.notes.append(f"NOT NULL dropped: {profiles[col.name].nulls} NULL value(s) present")
        cplan.default, note = translate_default(col.dflt_value, cplan.pg_type)
        if note:
            cplan.notes.append(note)
        cols.append(cplan)
    rows = next(iter(profiles.values())).rows if profiles else 0
    tplan = TablePlan(table.name, table.name, cols, table, rows, ())
    pk = table.primary_key
    pk_nulls = [c for c in pk if profiles[c].nulls and table.rowid_alias != c]
    if pk and pk_nulls:
        tplan.notes.append(f"PRIMARY KEY ({', '.join(pk)}) not created: NULL in {', '.join(pk_nulls)}")
        for cplan in cols:
            if cplan.name in pk_nulls:
                cplan.notnull = False
    elif pk:
        tplan.primary_key = tuple(tplan.pg_column(c) for c in pk)
    return tplan


def make_plan(schema: Schema, profiles: dict[str, dict[str, ColumnProfile]], opts: PlanOptions) -> Plan:
    """Plan every table; name collisions after PostgreSQL's 63-byte cut get a hash suffix."""
    tables, taken = [], set()
    for table in schema.tables:
        tplan = plan_table(table, profiles[table.name], opts)
        name = table.name.lower() if opts.lowercase_names else table.name
        tplan.pg_name = fit_pg_name(name, taken)
        taken.add(tplan.pg_name)
        if tplan.pg_name != name:
            tplan.notes.append(f"renamed to {tplan.pg_name!r}: PostgreSQL names hold at most 63 bytes")
        tables.append(tplan)
    views = _plan_views(schema, tables, opts)
    not_migrated = [f"view {v.name}: {'; '.join(v.problems)}" for v in views if v.sql is None]
    not_migrated += [f"trigger {t.name}: triggers are not translated (port it to PL/pgSQL by hand)"
                     for t in schema.trigger_defs]
    not_migrated += [f"virtual table {v}: PostgreSQL has no virtual tables" for v in schema.virtual_tables]
    for tp in tables:
        not_migrated += check_notes(tp)
        tp.generated = [_plan_generated(tp, g, opts) for g in tp.table.generated]
        not_migrated += [f"generated column {tp.name}.{g.name}: {'; '.join(g.problems)}"
                         for g in tp.generated if g.expression is None]
        tp.notes += [f"generated column {g.name}: VIRTUAL in SQLite, STORED in PostgreSQL (computed on write, "
                     "same values)" for g in tp.generated if g.expression is not None and not g.stored]
    return Plan(tables, opts, not_migrated, [v for v in views if v.sql is not None])


def _plan_views(schema: Schema, tables: list[TablePlan], opts: PlanOptions) -> list[ViewSql]:
    """Each view translated against the migrated tables' PostgreSQL names."""
    names = {t.name.lower(): t.pg_name for t in tables}
    taken = set(names.values())
    for v in schema.view_defs:
        pg = fit_pg_name(v.name.lower() if opts.lowercase_names else v.name, taken)
        taken.add(pg)
        names[v.name.lower()] = pg
    columns: dict[str, dict[str, str]] = {}
    for tp in tables:
        spelled = {c.name.lower(): c.pg_name for c in tp.columns}
        for g in tp.table.generated:
            spelled.setdefault(g.name.lower(), g.name.lower() if opts.lowercase_names else g.name)
        columns[tp.name.lower()] = spelled
    return [translate_view(v.name, v.sql, opts.schema, names, columns) for v in schema.view_defs]


def _plan_generated(tp: TablePlan, g: Generated, opts: PlanOptions) -> GeneratedPlan:
    pg_name = fit_pg_name(g.name.lower() if opts.lowercase_names else g.name, {c.pg_name for c in tp.columns})
    if not g.type.strip():
        return GeneratedPlan(g.name, pg_name, "", None, g.stored,
                             ["no declared type: PostgreSQL needs one for a generated column"])
    tr = translate_expr(g.expression, {c.name: c.pg_name for c in tp.columns})
    return GeneratedPlan(g.name, pg_name, declared_pg_type(g.type), tr.sql, g.stored, tr.problems)

