"""Great Expectations: suites generated from the demo DB hold on a clean copy and fail on a damaged one;
validation runs as SQL in PostgreSQL and publishes Data Docs linked from the report."""

import json

import pytest

from pgparity.gx_suites import generate
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli


@pytest.fixture(scope="module")
def suites(demo_db, tmp_path_factory):
    root = tmp_path_factory.mktemp("expectations")
    files = generate(demo_db, root)
    return root, files


def test_generated_suites_describe_the_source(suites):
    root, files = suites
    assert len(files) == 13
    users = json.loads((root / "demo" / "users.json").read_text())
    types = [e["type"] for e in users["expectations"]]
    assert types[0] == "expect_table_row_count_to_equal" and users["expectations"][0]["kwargs"]["value"] == 39
    assert "expect_column_values_to_be_unique" in types
    gifts = json.loads((root / "demo" / "shipped_items.json").read_text())["expectations"]
    assert {"type": "expect_column_values_to_be_in_set", "column": "is_gift"} in [
        {"type": e["type"], "column": e["kwargs"].get("column")} for e in gifts]
    assert users["meta"]["pgparity"]["sha256"]


def _gx_run(demo_db, target, root, tmp_path):
    res = run_checks_cli("--sqlite", demo_db, "--pg", target.url, "--pg-schema", target.schema, "--expectations",
                         root, "--reports", tmp_path / "rep", "-m", "gx", "-q")
    return res, json.loads((tmp_path / "rep" / "summary.json").read_text())


def test_clean_copy_passes_and_docs_are_linked(demo_db, target, suites, tmp_path):
    migrate(demo_db, target)
    res, summary = _gx_run(demo_db, target, suites[0], tmp_path)
    assert res.returncode == 0, res.stdout[-3000:]
    assert summary["counts"]["passed"] == 13
    docs = tmp_path / "rep" / summary["gx_docs"]
    assert docs.exists()
    assert f'href="{summary["gx_docs"]}"' in (tmp_path / "rep" / "index.html").read_text()


def test_socket_url_as_the_throwaway_server_gives(demo_db, target, suites, tmp_path):
    from pathlib import Path

    if not Path("/var/run/postgresql").is_dir() or "127.0.0.1" not in target.url:
        pytest.skip("no local socket directory to reach the test server through")
    migrate(demo_db, target)
    socket_url = target.url.replace("@127.0.0.1:5432/", "@/") + "?host=/var/run/postgresql"
    res = run_checks_cli("--sqlite", demo_db, "--pg", socket_url, "--pg-schema", target.schema, "--expectations",
                         suites[0], "--reports", tmp_path / "rep", "-m", "gx", "-q", "-k", "users")
    assert res.returncode == 0, res.stdout[-3000:]


def test_damaged_copy_fails_naming_the_expectation(demo_db, target, suites, tmp_path):
    migrate(demo_db, target)
    target.sql(f"ALTER TABLE {target.q('users')} DROP CONSTRAINT users_username_key")
    target.sql(f"UPDATE {target.q('users')} SET username = 'user3' WHERE id = 4")  # a duplicate
    target.sql(f"ALTER TABLE {target.q('shipped_items')} ALTER COLUMN sku DROP NOT NULL")
    target.sql(f"UPDATE {target.q('shipped_items')} SET sku = NULL WHERE id = 1")
    target.sql(f"UPDATE {target.q('shipped_items')} SET unit_price = 12345.5 WHERE id = 2")
    res, summary = _gx_run(demo_db, target, suites[0], tmp_path)
    assert res.returncode == 1
    assert summary["tables"]["users"]["expectations"]["status"] == "failed"
    # the details a finding gives: unexpected count and examples, observed value (GX validates every
    # expectation with BOOLEAN_ONLY first and only the failed ones again for these details)
    findings = {f["check"] + ":" + f["table"]: [x["text"] for x in f["findings"]] for f in summary["failures"]}
    assert findings["expectations:users"] == [
        "users: expect_column_values_to_be_unique(column='username'): 2 unexpected of 39 value(s), "
        "e.g. ['user3', 'user3']"], findings
    items = findings["expectations:shipped_items"]
    assert len(items) == 2, items
    assert items[0].startswith("shipped_items: expect_column_values_to_not_be_null(column='sku'): 1 unexpected of ")
    assert items[0].endswith(" value(s), e.g. [None]"), items
    assert items[1].startswith("shipped_items: expect_column_max_to_be_between(column='unit_price', ")
    assert items[1].endswith("): observed 12345.5"), items
    assert "2 of " in summary["tables"]["shipped_items"]["expectations"]["summary"]
    # Data Docs: a page for each of this run's validations, the failed ones' details included
    site = (tmp_path / "rep" / summary["gx_docs"]).parent
    pages = {p.relative_to(site / "validations").parts[0] for p in (site / "validations").rglob("*.html")}
    assert {"pgparity_users", "pgparity_users__failed", "pgparity_shipped_items__failed"} <= pages, pages
    assert "12345.5" in "".join(p.read_text() for p in (site / "validations" / "pgparity_shipped_items__failed")
                                .rglob("*.html"))


