"""The pytest plugin behind `pytest checks/`: options, the SQLite/PostgreSQL pair, one test per (check, table).

    pytest checks/ --sqlite app.db --pg postgresql://user@host/db
    pytest checks/ -k shipped_items -m "content or counts"

Options come from the command line, else the environment (PGPARITY_SQLITE, DATABASE_URL), else
pgparity.toml (`--pgparity-config`, else the one in pytest's rootdir), else defaults (see
pgparity.check_settings). With no URL at all, the throwaway server that migrate.py started is used.
The terminal shows first what is compared and last the verdict; reports are written for every run
that starts checking, and a run that stops before leaves no verdict behind.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

import pgparity.arrow_no_pandas  # noqa: F401 - first: pyarrow told pandas is absent (see there)
from pgparity.errors import PgParityError

CHECKS_DIR = Path(__file__).resolve().parents[1] / "checks"
COMPARISON = pytest.StashKey()
OUTCOMES = pytest.StashKey()
RESULTS = pytest.StashKey()
SETTINGS = pytest.StashKey()
STARTED = pytest.StashKey()
SHA256 = pytest.StashKey()
DRIFT = pytest.StashKey()
SERVER_VERSION = pytest.StashKey()
NOTES = pytest.StashKey()
DESELECTED = pytest.StashKey()
FINAL = pytest.StashKey()
SCANS = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("pgparity", "pgparity: compare a SQLite file with its PostgreSQL copy")
    g.addoption("--sqlite", metavar="PATH", help="the SQLite file (env PGPARITY_SQLITE)")
    g.addoption("--pg", metavar="URL", help="the PostgreSQL URL (env DATABASE_URL; default: pgparity's throwaway)")
    g.addoption("--pg-schema", "--schema", dest="pg_schema", metavar="NAME",
                help="PostgreSQL schema holding the copy (default public)")
    g.addoption("--table", action="append", metavar="NAME", help="check only this table (repeat)")
    g.addoption("--exclude-table", "--exclude", dest="exclude_table", action="append", metavar="NAME",
                help="skip this table (repeat)")
    g.addoption("--source-tz", metavar="ZONE", help="zone of naive SQLite timestamps vs timestamptz (default UTC)")
    g.addoption("--float-tolerance", type=float, metavar="REL", help="relative float tolerance (default 0: exact)")
    g.addoption("--examples", type=int, metavar="N", help="differing rows shown per failure (default 10)")
    g.addoption("--nul-policy", "--nul", dest="nul_policy", choices=["fail", "refuse", "strip"],
                help="NUL characters in SQLite text: a failure (fail = refuse, the default) or expected to be stripped")
    g.addoption("--redact", action="append", metavar="COLUMN", help="also redact this column in examples (repeat)")
    g.addoption("--pgparity-config", metavar="FILE", help="settings file (default: pgparity.toml in the rootdir)")
    g.addoption("--reports", metavar="DIR", help="where reports go (default: reports/ beside pgparity.toml)")
    g.addoption("--update-baseline", action="store_true", help="drift: accept today's PostgreSQL as the baseline")
    g.addoption("--incremental", action="store_true", help="drift: read only rows past the baseline (key/updated-at)")
    g.addoption("--snapshot-lock", metavar="FILE", help="hold an exclusive flock on FILE while both snapshots are "
                "taken (for dual writers that take the same lock)")
    g.addoption("--expectations", metavar="DIR", help="Great Expectations suites root (default expectations; "
                "suites of app.db live in DIR/app/)")
    g.addoption("--allow-stale-read", "--allow-immutable", dest="allow_stale_read", action="store_true",
                default=None, help="when the file can only be read with immutable=1, read it even though its WAL "
                "or hot journal holds writes the main file lacks (as migrate.py --allow-stale-read)")
    g.addoption("--interval-unit", dest="interval_unit", choices=["us", "ms", "s"], default=None,
                help="SQLite integers compared with interval columns are in this unit (as migrate.py; default: "
                "microseconds when the file has django_migrations, else assumed microseconds and said)")
    g.addoption("--epoch-unit", dest="epoch_unit", choices=["s", "ms", "us"], default=None,
                help="integer epochs compared with timestamp/date columns are in this unit (as migrate.py; default: "
                "the one unit in which every value is an instant in 1973..2242, else assumed seconds and said)")


def _running_checks(config: pytest.Config) -> bool:
    for arg in config.args:
        path = Path(arg.split("::")[0]).resolve()
        if path == CHECKS_DIR or CHECKS_DIR in path.parents:
            return True
    return False


def resolve_settings(config: pytest.Config) -> dict:
    """Command line, then environment, then pgparity.toml, then defaults (see pgparity.check_settings)."""
    from pgparity import check_settings

    def path(option: str) -> str | None:  # a path typed on the command line is relative to where it was typed
        value = config.getoption(option)
        return str(Path(value).resolve()) if value else None

    cli = {"sqlite": config.getoption("--sqlite"), "pg": config.getoption("--pg"),
           "schema": config.getoption("--pg-schema"), "tables": config.getoption("--table"),
           "exclude": config.getoption("--exclude-table"), "source_tz": config.getoption("--source-tz"),
           "float_tolerance": config.getoption("--float-tolerance"), "examples": config.getoption("--examples"),
           "nul_policy": config.getoption("--nul-policy"), "redact": config.getoption("--redact"),
           "reports": path("--reports"), "expectations": path("--expectations"),
           "snapshot_lock": config.getoption("--snapshot-lock"),
           "allow_stale_read": config.getoption("--allow-stale-read"),
           "interval_unit": config.getoption("--interval-unit"), "epoch_unit": config.getoption("--epoch-unit")}
    try:
        found = check_settings.find_config(config.getoption("--pgparity-config"), config.rootpath)
        return check_settings.resolve(cli, check_settings.read_config(found), config.rootpath)
    except PgParityError as exc:  # the reports folder this run would have used, as far as it is known
        given = config.getoption("--pgparity-config")
        folder = Path(given).resolve().parent if given else config.rootpath
        _stop(path("--reports") or str(folder / "reports"), f"pgparity: {exc}")


def _stop(reports: str, message: str):
    """A usage error before any check ran: no earlier verdict is left in `reports` to be mistaken for this run's."""
    from pgparity.report.no_verdict import write_no_verdict

    write_no_verdict(Path(reports), message)
    raise pytest.UsageError(message)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[OUTCOMES] = {}
    config.stash[RESULTS] = []
    config.stash[DESELECTED] = []
    if not _running_checks(config):
        return
    s = resolve_settings(config)
    config.stash[SETTINGS] = s
    from pgparity.report.no_verdict import clear_reports

    clear_reports(Path(s["reports"]))
    if config.option.collectonly:
        return _collect_only(config, s)
    if not getattr(config.option, "xmlpath", None):  # the JUnit XML lands beside the other reports
        config.option.xmlpath = str(Path(s["reports"]) / "junit.xml")
    try:
        _open(config, s)
    except pytest.UsageError as exc:
        _stop(s["reports"], str(exc))


