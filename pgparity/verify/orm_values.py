"""Values of the types ORMs map onto PostgreSQL-only types, as one canonical form on both sides.

- uuid: 32 lowercase hex digits (SQLite: 32 hex chars or 36 with dashes, any case, or a 16-byte blob).
- interval: whole microseconds (SQLite: integer microseconds as Django's DurationField stores them,
  or Python's timedelta text '1 day, 0:00:01.000002'), when days and time are apart as an ORM writes a
  timedelta (whole days, the time of day in [0, 24 h): '400 days 05:00:00', '-1 days +23:00:00'). PostgreSQL
  keeps days and time apart (extract(day ...), justify_*, date arithmetic across DST see them): any other split
  ('9605:00:00', '1 day -01:00:00') is marked with its (days, time) — equal only to the same split on the
  other side (SQLite text in PostgreSQL's form). A PostgreSQL interval holding months is not a fixed number
  of microseconds: it is marked, never equal to a SQLite value.
- inet/cidr: address/prefix, IPv6 written out in full ('10.0.2.2' is '10.0.2.2/32').
- time: microseconds since midnight ('08:30', '08:30:00', '08:30:00.000001'; Rails' '2000-01-01 08:30:00',
  the date Active Record gives every time of day — another date is not a time of day).

uuid, interval and time are vectorised; inet values are parsed one distinct text at a time (ipaddress).
"""

from __future__ import annotations

import ipaddress

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NULL_TEXT = pa.scalar(None, pa.string())
_NULL_INT = pa.scalar(None, pa.int64())
_UUID = r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$"
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
# Python's str(timedelta): '[-]D day[s], H:MM:SS[.ffffff]' (and PostgreSQL's '1 day 02:00:00')
_TIMEDELTA = r"^(?:(?P<d>-?[0-9]+) days?,? )?(?P<h>[0-9]+):(?P<m>[0-9]{2}):(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?$"
# Rails (Active Record) stores a time column in SQLite as '2000-01-01 hh:mm:ss[.ffffff]': that date only
_TIME = r"^(?:2000-01-01[ T])?(?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?$"
MONTHS_MARK = "interval with months (not a fixed number of microseconds): "
SPLIT_MARK = "interval whose time is not within [0, 24 h) as an ORM writes it (days, time in microseconds): "
DAY_US = 86_400_000_000


def _bad(values: pa.Array, original: pa.Array) -> pa.Array:
    """The original text where a non-null value did not convert (the odd marker), else null."""
    return pc.if_else(pc.and_(pc.is_valid(original), pc.is_null(values)), original.cast(pa.string()), _NULL_TEXT)


