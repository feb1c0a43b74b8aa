"""Schema parity: the PostgreSQL table behaves like the SQLite one on the application's next read and write.

Proves, per table: every column exists; NOT NULL, PRIMARY KEY and UNIQUE are carried and no stricter
(strictness.py); indexes are carried; every CHECK means the same (constraint_meaning.py); every DEFAULT writes
the same value (default_behaviour.py); no type is narrower than the declaration and each holds every value
(fit); a declared BOOLEAN/DATETIME/JSON... whose values fit did not land as text or integer
(declared_intent.py); text compares and orders as SQLite's column collation did (collation_parity.py); the
table takes no part in INHERITS ('inheritance': a child's rows are read with the parent's but escape its
PRIMARY KEY and UNIQUE); a UNIQUE SQLite names (CONSTRAINT name UNIQUE, CREATE UNIQUE INDEX name) keeps that
name ('unique-name': an ORM's next migration drops it by name). A DOMAIN column is its base type plus the
domain's NOT NULL and CHECKs (domains.py). Value-dependent parts (NULLs under a lost NOT NULL or PRIMARY KEY,
values a type cannot keep) are read from the table facts of the content scan, counted on the canonical values
(fit.canonical_fit): the table is not read again (a declared-intent candidate still costs one profile scan; a
CHECK probe reads the column's distinct values).

What it cannot see: anything outside the table (views, triggers: the objects check); differences at
values no CHECK probe reaches (see probes.py); volatile defaults are compared by presence only; a zone
offset in a SQLite text that a timestamp without time zone now holds (the canonical instant keeps the
moment, not the offset; migrate.py --data-only refuses such text before writing).
"""

from __future__ import annotations

from ..ddl import unique_names
from ..fit import canonical_fit
from .collation_parity import collation_findings, enum_order_notes
from .constraint_meaning import CheckReport, compare_checks
from .declared_intent import intent_findings
from .default_behaviour import compare_defaults
from .facts import facts_of
from .outcome import Finding, Outcome, failed, missing_columns, missing_table, passed
from .pairing import Comparison, TablePair
from .scratch import scratch_of
from .strictness import stricter, uniques


def _target_cols(tp: TablePair, names) -> tuple[str, ...] | None:
    out = []
    for n in names:
        pair = next((c for c in tp.columns if c.name == n), None)
        if pair is None or pair.target is None:
            return None
        out.append(pair.target.name)
    return tuple(out)


def check_schema(cmp: Comparison, tp: TablePair) -> Outcome:
    """Everything SQLite declares for the table is carried, means the same, and is no stricter."""
    if tp.target is None:
        return missing_table("schema", tp.name, cmp.settings.schema, tp.near)
    found: list[Finding] = missing_columns(tp.name, tp.missing)
    found += _scanned(cmp, tp)
    found += stricter(tp) + uniques(cmp, tp) + _indexes(tp) + _unique_names(tp) + collation_findings(tp)
    found += _inheritance(tp)
    checks, defaults, default_notes = CheckReport([], []), [], []
    if _needs_scratch(tp):
        with scratch_of(cmp) as scratch:
            checks = compare_checks(cmp, tp, scratch)
            defaults, default_notes = compare_defaults(cmp, tp, scratch)
    found += checks.findings + defaults + intent_findings(cmp, tp)
    rules = {c.name: f"{c.source.type or 'untyped'} -> {c.target.type}: {c.rule.name}" for c in tp.compared}
    if found:
        return failed("schema", tp.name, f"{len(found)} schema difference(s)", found, rules=rules)
    notes = "".join(f"; {n}" for n in checks.notes + default_notes + enum_order_notes(tp))
    return passed("schema", tp.name, f"{len(tp.compared)} columns, keys, indexes, checks and defaults carried"
                  f"{notes}", rules=rules)


def _needs_scratch(tp: TablePair) -> bool:
    """Whether any CHECK or DEFAULT exists on either side (else no scratch connection is opened)."""
    return bool(tp.source.checks or tp.target.check_constraints
                or any(c.source.dflt_value is not None for c in tp.columns)
                or any(c.default is not None for c in tp.target.columns))


