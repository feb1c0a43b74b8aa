"""Foreign keys and sequences behave like SQLite's on the application's next write, not only look present.

Each test migrates a database correctly (the demo, or a corpus file), damages the PostgreSQL copy one
way, and asserts the check fails naming table, column and kind; the clean copies pass.
"""

import json
import uuid

import pytest

from pgparity.verify.foreign_keys import check_foreign_keys
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
from pgparity.verify.sequences import check_sequences
from tests.conftest import corpus
from tests.helpers import migrate
from tests.test_check_suite_cli import run_checks_cli


@pytest.fixture
def copy(demo_db, target):
    migrate(demo_db, target)
    return target


def _check(path, copy, fn, table):
    cmp = Comparison(str(path), copy.url, Settings(schema=copy.schema))
    try:
        return fn(cmp, cmp.table(table))
    finally:
        cmp.close()


def _kinds(outcome) -> set[tuple[str | None, str]]:
    return {(f.column, f.kind) for f in outcome.findings}


def _fk(copy, table: str) -> str:
    return copy.sql("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
                    (copy.q(table),))[0][0]


def _refk(copy, table: str, clause: str) -> None:
    name = _fk(copy, table)
    copy.sql(f"ALTER TABLE {copy.q(table)} DROP CONSTRAINT {name}")
    copy.sql(f"ALTER TABLE {copy.q(table)} ADD CONSTRAINT {name} FOREIGN KEY (order_id) {clause}")


def test_clean_demo_copy_passes(copy, demo_db):
    for table in ("shipped_items", "shipped_orders", "inventory_transactions", "bundle_components"):
        assert _check(demo_db, copy, check_foreign_keys, table).ok
    for table in ("users", "shipped_items", "inventory_transactions"):
        assert _check(demo_db, copy, check_sequences, table).ok


@pytest.mark.parametrize("clause,kind", [
    ("REFERENCES {parent} (id)", "fk-action"),  # ON DELETE CASCADE became NO ACTION
    ("REFERENCES {parent} (id) ON DELETE SET NULL", "fk-action"),
    ("REFERENCES {parent} (id) ON DELETE CASCADE NOT VALID", "fk-not-valid"),
    ("REFERENCES {parent} (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED", "fk-deferrable"),
], ids=["cascade-to-no-action", "cascade-to-set-null", "not-valid", "deferred"])
def test_fk_behaviour_changed(copy, demo_db, clause, kind):
    _refk(copy, "shipped_items", clause.format(parent=copy.q("shipped_orders")))
    out = _check(demo_db, copy, check_foreign_keys, "shipped_items")
    assert _kinds(out) == {("order_id", kind)}, out.message()
    assert "shipped_items(order_id) -> shipped_orders(id)" in out.message()


def test_restrict_for_no_action_is_the_same_when_not_deferred(copy, demo_db):
    name = _fk(copy, "sku_lot")
    copy.sql(f"ALTER TABLE {copy.q('sku_lot')} DROP CONSTRAINT {name}")
    copy.sql(f"ALTER TABLE {copy.q('sku_lot')} ADD CONSTRAINT {name} FOREIGN KEY (sku) "
             f"REFERENCES {copy.q('inventory_current')} (sku) ON DELETE RESTRICT")
    assert _check(demo_db, copy, check_foreign_keys, "sku_lot").ok


def test_fk_pointing_at_a_copy_of_the_parent_in_another_schema(copy, demo_db):
    other = copy.schema + "_other"
    try:
        copy.sql(f'CREATE SCHEMA "{other}"')
        copy.sql(f'CREATE TABLE "{other}".shipped_orders AS SELECT * FROM {copy.q("shipped_orders")}')
        copy.sql(f'ALTER TABLE "{other}".shipped_orders ADD PRIMARY KEY (id)')
        _refk(copy, "shipped_items", f'REFERENCES "{other}".shipped_orders (id) ON DELETE CASCADE')
        out = _check(demo_db, copy, check_foreign_keys, "shipped_items")
        assert _kinds(out) == {("order_id", "fk-target")}, out.message()
        assert f'references "{other}"."shipped_orders", not the migrated' in out.message()
    finally:
        copy.sql(f'DROP SCHEMA IF EXISTS "{other}" CASCADE')


@pytest.mark.parametrize("table", ["shipped_items", "shipped_orders"], ids=["child", "parent"])
def test_fk_triggers_disabled(copy, demo_db, table):
    copy.sql(f"ALTER TABLE {copy.q(table)} DISABLE TRIGGER ALL")
    out = _check(demo_db, copy, check_foreign_keys, "shipped_items")
    assert ("order_id", "fk-disabled") in _kinds(out), out.message()
    assert "is not enforced: its trigger(s) RI_ConstraintTrigger" in out.message()


def _database(copy) -> str:
    return copy.sql("SELECT current_database()")[0][0]


def test_replica_role_on_the_database_silences_every_fk(copy, demo_db):
    db = _database(copy)
    copy.sql(f'ALTER DATABASE "{db}" SET session_replication_role = replica')
    try:
        out = _check(demo_db, copy, check_foreign_keys, "shipped_items")
    finally:
        copy.sql(f'ALTER DATABASE "{db}" RESET session_replication_role')
    assert _kinds(out) == {("order_id", "fk-disabled")}, out.message()
    assert f"sessions of database {db} (session_replication_role = replica)" in out.message()
    assert _check(demo_db, copy, check_foreign_keys, "shipped_items").ok


