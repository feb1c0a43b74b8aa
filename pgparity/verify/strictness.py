"""Stricter or narrower than the source: the data fits, the application's next write breaks.

Compared from the two schemas alone (no values): NOT NULL added where SQLite allowed NULL
('not-null-added'); a PostgreSQL-only column NOT NULL without a default, which the application's
INSERT never names ('extra-required-column'); a type narrower than the declaration -- varchar(n)
below the declared length or where none was declared, an integer type narrower than the declared
one, numeric(p,s) with less precision or scale, float4 for a double ('narrower-type'); and UNIQUE
constraints: lost ('unique-lost'), made partial ('unique-partial'), on other columns
('unique-columns'), added ('unique-added'), or case-sensitive where SQLite's was COLLATE NOCASE
('unique-collation'; a unique index on lower(col) or upper(col), or a citext column, is the
case-insensitive equivalent); a UNIQUE or PRIMARY KEY made DEFERRABLE ('unique-deferrable': ON CONFLICT
refuses it, duplicates may pass until COMMIT) or NULLS NOT DISTINCT on a nullable column ('unique-nulls':
SQLite treats NULLs as distinct); timestamp/time/interval with fewer than 6 fractional digits
('narrower-type': fractions rounded on write); char(n) ('char-padding': blank-padded on read); a column
the application writes made GENERATED in PostgreSQL ('generated-added'); an EXCLUDE constraint, which
SQLite cannot have ('exclusion-added').

What it cannot see: a partial UNIQUE whose WHERE differs from SQLite's (both partial: accepted);
collations other than NOCASE (RTRIM) and non-deterministic ICU collations (taken as case-sensitive).
"""

from __future__ import annotations

import re

from ..affinity import affinity, declared_scale
from ..fit import base_type
from ..schema import Index, quote_sqlite_string
from .catalog import PgIndex
from .collation_parity import BYTE_ORDER
from .outcome import Finding
from .pairing import Comparison, TablePair

_INT_BITS = {"smallint": 16, "integer": 32, "bigint": 64}
_LEN_RE = re.compile(r"(?:VAR)?CHAR(?:ACTER)?(?:\s+VARYING)?\s*\(\s*(\d+)\s*\)", re.I)


def stricter(tp: TablePair) -> list[Finding]:
    """NOT NULL added, required extra columns and narrower types."""
    out = []
    pk = set(tp.source.primary_key)
    for c in tp.columns:
        t = c.target
        if t is None:
            continue
        if t.notnull and not c.source.notnull and c.name not in pk:
            out.append(Finding(f"{tp.name}.{c.name}: NOT NULL in PostgreSQL, nullable in SQLite: an INSERT or "
                               f"UPDATE with {c.name} = NULL accepted by SQLite is rejected by PostgreSQL",
                               c.name, "not-null-added"))
        if why := narrower(c.source.type, t.type):
            out.append(Finding(f"{tp.name}.{c.name}: {t.type} in PostgreSQL is narrower than the declared "
                               f"{c.source.type or 'untyped'}: {why}", c.name, "narrower-type"))
        if t.generated:
            out.append(Finding(f"{tp.name}.{c.name}: GENERATED ALWAYS AS ... STORED in PostgreSQL, a plain column the "
                               f"application writes in SQLite: an INSERT or UPDATE setting {c.name} fails with "
                               "'cannot insert a non-DEFAULT value into column'", c.name, "generated-added"))
        if base_type(t.type) in ("character", "bpchar"):
            out.append(Finding(f"{tp.name}.{c.name}: {t.type} in PostgreSQL pads values with blanks: 'ab' "
                               f"written by the application reads back padded to the full length, and "
                               "length(), || and LIKE ignore or keep the padding unlike SQLite's text",
                               c.name, "char-padding"))
    paired = {c.target.name for c in tp.columns if c.target is not None}
    for t in tp.target.columns:
        if t.name not in paired and t.notnull and t.default is None and not t.identity and not t.generated:
            out.append(Finding(f"{tp.name}: PostgreSQL column {t.name} is NOT NULL without a default and SQLite "
                               f"has no such column: every INSERT the application makes fails", t.name,
                               "extra-required-column"))
    return out


