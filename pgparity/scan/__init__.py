"""`pgparity scan`: find an application's SQL in its Python source and say what PostgreSQL makes of it.

finder (ast: where SQL is handed to a database) -> statement (sqlglot's SQLite tree) ->
constructs (what is SQLite-only, its PostgreSQL form, mechanical or not) -> engine (results) -> cli.
translate applies the mechanical rewrites; the replay (pgparity.queries) runs the result.
"""

from .cli import main
from .engine import ScanItem, ScanResult, scan_paths

__all__ = ["main", "scan_paths", "ScanItem", "ScanResult"]
