"""How one column is compared: the rule inferred from the two schemas, never from the migration tool.

A rule says what to read on each side and how to turn both into the same canonical Arrow values,
so that canonical values are equal exactly when the application would read equal values: a last
float bit, one character, a zone shift, '' vs NULL, 19.99 vs 19.989999999999998 all differ.

The rules, by PostgreSQL type: integers exactly; doubles (and float4) bit for bit, an integer only
when a double holds it exactly, or within --float-tolerance (exact_numbers.double_bits); numeric as
exact decimal text (exact_numbers); boolean from 0/1 or boolean words (pgparity.boolean_words);
timestamp/timestamptz/date as microseconds/days (naive text in --source-tz by pgparity.timeconv);
bytea as bytes; json/jsonb as canonical JSON (json_values); uuid, interval, inet/cidr, time
(orm_values); anything else as text.
Integers going into interval/timestamp/date are read in the unit migrate.py --data-only loads them in
(pgparity.units: the stated --interval-unit/--epoch-unit, else Django's microseconds, else the one
1973..2242 band holding every epoch); with no evidence the unit is assumed (µs, s) and the rule says so.

Each rule is one row of RULES, written once: which SQLite storage classes it reads and as what
(`parts`), what PostgreSQL returns for it (`pg`), the Arrow functions that make both sides canonical,
and the sentence a report shows. The SQLite SQL (one CASE per part) and the split of a plain
`SELECT col` into the same parts are derived from `parts`; every conversion of a value happens once,
in Arrow, so the two ways of reading SQLite cannot disagree on what a value means.

Cannot see: what an application's driver does beyond the value (a Decimal's scale, 1.0 vs 1 in
JSON, a uuid's spelling in SQLite text); a tolerance only applies to doubles; an assumed unit can be
wrong in a way both sides agree on (a copy loaded in the same wrong unit passes). A real that a rule
reads as text (a double in a timestamp column) is a difference either way, but the example shows it
as SQLite spells it ('1.0e+100') or as Arrow does ('1e+100'), depending on how the table was read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa
import pyarrow.compute as pc

# TRUE_WORDS/FALSE_WORDS are also read from here (verify/booleans.py)
from ..boolean_words import FALSE_WORDS, TRUE_WORDS, arrow_word
from ..sqlnames import qi, qs
from ..timeconv import local_to_utc_us
from ..units import NO_INTEGERS, WORDS, UnitEvidence, stated
from .exact_numbers import (
    PG_DECIMAL,
    decimal_text,
    double_bits,
    double_text,
    exact_in_double,
    int_text,
    real_as_text,
)
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

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "Rule", "Settings", "canonical_source", "canonical_target", "infer",
           "read_unit", "split_raw"]

_ISO = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_ISO_TZ = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$"
_NULL_TEXT = pa.scalar(None, pa.string())
_NULL_INT = pa.scalar(None, pa.int64())


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


Parts = tuple[tuple[tuple[str, ...], str], ...]  # (SQLite storage classes, read as 'int'|'real'|'text'|'blob')
Source = Callable[["Rule", list[pa.Array], Settings], list[pa.Array]]
Target = Callable[["Rule", pa.Array, Settings], list[pa.Array]]


@dataclass(frozen=True)
class Definition:
    """One comparison rule, written once (a row of RULES)."""

    # canonical value type: 'int', 'float' (double bits), 'ts'/'tstz' (µs), 'date' (days), 'interval' (µs),
    # 'time' (µs since midnight) -> int64; 'text', 'dec' (exact decimal text), 'uuid' (32 hex), 'inet',
    # 'json' (canonical JSON text) -> string; 'bytes' -> binary
    canon: str
    parts: Parts
    pg: Callable[[str], str]  # the PostgreSQL select for the quoted column
    source: Source  # SQLite arrays (one per part) -> [value, odd-marker]
    target: Target  # the PostgreSQL array -> [value, odd-marker]
    says: str  # the report's sentence; {fields} filled in by infer
    integers: str = ""  # 'interval' | 'epoch': SQLite integers are durations / epochs in a unit (read_unit)


@dataclass(frozen=True)
class Rule:
    """The rule chosen for one column pair: a RULES row applied to the SQLite and PostgreSQL names."""

    name: str  # e.g. 'int', 'bool', 'ts', 'float' (the RULES key)
    description: str
    column: str  # the quoted SQLite column
    pg_select: str
    unit: str = ""  # interval/epoch rules: the unit SQLite integers are read in ('us' | 'ms' | 's')
    assumed: str = ""  # non-empty when nothing decided that unit: what to tell the user (pass --...-unit)

    @property
    def definition(self) -> Definition:
        return RULES[self.name]

    @property
    def canon(self) -> str:
        return self.definition.canon

    @cached_property
    def src_select(self) -> tuple[tuple[str, str], ...]:
        """(SQLite expression, 'int'|'real'|'text'|'blob') per part."""
        return tuple(_pick(self.column, cl, k) for cl, k in self.definition.parts)


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


_ALL = ("integer", "real", "text", "blob")
_CAST = {"int": "{c}", "real": "CAST({c} AS REAL)", "text": "CAST({c} AS TEXT)", "blob": "CAST({c} AS BLOB)"}


def _pick(c: str, classes: tuple[str, ...], kind: str) -> tuple[str, str]:
    """A source select passing only values stored as `classes`, read as `kind`."""
    if set(classes) == set(_ALL):
        return _CAST[kind].format(c=c), kind
    where = ",".join(f"'{k}'" for k in classes)
    return f"CASE WHEN typeof({c}) IN ({where}) THEN {_CAST[kind].format(c=c)} END", kind


# ---- SQLite side: the arrays of a rule's parts -> [value, odd-marker] ----

def _src_int(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    ints, other = arrays
    return [ints.cast(pa.int64()), other.cast(pa.string())]


def _src_float(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    ints, reals, odd = (a.cast(t) for a, t in zip(arrays, (pa.int64(), pa.float64(), pa.string())))
    if _absent(ints):  # a column of reals read as it is: no integer to turn into a double
        return [double_bits(reals, s.float_tolerance), odd]
    exact = pc.fill_null(exact_in_double(ints), True)
    from_int = pc.if_else(exact, ints.cast(pa.float64(), safe=False), pa.scalar(None, pa.float64()))
    inexact = pc.if_else(exact, _NULL_TEXT, int_text(ints))  # 2^53 + 1 has no double: never equal to one
    return [double_bits(pc.coalesce(reals, from_int), s.float_tolerance), pc.coalesce(odd, inexact)]


def _src_decimal(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    ints, reals, texts, blobs = arrays
    norm, bad = decimal_text(texts)
    value = pc.coalesce(int_text(ints), double_text(reals), norm)
    odd = pc.coalesce(pc.if_else(bad, texts.cast(pa.string()), _NULL_TEXT),
                      pc.binary_join_element_wise("blob:", blobs.cast(pa.string()), ""))
    return [value, odd]


def _src_bool(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    """0/1 stored as integers or reals, boolean words as text; anything else (a blob too) is odd."""
    ints, reals, texts, blobs = arrays
    ints, reals = ints.cast(pa.int64()), reals.cast(pa.float64())
    reads = [  # (part, its 0/1, its text when odd); a plain read fills one part, so empty ones are skipped
        (ints, lambda: ints if _within(ints, 0, 1) else pc.if_else(pc.or_(pc.equal(ints, 0), pc.equal(ints, 1)),
                                                                   ints, _NULL_INT),
         lambda: ints.cast(pa.string())),
        (reals, lambda: pc.if_else(pc.or_(pc.equal(reals, 0.0), pc.equal(reals, 1.0)),
                                   pc.equal(reals, 1.0).cast(pa.int64()), _NULL_INT), lambda: real_as_text(reals)),
        (texts, lambda: arrow_word(texts), lambda: texts.cast(pa.string())),
        (blobs, lambda: pa.nulls(len(blobs), pa.int64()), lambda: blobs.cast(pa.string()))]
    held = [(part, value, shown) for part, value, shown in reads if not _absent(part)]
    value = pc.coalesce(*[v() for _, v, _ in held], pa.nulls(len(ints), pa.int64()))
    if not held or (len(held) == 1 and value.null_count == held[0][0].null_count):  # every value read: none odd
        return [value, _nulls(ints)]
    shown = pc.coalesce(*[sh() for _, _, sh in held], _nulls(ints))
    return [value, pc.if_else(pc.is_null(value), shown, _NULL_TEXT)]


def _src_uuid(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
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


def _src_time(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    v, o = time_from_text(arrays[0])
    return [v, pc.coalesce(o, arrays[1].cast(pa.string()))]


def _src_inet(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    v, o = inet_text(arrays[0])
    return [v, pc.coalesce(o, arrays[1].cast(pa.string()))]


def _src_times(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    epochs, texts = arrays
    parsed, bad = _parse_times(texts, rule.canon, s.source_tz)
    if _absent(epochs):  # a column of texts read as it is
        return [parsed, pc.if_else(bad, texts.cast(pa.string()), _NULL_TEXT) if pc.any(bad).as_py() else _nulls(texts)]
    from_epoch = pc.multiply(epochs.cast(pa.int64()), MICROS[rule.unit or "s"])
    if rule.canon == "date":
        from_epoch = pc.divide(from_epoch, 86_400_000_000)
    return [pc.coalesce(from_epoch, parsed), pc.if_else(bad, texts.cast(pa.string()), _NULL_TEXT)]


def _src_bytes(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    return [arrays[0].cast(pa.binary()), _nulls(arrays[0])]


def _src_json(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    """A real stored as such is the number Python writes for it ('1.0': a float to the app, as json.dumps)."""
    reals, texts = arrays
    doc = pc.coalesce(texts.cast(pa.string()), real_as_text(reals.cast(pa.float64())))
    return [canonical_json(doc, first_wins=True), _nulls(texts)]


def _src_text(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    reals, texts = arrays
    text = texts.cast(pa.string())
    if reals.null_count < len(reals):  # reals present: the migration's rendering of a real in text
        text = pc.coalesce(real_as_text(reals.cast(pa.float64())), text)
    if s.nul_policy == "strip":
        text = pc.replace_substring(text, "\x00", "")
    return [text, _nulls(text)]


# ---- PostgreSQL side: the array `pg` selects -> [value, odd-marker] ----

def _target(convert: Callable[[Rule, pa.Array, Settings], pa.Array]) -> Target:
    """A target side with no odd values: every PostgreSQL value has a SQLite counterpart."""
    return lambda rule, array, s: [convert(rule, array, s), _nulls(array)]


def _tgt_times(rule: Rule, array: pa.Array, s: Settings) -> pa.Array:
    if rule.canon == "date":
        return array.cast(pa.date32()).cast(pa.int32()).cast(pa.int64())
    return array.cast(pa.timestamp("us", tz="UTC") if rule.canon == "tstz" else pa.timestamp("us")).cast(pa.int64())


def _cast_to(typ: pa.DataType) -> Target:
    return _target(lambda rule, array, s: array.cast(typ))


_TIMES = _target(_tgt_times)
_INT, _REAL, _TEXT, _BLOB = ("integer",), ("real",), ("text",), ("blob",)
_NOT_INT = ("real", "text", "blob")
_AS_TEXT = lambda p: f"{p}::text"  # noqa: E731 - a table of one-line selects
_AS_IS = lambda p: p  # noqa: E731

# name: Definition(canon, SQLite parts, PostgreSQL select, SQLite -> canonical, PostgreSQL -> canonical, sentence)
RULES: dict[str, Definition] = {
    "int": Definition("int", ((_INT, "int"), (_NOT_INT, "text")), _AS_IS, _src_int, _cast_to(pa.int64()),
                "integers compared exactly"),
    "float": Definition("float", ((_INT, "int"), (_REAL, "real"), (("text", "blob"), "text")), lambda p: f"{p}::float8",
                  _src_float, _target(lambda r, a, s: double_bits(a.cast(pa.float64()), s.float_tolerance)),
                  "IEEE doubles {how}; an integer must be exactly {kept}"),
    "numeric": Definition("dec", ((_INT, "int"), (_REAL, "real"), (_TEXT, "text"), (_BLOB, "text")),
                    lambda p: PG_DECIMAL.format(p=p), _src_decimal,
                    _cast_to(pa.string()),  # normalised by PostgreSQL (PG_DECIMAL)
                    "exact decimals: integers as written, reals as the shortest decimal of the double, numeric "
                    "text as its number (19.99 is not 19.989999999999998)"),
    "bool": Definition("int", ((_INT, "int"), (_REAL, "real"), (_TEXT, "text"), (_BLOB, "text")), lambda p: f"{p}::int",
                 _src_bool, _cast_to(pa.int64()),
                 "SQLite 0/1 or boolean words vs boolean (any other value is a difference)"),
    "uuid": Definition("uuid", ((_TEXT, "text"), (_BLOB, "blob"), (("integer", "real"), "text")), _AS_TEXT, _src_uuid,
                 _target(lambda r, a, s: uuid_from_pg(a)),
                 "UUIDs: 32 hex digits, with or without dashes, any case, or 16-byte blobs"),
    "interval": Definition("interval", ((_INT, "int"), (_TEXT, "text"), (("real", "blob"), "text")), interval_pg_select,
                     _src_interval, lambda r, a, s: list(interval_from_pg(a)),
                     "durations in microseconds (SQLite numbers in {words}; timedelta text, or SQLAlchemy's time "
                     "since 1970-01-01), days apart from the time of day as an ORM writes them ('400 days 05:00:00', "
                     "not '9605:00:00'); an interval with months is a difference", integers="interval"),
    "inet": Definition("inet", ((_TEXT, "text"), (("integer", "real", "blob"), "text")), _AS_TEXT, _src_inet,
                 lambda r, a, s: list(inet_text(a)),
                 "network addresses vs {base} ('10.0.2.2' is '10.0.2.2/32', IPv6 normalised)"),
    "time": Definition("time", ((_TEXT, "text"), (("integer", "real", "blob"), "text")), _AS_IS, _src_time,
                 _target(lambda r, a, s: time_from_pg(a)), "times of day to the microsecond ('08:30' is '08:30:00')"),
    **{name: Definition(name, ((_INT, "int"), (_NOT_INT, "text")), _AS_IS, _src_times, _TIMES,
                  "text timestamps{zone} (integers as unix epochs in {words}) vs {base}, to the microsecond",
                  integers="epoch") for name in ("ts", "tstz", "date")},
    "bytes": Definition("bytes", ((_ALL, "blob"),), _AS_IS, _src_bytes, _cast_to(pa.binary()),
                  "bytes compared exactly (text as its UTF-8 bytes)"),
    "json": Definition("json", ((_REAL, "real"), (("integer", "text", "blob"), "text")), _AS_TEXT, _src_json,
                 _target(lambda r, a, s: canonical_json(a.cast(pa.string()), first_wins=False)),
                 "JSON compared as the values an application reads: key order and spacing ignored, numbers exact, "
                 "a duplicate key as each side's reader resolves it (SQLite: the first, PostgreSQL: the last)"),
    "text": Definition("text", ((_REAL, "real"), (("integer", "text", "blob"), "text")), _AS_TEXT, _src_text,
                 _cast_to(pa.string()),
                 "{what} (trailing spaces, '' vs NULL, every character; reals as shortest round-trip text)"),
}

# the rule for each PostgreSQL type (modifiers dropped); interval* and anything unlisted: see _rule_name
_BY_TYPE = {"smallint": "int", "integer": "int", "bigint": "int", "double precision": "float", "real": "float",
            "numeric": "numeric", "boolean": "bool", "uuid": "uuid", "inet": "inet", "cidr": "inet",
            "time without time zone": "time", "timestamp without time zone": "ts",
            "timestamp with time zone": "tstz", "date": "date", "bytea": "bytes", "json": "json", "jsonb": "json"}
_TEXT_TYPES = ("text", "character varying", "character")  # read as they are (bpchar::text would drop padding)


def _base(pg_type: str) -> str:
    return re.sub(r"\(.*?\)", "", pg_type).strip()


def _rule_name(base: str) -> str:
    return "interval" if base.startswith("interval") else _BY_TYPE.get(base, "text")


def _wording(name: str, base: str, s: Settings, words: str) -> dict[str, str]:
    """The settings-dependent words of a rule's sentence."""
    how = "bit-exact" if not s.float_tolerance else f"within relative {s.float_tolerance:g}"
    kept = "a double" if base == "double precision" else "a float4 (a double that is not one is a difference)"
    zone = (f", naive ones read in {s.source_tz} (a doubled time: the later; a skipped one: the offset before "
            "the change)") if name == "tstz" else ""
    what = ("citext compared exactly (case-insensitivity is a property of the schema, not of the values)"
            if base == "citext" else "text compared exactly")
    return {"base": base, "how": how, "kept": kept, "zone": zone, "what": what, "words": words}


