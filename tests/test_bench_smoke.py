"""The verify benchmark still runs end to end (tiny size, seconds), so the committed harness cannot rot.

It runs `bench/bench_verify.py --quick` as the lead does, in its own work folder and databases: a 2 000-row
table and the 13-table demo are built, migrated by migrate.py, read by the floor and checked by the full
`pytest checks/`, and the copy with 5 differing rows must have all 5 keys and columns named. It cannot see
whether the figures are fast: the timings of a smoke run on a shared machine mean nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_bench_verify_quick_measures_the_full_suite_and_names_the_five_differences(tmp_path, pg_admin_url):
    res = subprocess.run([sys.executable, "bench/bench_verify.py", "--quick", "--work", str(tmp_path / "work"),
                          "--out", str(tmp_path / "verify.md"), "--pg", pg_admin_url,
                          "--db-prefix", f"pgparity_smoke_{os.getpid()}", "--drop"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    result = json.loads((tmp_path / "verify.json").read_text())
    assert result["floors"]["one"]["rows"] == {"sqlite": 2000, "pg": 2000}
    assert result["floors"]["demo"]["read_s"] > 0
    cases = result["suites"]
    assert {cases[c]["verdict"] for c in ("one clean", "demo clean")} == {"GO"}
    diff = cases["one diff"]
    assert diff["verdict"] == "NO-GO" and diff["all_named"], diff["named"]
    assert "content[shipped_items]" in diff["failed"]
    assert cases["one clean"]["x_process_floor"] > 0 and cases["one clean"]["rss_mib"] > 0
    assert "x floor (process)" in (tmp_path / "verify.md").read_text()
