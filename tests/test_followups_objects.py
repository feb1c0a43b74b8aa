"""Follow-ups on objects and migrate's copy: a view compared by content, CHECKs carried with their meaning,
json_valid text columns and TIME columns typed by their values, and a role without CREATE on the database.
"""

from __future__ import annotations

from pgparity.verify.objects import check_objects
from pgparity.verify.pairing import Comparison
from pgparity.verify.rules import Settings
from tests.demo_port import port_demo_trigger
from tests.helpers import migrate


def _objects(path, t) -> dict[str, object]:
    cmp = Comparison(str(path), t.url, Settings(schema=t.schema))
    try:
        return {tp.name: check_objects(cmp, tp) for tp in cmp.tables}
    finally:
        cmp.close()


def _found(outcomes) -> set[tuple]:
    return {(table, f.column, f.kind, f.key) for table, o in outcomes.items() for f in o.findings}


_VIEW_COLS = "id, external_ref, {name} AS customer_name, payload, status, priority, received_at"


def test_view_value_changed_fails_naming_the_view(demo_db, target):
    migrate(demo_db, target)
    port_demo_trigger(target)
    cols = _VIEW_COLS.format(name="upper(customer_name)")
    target.sql(f"CREATE OR REPLACE VIEW {target.q('open_orders')} AS SELECT {cols} FROM {target.q('orders_inbox')} "
               "WHERE status <> 'shipped'")
    outcome = _objects(demo_db, target)["orders_inbox"]
    assert {(f.column, f.kind, f.key) for f in outcome.findings} == {(None, "view-values", "view=open_orders")}
    text = outcome.findings[0].text
    assert "view open_orders" in text and "e.g. SQLite: {" in text and "PostgreSQL: {" in text


def test_equal_view_written_differently_passes(demo_db, target):
    migrate(demo_db, target)
    port_demo_trigger(target)
    cols = _VIEW_COLS.format(name="(CASE WHEN customer_name IS NULL THEN NULL ELSE '' || customer_name END)")
    target.sql(f"CREATE OR REPLACE VIEW {target.q('open_orders')} AS SELECT {cols} FROM {target.q('orders_inbox')} "
               "WHERE NOT (status = 'shipped') AND status IS NOT NULL ORDER BY id DESC")
    assert _found(_objects(demo_db, target)) == set()
