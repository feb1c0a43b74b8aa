"""A SQLite statement as PostgreSQL: sqlglot's transpilation plus the mechanical rewrites it lacks.

sqlglot (sqlite -> postgres) already maps `?`/`:name` to `%s`/`%(name)s`, IFNULL to COALESCE,
GROUP_CONCAT to STRING_AGG, `LIMIT a, b`, `x / 0` (NULLIF) and SQLite's NULLs-first ordering. It
leaves INSERT OR REPLACE/IGNORE, datetime()/date('now'), LIMIT -1, double-quoted strings,
last_insert_rowid() and PRAGMA as they are (each invalid in PostgreSQL), maps strftime's %f to
microseconds (SQLite's is SS.SSS) and aggregates non-text values with STRING_AGG (an error): those are
rewritten here, on the tree. Constructs whose meaning differs (LIKE case, `= 1` on a boolean,
collation, integer division, `||`) are left as the application wrote them, so a replay shows what the
application would get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from ..sqltranslate import glob_to_regex
from .statement import Statement

_MODIFIER = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s+(second|minute|hour|day|month|year)s?\s*$", re.IGNORECASE)
_START_OF = re.compile(r"^\s*start of (day|month|year)\s*$", re.IGNORECASE)
_STRFTIME = {"Y": "YYYY", "m": "MM", "d": "DD", "H": "HH24", "M": "MI", "S": "SS", "f": "SS.MS", "j": "DDD",
             "%": "%"}


@dataclass
class Translation:
    sql: str | None  # PostgreSQL SQL; None when it cannot be run there
    problems: list[str] = field(default_factory=list)  # why not
    skip: str = ""  # a statement with no PostgreSQL counterpart at all (PRAGMA): why it is not run


def translate(st: Statement, known_columns: set[str] | None = None, returning: bool = False) -> Translation:
    """`st` as PostgreSQL. `known_columns` (lower case) tell a double-quoted column from a string;
    `returning` adds RETURNING * to a write that has none (the replay compares the changed rows)."""
    if isinstance(st.tree, exp.Pragma) or (isinstance(st.tree, exp.Command) and st.tree.name.upper() == "PRAGMA"):
        return Translation(None, skip="PRAGMA has no PostgreSQL counterpart (delete it)")
    tree = st.tree.copy()
    problems: list[str] = []
    for node in list(tree.walk()):
        new = _rewrite(node, known_columns, problems)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    if problems:
        return Translation(None, problems)
    if returning and isinstance(tree, (exp.Insert, exp.Update, exp.Delete)) and not tree.args.get("returning"):
        tree.set("returning", exp.Returning(expressions=[exp.Star()]))
    tail = _insert_or(tree, st, problems)
    if problems:
        return Translation(None, problems)
    if any(True for _ in tree.find_all(exp.Placeholder)):
        for lit in tree.find_all(exp.Literal):
            if lit.is_string and "%" in lit.this:
                lit.set("this", lit.this.replace("%", "%%"))
    ret = tree.args.get("returning")
    if tail and ret is not None:
        tree.set("returning", None)
    sql = tree.sql(dialect="postgres", comments=False)
    if tail:
        sql += tail + (" " + ret.sql(dialect="postgres") if ret is not None else "")
    return Translation(sql)


def _rewrite(node: exp.Expression, known: set[str] | None, problems: list[str]) -> exp.Expression:
    if isinstance(node, exp.GroupConcat):
        inner = node.this.expressions[0] if isinstance(node.this, exp.Distinct) else node.this
        inner.replace(exp.Cast(this=inner.copy(), to=exp.DataType.build("text")))
        return node
    if isinstance(node, (exp.Anonymous, exp.Date, exp.TimeToStr)):
        return _date_node(node, problems)
    if isinstance(node, exp.Limit) and isinstance(node.expression, exp.Neg):
        node.pop()
        return node
    if isinstance(node, exp.Column) and known is not None and isinstance(node.this, exp.Identifier) \
            and node.this.quoted and not node.table and node.name.lower() not in known:
        return exp.Literal.string(node.name)  # SQLite reads "word" that names no column as 'word'
    if isinstance(node, exp.Glob) and isinstance(node.expression, exp.Literal):
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(glob_to_regex(node.expression.this)))
    return node


def date_call(node: exp.Expression) -> tuple[str | None, list[exp.Expression]]:
    """(SQLite date function's name, its arguments) of a node sqlglot parsed from one, else (None, [])."""
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("datetime", "date", "time", "julianday",
                                                                 "strftime"):
        return node.name.lower(), list(node.expressions)
    if isinstance(node, exp.Date):
        return "date", [node.this, *node.expressions]
    if isinstance(node, exp.TimeToStr):
        inner = node.this.this if isinstance(node.this, exp.TsOrDsToTimestamp) else node.this
        return "strftime", [node.args["format"], inner]
    return None, []


def _date_node(node: exp.Expression, problems: list[str]) -> exp.Expression:
    name, args = date_call(node)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "last_insert_rowid":
        return exp.Anonymous(this="lastval", expressions=[])
    if name is None:
        return node
    pg = date_function(name, args)
    if pg is None:
        problems.append(f"{node.sql(dialect='sqlite', comments=False)}: no PostgreSQL form with the same meaning")
        return node
    return pg


def date_function(name: str, args: list[exp.Expression]) -> exp.Expression | None:
    """SQLite's date(), time(), datetime(), strftime() with 'now' or a value and simple modifiers, or None."""
    if not args:
        return None
    if name == "julianday":
        value = _moment(args[0], args[1:])
        if value is None:
            return None
        days = exp.Div(this=exp.Extract(this=exp.var("epoch"), expression=value),
                       expression=exp.Literal.number("86400.0"))
        return exp.Paren(this=exp.Add(this=days, expression=exp.Literal.number("2440587.5")))
    if name == "strftime":
        fmt, rest = args[0], args[1:]
        value = _moment(rest[0], rest[1:]) if rest else None
        if value is None or not (isinstance(fmt, exp.Literal) and fmt.is_string):
            return None
        return _strftime(fmt.this, value)
    value = _moment(args[0], args[1:])
    if value is None:
        return None
    if name == "date":
        return exp.Cast(this=value, to=exp.DataType.build("date"))
    if name == "time":
        return exp.Cast(this=value, to=exp.DataType.build("time"))
    return value


def _moment(first: exp.Expression, modifiers: list[exp.Expression]) -> exp.Expression | None:
    if isinstance(first, exp.Literal) and first.is_string and first.this.lower() == "now":
        value: exp.Expression = exp.func("date_trunc", exp.Literal.string("second"),
                                         exp.AtTimeZone(this=exp.func("now"), zone=exp.Literal.string("UTC")))
    elif isinstance(first, exp.Literal) and not first.is_string:
        return None  # julian day numbers and unix epochs need a person
    else:
        value = exp.Cast(this=first.copy(), to=exp.DataType.build("timestamp"))
    for mod in modifiers:
        if not (isinstance(mod, exp.Literal) and mod.is_string):
            return None
        if m := _MODIFIER.match(mod.this):
            value = exp.Add(this=exp.Paren(this=value), expression=exp.Interval(
                this=exp.Literal.string(f"{m.group(1)} {m.group(2).lower()}")))
        elif m := _START_OF.match(mod.this):
            value = exp.func("date_trunc", exp.Literal.string(m.group(1).lower()), value)
        else:
            return None
    return value


def _strftime(fmt: str, value: exp.Expression) -> exp.Expression | None:
    if fmt == "%s":
        epoch = exp.Cast(this=exp.Extract(this=exp.var("epoch"), expression=value),
                         to=exp.DataType.build("bigint"))
        return exp.Cast(this=epoch, to=exp.DataType.build("text"))
    out, literal, i = [], [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = _STRFTIME.get(fmt[i + 1])
            if code is None:
                return None
            if literal:
                out.append('"' + "".join(literal) + '"')
                literal = []
            out.append(code)
            i += 2
        else:
            literal.append(fmt[i])
            i += 1
    if literal:
        out.append('"' + "".join(literal) + '"')
    return exp.func("to_char", value, exp.Literal.string("".join(out)))


def _insert_or(tree: exp.Expression, st: Statement, problems: list[str]) -> str:
    """The ON CONFLICT clause replacing INSERT OR REPLACE/IGNORE ('' when there is none)."""
    if not isinstance(tree, exp.Insert) or not tree.args.get("alternative"):
        return ""
    alt = tree.args["alternative"].upper()
    tree.set("alternative", None)
    if alt == "IGNORE":
        return " ON CONFLICT DO NOTHING"
    if alt != "REPLACE":
        problems.append(f"INSERT OR {alt}: PostgreSQL has no such conflict rule")
        return ""
    table = tree.find(exp.Table)
    key = st.schema.keys.get(table.name.lower(), ()) if table is not None else ()
    if not key:
        problems.append(f"INSERT OR REPLACE INTO {table.name if table else '?'}: its primary key is unknown "
                        "(the ON CONFLICT target)")
        return ""
    listed = [i.name for i in tree.this.expressions] if isinstance(tree.this, exp.Schema) else \
        st.schema.columns.get(table.name.lower(), [])
    low = {c.lower() for c in listed}
    others = [c for c in st.schema.columns.get(table.name.lower(), []) if c.lower() not in low]
    sets = [f'"{c}" = EXCLUDED."{c}"' for c in listed if c.lower() not in {k.lower() for k in key}]
    sets += [f'"{c}" = DEFAULT' for c in others]
    target = ", ".join(f'"{k}"' for k in key)
    return f" ON CONFLICT ({target}) DO " + (f"UPDATE SET {', '.join(sets)}" if sets else "NOTHING")