def test_user_added_business_rule(demo_db, target, suites, tmp_path):
    root, _ = suites
    migrate(demo_db, target)
    path = root / "demo" / "bundle_components.json"
    data = json.loads(path.read_text())
    data["expectations"].append({"type": "expect_column_values_to_be_between",
                                 "kwargs": {"column": "quantity", "min_value": 1, "max_value": 2}})
    path.write_text(json.dumps(data))
    try:
        res, _ = _gx_run(demo_db, target, root, tmp_path)
        assert res.returncode == 1 and "expect_column_values_to_be_between(column='quantity'" in res.stdout
    finally:
        data["expectations"].pop()
        path.write_text(json.dumps(data))


AWKWARD = """
    CREATE TABLE "Order Notes" (id INTEGER PRIMARY KEY, "Note Text" TEXT NOT NULL, qty INTEGER);
    CREATE TABLE "OrderLines" ("LineId" INTEGER PRIMARY KEY, "Amount" REAL, big INTEGER);
    CREATE TABLE "user" (id INTEGER PRIMARY KEY, "select" TEXT, password TEXT);"""
AWKWARD_ROWS = {"Order Notes": [(i, f"note {i}", i) for i in range(1, 6)],
                "OrderLines": [(1, 1.5, 2**63 - 1), (2, 2.5, -(2**63)), (3, 0.0, 0)],
                "user": [(1, "a", "pw-one"), (2, "b", "pw-two")]}


@pytest.fixture
def awkward(tmp_path, target):
    from tests.build import sqlite_file

    path = sqlite_file(tmp_path, AWKWARD, AWKWARD_ROWS, name="awkward.db")
    migrate(path, target)
    generate(path, tmp_path / "exp")
    return path, target, tmp_path


def test_spaces_camelcase_reserved_words_and_extreme_bigints_pass_on_a_correct_copy(awkward):
    path, target, cwd = awkward
    res = run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema, "--expectations",
                         cwd / "exp", "-m", "gx", "-q", cwd=cwd)
    assert res.returncode == 0, res.stdout[-3000:]
    summary = json.loads((cwd / "reports" / "summary.json").read_text())
    assert {t: c["expectations"]["status"] for t, c in summary["tables"].items()} == \
        {"Order Notes": "passed", "OrderLines": "passed", "user": "passed"}