def _scanned(cmp: Comparison, tp: TablePair) -> list[Finding]:
    """Nullability, primary key and type fit: the parts that depend on the values, read from the table facts
    of the content scan (NULL counts, and misfits counted on the canonical values by fit.canonical_fit)."""
    if not tp.compared:
        return []
    src = facts_of(cmp, tp).source.columns
    results: list[tuple[tuple, int]] = []  # (what to say when the count is not zero / is zero, count)
    for c in tp.compared:
        if c.source.notnull and not c.target.notnull:
            results.append((("nullable", c), src[c.name].nulls))
    pk = tp.source.primary_key
    want = _target_cols(tp, pk) if pk else None
    if want and set(want) != set(tp.target.primary_key):
        results += [(("pk-null", c), src[c].nulls) for c in pk if c != tp.source.rowid_alias]
        results.append((("pk", want), 0))
    for c in tp.compared:
        f = src[c.name]
        if f.misfits is not None:
            results.append((("misfit", c, canonical_fit(f.kind, c.target.type).why), f.misfits))
    return _scan_findings(tp, results)


def _scan_findings(tp: TablePair, results: list[tuple[tuple, int]]) -> list[Finding]:
    out = []
    pk_nulls = any(n for what, n in results if what[0] == "pk-null")
    for what, n in results:
        if what[0] == "nullable" and not n:
            c = what[1]
            out.append(Finding(f"{tp.name}.{c.name}: NOT NULL in SQLite but nullable in PostgreSQL: an INSERT "
                               f"with {c.name} = NULL rejected by SQLite is accepted", c.name, "not-null-lost"))
        elif what[0] == "pk" and not pk_nulls:
            have = tp.target.primary_key
            out.append(Finding(f"{tp.name}: PRIMARY KEY ({', '.join(tp.source.primary_key)}) not carried"
                               + (f" (PostgreSQL has ({', '.join(have)}))" if have else "")
                               + ": a duplicate key rejected by SQLite is accepted", None, "primary-key"))
        elif what[0] == "misfit" and n:
            c, why = what[1], what[2]
            out.append(Finding(f"{tp.name}.{c.name}: {n} value(s) {why} (PostgreSQL type {c.target.type})",
                               c.name, "type-fit"))
    return out


def _indexes(tp: TablePair) -> list[Finding]:
    """Plain (non-unique) indexes: a lost one changes speed, not results, but the app's plans rely on it."""
    out = []
    for ix in tp.source.indexes:
        if ix.unique or ix.origin == "pk" or any(c is None for c in ix.columns):
            continue
        want = _target_cols(tp, ix.columns)
        if want is not None and not any(cols[: len(want)] == want for _, cols in tp.target.indexes):
            out.append(Finding(f"{tp.name}: index {ix.name} ({', '.join(ix.columns)}) not carried",
                               ix.columns[0] if len(ix.columns) == 1 else None, "index-lost"))
    return out


def _unique_names(tp: TablePair) -> list[Finding]:
    """A UNIQUE SQLite names (CONSTRAINT name UNIQUE, CREATE UNIQUE INDEX name) carried under another name: an ORM's
    next migration drops or alters it by name (Django's RemoveConstraint, Alembic's drop_constraint) and fails."""
    named = dict(unique_names(tp.source.sql))
    named.update({tuple(c.lower() for c in ix.columns): ix.name for ix in tp.source.indexes
                  if ix.unique and ix.origin == "c" and all(c is not None for c in ix.columns)})
    out = []
    for cols, name in named.items():
        want = _target_cols(tp, [next((c.name for c in tp.columns if c.name.lower() == x), x) for x in cols])
        if want is None:
            continue
        same = [ix.name for ix in tp.target.index_list if ix.unique and not ix.primary
                and tuple(c.lower() if c else c for c in ix.columns) == tuple(c.lower() for c in want)]
        if same and name not in same and name.lower() not in same:
            out.append(Finding(f"{tp.name}: UNIQUE ({', '.join(want)}) is named {name!r} in SQLite, "
                               f"{same[0]!r} in PostgreSQL: a migration that drops or alters it by name fails",
                               want[0] if len(want) == 1 else None, "unique-name"))
    return out


def _inheritance(tp: TablePair) -> list[Finding]:
    """INHERITS: a SELECT on the parent reads the children's rows, which no PRIMARY KEY or UNIQUE covers."""
    out = []
    if tp.target.children:
        out.append(Finding(f"{tp.name}: PostgreSQL table has child table(s) {', '.join(tp.target.children)} "
                           "(INHERITS): their rows are read with this table's but escape its PRIMARY KEY, UNIQUE "
                           "and foreign keys: a duplicate key is accepted", None, "inheritance"))
    if tp.target.parents:
        out.append(Finding(f"{tp.name}: PostgreSQL table INHERITS from {', '.join(tp.target.parents)}: its rows "
                           "are also read through the parent, outside the parent's PRIMARY KEY and UNIQUE",
                           None, "inheritance"))
    return out
