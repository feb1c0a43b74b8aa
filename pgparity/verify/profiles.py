"""Column profiles: NULLs, distinct values, min, max, exact sum, longest text, true/false counts, per column.

A reader of the table facts (facts.facts_of): the statistics come from the content scan's canonical
values, the values the application reads, so equal data always profiles equal (no SQL collation,
storage class, spelling or overflow in between) and the table is not read again.

How it relates to the content check: when the rows differ, the statistics that moved are reported as
what they are, consequences of that difference (the summary points at content); statistics that stay
equal although rows differ (a value changed within the same count, min, max and sum) pass here, the
content check names the rows. When the content checksums match, every statistic must match too: a
statistic that still differs is a difference the checksum missed (a hash collision), a failure of its own.

A column missing in PostgreSQL fails here too (as in every check covering columns).
Cannot see: which rows moved a statistic (the content check does); distinct counts above the limit are
HyperLogLog estimates, shown, never compared; under --float-tolerance, sums and distinct counts of
doubles are not compared (values within the tolerance may sum or count apart) and min/max are compared
within twice the tolerance.
"""

from __future__ import annotations

from .column_facts import ColumnFacts, TableFacts
from .content_check import content_of
from .detail import REDACTED, is_sensitive
from .facts import facts_of
from .outcome import Finding, Outcome, failed, missing_columns, missing_table, passed
from .pairing import Comparison, TablePair
from .profile_display import show, show_count

# statistic -> (ColumnFacts field, what it is, as a person reads it)
STATS = {
    "nulls": ("nulls", "NULLs"),
    "unmatchable": ("odd", "values with no counterpart on the other side"),
    "distinct": ("distinct", "distinct values"),
    "min": ("minimum", "min"),
    "max": ("maximum", "max"),
    "sum": ("total", "sum"),
    "longest": ("longest", "longest value"),
    "length": ("total_length", "total length"),
    "true": ("trues", "true values"),
    "false": ("falses", "false values"),
}


def _tolerant_equal(stat: str, s, t, tolerance: float) -> bool:
    if stat in ("min", "max") and isinstance(s, float) and isinstance(t, float):
        return abs(s - t) <= 2 * tolerance * max(abs(s), abs(t))
    return True  # sum and distinct of bucketed doubles: not compared under a tolerance


def _same(stat: str, s, t, kind: str, tolerance: float) -> bool:
    if kind == "float" and tolerance and stat in ("min", "max", "sum", "distinct"):
        return s == t or _tolerant_equal(stat, s, t, tolerance)
    if isinstance(s, float) and isinstance(t, float) and s != s and t != t:
        return True  # NaN sums on both sides
    return s == t


def column_differences(table: str, s: ColumnFacts, t: ColumnFacts, tolerance: float,
                       sensitive: bool = False) -> list[Finding]:
    """One finding per statistic of one column that differs between the sides; a sensitive column's
    values (min, max, sum) are redacted, its counts and lengths are not."""
    out = []
    for stat, (name, what) in STATS.items():
        a, b = getattr(s, name), getattr(t, name)
        if stat == "distinct" and (a is None or b is None):
            continue  # past the exact limit: an estimate, a diagnostic only
        if not _same(stat, a, b, s.kind, tolerance):
            hide = sensitive and stat in ("min", "max", "sum")
            shown_a = REDACTED if hide else show(s.kind, stat, a)
            shown_b = REDACTED if hide else show(t.kind, stat, b)
            out.append(Finding(f"{table}.{s.column}: {what}: SQLite {shown_a} != PostgreSQL {shown_b}",
                               s.column, f"profile-{stat}"))
    return out


def _estimates(facts: TableFacts) -> str:
    cols = [(n, s, facts.target.columns[n]) for n, s in facts.source.columns.items()
            if s.distinct is None or facts.target.columns[n].distinct is None]
    if not cols:
        return ""
    shown = ", ".join(f"{n} ~{show_count(s)} / ~{show_count(t)}" for n, s, t in cols)
    return (f"; distinct counts past {facts.distinct_limit:,} per column are HyperLogLog estimates (about 0.8 % "
            f"error), shown, not compared: {shown}")


def check_profiles(cmp: Comparison, tp: TablePair) -> Outcome:
    """Each compared column's canonical statistics equal on both sides."""
    if tp.target is None:
        return missing_table("profiles", tp.name, cmp.settings.schema, tp.near)
    lost = missing_columns(tp.name, tp.missing)
    if not tp.compared:
        return failed("profiles", tp.name, f"no column pairs up: {len(lost)} column(s) missing in PostgreSQL", lost)
    facts, res = facts_of(cmp, tp), content_of(cmp, tp)
    findings = [f for name, s in facts.source.columns.items()
                for f in column_differences(tp.name, s, facts.target.columns[name], cmp.settings.float_tolerance,
                                                   is_sensitive(name, cmp.redact))]
    n = len(facts.source.columns)
    note = _estimates(facts)
    rows = f"SQLite {facts.source.rows} rows, PostgreSQL {facts.target.rows}"
    if lost:
        others = f"; {len(findings)} statistic(s) of the others differ" if findings else ""
        return failed("profiles", tp.name, f"{len(lost)} column(s) missing in PostgreSQL, not profiled{others}",
                      lost + findings)
    if not findings:
        if res.ok:
            return passed("profiles", tp.name, f"{n} column profile(s) equal (canonical values, from the "
                          f"content scan){note}")
        return passed("profiles", tp.name, f"{n} column profile(s) equal although rows differ ({_rows(res)}): "
                      f"see content{_SEE}{note}")
    cols = len({f.column for f in findings})
    if not res.ok:
        return failed("profiles", tp.name, f"{len(findings)} statistic(s) of {cols} column(s) differ because "
                      f"content differs ({_rows(res)}; {rows}): see content{_SEE}{note}", findings)
    return failed("profiles", tp.name, f"{len(findings)} statistic(s) of {cols} column(s) differ although the "
                  f"row checksums match: a difference the checksum missed{note}", findings)


_SEE = " (its check, test_content, names the rows; select it when it did not run)"


def _rows(res) -> str:
    parts = [f"{k} {w}" for k, w in ((res.missing, "missing"), (res.extra, "extra"), (res.changed, "changed")) if k]
    return ", ".join(parts) + " row(s)" if parts else "row checksums differ"
