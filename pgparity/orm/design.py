"""`--design-schema` for an ORM-made file: each column gets the type its ORM creates on PostgreSQL.

The ORM's SQLite spelling of a field type is read back to that field type, and the field type to the
spelling the same ORM uses on PostgreSQL — by principle, from the ORM's own tables where it has them:
- Django: the sqlite3 and postgresql backends' `DatabaseWrapper.data_types` (`char(32)` is UUIDField, which
  is `uuid`; `bigint` is BigIntegerField *or* DurationField; `decimal` loses max_digits/decimal_places);
  a text column under Django's JSONField CHECK (`JSON_VALID`) is JSONField.
- SQLAlchemy: its type compilers, every generic type compiled by the sqlite and the postgresql dialects
  (`CHAR(32)` is Uuid; `DATETIME` is DateTime, DateTime(timezone=True) *or* Interval).
- Rails: Active Record's adapters have no importable table here; `RAILS` below transcribes the
  `NATIVE_DATABASE_TYPES` of its SQLite3 and PostgreSQL adapters (Rails 7/8).
Where one SQLite spelling has several readings with different PostgreSQL types (Django's bigint: BigIntegerField
or DurationField; its integer key: AutoField or BigAutoField; SQLAlchemy's DATETIME: DateTime, DateTime(tz) or
Interval), or its PostgreSQL type has parameters the SQLite one dropped (DecimalField's digits), the file cannot
say which one the model meant: the models decide (`--django-settings`, `--sqlalchemy-models`, see models.py);
without them migrate.py refuses (`undecided`), naming each such column: a schema the app cannot write to
(bigint where it sends an interval) is no migration.

Values are converted to what the ORM reads back: uuid hex -> uuid, Django's integer microseconds and
SQLAlchemy's time-since-1970 DATETIME -> interval, JSON text -> jsonb/json, 0/1 -> boolean, naive text ->
timestamptz in the zone the app wrote (UTC under Django's USE_TZ; --source-tz), Rails' '2000-01-01 hh:mm:ss'
times -> time. A column whose values do not have the shape the type needs keeps the value-led plan; values
the type would refuse or round (uuid hex, a numeric's scale, an enum's labels) are counted by `misfits`.

What it cannot see: without the models, which reading an ambiguous spelling had, a DecimalField's digits and
a native enum; an ORM's own CHECKs written for SQLite storage (`active IN (0, 1)`) are translated as any CHECK
and may not apply to the PostgreSQL type (then listed as not created); Rails' table is a transcription, not
asked of Rails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..errors import UsageError
from ..sqlnames import qs
from ..units import interval_sql
from .detect import Orm
from .models import ModelTypes

# Active Record 7/8: SQLite3Adapter vs PostgreSQLAdapter NATIVE_DATABASE_TYPES (plus datetime's precision 6)
RAILS = {"integer": [("integer", "integer")], "bigint": [("bigint", "bigint")], "varchar": [("string", "varchar")],
         "text": [("text", "text")], "float": [("float", "double precision")], "decimal": [("decimal", "numeric")],
         "datetime": [("datetime", "timestamp")], "datetime(6)": [("datetime", "timestamp(6)")],
         "time": [("time", "time")], "time(6)": [("time", "time(6)")], "date": [("date", "date")],
         "blob": [("binary", "bytea")], "boolean": [("boolean", "boolean")], "json": [("json", "json")]}
_AUTO = ("AutoField", "BigAutoField", "SmallAutoField")
# PostgreSQL types the value-led plan reaches by itself from the same spelling (lengths kept, bytes, doubles)
# a field type whose PostgreSQL spelling has parameters the SQLite one dropped (DecimalField's digits)
MODELS_ONLY = " (its parameters are in the models only)"
UNDECIDED = "the file does not say which"
SAME_AS_VALUES = ("varchar", "character varying", "text", "bytea", "double precision", "float", "real")


@dataclass(frozen=True)
class OrmDesign:
    """What --design-schema knows: the ORM, and the models' own types when given."""

    orm: Orm
    models: ModelTypes | None = None


@dataclass(frozen=True)
class Designed:
    pg_type: str
    rule: str
    reason: str
    select: list[tuple[str, str]]  # (SQLite expression, 'int' | 'real' | 'text')
    finish: str = "none"
    enum: tuple[str, ...] = ()  # a native enum's labels: CREATE TYPE pg_type AS ENUM (...)


