"""The demo's SQLite trigger ported by hand to PL/pgSQL: what a user does before cutover.

migrate.py does not translate triggers (it says so: "not migrated: trigger inventory_touch"), and the
objects check fails until the trigger exists in PostgreSQL. A clean demo copy is migrate.py's copy
plus this port.
"""

from __future__ import annotations


def port_demo_trigger(t) -> None:
    """inventory_touch: AFTER UPDATE ON inventory_current, stamps updated_at (SQLite does not re-fire a trigger
    from its own statement: pg_trigger_depth() = 1 does the same)."""
    t.sql(f"""CREATE FUNCTION "{t.schema}".inventory_touch() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                IF pg_trigger_depth() = 1 THEN
                  UPDATE {t.q('inventory_current')} SET updated_at = now() WHERE sku = NEW.sku;
                END IF;
                RETURN NULL;
              END $$""")
    t.sql(f"CREATE TRIGGER inventory_touch AFTER UPDATE ON {t.q('inventory_current')} FOR EACH ROW "
          f'EXECUTE FUNCTION "{t.schema}".inventory_touch()')
