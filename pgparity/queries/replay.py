"""Replay one named query on both sides and judge it: the same answers, different ones, or an error.

    replayer = Replayer.from_comparison(cmp)
    outcome, record = replayer.run(query)   # an Outcome(check='query', table=query.name), a report record

The query's statements run in one transaction per side, rolled back (see `sides`). Each statement is
translated with the scan's mechanical rewrites (pgparity.scan.translate); a write gets RETURNING * on
both sides so the changed rows are compared, not only their number. What it cannot see: effects of a
write outside its own rows (triggers, cascades), and answers that depend on data the sample parameters
do not reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.tokens import TokenType

from ..scan.constructs import PERSON, Construct, find_constructs
from ..scan.statement import SchemaInfo, Statement, StatementError, parse_statements, type_kind
from ..scan.translate import translate
from ..verify.outcome import Finding, Outcome, failed, passed
from ..verify.rules import Settings
from .canon import ColumnRule, table_rule
from .compare import Shape, compare, is_ordered
from .qfile import Query
from .sides import PgSide, Result, SqliteSide

CHECK = "query"
_P_NUMBERED = re.compile(r"^p(\d+)$")


@dataclass
class QueryRecord:
    """One query's line in the report's queries section."""

    name: str
    status: str  # 'same' | 'different' | 'error' | 'untranslatable' | 'skipped'
    summary: str
    sqlite: str
    postgresql: str
    constructs: list[str] = field(default_factory=list)


class QueryError(ValueError):
    """A query that cannot be replayed as written (parameters, syntax): the message names it."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Context:
    schema: SchemaInfo
    known_columns: set[str]
    rules: dict[tuple[str, str], ColumnRule]  # (sqlite table, column) lower case -> the table checks' rule
    keys: dict[str, list[str]]  # sqlite table lower case -> primary key columns
    settings: Settings


class Replayer:
    def __init__(self, sqlite_path: str, pg_url: str, ctx: Context):
        self.ctx = ctx
        self.sqlite = SqliteSide(sqlite_path)
        self.pg = PgSide(pg_url, ctx.settings.schema)

    @classmethod
    def from_comparison(cls, cmp) -> Replayer:
        """The SQLite file and PostgreSQL schema of a `pgparity.verify.pairing.Comparison`."""
        rules = {(t.name.lower(), c.name.lower()): table_rule(c.rule, c.name, cmp.settings)
                 for t in cmp.tables for c in t.columns if c.rule}
        keys = {t.name.lower(): list(t.source.primary_key) for t in cmp.tables}
        known = {c.name.lower() for t in cmp.schema.tables for c in t.columns}
        ctx = Context(SchemaInfo.from_catalog(cmp.catalog), known, rules, keys, cmp.settings)
        return cls(str(cmp.source.path), cmp.pg_url, ctx)

    def close(self) -> None:
        self.sqlite.close()
        self.pg.close()

    def run(self, query: Query) -> tuple[Outcome, QueryRecord]:
        try:
            statements = parse_statements(query.sql, self.ctx.schema)
        except StatementError as exc:
            return self._refused(query, f"sqlglot cannot read it as SQLite ({exc}): it cannot be translated",
                                 "untranslatable", "")
        if any(isinstance(st.tree, (exp.Transaction, exp.Commit, exp.Rollback)) for st in statements):
            return self._refused(query, "BEGIN/COMMIT/ROLLBACK are not replayed: each query runs in one transaction "
                                 "that is rolled back (remove them from the queries file)", "unsupported", "")
        try:
            binds = bind_parameters(query, statements)
        except QueryError as exc:
            return self._refused(query, str(exc), exc.kind, "")
        writes = any(not isinstance(st.tree, (exp.Select, exp.Union, exp.Pragma)) for st in statements)
        translations = [translate(st, self.ctx.known_columns, returning=writes) for st in statements]
        pg_sql = ";\n".join(t.sql or f"-- not run: {t.skip or '; '.join(t.problems)}" for t in translations)
        problems = [p for t in translations for p in t.problems]
        if problems:
            return self._refused(query, "cannot be translated to PostgreSQL: " + "; ".join(problems),
                                 "untranslatable", pg_sql)
        runnable = [i for i, t in enumerate(translations) if t.sql is not None]
        if not runnable:
            reason = translations[0].skip
            record = QueryRecord(query.name, "skipped", reason, query.sql, pg_sql)
            return passed(CHECK, query.name, f"not run: {reason}"), record
        sq = self.sqlite.run([_sqlite_text(statements[i], writes) for i in runnable], [binds[i] for i in runnable],
                             writes)
        pg = self.pg.run([translations[i].sql for i in runnable], [binds[i] for i in runnable], writes)
        findings = self._judge(query, [statements[i] for i in runnable], sq, pg)
        suspects = sorted({c.name for i in runnable for c in find_constructs(statements[i]) if c.rewrite == PERSON})
        return self._outcome(query, pg_sql, findings, sq, writes, suspects)

    def _judge(self, query: Query, statements: list[Statement], sq: list[Result], pg: list[Result]) -> list[Finding]:
        out: list[Finding] = []
        for n, st in enumerate(statements):
            index = f" statement {n + 1}" if len(statements) > 1 else ""
            a = sq[n] if n < len(sq) else None
            b = pg[n] if n < len(pg) else None
            if a is None or b is None:
                break
            if a.error or b.error:
                out.append(_error_finding(query.name + index, st, a, b))
                break
            out += compare(query.name, index, self._shape(st, a.columns), a, b, self.ctx.settings)
        return out

    def _outcome(self, query: Query, pg_sql: str, findings: list[Finding], sq: list[Result], writes: bool,
                 suspects: list[str]):
        sql = {"SQLite": query.sql, "PostgreSQL": pg_sql}
        names = sorted({f.kind for f in findings})
        if not findings:
            last = sq[-1]
            n = len(last.rows) if last.columns else last.rowcount
            what = f"{n} row(s) changed and rolled back on both sides" if writes else f"{n} row(s)"
            summary = f"same answers on both sides: {what}"
            return passed(CHECK, query.name, summary, rules=sql), QueryRecord(query.name, "same", summary,
                                                                              query.sql, pg_sql)
        errors = [f for f in findings if f.kind.startswith("error")]
        status = "error" if errors else "different"
        summary = errors[0].text.split(": ", 1)[1].split(";")[0] if errors else \
            f"{len(findings)} difference(s) ({', '.join(names)})" + \
            (f"; SQLite-only constructs in it: {', '.join(suspects)}" if suspects else "")
        record = QueryRecord(query.name, status, summary, query.sql, pg_sql, suspects)
        shown = findings[: max(self.ctx.settings.examples, 1)]
        return failed(CHECK, query.name, summary, shown, rules=sql, total=len(findings),
                      complete=len(shown) == len(findings)), record

    def _refused(self, query: Query, why: str, kind: str, pg_sql: str) -> tuple[Outcome, QueryRecord]:
        text = f"query {query.name} ({query.path}:{query.line}): {why}"
        record = QueryRecord(query.name, "untranslatable" if kind == "untranslatable" else "error", why,
                             query.sql, pg_sql)
        return failed(CHECK, query.name, why, [Finding(text, None, kind)],
                      rules={"SQLite": query.sql, "PostgreSQL": pg_sql}), record

    def _shape(self, st: Statement, columns: list[str]) -> Shape:
        return statement_shape(st, columns, self.ctx)


