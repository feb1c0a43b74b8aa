"""How one column is compared: the rule inferred from the two schemas, never from the migration tool.

A rule says what to read on each side and how to turn both into the same canonical Arrow values,
so that canonical values are equal exactly when the application would read equal values: a last
float bit, one character, a zone shift, '' vs NULL, 19.99 vs 19.989999999999998 all differ.

The rules, by PostgreSQL type: integers exactly; doubles (and float4) bit for bit, an integer only
when a double holds it exactly, or within --float-tolerance (exact_numbers.double_bits); numeric as
exact decimal text (exact_numbers); boolean from 0/1 or boolean words; timestamp/timestamptz/date
as microseconds/days (naive text in --source-tz by pgparity.timeconv); bytea as bytes; json/jsonb as
canonical JSON (json_values); uuid, interval, inet/cidr, time (orm_values); anything else as text.
Integers going into interval/timestamp/date are read in the unit migrate.py --data-only loads them in
(pgparity.units: the stated --interval-unit/--epoch-unit, else Django's microseconds, else the one
1973..2242 band holding every epoch); with no evidence the unit is assumed (µs, s) and the rule says so.

Cannot see: what an application's driver does beyond the value (a Decimal's scale, 1.0 vs 1 in
JSON, a uuid's spelling in SQLite text); a tolerance only applies to doubles; an assumed unit can be
wrong in a way both sides agree on (a copy loaded in the same wrong unit passes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pyarrow as pa
import pyarrow.compute as pc

# TRUE_WORDS/FALSE_WORDS are also read from here (verify/booleans.py)
from ..boolean_words import FALSE_WORDS, TRUE_WORDS, arrow_word, sql_list, sqlite_word
from ..reader import real_as_text
from ..sqlnames import qi, qs
from ..timeconv import local_to_utc_us
from ..units import NO_INTEGERS, WORDS, UnitEvidence, stated
from .exact_numbers import PG_DECIMAL, decimal_text, double_bits, double_text, exact_in_double, int_text
from .json_values import canonical_json
from .orm_values import (
    MICROS,
    inet_text,
    interval_from_pg,
    interval_from_text,
    interval_pg_select,
    time_from_pg,
    time_from_text,
    uuid_from_blob,
    uuid_from_pg,
    uuid_from_text,
)

_ISO = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_ISO_TZ = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$"


@dataclass(frozen=True)
class Settings:
    schema: str = "public"
    source_tz: str = "UTC"
    float_tolerance: float = 0.0  # relative; 0 = bit-exact
    examples: int = 10
    nul_policy: str = "fail"  # 'fail': a stripped NUL is a difference; 'strip': NULs are expected gone
    # the unit of SQLite integers compared with interval / timestamp / date, as stated by the user
    # ('us' | 'ms' | 's'); None: decided as migrate.py does (pgparity.units), assumed only when nothing shows it
    interval_unit: str | None = None
    epoch_unit: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str  # e.g. 'int', 'bool-from-0/1', 'timestamp-text', 'float-exact'
    description: str
    src_select: tuple[tuple[str, str], ...]  # (SQLite expression, 'int'|'real'|'text'|'blob')
    pg_select: str
    # canonical value type: 'int', 'float' (double bits), 'ts'/'tstz' (µs), 'date' (days), 'interval' (µs),
    # 'time' (µs since midnight) -> int64; 'text', 'dec' (exact decimal text), 'uuid' (32 hex), 'inet',
    # 'json' (canonical JSON text) -> string; 'bytes' -> binary
    canon: str
    classes: tuple[tuple[str, ...], ...] = ()  # per src_select: the storage classes it passes (plain reads)
    unit: str = ""  # interval/epoch rules: the unit SQLite integers are read in ('us' | 'ms' | 's')
    assumed: str = ""  # non-empty when nothing decided that unit: what to tell the user (pass --...-unit)


# the unit integers are read in when neither the user nor the file says: Django's, and unix time
ASSUMED_UNIT = {"interval": ("us", "--interval-unit"), "epoch": ("s", "--epoch-unit")}


def read_unit(kind: str, unit: UnitEvidence | None, s: Settings) -> tuple[str, str, str]:
    """(unit, how a description says it, the advice when it is assumed) for 'interval' or 'epoch' integers.

    `unit` is the evidence the comparison found (pgparity.units, as migrate.py decides); None: none was
    looked for, then only the user's statement in `s` decides."""
    default, option = ASSUMED_UNIT[kind]
    stated_unit = s.interval_unit if kind == "interval" else s.epoch_unit
    if unit is None and stated_unit:
        unit = stated(option, stated_unit)
    if unit is not None and unit.unit:
        return unit.unit, f"{WORDS[unit.unit]}: {unit.evidence}", ""
    if kind == "epoch" and unit is not None and unit.evidence == NO_INTEGERS:
        return default, f"{WORDS[default]} (none present)", ""
    why = unit.evidence if unit is not None else f"no {option} given"
    advice = (f"integers read as {WORDS[default]} by assumption ({why}); if they are in another unit, "
              f"pass {option} {{us,ms,s}} to migrate.py --data-only and to the checks")
    return default, f"{WORDS[default]} ASSUMED ({why}; pass {option} if not)", advice


