"""CHECK constraints compared by meaning: does PostgreSQL accept and reject what SQLite did?

Each SQLite CHECK is translated (pgparity.sqltranslate) and added to a scratch copy of the target
table, so PostgreSQL writes it in its canonical form; equal `pg_get_constraintdef` texts are the
same constraint. Any CHECK left over on either side is then tried on probe values (probes.py):
SQLite's CHECK in SQLite, PostgreSQL's in PostgreSQL, on the same values. A SQLite CHECK with a
value it rejects but PostgreSQL accepts is lost or weakened ('check-meaning', or
'check-untranslatable' when no translation exists); a PostgreSQL CHECK with a value it rejects but
SQLite accepted is stricter ('check-added'). A SQLite CHECK that accepts every value the target
type can hold (`flag IN (0,1)` on boolean, `json_valid(x)` on jsonb) is implied by the type.
A matching CHECK added NOT VALID never proved the existing rows ('check-not-valid'). A DOMAIN's
CHECK on a column's type is one more PostgreSQL CHECK on that column (domains.py).

What it cannot see: a difference at a value no probe reaches; CHECKs reading a column that has no
PostgreSQL counterpart (the column finding says it); CHECKs on target types without a probe rule
(uuid, inet, arrays) are compared by canonical text only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from ..sqlnames import qi, qs, sql_literal
from ..sqltranslate import parse_sqlite, referenced_columns, translate_expr
from .catalog import PgCheck
from .outcome import Finding
from .pairing import Comparison, TablePair
from .probes import DISTINCT_VALUES, MAX_ROWS, Probe, column_probes, literals
from .scratch import Scratch, ScratchError


@dataclass
class _Source:
    name: str | None
    expression: str  # SQLite text
    columns: list[str]  # SQLite names it reads
    canonical: str | None  # PostgreSQL's form of the translation
    problems: list[str]  # why no translation


@dataclass
class CheckReport:
    findings: list[Finding]
    notes: list[str]  # what passed and why (implied by a type, written differently)


def compare_checks(cmp: Comparison, tp: TablePair, scratch: Scratch) -> CheckReport:
    """Every SQLite CHECK of the table against every PostgreSQL CHECK, by meaning."""
    names = {c.name: c.target.name for c in tp.columns if c.target is not None}
    temp = _scratch_table(cmp, tp, scratch)
    sources = [_source(c.name, c.expression, names, temp, scratch) for c in tp.source.checks]
    targets = list(tp.target.check_constraints)
    findings, notes = [], []
    left_src, left_tgt = [], list(targets)
    for s in sources:
        hit = next((t for t in left_tgt if s.canonical and _definition(t) == s.canonical), None)
        if hit is None:
            left_src.append(s)
            continue
        left_tgt.remove(hit)
        if not hit.validated:
            findings.append(_not_valid(tp, s, hit))
    if left_src or left_tgt:
        prober = _Prober(cmp, tp, scratch, names)
        for s in left_src:
            findings += _lost(tp, s, targets, prober, notes)
        for t in left_tgt:
            findings += _added(tp, t, sources, prober)
    return CheckReport(findings, notes)


def _definition(t: PgCheck) -> str:
    return t.definition.removesuffix(" NOT VALID")


def _shown(t: PgCheck) -> str:
    """The CHECK as the user finds it: a domain's CHECK names its domain."""
    return t.definition + (f" (from DOMAIN {t.domain})" if t.domain else "")


def _scratch_table(cmp: Comparison, tp: TablePair, scratch: Scratch) -> str | None:
    name = scratch.name("chk")
    try:
        scratch.query(f"CREATE TEMP TABLE {qi(name)} (LIKE {qi(cmp.settings.schema)}.{qi(tp.target.name)})")
    except ScratchError:
        return None
    return name


def _source(name: str | None, expression: str, names: dict[str, str], temp: str | None,
            scratch: Scratch) -> _Source:
    cols = referenced_columns(expression, list(names))
    tr = translate_expr(expression, names)
    canonical, problems = None, list(tr.problems)
    if tr.sql and temp:
        cname = scratch.name("c")
        try:
            scratch.query(f"ALTER TABLE {qi(temp)} ADD CONSTRAINT {qi(cname)} CHECK ({tr.sql})")
            canonical = scratch.query(f"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE "
                                      f"conrelid = '{qi(temp)}'::regclass AND conname = '{cname}'")[0][0]
        except ScratchError as exc:
            problems.append(f"PostgreSQL refuses {tr.sql} on the target's types ({exc})")
    return _Source(name, expression, cols, canonical, problems)


