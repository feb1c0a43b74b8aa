"""A scratch PostgreSQL transaction beside the Comparison's snapshot, always rolled back.

The Comparison's own connection is a READ ONLY snapshot; asking PostgreSQL to canonicalise a
constraint or evaluate a default needs a temporary table, so it happens here, and nothing stays.
The session keeps the server's settings (TimeZone of the database/role), as the application sees them.

One connection per Comparison (`scratch_of(cmp)`, opened at the first use): each use is a savepoint of
its one transaction, rolled back when the use ends, so what one table's check created (temporary
tables, constraints, set_config) is gone before the next table's, and its locks are released with it.
The connection closes with `close_scratch(cmp)` (the comparison's close hooks, or when the Comparison
is collected / the process exits). `Scratch(url)` alone keeps its own short-lived connection.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from ..errors import TargetError

if TYPE_CHECKING:
    from .pairing import Comparison

_KEY = "scratch"


class ScratchError(Exception):
    """A statement PostgreSQL refused inside the scratch transaction (the transaction goes on)."""


class _Session:
    """A connection in one open transaction (BEGIN), shared by the uses of one Comparison."""

    def __init__(self, url: str):
        import adbc_driver_postgresql.dbapi as adbc_pg

        try:
            self.conn = adbc_pg.connect(url, autocommit=True)
            self.cur = self.conn.cursor()
            self.cur.execute("BEGIN")
        except Exception as exc:  # noqa: BLE001
            from ..server import redact

            raise TargetError(f"cannot open a scratch connection to {redact(url)}: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.lock = threading.RLock()  # one use at a time (nested uses of one thread are savepoints in savepoints)
        self.broken = False

    def close(self) -> None:
        try:
            self.cur.execute("ROLLBACK")
            self.cur.close()
            self.conn.close()
        except Exception:  # noqa: BLE001 - the connection is gone: nothing was kept anyway
            pass


class Scratch:
    """A savepoint in a scratch transaction; `query` runs each statement under its own savepoint;
    `close` rolls back to the first (and closes the connection when this Scratch opened it)."""

    def __init__(self, url: str, session: _Session | None = None):
        self._own = session is None
        self._session = session or _Session(url)
        self._session.lock.acquire()
        self._cur = self._session.cur
        self._n = 0
        try:
            self._cur.execute("SAVEPOINT pgparity_use")
        except Exception as exc:  # noqa: BLE001 - the shared connection is gone
            self._session.broken = True
            self._session.lock.release()
            raise TargetError(f"scratch connection lost: {_message(exc)}") from None

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
        session = self._session
        try:
            if self._own:
                session.close()
                return
            try:
                self._cur.execute("ROLLBACK TO SAVEPOINT pgparity_use")
                self._cur.execute("RELEASE SAVEPOINT pgparity_use")
            except Exception:  # noqa: BLE001 - the connection is gone: the next use opens another
                session.broken = True
        finally:
            session.lock.release()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scratch_of(cmp: Comparison) -> Scratch:
    """A use of the comparison's one scratch transaction (`with scratch_of(cmp) as scratch:`)."""
    session = cmp.cache.get(_KEY)
    if session is None or session.broken:  # type: ignore[union-attr]
        if session is not None:
            session.close()  # type: ignore[union-attr]
        session = cmp.cache[_KEY] = _Session(cmp.pg_url)
        weakref.finalize(cmp, session.close)
    return Scratch(cmp.pg_url, session)  # type: ignore[arg-type]


def close_scratch(cmp: Comparison) -> None:
    """Close the comparison's scratch connection, if one was opened (rolled back: nothing stays)."""
    session = cmp.cache.pop(_KEY, None)
    if session is not None:
        session.close()  # type: ignore[union-attr]


def _message(exc: BaseException) -> str:
    """PostgreSQL's own first line ('division by zero'), without the driver's wrapping."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split("ERROR:", 1)[-1].strip()
