"""Stream a planned table out of SQLite as Arrow batches of PostgreSQL-ready values.

Each planned column says which SQLite expressions read it and of which type
(SqliteSource.typed_batches keeps that type however the table begins).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from .errors import RefusedError
from .plan import ColumnPlan, TablePlan
from .source import BATCH_ROWS, SqliteSource
from .timeconv import local_text_to_utc_text
from .verify.exact_numbers import real_as_text  # the one rendering of reals as text (the checks use it too)

_ZONED = ("timestamptz", "timestamp with time zone")


def finish_column(cplan: ColumnPlan, arrays: list[pa.Array], nul: str = "refuse",
                  bad_utf8: str = "refuse", source_tz: str | None = None) -> pa.Array:
    """Combine a column's raw arrays into the one array COPY will read.

    `source_tz`: naive text going into a timestamptz column is read in that zone here, by the one rule
    the checks use (pgparity.timeconv), and sent with an explicit offset."""
    if cplan.finish == "real-split":
        reals, texts = arrays
        # numeric takes the shortest digits as they are; text keeps SQLite's look of a real
        shown = reals.cast(pa.string()) if cplan.pg_type.startswith("numeric") else real_as_text(reals)
        arr = pc.coalesce(shown, texts)
    else:
        arr = arrays[0]
    if source_tz and cplan.pg_type.lower().startswith(_ZONED) and pa.types.is_string(arr.type):
        arr = local_text_to_utc_text(arr, source_tz)
    if pa.types.is_string(arr.type):
        if nul == "strip":
            arr = pc.replace_substring(arr, "\x00", "")
        if bad_utf8 == "replace":
            arr = _replace_bad_utf8(arr)
    return arr


def _replace_bad_utf8(arr: pa.Array) -> pa.Array:
    try:
        arr.validate(full=True)
        return arr
    except pa.ArrowInvalid:
        raw = arr.cast(pa.binary()).to_pylist()  # rare path: only a batch that holds bad bytes
        return pa.array([None if v is None else v.decode("utf-8", "replace") for v in raw], pa.string())


def read_batches(src: SqliteSource, tp: TablePlan, nul: str = "refuse", bad_utf8: str = "refuse",
                 batch_rows: int = BATCH_ROWS, source_tz: str | None = None) -> Iterator[pa.RecordBatch]:
    """Every row of the table as batches with one column per planned column (pg names).

    Text is checked to be UTF-8 on the way (vectorised, per batch): bytes PostgreSQL would reject
    raise a RefusedError naming table, column and rowid, before COPY sees them.
    """
    names = [c.pg_name for c in tp.columns]
    with_rowid = not tp.table.without_rowid
    exprs = [e for c in tp.columns for e in c.select] + ([("rowid", "int")] if with_rowid else [])
    for batch in src.typed_batches(exprs, tp.name, batch_rows=batch_rows):
        out, i = [], 0
        for c in tp.columns:
            n = len(c.select)
            arr = finish_column(c, [batch.column(j) for j in range(i, i + n)], nul, bad_utf8, source_tz)
            _check_utf8(tp, c, arr, batch.column(batch.num_columns - 1) if with_rowid else None)
            out.append(arr)
            i += n
        yield pa.RecordBatch.from_arrays(out, names=names)


def _check_utf8(tp: TablePlan, c: ColumnPlan, arr: pa.Array, rowids: pa.Array | None) -> None:
    if not pa.types.is_string(arr.type):
        return
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        raw = arr.cast(pa.binary()).to_pylist()  # rare path: this batch only
        bad = next(k for k, v in enumerate(raw) if v is not None and not is_utf8(v))
        where = f"rowid {rowids[bad].as_py()}" if rowids is not None else f"row {bad + 1} of a batch"
        raise RefusedError(f"{tp.name}.{c.name}: bytes that are not valid UTF-8 at {where}: {raw[bad][:40]!r}; "
                           "nothing was committed (--bad-utf8 replace stores them with U+FFFD)") from None


def is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
