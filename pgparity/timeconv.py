"""Naive local times read in a zone: ONE rule, used by the migration and by every check.

The rule is PostgreSQL's own (what `SET TimeZone = zone` then a text timestamp gives, so a copy made
with psql agrees):
- a time that happens twice (clocks turned back) is the LATER instant, the one after the change;
- a time that never happens (clocks turned forward) is read with the offset in force just before
  the change, so it lands as far after the change as it was written after it
  ('2018-03-11 02:30' in America/New_York is 07:30 UTC, shown 03:30 EDT).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def local_to_utc_us(naive_us: pa.Array, zone: str) -> pa.Array:
    """Microseconds since the epoch (UTC) for naive microsecond timestamps read as wall time in `zone`.

    Vectorised: Arrow resolves every ordinary and every doubled time (later instant); for a skipped
    time it gives the last instant before the gap, whose offset is the one in force before the
    change; subtracting the offset of each resolved instant from the wall time gives both cases.
    """
    naive = naive_us.cast(pa.int64()).cast(pa.timestamp("us"))
    if zone.upper() in ("UTC", "Z", "ETC/UTC", "GMT"):
        return naive.cast(pa.int64())
    resolved = pc.assume_timezone(naive, zone, ambiguous="latest", nonexistent="earliest")
    wall = pc.local_timestamp(resolved).cast(pa.int64())
    offset = pc.subtract(wall, resolved.cast(pa.int64()))
    return pc.subtract(naive.cast(pa.int64()), offset)


def local_text_to_utc_text(texts: pa.Array, zone: str) -> pa.Array:
    """Naive ISO text ('YYYY-MM-DD HH:MM[:SS[.f]]') to ISO text with '+00:00', by the rule above; texts
    that carry their own offset, and anything else, are returned unchanged for PostgreSQL to read."""
    texts = texts.cast(pa.string())
    naive = pc.fill_null(pc.match_substring_regex(
        texts, r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"), False)
    if not pc.any(naive).as_py():
        return texts
    try:
        parsed = pc.if_else(naive, texts, pa.scalar(None, pa.string())).cast(pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return texts  # a date that does not exist: PostgreSQL reads (and refuses) it as written
    utc = local_to_utc_us(parsed, zone).cast(pa.timestamp("us"))
    shown = pc.binary_join_element_wise(pc.strftime(utc, "%Y-%m-%d %H:%M:%S"), "+00:00", "")
    return pc.if_else(naive, shown, texts)
