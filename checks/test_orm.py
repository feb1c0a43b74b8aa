"""The application's own view: every model read through its ORM from SQLite and from PostgreSQL (-m orm).

    pytest checks/ -m orm --django-settings mysite.settings          (Django; or DJANGO_SETTINGS_MODULE)
    pytest checks/ -m orm --sqlalchemy-models myapp.models:Base      (SQLAlchemy)

test_orm: every object on both sides with every field equal as the app gets it (Decimal, UUID, timedelta,
aware datetime, dict, bytes), many-to-many links equal as sets; a finding names model, key, field and both
values (sensitive fields redacted). test_orm_schema: each column of the type that ORM creates on PostgreSQL;
a type that breaks the app's writes or lookups fails naming model, field and both types.
How each ORM is read, and what it cannot see: pgparity.orm.django_read, pgparity.orm.sa_read,
pgparity.orm.usability. Rails apps: not read (no Ruby runtime here); the table checks still compare their data.
"""

import pytest

from pgparity.orm.pytest_options import generate_models, orm_model  # noqa: F401

pytestmark = pytest.mark.orm


def pytest_generate_tests(metafunc):
    generate_models(metafunc)


def test_orm(orm_model, comparison, verdict):  # noqa: F811
    verdict(orm_model.values(comparison))


def test_orm_schema(orm_model, comparison, verdict):  # noqa: F811
    verdict(orm_model.schema(comparison))
