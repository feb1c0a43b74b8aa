"""What the two entry points load: neither migrate.py nor `pytest checks/` imports pandas, 0.2-0.3 s of every
run that pyarrow would spend only to recognise pandas objects pgparity never hands it
(pgparity/arrow_no_pandas.py). Both run for real, through their command lines, under `python -X importtime`
(pytest with -s: its capture would swallow the lines printed while plugins load).

Cannot see: other costly imports (bench/ measures whole runs against the read floor).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.demo_port import port_demo_trigger

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| (\s*)(\S+)$")


def imported(stderr: str) -> set[str]:
    """Modules whose import finished: -X importtime prints a line for each; a refused import (pandas asked
    for while it is hidden) prints one too, but never one for a submodule of it."""
    return {m.group(2) for m in map(LINE.match, stderr.splitlines()) if m}


def test_migrate_does_not_import_pandas(demo_db, target, tmp_path):
    res = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "migrate.py"), str(demo_db),
                          "--pg", target.url, "--pg-schema", target.schema, "-q", "--reports", str(tmp_path)],
                         capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    mods = imported(res.stderr)
    assert "pyarrow" in mods and "pgparity.migration" in mods  # the measure sees what it should
    assert not {m for m in mods if m.startswith("pandas.")}, "migrate.py imported pandas"


def test_checks_do_not_import_pandas(demo_db, demo_copy, tmp_path):
    port_demo_trigger(demo_copy)  # migrate.py does not translate triggers; a user ports it before cutover
    (tmp_path / "pgparity.toml").write_text("")  # hermetic: reports land in tmp_path
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPARITY_SQLITE")}
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "pytest", str(ROOT / "checks"), "-p",
                          "no:cacheprovider", "-s", "--pgparity-config", str(tmp_path / "pgparity.toml"),
                          "--sqlite", str(demo_db), "--pg", demo_copy.url, "--pg-schema", demo_copy.schema, "-q"],
                         capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path, env=env)
    assert "pgparity: GO" in res.stdout, res.stdout[-3000:]
    mods = imported(res.stderr)
    assert "pyarrow" in mods and "pgparity.verify.content" in mods
    assert not {m for m in mods if m.startswith("pandas.")}, "pytest checks/ imported pandas"
