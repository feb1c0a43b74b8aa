"""The SQLAlchemy app's command line: make the schema, fill it, read it back, damage it.

    python app.py create URL [--schema S]       metadata.create_all (PostgreSQL: into schema S, made if missing)
    python app.py populate app.sqlite3          create_all + a few hundred objects through a Session
    python app.py compare app.sqlite3 URL [--schema S]   every object's attributes equal on both, else exit 1
    python app.py copy app.sqlite3 URL [--schema S]      a correct copy made by SQLAlchemy itself
    python app.py writes URL [--schema S]       one new object per model through a Session (rolled back)
    python app.py damage URL --schema S NAME…   subtle changes through a Session; prints table column key
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import uuid
from decimal import Decimal

from models import Base, Customer, Invoice, Payment, Tier
from sqlalchemy import Integer, create_engine, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

UTC = dt.UTC
NAMES = ["Zoë Ångström", "李雷", "emoji 🎉", "O'Hara \"Q\"", "tab\there", "plain", "Ελένη", "  spaced  "]
AMOUNTS = [Decimal("19.99"), Decimal("0.01"), Decimal("9999999999.99"), Decimal("0.00"), Decimal("1234.50"),
           Decimal("100.10")]
GRACES = [dt.timedelta(days=30), dt.timedelta(seconds=1, microseconds=1), dt.timedelta(days=-2, hours=3),
          dt.timedelta(0), dt.timedelta(hours=36, microseconds=999999), None]
TIMES = [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(17, 30), None]


def engine(url: str, schema: str | None = None) -> Engine:
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg2://" + url.removeprefix(scheme)
    eng = create_engine(url)
    return eng.execution_options(schema_translate_map={None: schema}) if schema else eng


def create(url: str, schema: str | None) -> None:
    eng = engine(url, schema)
    if schema:
        with eng.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    Base.metadata.create_all(eng)


def stamp(rng: random.Random, i: int) -> dt.datetime:
    base = dt.datetime(2023, 10, 29, 0, 0, tzinfo=UTC) + dt.timedelta(days=i * 5)
    if i % 3 == 0:
        return base
    return base + dt.timedelta(seconds=rng.randrange(86400), microseconds=rng.choice([0, 1, 999999]))


def customers(rng: random.Random) -> list[Customer]:
    return [Customer(public_id=uuid.UUID(int=rng.getrandbits(128)), email=f"c{i}@exämple.org",
                     name=f"{NAMES[i % 8]} {i}", notes=None if i % 4 else "multi\nline ✓", tier=list(Tier)[i % 3],
                     active=i % 5 != 0, newsletter=[True, False, None][i % 3], credit_limit=AMOUNTS[i % 6],
                     signed_up=stamp(rng, i), last_login=None if i % 4 == 1 else stamp(rng, i + 7).replace(tzinfo=None),
                     birthday=None if i % 6 == 0 else dt.date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
                     visits=[0, 2**63 - 1, 2**53 + 1, -5][i % 4]) for i in range(60)]


def invoices(rng: random.Random, people: list[Customer]) -> list[Invoice]:
    out = []
    for i in range(180):
        lines = [None, {"items": [{"sku": "A", "qty": 2, "price": 19.99}], "big": 12345678901234567890},
                 [1, 2.5, "drei", None, True], {"nested": {"é": {"x": 1e-7}}}][i % 4]
        out.append(Invoice(id=uuid.UUID(int=rng.getrandbits(128)), customer=people[i % 60], number=f"INV-{i:06d}",
                           amount=AMOUNTS[i % 6], tax_rate=[Decimal("0.2000"), Decimal("0.0550"), Decimal("1")][i % 3],
                           issued=dt.date(2024, 1, 1) + dt.timedelta(days=i), due_time=TIMES[i % 4],
                           grace=GRACES[i % 6], lines=lines, paid=i % 2 == 0,
                           pdf=None if i % 3 else b"%PDF-\x00\xff" + bytes([i % 256])))
    return out


def payments(rng: random.Random, bills: list[Invoice]) -> list[Payment]:
    return [Payment(invoice_id=None if i % 10 == 0 else bills[i].id, method=["card", "cash", "wire"][i % 3],
                    reference=f"ref-{i}-{NAMES[i % 8][:3]}", amount=AMOUNTS[(i + 1) % 6],
                    fee=[0.3, None, 1e-9, 2.675][i % 4], paid_at=stamp(rng, i + 3),
                    recorded_at=stamp(rng, i + 4).replace(tzinfo=None)) for i in range(150)]


def populate(path: str) -> None:
    eng = engine(f"sqlite:///{path}")
    Base.metadata.create_all(eng)
    rng = random.Random(9)
    with Session(eng) as session, session.begin():
        people = customers(rng)
        bills = invoices(rng, people)
        session.add_all(people + bills)
        session.flush()
        session.add_all(payments(rng, bills))


def rows(eng: Engine, model) -> dict:
    """pk -> {attribute: value} as the app reads them through a Session; aware values in UTC.

    SQLAlchemy's SQLite dialect stores DateTime(timezone=True) without its offset and reads it back naive
    (UTC here, as the app wrote UTC): it is compared as UTC, which is what the app meant."""
    names = [a.key for a in inspect(model).column_attrs]
    with Session(eng) as session:
        objs = session.scalars(select(model)).all()
        out = {}
        for obj in objs:
            values = {n: getattr(obj, n) for n in names}
            for n, v in values.items():
                if isinstance(v, dt.datetime) and model.__table__.c[n].type.timezone:
                    values[n] = v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC)
            out[inspect(obj).identity] = values
        return out


def compare(path: str, url: str, schema: str | None) -> int:
    src, dst = engine(f"sqlite:///{path}"), engine(url, schema)
    lines, count = [], 0
    for model in (Customer, Invoice, Payment):
        a, b = rows(src, model), rows(dst, model)
        count += len(a)
        name = model.__tablename__
        lines += [f"{name} pk={k!r}: missing in PostgreSQL" for k in a.keys() - b.keys()]
        lines += [f"{name} pk={k!r}: extra in PostgreSQL" for k in b.keys() - a.keys()]
        for k in sorted(a.keys() & b.keys(), key=str):
            lines += [f"{name} pk={k!r} {n}: SQLite {a[k][n]!r} != PostgreSQL {b[k][n]!r}"
                      for n in a[k] if a[k][n] != b[k][n]]
    print("\n".join(lines) if lines else f"{count} objects equal")
    return 1 if lines else 0


def _cent(s: Session) -> str:
    inv = s.scalars(select(Invoice).where(Invoice.number == "INV-000001")).one()
    inv.amount += Decimal("0.01")
    return f"invoice amount id='{inv.id.hex}'"


def _microsecond(s: Session) -> str:
    inv = s.scalars(select(Invoice).where(Invoice.number == "INV-000001")).one()
    inv.grace += dt.timedelta(microseconds=1)
    return f"invoice grace id='{inv.id.hex}'"


def _uuid(s: Session) -> str:
    s.get(Customer, 2).public_id = uuid.UUID(int=s.get(Customer, 2).public_id.int ^ 1)
    return "customer public_id id=2"


def _flip(s: Session) -> str:
    s.get(Customer, 2).active = not s.get(Customer, 2).active
    return "customer active id=2"


def _hour(s: Session) -> str:
    s.get(Payment, 2).paid_at += dt.timedelta(hours=1)
    return "payment paid_at id=2"


def _enum(s: Session) -> str:
    c = s.get(Customer, 2)
    c.tier = Tier.enterprise if c.tier != Tier.enterprise else Tier.free
    return "customer tier id=2"


DAMAGES = {"decimal_cent": _cent, "interval_microsecond": _microsecond, "uuid_changed": _uuid,
           "boolean_flipped": _flip, "aware_hour": _hour, "enum_changed": _enum}


def damage(url: str, schema: str | None, names: list[str]) -> list[str]:
    """Subtle changes through a Session, each on its own value; returns `table column key` per damage."""
    with Session(engine(url, schema)) as session, session.begin():
        return [DAMAGES[name](session) for name in names]


def writes(url: str, schema: str | None) -> str:
    """The application's next writes work: one new object per model through a Session, rolled back."""
    with Session(engine(url, schema)) as session:
        cust = Customer(email="new@example.org", name="new", credit_limit=Decimal("1.00"))
        bill = Invoice(customer=cust, number="NEW-1", amount=Decimal("2.50"), issued=dt.date(2025, 1, 1),
                       grace=dt.timedelta(days=1), lines={"new": True})
        session.add_all([cust, bill])
        session.flush()
        pay = Payment(invoice_id=bill.id, method="card", reference="new-ref", amount=Decimal("2.50"),
                      paid_at=dt.datetime.now(UTC), recorded_at=dt.datetime(2025, 1, 1))
        session.add(pay)
        session.flush()
        session.refresh(cust)
        assert cust.signed_up is not None, "server_default gave no value"
        made = f"writes work: customer id={cust.id}, payment id={pay.id}"
        session.rollback()
        return made


def copy(path: str, url: str, schema: str | None) -> None:
    """A correct copy made by other means: SQLAlchemy reads each table from SQLite and inserts it into
    PostgreSQL (values pass through the column types both ways), then moves the serial sequences past max(id)."""
    src, dst = engine(f"sqlite:///{path}"), engine(url, schema)
    with src.connect() as read, dst.begin() as write:
        for table in Base.metadata.sorted_tables:
            batch = [dict(r._mapping) for r in read.execute(table.select())]
            if batch:
                write.execute(table.insert(), batch)
            if isinstance(table.c.id.type, Integer):
                name = f'"{schema or "public"}".{table.name}'
                sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                write.execute(text(sql))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["create", "populate", "compare", "copy", "writes", "damage"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--schema")
    a = ap.parse_args(argv)
    if a.command == "create":
        create(a.args[0], a.schema)
    elif a.command == "populate":
        populate(a.args[0])
    elif a.command == "writes":
        print(writes(a.args[0], a.schema))
    elif a.command == "copy":
        copy(a.args[0], a.args[1], a.schema)
    elif a.command == "compare":
        return compare(a.args[0], a.args[1], a.schema)
    else:
        print("\n".join(damage(a.args[0], a.schema, a.args[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
