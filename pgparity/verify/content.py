"""Content parity: an order-independent checksum per table, and on a mismatch the exact differing rows.

Each side is read once, in Arrow batches, both sides at the same time; values are turned into the
rule's canonical form and hashed per row (vectorised, polars). Only when the checksums differ are the
differing rows fetched again, by key. In the same pass each side's table facts (column_facts: NULLs,
distinct, min, max, exact sums, lengths, true/false counts of the canonical values) are gathered from
the same batches, for the checks that read them (facts.facts_of). Whether a SQLite column hides a
second storage class (which the plain read would turn into text or doubles silently) is learnt in the
same read too: one extra integer per row holds the storage classes of the columns that could (the
read then stops at the first batch that shows a mixed column, and the rule expressions read the table).
Only the columns the driver may read as text or doubles are masked (each mask costs the SQLite read about a
tenth): an INTEGER or REAL column read as integers (REAL: doubles) hides nothing, and one read otherwise
restarts the read at its first batch with every such column masked. Each side's batches are read by a
thread of their own, one batch ahead (the drivers release the GIL), while the scan's thread makes the
previous one canonical. Each full read is counted in pairing.READS (the reports say them).

Integer epochs whose unit the comparison left to the scan (pairing's epochs_pending) have their
smallest and largest integer taken from the same batches; the table is read again only when they turn
out to be in another unit than the one assumed while reading.

Memory, bounded by a batch plus a fixed size per row: while a side is read it holds three batches at
most (BATCH_ROWS rows: the one being made canonical, in the driver's Arrow form and the canonical form,
the next one waiting and the one after it being read), its facts (column_facts: at most
DISTINCT_BUDGET distinct 8-byte values per side and table, then a fixed-size sketch), and per row what
the keyed diff needs after the read: the 8-byte row hash and the key's canonical values, i.e. 16 bytes
per row and side for an integer key (a text key: its bytes plus 16; no key: the row's rowid/ctid text
instead). 10 M rows with an integer key: 2 x 160 MB; the whole `pytest checks/` on 10 M x 7 peaks at
0.73 GB RSS (/usr/bin/time, 2026-11-28). When the checksums differ, the join of both sides adds about
24 bytes per row. The result (ContentResult) keeps none of it: counts, facts and the first differing
rows only, so a session caches one per table at no cost in rows (verify/schedule.py scans one table at
a time).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ..affinity import affinity, declared_kind
from ..errors import SourceError
from ..read_ahead import ahead
from ..sqlnames import qname, qs
from .column_facts import FactsScan, SideFacts, TableFacts, distinct_limit
from .detail import RowDiff, beyond_tolerance, detail_changed, rows_by_key, rows_by_locator
from .pairing import Comparison, TablePair, count_read
from .rules import canonical_source, canonical_target, split_raw

BATCH_ROWS = 131_072
DETAIL_ROWS = 10_000  # differing rows fetched for column attribution; counts beyond are per row only
HASH_SEED = 20261126
CLASS_BITS = {"integer": 1, "real": 2, "text": 4, "blob": 8}  # SQLite storage classes, NULL is 0
_CLASSES_PER_MASK = 15  # 4 bits per column in one 64-bit integer


@dataclass
class ContentResult:
    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str
    missing: int = 0
    extra: int = 0
    changed: int = 0
    examples: list[RowDiff] = field(default_factory=list)
    column_changes: dict[str, int] = field(default_factory=dict)  # column -> changed rows (attributed)
    attributed_rows: int = 0
    within_tolerance: int = 0  # rows whose checksums differ only by doubles within --float-tolerance
    keyed: bool = True
    seconds: float = 0.0
    facts: TableFacts | None = None  # per-column statistics of both sides, from the same read

    @property
    def ok(self) -> bool:
        if self.source_rows != self.target_rows:
            return False
        if self.source_checksum == self.target_checksum:
            return True
        return self.within_tolerance > 0 and not (self.missing or self.extra or self.changed)


def _target_sql(tp: TablePair, schema: str, locator: bool, where: str = "") -> str:
    exprs = [c.rule.pg_select for c in tp.compared]
    if locator:
        exprs.append("ctid::text")
    return f"SELECT {', '.join(exprs)} FROM {qname(schema, tp.target.name)}" + (f" WHERE {where}" if where else "")


def _canon_source(tp: TablePair, batch: pa.RecordBatch, cmp: Comparison, epochs: _Epochs) -> list[pa.Array]:
    out, i = [], 0
    for position, c in enumerate(tp.compared):
        n = len(c.rule.src_select)
        arrays = [batch.column(j) for j in range(i, i + n)]
        epochs.add(position, arrays)
        out += canonical_source(c.rule, arrays, cmp.settings)
        i += n
    return out


def _canon_target(tp: TablePair, batch: pa.RecordBatch, cmp: Comparison) -> list[pa.Array]:
    out = []
    for i, c in enumerate(tp.compared):
        out += canonical_target(c.rule, batch.column(i), cmp.settings)
    return out


def _owned(series: pl.Series) -> pl.Series:
    """A copy that owns its memory: a zero-copy view would keep the driver's whole batch alive, and
    memory would grow with the table instead of staying bounded by a batch."""
    if series.dtype.is_numeric():
        return pl.Series(series.name, series.to_numpy().copy(), dtype=series.dtype) if not series.null_count() \
            else series.clone().rechunk().shrink_to_fit()
    return series.cast(pl.String).shrink_to_fit()


def _series(name: str, values: pa.Array) -> pl.Series:
    """A canonical array as polars holds it; one of NULLs only (an odd marker, mostly) made without reading it
    (the same Series, ten times cheaper)."""
    if values.null_count == len(values):
        return pl.Series(name, [None], dtype=pl.from_arrow(values.slice(0, 0)).dtype).new_from_index(0, len(values))
    return pl.from_arrow(values).alias(name)


def _frame(tp: TablePair, values: list[pa.Array], locator: pa.Array | None, facts: FactsScan) -> pl.DataFrame:
    """(key columns, h, loc) for one batch; h hashes every canonical value of the row. The batch's facts
    are added to `facts` on the way."""
    df = pl.DataFrame([_series(f"v{i}", v) for i, v in enumerate(values)])
    facts.add(values, df)
    out = {"h": df.hash_rows(seed=HASH_SEED)}  # polars' own new memory
    positions = {id(c): i for i, c in enumerate(tp.compared)}
    for k, col in enumerate(tp.key):
        out[f"k{k}"] = _owned(df[f"v{2 * positions[id(col)]}"])
    if locator is not None:
        out["loc"] = _owned(pl.from_arrow(locator.cast(pa.string())))
    return pl.DataFrame(out)


class _Epochs:
    """The smallest and largest integer of each column whose epoch unit the scan measures (pairing's
    epochs_pending), taken from the integer part of the rule's inputs, batch by batch."""

    def __init__(self, tp: TablePair, names: list[str]):
        self.bounds: dict[str, tuple[int | None, int | None]] = {}
        self._parts = {i: (c.name, k) for i, c in enumerate(tp.compared) if c.name in names
                       for k, (classes, kind) in enumerate(c.rule.definition.parts)
                       if kind == "int" and "integer" in classes}

    def add(self, position: int, arrays: list[pa.Array]) -> None:
        if position not in self._parts:
            return
        name, k = self._parts[position]
        found = pc.min_max(arrays[k])
        lo, hi = found["min"].as_py(), found["max"].as_py()
        if lo is not None:
            was = self.bounds.get(name, (lo, hi))
            self.bounds[name] = (min(was[0], lo), max(was[1], hi))