def uuid_from_text(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(32 lowercase hex digits, odd marker) for SQLite text UUIDs."""
    low = pc.utf8_lower(texts.cast(pa.string()))
    ok = pc.fill_null(pc.match_substring_regex(low, _UUID), False)
    value = pc.if_else(ok, pc.replace_substring(low, "-", ""), _NULL_TEXT)
    return value, _bad(value, texts)


def uuid_from_blob(blobs: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(32 lowercase hex digits, odd marker) for 16-byte blobs; other blobs are odd (shown as hex)."""
    blobs = blobs.cast(pa.binary())
    sixteen = pc.fill_null(pc.equal(pc.binary_length(blobs), 16), False)
    taken = pc.filter(blobs, sixteen)
    raw = np.frombuffer(taken.cast(pa.binary(16)).buffers()[1], np.uint8, count=16 * len(taken),
                        offset=16 * taken.offset) if len(taken) else np.zeros(0, np.uint8)
    hexed = np.empty(raw.size * 2, np.uint8)
    hexed[0::2], hexed[1::2] = _HEX[raw >> 4], _HEX[raw & 15]
    offsets = pa.py_buffer(np.arange(0, 32 * len(taken) + 1, 32, dtype=np.int32).tobytes())
    strings = pa.StringArray.from_buffers(len(taken), offsets, pa.py_buffer(hexed.tobytes()))
    index = pc.subtract(pc.cumulative_sum(sixteen.cast(pa.int64())), 1)
    value = pc.if_else(sixteen, pc.take(strings, pc.if_else(sixteen, index, 0)) if len(taken) else _NULL_TEXT,
                       _NULL_TEXT)
    odd = pc.if_else(pc.and_(pc.is_valid(blobs), pc.invert(sixteen)),
                     pc.binary_join_element_wise("blob of ", pc.binary_length(blobs).cast(pa.string()),
                                                 " bytes", ""), _NULL_TEXT)
    return value, odd


def uuid_from_pg(texts: pa.Array) -> pa.Array:
    return pc.replace_substring(pc.utf8_lower(texts.cast(pa.string())), "-", "")


def _micros(parts: pa.StructArray) -> pa.Array:
    frac = pc.struct_field(parts, "f")
    frac = pc.utf8_rpad(pc.if_else(pc.equal(frac, ""), "0", frac), 6, "0").cast(pa.int64())
    h, m = (pc.struct_field(parts, k).cast(pa.int64()) for k in ("h", "m"))
    s = pc.struct_field(parts, "s")
    s = pc.if_else(pc.equal(s, ""), "0", s).cast(pa.int64())
    return pc.add(pc.multiply(pc.add(pc.multiply(pc.add(pc.multiply(h, 60), m), 60), s), 1_000_000), frac)


def _matches(texts: pa.Array, pattern: str) -> tuple[pa.Array, pa.Array]:
    """(texts matching `pattern` else null, the named groups of those)."""
    ok = pc.fill_null(pc.match_substring_regex(texts, pattern), False)
    kept = pc.if_else(ok, texts, _NULL_TEXT)
    return kept, pc.extract_regex(pc.fill_null(kept, "00:00"), pattern)


_DIGITS = r"^-?[0-9]+$"
_SINCE_EPOCH = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"
MICROS = {"us": 1, "ms": 1_000, "s": 1_000_000}


def interval_from_text(texts: pa.Array, unit: str = "us") -> tuple[pa.Array, pa.Array]:
    """(microseconds, odd marker) for interval text: timedelta text, digits in `unit` (as integers are),
    or a timestamp read as the time since 1970-01-01 00:00:00 (how SQLAlchemy stores an Interval)."""
    texts = texts.cast(pa.string())
    kept, parts = _matches(texts, _TIMEDELTA)
    d = pc.struct_field(parts, "d")
    days = pc.if_else(pc.equal(d, ""), "0", d).cast(pa.int64())
    time = _micros(parts)
    us = pc.if_else(pc.is_valid(kept), pc.add(pc.multiply(days, DAY_US), time), _NULL_INT)
    # days and time apart as no ORM writes them ('25:00:00'): marked as PostgreSQL's side marks the same split
    split = pc.fill_null(pc.and_(pc.is_valid(kept), pc.greater_equal(time, DAY_US)), False)
    marked = pc.binary_join_element_wise(SPLIT_MARK, days.cast(pa.string()), ", ", time.cast(pa.string()), "")
    us = pc.if_else(split, _NULL_INT, us)
    digits = pc.fill_null(pc.match_substring_regex(texts, _DIGITS), False)
    us = pc.coalesce(us, pc.multiply(pc.if_else(digits, texts, _NULL_TEXT).cast(pa.int64()), MICROS[unit]))
    stamp = pc.fill_null(pc.match_substring_regex(texts, _SINCE_EPOCH), False)
    if pc.any(stamp).as_py():
        try:
            since = pc.if_else(stamp, texts, _NULL_TEXT).cast(pa.timestamp("us")).cast(pa.int64())
            us = pc.coalesce(us, since)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # a date that does not exist: those values stay odd
    return us, pc.if_else(split, marked, _bad(us, texts))


def interval_pg_select(p: str) -> str:
    """PostgreSQL side: whole microseconds as text when days and time are apart as an ORM writes a timedelta (the
    time in [0, 24 h)); else the (days, time) marker; a marker when the interval holds months."""
    time = f"((extract(epoch FROM {p}) - extract(day FROM {p}) * 86400) * 1000000)::bigint"
    return (f"CASE WHEN date_part('month', {p}) <> 0 OR date_part('year', {p}) <> 0 THEN '{MONTHS_MARK}' || {p}::text "
            f"WHEN {time} >= 0 AND {time} < {DAY_US} THEN (extract(epoch FROM {p}) * 1000000)::bigint::text "
            f"ELSE '{SPLIT_MARK}' || extract(day FROM {p})::bigint || ', ' || {time} END")


def interval_from_pg(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    texts = texts.cast(pa.string())
    numeric = pc.fill_null(pc.match_substring_regex(texts, r"^-?[0-9]+$"), False)
    value = pc.if_else(numeric, texts, _NULL_TEXT).cast(pa.int64())
    return value, pc.if_else(numeric, _NULL_TEXT, texts)


def time_from_text(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(microseconds since midnight, odd marker) for 'HH:MM[:SS[.ffffff]]'."""
    texts = texts.cast(pa.string())
    kept, parts = _matches(texts, _TIME)
    value = pc.if_else(pc.is_valid(kept), _micros(parts), _NULL_INT)
    return value, _bad(value, texts)


def time_from_pg(array: pa.Array) -> pa.Array:
    if pa.types.is_string(array.type):
        return time_from_text(array)[0]
    return array.cast(pa.time64("us")).cast(pa.int64())


def _network(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        iface = ipaddress.ip_interface(text.strip())
    except ValueError:
        return None
    return f"{iface.ip.exploded}/{iface.network.prefixlen}"


def inet_text(texts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(address/prefix with IPv6 written in full, odd marker); each distinct text parsed once."""
    texts = (texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts).cast(pa.string())
    encoded = pc.dictionary_encode(texts)
    value = pa.array([_network(v) for v in encoded.dictionary.to_pylist()], pa.string()).take(encoded.indices)
    return value, _bad(value, texts)
