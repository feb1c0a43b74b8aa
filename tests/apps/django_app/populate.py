"""Fill the shop through the ORM with awkward but valid values (deterministic: a seeded generator).

    PGPARITY_DJANGO_DB=app.sqlite3 python manage.py migrate && PGPARITY_DJANGO_DB=app.sqlite3 python populate.py
"""

import datetime as dt
import os
import random
import uuid
from decimal import Decimal

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproj.settings")
django.setup()

from django.contrib.admin.models import ADDITION, LogEntry  # noqa: E402
from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import JSONField, Value  # noqa: E402
from shop.models import Category, Note, Order, OrderLine, Product, ProductDetail, Supplier, Tag  # noqa: E402

UTC = dt.UTC
NAMES = ["Crème brûlée", "Ünïcödé ✓", "emoji 🎉🐍", "日本語の名前", "O'Brien \"quoted\"", "tab\tand\nnewline",
         "Ελληνικά", "  padded  ", "zero-width\u200bjoin", "plain"]
PRICES = [Decimal("19.99"), Decimal("123456789012.34"), Decimal("0.01"), Decimal("0.00"), Decimal("999999999999.99"),
          Decimal("10.10"), Decimal("0.10"), Decimal("1234.50")]
BIG = [2**63 - 1, -(2**63), 2**53 + 1, 2**62, 0, -1]
DURATIONS = [dt.timedelta(microseconds=1), dt.timedelta(seconds=74, microseconds=2), dt.timedelta(days=-1),
             dt.timedelta(days=-3, seconds=5, microseconds=999999), dt.timedelta(days=400, hours=5),
             dt.timedelta(0), dt.timedelta(hours=-1, microseconds=-250)]
IPS = ["10.0.2.2", "2001:db8::1", "::ffff:10.0.2.2", "fe80::1ff:fe23:4567:890a", "255.255.255.255", "::1", None]
TIMES = [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(12, 30), dt.time(8, 0, 0, 1), None]


def at(value: dt.datetime) -> dt.datetime:
    """Aware in UTC with USE_TZ; else the same wall time, naive, as an app without USE_TZ writes local times."""
    return value if settings.USE_TZ else value.replace(tzinfo=None)


def stamp(rng: random.Random, i: int) -> dt.datetime:
    """Every fourth at midnight, others with seconds and microseconds, some on DST days."""
    base = dt.datetime(2024, 3, 31, 0, 0, tzinfo=UTC) + dt.timedelta(days=i * 3)
    if i % 4 == 0:
        return at(base)
    return at(base + dt.timedelta(seconds=rng.randrange(86400), microseconds=rng.choice([0, 1, 500000, 999999])))


def people() -> list[User]:
    users = [User.objects.create_superuser("admin", "admin@example.com", "pw")]
    staff = Group.objects.create(name="staff ✓")
    staff.permissions.set(Permission.objects.filter(codename__endswith="_order"))
    for i, name in enumerate(["zoë", "李雷", "o'neil", "Bob"]):
        u = User.objects.create_user(f"user{i}", f"u{i}@example.com", "pw", first_name=name)
        u.groups.add(staff)
        users.append(u)
    return users


def catalogue(rng: random.Random) -> list[Product]:
    root = Category.objects.create(name="Root", slug="root")
    cats = [root] + [Category.objects.create(name=f"{NAMES[i]} {i}", slug=f"cat-{i}", parent=root if i % 2 else None)
                     for i in range(9)]
    tags = [Tag.objects.create(label=f"tag-{i} {'🔥' if i % 3 == 0 else ''}") for i in range(12)]
    suppliers = [Supplier.objects.create(name=NAMES[i % 10], email=f"s{i}@exämple.com", server_ip=IPS[i % 7],
                                         active=i % 3 != 0, preferred=[True, False, None][i % 3],
                                         since=dt.date(1999 + i, 12, 31)) for i in range(8)]
    products = []
    for i in range(150):
        p = Product.objects.create(
            sku=f"SKU-{i:05d}", name=f"{NAMES[i % 10]} #{i}", description="" if i % 5 else "Ligne 1\nLigne 2 ✓" * 20,
            slug=f"p-{i}", price=PRICES[i % 8], weight_kg=[0.1, 1e-7, 12345.678, None, -0.0, 1.7976931348623157e308][
                i % 6], stock=[0, 1, 2147483647][i % 3], shelf=[-32768, 32767, 0, 7][i % 4], views=BIG[i % 6],
            rank=None if i % 7 == 0 else i - 75, category=cats[i % 10], supplier=suppliers[i % 8],
            attributes=json_value(i), thumbnail=None if i % 4 == 0 else bytes([i % 256, 0, 255]) * (i % 5 + 1),
            released=None if i % 6 == 0 else dt.date(2020, 1, 1) + dt.timedelta(days=i * 11),
            opens_at=TIMES[i % 5], lead_time=None if i % 8 == 7 else DURATIONS[i % 7], updated=stamp(rng, i))
        p.tags.set(rng.sample(tags, i % 4))
        if i % 3 == 0:
            ProductDetail.objects.create(product=p, warranty=DURATIONS[(i + 3) % 7], manual=NAMES[i % 10],
                                         certified=i % 2 == 0)
        products.append(p)
    return products


