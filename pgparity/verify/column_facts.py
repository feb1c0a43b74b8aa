"""Table facts: per-column statistics of the canonical values, gathered batch by batch during the content scan.

The content scan turns every column into the canonical values its rule compares (rules.canonical_source
/ canonical_target: [value, odd] per column) and hashes rows; `FactsScan.add` takes the same batch and
adds, vectorised, per column: NULLs, odd values (stored values no value of the other side can equal),
distinct values, min and max, an exact sum, the longest value and total length, true/false counts; and
what the other data checks read instead of scanning the table: instants with a fraction of a second
(timestamps), values holding NUL and their NULs (text), values the PostgreSQL column type cannot keep
(the schema check's type fit, fit.canonical_fit), and for a column declared BOOLEAN / DATETIME / DATE
that landed as integer or text, its values read by that declaration (booleans, timestamps).
Statistics on canonical values agree wherever the values agree: the same instant written with 'T' or
' ', 't' and 'true', the integer 1 and the text '1' in a text column, 'a' and 'A' under NOCASE (two
values, as PostgreSQL sees them), sums past 2^63 or 1.7e308 (exact, never overflowing).

PostgreSQL's 'infinity' / '-infinity' timestamps and dates reach the scan as the numbers the driver makes of
them (its int64 / int32 limits moved by the 2000 -> 1970 epoch offset, the larger one wrapped round, far
outside PostgreSQL's own range): min and max keep them as the explicit infinities INFINITY / MINUS_INFINITY
(profile_display shows them as words), fractional seconds do not count them.

Memory: one batch, plus per column the bounded distinct counter (see distinct.py) and a few scalars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ..affinity import declared_kind
from ..boolean_words import FALSE_WORDS, TRUE_WORDS
from ..fit import base_type, canonical_fit, float4_misfits
from .distinct import DistinctCounter
from .exact_sums import float_sum_units, int_sum, units_to_fraction
from .pairing import ColumnPair, TablePair
from .rules import Rule, Settings, canonical_source, infer

DISTINCT_BUDGET = 8_000_000  # distinct values held per side and table (8 bytes each; twice that while merging)
DISTINCT_LIMIT = 2_000_000  # at most this many per column, exact; beyond, a HyperLogLog estimate
DISTINCT_FLOOR = 65_536  # at least this many per column, however wide the table
HASH_SEED = 20261128

INT_LIKE = ("int", "ts", "tstz", "date", "time", "interval")  # canonical int64 values, ordered as numbers
SUMMED = ("int", "interval", "float")
TEXT_ORDERED = ("text", "uuid", "inet")  # canonical text, ordered by code point
# the texts a boolean reads from (pgparity.boolean_words; a real 1.0 as text is '1' or '1.0', as the read gives it)
TRUE_TEXTS = (*TRUE_WORDS, "1.0")
FALSE_TEXTS = (*FALSE_WORDS, "0.0")
INFINITY, MINUS_INFINITY = 2**63 - 1, -(2**63)  # explicit infinite instants (see the module docstring)
# (kind) -> (PostgreSQL 'infinity', '-infinity') as the driver's arrow values give them (see the module docstring)
_DRIVER_INFINITIES = {"ts": (2**63 - 1 + 946_684_800_000_000 - 2**64, -(2**63) + 946_684_800_000_000),
                      "date": (2**31 - 1 + 10_957 - 2**32, -(2**31) + 10_957)}
_DRIVER_INFINITIES["tstz"] = _DRIVER_INFINITIES["ts"]
_COUNTED = ("nulls", "odd", "length", "trues", "falses", "fractional", "nul_values", "misfits",
            "w_true", "w_false", "w_other", "sub_ms", "sub_us")


@dataclass(frozen=True)
class TimeFacts:
    """Texts of a column declared DATETIME / DATE that landed as text, read as instants by the timestamp rule
    (naive text as written, a zone offset to UTC): canonical microseconds ('ts') or days ('date')."""

    canon: str
    unread: int = 0  # non-NULL texts that are no instant
    fractional: int = 0  # instants with a fraction of a second
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class ColumnFacts:
    """One column's statistics on one side, on canonical values (what the content check compares).

    kind: the rule's canonical kind ('int', 'float', 'dec', 'ts', 'tstz', 'date', 'time', 'interval', 'text',
    'uuid', 'inet', 'json', 'bytes') or 'bool'. minimum/maximum: int64 canonical values for int-like kinds
    (microseconds, days), float for 'float', Decimal for 'dec', str for text kinds (code-point order);
    None where not kept or no value. total: exact sum (int; Fraction for 'float', or a float inf/nan when
    a non-finite value is present); None where not summed. longest/total_length: characters (text) or
    bytes (bytes). distinct: exact count, or None past the limit, then distinct_estimate is set.
    """

    column: str
    kind: str
    rows: int = 0
    nulls: int = 0
    odd: int = 0
    distinct: int | None = 0
    distinct_estimate: int | None = None
    minimum: object = None
    maximum: object = None
    total: int | Fraction | float | None = None
    longest: int | None = None
    total_length: int | None = None
    trues: int | None = None
    falses: int | None = None
    fractional: int | None = None  # ts/tstz: instants with a fraction of a second
    nul_values: int | None = None  # text: values holding a NUL character
    nul_chars: int | None = None  # text: NUL characters in them
    misfits: int | None = None  # values the PostgreSQL column type cannot keep (fit.canonical_fit); None: n/a
    # declared BOOLEAN landed as integer or text: (true, false, other) values read as boolean words
    words: tuple[int, int, int] | None = None
    as_time: TimeFacts | None = None  # declared DATETIME/DATE landed as text: the texts read as instants
    # declared DATETIME/DATE landed as integer: values with a fraction of a second read as ms, as µs
    epoch_fractions: dict[str, int] | None = None


@dataclass(frozen=True)
class SideFacts:
    rows: int
    columns: dict[str, ColumnFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class TableFacts:
    """Both sides' facts for one table, from the one content scan (see facts.facts_of)."""

    table: str
    source: SideFacts
    target: SideFacts
    distinct_limit: int  # per column: counts up to this many are exact


