"""Subtle damages made through the ORM on the 'default' database (the PostgreSQL copy), each on its own row.

    PGPARITY_DJANGO_DB=postgresql://… python damage.py NAME [NAME …]

Prints one `table column key` line per damage (column `-`: a whole row), what a parity check must name.
"""

import datetime as dt
import os
import sys
import uuid
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproj.settings")
django.setup()

from shop.models import Order, Product, ProductDetail, Supplier  # noqa: E402


def decimal_cent() -> str:
    p = Product.objects.get(pk=2)
    p.price += Decimal("0.01")
    p.save(update_fields=["price"])
    return "shop_product price id=2"


def duration_microsecond() -> str:
    p = Product.objects.get(pk=3)
    p.lead_time += dt.timedelta(microseconds=1)
    p.save(update_fields=["lead_time"])
    return "shop_product lead_time id=3"


def uuid_changed() -> str:
    p = Product.objects.get(pk=4)
    p.external_id = uuid.UUID(int=p.external_id.int ^ 1)
    p.save(update_fields=["external_id"])
    return "shop_product external_id id=4"


def boolean_flipped() -> str:
    d = ProductDetail.objects.get(pk=7)
    d.certified = not d.certified
    d.save(update_fields=["certified"])
    return "shop_productdetail certified product_id=7"


def m2m_link_removed() -> str:
    p = Product.objects.get(pk=10)
    tag = p.tags.order_by("pk").first()
    link = Product.tags.through.objects.get(product=p, tag=tag)
    p.tags.remove(tag)
    return f"shop_product_tags - id={link.pk}"


def datetime_hour() -> str:
    o = Order.objects.get(pk=6)
    o.placed_at += dt.timedelta(hours=1)
    o.save(update_fields=["placed_at"])
    return "shop_order placed_at id=6"


def supplier_flag_flipped() -> str:
    s = Supplier.objects.order_by("since").first()
    s.active = not s.active
    s.save(update_fields=["active"])
    return f"shop_supplier active id='{s.pk.hex}'"


DAMAGES = {f.__name__: f for f in (decimal_cent, duration_microsecond, uuid_changed, boolean_flipped,
                                    m2m_link_removed, datetime_hour, supplier_flag_flipped)}

if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(DAMAGES[name]())
