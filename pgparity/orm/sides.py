"""Where an ORM reads from: the SQLite file opened read-only, and the PostgreSQL schema read-only on its search_path.

The SQLite side is a `file:...?mode=ro` URI (with `immutable=1` when the comparison itself had to read the
file that way), so the ORM's connection cannot write the source: bytes and mtime stay. The PostgreSQL side is
libpq keywords from the --pg URL plus `options='-c search_path=<schema> -c default_transaction_read_only=on'`,
so unqualified table names resolve in the schema under comparison and nothing can be written there either.
The application's package is imported from sys.path (PYTHONPATH), else from the folder pytest runs in or its
rootdir, as pytest-django finds a project.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from ..source import sqlite_uri
from ..sqlnames import qi


@dataclass(frozen=True)
class Sides:
    sqlite_uri: str  # file:/abs/path?mode=ro[&immutable=1]
    pg: dict  # libpq keywords (dbname, user, host, port, password, options, ...)
    schema: str

    @classmethod
    def of(cls, comparison) -> Sides:
        """The two databases a pgparity Comparison is about."""
        path = Path(comparison.source.path)
        uri = sqlite_uri(path, bool(getattr(comparison.source, "immutable", False)))
        return cls(uri, pg_keywords(comparison.pg_url, comparison.settings.schema), comparison.settings.schema)


def pg_keywords(url: str, schema: str) -> dict:
    """libpq keywords of `url` (URL or key=value form) with our search_path and read-only default added."""
    from psycopg2.extensions import parse_dsn

    params = parse_dsn(url)
    path = qi(schema).replace("\\", "\\\\").replace(" ", "\\ ")  # libpq `options` splits on unescaped spaces
    ours = f"-c search_path={path} -c default_transaction_read_only=on"
    params["options"] = f"{params['options']} {ours}" if params.get("options") else ours
    return params


class OrmSetupError(Exception):
    """The application's ORM cannot be set up from what was given; the message says what to do."""


def importable(module: str, search: list[Path], option: str) -> None:
    """`module`'s top package importable: already on sys.path, else the first folder of `search` that holds it."""
    top = module.split(".")[0]
    if importlib.util.find_spec(top) is not None:
        return
    for folder in search:
        if (folder / top).is_dir() or (folder / f"{top}.py").is_file():
            sys.path.insert(0, str(folder))
            return
    raise OrmSetupError(f"{option} {module}: no module {top!r} on PYTHONPATH: put the project's folder (the one "
                        "holding manage.py or the models' package) on PYTHONPATH, or run pytest from it")
