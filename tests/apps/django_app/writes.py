"""The application's next writes work on 'default': one new object per model through the ORM, rolled back.

    PGPARITY_DJANGO_DB=postgresql://… python writes.py

Catches what a read cannot: a sequence behind max(id), a constraint or default the app relies on.
"""

import datetime as dt
import os
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproj.settings")
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import transaction  # noqa: E402
from shop.models import Category, Order, OrderLine, Product, ProductDetail, Supplier, Tag  # noqa: E402


class Rollback(Exception):
    pass


def write_one_of_each() -> list[str]:
    user = User.objects.create_user("new-user", "new@example.com", "pw")
    Group.objects.create(name="new group").user_set.add(user)
    cat = Category.objects.create(name="new category", slug="new-category")
    tag = Tag.objects.create(label="new tag")
    sup = Supplier.objects.create(name="new supplier", email="s@example.com", since=dt.date(2025, 1, 1))
    product = Product.objects.create(sku="NEW-1", name="new", slug="new", price=Decimal("1.23"), category=cat,
                                     supplier=sup, updated=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    product.tags.add(tag)
    ProductDetail.objects.create(product=product, warranty=dt.timedelta(days=1))
    order = Order.objects.create(customer=user, email="o@example.com", placed_at=dt.datetime.now(dt.UTC),
                                 total=Decimal("1.23"))
    OrderLine.objects.create(order=order, product=product, quantity=1, unit_price=Decimal("1.23"))
    sup.refresh_from_db()
    assert sup.created is not None, "db_default=Now() gave no value"
    return [f"{type(o).__name__} pk={o.pk}" for o in (user, cat, tag, product, order)]


def main() -> None:
    try:
        with transaction.atomic():
            made = write_one_of_each()
            raise Rollback
    except Rollback:
        print("writes work: " + ", ".join(made))


if __name__ == "__main__":
    main()
