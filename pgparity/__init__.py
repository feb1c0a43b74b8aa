"""pgparity: move a SQLite database to PostgreSQL and prove nothing was lost on the way."""

__version__ = "0.1.0"