def test_no_secret_in_any_file_under_reports(awkward, pg_url):
    """A password-protected role (the local server trusts, but the password is in the URL) and a damaged
    sensitive column: neither the password nor the column's values reach any report file, GX's included."""
    path, target, cwd = awkward
    role, secret, leaked = f"pw_{target.schema}", "S3cret-Pw-0f-the-role", "leaked-secret-value-far-too-long"
    target.sql(f"CREATE ROLE {role} LOGIN PASSWORD '{secret}'")
    try:
        target.sql(f'GRANT USAGE ON SCHEMA "{target.schema}" TO {role}')
        target.sql(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{target.schema}" TO {role}')
        target.sql(f"UPDATE {target.q('user')} SET password = '{leaked}' WHERE id = 2")
        url = pg_url.replace("postgres@", f"{role}:{secret}@")
        res = run_checks_cli("--sqlite", path, "--pg", url, "--pg-schema", target.schema, "--expectations",
                             cwd / "exp", cwd=cwd)
        assert res.returncode == 1 and "expectations[user]" in res.stdout.splitlines()[-1]
        files = [p for p in (cwd / "reports").rglob("*") if p.is_file()]
        assert len(files) > 10 and any("great_expectations.yml" in p.name for p in files)
        for p in files:
            assert secret not in p.read_bytes().decode("utf-8", "replace"), p
        assert secret not in res.stdout + res.stderr
        for p in (cwd / "reports" / "gx").rglob("*"):  # GX's results and Data Docs list no sensitive value
            assert not p.is_file() or leaked not in p.read_bytes().decode("utf-8", "replace"), p
        summary = json.loads((cwd / "reports" / "summary.json").read_text())
        shown = [f for f in summary["failures"] if f["check"] in ("expectations", "content")]
        assert len(shown) == 2 and leaked not in json.dumps(shown)
    finally:
        target.sql(f"DROP OWNED BY {role}")
        target.sql(f"DROP ROLE {role}")


ORM_FORMS = """
    CREATE TABLE device (id INTEGER PRIMARY KEY, token char(32) NOT NULL, ip char(39) NOT NULL, lead bigint NOT NULL,
                         label TEXT NOT NULL);"""
ORM_ROWS = {"device": [(i, f"{i:032x}", f"10.0.0.{i}", i * 86_400_000_000, f"dev {i}") for i in range(1, 6)]}


@pytest.fixture
def orm_forms(tmp_path, target):
    """A correct copy whose PostgreSQL columns read another form than SQLite stores (as Django makes them):
    32 hex digits -> uuid, an address -> inet, integer microseconds -> interval."""
    from tests.build import sqlite_file

    path = sqlite_file(tmp_path, ORM_FORMS, ORM_ROWS, name="forms.db")
    migrate(path, target)
    t = target.q("device")
    target.sql(f"ALTER TABLE {t} ALTER COLUMN token TYPE uuid USING token::uuid, "
               f"ALTER COLUMN ip TYPE inet USING ip::inet, "
               f"ALTER COLUMN lead TYPE interval USING make_interval(secs => lead / 1000000.0)")
    generate(path, tmp_path / "exp")
    return path, target, tmp_path


def _forms_run(orm_forms) -> tuple:
    path, target, cwd = orm_forms
    res = run_checks_cli("--sqlite", path, "--pg", target.url, "--pg-schema", target.schema, "--expectations",
                         cwd / "exp", "-m", "gx", "-q", cwd=cwd)
    return res, json.loads((cwd / "reports" / "summary.json").read_text())


def test_storage_form_bounds_are_not_run_on_other_types_and_said(orm_forms):
    """Lengths on uuid/inet and integer bounds on interval are SQLite storage form: not run, named; the rest run."""
    res, summary = _forms_run(orm_forms)
    assert res.returncode == 0, res.stdout[-3000:]
    said = summary["tables"]["device"]["expectations"]["summary"]
    assert "4 not run" in said, said  # min and max of lead count apart
    for column, why in (("token", "a text length in SQLite, uuid"), ("ip", "a text length in SQLite, inet"),
                        ("lead", "an integer bound in SQLite storage, interval")):
        assert f"device.{column}: {why}" in said, said
    assert "device.label" not in said and "device.id" not in said


def test_what_still_runs_on_those_columns_fails_on_a_damage(orm_forms):
    path, target, cwd = orm_forms
    target.sql(f"ALTER TABLE {target.q('device')} ALTER COLUMN token DROP NOT NULL")
    target.sql(f"UPDATE {target.q('device')} SET token = NULL WHERE id = 2")
    res, summary = _forms_run(orm_forms)
    assert res.returncode == 1
    texts = [f["text"] for f in summary["failures"][0]["findings"] if f["column"] == "token"]
    assert len(texts) == 1 and "expect_column_values_to_not_be_null(column='token')" in texts[0], texts


def test_an_expectation_postgresql_cannot_run_says_why(orm_forms):
    """A user's value set PostgreSQL refuses for the column's type is reported with GX's error, never as
    'None unexpected, e.g. []'."""
    path, target, cwd = orm_forms
    suite = cwd / "exp" / "forms" / "device.json"
    data = json.loads(suite.read_text())
    data["expectations"].append({"type": "expect_column_values_to_be_in_set",
                                 "kwargs": {"column": "ip", "value_set": ["not an address"]}})
    suite.write_text(json.dumps(data))
    res, summary = _forms_run(orm_forms)
    assert res.returncode == 1
    text = summary["failures"][0]["findings"][0]["text"]
    assert "expect_column_values_to_be_in_set(column='ip'" in text and "None unexpected" not in text, text
    assert "could not run:" in text and "inet" in text, text


def test_gx_import_defers_scipy_stats_and_altair_until_used():
    """GX is imported without scipy.stats and altair (pgparity.verify.gx_import); code that uses them gets the
    real modules at its first use, through the names it imported before."""
    import subprocess
    import sys

    code = """
import sys
from pgparity.verify.gx_import import import_gx
gx = import_gx()
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
assert type(sys.modules["scipy.stats"]).__name__ == "_Deferred", sys.modules["scipy.stats"]
assert type(sys.modules["altair"]).__name__ == "_Deferred"
assert kl.stats.norm.cdf(0) == 0.5  # the name GX bound at its import now reads the real scipy.stats
assert type(sys.modules["scipy.stats"]).__name__ == "module"
from scipy.stats import distributions
assert distributions.norm.cdf(0) == 0.5
assert kl.alt.Chart.__name__ == "Chart" and type(sys.modules["altair"]).__name__ == "module"
print("ok")
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-3000:]