def _not_valid(tp: TablePair, s: _Source, t: PgCheck) -> Finding:
    return Finding(f"{tp.name}: CHECK ({s.expression}) was added NOT VALID in PostgreSQL ({t.name}): the rows "
                   "already there were never proven to satisfy it (VALIDATE CONSTRAINT proves them)",
                   _one(s.columns), "check-not-valid")


def _lost(tp: TablePair, s: _Source, targets: list[PgCheck], prober: _Prober, notes: list[str]) -> list[Finding]:
    """A SQLite CHECK with no equal text: does PostgreSQL let through a value SQLite rejected?"""
    cols = s.columns
    tgt_names = {prober.names[c] for c in cols}
    guards = [t for t in targets if set(t.columns) <= tgt_names]
    rows = prober.rows(cols, [s.expression], [t.expression for t in guards])
    if rows is None:
        why = "; ".join(s.problems) or "no probe rule for the column types"
        return [Finding(f"{tp.name}: CHECK ({s.expression}) has no equal CHECK in PostgreSQL ({why})",
                        _one(cols), "check-untranslatable" if s.problems else "check-meaning")]
    src_ok = prober.sqlite_verdicts(cols, [s.expression], rows)
    if src_ok is None:
        return [Finding(f"{tp.name}: CHECK ({s.expression}) cannot be evaluated in SQLite", _one(cols),
                        "check-meaning")]
    if all(src_ok):
        notes.append(f"CHECK ({s.expression}) is implied by the PostgreSQL type"
                     f"{'s' if len(cols) > 1 else ''} of {', '.join(cols)}")
        return []
    pg_ok = prober.pg_verdicts(cols, [t.expression for t in guards], rows)
    witness = next((r for r, a, b in zip(rows, src_ok, pg_ok) if not a and b), None)
    if witness is None:
        notes.append(f"CHECK ({s.expression}) is written differently in PostgreSQL with the same meaning"
                     + (f" ({'; '.join(_shown(t) for t in guards)})" if guards else ""))
        return []
    now = "; ".join(_shown(t) for t in guards) or "no CHECK"
    what = _values(cols, witness)
    kind = "check-untranslatable" if s.problems else "check-meaning"
    why = f" ({'; '.join(s.problems)})" if s.problems else ""
    return [Finding(f"{tp.name}: CHECK ({s.expression}) is lost or weakened in PostgreSQL (it has {now}){why}: "
                    f"an INSERT with {what} rejected by SQLite is accepted by PostgreSQL", _one(cols), kind)]


def _added(tp: TablePair, t: PgCheck, sources: list[_Source], prober: _Prober) -> list[Finding]:
    """A PostgreSQL CHECK with no equal SQLite text: does it reject a value SQLite accepted?"""
    back = {v: k for k, v in prober.names.items()}
    cols = [back[c] for c in t.columns if c in back]
    if len(cols) != len(t.columns):
        return []
    guards = [s for s in sources if set(s.columns) <= set(cols)]
    rows = prober.rows(cols, [s.expression for s in guards], [t.expression])
    if rows is None:
        return [Finding(f"{tp.name}: PostgreSQL has {_shown(t)}, which SQLite does not have", _one(cols),
                        "check-added")]
    pg_ok = prober.pg_verdicts(cols, [t.expression], rows)
    src_ok = prober.sqlite_verdicts(cols, [s.expression for s in guards], rows) or [True] * len(rows)
    witness = next((r for r, a, b in zip(rows, src_ok, pg_ok) if a and not b), None)
    if witness is None:
        return []
    return [Finding(f"{tp.name}: PostgreSQL has {_shown(t)}, stricter than SQLite: an INSERT with "
                    f"{_values(cols, witness)} accepted by SQLite is rejected by PostgreSQL", _one(cols),
                    "check-added")]


def _one(cols: list[str]) -> str | None:
    return cols[0] if len(cols) == 1 else None


def _values(cols: list[str], row: tuple[Probe, ...]) -> str:
    return ", ".join(f"{c} = {'NULL' if p.value is None else repr(p.value)}" for c, p in zip(cols, row))


