"""A small shop whose models cover Django's common field types, keys and constraints."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class Category(models.Model):
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")


class Supplier(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    email = models.EmailField()
    server_ip = models.GenericIPAddressField(null=True, blank=True)
    active = models.BooleanField(default=True)
    preferred = models.BooleanField(null=True)
    since = models.DateField()
    created = models.DateTimeField(db_default=Now())


class Tag(models.Model):
    label = models.CharField(max_length=40, unique=True)


class Product(models.Model):
    sku = models.CharField(max_length=32)
    external_id = models.UUIDField(default=uuid.uuid4, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    slug = models.SlugField()
    price = models.DecimalField(max_digits=14, decimal_places=2)
    weight_kg = models.FloatField(null=True)
    stock = models.PositiveIntegerField(default=0)
    shelf = models.SmallIntegerField(default=0)
    views = models.BigIntegerField(default=0)
    rank = models.IntegerField(null=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="products")
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    attributes = models.JSONField(default=dict)
    thumbnail = models.BinaryField(null=True)
    released = models.DateField(null=True)
    opens_at = models.TimeField(null=True)
    lead_time = models.DurationField(null=True)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="product_sku_per_supplier"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_not_negative"),
        ]


class ProductDetail(models.Model):
    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="detail")
    warranty = models.DurationField()
    manual = models.TextField(default="")
    certified = models.BooleanField(default=False)


class Order(models.Model):
    STATUSES = [("new", "New"), ("paid", "Paid"), ("shipped", "Shipped"), ("cancelled", "Cancelled")]

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="orders")
    email = models.EmailField()
    placed_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=STATUSES, default="new")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    client_ip = models.GenericIPAddressField(null=True)
    gift = models.BooleanField(null=True)
    payload = models.JSONField(null=True)
    token = models.UUIDField(null=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_not_negative")]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=5, decimal_places=4, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="orderline_once_per_order"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_positive"),
        ]


class Note(models.Model):
    """Names an app may choose that need quoting: a table with a space, CamelCase and reserved-word columns."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, db_column="OrderRef", related_name="notes")
    user = models.CharField(max_length=30, db_column="user")
    body = models.TextField(db_column="Text Body")
    pinned = models.BooleanField(default=False, db_column="Select")

    class Meta:
        db_table = "Order Notes"