def _base(pg_type: str) -> str:
    return re.sub(r"\(.*?\)", "", pg_type).strip()


_CAST = {"int": "{c}", "real": "CAST({c} AS REAL)", "text": "CAST({c} AS TEXT)", "blob": "{c}"}


def _pick(c: str, classes: tuple[str, ...], kind: str) -> tuple[str, str]:
    """A source select passing only values stored as `classes`, read as `kind`."""
    where = ",".join(f"'{k}'" for k in classes)
    return f"CASE WHEN typeof({c}) IN ({where}) THEN {_CAST[kind].format(c=c)} END", kind


def _split(c: str, p: str, name: str, description: str, canon: str,
           parts: tuple[tuple[tuple[str, ...], str], ...], pg_select: str | None = None) -> Rule:
    """A rule whose source selects split the column by storage class (so a plain read splits alike)."""
    return Rule(name, description, tuple(_pick(c, cl, k) for cl, k in parts), pg_select or p, canon,
                tuple(cl for cl, _ in parts))


_INT, _REAL, _TEXT, _BLOB = ("integer",), ("real",), ("text",), ("blob",)
_NUMS = ("integer", "real")


def _orm_rule(c: str, p: str, base: str, s: Settings, unit: UnitEvidence | None) -> Rule | None:
    """Rules for the PostgreSQL types ORMs map onto: uuid, interval, inet/cidr, time."""
    if base == "uuid":
        return _split(c, p, "uuid", "UUIDs: 32 hex digits, with or without dashes, any case, or 16-byte blobs",
                      "uuid", ((_TEXT, "text"), (_BLOB, "blob"), (_NUMS, "text")), f"{p}::text")
    if base.startswith("interval"):
        n, words, advice = read_unit("interval", unit, s)
        rule = _split(c, p, "interval", f"durations in microseconds (SQLite numbers in {words}; timedelta text, "
                      "or SQLAlchemy's time since 1970-01-01); an interval with months is a difference",
                      "interval", ((_INT, "int"), (_TEXT, "text"), (("real", "blob"), "text")),
                      interval_pg_select(p))
        return replace(rule, unit=n, assumed=advice)
    if base in ("inet", "cidr"):
        return _split(c, p, "inet", f"network addresses vs {base} ('10.0.2.2' is '10.0.2.2/32', IPv6 normalised)",
                      "inet", ((_TEXT, "text"), (("integer", "real", "blob"), "text")), f"{p}::text")
    if base == "time without time zone":
        return _split(c, p, "time", "times of day to the microsecond ('08:30' is '08:30:00')",
                      "time", ((_TEXT, "text"), (("integer", "real", "blob"), "text")), p)
    return None


