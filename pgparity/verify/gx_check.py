"""Validate PostgreSQL against the Great Expectations suites generated from (and edited for) the source.

GX runs its expectations as SQL in PostgreSQL (a SqlAlchemy execution engine: no table is pulled
into pandas). Column names in a suite are the SQLite names; each is mapped to the paired PostgreSQL
column, so a suite also checks a copy whose names were folded to lower case. Data Docs are written
under <reports>/gx/ and linked from index.html.

Nothing secret reaches <reports>/gx/: the data source's URL is a `${PGPARITY_GX_URL}` reference that GX
resolves from this process's environment (the yml keeps the reference), and expectations about
sensitive columns (password, token ... and --redact) run with result_format BOOLEAN_ONLY, so neither
GX's validation results, its Data Docs nor our report list their values.

Cost: GX's queries run in PostgreSQL; every expectation runs first with result_format BOOLEAN_ONLY (the row count,
aggregates and unexpected counts GX bundles; no query for examples of unexpected values), and only the failed
ones run again with SUMMARY for a finding's details. Data Docs are built for this session's results (not
every result an older run left under <reports>/gx); GX is imported without scipy.stats and altair until
something uses them (pgparity/verify/gx_import.py).

Cannot see: anything the suites do not state. A generated suite describes the source when it was
generated (row count, min/max, longest text): regenerate it after the source changed, or it fails a
correct copy of the newer source; tables without a suite are not part of this check (the run's header
says how many have one). Expectations stated in SQLite storage form for a column PostgreSQL types
differently (a text length on uuid/inet/jsonb/enum, an integer bound on interval/timestamp/boolean) are not
run and are named in the outcome (pgparity/verify/gx_meaning.py): the content and profiles checks compare
those columns by their rule, this check does not.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

from ..gx_suites import suite_dir
from .detail import is_sensitive
from .gx_import import import_gx
from .gx_meaning import set_aside
from .outcome import Finding, Outcome, failed, missing_table, passed
from .pairing import Comparison, TablePair

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
DOCS_INDEX = Path("gx") / "uncommitted" / "data_docs" / "local_site" / "index.html"
WHOLE_TABLE = "whole_table"
URL_VARIABLE = "PGPARITY_GX_URL"  # GX substitutes ${PGPARITY_GX_URL} from the environment; files keep the name


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
            gx = import_gx()
            from great_expectations.data_context.types.base import ProgressBarsConfig
        self.gx = gx
        self.run_results: list = []  # this session's validation results: the Data Docs built for them
        root = cmp.reports
        root.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(root.resolve()))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        # the generic SQL source: GX's Postgres one insists on a host, and a throwaway server has a socket
        os.environ[URL_VARIABLE] = _sqlalchemy_url(cmp.pg_url)
        # every table with a suite is an asset from the start: GX rewrites great_expectations.yml on each asset
        # or batch definition added (two writes a table), here once
        self.source = self.context.data_sources.add_or_update_sql(
            "pgparity_target", connection_string="${" + URL_VARIABLE + "}",
            assets=[_asset(cmp, tp) for tp in cmp.tables if tp.target is not None and has_suite(cmp, tp)])
        self.docs = root / DOCS_INDEX

    def validate(self, cmp: Comparison, tp: TablePair, data: dict) -> list:
        """The results of every expectation of the table's suite, in its order.

        All of them run first with result_format BOOLEAN_ONLY: GX then sends only the queries that decide them
        (row counts, aggregates and unexpected counts, bundled), none for examples of unexpected values. Only
        the ones that failed run again, with SUMMARY, for what a finding shows (observed value, unexpected
        count and examples); those about sensitive columns do not, so no value of theirs is stored or shown."""
        name = _asset_name(tp)
        if name not in {a.name for a in self.source.assets}:  # a suite that appeared since the session began
            self.source.add_table_asset(**{k: v for k, v in _asset(cmp, tp).items() if k != "batch_definitions"})
        asset = self.source.get_asset(name)
        batch = next((b for b in asset.batch_definitions if b.name == WHOLE_TABLE), None) or \
            asset.add_batch_definition_whole_table(WHOLE_TABLE)
        specs = _mapped(tp, data.get("expectations", []))
        meta = data.get("meta", {})
        results = self._run(name, batch, specs, meta, "BOOLEAN_ONLY")
        again = [i for i, (spec, r) in enumerate(zip(specs, results)) if not r.success and not (
            "column" in spec["kwargs"] and _sensitive(tp, spec["kwargs"]["column"], cmp.redact))]
        if again:
            retry = [specs[i] for i in again]
            for i, r in zip(again, self._run(name + "__failed", batch, retry, meta, "SUMMARY")):
                results[i] = r
        return results

    def _run(self, name: str, batch, specs: list[dict], meta: dict, result_format: str) -> list:
        """The results of one validation of `specs`, in their order (GX returns them in an order of its own)."""
        suite = self.gx.ExpectationSuite(name=name, expectations=[], meta=meta)
        for spec in specs:
            suite.add_expectation_configuration(_configuration(spec))
        suite = self.context.suites.add_or_update(suite)
        definition = self.context.validation_definitions.add_or_update(
            self.gx.ValidationDefinition(name=name, data=batch, suite=suite))
        result = definition.run(result_format=result_format)
        self.run_results.append(result)
        by_id = {r.expectation_config.id: r for r in result.results}
        ordered = [by_id.get(e.id) for e in suite.expectations]
        if len(result.results) != len(specs) or len(ordered) != len(specs) or any(r is None for r in ordered):
            raise RuntimeError(f"GX's results for {name} do not answer its suite's expectations one by one")
        return ordered

    def build_docs(self) -> Path:
        """Data Docs for this session's validation results (and the site's index), not every result the
        reports folder has kept from earlier runs."""
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        ids = [ValidationResultIdentifier(ExpectationSuiteIdentifier(r.suite_name), r.meta["run_id"],
                                          _batch_id(r)) for r in self.run_results]
        self.context.build_data_docs(resource_identifiers=ids or None)
        return self.docs


def _asset_name(tp: TablePair) -> str:
    return f"pgparity_{tp.name}"


def _asset(cmp: Comparison, tp: TablePair) -> dict:
    """The table as a GX table asset, with the one batch definition the validation uses (the whole table)."""
    # quoted: GX folds an unquoted name to lower case ("OrderLines", "Order Notes" would not be found)
    return {"name": _asset_name(tp), "type": "table", "table_name": f'"{tp.target.name}"',
            "schema_name": cmp.settings.schema, "batch_definitions": [{"name": WHOLE_TABLE, "partitioner": None}]}


def _batch_id(result) -> str:
    """The batch part of the key GX stored a validation result under: "<data source>-<asset>[-<option>_<value>...]"
    (fluent Batch._create_id), from the batch definition the result names."""
    d = result.meta["active_batch_definition"]
    options = [f"{k}_{v}" for k, v in (d.get("batch_identifiers") or {}).items() if k not in ("path", "dataframe")]
    return "-".join([d["datasource_name"], d["data_asset_name"], *options])


def _configuration(spec: dict):
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return ExpectationConfiguration(type=spec["type"], kwargs=spec.get("kwargs", {}), meta=spec.get("meta") or {})


def _sensitive(tp: TablePair, pg_column, redact: tuple[str, ...]) -> bool:
    return is_sensitive(_sqlite_column(tp, pg_column) or "", redact)


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
        return missing_table("expectations", tp.name, cmp.settings.schema)
    data = json.loads(path.read_text())
    kept, skipped = set_aside(tp, data.get("expectations", []))
    results = gx_for(cmp).validate(cmp, tp, {**data, "expectations": kept}) if kept else []
    findings = [_finding(cmp, tp, r) for r in results if not r.success]
    total = len(results)
    aside = _aside_sentence(skipped)
    if findings:
        return failed("expectations", tp.name,
                      f"{len(findings)} of {total} expectation(s) failed ({path}){aside}", findings)
    return passed("expectations", tp.name, f"{total} expectation(s) hold ({path}){aside}")


def _aside_sentence(skipped: list[str]) -> str:
    """The expectations not run because their statement is in SQLite storage form (named, with the reason)."""
    if not skipped:
        return ""
    return (f"; {len(skipped)} not run, stated in SQLite storage form for a column PostgreSQL types "
            f"differently (content/profiles compare it by its rule): " + "; ".join(skipped))


def _finding(cmp: Comparison, tp: TablePair, r) -> Finding:
    """One failed expectation: its arguments and what GX observed (no values of a sensitive column)."""
    cfg = r.expectation_config
    args = ", ".join(f"{k}={v!r}" for k, v in cfg.kwargs.items() if k not in ("batch_id", "result_format"))
    column = _sqlite_column(tp, cfg.kwargs.get("column"))
    res = r.result or {}
    seen = res.get("observed_value")
    if column and is_sensitive(column, cmp.redact):
        detail = "failed (values of a sensitive column are not shown)"
    elif seen is not None:
        detail = f"observed {seen!r}"
    elif res.get("unexpected_count") is not None:
        detail = (f"{res['unexpected_count']} unexpected of {res.get('element_count')} value(s), "
                  f"e.g. {res.get('partial_unexpected_list', [])[:3]}")
    else:
        detail = f"GX reported no observed value ({_reported(res)})"
    error = _exception(r.exception_info)
    if error:
        detail = "could not run: " + error[:200]
    return Finding(f"{tp.name}: {cfg.type}({args}): {detail}", column, "expectation")


def _reported(res: dict) -> str:
    shown = {k: v for k, v in res.items() if v not in (None, [], {})}
    return f"result {shown}"[:200] if shown else "an empty result"


def _exception(info) -> str | None:
    """The message of an exception GX caught; GX 1.x keys it by metric (a dict of dicts) or gives it flat."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "an exception without a message")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "an exception without a message")
    return None


def _sqlite_column(tp: TablePair, pg_name) -> str | None:
    if pg_name is None:
        return None
    return next((c.name for c in tp.columns if c.target is not None and c.target.name == pg_name), str(pg_name))
