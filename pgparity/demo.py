"""A demo fulfilment database: the schema of a small Flask/Django-style app, with realistic values.

    python -m pgparity.demo demo.db --rows 100000 [--dirty] [--seed 7]

`--rows` is the number of shipped_items; the other tables scale from it. `--dirty` adds the
defects real files carry (FK orphans, NUL characters, invalid UTF-8, text in an INTEGER column,
2 in a BOOLEAN, an unparseable date, an over-long VARCHAR value).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username VARCHAR(50) NOT NULL UNIQUE,
    email TEXT,
    password_hash TEXT NOT NULL,
    api_token TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    "group" TEXT,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE orders_inbox (
    id INTEGER PRIMARY KEY,
    external_ref VARCHAR(40) UNIQUE,
    customer_name TEXT NOT NULL,
    payload JSON,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'picking', 'shipped', 'cancelled')),
    priority INTEGER DEFAULT 0,
    received_at DATETIME NOT NULL
);
CREATE TABLE shipped_orders (
    id INTEGER PRIMARY KEY,
    inbox_id INTEGER NOT NULL REFERENCES orders_inbox(id) ON DELETE CASCADE,
    carrier TEXT,
    tracking_no TEXT,
    weight_kg REAL,
    is_express BOOLEAN DEFAULT 0,
    label BLOB,
    shipped_at DATETIME
);
CREATE TABLE shipped_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES shipped_orders(id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    unit_price REAL,
    is_gift BOOLEAN NOT NULL DEFAULT 0,
    shipped_at DATETIME,
    note TEXT
);
CREATE INDEX shipped_items_order_idx ON shipped_items(order_id);
CREATE TABLE inventory_current (
    sku VARCHAR(32) PRIMARY KEY,
    on_hand INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER,
    unit_cost NUMERIC(10,2),
    updated_at DATETIME
) WITHOUT ROWID;
CREATE TABLE inventory_transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku VARCHAR(32) NOT NULL REFERENCES inventory_current(sku) ON UPDATE CASCADE,
    qty_delta INTEGER NOT NULL,
    reason TEXT,
    created_at DATETIME NOT NULL
);
CREATE INDEX inventory_transactions_sku_created ON inventory_transactions(sku, created_at);
CREATE TABLE bundle_skus (
    bundle_sku VARCHAR(32) PRIMARY KEY,
    title TEXT NOT NULL
);
CREATE TABLE bundle_components (
    bundle_sku VARCHAR(32) NOT NULL REFERENCES bundle_skus(bundle_sku) ON DELETE CASCADE,
    component_sku VARCHAR(32) NOT NULL REFERENCES inventory_current(sku),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (bundle_sku, component_sku)
);
CREATE TABLE sku_lot (
    id INTEGER PRIMARY KEY,
    sku VARCHAR(32) NOT NULL REFERENCES inventory_current(sku),
    lot_no TEXT NOT NULL,
    expires_on DATE,
    UNIQUE (sku, lot_no)
);
CREATE TABLE workflow_controls (
    name TEXT PRIMARY KEY,
    enabled BOOLEAN NOT NULL,
    "Owner Name" TEXT,
    updated_at DATETIME
);
CREATE TABLE configuration_params (
    "key" TEXT PRIMARY KEY,
    value TEXT,
    "user" TEXT
);
CREATE TABLE system_kpis (
    day DATE NOT NULL,
    metric TEXT NOT NULL,
    value REAL
);
CREATE TABLE shipping_violations (
    id INTEGER PRIMARY KEY,
    shipped_order_id INTEGER REFERENCES shipped_orders(id),
    kind TEXT NOT NULL,
    detected_at DATETIME,
    details TEXT
);
CREATE VIEW open_orders AS SELECT * FROM orders_inbox WHERE status <> 'shipped';
CREATE TRIGGER inventory_touch AFTER UPDATE ON inventory_current
BEGIN UPDATE inventory_current SET updated_at = CURRENT_TIMESTAMP WHERE sku = NEW.sku; END;
"""

NAMES = ["Zoë Müller", "李小龙", "José Álvarez", "Ærøskøbing Ltd", "O'Brien & Sons", "Анна Каренина",
         "山田 太郎", "Bjørn Ødegård", "Frank \"Frankie\" Doe", "Chloé 🎁 Gift Shop", "Nguyễn Văn A", "Plain Name"]
NOTES = ["fragile ⚠️", "leave at door", "gift wrap 🎀", "façade entrance", "call ☎ first", "  spaces kept  ",
         "tab\there", "line\nbreak", "配達前に電話", "", "back-order", "Ünïcödé"]