def statement_shape(st: Statement, columns: list[str], ctx: Context) -> Shape:
    """How each result column of `st` is compared (see compare.Shape)."""
    tree = st.tree
    write = _is_write(tree)
    items = list(tree.expressions) if isinstance(tree, exp.Select) else []
    if write and tree.args.get("returning") is not None:
        items = list(tree.args["returning"].expressions)
    if any(isinstance(i, exp.Star) or (isinstance(i, exp.Column) and isinstance(i.this, exp.Star)) for i in items) \
            or len(items) != len(columns):
        items = []
    main = _main_table(st)
    shape = Shape(ordered=is_ordered(tree) and not write, write=write)
    clock_cols = _clock_assigned(tree)
    for j, name in enumerate(columns):
        inner = items[j].unalias() if items else None
        table, col = _source_column(st, inner, name, main, ctx)
        shape.rules.append(ctx.rules.get((table.lower(), col.lower())) if table and col else None)
        if (inner is not None and _reads_clock(inner)) or name.lower() in clock_cols:
            shape.clock.add(j)
        if isinstance(inner, exp.GroupConcat):
            sep = inner.args.get("separator")
            shape.concat[j] = sep.this if isinstance(sep, exp.Literal) else ","
    low = [c.lower() for c in columns]
    key = ctx.keys.get(main.lower(), []) if main else []
    if key and all(k.lower() in low for k in key):
        shape.key = [low.index(k.lower()) for k in key]
        shape.key_names = key
    if shape.ordered:
        shape.text_order = _text_order(st)
        shape.order_cols = _order_columns(st, columns)
    return shape


def _order_columns(st: Statement, columns: list[str]) -> list[int] | None:
    """The result columns the ORDER BY keys are (by name, alias or position), or None if one is not shown."""
    low = [c.lower() for c in columns]
    out = []
    for o in st.tree.args["order"].expressions:
        key = o.this.this if isinstance(o.this, exp.Collate) else o.this
        if isinstance(key, exp.Literal) and not key.is_string and key.this.isdigit() and \
                0 < int(key.this) <= len(columns):
            out.append(int(key.this) - 1)
        elif isinstance(key, exp.Column) and key.name.lower() in low:
            out.append(low.index(key.name.lower()))
        else:
            return None
    return out


def _main_table(st: Statement) -> str | None:
    t = st.tree.find(exp.Table)
    return t.name if t is not None else None


def _source_column(st: Statement, inner, name: str, main: str | None, ctx: Context) -> tuple[str | None, str | None]:
    if isinstance(inner, exp.Column):
        return st.table_of(inner), inner.name
    if inner is not None:
        return None, None
    tables = list(dict.fromkeys(st.tables().values()))
    owners = [t for t in tables if (t.lower(), name.lower()) in ctx.rules]
    return (owners[0], name) if len(owners) == 1 else (None, None)


