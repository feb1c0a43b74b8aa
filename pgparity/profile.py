"""What the values in each SQLite column actually are, counted inside SQLite in one scan per table.

SQLite declares affinities, not types: an INTEGER column may hold text, a DATETIME column epochs.
The planner needs these counts to follow the values instead of the declaration.
"""

from __future__ import annotations

import re
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
    if kind in ("text", "blob"):
        if re.search(r"\(\s*\d", declared):  # the planner reads the longest text only against a declared length
            out.append(("max_chars", f"max(CASE WHEN {is_text} THEN length({c}) END)"))
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


def profile_tables(src: SqliteSource, tables: list[Table]) -> dict[str, dict[str, ColumnProfile]]:
    """Profile every table, each table's columns split over two read-only connections scanning at once.

    Aggregates cost CPU per row; on two cores two scans of half the columns take about half the time.
    The second connection only counts (it plans nothing by itself): every row copied still comes
    from `src`'s one snapshot, and a value added in between makes COPY fail, never pass unseen.
    """
    from concurrent.futures import ThreadPoolExecutor

    if sum(len(t.columns) for t in tables) < 8:
        return {t.name: profile_table(src, t) for t in tables}
    other = src.reopen()  # read as `src` is (an allowed stale read holds here too)
    try:
        halves = {t.name: _halves(t.columns) for t in tables}

        def scan(conn: SqliteSource, first: bool) -> dict:  # one thread per connection, never shared
            return {t.name: profile_table(conn, t, halves[t.name][0 if first else 1])
                    for t in tables if first or halves[t.name][1]}

        with ThreadPoolExecutor(max_workers=2) as pool:
            a, b = pool.submit(scan, src, True), pool.submit(scan, other, False)
            left, right = a.result(), b.result()
        return {t.name: {**left[t.name], **right.get(t.name, {})} for t in tables}
    finally:
        other.close()


def _halves(columns: list) -> tuple[list, list]:
    """The columns in two groups of about equal cost (aggregates per row; a date parse counts double),
    heaviest first into the lighter group; each group keeps the table's column order."""
    def cost(col) -> int:
        return len(_column_exprs(col.name, col.type)) * (2 if declared_kind(col.type) in ("timestamp", "date") else 1)

    sides: tuple[list, list] = ([], [])
    weight = [0, 0]
    for col in sorted(columns, key=cost, reverse=True):
        side = 0 if weight[0] <= weight[1] else 1
        sides[side].append(col)
        weight[side] += cost(col)
    order = {id(c): i for i, c in enumerate(columns)}
    return tuple(sorted(side, key=lambda c: order[id(c)]) for side in sides)


def profile_table(src: SqliteSource, table: Table, columns: list | None = None) -> dict[str, ColumnProfile]:
    """Count, per column, the storage classes and value shapes present (one scan of the table)."""
    alias = table.rowid_alias  # the rowid itself: an integer in every row, nothing to count
    rows = src.query(f"SELECT count(*) FROM {qs(table.name)}")[0][0]  # no row is decoded: cheap
    plans = [(col, [] if col.name == alias else _column_exprs(col.name, col.type, rows))
             for col in (table.columns if columns is None else columns)]
    exprs = ["count(*)"] + [e for _, p in plans for _, e in p]
    row = list(src.query(f"SELECT {', '.join(exprs)} FROM {qs(table.name)}")[0])
    rows, i, out = row[0], 1, {}
    for col, p in plans:
        fields = _unpack({name: row[i + k] for k, (name, _) in enumerate(p)})
        i += len(p)
        base = {k: 0 for k in ColumnProfile.__dataclass_fields__ if k not in ("int_min", "int_max", "max_chars")}
        base.update({"int_min": None, "int_max": None, "max_chars": None, "rows": rows})
        base.update({k: (v if v is not None or k in ("int_min", "int_max", "max_chars") else 0)
                     for k, v in fields.items()})
        if col.name == alias:
            base["integers"] = rows
        base["nulls"] = rows - base["integers"] - base["reals"] - base["texts"] - base["blobs"]
        out[col.name] = ColumnProfile(**base)
    _nuls_in_mixed(src, table, out, [c for c, _ in plans])
    return out


def _nuls_in_mixed(src: SqliteSource, table: Table, profiles: dict[str, ColumnProfile], columns: list) -> None:
    """NUL counts for text that turned up where the declaration did not expect it (a rare second look)."""
    from dataclasses import replace

    late = [c for c in columns if declared_kind(c.type) not in ("text", "blob") and profiles[c.name].texts]
    if not late:
        return
    exprs = ", ".join(f"sum(typeof({qs(c.name)})='text' AND instr(CAST({qs(c.name)} AS BLOB), x'00') > 0)"
                      for c in late)
    for c, n in zip(late, src.query(f"SELECT {exprs} FROM {qs(table.name)}")[0]):
        profiles[c.name] = replace(profiles[c.name], nul_texts=n or 0)
