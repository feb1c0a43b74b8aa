"""Great Expectations suites: generated from the SQLite source, validated against PostgreSQL with
GX's own SQL execution (nothing is pulled into pandas), published as GX Data Docs.

    python -m pgparity.gx_suites app.db                 # writes expectations/app/<table>.json
    python -m pgparity.gx_suites app.db --out DIR --table users

A generated suite holds what the source proves about each table: its row count, its columns,
NOT NULL where the source has no NULLs, uniqueness of single-column keys, the boolean value set,
min/max of numbers, the longest text. Lengths and bounds are in SQLite's storage form: where the
PostgreSQL column reads another form (a uuid, inet, jsonb or enum; an interval or timestamp from integers),
`pytest checks/` does not run them and says which (pgparity/verify/gx_meaning.py). Edit the files and
add business rules (quantity > 0, status in a set): `pytest checks/` validates whatever the suites say.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path

from .affinity import declared_kind
from .errors import PgParityError
from .profile import profile_table
from .schema import Table, inspect_schema
from .source import SqliteSource, file_sha256
from .sqlnames import qi, qs
from .verify.detail import is_sensitive

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _gx():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        import great_expectations.expectations as gxe
    global _CONTEXT
    if _CONTEXT is None:  # suites need a context, even to be written out as JSON
        _CONTEXT = gx.get_context(mode="ephemeral")
    return gx, gxe


_CONTEXT = None


def suite_dir(root: str | Path, sqlite_path: str | Path) -> Path:
    """Suites of one SQLite file live in <root>/<file stem>/, one JSON file per table."""
    return Path(root) / Path(sqlite_path).stem


def _unique_columns(table: Table) -> list[str]:
    cols = [table.primary_key[0]] if len(table.primary_key) == 1 else []
    cols += [ix.columns[0] for ix in table.indexes
             if ix.unique and len(ix.columns) == 1 and ix.columns[0] and not ix.where and ix.origin != "pk"]
    return list(dict.fromkeys(cols))


FLOAT_EXACT = 2**53  # GX holds expectation bounds as floats: integers beyond this would be rounded


def _min_max(gxe, column: str, lo, hi) -> list:
    """min and max exactly as the source has them; integers beyond float precision (a bigint max of 2^63-1)
    are checked by a query, since GX would round the bound and fail on an equal value."""
    if not any(isinstance(v, int) and abs(v) > FLOAT_EXACT for v in (lo, hi)):
        return [gxe.ExpectColumnMinToBeBetween(column=column, min_value=lo, max_value=lo),
                gxe.ExpectColumnMaxToBeBetween(column=column, min_value=hi, max_value=hi)]
    query = (f"SELECT lo, hi FROM (SELECT min({qi(column)}) AS lo, max({qi(column)}) AS hi FROM {{batch}}) m "
             f"WHERE lo IS DISTINCT FROM {int(lo)} OR hi IS DISTINCT FROM {int(hi)}")
    return [gxe.UnexpectedRowsExpectation(unexpected_rows_query=query,
                                          description=f"min and max of {column} are exactly {lo} and {hi}",
                                          meta={"pgparity": {"form": "number", "column": column}})]


def build_suite(src: SqliteSource, table: Table):
    """One GX ExpectationSuite describing what the source holds for `table`."""
    gx, gxe = _gx()
    prof = profile_table(src, table)
    rows = next(iter(prof.values())).rows if prof else 0
    suite = gx.ExpectationSuite(name=table.name, meta={"pgparity": {"table": table.name}})
    suite.add_expectation(gxe.ExpectTableRowCountToEqual(value=rows))
    suite.add_expectation(gxe.ExpectTableColumnsToMatchSet(column_set=[c.name for c in table.columns],
                                                           exact_match=False))
    for col in table.columns:
        p = prof[col.name]
        kind = declared_kind(col.type)
        if rows and not p.nulls:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=col.name))
        if kind == "boolean" and not (p.texts or p.reals or p.blobs or p.non_bool_ints):
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=[True, False]))
        elif p.non_null and not (p.texts or p.blobs) and kind in ("integer", "real", "numeric") \
                and not is_sensitive(col.name):  # a secret's min/max would be published in the Data Docs
            lo, hi = src.query(f"SELECT min({qs(col.name)}), max({qs(col.name)}) FROM {qs(table.name)}")[0]
            for expectation in _min_max(gxe, col.name, lo, hi):
                suite.add_expectation(expectation)
        elif p.texts and not (p.integers or p.reals or p.blobs) and kind in ("text", "blob"):
            longest = src.query(f"SELECT max(length({qs(col.name)})) FROM {qs(table.name)}")[0][0]
            suite.add_expectation(gxe.ExpectColumnValueLengthsToBeBetween(column=col.name, max_value=longest))
    for name in _unique_columns(table):
        suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column=name))
    return suite


def generate(sqlite_path: str | Path, out_root: str | Path = "expectations",
             tables: list[str] | None = None) -> list[Path]:
    """Write one suite per table; returns the files written."""
    src = SqliteSource.open(sqlite_path)
    try:
        schema = inspect_schema(src)
        out = suite_dir(out_root, sqlite_path)
        out.mkdir(parents=True, exist_ok=True)
        meta = {"source": str(Path(sqlite_path).resolve()), "sha256": file_sha256(Path(sqlite_path)),
                "generated_at": datetime.now(UTC).isoformat(timespec="seconds")}
        written = []
        for table in schema.tables:
            if tables and table.name not in tables:
                continue
            suite = build_suite(src, table)
            data = suite.to_json_dict()
            data.pop("id", None)
            data["meta"]["pgparity"].update(meta)
            path = out / f"{table.name}.json"
            path.write_text(json.dumps(data, indent=2, default=str) + "\n")
            written.append(path)
        return written
    finally:
        src.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pgparity.gx_suites", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sqlite", help="the SQLite file the suites describe (read-only)")
    ap.add_argument("--out", default="expectations", help="root folder (default: expectations)")
    ap.add_argument("--table", action="append", help="only this table (repeat)")
    args = ap.parse_args(argv)
    try:
        files = generate(args.sqlite, args.out, args.table)
    except PgParityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"wrote {len(files)} suite(s) to {suite_dir(args.out, args.sqlite)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