CARRIERS = ["DHL", "UPS", "FedEx", "PostNL", "La Poste", None]
STATUSES = ["new", "picking", "shipped", "cancelled"]


def _stamps(rng: np.random.Generator, n: int, fraction: bool = True) -> list[str]:
    base = datetime(2024, 1, 1)
    secs = rng.integers(0, 365 * 86400, n)
    micros = rng.integers(0, 1_000_000, n) if fraction else np.zeros(n, dtype=int)
    fmt = "%Y-%m-%d %H:%M:%S"
    out = [(base + timedelta(seconds=int(s))).strftime(fmt) for s in secs]
    if fraction:
        out = [f"{s}.{int(m):06d}" if m % 3 else s for s, m in zip(out, micros)]
    return out


def build(path: str | Path, rows: int = 10_000, dirty: bool = False, seed: int = 7) -> Path:
    """Write the demo database to `path` (replacing it) and return the path."""
    path = Path(path)
    if path.exists():
        path.unlink()
    rng = np.random.default_rng(seed)
    n_items = max(rows, 20)
    n_orders = max(n_items // 4, 10)
    n_skus = max(min(n_items // 20, 5000), 10)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    _users(con, rng)
    _orders(con, rng, n_orders)
    _items(con, rng, n_items, n_orders, n_skus)
    _inventory(con, rng, n_skus)
    _small_tables(con, rng, n_orders, n_skus)
    if dirty:
        _dirty(con)
    con.commit()
    con.close()
    return path


def _users(con: sqlite3.Connection, rng: np.random.Generator) -> None:
    rows = [(f"user{i}", f"user{i}@example.com" if i % 7 else None, f"pbkdf2_sha256$600000${i:08x}",
             f"tok_{rng.integers(1 << 40):x}" if i % 2 else None, int(i % 10 == 0),
             ["ops", "admin", "warehouse"][i % 3], s) for i, s in enumerate(_stamps(rng, 40, False), 1)]
    con.executemany("INSERT INTO users (username, email, password_hash, api_token, is_admin, \"group\", created_at)"
                    " VALUES (?,?,?,?,?,?,?)", rows)
    con.execute("DELETE FROM users WHERE id = 40")  # AUTOINCREMENT counter now ahead of max(id)


def _orders(con: sqlite3.Connection, rng: np.random.Generator, n: int) -> None:
    names = rng.choice(NAMES, n)
    status = rng.choice(STATUSES, n)
    prio = rng.integers(0, 4, n)
    stamps = _stamps(rng, n)
    inbox = [(i, f"EXT-{i:08d}", str(names[i - 1]),
              f'{{"lines": {int(prio[i - 1]) + 1}, "channel": "web", "tags": ["a", "ü"]}}' if i % 5 else None,
              str(status[i - 1]), int(prio[i - 1]), stamps[i - 1]) for i in range(1, n + 1)]
    con.executemany("INSERT INTO orders_inbox VALUES (?,?,?,?,?,?,?)", inbox)
    weights = np.round(rng.gamma(2.0, 1.5, n), 3)
    carriers = rng.choice(np.array(CARRIERS, dtype=object), n)
    shipped = [(i, i, carriers[i - 1], f"TRK{i:010d}" if i % 9 else None, float(weights[i - 1]),
                int(rng.random() < 0.2), bytes(rng.integers(0, 256, 8, dtype=np.uint8)) if i % 4 == 0 else None,
                stamps[i - 1]) for i in range(1, n + 1)]
    con.executemany("INSERT INTO shipped_orders VALUES (?,?,?,?,?,?,?,?)", shipped)


def _items(con: sqlite3.Connection, rng: np.random.Generator, n: int, n_orders: int, n_skus: int) -> None:
    order = rng.integers(1, n_orders + 1, n)
    sku = rng.integers(1, n_skus + 1, n)
    price = rng.random(n) * 200  # full double precision: last bits matter
    gift = rng.random(n) < 0.1
    notes = rng.choice(np.array(NOTES, dtype=object), n)
    has_note = rng.random(n) < 0.3
    stamps = _stamps(rng, n)
    rows = zip(range(1, n + 1), order.tolist(), [f"SKU-{s:05d}" for s in sku.tolist()],
               [float(p) if i % 50 else None for i, p in enumerate(price.tolist())], gift.astype(int).tolist(),
               stamps, [x if h else None for x, h in zip(notes.tolist(), has_note.tolist())])
    con.executemany("INSERT INTO shipped_items VALUES (?,?,?,?,?,?,?)", rows)


def _inventory(con: sqlite3.Connection, rng: np.random.Generator, n_skus: int) -> None:
    cost = np.round(rng.random(n_skus) * 90 + 0.5, 2)
    stamps = _stamps(rng, n_skus)
    con.executemany("INSERT INTO inventory_current VALUES (?,?,?,?,?)",
                    [(f"SKU-{i:05d}", int(rng.integers(0, 500)), int(rng.integers(0, 20)) if i % 3 else None,
                      float(cost[i - 1]), stamps[i - 1]) for i in range(1, n_skus + 1)])
    n_tx = n_skus * 3
    tx_stamps = _stamps(rng, n_tx)
    con.executemany("INSERT INTO inventory_transactions (sku, qty_delta, reason, created_at) VALUES (?,?,?,?)",
                    [(f"SKU-{(i % n_skus) + 1:05d}", int(rng.integers(-20, 50)), ["receipt", "pick", "count"][i % 3],
                      tx_stamps[i]) for i in range(n_tx)])
    con.executemany("INSERT INTO sku_lot (sku, lot_no, expires_on) VALUES (?,?,?)",
                    [(f"SKU-{(i % n_skus) + 1:05d}", f"LOT-{i:04d}", f"2026-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}"
                      if i % 6 else None) for i in range(n_skus * 2)])


def _small_tables(con: sqlite3.Connection, rng: np.random.Generator, n_orders: int, n_skus: int) -> None:
    con.executemany("INSERT INTO bundle_skus VALUES (?,?)", [(f"BND-{i:03d}", f"Bundle №{i} 🎁") for i in range(1, 11)])
    con.executemany("INSERT INTO bundle_components VALUES (?,?,?)",
                    [(f"BND-{b:03d}", f"SKU-{c:05d}", int(rng.integers(1, 4)))
                     for b in range(1, 11) for c in range(1, min(4, n_skus) + 1)])
    con.executemany("INSERT INTO workflow_controls VALUES (?,?,?,?)",
                    [("auto_pick", 1, "Ops Team", "2024-03-01 08:00:00"), ("hold_express", 0, None, None),
                     ("nightly_recount", 1, "Søren Kierkegaard", "2024-03-02 23:59:59.999999")])
    con.executemany("INSERT INTO configuration_params VALUES (?,?,?)",
                    [("smtp_password", "hunter2", "ops"), ("carrier_api_key", "k-123-secret", None),
                     ("label_format", "ZPL", "warehouse"), ("empty_value", "", None), ("null_value", None, None)])
    days = [f"2024-01-{d:02d}" for d in range(1, 29)]
    kpis = [(d, m, float(v)) for d in days for m, v in (("orders", rng.integers(10, 500)),
                                                      ("fill_rate", rng.random()))]
    kpis.append(kpis[0])  # a duplicate row: the table has no primary key
    con.executemany("INSERT INTO system_kpis VALUES (?,?,?)", kpis)
    con.executemany("INSERT INTO shipping_violations VALUES (?,?,?,?,?)",
                    [(i, (i * 7) % n_orders + 1, ["late", "damaged", "wrong_item"][i % 3],
                      f"2024-02-{(i % 28) + 1:02d}T10:00:00", None if i % 2 else "carrier notified")
                     for i in range(1, 31)])


def _dirty(con: sqlite3.Connection) -> None:
    """The defects of real SQLite files, one of each (see the module docstring)."""
    con.execute("INSERT INTO shipping_violations VALUES (9001, 99999999, 'late', '2024-02-02 10:00:00', 'orphan')")
    con.execute("UPDATE orders_inbox SET customer_name = 'NUL' || char(0) || 'byte' WHERE id = 3")
    con.execute("UPDATE shipped_items SET note = CAST(x'66696c6596206e616d65' AS TEXT) WHERE id = 5")
    con.execute("UPDATE orders_inbox SET priority = 'n/a' WHERE id = 4")
    con.execute("UPDATE shipped_orders SET is_express = 2 WHERE id = 2")
    con.execute("UPDATE orders_inbox SET received_at = 'yesterday' WHERE id = 6")
    con.execute("UPDATE users SET username = ? WHERE id = 2", ("x" * 200,))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgparity.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="where to write the SQLite file (replaced if it exists)")
    parser.add_argument("--rows", type=int, default=10_000, help="number of shipped_items (default 10000)")
    parser.add_argument("--dirty", action="store_true", help="add the defects of real files")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same file)")
    args = parser.parse_args(argv)
    out = build(args.path, args.rows, args.dirty, args.seed)
    print(f"wrote {out} ({args.rows} shipped_items{', dirty' if args.dirty else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
