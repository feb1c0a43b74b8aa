"""A session key is a bearer credential: a differing session row is named by a hash of its key, and neither the key
nor the session data appears in the terminal, summary.json, index.html or junit.xml (hostile review, ORM F9)."""

import hashlib
import json

from tests.build import sqlite_file
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli

KEY_A, KEY_B = "k3y-of-alice-0123456789abcdef", "k3y-of-bob-fedcba9876543210"
DATA_A, DATA_B = "eyJ1c2VyIjoiYWxpY2UifQ", "eyJ1c2VyIjoiYm9iIn0"


def test_session_rows_named_by_a_hash_of_their_key(tmp_path, target):
    db = sqlite_file(tmp_path, "CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, "
                     "session_data text NOT NULL, expire_date datetime NOT NULL)",
                     {"django_session": [(KEY_A, DATA_A, "2026-12-01 10:00:00"),
                                         (KEY_B, DATA_B, "2026-12-02 10:00:00")]})
    migrate(db, target)
    target.sql(f"UPDATE {target.q('django_session')} SET session_data = 'tampered-data' WHERE session_key = '{KEY_A}'")
    target.sql(f"DELETE FROM {target.q('django_session')} WHERE session_key = '{KEY_B}'")
    out = tmp_path / "rep"
    res = run_checks_cli("--sqlite", db, "--pg", target.url, "--pg-schema", target.schema, "--reports", out, "-q",
                         cwd=tmp_path)
    assert res.returncode == 1
    summary = json.loads((out / "summary.json").read_text())
    shown = res.stdout + res.stderr + json.dumps(summary) + (out / "index.html").read_text() \
        + (out / "junit.xml").read_text()
    for secret in (KEY_A, KEY_B, DATA_A, DATA_B, "tampered-data"):
        assert secret not in shown, secret
    content = [f for f in summary["failures"] if f["check"] == "content"][0]
    keys = {f.get("key") for f in content["findings"]}
    assert f"session_key=sha256:{hashlib.sha256(KEY_A.encode()).hexdigest()[:8]}" in keys
    assert f"session_key=sha256:{hashlib.sha256(KEY_B.encode()).hexdigest()[:8]}" in keys
