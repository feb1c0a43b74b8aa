"""The scan: every SQL site of some Python files, each statement's SQLite-only constructs, nothing printed.

    result = scan_paths(["app/"], schema)   # schema: SchemaInfo from the migrated database, or empty
    for item in result.items: ...

An item is one construct at one file:line, or a site whose SQL is built at run time, or a statement
sqlglot cannot read. The CLI (pgparity.scan.cli) presents them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from .constructs import MECHANICAL, PERSON, find_constructs
from .finder import LITERAL, RUNTIME, SqlSite, find_sql, python_files
from .statement import SchemaInfo, StatementError, parse_statements

RUNTIME_KIND = "runtime"  # SQL built at run time: its text is unknown to the scan
UNREADABLE = "unreadable"  # the SQL could not be parsed as SQLite


@dataclass(frozen=True)
class ScanItem:
    path: str
    line: int
    construct: str  # a construct name, 'built-at-run-time', 'not-a-literal' or 'parse-error'
    rewrite: str  # MECHANICAL | PERSON | RUNTIME_KIND | UNREADABLE
    sqlite: str
    postgres: str
    advice: str
    statement: str  # the SQL (first 200 characters), or how it is built

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class ScanResult:
    files: int = 0
    sites: int = 0
    statements: int = 0
    items: list[ScanItem] = field(default_factory=list)
    schema_known: bool = False

    def counts(self) -> dict[str, int]:
        out = {MECHANICAL: 0, PERSON: 0, RUNTIME_KIND: 0, UNREADABLE: 0}
        for item in self.items:
            out[item.rewrite] += 1
        return out

    def as_dict(self) -> dict:
        return {"files": self.files, "sites": self.sites, "statements": self.statements,
                "schema_known": self.schema_known, "counts": self.counts(),
                "items": [asdict(i) | {"where": i.where} for i in self.items]}


def scan_paths(paths: list[str | Path], schema: SchemaInfo | None = None, root: Path | None = None) -> ScanResult:
    """Scan every .py file under `paths`; file names are shown relative to `root` (default: as given)."""
    schema = schema or SchemaInfo()
    result = ScanResult(schema_known=schema.known)
    for path in python_files(paths):
        result.files += 1
        shown = _display(path, root)
        try:
            sites = find_sql(path, shown)
        except SyntaxError as exc:
            result.items.append(ScanItem(shown, exc.lineno or 0, "python-syntax-error", UNREADABLE, "", "",
                                         f"the file does not parse as Python: {exc.msg}", ""))
            continue
        for site in sites:
            result.sites += 1
            result.items += scan_site(site, schema, result)
    return result


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def scan_site(site: SqlSite, schema: SchemaInfo, result: ScanResult | None = None) -> list[ScanItem]:
    """The items of one SQL site."""
    if site.how != LITERAL:
        name = "built-at-run-time" if site.how == RUNTIME else "not-a-literal"
        return [ScanItem(site.path, site.line, name, RUNTIME_KIND, "", "",
                         f"SQL passed to {site.call}() is {site.detail}: its text is only known at run time (record "
                         "it with pgparity.capture and replay it)", site.detail)]
    sql = site.sql or ""
    try:
        statements = parse_statements(sql, schema)
    except StatementError as exc:
        if site.call == "text" and not _looks_like_sql(sql):
            return []  # text() of something that is not SQL (another library's text())
        hint = " (it has %s-style parameters: PostgreSQL SQL already?)" if "%s" in sql or "%(" in sql else ""
        return [ScanItem(site.path, site.line, "parse-error", UNREADABLE, "", "",
                         f"sqlglot cannot read this as SQLite: {exc}{hint}", _short(sql))]
    items = []
    for st in statements:
        if result is not None:
            result.statements += 1
        for c in find_constructs(st):
            line = site.line_of(c.offset) if site.pieces else \
                site.line + (st.sql[:c.offset].count("\n") if c.offset >= 0 else 0)
            items.append(ScanItem(site.path, line, c.name, c.rewrite, c.sqlite, c.postgres, c.advice, _short(sql)))
    return items


def _looks_like_sql(text: str) -> bool:
    words = text.strip().split(None, 1)
    return bool(words) and words[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH",
                                                "CREATE", "DROP", "ALTER", "PRAGMA", "BEGIN", "COMMIT")


def _short(sql: str) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= 200 else one[:197] + "..."


__all__ = ["ScanItem", "ScanResult", "scan_paths", "scan_site", "RUNTIME_KIND", "UNREADABLE", "MECHANICAL", "PERSON"]
