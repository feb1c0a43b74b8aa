"""JSON as an application reads it: one canonical text per value, numbers exact.

Keys are sorted and spacing dropped; every number is written as its exact decimal (so Python's
`1e+16` and jsonb's `10000000000000000` are one number, and `...6.71` and `...6.79` are two), with its
kind as the app's json.loads gets it: a literal with digits after the point is a float (`1.0` is not `1`:
int vs float in the app; jsonb keeps `1.0`), written with a `.0` when whole. An exponent is read as
PostgreSQL's numeric reads it (jsonb prints `1e+16` as `10000000000000000`, `1.5e2` as `150`): digits after
the point only where the exponent leaves some, so a float in exponent form and the int jsonb makes of it
are one value (every writer to jsonb gets that int: not the copy's difference); a key
present twice in one object keeps the value its reader sees: SQLite's json_extract reads the FIRST,
PostgreSQL (json and jsonb) the LAST. Parsing is in Python, once per distinct text (a document repeated
in many rows is parsed once); a column of millions of distinct documents is the slow case.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

INVALID = "\x00invalid json:"


def _number(d: Decimal | int) -> str:
    if isinstance(d, int):
        return str(d)
    if not d.is_finite():
        return str(d)
    text = format(d.normalize(), "f")
    text = "0" if text in ("-0", "0") else text
    # digits after the point (numeric's scale, as jsonb keeps it): a float to the app, also when whole
    return text + ".0" if d.as_tuple().exponent < 0 and "." not in text else text


def _dump(x: object) -> str:
    if x is None or isinstance(x, bool):
        return json.dumps(x)
    if isinstance(x, (int, Decimal)):
        return _number(x)
    if isinstance(x, str):
        return json.dumps(x, ensure_ascii=False)
    if isinstance(x, list):
        return "[" + ",".join(_dump(v) for v in x) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _dump(v) for k, v in sorted(x.items())) + "}"


def _parse(text: str, first_wins: bool) -> object:
    def pairs(items: list[tuple[str, object]]) -> dict:
        out: dict = {}
        for k, v in items:
            if not (first_wins and k in out):
                out[k] = v
        return out

    return json.loads(text, parse_float=Decimal, parse_constant=Decimal, object_pairs_hook=pairs)


def canonical_json(texts: pa.Array, first_wins: bool) -> pa.Array:
    """Canonical JSON text per value; `first_wins`: duplicate keys resolve as SQLite reads them."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    encoded = pc.dictionary_encode(texts.cast(pa.string()))  # each distinct text parsed once
    out = []
    for v in encoded.dictionary.to_pylist():
        try:
            out.append(_dump(_parse(v, first_wins)))
        except ValueError:
            out.append(INVALID + v)
    return pa.array(out, pa.string()).take(encoded.indices)


def duplicate_conflicts(text: str | None) -> list[str]:
    """Keys present twice in one object with different values: 'key: first X, last Y' per key."""
    found: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict:
        first: dict = {}
        last: dict = {}
        for k, v in items:
            first.setdefault(k, v)
            last[k] = v
        found.extend(f"{k!r}: first {_dump(first[k])}, last {_dump(last[k])}" for k in first
                     if _dump(first[k]) != _dump(last[k]))
        return last

    if text:
        try:
            json.loads(text, parse_float=Decimal, parse_constant=Decimal, object_pairs_hook=pairs)
        except ValueError:
            return []
    return found
