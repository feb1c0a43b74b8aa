"""`pgparity scan`: every SQLite-only construct of the fixture app at its file:line, with its PostgreSQL form.

The fixture app marks each line that uses a construct with `expect: <construct>`; the scan must report
each of them there (booleans only with the migrated schema, which says which columns became boolean),
and nothing where the migrated schema shows the SQL means the same.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot

from pgparity.scan import scan_paths
from pgparity.scan.constructs import MECHANICAL, PERSON
from pgparity.scan.statement import parse_statements
from pgparity.scan.translate import translate
from tests.helpers import migrate

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "fixtures" / "app"
NEEDS_SCHEMA = {"boolean_compare", "boolean_assign", "text_op_on_typed"}
KIND = {"placeholder": MECHANICAL, "ifnull": MECHANICAL, "group_concat": MECHANICAL, "insert_or_replace": MECHANICAL,
        "datetime_now": MECHANICAL, "date_function": MECHANICAL, "limit_minus_one": MECHANICAL,
        "double_quoted_string": MECHANICAL, "last_insert_rowid": MECHANICAL, "pragma": MECHANICAL,
        "autoincrement": MECHANICAL, "like_case": PERSON, "boolean_compare": PERSON, "boolean_assign": PERSON,
        "collation": PERSON, "integer_division": PERSON, "concat": PERSON, "current_timestamp_zone": PERSON,
        "rowid": PERSON, "sqlite_catalog": PERSON, "bare_group_column": PERSON, "scalar_max_min": PERSON,
        "text_op_on_typed": PERSON,
        "built-at-run-time": "runtime"}


def expected() -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted(APP.glob("*.py")):
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if m := re.search(r"expect: ([\w\- ]+)$", line):
                out |= {(f"tests/fixtures/app/{path.name}", no, c) for c in m.group(1).split()}
    return out


def scan_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pgparity.scan", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)


def test_every_construct_at_its_line_without_a_schema():
    result = scan_paths([APP], root=ROOT)
    got = {(i.path, i.line, i.construct) for i in result.items}
    want = {e for e in expected() if e[2] not in NEEDS_SCHEMA}
    assert len(want) >= 30
    assert want - got == set()
    for item in result.items:
        assert item.advice and (item.postgres or item.rewrite == "runtime"), item
        assert KIND.get(item.construct, item.rewrite) == item.rewrite, item


@pytest.fixture
def migrated(demo_db, target):
    migrate(demo_db, target)
    return target


def test_with_the_migrated_schema_every_construct_and_booleans(migrated):
    res = scan_cli(str(APP), "--pg", migrated.url, "--pg-schema", migrated.schema, "--format", "json")
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    assert data["schema_known"] is True and data["files"] == 3
    got = {(i["path"], i["line"], i["construct"]) for i in data["items"]}
    label_line = next(no for no, ln in enumerate((APP / "api.py").read_text().splitlines(), 1)
                      if "sku || ' ' || note" in ln)
    # text || text means the same in both (NULL when a part is NULL): reported only when the types are unknown
    assert expected() - got == {("tests/fixtures/app/api.py", label_line, "concat")}
    by_kind = {i["construct"]: i for i in data["items"]}
    assert by_kind["boolean_compare"]["rewrite"] == PERSON
    assert by_kind["insert_or_replace"]["postgres"].startswith("INSERT ... ON CONFLICT (name) DO UPDATE")


def test_text_output_names_file_line_and_advice():
    res = scan_cli(str(APP / "scheduler.py"))
    assert res.returncode == 1
    line = next(no for no, ln in enumerate((APP / "scheduler.py").read_text().splitlines(), 1)
                if "INSERT OR REPLACE" in ln)
    assert f"tests/fixtures/app/scheduler.py:{line}: insert_or_replace [mechanical]" in res.stdout
    assert "columns not listed go back to their defaults" in res.stdout
    assert res.stdout.strip().splitlines()[-1].startswith("pgparity scan: 1 file(s)")


NO_ALARM = '''
def reads(conn):
    conn.execute('SELECT "group", COUNT(*) FROM users GROUP BY "group"')
    conn.execute("SELECT id FROM shipped_items ORDER BY id")
    conn.execute("SELECT sku || ' ' || note FROM shipped_items")
    conn.execute("SELECT on_hand / 7, unit_price / 2 FROM inventory_current, shipped_items")
    conn.execute("SELECT count(*) FROM shipped_items WHERE is_gift")
    conn.execute("SELECT COALESCE(note, '') FROM shipped_items WHERE id = 3")
'''


def test_no_false_alarm_where_the_schema_shows_the_same_meaning(migrated, tmp_path):
    (tmp_path / "reads.py").write_text(NO_ALARM)
    res = scan_cli(str(tmp_path), "--pg", migrated.url, "--pg-schema", migrated.schema, "--format", "json")
    assert res.returncode == 0, res.stdout
    assert json.loads(res.stdout)["statements"] == 6


def test_exit_codes(tmp_path):
    clean = tmp_path / "clean.py"
    clean.write_text("def f(conn):\n    return conn.execute('SELECT 1').fetchall()\n")
    res = scan_cli(str(clean))
    assert res.returncode == 0 and "0 mechanical, 0 need a person" in res.stdout
    res = scan_cli(str(tmp_path / "nowhere"))
    assert res.returncode == 2 and "no such file or directory" in res.stderr
    res = scan_cli(str(clean), "--pg", "postgresql://nobody@127.0.0.1:1/none")
    assert res.returncode == 4 and "cannot connect to PostgreSQL" in res.stderr and "Traceback" not in res.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    res = scan_cli(str(broken), "--format", "json")
    assert res.returncode == 1 and json.loads(res.stdout)["items"][0]["construct"] == "python-syntax-error"


def test_sql_built_at_run_time_and_unreadable_sql(tmp_path):
    (tmp_path / "dyn.py").write_text(
        "Q = 'SELECT * FROM t WHERE a = ' + str(1)\n"
        "def f(conn, t, q):\n"
        "    conn.execute(Q)\n"
        "    conn.execute(q)\n"
        "    conn.execute('SELECT ' 'id FROM users')\n"
        "    conn.execute('SELEC id FROM users')\n")
    items = {(i.line, i.construct) for i in scan_paths([tmp_path]).items}
    assert items == {(3, "built-at-run-time"), (4, "not-a-literal"), (6, "parse-error")}


def test_names_are_read_in_their_own_function(tmp_path):
    """The usual `sql = "..."; conn.execute(sql)` in several functions: each call reads its own function's
    last assignment; a string built up with += is built at run time."""
    (tmp_path / "app.py").write_text(
        "def f(conn):\n"
        "    sql = \"SELECT id FROM users WHERE username LIKE ?\"\n"
        "    conn.execute(sql, ('a%',))\n"
        "def g(conn, extra):\n"
        "    sql = \"UPDATE users SET email = IFNULL(email, '') WHERE id = 1\"\n"
        "    conn.execute(sql)\n"
        "    sql = \"SELECT * FROM users WHERE 1 = 1\"\n"
        "    if extra:\n"
        "        sql += \" AND is_admin = 1\"\n"
        "    conn.execute(sql)\n"
        "QUERY = \"SELECT GROUP_CONCAT(username) FROM users\"\n"
        "def h(conn):\n"
        "    return conn.execute(QUERY)\n")
    items = {(i.line, i.construct) for i in scan_paths([tmp_path]).items}
    assert items == {(2, "placeholder"), (2, "like_case"), (5, "ifnull"), (10, "built-at-run-time"),
                     (11, "group_concat")}


# What sqlglot's SQLite -> PostgreSQL transpilation leaves as SQLite (each invalid or different in
# PostgreSQL), and that pgparity.scan.translate rewrites.
SQLGLOT_LEAVES = [
    ("INSERT OR REPLACE INTO workflow_controls (name, enabled) VALUES ('a', true)", "OR REPLACE", "ON CONFLICT"),
    ("INSERT OR IGNORE INTO workflow_controls (name, enabled) VALUES ('a', true)", "OR IGNORE", "DO NOTHING"),
    ("SELECT datetime('now')", "DATETIME(", "NOW() AT TIME ZONE 'UTC'"),
    ("SELECT date('now', '-7 days')", "DATE('now'", "INTERVAL '-7 day'"),
    ("SELECT id FROM users LIMIT -1 OFFSET 2", "LIMIT -1", "OFFSET 2"),
    ('SELECT id FROM users WHERE username = "user1"', '"user1"', "'user1'"),
    ("SELECT last_insert_rowid()", "LAST_INSERT_ROWID", "LASTVAL()"),
    ("SELECT strftime('%H:%M:%f', created_at) FROM users", "US", "SS.MS"),
    ("SELECT group_concat(id) FROM users", "STRING_AGG(id", "STRING_AGG(CAST(id AS TEXT)"),
]


@pytest.mark.parametrize("sql,left,ours", SQLGLOT_LEAVES)
def test_where_sqlglot_falls_short_and_the_translation_does_not(sql, left, ours):
    from pgparity.scan.statement import SchemaInfo

    plain = sqlglot.transpile(sql, read="sqlite", write="postgres")[0]
    assert left in plain
    schema = SchemaInfo(types={"workflow_controls": {"name": "text", "enabled": "boolean"}},
                        keys={"workflow_controls": ("name",)}, columns={"workflow_controls": ["name", "enabled"]})
    st = parse_statements(sql, schema)[0]
    out = translate(st, {"id", "username", "created_at", "name", "enabled"}).sql
    assert ours in out and left not in out.replace("INSERT INTO", "")