class _Prober:
    """Probe rows for a set of columns, and each engine's verdict on them."""

    def __init__(self, cmp: Comparison, tp: TablePair, scratch: Scratch, names: dict[str, str]):
        self.cmp, self.tp, self.scratch, self.names = cmp, tp, scratch, names
        self._seen: dict[str, list] = {}

    def _distinct(self, col: str) -> list:
        if col not in self._seen:
            self._seen[col] = [r[0] for r in self.cmp.source.query(
                f"SELECT DISTINCT {qs(col)} FROM {qs(self.tp.name)} WHERE {qs(col)} IS NOT NULL "
                f"LIMIT {DISTINCT_VALUES}")]
        return self._seen[col]

    def rows(self, cols: list[str], sqlite_exprs: list[str], pg_exprs: list[str]) -> list[tuple] | None:
        """Probe rows over `cols` (their product, cut to MAX_ROWS), or None when a type has no probes."""
        trees = []
        for e in sqlite_exprs:
            try:
                trees.append(parse_sqlite(e))
            except ValueError:
                pass
        nums, texts = literals(*trees)
        for e in pg_exprs:
            n, t = _pg_literals(e)
            nums, texts = nums + n, texts + t
        per_col = []
        for c in cols:
            pair = next(p for p in self.tp.columns if p.name == c)
            probes = column_probes(pair.target.type, pair.source.type, not pair.source.notnull, nums, texts,
                                   self._distinct(c)) or self._enum(pair.target.type, not pair.source.notnull)
            if probes is None:
                return None
            per_col.append(probes)
        if not per_col:
            return [()]
        keep = max(2, int(MAX_ROWS ** (1 / len(per_col))))
        if math.prod(len(p) for p in per_col) > MAX_ROWS:
            per_col = [p[:keep - 1] + p[-1:] for p in per_col]  # the last probe is NULL when allowed
        return list(itertools.product(*per_col))

    def _enum(self, pg_type: str, nullable: bool) -> list[Probe] | None:
        """An enum type's probes are its labels: no other value can be written."""
        try:
            labels = [r[0] for r in self.scratch.query(
                f"SELECT enumlabel FROM pg_enum WHERE enumtypid = {sql_literal(pg_type)}::regtype "
                "ORDER BY enumsortorder")]
        except ScratchError:
            return None
        if not labels:
            return None
        probes = [Probe(v, sql_literal(v), f"{sql_literal(v)}::{pg_type}") for v in labels]
        return probes + ([Probe(None, "NULL", f"NULL::{pg_type}")] if nullable else [])

    def sqlite_verdicts(self, cols: list[str], exprs: list[str], rows: list[tuple]) -> list[bool] | None:
        """Whether SQLite's CHECKs let each row in (a CHECK fails only on a result that is numerically 0)."""
        if not exprs:
            return [True] * len(rows)
        test = " AND ".join(f"(CASE WHEN ({e}) IS NULL THEN 1 WHEN CAST(({e}) AS NUMERIC) = 0 THEN 0 ELSE 1 END)"
                            for e in exprs)
        names = ", ".join(qs(c) for c in cols) or "pgparity_none"
        values = ", ".join("(" + (", ".join(p.sqlite for p in r) or "NULL") + ")" for r in rows)
        try:
            got = self.cmp.source.query(f"WITH {qs(self.tp.name)}({names}) AS (VALUES {values}) "
                                        f"SELECT {test} FROM {qs(self.tp.name)}")
        except Exception:  # noqa: BLE001 - e.g. a user function SQLite's file needs but we lack
            return None
        return [bool(r[0]) for r in got]

    def pg_verdicts(self, cols: list[str], exprs: list[str], rows: list[tuple]) -> list[bool]:
        """Whether PostgreSQL's CHECKs let each row in (an error rejects the INSERT too)."""
        if not exprs:
            return [True] * len(rows)
        test = " AND ".join(f"coalesce(({e}), true)" for e in exprs)
        names = ", ".join(qi(self.names[c]) for c in cols) or "pgparity_none"

        def run(chunk: list[tuple]) -> list[bool]:
            values = ", ".join("(" + (", ".join(p.pg for p in r) or "NULL") + ")" for r in chunk)
            return [bool(r[0]) for r in self.scratch.query(f"SELECT {test} FROM (VALUES {values}) AS p({names})")]

        try:
            return run(rows)
        except ScratchError:
            out = []
            for r in rows:
                try:
                    out += run([r])
                except ScratchError:
                    out.append(False)
            return out


def _pg_literals(expr: str) -> tuple[list[float], list[str]]:
    import sqlglot

    try:
        return literals(sqlglot.parse_one(expr, read="postgres"))
    except Exception:  # noqa: BLE001 - constants are only a help for the probes
        return [], []