def narrower(declared: str, pg_type: str) -> str | None:
    """Why `pg_type` holds less than the SQLite declaration lets the application write, or None."""
    base = base_type(pg_type)
    aff = affinity(declared)
    if base in ("character varying", "character") and (m := re.search(r"\((\d+)\)", pg_type)):
        n = int(m.group(1))
        want = _LEN_RE.search(declared)
        if aff == "TEXT" and (want is None or int(want.group(1)) > n):
            limit = f"declared length {want.group(1)}" if want else "no declared length"
            return f"text longer than {n} characters ({limit} in SQLite) is rejected"
    if base in _INT_BITS and aff == "INTEGER":
        bits = _declared_bits(declared)
        if _INT_BITS[base] < bits:
            return f"a {bits}-bit integer beyond {base}'s range is rejected"
    ps = declared_scale(declared)
    if ps and base == "numeric" and (m := re.search(r"\((\d+)(?:,\s*(\d+))?\)", pg_type)):
        p, s = int(m.group(1)), int(m.group(2) or 0)
        if p < ps[0] or s < ps[1]:
            return f"numbers with precision {ps[0]} and scale {ps[1]} do not fit numeric({p},{s})"
    if ps and ps[1] and base in _INT_BITS:
        return f"decimals with scale {ps[1]} lose their fraction"
    if aff == "REAL" and base == "real":
        return "doubles are rounded to 4-byte floats"
    if (m := _FRACTION_RE.match(pg_type)) and int(m.group(2)) < 6:
        return (f"fractions of a second beyond {m.group(2)} digit(s) are rounded away on every write "
                "(SQLite keeps the text as written)")
    return None


_FRACTION_RE = re.compile(r"^(timestamp|time|interval)\b[^(]*\((\d)\)")


def _declared_bits(declared: str) -> int:
    d = declared.upper()
    if re.search(r"TINYINT|INT1\b", d):
        return 8
    if re.search(r"SMALLINT|INT2\b", d):
        return 16
    if re.search(r"MEDIUMINT|INT3\b", d):
        return 24
    if re.search(r"BIGINT|INT8\b|LONG", d):
        return 64
    return 32  # INTEGER, INT, INT4: SQL's INTEGER is 32-bit, as ORMs declare it on both engines


def uniques(cmp: Comparison, tp: TablePair) -> list[Finding]:
    """Every SQLite UNIQUE has a PostgreSQL twin on the same columns, as wide and as case-blind; no extra ones."""
    names = {c.name: c.target.name for c in tp.columns if c.target is not None}
    targets = [ix for ix in tp.target.index_list if ix.unique]
    used: set[str] = set()
    out = []
    for ix in tp.source.indexes:
        if not ix.unique or ix.origin == "pk":
            continue
        if any(c is None for c in ix.columns):  # an expression UNIQUE: its twin is an expression index
            used.update(t.name for t in targets[:] if t.expressions and not _case_blind_columns(t))
            continue
        if any(c not in names for c in ix.columns):
            continue
        before = set(used)
        out += _one_unique(cmp, tp, ix, names, targets, used)
        twin = next((t for t in targets if t.name in used - before), None)
        out += _manner(tp, f"UNIQUE ({', '.join(ix.columns)})", _one(ix.columns), twin) if twin else []
    pk = {names.get(c) for c in tp.source.primary_key}
    for t in targets:
        if t.primary and tp.source.primary_key:
            out += _manner(tp, f"PRIMARY KEY ({', '.join(tp.source.primary_key)})", _one(tp.source.primary_key), t)
        if t.name in used or t.primary:
            continue
        cols = _case_blind_columns(t) or t.columns
        if set(cols) == pk and not t.predicate:
            continue
        shown = t.definition.split(" USING ", 1)[-1]
        out.append(Finding(f"{tp.name}: PostgreSQL has UNIQUE index {t.name} ({shown}) that SQLite lacks: a "
                           "duplicate SQLite accepts is rejected by PostgreSQL", None, "unique-added"))
    for t in tp.target.index_list:
        if t.exclusion:
            shown = t.definition.split(" USING ", 1)[-1]
            out.append(Finding(f"{tp.name}: PostgreSQL has EXCLUDE constraint {t.name} ({shown}) that SQLite lacks: "
                               "a row SQLite accepts is rejected when it conflicts with another", None,
                               "exclusion-added"))
    return out


