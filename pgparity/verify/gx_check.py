"""Validate PostgreSQL against the Great Expectations suites generated from (and edited for) the source.

GX runs its expectations as SQL in PostgreSQL (a SqlAlchemy execution engine: no table is pulled
into pandas). Column names in a suite are the SQLite names; each is mapped to the paired PostgreSQL
column, so a suite also checks a copy whose names were folded to lower case. Data Docs are written
under <reports>/gx/ and linked from index.html.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

from ..gx_suites import suite_dir
from .outcome import Outcome, failed, passed
from .pairing import Comparison, TablePair

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
DOCS_INDEX = Path("gx") / "uncommitted" / "data_docs" / "local_site" / "index.html"


def suite_path(cmp: Comparison, tp: TablePair) -> Path:
    return suite_dir(cmp.expectations, cmp.source.path) / f"{tp.name}.json"


def has_suite(cmp: Comparison, tp: TablePair) -> bool:
    return suite_path(cmp, tp).exists()


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


class _Gx:
    """One GX file context under <reports>/gx, with the target as a Postgres data source."""

    def __init__(self, cmp: Comparison):
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig
        self.gx = gx
        root = cmp.reports
        root.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(root.resolve()))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        # the generic SQL source: GX's Postgres one insists on a host, and a throwaway server has a socket
        self.source = self.context.data_sources.add_or_update_sql(
            "pgparity_target", connection_string=_sqlalchemy_url(cmp.pg_url).replace("$", "\\$"))
        self.docs = root / DOCS_INDEX

    def validate(self, cmp: Comparison, tp: TablePair, data: dict):
        gx = self.gx
        name = f"pgparity_{tp.name}"
        for asset in list(self.source.assets):
            if asset.name == name:
                self.source.delete_asset(name)
        asset = self.source.add_table_asset(name, table_name=tp.target.name, schema_name=cmp.settings.schema)
        batch = asset.add_batch_definition_whole_table("whole_table")
        suite = gx.ExpectationSuite(name=name, expectations=[], meta=data.get("meta", {}))
        for spec in _mapped(tp, data.get("expectations", [])):
            suite.add_expectation_configuration(_configuration(spec))
        suite = self.context.suites.add_or_update(suite)
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite))
        return definition.run(result_format="SUMMARY")

    def build_docs(self) -> Path:
        self.context.build_data_docs()
        return self.docs


def _configuration(spec: dict):
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return ExpectationConfiguration(type=spec["type"], kwargs=spec.get("kwargs", {}), meta=spec.get("meta") or {})


def _mapped(tp: TablePair, expectations: list[dict]) -> list[dict]:
    """The suite's SQLite column names replaced by the paired PostgreSQL names."""
    names = {c.name: c.target.name for c in tp.columns if c.target is not None}
    lower = {k.lower(): v for k, v in names.items()}
    out = []
    for e in expectations:
        kwargs = dict(e.get("kwargs", {}))
        if "column" in kwargs:
            kwargs["column"] = names.get(kwargs["column"]) or lower.get(str(kwargs["column"]).lower(),
                                                                          kwargs["column"])
        if "column_set" in kwargs:
            kwargs["column_set"] = [names.get(c) or lower.get(c.lower(), c) for c in kwargs["column_set"]]
        out.append({**e, "kwargs": kwargs})
    return out


def gx_for(cmp: Comparison) -> _Gx:
    if "gx" not in cmp.cache:
        cmp.cache["gx"] = _Gx(cmp)
    return cmp.cache["gx"]


def check_expectations(cmp: Comparison, tp: TablePair) -> Outcome:
    """Every expectation of the table's suite holds in PostgreSQL."""
    path = suite_path(cmp, tp)
    if tp.target is None:
        return failed("expectations", tp.name, "table missing in PostgreSQL", [f"{tp.name}: no such table"])
    data = json.loads(path.read_text())
    result = gx_for(cmp).validate(cmp, tp, data)
    lines = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.kwargs.items() if k not in ("batch_id",))
        res = r.result or {}
        seen = res.get("observed_value")
        detail = f"observed {seen!r}" if seen is not None else \
            f"{res.get('unexpected_count')} unexpected, e.g. {res.get('partial_unexpected_list', [])[:3]}"
        if r.exception_info and r.exception_info.get("raised_exception"):
            detail = "could not run: " + str(r.exception_info.get("exception_message", ""))[:200]
        lines.append(f"{tp.name}: {cfg.type}({args}): {detail}")
    total = len(result.results)
    if lines:
        return failed("expectations", tp.name, f"{len(lines)} of {total} expectation(s) failed ({path})", lines)
    return passed("expectations", tp.name, f"{total} expectation(s) hold ({path})")
