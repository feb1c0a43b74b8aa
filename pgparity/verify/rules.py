"""How one column is compared: the rule inferred from the two schemas, never from the migration tool.

A rule says what to read on each side and how to turn both into the same canonical Arrow values,
so that equal data hashes equal and any real change (a last float bit, one character, a zone
shift, '' vs NULL) does not.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..reader import real_as_text
from ..sqlnames import qi, qs

TRUE_WORDS = ("1", "t", "true", "y", "yes", "on")
FALSE_WORDS = ("0", "f", "false", "n", "no", "off")
_ISO = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_ISO_TZ = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class Settings:
    schema: str = "public"
    source_tz: str = "UTC"
    float_tolerance: float = 0.0  # relative; 0 = bit-exact
    examples: int = 10
    nul_policy: str = "fail"  # 'fail': a stripped NUL is a difference; 'strip': NULs are expected gone


@dataclass(frozen=True)
class Rule:
    name: str  # e.g. 'int', 'bool-from-0/1', 'timestamp-text', 'float-exact'
    description: str
    src_select: tuple[tuple[str, str], ...]  # (SQLite expression, 'int'|'real'|'text'|'blob')
    pg_select: str
    canon: str  # 'int' | 'float' | 'text' | 'bool' | 'ts' | 'tstz' | 'date' | 'bytes' | 'json'


def _base(pg_type: str) -> str:
    return re.sub(r"\(.*?\)", "", pg_type).strip()


def infer(src_name: str, declared: str, pg_name: str, pg_type: str, s: Settings) -> Rule:
    """The comparison rule for one SQLite column and its PostgreSQL counterpart.

    No value scan is needed: every rule reads SQLite values of any storage class, and a value that
    cannot match the target's type becomes an 'odd' marker that differs from anything PostgreSQL holds.
    """
    c, p = qs(src_name), qi(pg_name)
    base = _base(pg_type)
    odd = (f"CASE WHEN typeof({c}) NOT IN ('integer','real','null') THEN CAST({c} AS TEXT) END", "text")
    if base in ("smallint", "integer", "bigint"):
        return Rule("int", "integers compared exactly",
                    ((f"CASE WHEN typeof({c})='integer' THEN {c} END", "int"),
                     (f"CASE WHEN typeof({c}) NOT IN ('integer','null') THEN CAST({c} AS TEXT) END", "text")),
                    p, "int")
    if base in ("double precision", "real"):
        how = "bit-exact" if not s.float_tolerance else f"within relative {s.float_tolerance:g}"
        return Rule("float", f"IEEE doubles {how}",
                    ((f"CASE WHEN typeof({c}) IN ('integer','real') THEN CAST({c} AS REAL) END", "real"), odd),
                    f"{p}::float8", "float")
    if base == "numeric":
        return Rule("numeric", "numbers vs numeric, compared as the double SQLite holds (a value rounded to "
                    "the column's scale is a difference)",
                    ((f"CASE WHEN typeof({c}) IN ('integer','real') THEN CAST({c} AS REAL) END", "real"), odd),
                    f"{p}::float8", "float")
    if base == "boolean":
        t = ",".join(f"'{w}'" for w in TRUE_WORDS)
        f = ",".join(f"'{w}'" for w in FALSE_WORDS)
        expr = (f"CASE WHEN {c} IS NULL THEN NULL WHEN typeof({c}) IN ('integer','real') AND {c} IN (0,1) "
                f"THEN CAST({c} AS INTEGER) WHEN typeof({c})='text' AND lower(trim({c})) IN ({t}) THEN 1 "
                f"WHEN typeof({c})='text' AND lower(trim({c})) IN ({f}) THEN 0 END")
        other = f"CASE WHEN {c} IS NOT NULL AND ({expr}) IS NULL THEN CAST({c} AS TEXT) END"
        return Rule("bool", "SQLite 0/1 or boolean words vs boolean (any other value is a difference)",
                    ((expr, "int"), (other, "text")), f"{p}::int", "int")
    if base in ("timestamp without time zone", "timestamp with time zone", "date"):
        canon = {"timestamp without time zone": "ts", "timestamp with time zone": "tstz", "date": "date"}[base]
        src = ((f"CASE WHEN typeof({c})='integer' THEN {c} END", "int"),
               (f"CASE WHEN typeof({c})<>'integer' THEN CAST({c} AS TEXT) END", "text"))
        zone = f", naive ones read in {s.source_tz}" if canon == "tstz" else ""
        return Rule(canon, f"text timestamps{zone} (integers as unix epochs) vs {base}, to the microsecond",
                    src, p, canon)
    if base == "bytea":
        return Rule("bytes", "bytes compared exactly (text as its UTF-8 bytes)",
                    ((f"CAST({c} AS BLOB)", "blob"),), p, "bytes")
    if base in ("json", "jsonb"):
        return Rule("json", "JSON compared as parsed values (key order and spacing ignored)",
                    ((f"CAST({c} AS TEXT)", "text"),), f"{p}::text", "json")
    pg_expr = p if base in ("text", "character varying", "character") else f"{p}::text"
    return Rule("text", "text compared exactly (trailing spaces, '' vs NULL, every character; "
                "reals as shortest round-trip text)",
                ((f"CASE WHEN typeof({c})='real' THEN {c} END", "real"),
                 (f"CASE WHEN typeof({c})<>'real' THEN CAST({c} AS TEXT) END", "text")), pg_expr, "text")


def split_raw(rule: Rule, raw: pa.Array) -> list[pa.Array]:
    """The arrays `rule.src_select` would give, made from the column read as it is stored.

    A plain `SELECT col` is several times cheaper in SQLite than the CASE expressions; it works
    whenever a column holds one storage class (ADBC then types it), and this makes the same inputs
    from it. Tables where a read fails fall back to the expressions.
    """
    n = len(raw)
    t = raw.type
    is_int, is_real = pa.types.is_integer(t), pa.types.is_floating(t)
    is_text, is_blob = pa.types.is_string(t) or pa.types.is_large_string(t), pa.types.is_binary(t)
    null = pa.types.is_null(t)
    none_i, none_f, none_s = pa.nulls(n, pa.int64()), pa.nulls(n, pa.float64()), pa.nulls(n, pa.string())
    if rule.canon == "int" and rule.name == "bool":
        if is_int or is_real:
            ok = pc.is_in(raw.cast(pa.float64()), pa.array([0.0, 1.0]))
            vals = pc.if_else(ok, raw.cast(pa.int64()), pa.scalar(None, pa.int64()))
            return [vals, pc.if_else(ok, pa.scalar(None, pa.string()), raw.cast(pa.string()))]
        if is_text:
            low = pc.utf8_lower(pc.utf8_trim_whitespace(raw))
            vals = pc.if_else(pc.is_in(low, pa.array(TRUE_WORDS)), 1,
                              pc.if_else(pc.is_in(low, pa.array(FALSE_WORDS)), 0, pa.scalar(None, pa.int64())))
            return [vals.cast(pa.int64()), pc.if_else(pc.is_null(vals), raw, pa.scalar(None, pa.string()))]
        return [none_i, none_s if null else raw.cast(pa.string())]
    if rule.canon == "int":
        return [raw.cast(pa.int64()), none_s] if is_int else [none_i, none_s if null else raw.cast(pa.string())]
    if rule.canon == "float":
        return [raw.cast(pa.float64()), none_s] if (is_int or is_real) else [none_f, none_s if null else
                                                                           raw.cast(pa.string())]
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
    return [none_f, none_s if null else raw.cast(pa.string())]


def canonical_source(rule: Rule, arrays: list[pa.Array], s: Settings) -> list[pa.Array]:
    """Canonical values from the SQLite side's raw arrays: [value, odd-marker]."""
    if rule.canon in ("ts", "tstz", "date"):
        epochs, texts = arrays
        parsed, bad = _parse_times(texts, rule.canon, s.source_tz)
        from_epoch = pc.multiply(epochs.cast(pa.int64()), 1_000_000)
        if rule.canon == "date":
            from_epoch = pc.divide(from_epoch, 86_400_000_000)
        return [pc.coalesce(from_epoch, parsed), pc.if_else(bad, texts.cast(pa.string()), _NULL_TEXT)]
    if rule.canon == "float":
        return [_float(arrays[0].cast(pa.float64()), s), arrays[1].cast(pa.string())]
    if rule.canon == "int":
        return [arrays[0].cast(pa.int64()), arrays[1].cast(pa.string())]
    if rule.canon == "bytes":
        return [arrays[0].cast(pa.binary()), _nulls(arrays[0])]
    if rule.canon == "json":
        return [_json(arrays[0]), _nulls(arrays[0])]
    reals, texts = arrays
    text = texts.cast(pa.string())
    if reals.null_count < len(reals):  # reals present: the migration's rendering of a real in text
        text = pc.coalesce(real_as_text(reals.cast(pa.float64())), text)
    if s.nul_policy == "strip":
        text = pc.replace_substring(text, "\x00", "")
    return [text, _nulls(text)]