@cache
def django_spellings() -> dict[str, tuple[tuple[str, str], ...]]:
    """SQLite spelling -> ((field type, PostgreSQL spelling), ...) from Django's two backends."""
    try:
        from django.db.backends.postgresql.base import DatabaseWrapper as Pg
        from django.db.backends.sqlite3.base import DatabaseWrapper as Lite
    except ImportError as exc:
        raise UsageError(f"--design-schema for a Django file reads Django's own type tables: {exc} "
                         "(pip install django into this environment)") from None

    out: dict[str, list] = {}
    for name, lite in Lite.data_types.items():
        pg = Pg.data_types.get(name)
        if isinstance(lite, str) and isinstance(pg, str) and "%(" not in lite:
            # a PostgreSQL spelling with parameters the SQLite one dropped (DecimalField's digits): said
            said = name + (MODELS_ONLY if "%(" in pg else "")
            out.setdefault(lite.lower(), []).append((said, pg.split("(%")[0]))
    return {k: tuple(v) for k, v in out.items()}


@cache
def sqlalchemy_spellings() -> dict[str, tuple[tuple[str, str], ...]]:
    """SQLite spelling -> ((type, PostgreSQL spelling), ...) from SQLAlchemy's type compilers."""
    import sqlalchemy.types as sat
    from sqlalchemy.dialects import postgresql, sqlite

    lite, pg = sqlite.dialect(), postgresql.dialect()
    out: dict[str, list] = {}
    for name, cls in sorted(vars(sat).items()):
        # the generic (CamelCase) types, and JSON, the one generic spelled in capitals; an Enum has no fixed spelling
        generic = not name.isupper() or name == "JSON"
        if not (isinstance(cls, type) and issubclass(cls, sat.TypeEngine)) or not generic or name == "Enum":
            continue
        try:
            kinds = [cls(), cls(timezone=True)] if name in ("DateTime", "Time") else [cls()]
        except Exception:  # noqa: BLE001 - abstract types and decorators without impl cannot be made
            continue
        for typ in kinds:
            try:
                spelled, target = typ.compile(dialect=lite).lower(), typ.compile(dialect=pg).lower()
            except Exception:  # noqa: BLE001 - abstract or parameter-only types have no spelling
                continue
            out.setdefault(spelled, []).append((repr(typ), target))
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def design_column(design: OrmDesign, table, col, p, rowid_alias: bool, json_checked: bool) -> Designed | str | None:
    """The ORM's PostgreSQL type for one column and how its values get there; a str when the plan keeps the
    value-led type (and says why); None when the ORM spells it the same on both (nothing to design)."""
    target = _target(design, table, col, rowid_alias, json_checked)
    if target is None or isinstance(target, str):
        return target
    pg_type, why, kind = target
    if isinstance(kind, tuple):  # a native enum: its labels as stored text
        present = {k for k, n in (("integer", p.integers), ("real", p.reals), ("blob", p.blobs)) if n}
        if present:
            return f"{design.orm.label}: {why}; kept by its values: {_classes(present)} values"
        return Designed(pg_type, f"{design.orm.name}-enum", f"{why}, which {design.orm.label} creates as the enum "
                        f"type {pg_type} on PostgreSQL; the labels as stored",
                        [(f"CAST({qs(col.name)} AS TEXT)", "text")], enum=kind)
    pg_type = short_type(pg_type)
    if pg_type.startswith(SAME_AS_VALUES) and pg_type != "varchar":
        return None
    conv = _convert(pg_type, kind, col, p)
    if isinstance(conv, str):
        return f"{design.orm.label}: {why}; kept by its values: {conv}"
    select, finish, how = conv
    base = "identity" if rowid_alias else re.split(r"[\s(]", pg_type)[0]
    return Designed(pg_type, f"{design.orm.name}-{base}",
                    f"{why}, which {design.orm.label} creates as {pg_type} on PostgreSQL; {how}", select, finish)