def _collect_only(config: pytest.Config, s: dict) -> None:
    """--collect-only: the tests are listed, nothing is checked, so no report claims a verdict."""
    from pgparity.report.no_verdict import write_no_verdict

    write_no_verdict(Path(s["reports"]), "pytest --collect-only listed the checks without running them")
    if s.get("sqlite"):
        _open(config, s)


def _open(config: pytest.Config, s: dict) -> None:
    if not s.get("sqlite"):
        raise pytest.UsageError("pgparity: which SQLite file? pass --sqlite PATH, set PGPARITY_SQLITE, "
                                "or put sqlite = \"...\" in pgparity.toml")
    cmp = _open_comparison(config, s)
    config.stash[COMPARISON] = cmp
    from concurrent.futures import ThreadPoolExecutor

    from pgparity.source import file_sha256

    # the report wants the file's sha256: hash it while pytest collects (the second core is idle then)
    pool = ThreadPoolExecutor(max_workers=1)
    config.stash[SHA256] = pool.submit(file_sha256, Path(s["sqlite"]))
    pool.shutdown(wait=False)
    # the scans' own PostgreSQL connection (same snapshot) is opened meanwhile too; a failure is said by the scan
    threading.Thread(target=_quietly, args=(cmp.scan_view,), daemon=True).start()
    config.stash[SERVER_VERSION] = cmp.pg_query("SELECT current_setting('server_version')")[0][0].split()[0]
    if _wants_drift(config):
        try:
            config.stash[DRIFT] = DriftState(config)
        except PgParityError as exc:
            raise pytest.UsageError(f"pgparity: {exc}") from None


