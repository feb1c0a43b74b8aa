"""Schema usability: is each PostgreSQL column of the type the application's ORM would have created?

The ORM says the type (Django: `field.db_type(connection)` of a PostgreSQL connection; SQLAlchemy:
`column.type.compile(postgresql.dialect())`); the catalog says what the column is (format_type). Both
spellings are brought to one form (varchar = character varying, int8 = bigint, timestamptz = timestamp with
time zone, serial = integer, 'numeric(14, 2)' = 'numeric(14,2)', quotes and schema dropped from type names).

The rule, the same for every ORM:
- the same type: usable;
- harmless, said as a note: a wider integer (integer where smallint was expected, bigint where integer), double
  precision where real, a longer varchar or text where varchar(n), varchar without length where text,
  numeric(p2,s) with p2 >= p and the same scale, jsonb where json, and (Django with USE_TZ = False only)
  timestamp where timestamptz — every value the app writes fits and every lookup it makes works;
- anything else fails, naming model, field and both types: a narrower type refuses values the app may write
  (varchar(32) for a uuid's 36 characters, integer for a bigint), another type breaks lookups or reads
  (`character varying = uuid`, `bigint > interval`, `text -> unknown`), a numeric without scale reads back
  other scales than the model's, a timestamp without zone shifts aware datetimes, json where jsonb breaks
  containment lookups.
It cannot see: CHECK constraints, defaults, indexes and collations the ORM would add (the schema check
compares those with SQLite); whether a type the ORM does not create (a domain, citext) is what the app's own
migrations made on purpose — it is judged as any other difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..verify.catalog import PgTable
from ..verify.outcome import Finding, Outcome, failed, passed
from ..verify.pairing import match_name

_ALIASES = {"varchar": "character varying", "int": "integer", "int4": "integer", "serial": "integer",
            "serial4": "integer", "int8": "bigint", "bigserial": "bigint", "serial8": "bigint", "int2": "smallint",
            "smallserial": "smallint", "serial2": "smallint", "float8": "double precision", "float4": "real",
            "bool": "boolean", "decimal": "numeric", "timestamptz": "timestamp with time zone",
            "timestamp": "timestamp without time zone", "time": "time without time zone",
            "timetz": "time with time zone", "char": "character", "bpchar": "character",
            "varbit": "bit varying"}
_INTEGERS = ["smallint", "integer", "bigint"]
_TYPE = re.compile(r'^(?P<pre>[^(\[]+?)\s*(?:\((?P<args>[^)]*)\)(?P<post>[^(\[]*))?(?P<arr>(?:\[\d*\])*)$')


@dataclass(frozen=True)
class PgType:
    base: str  # 'character varying', 'numeric', 'tier' (an enum, unqualified)
    args: tuple[int, ...] = ()  # (80,), (14, 2); () when unbounded
    array: int = 0  # dimensions

    def __str__(self) -> str:
        inner = f"({','.join(map(str, self.args))})" if self.args else ""
        if self.base.startswith(("timestamp ", "time ")) and inner:
            head, _, rest = self.base.partition(" ")
            return f"{head}{inner} {rest}" + "[]" * self.array
        return f"{self.base}{inner}" + "[]" * self.array


def canonical(spelling: str) -> PgType:
    """One form for a type however PostgreSQL, Django or SQLAlchemy spell it."""
    text = " ".join(spelling.strip().lower().split())
    m = _TYPE.match(text)
    if m is None:
        return PgType(text)
    base = " ".join((m["pre"] + " " + (m["post"] or "")).split())
    if base.startswith("float") and m["args"]:  # float(p): real up to 24 binary digits, else double precision
        return PgType("real" if int(m["args"]) <= 24 else "double precision", (), m["arr"].count("["))
    base = base.split(".")[-1].strip('"') if '"' in base or "." in base else base
    if base in ("float", "double"):
        base = "double precision"
    words = base.split(" ", 1)
    if words[0] in ("timestamp", "time") and len(words) > 1:
        base = ("timestamptz" if words[0] == "timestamp" else "timetz") if words[1] == "with time zone" else words[0]
    args = tuple(int(a) for a in m["args"].split(",")) if m["args"] and m["args"].replace(",", "").replace(
        " ", "").isdigit() else ()
    return PgType(_ALIASES.get(base, base), args, m["arr"].count("["))


def judge(expected: PgType, actual: PgType, naive_ok: bool = False) -> tuple[str, str]:
    """('same' | 'note' | 'fail', why) for a column the ORM would make `expected` and PostgreSQL holds as `actual`."""
    if expected == actual:
        return "same", ""
    if expected.array != actual.array:
        return "fail", "array dimensions differ"
    e, a = expected.base, actual.base
    if e in _INTEGERS and a in _INTEGERS:
        wider = _INTEGERS.index(a) > _INTEGERS.index(e)
        return ("note", "a wider integer: every value fits") if wider else ("fail", "narrower: larger values fail")
    if (e, a) == ("real", "double precision"):
        return "note", "a wider float: every value fits"
    if (e, a, actual.args) == ("text", "character varying", ()):
        return "note", "varchar without a length holds every text"
    if e == "character varying" and a in ("character varying", "text"):
        if not actual.args or (expected.args and actual.args[0] >= expected.args[0]):
            return "note", "longer texts allowed than the model's max_length/length"
        return "fail", "shorter: texts the model allows are refused"
    if e == "numeric" and a == "numeric" and expected.args and actual.args:
        ep, es = (expected.args + (0,))[:2]
        ap, as_ = (actual.args + (0,))[:2]
        if as_ == es and ap >= ep:
            return "note", "more digits allowed, the same scale"
    if (e, a) == ("json", "jsonb"):
        return "note", "jsonb reads and accepts every json value the app writes"
    if naive_ok and (e, a) == ("timestamp with time zone", "timestamp without time zone") and \
            expected.args == actual.args:
        return "note", "USE_TZ = False: the app reads and writes naive local times, which timestamp keeps"
    return "fail", _why(e, a, expected, actual)


def _why(e: str, a: str, expected: PgType, actual: PgType) -> str:
    if e == a == "numeric":
        return "another precision or scale: values read back with another scale, or do not fit"
    if e == a:
        return "another length or precision: values the app writes are cut or refused"
    if e.startswith("timestamp") and a.startswith("timestamp"):
        return "the app's aware datetimes lose their zone or shift" if "with " in e else \
            "the app's naive datetimes are shifted by the session time zone"
    return f"another type: the app's writes and lookups are made for {e} ({a} = {e} does not exist in PostgreSQL, " \
        "or converts silently)"


@dataclass(frozen=True)
class Expected:
    """One column the ORM maps: where it is, which field, and the type the ORM would create."""

    table: str
    column: str
    field: str  # the model's field (or 'tags (link table x.y)')
    type: str  # as the ORM spells it


def check_usability(check: str, label: str, expected: list[Expected], catalog: dict[str, PgTable], schema: str,
                    naive_ok: bool = False, unknown: list[str] | None = None) -> Outcome:
    """Every expected column present with a usable type; notes for harmless differences (in the summary)."""
    findings, notes, same = [], [], 0
    for x in expected:
        tname = match_name(x.table, list(catalog))
        if tname is None:
            said = f"{label}: table {x.table} missing in PostgreSQL schema {schema}"
            if all(f.text != said for f in findings):
                findings.append(Finding(said, None, "missing-table"))
            continue
        col = catalog[tname].column(x.column)
        if col is None:
            findings.append(Finding(f"{label}.{x.field}: column {x.table}.{x.column} missing in PostgreSQL",
                                    x.field, "missing-column"))
            continue
        want, have = canonical(x.type), canonical(col.type)
        verdict, why = judge(want, have, naive_ok)
        if verdict == "fail":
            findings.append(Finding(f"{label}.{x.field} ({x.table}.{x.column}): the ORM creates {want}, PostgreSQL "
                                    f"has {have}: {why}", x.field, "orm-type"))
        elif verdict == "note":
            notes.append(f"{x.field}: {have} for {want} ({why})")
        else:
            same += 1
    said = f"{same} of {len(expected)} column(s) of the type the ORM creates"
    said += "".join(f"; note: {n}" for n in notes) + "".join(f"; not judged: {u}" for u in unknown or [])
    if findings:
        return failed(check, label, f"{len(findings)} column(s) the app cannot use as it expects; {said}", findings)
    return passed(check, label, said)
