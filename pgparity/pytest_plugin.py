"""The pytest plugin behind `pytest checks/`: options, the SQLite/PostgreSQL pair, one test per (check, table).

    pytest checks/ --sqlite app.db --pg postgresql://user@host/db
    pytest checks/ -k shipped_items -m "content or counts"

Options come from the command line, else the environment (PGPARITY_SQLITE, DATABASE_URL), else
`pgparity.toml` ([pgparity] table), else defaults. With no URL at all, the throwaway server that
migrate.py started is used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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



def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("pgparity", "pgparity: compare a SQLite file with its PostgreSQL copy")
    g.addoption("--sqlite", metavar="PATH", help="the SQLite file (env PGPARITY_SQLITE)")
    g.addoption("--pg", metavar="URL", help="the PostgreSQL URL (env DATABASE_URL; default: pgparity's throwaway)")
    g.addoption("--pg-schema", metavar="NAME", help="PostgreSQL schema holding the copy (default public)")
    g.addoption("--table", action="append", metavar="NAME", help="check only this table (repeat)")
    g.addoption("--exclude-table", action="append", metavar="NAME", help="skip this table (repeat)")
    g.addoption("--source-tz", metavar="ZONE", help="zone of naive SQLite timestamps vs timestamptz (default UTC)")
    g.addoption("--float-tolerance", type=float, metavar="REL", help="relative float tolerance (default 0: exact)")
    g.addoption("--examples", type=int, metavar="N", help="differing rows shown per failure (default 10)")
    g.addoption("--nul-policy", choices=["fail", "strip"], help="NUL characters in SQLite text: a failure (default) "
                "or expected to be stripped")
    g.addoption("--redact", action="append", metavar="COLUMN", help="also redact this column in examples (repeat)")
    g.addoption("--pgparity-config", metavar="FILE", help="settings file (default ./pgparity.toml if present)")
    g.addoption("--reports", metavar="DIR", help="where reports go (default reports)")
    g.addoption("--update-baseline", action="store_true", help="drift: accept today's PostgreSQL as the baseline")
    g.addoption("--incremental", action="store_true", help="drift: read only rows past the baseline (key/updated-at)")
    g.addoption("--snapshot-lock", metavar="FILE", help="hold an exclusive flock on FILE while both snapshots are "
                "taken (for dual writers that take the same lock)")
    g.addoption("--expectations", metavar="DIR", help="Great Expectations suites root (default expectations; "
                "suites of app.db live in DIR/app/)")


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
           "snapshot_lock": config.getoption("--snapshot-lock")}
    try:
        found = check_settings.find_config(config.getoption("--pgparity-config"), config.rootpath)
        return check_settings.resolve(cli, check_settings.read_config(found), config.rootpath)
    except PgParityError as exc:
        raise pytest.UsageError(f"pgparity: {exc}") from None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[OUTCOMES] = {}
    config.stash[RESULTS] = []
    if not _running_checks(config):
        return
    s = resolve_settings(config)
    config.stash[SETTINGS] = s
    if not getattr(config.option, "xmlpath", None):  # the JUnit XML lands beside the other reports
        config.option.xmlpath = str(Path(s["reports"]) / "junit.xml")
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
    config.stash[SERVER_VERSION] = cmp.pg_query("SELECT current_setting('server_version')")[0][0].split()[0]


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
                        examples=int(s["examples"]), nul_policy=s["nul_policy"])
    try:
        parse_waivers(s.get("waivers", []))
        url = resolve(s.get("pg"), start=False).url
        cmp = Comparison(s["sqlite"], url, settings, s["tables"] or None, s["exclude"] or None,
                         tuple(s["redact"]), s.get("snapshot_lock"))
    except (PgParityError, ValueError) as exc:
        raise pytest.UsageError(f"pgparity: {exc}") from None
    cmp.expectations = Path(s["expectations"])
    cmp.reports = Path(s["reports"])
    config.stash[NOTES] = _gx_notes(cmp, s)
    unknown = [t for t in s["tables"] if t.lower() not in {x.name.lower() for x in cmp.tables}]
    if unknown:
        cmp.close()
        raise pytest.UsageError(f"pgparity: --table {', '.join(unknown)}: no such table in {s['sqlite']}")
    return cmp


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
        cmp.close()
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
    report = outcome.get_result()
    if COMPARISON not in item.config.stash or not hasattr(item, "callspec") or "table" not in item.callspec.params:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        check = item.originalname.removeprefix("test_")
        result = item.config.stash[OUTCOMES].get(item.nodeid)
        waived = getattr(item, "pgparity_waiver", None)
        status = ("waived" if waived else "skipped") if report.skipped else \
            ("passed" if report.passed else ("failed" if report.when == "call" and result is not None else "error"))
        reason = waived or getattr(item, "pgparity_expired", "") or \
            (str(report.longrepr)[-300:] if status == "error" else "")
        item.config.stash[RESULTS].append({"check": check, "table": item.callspec.params["table"], "status": status,
                                           "outcome": result, "seconds": call.duration, "reason": reason})


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    cmp = config.stash.get(COMPARISON, None)
    if cmp is None or not config.stash[RESULTS]:
        return
    from pgparity.report.html import write_html
    from pgparity.report.summary import build_summary, now, write_summary

    version = config.stash[SERVER_VERSION]
    summary = build_summary(config.stash[RESULTS], cmp, config.stash[STARTED], now(), version,
                            config.stash[SHA256].result())
    out = Path(config.stash[SETTINGS]["reports"])
    gx = cmp.cache.get("gx")
    if gx is not None:  # GX Data Docs, linked from the report
        summary["gx_docs"] = str(gx.build_docs().resolve().relative_to(out.resolve()))
    extra = ""
    drift = config.stash.get(DRIFT, None)
    if drift is not None and drift.today:
        from pgparity.report.drift_html import drift_section
        from pgparity.verify.drift import append_history, read_history, write_baseline

        append_history(drift.settings.history, drift.verdicts)
        if drift.update:
            write_baseline(drift.settings.baseline, drift.today, str(cmp.source.path))
        summary["drift"] = {"baseline": str(drift.settings.baseline), "history": str(drift.settings.history),
                            "updated_baseline": drift.update, "tables": drift.verdicts}
        extra = drift_section(summary["drift"], read_history(drift.settings.history))
    write_summary(summary, out)
    page = write_html(summary, out, extra)
    config.stash[OUTCOMES]["__report__"] = page


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    page = config.stash.get(OUTCOMES, {}).get("__report__")
    if page is not None:
        terminalreporter.write_line(f"pgparity report: {page} (summary.json and junit.xml beside it)")


def pytest_unconfigure(config: pytest.Config) -> None:
    cmp = config.stash.get(COMPARISON, None)
    if cmp is not None:
        cmp.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "table" not in metafunc.fixturenames or CHECKS_DIR not in Path(metafunc.definition.path).parents:
        return
    cmp = metafunc.config.stash.get(COMPARISON, None)
    if cmp is None:
        raise pytest.UsageError("pgparity: the checks need --sqlite (see pytest --help, group pgparity)")
    applies = getattr(metafunc.module, "applies", None)
    names = [t.name for t in cmp.tables if applies is None or (t.target is not None and applies(cmp, t))]
    metafunc.parametrize("table", names, ids=names, indirect=True)


def _wants_drift(config: pytest.Config) -> bool:
    return "drift" in (config.getoption("-m") or "") or bool(config.getoption("--update-baseline"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A check with no table it applies to (no boolean column anywhere, say) runs nothing at all, and the
    nightly drift checks run only when asked for (-m drift, --update-baseline)."""
    empty = [i for i in items if hasattr(i, "callspec") and not isinstance(i.callspec.params.get("table", ""), str)]
    if not _wants_drift(config):
        empty += [i for i in items if i.get_closest_marker("drift") is not None and i not in empty]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [i for i in items if i not in empty]


@pytest.fixture(scope="session")
def comparison(request: pytest.FixtureRequest):
    """The SQLite file and PostgreSQL schema under comparison (one snapshot each)."""
    return request.config.stash[COMPARISON]


class DriftState:
    """The drift settings, the baseline read once, and today's fingerprints gathered per table."""

    def __init__(self, config: pytest.Config, cmp):
        from pgparity.verify.drift import load_baseline, parse_drift

        s = config.stash[SETTINGS]
        self.settings = parse_drift(s.get("drift") or {}, Path(s["reports"]))
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


@pytest.fixture(scope="session")
def drift_state(request: pytest.FixtureRequest, comparison):
    """Drift bookkeeping for the session (history and baseline are written when it ends)."""
    from pgparity.errors import PgParityError

    try:
        state = DriftState(request.config, comparison)
    except PgParityError as exc:
        pytest.exit(f"pgparity: {exc}", returncode=4)
    request.config.stash[DRIFT] = state
    return state


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
