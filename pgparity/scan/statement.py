"""One SQLite statement parsed by sqlglot, with what the scan and the translator need to know about it.

The tree comes from sqlglot's SQLite dialect; positions come from its tokens (the tree keeps none for
functions), so a construct can be reported at the line of the SQL where it is written. `SchemaInfo`
says what the migrated schema made of each column (boolean, timestamp, numeric ...) when it is known.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its fallback warnings are not ours to print

_NUMBERED = re.compile(r"\?(\d+)")
_REPLACE_INTO = re.compile(r"(^|;)(\s*)REPLACE(\s+INTO\b)", re.IGNORECASE)


@dataclass
class SchemaInfo:
    """The migrated schema as the checks see it: table -> column -> PostgreSQL type, primary keys."""

    types: dict[str, dict[str, str]] = field(default_factory=dict)  # lower-case names
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lower-case table -> key columns
    columns: dict[str, list[str]] = field(default_factory=dict)  # lower-case table -> column names in order

    @property
    def known(self) -> bool:
        return bool(self.types)

    def type_of(self, table: str | None, column: str) -> str | None:
        if table is not None:
            return self.types.get(table.lower(), {}).get(column.lower())
        return None

    def has_column(self, column: str) -> bool:
        return any(column.lower() in cols for cols in self.types.values())

    @classmethod
    def from_catalog(cls, catalog: dict) -> SchemaInfo:
        """From `pgparity.verify.catalog.read_catalog`'s tables."""
        info = cls()
        for name, table in catalog.items():
            info.types[name.lower()] = {c.name.lower(): c.type for c in table.columns}
            info.keys[name.lower()] = tuple(table.primary_key)
            info.columns[name.lower()] = [c.name for c in table.columns]
        return info


def type_kind(pg_type: str | None) -> str | None:
    """'boolean' | 'timestamp' | 'date' | 'numeric' | 'float' | 'integer' | 'text' | None (unknown)."""
    if not pg_type:
        return None
    t = re.sub(r"\(.*?\)", "", pg_type).strip().lower()
    if t == "boolean":
        return "boolean"
    if t.startswith("timestamp"):
        return "timestamp"
    if t in ("date", "numeric", "integer", "text"):
        return t
    if t in ("smallint", "bigint"):
        return "integer"
    if t in ("real", "double precision"):
        return "float"
    if t in ("character varying", "character", "citext"):
        return "text"
    return t


class Statement:
    """A parsed SQLite statement: its tree, tokens, the tables it names, and positions of its words."""

    def __init__(self, sql: str, tree: exp.Expression, tokens: list[Token], schema: SchemaInfo):
        self.sql = sql
        self.tree = tree
        self.tokens = tokens
        self.schema = schema
        self._used: set[int] = set()

    def offset(self, text: str, kind: TokenType | None = None) -> int:
        """Where the next not-yet-reported token spelled `text` (any case) starts in the SQL; -1 if none."""
        low = text.lower()
        for i, tok in enumerate(self.tokens):
            if i not in self._used and tok.text.lower() == low and (kind is None or tok.token_type == kind):
                self._used.add(i)
                return tok.start
        return -1

    def at(self, node: exp.Expression, fallback: str = "") -> int:
        """Where `node` starts in the SQL: from the positions sqlglot keeps on identifiers and literals,
        else the next unreported token spelled `fallback`."""
        starts = [n.meta["start"] - (1 if isinstance(n, exp.Literal) and n.is_string else 0) for n in node.walk()
                  if isinstance(n, (exp.Identifier, exp.Literal)) and "start" in n.meta]
        if starts:
            return min(starts)
        return self.offset(fallback) if fallback else -1

    def tables(self) -> dict[str, str]:
        """alias or name (lower case) -> table name, for every table the statement reads or writes."""
        out: dict[str, str] = {}
        for t in self.tree.find_all(exp.Table):
            if t.name:
                out[t.alias_or_name.lower()] = t.name
                out.setdefault(t.name.lower(), t.name)
        return out

    def table_of(self, column: exp.Column) -> str | None:
        """The table a column reference belongs to, by its qualifier or by the schema (None: unknown)."""
        tables = self.tables()
        if column.table:
            return tables.get(column.table.lower())
        owners = [t for t in dict.fromkeys(tables.values()) if self.schema.type_of(t, column.name) is not None]
        return owners[0] if owners else (next(iter(tables.values())) if len(set(tables.values())) == 1 else None)

    def column_type(self, node: exp.Expression) -> str | None:
        """The migrated PostgreSQL type of `node` when it is a plain column of a known table."""
        if not isinstance(node, exp.Column):
            return None
        return self.schema.type_of(self.table_of(node), node.name)


class StatementError(ValueError):
    """The SQL could not be read as SQLite (the message says where)."""


def parse_statements(sql: str, schema: SchemaInfo | None = None) -> list[Statement]:
    """Every statement of `sql` (SQLite dialect). Raises StatementError with sqlglot's reason."""
    schema = schema or SchemaInfo()
    text = _NUMBERED.sub(lambda m: f":p{m.group(1)}", sql)  # ?NNN, which sqlglot cannot read, as :pNNN
    text = _REPLACE_INTO.sub(r"\1\2INSERT OR REPLACE\3", text)  # the same statement, in the form sqlglot reads
    try:
        tokens = sqlglot.tokenize(text, read="sqlite")
        trees = sqlglot.parse(text, read="sqlite")
    except (ParseError, TokenError) as exc:
        raise StatementError(_first_line(exc)) from None
    pieces = _split_tokens(tokens)
    out = []
    for tree, toks in zip([t for t in trees if t is not None], pieces):
        if isinstance(tree, exp.Command) and tree.name.upper() not in ("PRAGMA",):
            raise StatementError(f"sqlglot cannot read {tree.name.upper()} ... as SQLite")
        out.append(Statement(text, tree, toks, schema))
    return out


def _split_tokens(tokens: list[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            out.append([])
        else:
            out[-1].append(tok)
    return [t for t in out if t]


def _first_line(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        e = errors[0]
        return f"{e.get('description', 'syntax error')} at line {e.get('line')}, column {e.get('col')}"
    return str(exc).splitlines()[0]