def _reads_clock(node: exp.Expression) -> bool:
    if node.find(exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime):
        return True
    return any(lit.is_string and lit.this.lower() == "now" for lit in node.find_all(exp.Literal))


def _clock_assigned(tree: exp.Expression) -> set[str]:
    out = set()
    if isinstance(tree, exp.Update):
        out = {e.this.name.lower() for e in tree.expressions if isinstance(e, exp.EQ) and _reads_clock(e.expression)}
    elif isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema) and isinstance(tree.expression,
                                                                                          exp.Values):
        names = [i.name.lower() for i in tree.this.expressions]
        for row in tree.expression.expressions:
            out |= {n for n, v in zip(names, row.expressions) if _reads_clock(v)}
    return out


def _text_order(st: Statement) -> list[str]:
    out = []
    for o in st.tree.args["order"].expressions:
        key = o.this.this if isinstance(o.this, exp.Collate) else o.this
        if isinstance(key, exp.Column) and type_kind(st.column_type(key)) in (None, "text"):
            out.append(key.name)
    return out


def _is_write(tree: exp.Expression) -> bool:
    return isinstance(tree, (exp.Insert, exp.Update, exp.Delete))


def _sqlite_text(st: Statement, writes: bool) -> str:
    text = st.sql[st.tokens[0].start: st.tokens[-1].end + 1]
    if writes and _is_write(st.tree) and st.tree.args.get("returning") is None:
        text += " RETURNING *"
    return text


def bind_parameters(query: Query, statements: list[Statement]) -> list:
    """The parameters of each statement (a tuple for `?`, a dict for `:name`), or QueryError naming what is
    missing."""
    positional = list(query.positional)
    named = dict(query.named)
    out = []
    for st in statements:
        marks = sum(1 for t in st.tokens if t.token_type == TokenType.PLACEHOLDER and t.text == "?")
        names = [p.this for p in st.tree.find_all(exp.Placeholder) if p.this]
        if marks and names:
            raise QueryError(f"query {query.name} ({query.path}:{query.line}) mixes ? and :name parameters",
                             "parameter")
        if names:
            out.append(_named(query, names, named, positional))
            continue
        if marks > len(positional):
            raise QueryError(f"query {query.name} ({query.path}:{query.line}): {marks} ? parameter(s) but "
                             f"{len(positional)} sample value(s) left (add them to '-- params: ...')", "parameter")
        out.append(tuple(positional[:marks]))
        positional = positional[marks:]
    return out


def _named(query: Query, names: list[str], named: dict, positional: list) -> dict:
    values = {}
    for name in dict.fromkeys(names):
        m = _P_NUMBERED.match(name)
        if name in named:
            values[name] = named[name]
        elif m and int(m.group(1)) <= len(positional):  # ?NNN, read as :pNNN
            values[name] = positional[int(m.group(1)) - 1]
        else:
            raise QueryError(f"query {query.name} ({query.path}:{query.line}): parameter :{name} has no sample "
                             f"value (add '-- param {name}: VALUE' under its '-- name:' line)", "parameter")
    return values


def _error_finding(where: str, st: Statement, a: Result, b: Result) -> Finding:
    causes = _causes(find_constructs(st), (b.error or a.error or ""))
    cause = ("; caused by " + "; ".join(f"{c.name} ({c.sqlite} -> {c.postgres})" for c in causes)) if causes else ""
    if a.error and b.error:
        return Finding(f"query {where}: fails on both sides: SQLite {a.error}; PostgreSQL {b.error}", None, "error")
    if b.error:
        n = len(a.rows) if a.columns else a.rowcount
        return Finding(f"query {where}: PostgreSQL fails: {b.error}; SQLite answers ({n} row(s)){cause}", None,
                       "error-postgresql")
    return Finding(f"query {where}: SQLite fails: {a.error}; PostgreSQL answers{cause}", None, "error-sqlite")


# words of PostgreSQL's error -> the constructs that raise it
_ERROR_CAUSES = (("boolean", ("boolean_compare", "boolean_assign", "text_op_on_typed", "concat")),
                 ("group by", ("bare_group_column",)),
                 ("timestamp", ("text_op_on_typed", "concat")), ("numeric", ("text_op_on_typed", "concat")),
                 ("integer", ("text_op_on_typed", "concat")), ("bigint", ("text_op_on_typed", "concat")),
                 ("date", ("text_op_on_typed", "concat")), ("does not exist", ("sqlite_function", "rowid",
                                                                               "sqlite_catalog")))


def _causes(constructs: list[Construct], error: str) -> list[Construct]:
    """The SQLite-only constructs of the statement that explain PostgreSQL's error (else all that need a person)."""
    person = [c for c in constructs if c.rewrite == PERSON]
    low = error.lower()
    for word, names in _ERROR_CAUSES:
        hit = [c for c in person if word in low and c.name in names]
        if hit:
            return hit
    return person
