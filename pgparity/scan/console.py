"""The `pgparity` command: a thin dispatcher over the subcommands' own entry points.

    pgparity scan PATH... [--pg URL --pg-schema S] [--format text|json]
    pgparity capture OUT.sql SCRIPT [ARGS...]
"""

from __future__ import annotations

import sys

USAGE = "usage: pgparity {scan,capture} ...\n  scan     find SQLite-only SQL in Python source\n" \
        "  capture  run a script and write the SQL it ran through sqlite3 as a queries file"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "scan":
        from .cli import main as scan

        return scan(rest)
    if command == "capture":
        from ..capture import main as capture

        return capture(rest)
    print(f"pgparity: unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