def _quietly(fn) -> None:
    try:
        fn()
    except PgParityError:
        pass


def _open_comparison(config: pytest.Config, s: dict):
    """The SQLite file and PostgreSQL schema to compare; every bad option is a usage error here."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from pgparity.server import resolve
    from pgparity.verify.pairing import Comparison
    from pgparity.verify.rules import Settings
    from pgparity.verify.waivers import parse_waivers

    try:
        ZoneInfo(s["source_tz"])
    except (ZoneInfoNotFoundError, ValueError):
        raise pytest.UsageError(f"--source-tz {s['source_tz']!r} is not a time zone name (e.g. UTC, Europe/Paris)") \
            from None
    settings = Settings(schema=s["schema"], source_tz=s["source_tz"], float_tolerance=float(s["float_tolerance"]),
                        examples=int(s["examples"]), nul_policy=s["nul_policy"],
                        interval_unit=s.get("interval_unit"), epoch_unit=s.get("epoch_unit"))
    try:
        parse_waivers(s.get("waivers", []))
        url = resolve(s.get("pg"), start=False).url
        cmp = Comparison(s["sqlite"], url, settings, s["tables"] or None, s["exclude"] or None,
                         tuple(s["redact"]), s.get("snapshot_lock"), scan_view=not config.option.collectonly,
                         units_when_asked=True,
                         **_source_options(s))
    except (PgParityError, ValueError) as exc:
        raise pytest.UsageError(f"pgparity: {exc}") from None
    cmp.expectations = Path(s["expectations"])
    cmp.reports = Path(s["reports"])
    try:
        _refuse_wrong_target(cmp, s)
        config.stash[NOTES] = _source_notes(cmp) + _gx_notes(cmp, s)
    except pytest.UsageError:
        cmp.close()
        raise
    return cmp


def _source_options(s: dict) -> dict:
    """How the SQLite file may be read: --allow-stale-read is handed to the reader (SqliteSource remembers it
    for the file when the comparison cannot pass it on itself)."""
    import inspect

    from pgparity.source import SqliteSource
    from pgparity.verify.pairing import Comparison

    if not s.get("allow_stale_read"):
        return {}
    if "allow_stale_read" in inspect.signature(Comparison).parameters:
        return {"allow_stale_read": True}
    SqliteSource.open(s["sqlite"], allow_stale_read=True).close()  # registers the permission for this file
    return {}


def _refuse_wrong_target(cmp, s: dict) -> None:
    """Unknown --table names, and a target that holds too few of the tables to be the copy at all."""
    from pgparity.server import redact

    unknown = [t for t in s["tables"] if t.lower() not in {x.name.lower() for x in cmp.tables}]
    if unknown:
        raise pytest.UsageError(f"pgparity: --table {', '.join(unknown)}: no such table in {s['sqlite']}")
    found = sum(t.target is not None for t in cmp.tables)
    if cmp.tables and found * 2 < len(cmp.tables):
        raise pytest.UsageError(f"pgparity: {found} of {len(cmp.tables)} SQLite tables found in PostgreSQL schema "
                                f"{cmp.settings.schema} at {redact(cmp.pg_url)} — wrong --pg or --pg-schema?")


def _source_notes(cmp) -> list[str]:
    """How the SQLite file was read when it was not the normal snapshot (immutable=1), as the reader says it."""
    note = getattr(cmp.source, "read_note", None)
    return [f"read mode: {note}"] if note else []


def _gx_notes(cmp, s: dict) -> list[str]:
    """What the expectations check will cover; a suite folder that was asked for but holds nothing is an error."""
    from pgparity.gx_suites import suite_dir
    from pgparity.verify.gx_check import has_suite

    folder = suite_dir(s["expectations"], s["sqlite"])
    covered = [t.name for t in cmp.tables if has_suite(cmp, t)]
    make = f"python -m pgparity.gx_suites {s['sqlite']} --out {s['expectations']}"
    if covered:
        return [f"gx: suites for {len(covered)} of {len(cmp.tables)} table(s) in {folder}"]
    if s["expectations_given"]:
        raise pytest.UsageError(f"pgparity: expectations {s['expectations']}: no suite for any table of "
                                f"{Path(s['sqlite']).name} in {folder} (make them: {make})")
    return [f"gx: no suites in {folder}: the expectations check does not run (make them: {make})"]


@pytest.hookimpl(trylast=True)  # after pytest's own header, before any test
def pytest_sessionstart(session: pytest.Session) -> None:
    from pgparity.report.summary import now

    config = session.config
    config.stash[STARTED] = now()
    cmp = config.stash.get(COMPARISON, None)
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if cmp is None or terminal is None:
        return
    for line in header_lines(config, cmp):
        terminal.write_line(line)


def header_lines(config: pytest.Config, cmp) -> list[str]:
    """Which file, which server and schema, which settings: printed first, whatever the verbosity."""
    from pgparity import __version__
    from pgparity.server import redact

    s = config.stash[SETTINGS]
    return [f"pgparity {__version__}: SQLite {s['sqlite']} ({len(cmp.tables)} tables) vs PostgreSQL "
            f"{config.stash[SERVER_VERSION]} at {redact(cmp.pg_url)}, schema {cmp.settings.schema}",
            f"pgparity: settings from {s['config']}; reports to {s['reports']}",
            *(f"pgparity: {note}" for note in config.stash[NOTES])]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "table" in params:
        record_result(item, outcome.get_result(), call, item.originalname.removeprefix("test_"), params["table"])


def record_result(item: pytest.Item, report: pytest.TestReport, call, check: str, subject: str) -> None:
    """One check's result for the reports (check, and the table or query it is about), once per test: at
    its call, or at a setup that did not pass."""
    if COMPARISON not in item.config.stash or not (report.when == "call" or
                                                    (report.when == "setup" and not report.passed)):
        return
    result = item.config.stash[OUTCOMES].get(item.nodeid)
    waived = getattr(item, "pgparity_waiver", None)
    status = ("waived" if waived else "skipped") if report.skipped else \
        ("passed" if report.passed else ("failed" if report.when == "call" and result is not None else "error"))
    reason = waived or getattr(item, "pgparity_expired", "") or \
        (str(report.longrepr)[-300:] if status == "error" else "")
    item.config.stash[RESULTS].append({"check": check, "table": subject, "status": status,
                                       "outcome": result, "seconds": call.duration, "reason": reason})


def pytest_collection_finish(session: pytest.Session) -> None:
    """The selected tests are known: scan, in the background, the tables whose selected checks read the scan,
    in the order the tests will ask for them (see pgparity.verify.schedule)."""
    config = session.config
    cmp = config.stash.get(COMPARISON, None)
    if cmp is None or config.option.collectonly:
        return
    from pgparity.verify.schedule import READS_SCAN, ScanSchedule

    order: dict[str, None] = {}
    for item in session.items:
        table = getattr(getattr(item, "callspec", None), "params", {}).get("table")
        if isinstance(table, str) and CHECKS_DIR in Path(item.path).parents and \
                item.originalname.removeprefix("test_") in READS_SCAN:
            order.setdefault(table)
    config.stash[SCANS] = ScanSchedule(cmp, list(order))
    config.stash[SCANS].start()
    # what is loaded by now lives to the end: the collector need not walk it again (pytest collects at exit)
    gc.freeze()


def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    """Every run that started checking writes summary.json and index.html (pytest writes junit.xml)."""
    config = session.config
    cmp = config.stash.get(COMPARISON, None)
    if SCANS in config.stash:
        config.stash[SCANS].close()  # a scan still under way (-x, Ctrl-C) stops at its next batch
    if cmp is None or config.option.collectonly:
        return
    from pgparity.report.html import write_html
    from pgparity.report.summary import build_summary, now, write_summary

    summary = build_summary(config.stash[RESULTS], cmp, config.stash[STARTED], now(), config.stash[SERVER_VERSION],
                            config.stash[SHA256].result())
    summary["notes"] = list(config.stash[NOTES])
    summary["not_run"] = _not_run(config)
    summary["reads"] = _reads()
    for name in cmp.unmeasured:  # not scanned: its rules would only say an assumed unit
        summary["rules"].pop(name, None)
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        summary["verdict"] = "NO-GO"
        summary["notes"].append("interrupted: not every check ran")
    out = Path(config.stash[SETTINGS]["reports"])
    gx = cmp.cache.get("gx")
    if gx is not None:  # GX Data Docs, linked from the report
        summary["gx_docs"] = str(gx.build_docs().resolve().relative_to(out.resolve()))
    drift = config.stash.get(DRIFT, None)
    extra = drift.finish(summary, str(cmp.source.path), config.stash[SETTINGS]["base"]) if drift else ""
    extra += _queries_section(config, summary)
    write_summary(summary, out)
    config.stash[FINAL] = (summary, write_html(summary, out, extra))


def _reads() -> dict:
    """How often each table was read in full, per side, by this run: {table: {"sqlite": n, "postgresql": n}}."""
    import sys

    pairing = sys.modules.get("pgparity.verify.pairing")
    out: dict[str, dict[str, int]] = {}
    for (table, side), n in sorted(pairing.READS.items()) if pairing else ():
        out.setdefault(table, {})[side] = n
    return out


def _queries_section(config: pytest.Config, summary: dict) -> str:
    """The replayed application queries, when any ran: summary.json's "queries" and the page's section."""
    from pgparity.queries.pytest_options import RECORDS

    records = config.stash.get(RECORDS, {})
    if not records:
        return ""
    from pgparity.queries.report import queries_html, queries_section

    summary["queries"] = queries_section(records, config.stash[RESULTS])
    return queries_html(summary["queries"])


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        items[0].config.stash[DESELECTED].extend(items)


def _not_run(config: pytest.Config) -> dict:
    """How many checks were deselected, and why: drift checks run only when asked for."""
    items = config.stash[DESELECTED]
    drift = sum(i.get_closest_marker("drift") is not None for i in items)
    na = sum(map(_not_applicable, items))
    return {"drift": drift, "not_applicable": na, "deselected": len(items) - drift - na}


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's own last line: the report's path and the one-line verdict, which a person reads first."""
    cmp = config.stash.get(COMPARISON, None)
    if cmp is not None:
        cmp.close()
    final = config.stash.get(FINAL, None)
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if final is None or terminal is None:
        return
    from pgparity.report.terminal import closing_lines

    for line in closing_lines(*final, base=Path(config.stash[SETTINGS]["base"])):
        terminal.write_line(line)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "table" not in metafunc.fixturenames or CHECKS_DIR not in Path(metafunc.definition.path).parents:
        return
    cmp = metafunc.config.stash.get(COMPARISON, None)
    if cmp is None:
        raise pytest.UsageError("pgparity: the checks need --sqlite (see pytest --help, group pgparity)")
    applies = getattr(metafunc.module, "applies", None)
    names = [t.name for t in cmp.tables if applies is None or (t.target is not None and applies(cmp, t))]
    metafunc.parametrize("table", names, ids=names, indirect=True)