def canonical_target(rule: Rule, array: pa.Array, s: Settings) -> list[pa.Array]:
    """Canonical values from the PostgreSQL side's array: [value, odd-marker (always null)]."""
    if isinstance(array.type, pa.ExtensionType):
        array = array.storage
    if rule.canon in ("ts", "tstz"):
        arr = array.cast(pa.timestamp("us", tz="UTC") if rule.canon == "tstz" else pa.timestamp("us"))
        value = arr.cast(pa.int64())
    elif rule.canon == "date":
        value = array.cast(pa.date32()).cast(pa.int32()).cast(pa.int64())
    elif rule.canon == "float":
        value = _float(array.cast(pa.float64()), s)
    elif rule.canon == "bytes":
        value = array.cast(pa.binary())
    elif rule.canon == "json":
        value = _json(array.cast(pa.string()))
    elif rule.canon == "int":
        value = array.cast(pa.int64())
    else:
        value = array.cast(pa.string())
    return [value, _nulls(array)]


_NULL_TEXT = pa.scalar(None, pa.string())


def _nulls(like: pa.Array) -> pa.Array:
    return pa.nulls(len(like), pa.string())


def _float(arr: pa.Array, s: Settings) -> pa.Array:
    """Doubles as their 64 bits (exact), or rounded to the tolerance's significant digits."""
    if s.float_tolerance:
        digits = max(1, int(-math.log10(s.float_tolerance)))
        import numpy as np

        vals = arr.to_numpy(zero_copy_only=False)
        with np.errstate(all="ignore"):
            mag = np.where(vals == 0, 0, np.floor(np.log10(np.abs(np.where(vals == 0, 1, vals)))))
            rounded = np.round(vals / 10 ** mag, digits) * 10 ** mag
        arr = pa.array(rounded, pa.float64(), mask=arr.is_null().to_numpy(zero_copy_only=False))
    if arr.null_count == 0:
        return arr.view(pa.int64())
    bits = arr.fill_null(0.0).view(pa.int64())
    return pc.if_else(arr.is_null(), pa.scalar(None, pa.int64()), bits)


def _json(arr: pa.Array) -> pa.Array:
    # JSON columns are rare and short: parsing per value is the honest way to ignore key order.
    def norm(v: str | None) -> str | None:
        if v is None:
            return None
        try:
            return json.dumps(json.loads(v), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            return "\x00invalid json:" + v

    return pa.array([norm(v) for v in arr.to_pylist()], pa.string())


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
        local = pc.assume_timezone(us_naive, source_tz, ambiguous="earliest", nonexistent="earliest")
        us = pc.coalesce(local.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()),
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

