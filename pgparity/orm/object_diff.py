"""Two streams of objects, each ordered by key the same way, compared as the application reads them.

A stream yields `(key, value, value, ...)` tuples: the values an ORM handed the application (Decimal, UUID,
timedelta, aware datetime, dict, bytes...). The streams are merged like a merge join, so memory holds one
chunk per side, never a table. Values are equal when Python says so (the app's own `==`) and are of the
same number type (True, 1, 1.0 and Decimal(1) are equal to `==`, not to the app: json.dumps, indexing and
`is True` tell them apart), recursively through JSON's dicts and lists; still the same value to an app: NaN
and NaN, a memoryview and the bytes it holds. It cannot see: a float SQLite's JSON holds in exponent form
(json.dumps' 1e+16) that jsonb hands back as the int 10000000000000000 (jsonb keeps no exponent: any writer
gets that int, so it is not counted as the copy's difference).

The order must be one both databases and Python agree on (integers, UUIDs, text under byte order): a key
that goes backwards on either side stops the comparison with an `OrderError` rather than reporting
objects as missing that are merely out of place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal

from ..verify.detail import REDACTED, shown_key
from ..verify.outcome import Finding, Outcome, failed, passed

SHOWN_CHARS = 120
_END = object()


class OrderError(Exception):
    """A stream's keys are not in the order the comparison relies on."""


@dataclass(frozen=True)
class ObjectShape:
    """What one compared stream is: the model's label, the key's name, the value fields in stream order."""

    label: str  # 'shop.Product' (Django app_label.Model) or the SQLAlchemy class name
    key_name: str  # 'id', 'product_id' or 'a, b' for a composite key
    fields: tuple[str, ...]  # the field after the key in each tuple, in order
    sensitive: frozenset[str] = frozenset()  # fields whose values are never shown


@dataclass
class Tally:
    """Findings of one model: the first `examples` shown, the rest counted per (kind, field)."""

    shape: ObjectShape
    examples: int
    findings: list[Finding] = field(default_factory=list)
    counts: dict[tuple[str, str | None], int] = field(default_factory=dict)
    objects: int = 0
    links: int = 0

    def add(self, kind: str, column: str | None, key, text: str) -> None:
        n = self.counts.get((kind, column), 0)
        self.counts[(kind, column)] = n + 1
        if sum(self.counts.values()) <= self.examples:
            self.findings.append(Finding(f"{self.shape.label} [{show_key(self.shape, key)}] {text}", column, kind,
                                         plain_key(self.shape, key)))

    def outcome(self, check: str, what: str) -> Outcome:
        if not self.counts:
            return passed(check, self.shape.label, what)
        total = sum(self.counts.values())
        shown: dict[tuple[str, str | None], int] = {}
        for f in self.findings:
            shown[(f.kind, f.column)] = shown.get((f.kind, f.column), 0) + 1
        rest = [Finding(f"{self.shape.label}{'.' + c if c else ''}: {n - shown.get((k, c), 0)} more {k} not shown",
                        c, k) for (k, c), n in sorted(self.counts.items(), key=str) if n > shown.get((k, c), 0)]
        parts = ", ".join(f"{n} {k}" + (f" ({c})" if c else "") for (k, c), n in sorted(self.counts.items(), key=str))
        return failed(check, self.shape.label, f"{parts}; {what}", self.findings + rest, total=total,
                      complete=not rest)


def merge(source: Iterable[tuple], target: Iterable[tuple]) -> Iterator[tuple[tuple | None, tuple | None]]:
    """(source row, target row) pairs by key; None on the side that lacks the key. The inputs are closed at the end,
    also when the merge stops early (their cursors and connections are released before their engines are)."""
    try:
        yield from _merge(_ordered(iter(source), "SQLite"), _ordered(iter(target), "PostgreSQL"))
    finally:
        for rows in (source, target):
            with suppress(Exception):  # after a failed read its cursor may be gone: the first error is the one said
                getattr(rows, "close", lambda: None)()


def _merge(src: Iterator[tuple], dst: Iterator[tuple]) -> Iterator[tuple[tuple | None, tuple | None]]:
    a, b = next(src, _END), next(dst, _END)
    while a is not _END or b is not _END:
        try:
            if b is _END or (a is not _END and a[0] < b[0]):
                yield a, None
                a = next(src, _END)
            elif a is _END or b[0] < a[0]:
                yield None, b
                b = next(dst, _END)
            else:
                yield a, b
                a, b = next(src, _END), next(dst, _END)
        except TypeError as exc:  # keys of types Python cannot order (a text pk holding integers in SQLite)
            raise OrderError(f"keys {a[0]!r} and {b[0]!r} cannot be ordered together ({exc})") from None


