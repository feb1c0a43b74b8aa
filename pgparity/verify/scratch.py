"""A scratch PostgreSQL transaction on its own short-lived connection, always rolled back.

The Comparison's own connection is a READ ONLY snapshot; asking PostgreSQL to canonicalise a
constraint or evaluate a default needs a temporary table, so it happens here, and nothing stays.
The session keeps the server's settings (TimeZone of the database/role), as the application sees them.
"""

from __future__ import annotations

from ..errors import TargetError


class ScratchError(Exception):
    """A statement PostgreSQL refused inside the scratch transaction (the transaction goes on)."""


class Scratch:
    """BEGIN on a new connection; `query` runs each statement under a savepoint; `close` rolls back."""

    def __init__(self, url: str):
        import adbc_driver_postgresql.dbapi as adbc_pg

        try:
            self._conn = adbc_pg.connect(url, autocommit=True)
            self._cur = self._conn.cursor()
            self._cur.execute("BEGIN")
        except Exception as exc:  # noqa: BLE001
            from ..server import redact

            raise TargetError(f"cannot open a scratch connection to {redact(url)}: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self._n = 0

    def name(self, prefix: str) -> str:
        """A fresh name for a temporary object."""
        self._n += 1
        return f"pgparity_{prefix}_{self._n}"

    def query(self, sql: str) -> list[tuple]:
        """Rows of `sql` (none for a statement); raises ScratchError with PostgreSQL's first line."""
        cur = self._cur
        cur.execute("SAVEPOINT pgparity_s")
        try:
            cur.execute(sql)
            rows = cur.fetchall() if cur.description else []
        except Exception as exc:  # noqa: BLE001
            cur.execute("ROLLBACK TO SAVEPOINT pgparity_s")
            raise ScratchError(_message(exc)) from None
        cur.execute("RELEASE SAVEPOINT pgparity_s")
        return rows

    def close(self) -> None:
        try:
            self._cur.execute("ROLLBACK")
            self._cur.close()
            self._conn.close()
        except Exception:  # noqa: BLE001 - the connection is gone: nothing was kept anyway
            pass

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _message(exc: BaseException) -> str:
    """PostgreSQL's own first line ('division by zero'), without the driver's wrapping."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split("ERROR:", 1)[-1].strip()
