"""The SQLite-only constructs of an application's SQL: where each is, its PostgreSQL form, who rewrites it.

One detector per construct, each a short function over a parsed `Statement`. A construct is
'mechanical' when a rewrite with the same meaning exists and `pgparity.scan.translate` applies it
(placeholders, IFNULL, GROUP_CONCAT, INSERT OR REPLACE, datetime('now'), strftime, LIMIT -1,
double-quoted strings, last_insert_rowid(), PRAGMA, AUTOINCREMENT), and 'person' when the
statement is valid in both but may answer differently, so someone must decide what the
application meant (LIKE case, `= 1` on a boolean, ORDER BY collation, integer division, `||`
on non-text, CURRENT_TIMESTAMP's zone, rowid and sqlite_sequence).

What it cannot see without the migrated schema (`SchemaInfo`): which columns became boolean,
timestamp or numeric; then boolean comparisons are not reported and `/` and `||` are reported
wherever an operand is not known to be safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokens import TokenType

from .statement import Statement, type_kind
from .translate import date_call, date_function

MECHANICAL = "mechanical"
PERSON = "person"


@dataclass(frozen=True)
class Construct:
    name: str  # stable id, e.g. 'placeholder', 'like-case'
    rewrite: str  # MECHANICAL | PERSON
    sqlite: str  # the construct as written
    postgres: str  # its PostgreSQL form
    advice: str  # what differs and what to do
    offset: int = -1  # where it starts in the statement's SQL (-1: unknown)


Detector = Callable[[Statement], Iterator[Construct]]


def sql(node: exp.Expression, dialect: str = "sqlite") -> str:
    """A node as SQL text, without the comments sqlglot attaches to it."""
    return node.sql(dialect=dialect, comments=False)


def _placeholders(st: Statement) -> Iterator[Construct]:
    marks = list(st.tree.find_all(exp.Placeholder))
    if not marks:
        return
    named = any(m.this for m in marks)
    sqlite = ":name" if named else "?"
    pg = "%(name)s" if named else "%s"
    at = next((t.start for t in st.tokens if t.token_type in (TokenType.PLACEHOLDER, TokenType.COLON)), -1)
    yield Construct("placeholder", MECHANICAL, sqlite, f"{pg} (psycopg2; $1 for asyncpg)",
                    f"{len(marks)} {sqlite} parameter(s): the PostgreSQL driver's parameter style, and a literal % "
                    f"in the SQL becomes %%", at)


def _ifnull(st: Statement) -> Iterator[Construct]:
    while (at := st.offset("ifnull")) >= 0:
        yield Construct("ifnull", MECHANICAL, "IFNULL(a, b)", "COALESCE(a, b)", "same meaning", at)


def _group_concat(st: Statement) -> Iterator[Construct]:
    for node in st.tree.find_all(exp.GroupConcat):
        sep = node.args.get("separator")
        sep_sql = sep.sql() if sep is not None else "','"
        yield Construct("group_concat", MECHANICAL, sql(node),
                        f"string_agg(CAST(x AS text), {sep_sql})",
                        "the default separator is ','; the order of the parts is unspecified in both (add ORDER BY "
                        "inside string_agg for a stable value)", st.offset("group_concat"))


def _insert_or(st: Statement) -> Iterator[Construct]:
    if not isinstance(st.tree, exp.Insert) or not st.tree.args.get("alternative"):
        return
    alt = st.tree.args["alternative"].upper()
    at = st.offset("insert")
    if alt == "IGNORE":
        yield Construct("insert_or_ignore", MECHANICAL, "INSERT OR IGNORE", "INSERT ... ON CONFLICT DO NOTHING",
                        "same meaning for unique and key conflicts (SQLite also ignores NOT NULL and CHECK failures "
                        "there; PostgreSQL raises them)", at)
    elif alt == "REPLACE":
        table = st.tree.find(exp.Table)
        key = st.schema.keys.get(table.name.lower()) if table is not None else None
        target = ", ".join(key) if key else "<primary key>"
        yield Construct("insert_or_replace", MECHANICAL, "INSERT OR REPLACE",
                        f"INSERT ... ON CONFLICT ({target}) DO UPDATE SET col = EXCLUDED.col, other = DEFAULT",
                        "SQLite deletes the conflicting row and inserts a new one: columns not listed go back to "
                        "their defaults, and a conflict on another unique column also deletes that row", at)
    else:
        yield Construct(f"insert_or_{alt.lower()}", PERSON, f"INSERT OR {alt}", "no equivalent",
                        "PostgreSQL aborts the statement on a conflict", at)


def _now_calls(st: Statement) -> Iterator[Construct]:
    for node in st.tree.find_all(exp.Anonymous, exp.Date, exp.TimeToStr):
        name, args = date_call(node)
        if name is None:
            continue
        pg = date_function(name, args)
        if pg is None:
            yield Construct("date_function", PERSON, sql(node), "no mechanical form",
                            "a modifier PostgreSQL has no counterpart for (localtime, weekday, unixepoch ...): rewrite "
                            "with date_trunc / interval / AT TIME ZONE", st.offset(name))
            continue
        now = bool(args) and isinstance(args[0], exp.Literal) and args[0].this.lower() == "now"
        now = now or (name == "strftime" and len(args) > 1 and isinstance(args[1], exp.Literal)
                      and args[1].this.lower() == "now")
        yield Construct("datetime_now" if now else "date_function", MECHANICAL, sql(node), sql(pg, "postgres"),
                        "SQLite's 'now' is UTC to the second; now()/CURRENT_TIMESTAMP alone follow the session "
                        "time zone" if now else "SQLite's strftime() is to_char() with other format codes"
                        if name == "strftime" else "SQLite returns text; PostgreSQL a timestamp or date",
                        st.offset(name))


def _current_timestamp(st: Statement) -> Iterator[Construct]:
    for node in st.tree.find_all(exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime):
        word = sql(node)
        yield Construct("current_timestamp_zone", PERSON, word, f"{word} (or now() AT TIME ZONE 'UTC')",
                        f"SQLite's {word} is UTC; PostgreSQL's is in the session time zone, and stored in or compared "
                        "with a timestamp without time zone column it is that zone's wall clock", st.offset(word))


def _limit_minus_one(st: Statement) -> Iterator[Construct]:
    for limit in st.tree.find_all(exp.Limit):
        if isinstance(limit.expression, exp.Neg):
            yield Construct("limit_minus_one", MECHANICAL, "LIMIT -1", "no LIMIT (keep OFFSET)",
                            "a negative LIMIT means no limit in SQLite; PostgreSQL rejects it", st.offset("limit"))


def _double_quoted(st: Statement) -> Iterator[Construct]:
    tables = st.tables()
    for col in st.tree.find_all(exp.Column):
        ident = col.this
        if not (isinstance(ident, exp.Identifier) and ident.quoted) or col.table:
            continue
        if st.schema.known:
            if any(st.schema.type_of(t, col.name) is not None for t in tables.values()):
                continue
        elif not isinstance(col.parent, (exp.EQ, exp.NEQ, exp.In, exp.Like, exp.Tuple)) or col.arg_key == "this":
            continue
        yield Construct("double_quoted_string", MECHANICAL, f'"{col.name}"', f"'{col.name}'",
                        "a double-quoted word that names no column is a string in SQLite; PostgreSQL looks for a "
                        "column of that name", st.at(col))


def _functions(st: Statement) -> Iterator[Construct]:
    for node in st.tree.find_all(exp.Anonymous):
        name = node.name.lower()
        if name == "last_insert_rowid":
            yield Construct("last_insert_rowid", MECHANICAL, "last_insert_rowid()", "INSERT ... RETURNING id "
                            "(or lastval())", "lastval() is the last value of any sequence this session used",
                            st.offset(name))
        elif name in ("typeof", "printf", "instr", "char", "unicode", "zeroblob", "randomblob", "total", "changes"):
            yield Construct("sqlite_function", PERSON, f"{name}()", "no function of that name",
                            f"{name}() is SQLite's; PostgreSQL needs an equivalent expression", st.offset(name))


def _pragma(st: Statement) -> Iterator[Construct]:
    if isinstance(st.tree, exp.Pragma) or (isinstance(st.tree, exp.Command) and st.tree.name.upper() == "PRAGMA"):
        text = st.tree.sql(dialect="sqlite")
        pg = "information_schema.columns" if "table_info" in text.lower() else "delete it"
        yield Construct("pragma", MECHANICAL, text, pg, "PostgreSQL has no PRAGMA (WAL, foreign keys and "
                        "synchronous writes are server behaviour there)", st.offset("pragma"))


def _autoincrement(st: Statement) -> Iterator[Construct]:
    for _ in st.tree.find_all(exp.AutoIncrementColumnConstraint):
        yield Construct("autoincrement", MECHANICAL, "INTEGER PRIMARY KEY AUTOINCREMENT",
                        "bigint GENERATED BY DEFAULT AS IDENTITY",
                        "after the copy the sequence must start past max(id) (and past sqlite_sequence)",
                        st.offset("autoincrement"))
    for table in st.tree.find_all(exp.Table):
        if table.name.lower() in ("sqlite_sequence", "sqlite_master", "sqlite_schema"):
            pg = "pg_get_serial_sequence() / currval()" if table.name.lower() == "sqlite_sequence" else \
                "information_schema / pg_catalog"
            yield Construct("sqlite_catalog", PERSON, table.name, pg,
                            f"{table.name} does not exist in PostgreSQL", st.offset(table.name))


def _rowid(st: Statement) -> Iterator[Construct]:
    for col in st.tree.find_all(exp.Column):
        if col.name.lower() in ("rowid", "oid", "_rowid_") and st.column_type(col) is None:
            yield Construct("rowid", PERSON, col.name, "the primary key column",
                            "PostgreSQL tables have no rowid", st.at(col))


def _like(st: Statement) -> Iterator[Construct]:
    for _node in st.tree.find_all(exp.Like):
        yield Construct("like_case", PERSON, "LIKE", "ILIKE (or lower(x) LIKE lower(y))",
                        "SQLite's LIKE ignores ASCII case; PostgreSQL's does not. ILIKE also folds non-ASCII "
                        "letters, which SQLite's LIKE does not", st.offset("like"))
    for _ in st.tree.find_all(exp.Glob):
        yield Construct("glob", MECHANICAL, "GLOB", "~ '^regex$'", "GLOB is case-sensitive with * ? [..]",
                        st.offset("glob"))


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ, exp.In)


def _boolean_compare(st: Statement) -> Iterator[Construct]:
    """A column that became boolean compared with a number or a parameter (PostgreSQL: an error)."""
    for node in st.tree.find_all(*_COMPARISONS):
        if isinstance(node.parent, exp.Update) and node.arg_key == "expressions":
            continue  # SET col = value: an assignment (boolean_assign), not a comparison
        col, other = node.this, node.expression
        if isinstance(node, exp.In):
            values = node.expressions
        else:
            if not isinstance(col, exp.Column):
                col, other = other, col
            values = [other]
        if type_kind(st.column_type(col)) != "boolean" or not values:
            continue
        if all(isinstance(v, exp.Literal) and not v.is_string for v in values):
            yield Construct("boolean_compare", PERSON, sql(node), _boolean_form(col, node, values),
                            f"{col.name} became boolean: PostgreSQL has no boolean {_op(node)} integer (an error)",
                            st.at(col))
        elif all(isinstance(v, exp.Placeholder) for v in values):
            yield Construct("boolean_compare", PERSON, sql(node), f"{sql(node, 'postgres')} with True/False bound",
                            f"{col.name} became boolean: a parameter bound as 1/0 is an integer there (an error); "
                            "bind Python True/False", st.at(col))
    for node in st.tree.find_all(exp.Sum, exp.Avg):
        if type_kind(st.column_type(node.this)) == "boolean":
            yield Construct("boolean_compare", PERSON, sql(node), f"{node.key.upper()}({node.this.name}::int)",
                            f"{node.this.name} became boolean: sum()/avg() of a boolean is an error",
                            st.at(node.this))


def _op(node: exp.Expression) -> str:
    return {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "nullsafeeq": "IS",
            "nullsafeneq": "IS NOT", "in": "IN"}.get(node.key, node.key)


def _boolean_assign(st: Statement) -> Iterator[Construct]:
    """An integer literal or parameter stored into a column that became boolean (UPDATE SET, INSERT VALUES)."""
    pairs: list[tuple[exp.Column, exp.Expression]] = []
    if isinstance(st.tree, exp.Update):
        pairs = [(e.this, e.expression) for e in st.tree.expressions if isinstance(e, exp.EQ)]
    elif isinstance(st.tree, exp.Insert) and isinstance(st.tree.this, exp.Schema):
        values = st.tree.expression
        names = [exp.column(i.name) for i in st.tree.this.expressions]
        rows = values.expressions if isinstance(values, exp.Values) else []
        pairs = [(n, v) for row in rows for n, v in zip(names, row.expressions)]
    table = st.tree.find(exp.Table)
    for col, value in pairs:
        if table is None or type_kind(st.schema.type_of(table.name, col.name)) != "boolean":
            continue
        if isinstance(value, exp.Literal) and not value.is_string:
            yield Construct("boolean_assign", PERSON, f"{col.name} = {value.sql()}",
                            f"{col.name} = {'false' if value.this == '0' else 'true'}",
                            f"{col.name} became boolean: PostgreSQL does not store an integer there (an error)",
                            st.at(value))
        elif isinstance(value, exp.Placeholder):
            yield Construct("boolean_assign", PERSON, f"{col.name} = {value.sql()}", "pass True/False",
                            f"{col.name} became boolean: a parameter bound as 1/0 is an integer there (an error); "
                            "bind Python True/False", st.at(value, "?"))


def _boolean_form(col: exp.Column, node: exp.Expression, values: list) -> str:
    name = col.sql(dialect="postgres")
    if not isinstance(node, (exp.EQ, exp.NEQ, exp.NullSafeEQ, exp.NullSafeNEQ)) or len(values) != 1:
        return f"{name}::int {_op(node)} {', '.join(sql(v) for v in values)}"
    truth = values[0].this != "0"
    if isinstance(node, (exp.NEQ, exp.NullSafeNEQ)):
        truth = not truth
    return name if truth else f"NOT {name}"


def _order_collation(st: Statement) -> Iterator[Construct]:
    for order in st.tree.find_all(exp.Ordered):
        key = order.this
        if isinstance(key, exp.Collate):
            yield Construct("collation", PERSON, sql(key), 'COLLATE "C" / lower(x)',
                            "SQLite's NOCASE/RTRIM collations do not exist in PostgreSQL", st.at(key))
            continue
        kind = type_kind(st.column_type(key)) if isinstance(key, exp.Column) else None
        if isinstance(key, exp.Column) and kind in (None, "text"):
            yield Construct("collation", PERSON, f"ORDER BY {sql(key)}",
                            f'ORDER BY {key.sql(dialect="postgres")} COLLATE "C"',
                            "SQLite orders text by its bytes; PostgreSQL by the database's collation (case and "
                            "accents interleave) unless it is C" + ("" if kind else " (if this column is text)"),
                            st.at(key))


def _integer_division(st: Statement) -> Iterator[Construct]:
    for node in st.tree.find_all(exp.Div):
        kinds = [_operand_kind(st, x) for x in (node.this, node.expression)]
        if "float" in kinds or (kinds == ["integer", "integer"]):
            continue  # a real operand: both divide exactly; two integers: both divide as integers
        why = ("SQLite divides whole values as integers (a NUMERIC column's whole values and sum() of integers are "
               "integers there); PostgreSQL's numeric (and sum() of integers) divides exactly") \
            if "numeric" in kinds else \
            "SQLite divides two integers as integers (5/2 = 2): check the operands' types in PostgreSQL"
        yield Construct("integer_division", PERSON, sql(node),
                        f"{node.this.sql(dialect='postgres')} / {node.expression.sql(dialect='postgres')}::numeric "
                        "(or div() for integer division)", why, st.offset("/"))


def _operand_kind(st: Statement, node: exp.Expression) -> str | None:
    if isinstance(node, exp.Literal):
        return None if node.is_string else ("float" if "." in node.this or "e" in node.this.lower() else "integer")
    if isinstance(node, exp.Cast):
        return "float" if node.to.this in (exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE) else None
    if isinstance(node, exp.Paren):
        return _operand_kind(st, node.this)
    if isinstance(node, exp.Mul) and "float" in (_operand_kind(st, node.this), _operand_kind(st, node.expression)):
        return "float"
    if isinstance(node, exp.Count):
        return "integer"
    if isinstance(node, exp.Sum):  # PostgreSQL: sum(bigint) and sum(numeric) are numeric
        inner = _operand_kind(st, node.this)
        return "numeric" if inner in ("integer", "numeric") else inner
    if isinstance(node, exp.Avg):
        return "float"  # a real in SQLite; numeric or double in PostgreSQL: both divide exactly
    return type_kind(st.column_type(node))


def _concat(st: Statement) -> Iterator[Construct]:
    for node in st.tree.find_all(exp.DPipe):
        if isinstance(node.parent, exp.DPipe):
            continue  # one report per chain
        parts = _chain(node)
        odd = [p for p in parts if not _is_text(st, p)]
        if not odd:
            continue
        names = ", ".join(sql(p) for p in odd)
        yield Construct("concat", PERSON, sql(node),
                        f"{names}::text with the format SQLite gave (e.g. CASE WHEN b THEN '1' ELSE '0' END)",
                        "|| gives NULL when any part is NULL in both; but non-text parts render differently in "
                        "PostgreSQL (a boolean as true/false, numeric with its scale, timestamps in their own "
                        "format)",
                        st.at(node, "||"))


def _chain(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.DPipe):
        return _chain(node.this) + _chain(node.expression)
    return [node]


def _is_text(st: Statement, node: exp.Expression) -> bool:
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(node, (exp.Placeholder, exp.Null)):
        return True
    if isinstance(node, exp.Column):
        kind = type_kind(st.column_type(node))
        return kind in ("text", "integer")
    return isinstance(node, (exp.Lower, exp.Upper, exp.Trim, exp.Substring, exp.Coalesce)) and \
        _is_text(st, node.this)


def _bare_group_columns(st: Statement) -> Iterator[Construct]:
    """A selected column that is neither grouped nor aggregated: SQLite picks a value from some row of the
    group; PostgreSQL refuses it unless the GROUP BY holds the table's primary key."""
    for select in st.tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is None:
            continue
        grouped = {sql(g).lower() for g in group.expressions} | {g.name.lower() for g in group.expressions
                                                                 if isinstance(g, exp.Column)}
        if any(_is_key(st, g) for g in group.expressions):
            continue
        for item in select.expressions:
            inner = item.unalias()
            if isinstance(inner, exp.Column) and inner.name.lower() not in grouped and \
                    sql(inner).lower() not in grouped and not inner.find_ancestor(exp.AggFunc):
                yield Construct("bare_group_column", PERSON, sql(inner), f"{sql(inner, 'postgres')} in GROUP BY, or "
                                f"min({sql(inner, 'postgres')})", "SQLite returns the value of an arbitrary row of "
                                "the group for a column that is neither grouped nor aggregated; PostgreSQL refuses "
                                "the query", st.at(inner))