def test_replica_role_on_an_application_role(copy, demo_db):
    db, role = _database(copy), "app_" + uuid.uuid4().hex[:8]
    copy.sql(f'CREATE ROLE "{role}" LOGIN')
    try:
        copy.sql(f'GRANT USAGE ON SCHEMA "{copy.schema}" TO "{role}"')
        copy.sql(f'ALTER ROLE "{role}" IN DATABASE "{db}" SET session_replication_role = replica')
        out = _check(demo_db, copy, check_foreign_keys, "shipped_items")
        assert f"role {role} in database {db}" in out.message() and not out.ok
        copy.sql(f'REVOKE USAGE ON SCHEMA "{copy.schema}" FROM "{role}"')  # no longer a role the app can be
        assert _check(demo_db, copy, check_foreign_keys, "shipped_items").ok
    finally:
        copy.sql(f'DROP ROLE IF EXISTS "{role}"')


def _seq(copy, table: str) -> str:
    return copy.sql("SELECT pg_get_serial_sequence(%s, 'id')", (copy.q(table),))[0][0]


@pytest.mark.parametrize("damage,kind", [
    ("ALTER SEQUENCE {seq} INCREMENT BY -1", "sequence-increment sequence-next"),  # 40 -> 39: used
    ("ALTER SEQUENCE {seq} MAXVALUE 40", "sequence-max"),
    ("ALTER SEQUENCE {seq} CYCLE", "sequence-cycle"),
    ("ALTER TABLE {table} ALTER COLUMN id SET GENERATED ALWAYS", "identity-always"),
    ("ALTER TABLE {table} ALTER COLUMN id DROP IDENTITY", "identity-dropped"),
], ids=["increment-negative", "maxvalue-reached", "cycle", "always", "identity-dropped"])
def test_sequence_damaged(copy, demo_db, damage, kind):
    assert copy.sql(f"SELECT max(id) FROM {copy.q('users')}")[0][0] <= 40
    copy.sql(damage.format(seq=_seq(copy, "users"), table=copy.q("users")))
    out = _check(demo_db, copy, check_sequences, "users")
    assert _kinds(out) == {("id", k) for k in kind.split()}, out.message()
    assert "users.id" in out.message()


def test_serial_default_replaced_by_a_constant(copy, demo_db):
    q = copy.q("users")
    copy.sql(f"ALTER TABLE {q} ALTER COLUMN id DROP IDENTITY")
    copy.sql(f'CREATE SEQUENCE "{copy.schema}".users_serial OWNED BY {q}.id')
    copy.sql(f"""ALTER TABLE {q} ALTER COLUMN id SET DEFAULT nextval('"{copy.schema}".users_serial')""")
    copy.sql(f"""SELECT setval('"{copy.schema}".users_serial', 40)""")
    assert _check(demo_db, copy, check_sequences, "users").ok  # serial instead of identity: same behaviour
    copy.sql(f"ALTER TABLE {q} ALTER COLUMN id SET DEFAULT 7")
    out = _check(demo_db, copy, check_sequences, "users")
    assert _kinds(out) == {("id", "sequence-default")}, out.message()
    assert "its DEFAULT is 7, not nextval()" in out.message()


def test_corpus_sakila_fk_and_sequence(target):
    path = corpus("sakila", "sakila.db")
    migrate(path, target)
    assert _check(path, target, check_foreign_keys, "payment").ok
    assert _check(path, target, check_sequences, "payment").ok
    name = target.sql("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass "
                      "AND conkey = (SELECT array_agg(attnum) FROM pg_attribute WHERE attrelid = %s::regclass "
                      "AND attname = 'rental_id')", (target.q("payment"), target.q("payment")))[0][0]
    target.sql(f"ALTER TABLE {target.q('payment')} DROP CONSTRAINT {name}")
    target.sql(f"ALTER TABLE {target.q('payment')} ADD CONSTRAINT {name} FOREIGN KEY (rental_id) "
               f"REFERENCES {target.q('rental')} (rental_id) ON DELETE CASCADE")
    seq = target.sql("SELECT pg_get_serial_sequence(%s, 'payment_id')", (target.q("payment"),))[0][0]
    target.sql(f"ALTER SEQUENCE {seq} CYCLE")
    assert ("rental_id", "fk-action") in _kinds(_check(path, target, check_foreign_keys, "payment"))
    assert _kinds(_check(path, target, check_sequences, "payment")) == {("payment_id", "sequence-cycle")}


def _cli(path, copy, tmp_path, marker):
    out = tmp_path / "rep"
    res = run_checks_cli("--sqlite", path, "--pg", copy.url, "--pg-schema", copy.schema, "--reports", out,
                         "-m", marker, "-q")
    return res, json.loads((out / "summary.json").read_text())


def test_cli_go_then_no_go_on_fk_action_and_sequence_cycle(copy, demo_db, tmp_path):
    res, summary = _cli(demo_db, copy, tmp_path, "fk or sequences")
    assert res.returncode == 0 and summary["verdict"] == "GO", res.stdout[-2000:]
    _refk(copy, "shipped_items", f"REFERENCES {copy.q('shipped_orders')} (id)")
    copy.sql(f"ALTER SEQUENCE {_seq(copy, 'users')} CYCLE")
    res, summary = _cli(demo_db, copy, tmp_path, "fk or sequences")
    assert res.returncode == 1 and summary["verdict"] == "NO-GO"
    found = {(f["check"], f["table"], x["column"], x["kind"]) for f in summary["failures"] for x in f["findings"]}
    assert found == {("foreign_keys", "shipped_items", "order_id", "fk-action"),
                     ("sequences", "users", "id", "sequence-cycle")}
