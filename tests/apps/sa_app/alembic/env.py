"""Alembic environment of the SQLAlchemy test app: `alembic -x url=URL [-x schema=S] upgrade head`.

URL is a SQLite path or a postgresql:// URL ($SA_APP_DB when no -x url); with a schema, the tables and
alembic_version go there (made if missing), as `app.py create --schema` does.
"""

import os

from alembic import context
from app import engine
from models import Base
from sqlalchemy import text

config = context.config
args = context.get_x_argument(as_dictionary=True)
url = args.get("url") or os.environ.get("SA_APP_DB")
if not url:
    raise SystemExit("give the database: alembic -x url=app.sqlite3|postgresql://... upgrade head (or $SA_APP_DB)")
schema = args.get("schema")


def run_migrations_online() -> None:
    eng = engine(url if "://" in url else f"sqlite:///{url}", schema)
    with eng.connect() as connection:
        if schema:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            connection.commit()
        context.configure(connection=connection, target_metadata=Base.metadata, version_table_schema=schema,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