def _ordered(rows: Iterator[tuple], side: str) -> Iterator[tuple]:
    last = _END
    for row in rows:
        try:  # equal keys may follow each other: a link table without a primary key can hold a pair twice
            backwards = last is not _END and row[0] < last
        except TypeError:
            backwards = True
        if backwards:
            raise OrderError(f"{side} returned key {row[0]!r} after {last!r}: the database's order is not Python's")
        last = row[0]
        yield row


def diff_objects(tally: Tally, source: Iterable[tuple], target: Iterable[tuple]) -> None:
    """Every object on both sides with every field equal, else a finding naming key, field and both values."""
    fields = tally.shape.fields
    for a, b in merge(source, target):
        if b is None:
            tally.objects += 1
            tally.add("missing-row", None, a[0], "missing in PostgreSQL")
        elif a is None:
            tally.add("extra-row", None, b[0], "extra in PostgreSQL")
        else:
            tally.objects += 1
            if a == b and same(a, b):  # == first (fast); same() tells 1 from 1.0 and True
                continue
            for name, x, y in zip(fields, a[1:], b[1:]):
                if not same(x, y):
                    tally.add("changed", name, a[0], f"{name}: SQLite {show(tally.shape, name, x)} != "
                                                     f"PostgreSQL {show(tally.shape, name, y)}")


def diff_links(tally: Tally, name: str, target_label: str, source: Iterable[tuple], target: Iterable[tuple]) -> None:
    """Many-to-many links as a set per object: rows are ((owner key, linked key),), ordered by both."""
    for a, b in merge(source, target):
        if a is not None:
            tally.links += 1
        (owner, linked), missing = (a or b)[0], b is None
        where = "missing in PostgreSQL" if missing else "extra in PostgreSQL"
        if a is None or b is None:
            tally.add("link-missing" if missing else "link-extra", name, owner,
                      f"{name}: link to {target_label} {linked!r} {where}")


# Python says True == 1 == 1.0 == Decimal(1); the app gets one of these types, and json.dumps, indexing and
# `is True` tell them apart: numbers compare with their type, inside JSON documents too
_NUMBERS = (bool, int, float, Decimal)


def same(x, y) -> bool:
    """The value the app gets is the same on both sides (x: SQLite's, y: PostgreSQL's): equal, of the same number
    type, recursively through dicts and lists (JSON); NaN is NaN; bytes and memoryview are bytes."""
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same(v, y[k]) for k, v in x.items())
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return type(x) is type(y) and len(x) == len(y) and all(same(a, b) for a, b in zip(x, y))
    if isinstance(x, _NUMBERS) and isinstance(y, _NUMBERS) and type(x) is not type(y):
        return _jsonb_whole(x, y)
    if x == y:
        return True
    if isinstance(x, float) and isinstance(y, float):
        return math.isnan(x) and math.isnan(y)
    if isinstance(x, (bytes, bytearray, memoryview)) and isinstance(y, (bytes, bytearray, memoryview)):
        return bytes(x) == bytes(y)
    return False


def _jsonb_whole(f, i) -> bool:
    """A float in SQLite the app wrote in exponent form (json.dumps: 1e+16) read back as the int jsonb prints it as
    (10000000000000000): jsonb keeps no exponent, every writer gets this; not a difference of the copy."""
    return type(f) is float and type(i) is int and "e" in repr(f) and f == i


def show(shape: ObjectShape, name: str, value) -> str:
    if name in shape.sensitive and value is not None:
        return f"{REDACTED} ({type(value).__name__})"  # the type alone tells a UUID read back as str
    if isinstance(value, memoryview):
        value = bytes(value)
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + f"... ({len(text)} chars)"


def show_key(shape: ObjectShape, key) -> str:
    return ", ".join(f"{n}={v!r}" for n, v in _key_parts(shape, key))


def plain_key(shape: ObjectShape, key) -> str:
    """The key as a waiver spells it: 'id=12', 'id=3f2a...-...' (a UUID as text), 'a=1, b=x'."""
    return ", ".join(f"{n}={v}" for n, v in _key_parts(shape, key))


def _key_parts(shape: ObjectShape, key) -> list[tuple[str, object]]:
    """The key's parts as findings name them: a sensitive key (a Django session key, a credential) by a hash prefix
    of its value (detail.shown_key), so the object is named without the secret."""
    names = [n.strip() for n in shape.key_name.split(",")]
    shown = shown_key(names, tuple(key) if len(names) > 1 else (key,), tuple(shape.sensitive))
    return [(n, shown[n]) for n in names]