def _number_rule(c: str, p: str, base: str, s: Settings) -> Rule | None:
    if base in ("smallint", "integer", "bigint"):
        return _split(c, p, "int", "integers compared exactly", "int",
                      ((_INT, "int"), (("real", "text", "blob"), "text")))
    if base in ("double precision", "real"):
        how = "bit-exact" if not s.float_tolerance else f"within relative {s.float_tolerance:g}"
        kept = "a double" if base == "double precision" else "a float4 (a double that is not one is a difference)"
        return _split(c, p, "float", f"IEEE doubles {how}; an integer must be exactly {kept}", "float",
                      ((_INT, "int"), (_REAL, "real"), (("text", "blob"), "text")), f"{p}::float8")
    if base == "numeric":
        return _split(c, p, "numeric", "exact decimals: integers as written, reals as the shortest decimal of "
                      "the double, numeric text as its number (19.99 is not 19.989999999999998)", "dec",
                      ((_INT, "int"), (_REAL, "real"), (_TEXT, "text"), (_BLOB, "text")), PG_DECIMAL.format(p=p))
    return None


def infer(src_name: str, declared: str, pg_name: str, pg_type: str, s: Settings,
          unit: UnitEvidence | None = None) -> Rule:
    """The comparison rule for one SQLite column and its PostgreSQL counterpart.

    No value scan is needed: every rule reads SQLite values of any storage class, and a value that
    cannot match the target's type becomes an 'odd' marker that differs from anything PostgreSQL holds.
    `unit`: for an interval/timestamp/date target, the unit of the column's integers as the comparison
    found it (pgparity.units, the evidence migrate.py uses); None: the user's statement in `s`, else assumed.
    """
    c, p = qs(src_name), qi(pg_name)
    base = _base(pg_type)
    rule = _number_rule(c, p, base, s) or _orm_rule(c, p, base, s, unit)
    if rule:
        return rule
    if base == "boolean":
        t, f, w = sql_list(TRUE_WORDS), sql_list(FALSE_WORDS), sqlite_word(c)
        expr = (f"CASE WHEN {c} IS NULL THEN NULL WHEN typeof({c}) IN ('integer','real') AND {c} IN (0,1) "
                f"THEN CAST({c} AS INTEGER) WHEN typeof({c})='text' AND {w} IN ({t}) THEN 1 "
                f"WHEN typeof({c})='text' AND {w} IN ({f}) THEN 0 END")
        other = f"CASE WHEN {c} IS NOT NULL AND ({expr}) IS NULL THEN CAST({c} AS TEXT) END"
        return Rule("bool", "SQLite 0/1 or boolean words vs boolean (any other value is a difference)",
                    ((expr, "int"), (other, "text")), f"{p}::int", "int")
    if base in ("timestamp without time zone", "timestamp with time zone", "date"):
        canon = {"timestamp without time zone": "ts", "timestamp with time zone": "tstz", "date": "date"}[base]
        src = ((f"CASE WHEN typeof({c})='integer' THEN {c} END", "int"),
               (f"CASE WHEN typeof({c})<>'integer' THEN CAST({c} AS TEXT) END", "text"))
        zone = f", naive ones read in {s.source_tz} (a doubled time: the later; a skipped one: the " \
               "offset before the change)" if canon == "tstz" else ""
        n, words, advice = read_unit("epoch", unit, s)
        return Rule(canon, f"text timestamps{zone} (integers as unix epochs in {words}) vs {base}, to the "
                    "microsecond", src, p, canon, unit=n, assumed=advice)
    if base == "bytea":
        return Rule("bytes", "bytes compared exactly (text as its UTF-8 bytes)",
                    ((f"CAST({c} AS BLOB)", "blob"),), p, "bytes")
    if base in ("json", "jsonb"):
        return Rule("json", "JSON compared as the values an application reads: key order and spacing ignored, "
                    "numbers exact, a duplicate key as each side's reader resolves it (SQLite: the first, "
                    "PostgreSQL: the last)", ((f"CAST({c} AS TEXT)", "text"),), f"{p}::text", "json")
    pg_expr = p if base in ("text", "character varying", "character") else f"{p}::text"
    what = "citext compared exactly (case-insensitivity is a property of the schema, not of the values)" \
        if base == "citext" else "text compared exactly"
    return Rule("text", f"{what} (trailing spaces, '' vs NULL, every character; reals as shortest round-trip text)",
                ((f"CASE WHEN typeof({c})='real' THEN {c} END", "real"),
                 (f"CASE WHEN typeof({c})<>'real' THEN CAST({c} AS TEXT) END", "text")), pg_expr, "text")


