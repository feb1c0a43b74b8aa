"""CHECK constraints in migrate's copy: translated by their meaning (sqltranslate: LIKE -> ILIKE, GLOB ->
regex, columns renamed), or left out and reported with the construct that does not translate. A CHECK that
only asks a column to hold JSON (Django's JSONField) is enforced by the jsonb type the plan gives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from .sqltranslate import Translation, parse_sqlite, translate_expr

if TYPE_CHECKING:
    from .plan import TablePlan


def json_valid_column(expression: str) -> str | None:
    """The column a CHECK only asks to hold JSON: `json_valid(col)`, optionally `OR col IS NULL` (Django's
    JSONField in SQLite); None for any other CHECK."""
    try:
        tree = parse_sqlite(expression)
    except ValueError:
        return None
    while isinstance(tree, exp.Paren):
        tree = tree.this
    parts = [tree.this, tree.expression] if isinstance(tree, exp.Or) else [tree]
    parts = [p.this if isinstance(p, exp.Paren) else p for p in parts]
    calls = [p for p in parts if isinstance(p, exp.Anonymous) and p.name.lower() == "json_valid"
             and len(p.expressions) == 1 and isinstance(p.expressions[0], exp.Column)]
    if len(calls) != 1:
        return None
    col = calls[0].expressions[0].name
    rest = [p for p in parts if p is not calls[0]]
    if all(isinstance(p, exp.Is) and isinstance(p.this, exp.Column) and p.this.name == col
           and isinstance(p.expression, exp.Null) for p in rest):
        return col
    return None


def _translate_check(tp: TablePlan, expression: str) -> Translation | None:
    """The CHECK's PostgreSQL translation; None when the column's type enforces it (json_valid on jsonb)."""
    col = json_valid_column(expression)
    if col is not None and any(c.name.lower() == col.lower() and c.pg_type == "jsonb" for c in tp.columns):
        return None
    names = {c.name: c.pg_name for c in tp.columns} | {g.name: g.name for g in tp.table.generated}
    return translate_expr(expression, names)


def check_sql(tp: TablePlan, expression: str) -> str | None:
    """The CHECK as PostgreSQL creates it; None when it is not created (the plan's notes say why)."""
    tr = _translate_check(tp, expression)
    return tr.sql if tr is not None else None


def check_notes(tp: TablePlan) -> list[str]:
    """not-migrated entries for CHECKs that do not translate; a note for those the column's type enforces."""
    out = []
    for chk in tp.table.checks:
        tr = _translate_check(tp, chk.expression)
        if tr is None:
            tp.notes.append(f"CHECK ({chk.expression}): enforced by the jsonb type")
        elif tr.sql is None:
            out.append(f"check {tp.name} CHECK ({chk.expression}): {'; '.join(tr.problems)}")
    return out
