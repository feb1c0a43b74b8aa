"""Two results of one statement, compared row by row under the canonical rules; each difference a Finding.

Rows are compared as multisets unless the statement orders them (a top-level ORDER BY): then the
order matters, and rows that are all there but in another order are a difference named 'collation'
when a text key orders them (SQLite compares text by its bytes, PostgreSQL by the database's
collation) and 'order' otherwise. Clock values (CURRENT_TIMESTAMP, datetime('now')) are compared as
minutes from the moment each side ran, so a zone shift shows and the seconds between the runs do not.
GROUP_CONCAT values are compared as the multiset of their parts (their order is unspecified in both).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlglot import exp

from ..verify.outcome import Finding
from ..verify.rules import Settings
from .canon import ColumnRule, canon_pg, canon_sqlite, clock_minutes, computed_rule
from .sides import Result


@dataclass
class Shape:
    """What the statement says about its result columns (from its tree)."""

    rules: list[ColumnRule | None] = field(default_factory=list)  # per column (None: computed)
    clock: set[int] = field(default_factory=set)
    concat: dict[int, str] = field(default_factory=dict)  # column -> GROUP_CONCAT separator
    key: list[int] = field(default_factory=list)  # columns forming the table's primary key, when all present
    key_names: list[str] = field(default_factory=list)
    ordered: bool = False
    write: bool = False  # INSERT/UPDATE/DELETE: the rows compared are the changed rows (RETURNING *)
    text_order: list[str] = field(default_factory=list)  # ORDER BY keys that are (or may be) text
    order_cols: list[int] | None = None  # result columns holding every ORDER BY key (None: not all shown)


def compare(query: str, index: str, shape: Shape, sq: Result, pg: Result, s: Settings) -> list[Finding]:
    """Findings for one statement (`index`: '' for a one-statement query, else ' statement 2')."""
    where = f"query {query}{index}"
    if len(sq.columns) != len(pg.columns):
        return [Finding(f"{where}: SQLite returns {len(sq.columns)} column(s) {sq.columns}, PostgreSQL "
                        f"{len(pg.columns)} {pg.columns}", None, "columns")]
    out = []
    n_a, n_b = _count(sq), _count(pg)
    if n_a != n_b:
        verb = "changes" if shape.write else "returns"
        out.append(Finding(f"{where}: SQLite {verb} {n_a} row(s), PostgreSQL {n_b}", None, "rowcount"))
    if not sq.columns:
        return out
    a, b = _canonical(shape, sq, pg, s)
    if shape.ordered and Counter(a) == Counter(b) and _keys(shape, a) != _keys(shape, b):
        return out + [_order_finding(where, shape, sq, pg, _keys(shape, a), _keys(shape, b))]
    return out + _row_findings(where, shape, sq, pg, a, b, s)


def _keys(shape: Shape, rows: list[tuple]) -> list[tuple]:
    """What the ORDER BY decides: the key columns of each row (rows with equal keys may come in any order),
    or the whole rows when a key is not among the result columns."""
    if shape.order_cols is None:
        return rows
    return [tuple(r[j] for j in shape.order_cols) for r in rows]


def _count(res: Result) -> int:
    return len(res.rows) if res.columns else res.rowcount


def _canonical(shape: Shape, sq: Result, pg: Result, s: Settings) -> tuple[list[tuple], list[tuple]]:
    cols_a, cols_b = [], []
    for j in range(len(sq.columns)):
        cr = shape.rules[j] if j < len(shape.rules) and shape.rules[j] else \
            computed_rule(pg.types[j] if j < len(pg.types) else None, s)
        va = canon_sqlite(cr, [r[j] for r in sq.rows])
        vb = canon_pg(cr, [r[j] for r in pg.rows])
        if j in shape.clock:
            va = [(clock_minutes(v, sq.started_us), o) for v, o in va]
            vb = [(clock_minutes(v, pg.started_us), o) for v, o in vb]
        if j in shape.concat:
            sep = shape.concat[j]
            va = [(_parts(v, sep), o) for v, o in va]
            vb = [(_parts(v, sep), o) for v, o in vb]
        cols_a.append(va)
        cols_b.append(vb)
    return list(zip(*cols_a)) if cols_a else [], list(zip(*cols_b)) if cols_b else []


def _parts(v, sep: str):
    return tuple(sorted(v.split(sep))) if isinstance(v, str) else v


def _order_finding(where: str, shape: Shape, sq: Result, pg: Result, a: list, b: list) -> Finding:
    i = next(k for k, (x, y) in enumerate(zip(a, b)) if x != y)
    row_a, row_b = _show(sq.rows[i]), _show(pg.rows[i])
    if shape.text_order:
        keys = ", ".join(shape.text_order)
        return Finding(f"{where}: row {i + 1}: SQLite {row_a}, PostgreSQL {row_b}: the same rows in another order "
                       f"(collation: SQLite orders text by its bytes, PostgreSQL by the database's collation; "
                       f"ORDER BY {keys} COLLATE \"C\" gives SQLite's order)", shape.text_order[0], "collation",
                       f"row={i + 1}")
    return Finding(f"{where}: row {i + 1}: SQLite {row_a}, PostgreSQL {row_b}: the same rows in another order "
                   "(ties in ORDER BY are ordered differently: add a unique key to ORDER BY)", None, "order",
                   f"row={i + 1}")


def _row_findings(where: str, shape: Shape, sq: Result, pg: Result, a: list, b: list, s: Settings) -> list[Finding]:
    extra_a = Counter(a) - Counter(b)
    extra_b = Counter(b) - Counter(a)
    if not extra_a and not extra_b:
        return []
    only_a = [i for i, r in enumerate(a) if _take(extra_a, r)]
    only_b = [i for i, r in enumerate(b) if _take(extra_b, r)]
    pairs, lone_a, lone_b = _pair(shape, a, b, only_a, only_b)
    out = []
    for i, k in pairs:
        for j, col in enumerate(sq.columns):
            if a[i][j] != b[k][j]:
                out.append(Finding(f"{where} [{_key(shape, sq.rows[i], i)}] {col}: SQLite {_v(sq.rows[i][j])}, "
                                   f"PostgreSQL {_v(pg.rows[k][j])}{_why(shape, j)}", col, "value",
                                   _key(shape, sq.rows[i], i)))
    for i in lone_a:
        out.append(Finding(f"{where} [{_key(shape, sq.rows[i], i)}]: only SQLite returns {_show(sq.rows[i])}", None,
                           "row-missing", _key(shape, sq.rows[i], i)))
    for k in lone_b:
        out.append(Finding(f"{where} [{_key(shape, pg.rows[k], k)}]: only PostgreSQL returns {_show(pg.rows[k])}",
                           None, "row-extra", _key(shape, pg.rows[k], k)))
    if shape.ordered and shape.text_order and (lone_a or lone_b):
        out.insert(0, Finding(f"{where}: ORDER BY {', '.join(shape.text_order)} picks other rows (collation: SQLite "
                              "orders text by its bytes, PostgreSQL by the database's collation)", shape.text_order[0],
                              "collation"))
    return out


def _take(counter: Counter, row) -> bool:
    if counter[row] > 0:
        counter[row] -= 1
        return True
    return False


def _pair(shape: Shape, a: list, b: list, only_a: list[int], only_b: list[int]):
    """Pairs of differing rows (by the table's key, else the single leftover on each side)."""
    if shape.key:
        by_key = {tuple(b[k][j] for j in shape.key): k for k in only_b}
        pairs = [(i, by_key[tuple(a[i][j] for j in shape.key)]) for i in only_a
                 if tuple(a[i][j] for j in shape.key) in by_key]
        used_a, used_b = {p[0] for p in pairs}, {p[1] for p in pairs}
        return pairs, [i for i in only_a if i not in used_a], [k for k in only_b if k not in used_b]
    if len(only_a) == len(only_b) and (len(only_a) == 1 or shape.ordered):
        return list(zip(only_a, only_b)), [], []
    return [], only_a, only_b


def _key(shape: Shape, row: tuple, i: int) -> str:
    if shape.key:
        return ", ".join(f"{n}={row[j]}" for n, j in zip(shape.key_names, shape.key))
    return f"row={i + 1}"


def _why(shape: Shape, j: int) -> str:
    return " (read from the clock: minutes apart, a time zone?)" if j in shape.clock else ""


def _v(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _show(row: tuple) -> str:
    return "(" + ", ".join(_v(v) for v in row) + ")"


def is_ordered(tree: exp.Expression) -> bool:
    return isinstance(tree, (exp.Select, exp.Union)) and tree.args.get("order") is not None
