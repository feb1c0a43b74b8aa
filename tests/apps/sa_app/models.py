"""A SQLAlchemy 2.x declarative app: billing with the common column types, keys and constraints.

Tables carry no schema: `create_all` on PostgreSQL puts them where `schema_translate_map` says.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Interval,
    LargeBinary,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Tier(enum.Enum):
    free = "free"
    pro = "pro"
    enterprise = "enterprise"


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (CheckConstraint("credit_limit >= 0", name="customer_credit_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[Tier] = mapped_column(Enum(Tier, name="tier", create_constraint=True), default=Tier.free)
    active: Mapped[bool] = mapped_column(Boolean(create_constraint=True), default=True)
    newsletter: Mapped[bool | None] = mapped_column(Boolean)
    credit_limit: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    signed_up: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.current_timestamp())
    last_login: Mapped[dt.datetime | None] = mapped_column(DateTime)
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    visits: Mapped[int] = mapped_column(BigInteger, default=0)
    invoices: Mapped[list[Invoice]] = relationship(back_populates="customer", cascade="all, delete-orphan")


class Invoice(Base):
    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("customer_id", "number", name="invoice_number_per_customer"),
                      CheckConstraint("amount >= 0", name="invoice_amount_not_negative"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0.2000"))
    issued: Mapped[dt.date] = mapped_column(Date)
    due_time: Mapped[dt.time | None] = mapped_column(Time)
    grace: Mapped[dt.timedelta | None] = mapped_column(Interval)
    lines: Mapped[dict | list | None] = mapped_column(JSON)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    customer: Mapped[Customer] = relationship(back_populates="invoices")


class Payment(Base):
    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoice.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(Enum("card", "cash", "wire", name="pay_method", native_enum=False,
                                             create_constraint=True))
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    fee: Mapped[float | None] = mapped_column(Float)
    paid_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