def infer(src_name: str, declared: str, pg_name: str, pg_type: str, s: Settings,
          unit: UnitEvidence | None = None) -> Rule:
    """The comparison rule for one SQLite column and its PostgreSQL counterpart.

    No value scan is needed: every rule reads SQLite values of any storage class, and a value that
    cannot match the target's type becomes an 'odd' marker that differs from anything PostgreSQL holds.
    `unit`: for an interval/timestamp/date target, the unit of the column's integers as the comparison
    found it (pgparity.units, the evidence migrate.py uses); None: the user's statement in `s`, else assumed.
    """
    p, base = qi(pg_name), _base(pg_type)
    name = _rule_name(base)
    rule = RULES[name]
    n, words, advice = read_unit(rule.integers, unit, s) if rule.integers else ("", "", "")
    pg = p if name == "text" and base in _TEXT_TYPES else rule.pg(p)
    return Rule(name, rule.says.format(**_wording(name, base, s, words)), qs(src_name), pg, n, advice)


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


def split_raw(rule: Rule, raw: pa.Array) -> list[pa.Array]:
    """The arrays `rule.src_select` would give, made from the column read as it is stored.

    A plain `SELECT col` is several times cheaper in SQLite than the CASE expressions; it works
    whenever a column holds one storage class (ADBC then types it), and this makes the same inputs
    from it. Raises ArrowInvalid (the caller then reads the expressions) when the read cannot tell
    the parts apart, or a value does not cast as its part reads it.
    """
    stored = _storage_class(raw.type)
    parts = rule.definition.parts
    if stored == "blob" and not any("blob" in cl and "text" in cl for cl, _ in parts) \
            and any("text" in cl for cl, _ in parts):
        # the driver reads text and blobs mixed in one column as binary: only the expressions tell them apart
        raise pa.ArrowInvalid(f"{rule.name}: blobs and text are read differently; read by storage class")
    return [raw.cast(_ARROW[kind]) if stored in classes else pa.nulls(len(raw), _ARROW[kind])
            for classes, kind in parts]


def canonical_source(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    """Canonical values from the SQLite side's raw arrays: [value, odd-marker]."""
    return rule.definition.source(rule, arrays, s)


def canonical_target(rule: Rule, array: pa.Array, s: Settings) -> list[pa.Array]:
    """Canonical values from the PostgreSQL side's array: [value, odd-marker (null unless the value has no
    SQLite counterpart, such as an interval holding months)]."""
    if isinstance(array.type, pa.ExtensionType):
        array = array.storage
    return rule.definition.target(rule, array, s)


def _nulls(like: pa.Array) -> pa.Array:
    return pa.nulls(len(like), pa.string())


def _absent(part: pa.Array) -> bool:
    """A part no value is read as (a plain read fills one part of a rule, the others are NULLs only)."""
    return part.null_count == len(part)


def _within(ints: pa.Array, lo: int, hi: int) -> bool:
    """Every non-NULL integer between lo and hi (one pass, instead of a comparison array per bound)."""
    found = pc.min_max(ints)
    return found["min"].as_py() is not None and found["min"].as_py() >= lo and found["max"].as_py() <= hi


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

