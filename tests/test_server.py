"""Where PostgreSQL comes from: a URL given, else a throwaway server; no Docker engine means a quick,
quiet fallback to the embedded server, which a later process finds again and which can be stopped."""

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

from pgparity.server import Server, redact, resolve

ROOT = Path(__file__).resolve().parents[1]


def test_redact_hides_passwords():
    assert redact("postgresql://app:s3cret@db:5432/app") == "postgresql://app:***@db:5432/app"
    assert redact("postgresql://app@db/app?password=s3cret&sslmode=require") == \
        "postgresql://app@db/app?password=%2A%2A%2A&sslmode=require"
    assert "s3cret" not in redact("host=db user=app password=s3cret")
    assert Server("postgresql://u:pw@h/d", "given").describe() == "PostgreSQL: given server at postgresql://u:***@h/d"


def test_explicit_url_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://from-env/x")
    assert resolve("postgresql://given/y").url == "postgresql://given/y"
    assert resolve(None).url == "postgresql://from-env/x"


def test_no_docker_falls_back_to_embedded_quickly_and_quietly(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PGPARITY_HOME=str(tmp_path / "state"), DOCKER_HOST="unix:///nonexistent/docker.sock")
    code = "from pgparity.server import resolve; s = resolve(); print(s.kind); print(s.url)"
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=120, check=False)
    took = time.monotonic() - t0
    try:
        assert res.returncode == 0, res.stderr
        kind, url = res.stdout.split()
        assert kind == "embedded" and res.stderr == ""
        assert took < 30
        psycopg2.connect(url).close()
        again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                               timeout=60, check=False)
        assert again.stdout.split() == [kind, url], "a later process finds the same server"
    finally:
        stop = subprocess.run([sys.executable, "-m", "pgparity.server", "stop"], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=60, check=False)
    assert "stopped the embedded server" in stop.stdout
    assert not (tmp_path / "state" / "server.json").exists()
