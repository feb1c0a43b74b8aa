"""Reports that gate cutover: verdict, matrix, differing rows, redaction, no external URL, JSON schema,
JUnit XML, waivers (a live one passes, an expired one fails), exit codes."""

import json
import re

import jsonschema
import pytest

from pgparity.report.summary import SCHEMA
from tests.demo_port import port_demo_trigger
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli


@pytest.fixture
def migrated(demo_db, target):
    migrate(demo_db, target)
    port_demo_trigger(target)  # migrate.py does not translate triggers; a user ports it before cutover
    return target


def _run(demo_db, target, tmp_path, *extra, config: str = ""):
    out = tmp_path / "rep"
    if config:
        (tmp_path / "pgparity.toml").write_text(config)
    res = run_checks_cli("--sqlite", demo_db, "--pg", target.url, "--pg-schema", target.schema, "--reports", out,
                         "-q", *extra, cwd=tmp_path)
    summary = json.loads((out / "summary.json").read_text())
    return res, summary, (out / "index.html").read_text(), out


def _no_external_urls(html: str) -> None:
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html, re.I)
    assert all(r.startswith("#") for r in refs), refs
    assert "http://" not in html and "https://" not in html
    assert "@import" not in html and "url(" not in html


def test_passing_run_report(demo_db, migrated, tmp_path):
    res, summary, html, out = _run(demo_db, migrated, tmp_path)
    assert res.returncode == 0
    jsonschema.validate(summary, SCHEMA)
    assert summary["verdict"] == "GO" and summary["counts"]["failed"] == 0
    assert summary["tables"]["shipped_items"]["content"]["status"] == "passed"
    assert "✓ GO" in html and "No failures." in html
    assert migrated.url.split("@")[0] not in html or ":" not in migrated.url.split("//")[1].split("@")[0]
    _no_external_urls(html)
    junit = (out / "junit.xml").read_text()
    assert 'failures="0"' in junit and "test_content[shipped_items]" in junit
    assert summary["source"]["sha256"] and len(summary["source"]["sha256"]) == 64
    assert summary["rules"]["orders_inbox"]["received_at"]["rule"] == "ts"


def test_failing_run_report(demo_db, migrated, tmp_path):
    migrated.sql(f"UPDATE {migrated.q('shipped_items')} SET sku = 'SKU-BROKEN' WHERE id = 7")
    migrated.sql(f"UPDATE {migrated.q('users')} SET password_hash = 'plaintext-leak' WHERE id = 2")
    res, summary, html, out = _run(demo_db, migrated, tmp_path)
    assert res.returncode == 1
    jsonschema.validate(summary, SCHEMA)
    assert summary["verdict"] == "NO-GO"
    cell = summary["tables"]["shipped_items"]["content"]
    assert cell["status"] == "failed" and cell["findings"] == 1
    assert "✗ NO-GO" in html
    assert re.search(r'class="c-failed"[^>]*><a href="#f-content-shipped-items">✗ 1 FAIL</a>', html)
    assert "<td>changed</td><td class='val'>id = 7</td><td>sku</td>" in html and "SKU-BROKEN" in html
    assert "plaintext-leak" not in html and "plaintext-leak" not in json.dumps(summary)
    assert "***redacted***" in html
    _no_external_urls(html)
    assert f'failures="{summary["counts"]["failed"]}"' in (out / "junit.xml").read_text()


WAIVER = """[pgparity]
[[pgparity.waivers]]
table = "shipped_items"
check = "{check}"
reason = "known: TICKET-7"
expires = {expires}
"""


def test_live_waiver_passes_and_is_counted(demo_db, migrated, tmp_path):
    migrated.sql(f"UPDATE {migrated.q('shipped_items')} SET sku = 'SKU-BROKEN' WHERE id = 7")
    res, summary, html, _ = _run(demo_db, migrated, tmp_path, "-m", "content",
                                 config=WAIVER.format(check="content", expires="2999-12-31"))
    assert res.returncode == 0, res.stdout[-2000:]
    assert summary["verdict"] == "GO" and summary["counts"]["waived"] == 1
    assert summary["tables"]["shipped_items"]["content"]["status"] == "waived"
    assert "≈ waived" in html and "known: TICKET-7" in html


def test_expired_waiver_fails(demo_db, migrated, tmp_path):
    migrated.sql(f"UPDATE {migrated.q('shipped_items')} SET sku = 'SKU-BROKEN' WHERE id = 7")
    res, summary, html, _ = _run(demo_db, migrated, tmp_path, "-m", "content",
                                 config=WAIVER.format(check="content", expires="2020-01-01"))
    assert res.returncode == 1
    assert summary["verdict"] == "NO-GO" and summary["counts"]["waived"] == 0
    assert "has EXPIRED" in res.stdout and "Expired waiver" in html


def test_waiver_narrowed_to_another_column_does_not_cover(demo_db, migrated, tmp_path):
    migrated.sql(f"UPDATE {migrated.q('shipped_items')} SET sku = 'SKU-BROKEN' WHERE id = 7")
    config = WAIVER.format(check="content", expires="2999-12-31") + 'column = "note"\n'
    res, summary, _, _ = _run(demo_db, migrated, tmp_path, "-m", "content", config=config)
    assert res.returncode == 1 and summary["counts"]["waived"] == 0


def test_report_in_a_real_browser(demo_db, migrated, tmp_path):
    import shutil
    import subprocess

    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("Debian's chromium is not installed")
    migrated.sql(f"UPDATE {migrated.q('shipped_items')} SET sku = 'SKU-BROKEN' WHERE id = 7")
    _, _, _, out = _run(demo_db, migrated, tmp_path)
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600",
                    f"--screenshot={shot}", (out / "index.html").as_uri()], capture_output=True, timeout=120,
                   check=False)
    assert shot.exists() and shot.stat().st_size > 20_000




def test_malformed_waiver_is_a_usage_error(demo_db, migrated, tmp_path):
    (tmp_path / "pgparity.toml").write_text('[pgparity]\n[[pgparity.waivers]]\ntable = "users"\ncheck = "content"\n')
    res = run_checks_cli("--sqlite", demo_db, "--pg", migrated.url, "--pg-schema", migrated.schema, cwd=tmp_path)
    assert res.returncode == 4 and "waiver #1: missing reason, expires" in res.stderr