def _is_key(st: Statement, node: exp.Expression) -> bool:
    if not isinstance(node, exp.Column):
        return False
    table = st.table_of(node)
    key = st.schema.keys.get(table.lower(), ()) if table else ()
    return len(key) == 1 and key[0].lower() == node.name.lower()


_TEXT_OPS = (exp.Like, exp.Glob, exp.Substring, exp.Length, exp.Lower, exp.Upper, exp.Trim, exp.StrPosition)


def _text_op_on_typed(st: Statement) -> Iterator[Construct]:
    """A text operation (LIKE, substr(), length() ...) on a column that is no longer text in PostgreSQL."""
    for node in st.tree.find_all(*_TEXT_OPS):
        col = node.this
        kind = type_kind(st.column_type(col)) if isinstance(col, exp.Column) else None
        if kind in (None, "text"):
            continue
        pg = sql(node, "postgres").replace(col.name, col.name + "::text", 1)
        yield Construct("text_op_on_typed", PERSON, sql(node), f"{pg} or a {kind} expression",
                        f"{col.name} became {kind}: PostgreSQL has no "
                        f"{node.key.upper()} for it (an error), and its text form is not SQLite's stored text "
                        "(timestamps print with a space and their own fraction, booleans as true/false)", st.at(col))


def _scalar_max_min(st: Statement) -> Iterator[Construct]:
    for node in st.tree.find_all(exp.Greatest, exp.Least):
        word = "max" if isinstance(node, exp.Greatest) else "min"
        yield Construct("scalar_max_min", PERSON, f"{word}(a, b, ...)", f"{node.key.upper()}(a, b, ...) with a "
                        "CASE for NULLs", f"SQLite's {word}() of several values is NULL when any is NULL; PostgreSQL's "
                        f"{node.key.upper()} ignores NULLs", st.at(node, word))


DETECTORS: tuple[Detector, ...] = (
    _placeholders, _ifnull, _group_concat, _insert_or, _now_calls, _current_timestamp, _limit_minus_one,
    _double_quoted, _functions, _pragma, _autoincrement, _rowid, _like, _boolean_compare, _boolean_assign,
    _order_collation, _integer_division, _concat, _bare_group_columns, _scalar_max_min,
    _text_op_on_typed,
)


def find_constructs(st: Statement) -> list[Construct]:
    """Every SQLite-only construct of one statement, in the order the detectors run."""
    return [c for detect in DETECTORS for c in detect(st)]
