"""Translate a SQLite expression (a CHECK, a default, a view's or generated column's expression) to PostgreSQL.

The expression is parsed by sqlglot (read="sqlite") and the tree is transformed, never the text:
columns are renamed to the target's names and quoted, SQLite-only constructs are rewritten where
PostgreSQL has one with the same meaning (LIKE is case-insensitive in SQLite: ILIKE; GLOB: an
anchored regular expression; CAST AS INTEGER is 64-bit: bigint), and named as problems where it
has none (typeof(), json_valid(), datetime(), printf(), COLLATE NOCASE ...).

    translate_expr("qty >= 0 AND [Unit Price] > 0", {"qty": "qty", "Unit Price": "unit_price"})
    -> Translation(sql='"qty" >= 0 AND "unit_price" > 0', problems=[])

What it cannot see: the types of the operands. SQLite compares across storage classes and converts
with affinity; PostgreSQL refuses an operator it has no overload for (e.g. `flag IN (0, 1)` on a
boolean) -- running the translation against the target's types is the caller's proof.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its fallback warnings are not ours to print

# Node types whose PostgreSQL rendering means what SQLite meant; anything else is a problem.
_SAME_MEANING = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Tuple, exp.DataType,
    exp.Not, exp.Neg, exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is,
    exp.NullSafeEQ, exp.NullSafeNEQ, exp.In, exp.Between, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod,
    exp.DPipe, exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseNot, exp.BitwiseLeftShift, exp.BitwiseRightShift,
    exp.Like, exp.Escape, exp.Glob, exp.Cast, exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Lower,
    exp.Upper, exp.Length, exp.Abs, exp.Round, exp.Trim, exp.Substring, exp.StrPosition, exp.Replace,
)
_CAST_TYPES = {exp.DataType.Type.INT: "BIGINT", exp.DataType.Type.BIGINT: "BIGINT",
               exp.DataType.Type.FLOAT: "DOUBLE PRECISION", exp.DataType.Type.DOUBLE: "DOUBLE PRECISION",
               exp.DataType.Type.TEXT: "TEXT", exp.DataType.Type.VARCHAR: "TEXT",
               exp.DataType.Type.DECIMAL: "NUMERIC", exp.DataType.Type.BLOB: "BYTEA",
               exp.DataType.Type.VARBINARY: "BYTEA"}


@dataclass(frozen=True)
class Translation:
    sql: str | None  # the PostgreSQL expression; None when a construct could not be translated
    problems: list[str] = field(default_factory=list)  # each construct that could not be translated


def parse_sqlite(sql: str) -> exp.Expression:
    """The sqlglot tree of one SQLite expression (raises ValueError with a one-line reason).

    Parsed as a SELECT's one item, where function names that are also statement keywords
    (replace(), a SQLite function) read as functions.
    """
    try:
        select = sqlglot.parse_one(f"SELECT {sql}", read="sqlite")
    except ParseError as exc:
        raise ValueError(f"cannot parse SQLite expression {sql!r}: {str(exc).splitlines()[0]}") from None
    items = select.expressions if isinstance(select, exp.Select) else []
    if len(items) != 1 or isinstance(items[0], exp.Alias) or select.find(exp.From):
        raise ValueError(f"not one SQLite expression: {sql!r}")
    return items[0].copy()


def translate_expr(sql: str, columns: dict[str, str]) -> Translation:
    """`sql` (a SQLite expression) as PostgreSQL, its columns renamed by `columns` (SQLite -> target name).

    Column names match exactly, then case-insensitively (SQLite's rule). A double-quoted name that is
    no column is a string literal in SQLite, and becomes one. Any other unknown name is a problem.
    """
    try:
        tree = parse_sqlite(sql)
    except ValueError as exc:
        return Translation(None, [str(exc)])
    problems = _problems(tree, columns)
    if problems:
        return Translation(None, problems)
    for node in reversed(list(tree.walk())):  # children before parents: each rewrite sees final children
        new = _rewrite(node, columns)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return Translation(tree.sql(dialect="postgres"), [])


def _lookup(name: str, columns: dict[str, str]) -> str | None:
    if name in columns:
        return columns[name]
    return next((v for k, v in columns.items() if k.lower() == name.lower()), None)


def _problems(tree: exp.Expression, columns: dict[str, str]) -> list[str]:
    """Each construct that cannot be carried, outermost only (strftime(), not the cast sqlglot put in it)."""
    bad: dict[int, str] = {}
    for node in tree.walk():
        inside = any(id(a) in bad for a in _ancestors(node))
        if not inside and (why := _problem(node, columns)):
            bad[id(node)] = why
    return sorted(set(bad.values()))


def _ancestors(node: exp.Expression):
    while node.parent is not None:
        node = node.parent
        yield node


def _problem(node: exp.Expression, columns: dict[str, str]) -> str | None:
    """Why `node` cannot be carried to PostgreSQL with the same meaning, or None."""
    if isinstance(node, exp.Column):
        quoted = isinstance(node.this, exp.Identifier) and node.this.quoted and not node.table
        return None if _lookup(node.name, columns) is not None or quoted else f"unknown column {node.name!r}"
    if isinstance(node, exp.Glob) and not (isinstance(node.expression, exp.Literal) and node.expression.is_string):
        return "GLOB with a pattern that is not a constant"
    if isinstance(node, _SAME_MEANING):
        return None
    if isinstance(node, exp.Var) and isinstance(node.parent, exp.Collate):
        return None
    if isinstance(node, exp.Collate):
        return f"COLLATE {node.expression.sql()} has no PostgreSQL equivalent"
    if isinstance(node, exp.Anonymous):
        return f"{node.name.lower()}() is a SQLite function PostgreSQL does not have"
    if isinstance(node, exp.Func):
        name = node.sql(dialect="sqlite").split("(")[0].strip().lower()
        return f"{name}() has no PostgreSQL function with SQLite's meaning"
    return f"{node.key.upper()} has no PostgreSQL equivalent with SQLite's meaning"


def referenced_columns(sql: str, columns: list[str]) -> list[str]:
    """The names in `columns` that the SQLite expression `sql` refers to (case-insensitively), in order."""
    try:
        tree = parse_sqlite(sql)
    except ValueError:
        return []
    seen = {c.name.lower() for c in tree.find_all(exp.Column)}
    return [c for c in columns if c.lower() in seen]


def _rewrite(node: exp.Expression, columns: dict[str, str]) -> exp.Expression:
    if isinstance(node, exp.Column):
        target = _lookup(node.name, columns)
        # SQLite reads an unknown double-quoted "name" as the string 'name'
        return exp.column(target, quoted=True) if target is not None else exp.Literal.string(node.name)
    if isinstance(node, exp.Like):  # SQLite's LIKE ignores (ASCII) case
        return exp.ILike(**node.args)
    if isinstance(node, exp.Glob):
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(glob_to_regex(node.expression.this)))
    if isinstance(node, exp.Cast):
        return _cast(node)
    return node


def _cast(node: exp.Cast) -> exp.Expression:
    to = node.to
    mapped = _CAST_TYPES.get(to.this) if isinstance(to, exp.DataType) else None
    if mapped is None:
        return node
    return exp.Cast(this=node.this, to=exp.DataType.build(mapped, dialect="postgres"))


def glob_to_regex(pattern: str) -> str:
    """A SQLite GLOB pattern as an anchored POSIX regular expression (case-sensitive, like GLOB)."""
    out, i = ["^"], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[" and (j := pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("]", "^") else i + 1)) > 0:
            body = pattern[i + 1:j]
            neg = body.startswith("^")
            body = body[1:] if neg else body
            body = body.replace("\\", "\\\\")
            out.append("[" + ("^" if neg else "") + body + "]")
            i = j
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return "".join(out)
