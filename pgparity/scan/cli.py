"""`pgparity scan PATH...`: the SQLite-only SQL of a Python application, with file:line and the PostgreSQL form.

    pgparity scan app/ [--pg URL --pg-schema S] [--format text|json]
    python -m pgparity.scan app/            (the `pgparity` console script: pgparity.scan.console)

Exit codes: 0 nothing SQLite-only found; 1 constructs found (the output lists them); 2 bad usage
(no such path); 4 PostgreSQL unreachable or the schema empty.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import PgParityError
from .engine import MECHANICAL, PERSON, RUNTIME_KIND, ScanResult, scan_paths
from .statement import SchemaInfo

_LABEL = {MECHANICAL: "mechanical", PERSON: "needs a person", RUNTIME_KIND: "built at run time",
          "unreadable": "unreadable"}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pgparity scan", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="Python files or folders to scan")
    p.add_argument("--pg", metavar="URL", help="the migrated PostgreSQL database: tells which columns became "
                   "boolean / timestamp / numeric")
    p.add_argument("--pg-schema", metavar="NAME", default="public", help="schema of the copy (default public)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        schema = SchemaInfo()
        if args.pg:
            from .pgschema import read_schema

            schema = read_schema(args.pg, args.pg_schema)
        result = scan_paths(args.paths, schema, Path.cwd())
    except FileNotFoundError as exc:
        print(f"pgparity scan: {exc}", file=sys.stderr)
        return 2
    except PgParityError as exc:
        print(f"pgparity scan: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps(result.as_dict(), indent=2) if args.format == "json" else render_text(result))
    return 1 if result.items else 0


def render_text(result: ScanResult) -> str:
    """One block per construct, file:line first (editors and CI annotate from it), then the counts."""
    lines = []
    for item in result.items:
        lines.append(f"{item.where}: {item.construct} [{_LABEL[item.rewrite]}]")
        if item.sqlite:
            lines.append(f"    SQLite:     {item.sqlite}")
        if item.postgres:
            lines.append(f"    PostgreSQL: {item.postgres}")
        lines.append(f"    {item.advice}")
    c = result.counts()
    schema = "with the migrated schema" if result.schema_known else "without a schema (--pg tells booleans apart)"
    lines.append(f"pgparity scan: {result.files} file(s), {result.sites} SQL site(s), {result.statements} "
                 f"statement(s) {schema}: {c[MECHANICAL]} mechanical, {c[PERSON]} need a person, "
                 f"{c[RUNTIME_KIND]} built at run time, {c['unreadable']} unreadable")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