_ARROW = {"int": pa.int64(), "real": pa.float64(), "text": pa.string(), "blob": pa.binary()}


def _storage_class(t: pa.DataType) -> str | None:
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t):
        return "real"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "text"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "blob"
    return None  # all NULL


def _split_by_class(rule: Rule, raw: pa.Array) -> list[pa.Array]:
    stored = _storage_class(raw.type)
    if stored == "blob" and not any("blob" in cl and "text" in cl for cl in rule.classes) \
            and any("text" in cl for cl in rule.classes):
        # the driver reads text and blobs mixed in one column as binary: only the expressions tell them apart
        raise pa.ArrowInvalid(f"{rule.name}: blobs and text are read differently; read by storage class")
    out = []
    for classes, (_, kind) in zip(rule.classes, rule.src_select):
        typ = _ARROW[kind]
        out.append(raw.cast(typ) if stored in classes else pa.nulls(len(raw), typ))
    return out


def split_raw(rule: Rule, raw: pa.Array) -> list[pa.Array]:
    """The arrays `rule.src_select` would give, made from the column read as it is stored.

    A plain `SELECT col` is several times cheaper in SQLite than the CASE expressions; it works
    whenever a column holds one storage class (ADBC then types it), and this makes the same inputs
    from it. Tables where a read fails fall back to the expressions.
    """
    if rule.classes:
        return _split_by_class(rule, raw)
    n = len(raw)
    t = raw.type
    is_int, is_real = pa.types.is_integer(t), pa.types.is_floating(t)
    is_text, is_blob = pa.types.is_string(t) or pa.types.is_large_string(t), pa.types.is_binary(t)
    null = pa.types.is_null(t)
    none_i, none_s = pa.nulls(n, pa.int64()), pa.nulls(n, pa.string())
    if rule.name == "bool":
        if is_int or is_real:
            ok = pc.is_in(raw.cast(pa.float64()), pa.array([0.0, 1.0]))
            vals = pc.if_else(ok, raw.cast(pa.int64()), pa.scalar(None, pa.int64()))
            return [vals, pc.if_else(ok, pa.scalar(None, pa.string()), raw.cast(pa.string()))]
        if is_text:
            vals = arrow_word(raw)
            return [vals, pc.if_else(pc.is_null(vals), raw, pa.scalar(None, pa.string()))]
        return [none_i, none_s if null else raw.cast(pa.string())]
    if rule.canon in ("ts", "tstz", "date"):
        if is_int:
            return [raw.cast(pa.int64()), none_s]
        return [none_i, none_s if null else raw.cast(pa.string())]
    if rule.canon == "bytes":
        return [none_s.cast(pa.binary()) if null else (raw if is_blob else raw.cast(pa.binary()))]
    if rule.canon == "json":
        return [none_s if null else raw.cast(pa.string())]
    if is_real:
        return [raw.cast(pa.float64()), none_s]
    return [pa.nulls(n, pa.float64()), none_s if null else raw.cast(pa.string())]