def kind_of(rule) -> str:
    return "bool" if rule.name == "bool" else rule.canon


def plain_landing(c: ColumnPair) -> str | None:
    """'boolean', 'timestamp' or 'date' for a column so declared that landed as an integer or text column
    (compared by the int or text rule), else None."""
    declared = declared_kind(c.source.type)
    if c.rule is None or declared not in ("boolean", "timestamp", "date") or c.rule.name not in ("int", "text"):
        return None
    return declared


def landed_time_rule(c: ColumnPair, settings: Settings | None = None, unit=None) -> Rule:
    """The timestamp rule a declared DATETIME/DATE column's values are read by, whatever it landed as."""
    pg = "date" if declared_kind(c.source.type) == "date" else "timestamp without time zone"
    return infer(c.name, c.source.type, c.target.name, pg, settings or Settings(), unit)


def distinct_limit(columns: int) -> int:
    return max(DISTINCT_FLOOR, min(DISTINCT_LIMIT, DISTINCT_BUDGET // max(columns, 1)))


def infinite(v: pl.Expr, kind: str) -> pl.Expr:
    """An instant column with PostgreSQL's infinities as INFINITY / MINUS_INFINITY (see the module docstring)."""
    if kind not in _DRIVER_INFINITIES:
        return v
    pos, neg = _DRIVER_INFINITIES[kind]
    return pl.when(v == pos).then(INFINITY).when(v == neg).then(MINUS_INFINITY).otherwise(v.cast(pl.Int64))


def _infinities(i: int, kind: str) -> pl.Expr:
    """How many of column i's values are the driver's infinities (see the module docstring)."""
    pos, neg = _DRIVER_INFINITIES[kind]
    v = pl.col(f"v{2 * i}")
    return ((v == pos) | (v == neg)).sum().alias(f"{i}.infinities")


def _text_sizes(texts: pa.Array) -> tuple[bool, int | None, int]:
    """(whether a byte is NUL, the longest value and the total length in characters) of canonical text, read
    off its Arrow buffers: ASCII (every byte below 128) is as long in characters as in bytes."""
    if texts.type not in (pa.string(), pa.large_string()):
        texts = texts.cast(pa.string())
    if texts.null_count == len(texts):
        return False, None, 0
    width = np.int64 if texts.type == pa.large_string() else np.int32
    offsets = np.frombuffer(texts.buffers()[1], width)[texts.offset:texts.offset + len(texts) + 1]
    data = texts.buffers()[2]
    raw = np.frombuffer(data, np.uint8)[offsets[0]:offsets[-1]] if data is not None and data.size else \
        np.empty(0, np.uint8)
    nul = bool(len(raw)) and int(raw.min()) == 0
    if len(raw) and int(raw.max()) >= 128:
        chars = pc.utf8_length(texts)
    elif texts.null_count:
        chars = pc.binary_length(texts)
    else:
        sizes = np.diff(offsets)
        return nul, int(sizes.max()), int(offsets[-1] - offsets[0])
    return nul, pc.max(chars).as_py(), int(pc.sum(chars).as_py() or 0)


def _exprs(i: int, kind: str, c: ColumnPair | None = None, mapped: bool = True) -> list[pl.Expr]:
    """The per-batch aggregates of column i (canonical value v{2i}, odd marker v{2i+1}). `mapped`: with the
    driver's infinities read as INFINITY / MINUS_INFINITY (the same aggregates where the batch has none).
    A text column's lengths and NULs are not among them (_text_sizes reads them off the Arrow buffers)."""
    v, o, n = infinite(pl.col(f"v{2 * i}"), kind) if mapped else pl.col(f"v{2 * i}"), pl.col(f"v{2 * i + 1}"), f"{i}."
    out = [(v.is_null() & o.is_null()).sum().alias(n + "nulls"), o.is_not_null().sum().alias(n + "odd")]
    if c is not None:
        out += _reader_exprs(v, o, n, kind, c)
    if kind not in INT_LIKE + ("float", "bool"):  # those count their values themselves
        out.append(v.drop_nulls().hash(HASH_SEED).implode().alias(n + "hashes"))
    if kind in INT_LIKE + TEXT_ORDERED:
        out += [v.min().alias(n + "min"), v.max().alias(n + "max")]
    if kind == "bytes":
        size = v.bin.size().cast(pl.Int64)
        out += [size.max().alias(n + "longest"), size.sum().alias(n + "length")]
    elif kind == "bool":
        out += [(v == 1).sum().alias(n + "trues"), (v == 0).sum().alias(n + "falses")]
    elif kind == "dec":  # min/max candidates by their double; the exact one is picked among those few
        f = v.cast(pl.Float64, strict=False)
        out += [v.filter(f == f.min()).unique().implode().alias(n + "min"),
                v.filter(f == f.max()).unique().implode().alias(n + "max")]
    return out


def _reader_exprs(v: pl.Expr, o: pl.Expr, n: str, kind: str, c: ColumnPair) -> list[pl.Expr]:
    """What the booleans, timestamps, text and schema checks read: fractions, NULs, misfits, words."""
    out = []
    if kind in ("ts", "tstz"):
        finite = (v != INFINITY) & (v != MINUS_INFINITY)
        out.append((((v % 1_000_000) != 0) & finite).sum().alias(n + "fractional"))
    fit = canonical_fit(kind, c.target.type)
    if fit is not None and fit.beyond is not None:
        out.append(fit.beyond(v).fill_null(False).sum().alias(n + "misfits"))
    landing = plain_landing(c)
    if landing == "boolean":
        w = (pl.coalesce(v.cast(pl.String), o) if kind == "int" else v).str.strip_chars(" ").str.to_lowercase()
        is_t, is_f = w.is_in(TRUE_TEXTS), w.is_in(FALSE_TEXTS)
        out += [is_t.sum().alias(n + "w_true"), is_f.sum().alias(n + "w_false"),
                (w.is_not_null() & ~is_t & ~is_f).sum().alias(n + "w_other")]
    elif landing and kind == "int":
        out += [((v % 1_000) != 0).sum().alias(n + "sub_ms"), ((v % 1_000_000) != 0).sum().alias(n + "sub_us")]
    return out


def _lesser(a, b):
    return b if a is None else a if b is None else min(a, b)


def _greater(a, b):
    return b if a is None else a if b is None else max(a, b)


def _decimals(texts) -> list[Decimal]:
    out = []
    for t in texts or ():
        try:
            out.append(Decimal(t))
        except InvalidOperation:
            pass
    return out


class _Column:
    """The running statistics of one column on one side."""

    def __init__(self, name: str, kind: str, limit: int, pair: ColumnPair | None = None):
        self.name, self.kind = name, kind
        self.stats: dict[str, object] = {"nulls": 0, "odd": 0}
        self.distinct = DistinctCounter(limit)
        self.sum_units = 0  # floats: exact sum in units of 2^-1126; ints: the sum itself
        self.non_finite: set[float] = set()
        landing = plain_landing(pair) if pair is not None else None
        self.float4 = pair is not None and kind == "float" and base_type(pair.target.type) == "real"
        self.fits = pair is not None and canonical_fit(kind, pair.target.type) is not None
        self.time_rule = landed_time_rule(pair) if landing in ("timestamp", "date") and kind == "text" else None
        self.time = TimeFacts(self.time_rule.canon) if self.time_rule else None
        if kind == "text":  # counted by _texts
            self.stats["length"] = 0
            if pair is not None:
                self.stats["nul_values"] = 0

    def add(self, row: dict, hashes: pl.Series | None, prefix: str, value: pa.Array, frame_value: pl.Series) -> None:
        for stat in (*_COUNTED, "longest"):
            if prefix + stat in row:
                got = row[prefix + stat] or 0
                self.stats[stat] = max(self.stats.get(stat, 0), got) if stat == "longest" \
                    else self.stats.get(stat, 0) + got
        if self.kind == "text":
            self._texts(value, frame_value)
        if self.time_rule is not None:
            self._read_times(value)
        lo, hi = row.get(prefix + "min"), row.get(prefix + "max")
        if self.kind == "dec":
            lo, hi = min(_decimals(lo), default=None), max(_decimals(hi), default=None)
        if self.kind == "float":
            lo, hi = self._floats(value)
        elif self.kind in INT_LIKE:
            ints = frame_value.drop_nulls().to_numpy()
            self.distinct.add(ints.view(np.uint64))
            if self.kind in SUMMED:
                self.sum_units += int_sum(ints, None if lo is None else max(-lo, hi))
        if hashes is not None:
            self.distinct.add(hashes.to_numpy())
        self.stats["min"] = _lesser(self.stats.get("min"), lo)
        self.stats["max"] = _greater(self.stats.get("max"), hi)

    def _texts(self, value: pa.Array, frame_value: pl.Series) -> None:
        """Lengths in characters, and (only for a batch with a NUL byte) the values holding NULs and their NULs."""
        nul, longest, length = _text_sizes(value)
        self.stats["longest"] = max(self.stats.get("longest", 0), longest or 0)
        self.stats["length"] += length
        if nul and "nul_values" in self.stats:  # rare: count them
            found = int(frame_value.str.contains("\x00", literal=True).sum() or 0)
            self.stats["nul_values"] += found
            if found:
                self.stats["nul_chars"] = self.stats.get("nul_chars", 0) + \
                    int(frame_value.str.count_matches("\x00", literal=True).sum() or 0)

    def _read_times(self, texts: pa.Array) -> None:
        """The batch's texts read as instants by the declaration's timestamp rule (TimeFacts)."""
        rule = self.time_rule
        got, odd = canonical_source(rule, [pa.nulls(len(texts), pa.int64()), texts], Settings())
        t = self.time
        frac = 0 if rule.canon == "date" else \
            int(pc.sum(pc.not_equal(pc.subtract(got, pc.multiply(pc.divide(got, 1_000_000), 1_000_000)), 0)).as_py()
                or 0)
        self.time = TimeFacts(t.canon, t.unread + (len(odd) - odd.null_count), t.fractional + frac,
                              _lesser(t.minimum, pc.min(got).as_py()), _greater(t.maximum, pc.max(got).as_py()))

    def _floats(self, bits: pa.Array) -> tuple[float | None, float | None]:
        """Distinct on the bits (canonical), min/max/sum on the doubles they are; NaN and ±inf set aside."""
        bits = pc.drop_null(bits)
        self.distinct.add(bits.to_numpy().view(np.uint64))
        x = bits.view(pa.float64()).to_numpy()
        if self.float4:
            self.stats["misfits"] = self.stats.get("misfits", 0) + float4_misfits(x)
        finite = np.isfinite(x)
        if not finite.all():
            self.non_finite.update(float(v) for v in np.unique(x[~finite]))
            self.sum_units += float_sum_units(x[finite])
            x = x[~np.isnan(x)]
        else:
            self.sum_units += float_sum_units(x)
        return (float(x.min()), float(x.max())) if len(x) else (None, None)

    def _total(self) -> int | Fraction | float | None:
        if self.kind not in SUMMED:
            return None
        if self.kind != "float":
            return self.sum_units
        infs = {v for v in self.non_finite if v == v}
        if any(v != v for v in self.non_finite) or len(infs) == 2:
            return float("nan")
        return infs.pop() if infs else units_to_fraction(self.sum_units)

    def result(self, rows: int, distinct_of: ColumnFacts | None = None) -> ColumnFacts:
        s = self.stats
        if self.kind == "bool":
            exact, estimate = (s.get("trues", 0) > 0) + (s.get("falses", 0) > 0), None
        elif distinct_of is not None:
            exact, estimate = distinct_of.distinct, distinct_of.distinct_estimate
        else:
            exact, estimate = self.distinct.result()
        words = (s["w_true"], s["w_false"], s["w_other"]) if "w_true" in s else None
        fractions = {"s": 0, "ms": s["sub_ms"], "us": s["sub_us"]} if "sub_ms" in s else None
        nul_chars = s.get("nul_chars", 0) if "nul_values" in s else None
        misfits = s["odd"] + s.get("misfits", 0) if self.fits else None  # odd values never fit (fit.CanonicalFit)
        return ColumnFacts(self.name, self.kind, rows, s["nulls"], s["odd"], exact, estimate, s.get("min"),
                           s.get("max"), self._total(), s.get("longest"), s.get("length"),
                           s.get("trues"), s.get("falses"), s.get("fractional"), s.get("nul_values"), nul_chars,
                           misfits, words, self.time, fractions)


class FactsScan:
    """One side's facts for one table, fed the canonical arrays of each batch the content scan reads."""

    def __init__(self, tp: TablePair, limit: int | None = None):
        self.limit = limit or distinct_limit(len(tp.compared))
        self.columns = [_Column(c.name, kind_of(c.rule), self.limit, c) for c in tp.compared]
        pairs = list(enumerate(zip(self.columns, tp.compared)))
        # columns that may hold the driver's infinities: aggregated as they are, and again with the infinities
        # mapped only in a batch that holds one (a comparison per value instead of a mapping)
        self.mapped = {i: _exprs(i, col.kind, c) for i, (col, c) in pairs if col.kind in _DRIVER_INFINITIES}
        self.exprs = [e for i, (col, c) in pairs for e in _exprs(i, col.kind, c, mapped=i not in self.mapped)]
        self.exprs += [_infinities(i, self.columns[i].kind) for i in self.mapped]
        for e in self.exprs:  # every count a column gathers starts at 0 (an empty table has all of them)
            i, stat = e.meta.output_name().split(".", 1)
            if stat in _COUNTED:
                self.columns[int(i)].stats.setdefault(stat, 0)
        self.rows = 0

    def add(self, values: list[pa.Array], frame: pl.DataFrame) -> None:
        """One batch: `values` as canonical_source/target give them ([value, odd] per column), `frame` the
        same columns named v0, v1, ... (the content scan builds it to hash rows)."""
        if not frame.height:
            return
        out = frame.select(self.exprs)
        again = [e for i, exprs in self.mapped.items() if out[f"{i}.infinities"][0] for e in exprs]
        if again:  # a batch holding the driver's infinities: those columns aggregated with them mapped
            out = out.with_columns(frame.select(again).get_columns())
        lists = [n for n in out.columns if n.endswith(".hashes")]
        row = out.drop(lists).row(0, named=True)
        for i, col in enumerate(self.columns):
            hashes = out[f"{i}.hashes"][0] if f"{i}.hashes" in lists else None
            col.add(row, hashes, f"{i}.", values[2 * i], frame[f"v{2 * i}"])
        self.rows += frame.height

    def result(self, distinct_of: SideFacts | None = None) -> SideFacts:
        """The side's facts. `distinct_of`: the other side's facts, when both sides hold the same canonical rows
        (equal checksums): its distinct counts are these too, and are taken instead of counted again."""
        return SideFacts(self.rows, {c.name: c.result(self.rows, distinct_of.columns[c.name] if distinct_of else None)
                                     for c in self.columns})
