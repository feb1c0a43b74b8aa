"""Errors a user can act on; the CLI and pytest layers catch them once and print one line."""


class PgParityError(Exception):
    """Base class: its message is the whole story a user needs."""

    exit_code = 1


class SourceError(PgParityError):
    """The SQLite file cannot be read (missing, not SQLite, corrupt, locked)."""

    exit_code = 3


class TargetError(PgParityError):
    """PostgreSQL cannot be reached or refused an operation."""

    exit_code = 4


class RefusedError(PgParityError):
    """pgparity refuses to go on because something would be lost or overwritten."""

    exit_code = 5


class UsageError(PgParityError):
    """The options given do not make sense together."""

    exit_code = 2