def _one_unique(cmp: Comparison, tp: TablePair, ix: Index, names: dict[str, str], targets: list[PgIndex],
                used: set[str]) -> list[Finding]:
    want = tuple(names[c] for c in ix.columns)
    nocase = _nocase(cmp, ix)
    shown = f"UNIQUE ({', '.join(ix.columns)})"
    exact = [t for t in targets if set(t.columns) == set(want) and (bool(t.predicate) == bool(ix.where))]
    blind = [t for t in targets if set(_case_blind_columns(t)) == set(want) and not t.predicate]
    typed = all(_citext(tp, c) for c in want)
    if nocase and (blind or (exact and typed)):
        used.add((blind or exact)[0].name)
        return []
    if exact:
        used.add(exact[0].name)
        if nocase:
            return [Finding(f"{tp.name}: {shown} is COLLATE NOCASE in SQLite but case-sensitive in PostgreSQL: "
                            f"a second row with {ix.columns[0]} = 'X' next to 'x', rejected by SQLite, is "
                            "accepted by PostgreSQL", _one(ix.columns), "unique-collation")]
        return []
    if not nocase and blind:  # lower(col): stricter than SQLite's case-sensitive UNIQUE
        used.add(blind[0].name)
        return [Finding(f"{tp.name}: {shown} is case-sensitive in SQLite but case-blind in PostgreSQL "
                        f"({blind[0].name}): 'X' next to 'x', accepted by SQLite, is rejected by PostgreSQL",
                        _one(ix.columns), "unique-collation")]
    partial = [t for t in targets if set(t.columns) | set(_case_blind_columns(t)) >= set(want) and t.predicate
               and not ix.where and set(t.columns) - {None} <= set(want)]
    if partial:
        used.add(partial[0].name)
        return [Finding(f"{tp.name}: {shown} is partial in PostgreSQL (WHERE {partial[0].predicate}): duplicates "
                        "outside that condition, rejected by SQLite, are accepted", _one(ix.columns),
                        "unique-partial")]
    other = [t for t in targets if set(t.columns) & set(want) and t.name not in used]
    if other:
        used.add(other[0].name)
        cols = ", ".join(c or "(expression)" for c in other[0].columns)
        return [Finding(f"{tp.name}: {shown} is UNIQUE ({cols}) in PostgreSQL: which rows count as duplicates "
                        "changed", _one(ix.columns), "unique-columns")]
    return [Finding(f"{tp.name}: {shown} not carried: a duplicate rejected by SQLite is accepted by PostgreSQL",
                    _one(ix.columns), "unique-lost")]


def _manner(tp: TablePair, shown: str, column: str | None, t: PgIndex) -> list[Finding]:
    """How the twin enforces: SQLite's UNIQUE is checked per statement and treats NULLs as distinct."""
    out = []
    if t.deferrable:
        when = "INITIALLY DEFERRED: a duplicate is rejected only at COMMIT, not by the statement" if t.deferred \
            else "a duplicate is rejected per statement, but"
        out.append(Finding(f"{tp.name}: {shown} is DEFERRABLE in PostgreSQL ({t.name}; SQLite's never is), "
                           f"{when}; INSERT ... ON CONFLICT on it fails with 'ON CONFLICT does not support "
                           "deferrable unique constraints'", column, "unique-deferrable"))
    for col, coll in zip(t.columns, t.collations):
        own = tp.target.column(col) if col else None
        if coll and coll.lower() not in BYTE_ORDER and (own is None or own.collation != coll):
            out.append(Finding(f"{tp.name}: {shown} compares its key with COLLATE \"{coll}\" in PostgreSQL "
                               f"({t.name}): which values count as duplicates can differ from SQLite's",
                               column, "unique-collation"))
    nullable = [c for c in t.columns if c and (col := tp.target.column(c)) is not None and not col.notnull]
    if t.nulls_not_distinct and nullable and not t.primary:
        out.append(Finding(f"{tp.name}: {shown} is NULLS NOT DISTINCT in PostgreSQL ({t.name}): a second row with "
                           f"{nullable[0]} = NULL, accepted by SQLite (NULLs are distinct), is rejected",
                           column, "unique-nulls"))
    return out


def _one(cols) -> str | None:
    return cols[0] if len(cols) == 1 else None


def _nocase(cmp: Comparison, ix: Index) -> bool:
    colls = getattr(ix, "collations", ()) or [r[4] for r in cmp.source.query(
        f"PRAGMA index_xinfo({quote_sqlite_string(ix.name)})") if r[5]]
    return any((c or "").upper() == "NOCASE" for c in colls)


_FOLD = re.compile(r"^(?:lower|upper)\(\(?\"?([^\")]+?)\"?\)?(?:::[\w ]+)?\)$")


def _case_blind_columns(t: PgIndex) -> tuple[str, ...]:
    """The columns of a unique index on lower(col)/upper(col) expressions only (empty otherwise)."""
    if not t.expressions or any(c is not None for c in t.columns):
        return ()
    parts = [p.strip() for p in re.split(r",\s*(?![^()]*\))", t.expressions)]
    cols = [m.group(1) for p in parts if (m := _FOLD.match(p))]
    return tuple(cols) if len(cols) == len(parts) else ()


def _citext(tp: TablePair, pg_name: str) -> bool:
    col = tp.target.column(pg_name)
    return col is not None and base_type(col.type).endswith("citext")