def _target(design: OrmDesign, table, col, rowid_alias: bool, json_checked: bool):
    """(PostgreSQL type, why, the ORM's type name) from the models, else from the file's spelling."""
    if design.models is not None and (m := design.models.get(table.name, col.name)):
        if m.enum:
            return m.pg_type, f"{m.field} is a native Enum ({design.models.source})", m.enum
        return m.pg_type, f"{m.field} is {m.kind} ({design.models.source})", m.kind
    spelled = col.type.strip().lower()
    name = design.orm.name
    readings = {"django": django_spellings, "alembic": sqlalchemy_spellings}.get(name, lambda: RAILS)().get(spelled)
    if not readings:
        return None
    fk = any(col.name.lower() in (c.lower() for c in f.from_columns) for f in table.foreign_keys)
    if name == "django":
        readings = _django_readings(readings, rowid_alias, json_checked, fk)
    if rowid_alias and name != "django":
        readings = [("primary key", "integer" if name == "alembic" else "bigint")]
    elif name == "rails" and fk and spelled == "integer":  # t.references: SQLite says integer, PostgreSQL bigint
        readings = [("a reference to a bigint key", "bigint")]
    targets = sorted({pg for _, pg in readings})
    kinds = " or ".join(k for k, _ in readings)
    if len(targets) == 1 and MODELS_ONLY not in readings[0][0]:
        return targets[0], f"declared {col.type!r} is {readings[0][0]} in {design.orm.label}", readings[0][0]
    created = " or ".join(targets) + (" (digits and scale)" if len(targets) == 1 else "")
    return (f"declared {col.type!r} is {kinds.replace(MODELS_ONLY, '')} in {design.orm.label}, created on "
            f"PostgreSQL as {created}: {UNDECIDED} (the models do: {models_option(design.orm)})")


def models_option(orm: Orm) -> str:
    """The option that names the models for this ORM (Rails has none: its adapters' table is one reading each)."""
    return "--django-settings" if orm.name == "django" else "--sqlalchemy-models"


def undecided(plan) -> list[str]:
    """'table.column: why' for each column whose ORM type the file alone cannot decide (without the models)."""
    return [f"{tp.name}.{c.name}: {n.split(': ' + UNDECIDED)[0]}" for tp in plan.tables for c in tp.columns
            for n in c.notes if UNDECIDED in n]


def short_type(pg_type: str) -> str:
    """The ORM's PostgreSQL spelling in the short form the plan uses ('timestamp with time zone' -> 'timestamptz',
    'numeric(14, 2)' -> 'numeric(14,2)'); timestamp(6)/time(6) are PostgreSQL's default precision."""
    t = re.sub(r"\s*,\s*", ",", pg_type.strip().lower())
    t = re.sub(r"^(timestamp|time)\(6\)", r"\1", t)
    return {"timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
            "time without time zone": "time", "time with time zone": "timetz"}.get(t, t)


def _django_readings(readings, rowid_alias: bool, json_checked: bool, fk: bool) -> list:
    """Auto fields only for the rowid key; JSONField only under its JSON_VALID CHECK, TextField otherwise; a
    foreign key holds keys, not durations."""
    out = [r for r in readings if (r[0] in _AUTO) == rowid_alias or not any(x[0] in _AUTO for x in readings)]
    out = [r for r in out if not (fk and r[0] == "DurationField")]
    if any(r[0] == "JSONField" for r in out):
        out = [r for r in out if (r[0] == "JSONField") == json_checked]
    return out


