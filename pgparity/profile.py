"""What the values in each SQLite column actually are, counted inside SQLite in one scan per table.

SQLite declares affinities, not types: an INTEGER column may hold text, a DATETIME column epochs.
The planner needs these counts to follow the values instead of the declaration.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .affinity import declared_kind, declared_scale
from .boolean_words import WORDS, sql_list, sqlite_word
from .schema import Table
from .source import SqliteSource
from .sqlnames import qs

BOOL_TOKENS = WORDS  # the one boolean word list (pgparity.boolean_words)


@dataclass(frozen=True)
class ColumnProfile:
    rows: int
    nulls: int
    integers: int
    reals: int
    texts: int
    blobs: int
    int_min: int | None
    int_max: int | None
    non_bool_ints: int  # integer values other than 0 and 1
    bool_texts: int  # text values that are boolean words
    max_chars: int | None  # longest text value in characters (counted for TEXT/BLOB affinity)
    nul_texts: int  # text values holding a NUL character
    ts_texts: int  # text values that are valid timestamps
    ts_zoned: int  # ... of which carry a zone (Z or +hh:mm)
    date_only: int  # text values that are a plain YYYY-MM-DD date
    json_texts: int  # text values that are JSON objects or arrays
    scale_misfits: int  # numbers that do not fit the declared NUMERIC scale
    time_texts: int = 0  # text values that are a time of day HH:MM[:SS[.ffffff]] (counted for declared TIME)

    @property
    def non_null(self) -> int:
        return self.rows - self.nulls


def ts_zoned_sql(c: str) -> str:
    """SQLite condition: the text in quoted column `c` ends in a zone ('Z' or ±HH:MM; SQLite also reads 'z',
    the checks do not: such a text is judged as naive, valid where its written date is its UTC date).

    The zone is at the end: a fixed-length tail, its pattern tested only where a sign stands.
    """
    return (f"(CASE WHEN substr({c},-6,1) IN ('+','-') THEN substr({c},-6) GLOB '[+-][0-9][0-9]:[0-9][0-9]' "
            f"ELSE substr({c},-1) = 'Z' END)")


def _ts_sql(c: str, zoned_weight: str = "1") -> str:
    """SQLite expression: 0 where the quoted column `c` holds no valid text timestamp, 1 for a naive one,
    `zoned_weight` for a zoned one (the zone test runs once per text).

    The text must begin with the very date SQLite reads from it ('2024-02-30' is read as March 1st:
    not valid). That equality alone implies the 'YYYY-MM-DD' shape (date() writes nothing else), so
    no shape test runs first: one date parse per text, which fails fast on text that is no date.
    date() converts a zone to UTC ('2024-08-29T21:51:52-05:30' is August 30th there): a zoned text's date
    is read back in its own offset (the offset as date()'s '±HH:MM' modifier, '+00:00' for 'Z'), still one
    parse, which also judges the zone ('+15:00' is none: NULL).
    date() is NULL exactly where julianday() is (one parser): NULL counts as not valid (0).
    """
    back = f"CASE WHEN substr({c},-1) = 'Z' THEN '+00:00' ELSE substr({c},-6) END"
    return (f"(CASE WHEN typeof({c})='text' THEN coalesce(CASE WHEN {ts_zoned_sql(c)} "
            f"THEN (date({c}, {back}) = substr({c},1,10)) * {zoned_weight} "
            f"ELSE date({c}) = substr({c},1,10) END, 0) ELSE 0 END)")


def ts_valid_sql(c: str) -> str:
    """SQLite condition: the quoted column `c` holds a text timestamp PostgreSQL reads the same way
    (with or without a zone; see _ts_sql)."""
    return _ts_sql(c)


_PACK = 1 << 32  # two counts share one 64-bit sum: exact below 4 billion rows
_PACK3 = 1 << 21  # three counts share one 64-bit sum: exact below 2 million rows


_TEXT_EXPECTED = ("timestamp", "date", "json")  # kinds usually stored as text: their NULs counted in the one scan


def _column_exprs(name: str, declared: str, rows: int | None = None) -> list[tuple[str, str]]:
    """(field, aggregate) pairs for one column of a table of `rows` rows (None: any number).

    Each aggregate costs a step per row, so storage classes are counted several to an aggregate
    (below 2**21 rows: integers, reals and blobs in one sum, texts as the rest of count(column);
    else two to a sum), and shape tests (timestamps, JSON, boolean words, scale) run only where the
    declared type asks for them; fields left out keep their neutral value.
    """
    c = qs(name)
    kind = declared_kind(declared)
    is_text = f"typeof({c})='text'"
    if rows is not None and rows < _PACK3:
        out = [("non_null", f"count({c})"),
               ("integers+reals+blobs", f"sum(CASE typeof({c}) WHEN 'integer' THEN 1 WHEN 'real' THEN {_PACK3} "
                                        f"WHEN 'blob' THEN {_PACK3 * _PACK3} ELSE 0 END)")]
    else:
        out = [("integers+reals", f"sum(CASE typeof({c}) WHEN 'integer' THEN 1 WHEN 'real' THEN {_PACK} ELSE 0 END)"),
               ("texts+blobs", f"sum(CASE typeof({c}) WHEN 'text' THEN 1 WHEN 'blob' THEN {_PACK} ELSE 0 END)")]
    if kind == "timestamp":  # the planner reads integer bounds only to recognise epochs in a timestamp column
        out += [("int_min", f"min(CASE WHEN typeof({c})='integer' THEN {c} END)"),
                ("int_max", f"max(CASE WHEN typeof({c})='integer' THEN {c} END)")]
    if kind == "boolean":
        out += [("non_bool_ints", f"sum(typeof({c})='integer' AND {c} NOT IN (0,1))"),
                ("bool_texts", f"sum(CASE WHEN {is_text} THEN {sqlite_word(c)} IN ({sql_list(WORDS)}) ELSE 0 END)")]
    if kind in ("text", "blob") and re.search(r"\(\s*\d", declared):  # read only against a declared length
        out.append(("max_chars", f"max(CASE WHEN {is_text} THEN length({c}) END)"))
    if kind in ("text", "blob", *_TEXT_EXPECTED):  # elsewhere a second look counts them, should texts turn up
        out.append(("nul_texts", f"sum(CASE WHEN {is_text} THEN instr(CAST({c} AS BLOB), x'00') > 0 ELSE 0 END)"))
    if kind in ("timestamp", "date"):
        ok = ts_valid_sql(c)
        out += [("ts_texts+ts_zoned", f"sum({_ts_sql(c, str(1 + _PACK))})"),
                ("date_only", f"sum(CASE WHEN {is_text} AND length({c}) = 10 THEN {ok} ELSE 0 END)")]
    if kind == "json":
        out.append(("json_texts", f"sum({is_text} AND substr(ltrim({c}),1,1) IN ('{{','[') AND json_valid({c}))"))
    if re.fullmatch(r"\s*TIME\b.*", declared, re.I) and "STAMP" not in declared.upper():
        hm = "[0-2][0-9]:[0-5][0-9]"
        shape = (f"({c} GLOB '{hm}' OR {c} GLOB '{hm}:[0-5][0-9]' OR ({c} GLOB '{hm}:[0-5][0-9].[0-9]*' "
                 f"AND length({c}) <= 15 AND NOT substr({c}, 10) GLOB '*[^0-9]*'))")
        out.append(("time_texts", f"sum(CASE WHEN {is_text} AND {shape} THEN time({c}) IS NOT NULL ELSE 0 END)"))
    if ps := declared_scale(declared):
        out.append(("scale_misfits", f"sum(typeof({c}) IN ('real','integer') AND "
                                     f"(round({c},{ps[1]}) <> {c} OR abs({c}) >= 1e{ps[0] - ps[1]}))"))
    return out


def _unpack(fields: dict) -> dict:
    for packed in [k for k in fields if "+" in k]:
        names = packed.split("+")
        width = _PACK if len(names) == 2 else _PACK3
        total = fields.pop(packed) or 0
        for name in names:
            fields[name], total = total % width, total // width
    if "non_null" in fields:  # counted as the rest: every non-NULL value that is no integer, real or blob
        fields["texts"] = fields.pop("non_null") - fields["integers"] - fields["reals"] - fields["blobs"]
    return fields


_CHUNK_ROWS = 200_000  # rowids one scan counts: a larger table is counted in several scans
_ROWID_NAMES = ("rowid", "_rowid_", "oid")  # SQLite's names for the rowid; a column of that name hides it
_MAX_SCANS = 8  # at most this many ranges per table (sparse rowids make wide ranges, never more scans)


def profile_tables(src: SqliteSource, tables: list[Table]) -> dict[str, dict[str, ColumnProfile]]:
    """Profile every table (see `profile_and_run`)."""
    return profile_and_run(src, tables)[0]


def profile_and_run(src: SqliteSource, tables: list[Table],
                    jobs: list[tuple[int, Callable[[SqliteSource], object]]] = ()) -> tuple[dict, list]:
    """(every table's profile, the result of each job), read over two read-only connections at once.

    Aggregates cost CPU per row; on two cores two scans take about half the time. A table of more than
    `_CHUNK_ROWS` rowids is counted in rowid ranges, each range one scan of every column, the counts
    added (sums and counts add, minima and maxima combine: the same figures as one scan). The scans
    and the `jobs` ((cost in rows, function of a connection)) run largest first, each connection taking
    the next when it is free, so neither waits for the other. The second connection only counts (it
    plans nothing by itself): every row copied still comes from `src`'s one snapshot, and a value added
    in between makes COPY fail, never pass unseen.
    """
    bounds = {t.name: _rowid_bounds(src, t) for t in tables}
    tasks: list[tuple[int, Callable[[SqliteSource], object]]] = []
    parts: dict[str, list[int]] = {}
    for t in tables:
        name, lo_hi = _rowid_name(t), bounds[t.name]
        if name and lo_hi:
            lo, hi = lo_hi
            step = -(-(hi - lo + 1) // min(_MAX_SCANS, -(-(hi - lo + 1) // _CHUNK_ROWS)))  # ceilings
            ranges = [(a, min(a + step - 1, hi)) for a in range(lo, hi + 1, step)]
        else:
            ranges = [None]
        for r in ranges:
            cost = (r[1] - r[0] + 1 if r else _CHUNK_ROWS) * (1 + len(t.columns))
            parts.setdefault(t.name, []).append(len(tasks))
            tasks.append((cost, lambda conn, t=t, r=r, name=name: _count(conn, t, name, r, bounds[t.name])))
    first_job = len(tasks)
    tasks += list(jobs)
    results = _run_on_two(src, tasks) if sum(len(t.columns) for t in tables) >= 8 or jobs \
        else [fn(src) for _, fn in tasks]
    out = {}
    for t in tables:
        counted = [results[i] for i in parts[t.name]]
        out[t.name] = _profiles(t, counted)
        _nuls_in_mixed(src, t, out[t.name], [c for c, _ in counted[0][0]])
    return out, results[first_job:]


def _run_on_two(src: SqliteSource, tasks: list) -> list:
    """Each task's result, the tasks run largest first by two threads, one connection each (`src` and
    a second one read the same way); a failure stops both and is raised."""
    from concurrent.futures import ThreadPoolExecutor

    results: list = [None] * len(tasks)
    pending = sorted(range(len(tasks)), key=lambda i: -tasks[i][0])
    lock = threading.Lock()
    failed = threading.Event()

    def work(conn: SqliteSource) -> None:  # one thread per connection, never shared
        while not failed.is_set():
            with lock:
                if not pending:
                    return
                i = pending.pop(0)
            try:
                results[i] = tasks[i][1](conn)
            except BaseException:
                failed.set()
                raise

    other = src.reopen()  # read as `src` is (an allowed stale read holds here too)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = [pool.submit(work, src), pool.submit(work, other)]
            for f in done:
                f.result()
    finally:
        other.close()
    return results


def row_estimate(src: SqliteSource, table: Table) -> int:
    """At most this many rows in `table`, from its rowid's ends (no scan); `_CHUNK_ROWS` when it has no rowid."""
    bounds = _rowid_bounds(src, table)
    return (bounds[1] - bounds[0] + 1 if bounds else 0) if _rowid_name(table) else _CHUNK_ROWS


def _rowid_name(table: Table) -> str | None:
    """A name that reads the rowid of `table` (None: WITHOUT ROWID, or every such name is a column's)."""
    if table.without_rowid:
        return None
    taken = {c.name.lower() for c in table.columns}
    return next((n for n in _ROWID_NAMES if n not in taken), None)


def _rowid_bounds(src: SqliteSource, table: Table) -> tuple[int, int] | None:
    """(smallest, largest rowid), read from the b-tree's ends (None: no rowid to read, or no row)."""
    name = _rowid_name(table)
    if name is None:
        return None
    lo, hi = src.query(f"SELECT min({name}), max({name}) FROM {qs(table.name)}")[0]
    return None if lo is None else (lo, hi)


def profile_table(src: SqliteSource, table: Table, columns: list | None = None) -> dict[str, ColumnProfile]:
    """Count, per column, the storage classes and value shapes present (one scan of the table)."""
    name = _rowid_name(table)
    counted = _count(src, table, name, None, _rowid_bounds(src, table) if name else None, columns)
    out = _profiles(table, [counted])
    _nuls_in_mixed(src, table, out, [c for c, _ in counted[0]])
    return out


def _count(src: SqliteSource, table: Table, rowid: str | None, span: tuple[int, int] | None,
           bounds: tuple[int, int] | None, columns: list | None = None) -> tuple[list, list]:
    """(each column with its (field, aggregate) pairs, the aggregates' values): one scan of the table,
    or of the rows whose rowid is within `span`. The packing of counts is chosen from an upper bound of
    the rows scanned: the rowids in the range (rowids are distinct integers), else count(*)."""
    alias = table.rowid_alias  # the rowid itself: an integer in every row, nothing to count
    where = ""
    if span is not None:
        most, where = span[1] - span[0] + 1, f" WHERE {rowid} BETWEEN {span[0]} AND {span[1]}"
    elif rowid is not None:
        most = bounds[1] - bounds[0] + 1 if bounds else 0
    else:
        most = src.query(f"SELECT count(*) FROM {qs(table.name)}")[0][0]  # no row is decoded: cheap
    plans = [(col, [] if col.name == alias else _column_exprs(col.name, col.type, most))
             for col in (table.columns if columns is None else columns)]
    exprs = ["count(*)"] + [e for _, p in plans for _, e in p]
    return plans, list(src.query(f"SELECT {', '.join(exprs)} FROM {qs(table.name)}{where}")[0])


def _profiles(table: Table, counted: list[tuple[list, list]]) -> dict[str, ColumnProfile]:
    """The profiles from one or more scans of disjoint rows (`_count` results), their figures combined."""
    lowest, highest = {"int_min"}, {"int_max", "max_chars"}
    rows, totals = 0, {}
    for plans, row in counted:
        rows += row[0]
        i = 1
        for col, p in plans:
            fields = _unpack({name: row[i + k] for k, (name, _) in enumerate(p)})
            i += len(p)
            acc = totals.setdefault(col.name, {})
            for k, v in fields.items():
                if v is None:
                    continue
                if k in lowest | highest and acc.get(k) is not None:
                    acc[k] = min(acc[k], v) if k in lowest else max(acc[k], v)
                else:
                    acc[k] = acc.get(k, 0) + v if k not in lowest | highest else v
    out = {}
    for col, _ in counted[0][0]:
        base = {k: 0 for k in ColumnProfile.__dataclass_fields__ if k not in lowest | highest}
        base.update({"int_min": None, "int_max": None, "max_chars": None, "rows": rows})
        base.update(totals[col.name])
        if col.name == table.rowid_alias:
            base["integers"] = rows
        base["nulls"] = rows - base["integers"] - base["reals"] - base["texts"] - base["blobs"]
        out[col.name] = ColumnProfile(**base)
    return out


def _nuls_in_mixed(src: SqliteSource, table: Table, profiles: dict[str, ColumnProfile], columns: list) -> None:
    """NUL counts for text that turned up where the declaration did not expect it (a rare second look)."""
    from dataclasses import replace

    late = [c for c in columns if declared_kind(c.type) not in ("text", "blob", *_TEXT_EXPECTED)
            and profiles[c.name].texts]
    if not late:
        return
    exprs = ", ".join(f"sum(typeof({qs(c.name)})='text' AND instr(CAST({qs(c.name)} AS BLOB), x'00') > 0)"
                      for c in late)
    for c, n in zip(late, src.query(f"SELECT {exprs} FROM {qs(table.name)}")[0]):
        profiles[c.name] = replace(profiles[c.name], nul_texts=n or 0)