def _not_applicable(item: pytest.Item) -> bool:
    """The placeholder pytest makes for a check of checks/ parametrized over nothing (no table, query or model it
    applies to): a parameter that is not a name."""
    return hasattr(item, "callspec") and CHECKS_DIR in Path(item.path).parents and \
        any(not isinstance(v, str) for v in item.callspec.params.values())


def _wants_drift(config: pytest.Config) -> bool:
    expr = config.getoption("-m") or ""
    return ("drift" in expr and "not drift" not in expr) or bool(config.getoption("--update-baseline"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A check with no table it applies to (no boolean column anywhere, say) runs nothing at all, and the
    nightly drift checks run only when asked for (-m drift, --update-baseline). The checks run table by table
    (see _table_major)."""
    empty = [i for i in items if _not_applicable(i)]
    if not _wants_drift(config):
        empty += [i for i in items if i.get_closest_marker("drift") is not None and i not in empty]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [i for i in items if i not in empty]
    if COMPARISON in config.stash:
        items[:] = _table_major(items)


def _table_major(items: list[pytest.Item]) -> list[pytest.Item]:
    """The checks of one table together, tables in the order they first appear, and in a table the checks
    that read no scan first (checks of no table before all): while a table's checks run, the scan worker
    reads the next tables (pgparity.verify.schedule), so the main thread's own work overlaps the scans."""
    from pgparity.verify.schedule import READS_SCAN

    tables: dict[str, int] = {}

    def place(numbered: tuple[int, pytest.Item]) -> tuple[int, bool, int]:
        position, item = numbered
        table = getattr(getattr(item, "callspec", None), "params", {}).get("table")
        if not isinstance(table, str) or CHECKS_DIR not in Path(item.path).parents:
            return -1, False, position
        return tables.setdefault(table, len(tables)), item.originalname.removeprefix("test_") in READS_SCAN, position

    return [item for _, item in sorted(enumerate(items), key=place)]


@pytest.fixture(scope="session")
def comparison(request: pytest.FixtureRequest):
    """The SQLite file and PostgreSQL schema under comparison (one snapshot each)."""
    return request.config.stash[COMPARISON]


class DriftState:
    """The drift settings, the baseline read once, and today's fingerprints gathered per table."""

    def __init__(self, config: pytest.Config):
        from pgparity.verify.drift import load_baseline, parse_drift

        s = config.stash[SETTINGS]
        self.settings = parse_drift(s.get("drift") or {}, Path(s["base"]))
        self.update = bool(config.getoption("--update-baseline"))
        if config.getoption("--incremental"):
            self.settings.incremental = True
        if self.update:  # a baseline is made of full fingerprints
            self.settings.incremental = False
        self.baseline = load_baseline(self.settings.baseline)
        self.today: dict[str, dict] = {}
        self.verdicts: dict[str, dict] = {}

    def record(self, table: str, outcome, fingerprint: dict) -> None:
        self.today[table] = fingerprint
        self.verdicts[table] = {"rows": fingerprint.get("rows"), "checksum": fingerprint.get("checksum"),
                                "max_key": fingerprint.get("max_key"), "mode": fingerprint.get("mode"),
                                "ok": outcome.ok, "summary": outcome.summary, "violations": outcome.lines}

    def finish(self, summary: dict, source: str, base: str) -> str:
        """Write history (and the baseline when accepting); add the drift part to the summary; the HTML section."""
        if not self.today:
            return ""
        from pgparity.report.drift_html import drift_section
        from pgparity.verify.drift import append_history, read_history, write_baseline

        append_history(self.settings.history, self.verdicts)
        written = write_baseline(self.settings.baseline, self.today, source) if self.update else None
        summary["drift"] = {"baseline": str(self.settings.baseline), "history": str(self.settings.history),
                            "updated_baseline": self.update, "baseline_tables": written,
                            "incremental": self.settings.incremental, "tables": self.verdicts}
        return drift_section(summary["drift"], read_history(self.settings.history))


@pytest.fixture(scope="session")
def drift_state(request: pytest.FixtureRequest):
    """Drift bookkeeping for the session (history and baseline are written when it ends)."""
    return request.config.stash[DRIFT]


@pytest.fixture
def table(request: pytest.FixtureRequest, comparison):
    """The pair of tables this test is about."""
    return comparison.table(request.param)


@pytest.fixture
def verdict(request: pytest.FixtureRequest):
    """Record a check's outcome for the reports, and fail the test with its message when it failed."""

    def judge(outcome) -> None:
        request.config.stash[OUTCOMES][request.node.nodeid] = outcome
        if outcome.ok:
            return
        from pgparity.verify.waivers import apply_waivers

        judged = apply_waivers(request.config.stash[SETTINGS].get("waivers", []), outcome)
        if judged.remaining is None:
            request.node.pgparity_waiver = "; ".join(w.describe() for w in judged.used)
            pytest.skip(f"waived: {request.node.pgparity_waiver}")
        request.config.stash[OUTCOMES][request.node.nodeid] = judged.remaining
        prefix = "".join(f"{w.describe()} has EXPIRED; " for w in judged.expired)
        if prefix:
            request.node.pgparity_expired = prefix
        pytest.fail(prefix + judged.remaining.message(), pytrace=False)

    return judge