def _src_float(arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    ints, reals, odd = (a.cast(_ARROW[k]) for a, k in zip(arrays, ("int", "real", "text")))
    exact = pc.fill_null(exact_in_double(ints), True)
    from_int = pc.if_else(exact, ints.cast(pa.float64(), safe=False), pa.scalar(None, pa.float64()))
    inexact = pc.if_else(exact, _NULL_TEXT, int_text(ints))  # 2^53 + 1 has no double: never equal to one
    return [double_bits(pc.coalesce(reals, from_int), s.float_tolerance), pc.coalesce(odd, inexact)]


def _src_decimal(arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    ints, reals, texts, blobs = arrays
    norm, bad = decimal_text(texts)
    value = pc.coalesce(int_text(ints), double_text(reals), norm)
    odd = pc.coalesce(pc.if_else(bad, texts.cast(pa.string()), _NULL_TEXT),
                      pc.binary_join_element_wise("blob:", blobs.cast(pa.string()), ""))
    return [value, odd]


def _src_uuid(arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    texts, blobs, other = arrays
    v1, o1 = uuid_from_text(texts)
    v2, o2 = uuid_from_blob(blobs)
    return [pc.coalesce(v1, v2), pc.coalesce(o1, o2, other.cast(pa.string()))]


def _src_interval(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    ints, texts, other = arrays
    unit = rule.unit or "us"
    v, o = interval_from_text(texts, unit)
    scaled = pc.multiply(ints.cast(pa.int64()), MICROS[unit])
    return [pc.coalesce(scaled, v), pc.coalesce(o, other.cast(pa.string()))]


def _src_time(arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    v, o = time_from_text(arrays[0])
    return [v, pc.coalesce(o, arrays[1].cast(pa.string()))]


def _src_inet(arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    v, o = inet_text(arrays[0])
    return [v, pc.coalesce(o, arrays[1].cast(pa.string()))]


def _src_times(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    epochs, texts = arrays
    parsed, bad = _parse_times(texts, rule.canon, s.source_tz)
    from_epoch = pc.multiply(epochs.cast(pa.int64()), MICROS[rule.unit or "s"])
    if rule.canon == "date":
        from_epoch = pc.divide(from_epoch, 86_400_000_000)
    return [pc.coalesce(from_epoch, parsed), pc.if_else(bad, texts.cast(pa.string()), _NULL_TEXT)]


def _src_text(arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    reals, texts = arrays
    text = texts.cast(pa.string())
    if reals.null_count < len(reals):  # reals present: the migration's rendering of a real in text
        text = pc.coalesce(real_as_text(reals.cast(pa.float64())), text)
    if s.nul_policy == "strip":
        text = pc.replace_substring(text, "\x00", "")
    return [text, _nulls(text)]


_SOURCE = {"float": _src_float, "dec": _src_decimal, "uuid": _src_uuid,
           "time": _src_time, "inet": _src_inet, "text": _src_text}


def canonical_source(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    """Canonical values from the SQLite side's raw arrays: [value, odd-marker]."""
    if rule.canon in ("ts", "tstz", "date"):
        return _src_times(rule, arrays, s)
    if rule.canon == "interval":
        return _src_interval(rule, arrays, s)
    if rule.canon == "int":
        return [arrays[0].cast(pa.int64()), arrays[1].cast(pa.string())]
    if rule.canon == "bytes":
        return [arrays[0].cast(pa.binary()), _nulls(arrays[0])]
    if rule.canon == "json":
        return [canonical_json(arrays[0], first_wins=True), _nulls(arrays[0])]
    return _SOURCE[rule.canon](arrays, s)


def _tgt_times(rule: Rule, array: pa.Array) -> pa.Array:
    if rule.canon == "date":
        return array.cast(pa.date32()).cast(pa.int32()).cast(pa.int64())
    return array.cast(pa.timestamp("us", tz="UTC") if rule.canon == "tstz" else pa.timestamp("us")).cast(pa.int64())


def canonical_target(rule: Rule, array: pa.Array, s: Settings) -> list[pa.Array]:
    """Canonical values from the PostgreSQL side's array: [value, odd-marker (null unless the value has no
    SQLite counterpart, such as an interval holding months)]."""
    if isinstance(array.type, pa.ExtensionType):
        array = array.storage
    if rule.canon == "interval":
        return list(interval_from_pg(array))
    if rule.canon == "inet":
        value, odd = inet_text(array)
        return [value, odd]
    if rule.canon in ("ts", "tstz", "date"):
        value = _tgt_times(rule, array)
    elif rule.canon == "float":
        value = double_bits(array.cast(pa.float64()), s.float_tolerance)
    elif rule.canon == "dec":
        value = array.cast(pa.string())  # normalised by PostgreSQL (PG_DECIMAL)
    elif rule.canon == "uuid":
        value = uuid_from_pg(array)
    elif rule.canon == "time":
        value = time_from_pg(array)
    elif rule.canon == "bytes":
        value = array.cast(pa.binary())
    elif rule.canon == "json":
        value = canonical_json(array.cast(pa.string()), first_wins=False)
    elif rule.canon == "int":
        value = array.cast(pa.int64())
    else:
        value = array.cast(pa.string())
    return [value, _nulls(array)]


_NULL_TEXT = pa.scalar(None, pa.string())


def _nulls(like: pa.Array) -> pa.Array:
    return pa.nulls(len(like), pa.string())


def _parse_times(texts: pa.Array, canon: str, source_tz: str) -> tuple[pa.Array, pa.Array]:
    """(microseconds or days since the epoch, True where a non-null text could not be read)."""
    texts = texts.cast(pa.string())
    if canon == "ts":  # fast path: every value plain ISO 8601 ('T' or space), as almost always
        try:
            us = texts.cast(pa.timestamp("us")).cast(pa.int64())
            return us, pc.and_(pc.is_valid(texts), pc.is_null(us))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    naive_ok = pc.match_substring_regex(texts, _ISO)
    zoned_ok = pc.match_substring_regex(texts, _ISO_TZ)
    norm = pc.replace_substring_regex(texts, r"^(\d{4}-\d{2}-\d{2})T", r"\1 ")
    naive = pc.if_else(naive_ok, norm, pa.scalar(None, pa.string()))
    zoned = pc.if_else(zoned_ok, pc.replace_substring_regex(norm, r"Z$", "+00:00"), pa.scalar(None, pa.string()))
    us_naive = _cast_each(naive, pa.timestamp("us"))
    if canon == "tstz":
        us = pc.coalesce(local_to_utc_us(us_naive, source_tz),
                         _cast_each(zoned, pa.timestamp("us", tz="UTC")).cast(pa.int64()))
    else:
        us = pc.coalesce(us_naive.cast(pa.int64()),
                         _cast_each(zoned, pa.timestamp("us", tz="UTC")).cast(pa.int64()))
    if canon == "date":  # a time of day other than midnight cannot live in a date: that value differs
        midnight = pc.equal(pc.subtract(us, pc.multiply(pc.divide(us, 86_400_000_000), 86_400_000_000)), 0)
        us = pc.if_else(pc.fill_null(midnight, False), pc.divide(us, 86_400_000_000), pa.scalar(None, pa.int64()))
    bad = pc.and_(pc.is_valid(texts), pc.is_null(us))
    return us, bad


def _cast_each(arr: pa.Array, typ: pa.DataType) -> pa.Array:
    try:
        return arr.cast(typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = []  # rare path: a date that matches the pattern but does not exist (2024-02-30)
        for v in arr.to_pylist():
            try:
                out.append(pa.array([v]).cast(typ)[0].as_py() if v is not None else None)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                out.append(None)
        return pa.array(out, typ)

