"""Translate a SQLite view to PostgreSQL: parsed by sqlglot, the tree rewritten, never the text.

Tables become the migrated tables (schema-qualified, their PostgreSQL names), column references take
the exact PostgreSQL spelling of the column (SQLite matches names case-insensitively, PostgreSQL's
quoted names do not), LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case), GLOB an anchored regular
expression, and a double-quoted name that is no column is the string SQLite reads it as. A function
PostgreSQL does not have (SQLite's date functions, printf, typeof ...) makes the view untranslatable:
it is reported as not migrated with that reason, never created with a different meaning.

Whether the created view returns what SQLite's returns is not proven here: the objects check runs both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from .sqlnames import qi, qname
from .sqltranslate import glob_to_regex

# SQLite-only functions sqlglot leaves as they are (or maps to a PostgreSQL function with another meaning)
_NO_EQUIVALENT = {exp.Typeof: "typeof()", exp.Hex: "hex()", exp.TimeToStr: "strftime()",
                  exp.TsOrDsToTimestamp: "a SQLite date function", exp.UnixToTime: "a SQLite date function",
                  exp.StrToTime: "a SQLite date function", exp.Unicode: "unicode()",
                  exp.RegexpLike: "REGEXP (a user function in SQLite)"}
_SAME_NAME = {"coalesce", "nullif", "lower", "upper", "length", "abs", "round", "trim", "ltrim", "rtrim",
              "replace", "substr", "substring", "max", "min", "greatest", "least", "count", "sum", "avg"}


@dataclass(frozen=True)
class ViewSql:
    name: str  # SQLite name
    pg_name: str
    sql: str | None  # CREATE VIEW ...; None when it cannot be translated
    problems: list[str] = field(default_factory=list)


def translate_view(name: str, sql: str, schema: str, tables: dict[str, str],
                   columns: dict[str, dict[str, str]]) -> ViewSql:
    """`sql` (SQLite's CREATE VIEW) for PostgreSQL.

    tables: SQLite table or view name (lower case) -> PostgreSQL name; columns: per SQLite table (lower
    case), SQLite column name (lower case) -> PostgreSQL spelling.
    """
    pg_name = tables.get(name.lower(), name)
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except SqlglotError as exc:
        return ViewSql(name, pg_name, None, [f"cannot parse: {str(exc).splitlines()[0]}"])
    query = tree.expression if isinstance(tree, exp.Create) else None
    if query is None:
        return ViewSql(name, pg_name, None, ["not a CREATE VIEW ... AS SELECT statement"])
    problems: list[str] = []
    aliases = {a.alias.lower() for a in query.find_all(exp.Alias)} | \
              {t.alias.lower() for t in query.find_all(exp.Table) if t.alias}
    ctes = {c.alias.lower() for c in query.find_all(exp.CTE)}
    sources = {(t.alias or t.name).lower(): t.name.lower() for t in query.find_all(exp.Table)}
    anywhere: dict[str, str] = {}
    for table in sources.values():
        for low, spelled in columns.get(table, {}).items():
            anywhere.setdefault(low, spelled)
    scope = _Scope(columns, sources, anywhere, aliases)

    def rewrite(node: exp.Expression) -> exp.Expression:
        return _rewrite(node, schema, tables, scope, ctes, problems)

    out = query.transform(rewrite, copy=True)
    if problems:
        return ViewSql(name, pg_name, None, sorted(set(problems)))
    cols = ""
    if isinstance(tree.this, exp.Schema) and tree.this.expressions:
        cols = " (" + ", ".join(qi(c.name) for c in tree.this.expressions) + ")"
    body = out.sql(dialect="postgres", identify=True)
    return ViewSql(name, pg_name, f"CREATE VIEW {qname(schema, pg_name)}{cols} AS {body}")


@dataclass(frozen=True)
class _Scope:
    """What a column reference in the view can mean."""

    columns: dict[str, dict[str, str]]  # table (lower) -> column (lower) -> PostgreSQL spelling
    sources: dict[str, str]  # alias or table name (lower) -> table (lower)
    anywhere: dict[str, str]  # column (lower) -> spelling, over every table the view reads
    aliases: set[str]  # names the view itself gives (AS ...), lower case

    def spelling(self, column: str, qualifier: str) -> str | None:
        table = self.sources.get(qualifier.lower()) if qualifier else None
        if table is not None and table in self.columns:
            return self.columns[table].get(column.lower())
        return self.anywhere.get(column.lower())


def _rewrite(node: exp.Expression, schema: str, tables: dict[str, str], scope: _Scope, ctes: set[str],
             problems: list[str]) -> exp.Expression:
    if isinstance(node, exp.Table):
        return _table(node, schema, tables, ctes, problems)
    if isinstance(node, exp.Column):
        return _column(node, tables, scope)
    for kind, what in _NO_EQUIVALENT.items():
        if isinstance(node, kind):
            problems.append(f"{what} has no PostgreSQL equivalent")
            return node
    if isinstance(node, exp.Anonymous) and node.name.lower() not in _SAME_NAME:
        problems.append(f"{node.name.lower()}() is a SQLite function PostgreSQL does not have")
    if isinstance(node, exp.Like):
        return exp.ILike(this=node.this, expression=node.expression)
    if isinstance(node, exp.Glob):
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            problems.append("GLOB with a pattern that is not a constant")
            return node
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(glob_to_regex(pattern.this)))
    return node


def _table(node: exp.Table, schema: str, tables: dict[str, str], ctes: set[str],
           problems: list[str]) -> exp.Expression:
    name = node.name
    if name.lower() in ctes and not node.db:
        return node
    target = tables.get(name.lower())
    if target is None:
        problems.append(f"reads {name!r}, which is not migrated")
        return node
    out = node.copy()
    out.set("this", exp.to_identifier(target, quoted=True))
    out.set("db", exp.to_identifier(schema, quoted=True))
    return out


def _column(node: exp.Column, tables: dict[str, str], scope: _Scope) -> exp.Expression:
    name = node.name
    spelled = scope.spelling(name, node.table)
    ident = node.this
    aliases = scope.aliases
    if spelled is None and isinstance(ident, exp.Identifier) and ident.quoted and not node.table \
            and name.lower() not in aliases:
        return exp.Literal.string(name)  # SQLite reads an unknown "name" as the string 'name'
    out = node.copy()
    if spelled is not None and isinstance(ident, exp.Identifier):
        out.set("this", exp.to_identifier(spelled, quoted=True))
    qualifier = node.table
    if qualifier and qualifier.lower() not in aliases and qualifier.lower() in tables:
        out.set("table", exp.to_identifier(tables[qualifier.lower()], quoted=True))
    return out