def _read_source(cmp: Comparison, tp: TablePair, locator: bool, where: str = "",
                 epochs: list[str] = ()) -> tuple[pl.DataFrame, SideFacts, dict]:
    """The source side's frame, facts and the integer bounds of the `epochs` columns: a plain read when every
    column holds one storage class, else the rule expressions (a mixed column makes the plain read fail at
    once or mid-way). The plain read first masks only the columns the driver may read as text or doubles
    (_planned); a column read otherwise than planned restarts it, at its first batch, masking every suspect."""
    suspects = _suspects(tp)
    for masked in dict.fromkeys((tuple(_planned(tp, suspects)), tuple(suspects))):
        try:
            facts, bounds = FactsScan(tp), _Epochs(tp, epochs)
            frame = _read_source_plain(cmp, tp, locator, facts, bounds, list(masked), suspects, where)
            return frame, facts.result(), bounds.bounds
        except _Unplanned:
            continue
        except (_Mixed, SourceError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            break
    exprs = [e for c in tp.compared for e in c.rule.src_select] + ([("rowid", "int")] if locator else [])
    frames, facts, bounds = [], FactsScan(tp), _Epochs(tp, epochs)
    count_read(tp.name, "sqlite")
    with closing(ahead(cmp.source.typed_batches(exprs, tp.source.name, where, BATCH_ROWS))) as batches:
        for batch in batches:
            _go_on(cmp)
            loc = batch.column(batch.num_columns - 1) if locator else None
            frames.append(_frame(tp, _canon_source(tp, batch, cmp, bounds), loc, facts))
    return (pl.concat(frames) if frames else _empty(tp, locator)), facts.result(), bounds.bounds


class ScanStopped(Exception):
    """The run was interrupted (Comparison.stopping): the scan ends at a batch boundary."""


def _go_on(cmp: Comparison) -> None:
    if cmp.stopping.is_set():
        raise ScanStopped("the run was interrupted")


class _Mixed(Exception):
    """A column holds several storage classes: the plain read cannot be trusted for it."""


def _read_source_plain(cmp: Comparison, tp: TablePair, locator: bool, facts: FactsScan, epochs: _Epochs,
                       masked: list[str], suspects: list[str], where: str = "") -> pl.DataFrame:
    """The rows as the driver reads them, plus the storage-class masks of the `masked` columns (see
    _suspects), so that no second read is needed to trust the plain one. A suspect left unmasked must be
    read as integers (or, REAL affinity, doubles): else _Unplanned, at the first batch."""
    masks = [_mask_sql(masked[i:i + _CLASSES_PER_MASK]) for i in range(0, len(masked), _CLASSES_PER_MASK)]
    unmasked = set(suspects) - set(masked)
    cols = [qs(c.name) for c in tp.compared] + (["rowid"] if locator else []) + masks
    frames, seen, classes, counted = [], {}, [0] * len(masks), False
    sql = f"SELECT {', '.join(cols)} FROM {qs(tp.source.name)}" + (f" WHERE {where}" if where else "")
    with closing(ahead(cmp.source.batches(sql, BATCH_ROWS))) as batches:
        for batch in batches:
            _go_on(cmp)
            if not batch.num_rows:
                continue
            if not counted:
                _assert_planned(tp, batch, unmasked)  # the driver types every batch as it typed the first
                count_read(tp.name, "sqlite")
                counted = True
            values = []
            for i, c in enumerate(tp.compared):
                seen[c.name] = batch.column(i).type
                arrays = split_raw(c.rule, batch.column(i))
                epochs.add(i, arrays)
                values += canonical_source(c.rule, arrays, cmp.settings)
            first_mask = batch.num_columns - len(masks)
            for m in range(len(masks)):
                mask = batch.column(first_mask + m).to_numpy(zero_copy_only=False)
                classes[m] |= int(np.bitwise_or.reduce(mask))
            _assert_single_class(tp, seen, _classes_by_column(masked, classes))  # at the first batch that shows it
            frames.append(_frame(tp, values, batch.column(len(tp.compared)) if locator else None, facts))
    if not counted:
        count_read(tp.name, "sqlite")
    return pl.concat(frames) if frames else _empty(tp, locator)


class _Unplanned(Exception):
    """An unmasked column is read as a type that could hide another storage class: read again, masking it."""


def _planned(tp: TablePair, suspects: list[str]) -> list[str]:
    """The suspects to mask at first: the driver reads a column as the storage class its first batch shows,
    and fails on any other class later, except that doubles take integers and text takes anything. INTEGER
    affinity (and a declared BOOLEAN) usually holds integers only; REAL affinity turns integers into reals
    when they are stored and read, so doubles hide nothing there. Each mask costs the read about a tenth."""
    cheap = {c.name for c in tp.compared
             if affinity(c.source.type) in ("INTEGER", "REAL") or declared_kind(c.source.type) == "boolean"}
    return [n for n in suspects if n not in cheap]


def _assert_planned(tp: TablePair, batch: pa.RecordBatch, unmasked: set[str]) -> None:
    """An unmasked suspect read as integers, or as doubles with REAL affinity, hides no other class (the
    driver fails on one); read as anything else (text, doubles holding integers) it must be masked."""
    for i, c in enumerate(tp.compared):
        if c.name not in unmasked:
            continue
        typ = batch.column(i).type
        if pa.types.is_integer(typ) or (pa.types.is_floating(typ) and affinity(c.source.type) == "REAL"):
            continue
        raise _Unplanned(c.name)


def _suspects(tp: TablePair) -> list[str]:
    """Columns whose values may be of several storage classes that the driver reads as one: TEXT affinity
    turns numbers into text on insert and a rowid alias holds only integers, so those cannot hide another
    class behind a string or double column; others can (a REAL column keeps a word as text)."""
    alias = tp.source.rowid_alias
    return [c.name for c in tp.compared if affinity(c.source.type) != "TEXT" and c.name != alias]


def _mask_sql(names: list[str]) -> str:
    """One integer per row: 4 bits per column, the bit of the value's storage class (CLASS_BITS)."""
    one = " ".join(f"WHEN '{k}' THEN {b}" for k, b in CLASS_BITS.items())
    return " | ".join(f"((CASE typeof({qs(n)}) {one} ELSE 0 END) << {4 * i})" for i, n in enumerate(names))


def _classes_by_column(suspects: list[str], masks: list[int]) -> dict[str, int]:
    return {n: (masks[i // _CLASSES_PER_MASK] >> (4 * (i % _CLASSES_PER_MASK))) & 15 for i, n in enumerate(suspects)}


def _assert_single_class(tp: TablePair, seen: dict, classes: dict[str, int]) -> None:
    """The driver turns a column of mixed storage classes into text (reals as '1.230000e+01') or
    doubles without saying so; a string or double column is trusted only if SQLite holds nothing else."""
    for name, typ in seen.items():
        if name not in classes:
            continue
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            expect = CLASS_BITS["text"]
        elif pa.types.is_floating(typ):
            expect = CLASS_BITS["real"]
        else:
            continue
        if classes[name] & ~expect:
            raise _Mixed(tp.name)


def _read_target(cmp: Comparison, tp: TablePair, locator: bool, where: str = "") -> tuple[pl.DataFrame, FactsScan]:
    """The target side's frame, and its facts as gathered (FactsScan.result finishes them once the checksums
    are known)."""
    frames, facts = [], FactsScan(tp)
    count_read(tp.name, "postgresql")
    cur = cmp.pg.cursor()
    try:
        cur.execute(_target_sql(tp, cmp.settings.schema, locator, where))
        with closing(ahead(cur.fetch_record_batch())) as batches:
            for batch in batches:
                _go_on(cmp)
                if batch.num_rows:
                    loc = batch.column(batch.num_columns - 1) if locator else None
                    frames.append(_frame(tp, _canon_target(tp, batch, cmp), loc, facts))
    finally:
        cur.close()
    return (pl.concat(frames) if frames else _empty(tp, locator)), facts


def _empty(tp: TablePair, locator: bool) -> pl.DataFrame:
    cols = {"h": pl.Series([], dtype=pl.UInt64)}
    for k in range(len(tp.key)):
        cols[f"k{k}"] = pl.Series([], dtype=pl.Null)
    if locator:
        cols["loc"] = pl.Series([], dtype=pl.String)
    return pl.DataFrame(cols)


def _checksum(df: pl.DataFrame) -> str:
    total = np.sum(df["h"].to_numpy(), dtype=np.uint64) if df.height else np.uint64(0)
    return f"{df.height}:{int(total):016x}"


def compare_content(cmp: Comparison, tp: TablePair, where: tuple[str, str] = ("", "")) -> ContentResult:
    """Checksum both sides; on a difference, classify every differing row and detail the first ones.

    `where`: (SQLite condition, PostgreSQL condition) restricting both sides, e.g. to rows newer
    than a baseline."""
    t0 = time.monotonic()
    if not tp.compared:  # no column pairs up: nothing to hash, the rows are only counted
        return _counted_only(cmp, tp, where, t0)
    locator = not tp.key
    if where[0]:  # a part of the table cannot tell the unit of the whole column's integers
        cmp.measure_units([tp.name])
    epochs = cmp.epochs_pending(tp)
    with ThreadPoolExecutor(max_workers=2) as pool:
        fs = pool.submit(_read_source, cmp, tp, locator and not tp.source.without_rowid, where[0], epochs)
        ft = pool.submit(_read_target, cmp, tp, locator, where[1])
        (src, src_facts, bounds), (tgt, tgt_scan) = fs.result(), ft.result()
        del fs, ft  # they would keep the target's facts scan (its distinct words) alive through a diff
    if epochs and cmp.settle_epochs(tp, bounds):  # integers in another unit than assumed: read with the right one
        return compare_content(cmp, tp, where)
    src_sum, tgt_sum = _checksum(src), _checksum(tgt)
    # equal checksums: the same canonical rows, so the same distinct counts (the one costly fact is not counted twice)
    tgt_facts = tgt_scan.result(distinct_of=src_facts if src_sum == tgt_sum else None)
    del tgt_scan
    res = ContentResult(tp.name, src.height, tgt.height, src_sum, tgt_sum, keyed=bool(tp.key),
                        facts=TableFacts(tp.name, src_facts, tgt_facts, distinct_limit(len(tp.compared))))
    if not res.ok:
        if tp.key:
            _keyed_diff(cmp, tp, src, tgt, res)
        else:
            _multiset_diff(cmp, tp, src, tgt, res)
    res.seconds = time.monotonic() - t0
    return res


def _counted_only(cmp: Comparison, tp: TablePair, where: tuple[str, str], t0: float) -> ContentResult:
    """A table none of whose columns pairs up: its rows counted on each side, no checksum (content_check fails it
    on the missing columns)."""
    src = cmp.source.query(f"SELECT count(*) FROM {qs(tp.source.name)}" + (f" WHERE {where[0]}" if where[0] else ""))
    tgt = cmp.pg_query(f"SELECT count(*) FROM {qname(cmp.settings.schema, tp.target.name)}"
                       + (f" WHERE {where[1]}" if where[1] else ""))
    n, m = src[0][0], tgt[0][0]
    empty = SideFacts(n), SideFacts(m)
    return ContentResult(tp.name, n, m, f"{n}:none", f"{m}:none", keyed=False, seconds=time.monotonic() - t0,
                         facts=TableFacts(tp.name, *empty, distinct_limit(0)))


def _align_keys(src: pl.DataFrame, tgt: pl.DataFrame, keys: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    for k in keys:
        if src[k].dtype != tgt[k].dtype:
            if src[k].dtype == pl.Null:
                src = src.with_columns(pl.col(k).cast(tgt[k].dtype))
            elif tgt[k].dtype == pl.Null:
                tgt = tgt.with_columns(pl.col(k).cast(src[k].dtype))
            else:
                src = src.with_columns(pl.col(k).cast(pl.String))
                tgt = tgt.with_columns(pl.col(k).cast(pl.String))
    return src, tgt


def _keyed_diff(cmp: Comparison, tp: TablePair, src: pl.DataFrame, tgt: pl.DataFrame, res: ContentResult) -> None:
    keys = [f"k{i}" for i in range(len(tp.key))]
    src, tgt = _align_keys(src, tgt, keys)
    # a key present twice in the target (no PK there) counts its extra copies as extra rows
    dup = _duplicate_keys(tp, tgt, keys, res.facts)
    joined = src.join(tgt, on=keys, how="full", suffix="_t", coalesce=True, nulls_equal=True)
    missing = joined.filter(pl.col("h_t").is_null())
    extra = joined.filter(pl.col("h").is_null())
    changed = joined.filter(pl.col("h").is_not_null() & pl.col("h_t").is_not_null() & (pl.col("h") != pl.col("h_t")))
    kept = beyond_tolerance(cmp, tp, changed)  # doubles near a bucket edge hash apart: re-checked exactly
    res.within_tolerance, changed = changed.height - kept.height, kept
    extra_copies = int(dup["len"].sum() - dup.height) if dup.height else 0
    res.missing, res.extra, res.changed = missing.height, extra.height + extra_copies, changed.height
    n = cmp.settings.examples
    res.examples += [RowDiff("missing", k, None, row, None) for k, row in rows_by_key(cmp, tp, missing, "source", n)]
    res.examples += [RowDiff("extra", k, None, None, row) for k, row in rows_by_key(cmp, tp, extra, "target", n)]
    if dup.height:
        res.examples += [RowDiff("extra", k, None, None, f"{c} copies of this key")
                         for k, c in zip(_key_dicts(tp, dup, keys), dup["len"].to_list())][:n]
    diffs, per_column, attributed = detail_changed(cmp, tp, changed.head(DETAIL_ROWS), n)
    res.examples += diffs
    res.column_changes, res.attributed_rows = per_column, attributed


def _duplicate_keys(tp: TablePair, tgt: pl.DataFrame, keys: list[str], facts: TableFacts | None) -> pl.DataFrame:
    """The target's keys present more than once, with their counts ("len"). A one-column key whose values the
    scan counted as distinct as there are rows has none (no grouping of the whole table needed)."""
    if facts is not None and len(tp.key) == 1:
        counted = facts.target.columns.get(tp.key[0].name)
        if counted is not None and counted.distinct == tgt.height:
            return tgt.head(0).select(keys).with_columns(pl.lit(0, pl.UInt32).alias("len"))
    return tgt.group_by(keys).len().filter(pl.col("len") > 1)


def _key_dicts(tp: TablePair, df: pl.DataFrame, keys: list[str]) -> list[dict]:
    names = [c.name for c in tp.key]
    return [dict(zip(names, row)) for row in df.select(keys).iter_rows()]


def _multiset_diff(cmp: Comparison, tp: TablePair, src: pl.DataFrame, tgt: pl.DataFrame,
                   res: ContentResult) -> None:
    sc = src.group_by("h").agg(pl.len().alias("n"), pl.col("loc").first().alias("loc"))
    tc = tgt.group_by("h").agg(pl.len().alias("n_t"), pl.col("loc").first().alias("loc_t"))
    j = sc.join(tc, on="h", how="full", coalesce=True).with_columns(
        pl.col("n").fill_null(0), pl.col("n_t").fill_null(0))
    miss = j.filter(pl.col("n") > pl.col("n_t"))
    extra = j.filter(pl.col("n_t") > pl.col("n"))
    res.missing = int((miss["n"] - miss["n_t"]).sum()) if miss.height else 0
    res.extra = int((extra["n_t"] - extra["n"]).sum()) if extra.height else 0
    n = cmp.settings.examples
    res.examples += [RowDiff("missing", {"rowid": loc}, None, row, None)
                     for loc, row in rows_by_locator(cmp, tp, miss["loc"].to_list()[:n], "source")]
    res.examples += [RowDiff("extra", {"ctid": loc}, None, None, row)
                     for loc, row in rows_by_locator(cmp, tp, extra["loc_t"].to_list()[:n], "target")]