def json_value(i: int) -> dict | list:
    return [{"size": "M", "colours": ["red", "vert", "青"]},
            {"nested": {"deep": {"big": 12345678901234567890, "neg": -(2**63), "f": 0.1}}},
            {"price": 19.99, "float": 1e16, "tiny": 5e-324, "exp": 3e20},
            [1, "two", None, True, {"k": []}],
            {"emoji": "🎉", "quote": "it's \"x\"", "empty": {}},
            {}][i % 6]


def orders(rng: random.Random, users: list[User], products: list[Product]) -> None:
    for i in range(120):
        o = Order.objects.create(customer=None if i % 5 == 0 else users[i % len(users)], email=f"c{i}@example.com",
                                 placed_at=stamp(rng, i + 1), status=["new", "paid", "shipped", "cancelled"][i % 4],
                                 total=PRICES[i % 8], client_ip=IPS[i % 7], gift=[True, False, None][i % 3],
                                 payload=None if i % 4 == 0 else json_value(i),
                                 token=None if i % 3 == 0 else uuid.UUID(int=rng.getrandbits(128)))
        if i % 7 == 0:
            Note.objects.create(order=o, user=["root", "zoë", "select"][i % 3], body=NAMES[i % 10] * (i % 3 + 1),
                                pinned=i % 2 == 0)
        for j, p in enumerate(rng.sample(products, i % 4 + 1)):
            OrderLine.objects.create(order=o, product=p, quantity=j + 1, unit_price=p.price,
                                     discount=[Decimal("0"), Decimal("0.1250"), Decimal("9.9999")][j % 3])


def edges(users: list[User]) -> None:
    """Values at the edges of each type: infinities, JSON scalars and JSON null, empty bytes, year 1 and 9999."""
    cat = Category.objects.create(name="edges", slug="edges")
    sup = Supplier.objects.create(name="", email="e@example.com", since=dt.date(1, 1, 1), server_ip="::")
    rows = [(float("inf"), "a JSON string", b"", dt.date(9999, 12, 31), dt.time(23, 59, 59, 999999)),
            (float("-inf"), 42, b"\x00", dt.date(1, 1, 1), dt.time(0, 0, 0, 1)),
            (5e-324, 3.14, bytes(range(256)), dt.date(1900, 2, 28), dt.time(12, 0)),
            (1e300, Value(None, JSONField()), None, dt.date(2000, 2, 29), None),
            (0.1 + 0.2, True, b"x" * 1000, dt.date(1970, 1, 1), dt.time(1, 2, 3))]
    for i, (weight, attrs, thumb, day, opens) in enumerate(rows):
        Product.objects.create(sku=f"EDGE-{i}", name="é" * 200 if i == 0 else "e\u0301", slug=f"edge-{i}",
                               price=Decimal("999999999999.99") if i == 0 else Decimal("-0.00") + i,
                               weight_kg=weight, stock=0, views=2**63 - 1 - i, category=cat, supplier=sup,
                               attributes=attrs, thumbnail=thumb, released=day, opens_at=opens,
                               lead_time=dt.timedelta(days=106751) if i == 0 else dt.timedelta(days=-106751 + i),
                               updated=at(dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) if i == 0 else
                                          dt.datetime(1, 1, 1, 0, 0, tzinfo=UTC) + dt.timedelta(days=i)))
    Order.objects.create(customer=users[0], email="edge@example.com", total=Decimal("0"), client_ip="0.0.0.0",
                         placed_at=at(dt.datetime(2024, 10, 27, 2, 30, tzinfo=UTC)), payload=Value(None, JSONField()))


def admin_traces(users: list[User]) -> None:
    ct = ContentType.objects.get_for_model(Order)
    for o in Order.objects.order_by("pk")[:5]:
        LogEntry.objects.create(user=users[0], content_type=ct, object_id=str(o.pk), object_repr=str(o),
                                action_flag=ADDITION, change_message='[{"added": {}}]')
    session = SessionStore()
    session["cart"] = [1, 2, 3]
    session.create()


def main() -> None:
    rng = random.Random(13)
    with transaction.atomic():
        users = people()
        products = catalogue(rng)
        orders(rng, users, products)
        edges(users)
        admin_traces(users)


if __name__ == "__main__":
    main()
