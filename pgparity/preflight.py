"""Look for values PostgreSQL cannot keep before anything is written, naming table, column and rowid."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from .fit import misfit
from .plan import Plan, TablePlan, declared_pg_type
from .profile import ts_valid_sql, ts_zoned_sql
from .reader import is_utf8
from .schema import Table
from .source import SqliteSource, display_sql
from .sqlnames import qs

EXAMPLES = 5
VALUE_CHARS = 40


@dataclass(frozen=True)
class Policy:
    orphans: str = "refuse"  # 'refuse' | 'not-valid' (load them; FKs created NOT VALID)
    nul: str = "refuse"  # 'refuse' | 'strip' (remove NUL characters from text)
    bad_utf8: str = "refuse"  # 'refuse' | 'replace' (invalid bytes become U+FFFD)
    strict_types: bool = False  # refuse where the plan had to depart from a declared type


@dataclass
class Finding:
    severity: str  # 'refuse' or 'warn'
    table: str
    column: str | None
    kind: str
    count: int | None  # how many `unit`s the finding is about; None: a statement, nothing counted
    message: str
    fix: str = ""
    examples: list[tuple] = field(default_factory=list)  # (rowid, value)
    unit: str = "row"  # what `count` counts, e.g. 'row', 'value', 'value the declared type cannot hold'

    def line(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        ex = "; ".join(f"rowid {r}: {_short(v)}" for r, v in self.examples)
        text = f"{where}: {self.message}"
        if self.count is not None:
            text += f" ({self.count} {_plural(self.unit, self.count)})"
        if ex:
            text += f" e.g. {ex}"
        if self.fix and self.severity == "refuse":
            text += f" -> {self.fix}"
        return text


def _plural(unit: str, count: int) -> str:
    if count == 1:
        return unit
    head, _, tail = unit.partition(" ")
    return f"{head}s {tail}".strip()


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 3] + "..."


def _row_id(table: Table) -> str:
    if table.without_rowid:
        return " || '/' || ".join(f"CAST({qs(c)} AS TEXT)" for c in table.primary_key) or "NULL"
    return "rowid"


def _examples(src: SqliteSource, tp: TablePlan, value: str, where: str) -> list[tuple]:
    sql = f"SELECT {_row_id(tp.table)}, {display_sql(value)} FROM {qs(tp.name)} WHERE {where} LIMIT {EXAMPLES}"
    return [tuple(r) for r in src.query(sql)]


def run_preflight(src: SqliteSource, plan: Plan, policy: Policy, profiles: dict,
                  scan_utf8: bool = True, orphans: dict[str, list[Finding]] | None = None) -> list[Finding]:
    """Every finding, refusals and warnings, in table order.

    Invalid UTF-8 needs a read of every text value. With `scan_utf8=False` that read is made only
    when something else is refused already (so the list is complete when it matters); otherwise
    the load validates every batch on its way to COPY and refuses inside the transaction, naming
    the rowid — one read of the data instead of two. `orphans`: each table's `orphan_findings`, when
    counted already (the migration counts them while it profiles).
    """
    findings: list[Finding] = []
    names = {t.name.lower(): t.table for t in plan.tables}
    for tp in plan.tables:
        findings += orphans[tp.name] if orphans is not None else orphan_findings(src, tp.table, names, policy)
        findings += _column_findings(src, tp, profiles[tp.name], policy)
        findings += [Finding("warn", tp.name, None, "constraint", None, n) for n in tp.notes]
    if scan_utf8 or any(f.severity == "refuse" for f in findings):
        for tp in plan.tables:
            findings += _utf8(src, tp, policy)
    order = {tp.name: i for i, tp in enumerate(plan.tables)}
    return sorted(findings, key=lambda f: order[f.table])


def orphan_findings(src: SqliteSource, table: Table, names: dict[str, Table], policy: Policy) -> list[Finding]:
    """The FKs of `table` whose parent is not migrated, and those child rows that match no parent row
    (`names`: the migrated tables by lowercased name)."""
    out = []
    for fk in table.foreign_keys:
        parent = names.get(fk.table.lower())
        if parent is None:
            out.append(Finding("warn", table.name, ",".join(fk.from_columns), "fk-parent-missing", None,
                               f"references {fk.table}, which is not migrated: FK not created"))
            continue
        child_cols = [qs(c) for c in fk.from_columns]
        match = " AND ".join(f"p.{qs(t)} = c.{f}" for t, f in zip(fk.to_columns, child_cols))
        notnull = " AND ".join(f"c.{f} IS NOT NULL" for f in child_cols)
        where = f"{notnull} AND NOT EXISTS (SELECT 1 FROM {qs(parent.name)} p WHERE {match})"
        count = src.query(f"SELECT count(*) FROM {qs(table.name)} c WHERE {where}")[0][0]
        if not count:
            continue
        value = " || ',' || ".join(f"CAST(c.{f} AS TEXT)" for f in child_cols)
        rid = _row_id(table).replace('"', 'c."') if table.without_rowid else "c.rowid"
        ex = [tuple(r) for r in src.query(
            f"SELECT {rid}, {value} FROM {qs(table.name)} c WHERE {where} LIMIT {EXAMPLES}")]
        sev = "refuse" if policy.orphans == "refuse" else "warn"
        out.append(Finding(sev, table.name, ",".join(fk.from_columns), "fk-orphan", count,
                           f"orphan rows: no matching {fk.table}({','.join(fk.to_columns)})",
                           "fix the rows, or --orphans not-valid to load them with the FK created NOT VALID", ex))
    return out


def _column_findings(src: SqliteSource, tp: TablePlan, profiles: dict, policy: Policy) -> list[Finding]:
    out = []
    for c in tp.columns:
        p = profiles[c.name]
        qc = qs(c.name)
        if p.nul_texts:
            sev = "refuse" if policy.nul == "refuse" else "warn"
            out.append(Finding(sev, tp.name, c.name, "nul", p.nul_texts,
                               "text holds NUL characters, which PostgreSQL text cannot store",
                               "--nul strip removes them (the checks then expect them stripped)",
                               _examples(src, tp, qc, f"typeof({qc})='text' AND instr(CAST({qc} AS BLOB), x'00') > 0")))
        if p.ts_zoned and c.pg_type in ("timestamp", "timestamp without time zone"):
            out.append(_zone_dropped(src, tp, c.name, p.ts_zoned))
        if c.deviation:
            sev = "refuse" if policy.strict_types else "warn"
            count, bad = _deviation_examples(src, tp, c.name)
            out.append(Finding(sev, tp.name, c.name, "type", count or None, c.deviation,
                               "drop --strict-types to keep the values in the wider type", bad,
                               unit="value the declared type cannot hold"))
        for note in c.notes:
            out.append(Finding("warn", tp.name, c.name, "note", None, note))
    return out


def _zone_dropped(src: SqliteSource, tp: TablePlan, column: str, count: int) -> Finding:
    """Zoned texts bound for a timestamp without zone: PostgreSQL's input drops the offset, so every such
    instant would move by its offset ('2024-01-01T00:30:00+14:00' lands as 00:30). Counted by the profile;
    the examples are those texts SQLite reads with their zone."""
    qc = qs(column)
    return Finding("refuse", tp.name, column, "zone-dropped", count,
                   "text timestamps carry a zone offset, which the planned type timestamp would drop "
                   "(each instant moved by its offset)",
                   "declare the column TIMESTAMP/DATETIME (it then lands as timestamptz), or store the texts "
                   "in one zone without offset",
                   _examples(src, tp, qc, f"{ts_valid_sql(qc)} AND {ts_zoned_sql(qc)}"), unit="value")


def _deviation_examples(src: SqliteSource, tp: TablePlan, column: str) -> tuple[int, list[tuple]]:
    """How many values the declared type could not hold, and a few of them."""
    qc = qs(column)
    declared = declared_pg_type(tp.table.column(column).type)
    where, _ = misfit(qc, declared, epochs=False)
    if where is None:  # text and bytes hold anything of their own class: the others deviate
        own = "blob" if declared == "bytea" else "text"
        where = f"typeof({qc}) NOT IN ('null', '{own}')"
    where = f"{qc} IS NOT NULL AND ({where})"
    try:
        count = src.query(f"SELECT count(*) FROM {qs(tp.name)} WHERE {where}")[0][0]
        return count, _examples(src, tp, qc, where)
    except Exception:  # noqa: BLE001 - examples are a courtesy; the finding stands without them
        return 0, []


def _utf8(src: SqliteSource, tp: TablePlan, policy: Policy) -> list[Finding]:
    """Scan text columns for byte sequences that are not UTF-8 (vectorised per Arrow batch)."""
    cols = [c for c in tp.columns if c.pg_type in ("text", "jsonb") or c.pg_type.startswith("varchar")]
    if not cols or not tp.rows:
        return []
    exprs = ", ".join(f"CAST({qs(c.name)} AS TEXT)" for c in cols)
    bad: dict[str, list[tuple]] = {}
    counts: dict[str, int] = {}
    for batch in src.batches(f"SELECT {_row_id(tp.table)}, {exprs} FROM {qs(tp.name)}"):
        for i, c in enumerate(cols, 1):
            arr = batch.column(i)
            try:
                arr.validate(full=True)
                continue
            except pa.ArrowInvalid:
                pass
            rowids = batch.column(0).to_pylist()
            raw = arr.cast(pa.binary()).to_pylist()  # the rare path: this batch only
            for rid, value in zip(rowids, raw):
                if value is not None and not is_utf8(value):
                    counts[c.name] = counts.get(c.name, 0) + 1
                    if len(bad.setdefault(c.name, [])) < EXAMPLES:
                        bad[c.name].append((rid, value))
    sev = "refuse" if policy.bad_utf8 == "refuse" else "warn"
    return [Finding(sev, tp.name, name, "utf8", counts[name], "bytes that are not valid UTF-8",
                    "--bad-utf8 replace stores them with U+FFFD (the checks then report the change)", ex)
            for name, ex in bad.items()]
