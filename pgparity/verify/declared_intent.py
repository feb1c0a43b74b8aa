"""Declared intent: a column declared BOOLEAN / DATETIME / DATE / JSON / REAL / NUMERIC / BLOB ... whose
values all fit the declaration, landing as text or integer, is a conversion that did not happen.

"Fits the declaration" is decided by the migration planner itself (plan.plan_column on the
column's value profile): the type migrate.py would choose from the declaration and the values.
Where the values do not fit, the plan keeps them as text, and so does this check (no finding).
Kind 'declared-intent' (waivable: an application may read the column as text on purpose).

What it cannot see: intent beyond the declared type name (a TEXT column holding ISO dates is text
by declaration); targets of other families (double precision for NUMERIC is the fit check's concern).
"""

from __future__ import annotations

from ..affinity import declared_kind
from ..fit import base_type
from ..plan import PlanOptions, plan_column
from ..profile import profile_table
from .outcome import Finding
from .pairing import ColumnPair, Comparison, TablePair

_INTENT = ("boolean", "timestamp", "date", "json", "integer", "real", "numeric", "blob")
_FAMILY = {"smallint": "integer", "integer": "integer", "bigint": "integer", "text": "text",
           "character varying": "text", "character": "text", "boolean": "boolean", "jsonb": "json",
           "json": "json", "double precision": "real", "real": "real", "numeric": "numeric", "bytea": "blob",
           "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamp", "date": "date"}


def _family(pg_type: str) -> str:
    base = base_type(pg_type)
    return _FAMILY.get(base, base)


def candidates(tp: TablePair) -> list[ColumnPair]:
    """Columns whose declaration asks for more than the text or integer they landed as. A column that landed
    in its declared family (INTEGER as bigint) is none: the planner keeps a declared INTEGER in the integer
    family or says a deviation, so its profile scan could not give a finding."""
    return [c for c in tp.compared if declared_kind(c.source.type) in _INTENT and c.source.type.strip()
            and _family(c.target.type) in ("text", "integer") and tp.source.rowid_alias != c.name
            and declared_kind(c.source.type) != _family(c.target.type)]


def intent_findings(cmp: Comparison, tp: TablePair) -> list[Finding]:
    """One scan of the candidate columns' values, then the planner's choice against the target's type."""
    cols = candidates(tp)
    if not cols:
        return []
    profiles = profile_table(cmp.source, tp.source, [c.source for c in cols])
    opts = PlanOptions(schema=cmp.settings.schema, source_tz=cmp.settings.source_tz)
    out = []
    for c in cols:
        planned = plan_column(tp.source, c.source, profiles[c.name], opts)
        if planned.deviation or _family(planned.pg_type) == _family(c.target.type):
            continue
        out.append(Finding(f"{tp.name}.{c.name}: declared {c.source.type} and every value fits it "
                           f"({planned.reason}), but PostgreSQL holds it as {c.target.type}, not "
                           f"{planned.pg_type}: the application reads {_family(c.target.type)} where it expects "
                           f"{declared_kind(c.source.type)}", c.name, "declared-intent"))
    return out