def _convert(pg_type: str, kind: str, col, p):
    """(select, finish, how) reading the SQLite values as the ORM does, or why they do not fit `pg_type`."""
    q = qs(col.name)
    t = pg_type.lower()
    present = {k for k, n in (("integer", p.integers), ("real", p.reals), ("text", p.texts), ("blob", p.blobs)) if n}
    text = [(f"CAST({q} AS TEXT)", "text")]
    if present - {"integer", "real", "text"}:
        return "BLOB values"
    if t in ("uuid", "inet", "jsonb", "json", "varchar"):
        return (text, "none", "text as stored") if present <= {"text"} else f"{_classes(present)} values"
    if t == "interval":
        if kind.startswith("Interval") and present <= {"text"} and p.ts_texts == p.texts:
            return [(interval_sql(q, None), "text")], "none", "the time since 1970-01-01 as SQLAlchemy stores it"
        if present <= {"integer"}:
            return [(interval_sql(q, "us"), "text")], "none", "integer microseconds, as Django stores a duration"
        return f"{_classes(present)} values"
    if t.startswith("timestamp"):
        if present <= {"text"} and p.ts_texts == p.texts:
            zone = " read in --source-tz (UTC unless the models say)" if t == "timestamptz" else ""
            return text, "none", f"text timestamps{zone}"
        return "values that are not text timestamps"
    if t == "boolean":
        if present <= {"integer"} and not p.non_bool_ints:
            return [(q, "int")], "none", "0/1"
        if present <= {"text"} and p.bool_texts == p.texts:
            return [(f"lower(trim({q}))", "text")], "none", "boolean words"
        return "values other than 0/1"
    if t.startswith("time"):
        return _time(q, p, present)
    if t == "date":
        return (text, "none", "YYYY-MM-DD") if present <= {"text"} and p.date_only == p.texts else "not all dates"
    if t.startswith(("numeric", "decimal")):
        if present <= {"integer", "real"}:
            return [(f"CASE WHEN typeof({q})='real' THEN {q} END", "real"),
                    (f"CASE WHEN typeof({q})<>'real' THEN CAST({q} AS TEXT) END", "text")], "real-split", \
                "numbers (reals as shortest round-trip digits)"
        return f"{_classes(present)} values"
    if t in ("smallint", "integer", "bigint"):
        return ([(q, "int")], "none", "integers") if present <= {"integer"} else f"{_classes(present)} values"
    return f"no conversion to {pg_type} is known here"


def _time(q: str, p, present: set) -> tuple | str:
    """A time of day; Rails stores one as '2000-01-01 hh:mm:ss[.ffffff]': the part after the date."""
    if not present <= {"text"}:
        return f"{_classes(present)} values"
    if p.time_texts == p.texts:
        return [(f"CAST({q} AS TEXT)", "text")], "none", "HH:MM[:SS[.ffffff]]"
    dated = f"{q} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-2][0-9]:*'"
    return [(f"CASE WHEN {dated} THEN substr({q}, 12) ELSE CAST({q} AS TEXT) END", "text")], "none", \
        "the time of day after the date Rails stores it with (2000-01-01)"


def _classes(present: set) -> str:
    return "/".join(sorted(present))


def _misfit_sql(cplan) -> str | None:
    """SQLite condition: a value the designed type would refuse or round (None: the profile already knew)."""
    q, t = qs(cplan.name), cplan.pg_type
    if cplan.enum:
        labels = ", ".join("'" + x.replace("'", "''") + "'" for x in cplan.enum)
        return f"{q} IS NOT NULL AND CAST({q} AS TEXT) NOT IN ({labels})"
    if t == "uuid":
        return f"typeof({q}) = 'text' AND NOT (length({q}) = 32 AND {q} NOT GLOB '*[^0-9a-fA-F]*')"
    m = re.fullmatch(r"numeric\((\d+),(\d+)\)", t)
    if m and cplan.finish == "real-split":
        p, s = int(m.group(1)), int(m.group(2))
        return (f"typeof({q}) IN ('integer', 'real') AND (CAST(printf('%.{s}f', {q}) AS REAL) <> {q} "
                f"OR abs({q}) >= 1e{p - s})")
    return None


def misfits(source, plan) -> list[str]:
    """Per designed column, the values its ORM type would refuse or round: count and the first rowid, in one
    line each (checked before anything is written; one scan per table)."""
    out = []
    for tp in plan.tables:
        checked = [(c, cond) for c in tp.columns if c.rule.startswith(f"{plan.options.design.orm.name}-")
                   and (cond := _misfit_sql(c)) is not None]
        if not checked:
            continue
        rowid = "NULL" if tp.table.without_rowid else "rowid"
        parts = [f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END), min(CASE WHEN {cond} THEN {rowid} END)"
                 for _, cond in checked]
        row = source.query(f"SELECT {', '.join(parts)} FROM {qs(tp.name)}")[0]
        for i, (c, _) in enumerate(checked):
            n, first = row[2 * i], row[2 * i + 1]
            if n:
                at = f" (first at rowid {first})" if first is not None else ""
                out.append(f"{tp.name}.{c.name}: {n} value(s) that {c.pg_type} would refuse or round{at}; "
                           f"{c.reason.split(';')[0]}")
    return out
