"""`--data-only`: load into a schema the application already created (Django, Alembic, Rails ...).

Tables and columns are matched by name, case-insensitively; each value is converted to the
existing column's type; values that cannot be kept exactly (too long, out of range, rounded away,
a zone that would be dropped) are refused naming table, column and rowid. The schema is never
altered: one transaction TRUNCATEs (when told), defers the FKs (switching non-deferrable ones back
before commit), COPYs parents first, checks every FK, sets the app's own sequences past max(key),
and commits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from .errors import RefusedError
from .fit import INT_RANGE, base_type, misfit
from .load import LoadOptions, LoadResult, Phases, Progress, copy_tables, set_sequence, transaction
from .plan import ColumnPlan, TablePlan
from .preflight import EXAMPLES, Finding, _row_id
from .schema import sqlite_sequences
from .sqlnames import qi, qname, qs
from .units import NUMBER_SQL, WORDS, UnitEvidence, epoch_misfit_sql, epoch_sql, epoch_unit, interval_sql, interval_unit
from .verify.catalog import read_catalog


@dataclass(frozen=True)
class TargetColumn:
    name: str
    type: str  # format_type(), e.g. 'character varying(50)', 'numeric(10,2)'
    notnull: bool
    has_default: bool
    sequence: str | None


def target_columns(cur, schema: str) -> dict[str, list[TargetColumn]]:
    """Every table of `schema` with its columns, in column order, as the checks' catalog reader sees them
    (a column over a DOMAIN has the domain's base type and NOT NULL)."""
    return {name: [TargetColumn(c.name, c.type, c.notnull, c.default is not None or bool(c.identity), c.sequence)
                   for c in table.columns]
            for name, table in read_catalog(cur, schema).items()}


def _convert(c: ColumnPlan, target: TargetColumn, profile, unit: UnitEvidence | None
             ) -> tuple[ColumnPlan, str | None, str]:
    """(the column read for this target type, a SQLite condition for values it cannot keep, why).

    `unit`: the decided unit of the integers when the target is an interval or an instant."""
    q = qs(c.name)
    base = base_type(target.type)
    epochs = bool(profile.integers and not profile.texts)
    bad, why = misfit(q, target.type, epochs if base.startswith(("timestamp", "date")) else None)
    text = [(f"CAST({q} AS TEXT)", "text")]
    split = [(f"CASE WHEN typeof({q})='real' THEN {q} END", "real"),
             (f"CASE WHEN typeof({q})<>'real' THEN CAST({q} AS TEXT) END", "text")]
    new = replace(c, pg_name=target.name, pg_type=target.type, finish="none", select=text)
    if base == "boolean":
        new.select = [(f"lower(trim(CAST({q} AS TEXT)))", "text")]
    elif base in INT_RANGE and not (profile.texts or profile.reals or profile.blobs):
        new.select = [(q, "int")]
    elif base in ("double precision", "real"):
        new.select = [(f"CAST({q} AS REAL)", "real")]
    elif base.startswith("interval"):
        new.select = [(interval_sql(q, unit.unit if unit else None), "text")]
    elif (base.startswith("timestamp") or base == "date") and unit and unit.unit:
        new.select = [(epoch_sql(q, unit.unit, base == "timestamp with time zone"), "text")]
        texts, _ = misfit(q, target.type, None)  # text must be a timestamp; integers are judged here
        bad = f"({texts}) OR {epoch_misfit_sql(q, unit.unit, base == 'date')}"
        why = (f"not a {target.type}: integers are epochs in {WORDS[unit.unit]} within years 1..9999"
               + (" at midnight UTC (a date drops the time of day)" if base == "date" else ""))
    elif base == "bytea":
        new.select = [(f"CASE WHEN {q} IS NULL THEN NULL ELSE '\\x' || hex({q}) END", "text")]
    elif profile.reals and base not in INT_RANGE:
        new.select, new.finish = split, "real-split"
    return new, bad, why


def _unit(src, table: str, column: str, target: TargetColumn, profile, opts, interval: UnitEvidence
          ) -> tuple[UnitEvidence | None, int]:
    """(the unit the column's numbers are read in, how many numbers) when its target type needs one
    (None: it does not)."""
    base = base_type(target.type)
    q, t = qs(column), qs(table)
    if base.startswith("interval") and (profile.integers or profile.reals or profile.texts):
        n = src.query(f"SELECT count(*) FROM {t} WHERE {NUMBER_SQL.format(q=q)}")[0][0]
        return (interval, n) if n else (None, 0)
    if (base.startswith("timestamp") or base == "date") and profile.integers:
        lo, hi = src.query(f"SELECT min({q}), max({q}) FROM {t} WHERE typeof({q}) = 'integer'")[0]
        return epoch_unit(lo, hi, getattr(opts, "epoch_unit", None)), profile.integers
    return None, 0


def _unit_refusal(table: str, column: str, target: TargetColumn, count: int, unit: UnitEvidence) -> Finding:
    interval = base_type(target.type).startswith("interval")
    option = "--interval-unit {us,ms,s} (Django stores microseconds)" if interval else "--epoch-unit {s,ms,us}"
    return Finding("refuse", table, column, "unit", count,
                   f"numbers going into {target.type} in an unknown unit: {unit.evidence}",
                   f"say which with {option}", unit="value")


@dataclass
class _Adapting:
    """What mapping the tables onto the existing schema gathers: refusals, notes and the units decided."""

    prep: object
    opts: object
    interval: UnitEvidence
    refusals: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    units: dict[str, dict] = field(default_factory=dict)  # 'table.column' -> {'unit', 'evidence'}


def adapt(prep, cur, opts) -> tuple[list[TablePlan], list[Finding], list[str]]:
    """Map every planned table onto the existing schema; (plans, refusals, notes).

    The units decided for integers going into interval/timestamp/date columns land in `prep.units`."""
    schema = opts.plan.schema
    catalog = target_columns(cur, schema)
    by_lower = {name.lower(): name for name in catalog}
    run = _Adapting(prep, opts, interval_unit(prep.source, getattr(opts, "interval_unit", None)))
    plans = []
    for tp in prep.plan.tables:
        name = by_lower.get(tp.name.lower())
        if name is None:
            run.refusals.append(Finding("refuse", tp.name, None, "no-target", tp.rows,
                                        f"no table {tp.name!r} in schema {schema}", "create it, or --exclude it"))
            continue
        plans.append(_adapt_table(run, tp, name, catalog[name]))
    if hasattr(prep, "units"):
        prep.units = run.units
    return plans, run.refusals, run.notes


def _adapt_table(run: _Adapting, tp: TablePlan, name: str, columns: list[TargetColumn]) -> TablePlan:
    schema = run.opts.plan.schema
    cols = {tc.name.lower(): tc for tc in columns}
    new_cols, checks = [], []
    for c in tp.columns:
        tc = cols.pop(c.name.lower(), None)
        if tc is None:
            run.refusals.append(Finding("refuse", tp.name, c.name, "no-target", tp.rows,
                                        f"no column {c.name!r} in {schema}.{name}: its values would be lost",
                                        "add the column to the target, or --exclude the table"))
            continue
        conv, bad, why = _adapt_column(run, tp, c, tc)
        new_cols.append(conv)
        if bad and tp.rows:
            checks.append((c.name, tc, bad, why))
        if conv.pg_type.split("(")[0] != c.pg_type.split("(")[0]:
            run.notes.append(f"{tp.name}.{c.name}: {c.declared or 'untyped'} -> existing {tc.type}")
    run.refusals.extend(_bad_values(run.prep.source, tp, checks))
    for tc in cols.values():
        if tc.notnull and not tc.has_default:
            run.refusals.append(Finding("refuse", tp.name, tc.name, "no-source", tp.rows,
                                        f"target column {tc.name} is NOT NULL without default and has no source",
                                        "give it a default in the target schema"))
    return replace(tp, pg_name=name, columns=new_cols)


def _adapt_column(run: _Adapting, tp: TablePlan, c: ColumnPlan, tc: TargetColumn):
    """One column onto its target: the unit its numbers are read in (refused when unknown), then the conversion."""
    profile = run.prep.profiles[tp.name][c.name]
    unit, count = _unit(run.prep.source, tp.name, c.name, tc, profile, run.opts, run.interval)
    if unit and not unit.unit:
        run.refusals.append(_unit_refusal(tp.name, c.name, tc, count, unit))
    elif unit:
        run.notes.append(f"{tp.name}.{c.name}: numbers read as {WORDS[unit.unit]} into {tc.type} ({unit.evidence})")
        run.units[f"{tp.name}.{c.name}"] = {"unit": unit.unit, "evidence": unit.evidence}
    if base_type(tc.type).startswith("interval") and profile.ts_texts:
        run.notes.append(f"{tp.name}.{c.name}: timestamp texts read as the time since 1970-01-01 00:00:00 into "
                         f"{tc.type} (how SQLAlchemy stores an Interval in SQLite)")
    return _convert(c, tc, profile, unit)


def _bad_values(src, tp: TablePlan, checks: list[tuple[str, TargetColumn, str, str]]) -> list[Finding]:
    """Values the existing columns cannot keep: one scan counts them for every column of the table,
    then a few examples are fetched for the columns that have any."""
    if not checks:
        return []
    conds = [f"{qs(name)} IS NOT NULL AND ({bad})" for name, _, bad, _ in checks]
    counts = src.query("SELECT " + ", ".join(f"sum({c})" for c in conds) + f" FROM {qs(tp.name)}")[0]
    out = []
    for (name, tc, _, why), where, count in zip(checks, conds, counts):
        if not count:
            continue
        ex = [tuple(r) for r in src.query(f"SELECT {_row_id(tp.table)}, {qs(name)} FROM {qs(tp.name)} WHERE {where} "
                                          f"LIMIT {EXAMPLES}")]
        out.append(Finding("refuse", tp.name, name, "cannot-keep", count, f"value {why} (target column is {tc.type})",
                           "widen the target column, or fix the rows", ex))
    return out


def fk_order(cur, schema: str, tables: list[TablePlan]) -> list[TablePlan]:
    """Parents before children (by the target's FKs); cycles keep their given order."""
    cur.execute("""SELECT cl.relname, pcl.relname FROM pg_constraint co
                   JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_class pcl ON pcl.oid = co.confrelid
                   JOIN pg_namespace n ON n.oid = cl.relnamespace
                   WHERE co.contype = 'f' AND n.nspname = %s AND cl.oid <> pcl.oid""", (schema,))
    parents: dict[str, set[str]] = {}
    for child, parent in cur.fetchall():
        parents.setdefault(child, set()).add(parent)
    ordered, placed = [], set()
    pending = list(tables)
    while pending:
        ready = [t for t in pending if not (parents.get(t.pg_name, set()) - placed - {t.pg_name})
                 or not (parents.get(t.pg_name, set()) & {p.pg_name for p in pending})]
        ready = ready or pending[:1]  # a cycle: deferred constraints must resolve it
        for t in ready:
            ordered.append(t)
            placed.add(t.pg_name)
            pending.remove(t)
    return ordered


def load_data_only(prep, url: str, opts, progress: Progress | None = None,
                   phases: dict[str, float] | None = None) -> LoadResult:
    """Load the prepared source into the existing schema, in one transaction."""
    started = time.monotonic()
    schema = opts.plan.schema
    lopts = LoadOptions(orphans=opts.policy.orphans, nul=opts.policy.nul, bad_utf8=opts.policy.bad_utf8,
                        source_tz=opts.plan.source_tz)
    result = LoadResult(phases=dict(phases or {}))
    clock = Phases(result.phases)
    floors = sqlite_sequences(prep.source)  # read before the reader thread takes the SQLite connection
    step = ["the existing schema"]
    with transaction(url, step) as cur:
        cur.execute("SET TimeZone = %s", (opts.plan.source_tz,))
        with clock("match the existing schema"):
            plans, refusals, notes = adapt(prep, cur, opts)
            if refusals:
                raise RefusedError("the existing schema cannot keep every value; nothing was written:\n  "
                                   + "\n  ".join(f.line() for f in refusals))
            result.notes += notes
            _empty_or_refuse(cur, schema, plans, opts.truncate)
            rigid = _defer_foreign_keys(cur, schema, plans)
            ordered = fk_order(cur, schema, plans)
        result.tables = copy_tables(cur, prep.source, ordered, schema, lopts, progress, step)
        result.phases["copy"] = round(sum(t.seconds for t in result.tables), 3)
        step[0] = "the foreign-key check"
        with clock("FKs"):
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # every FK is checked here, inside the transaction
            for table, name in rigid:
                cur.execute(f"ALTER TABLE {qname(schema, table)} ALTER CONSTRAINT {qi(name)} NOT DEFERRABLE")
        step[0] = "sequences"
        with clock("sequences"):
            for tp in plans:
                for c in tp.columns:
                    seq = set_sequence(cur, qname(schema, tp.pg_name), c.pg_name, floors.get(tp.name, 0))
                    if seq:
                        result.notes.append(f"sequence {seq} set past max({tp.pg_name}.{c.pg_name})")
        step[0] = "ANALYZE"
        with clock("analyze"):
            cur.execute("ANALYZE " + ", ".join(qname(schema, t.pg_name) for t in plans) if plans else "SELECT 1")
    result.seconds = time.monotonic() - started
    return result


def _defer_foreign_keys(cur, schema: str, plans: list[TablePlan]) -> list[tuple[str, str]]:
    """Make the loaded tables' FKs deferred for this transaction, so load order does not matter
    (circular FKs included). Non-deferrable ones are switched back before commit: the schema that
    is committed is the one that was there."""
    cur.execute("""SELECT cl.relname, co.conname FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
                   JOIN pg_namespace n ON n.oid = cl.relnamespace
                   WHERE co.contype = 'f' AND NOT co.condeferrable AND n.nspname = %s AND cl.relname = ANY(%s)""",
                (schema, [t.pg_name for t in plans]))
    rigid = [tuple(r) for r in cur.fetchall()]
    for table, name in rigid:
        cur.execute(f"ALTER TABLE {qname(schema, table)} ALTER CONSTRAINT {qi(name)} DEFERRABLE INITIALLY DEFERRED")
    cur.execute("SET CONSTRAINTS ALL DEFERRED")
    return rigid


def _empty_or_refuse(cur, schema: str, plans: list[TablePlan], truncate: bool) -> None:
    full = []
    for tp in plans:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {qname(schema, tp.pg_name)})")
        if cur.fetchone()[0]:
            full.append(tp.pg_name)
    if full and not truncate:
        raise RefusedError(f"target table(s) already hold rows: {', '.join(full)}; nothing was written. "
                           "Use --truncate to empty them first (in the same transaction)")
    if full:  # all loaded tables at once: FKs among them forbid truncating one alone
        cur.execute("TRUNCATE " + ", ".join(qname(schema, t.pg_name) for t in plans))
