"""A throwaway PostgreSQL cluster for the tests that check claims against a real server.

`initdb` and `pg_ctl` refuse to run as root, so as root they run as the `postgres` OS user in a
directory that user owns. The server listens only on a Unix socket in that directory. Without a
server the tests that need one skip, except under `CI=true` or `DBARCH_REQUIRE_PG=1`, where they
fail: CI must prove the claims.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

_PG_USER = "postgres"


def require_server(reason: str) -> None:
    """Skip (or, where the server is required, fail) because no server is available."""
    if os.environ.get("CI") == "true" or os.environ.get("DBARCH_REQUIRE_PG") == "1":
        pytest.fail(f"a PostgreSQL server is required here: {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


@dataclass(frozen=True)
class Server:
    """A running cluster: connect with `connect()` (autocommit, as superuser)."""

    socket_dir: str
    port: int
    user: str
    version: int  # server major version

    def connect(self, **options: Any) -> Any:
        """A new autocommit connection to database `postgres`."""
        import psycopg

        return psycopg.connect(
            host=self.socket_dir,
            port=self.port,
            user=self.user,
            dbname="postgres",
            autocommit=True,
            **options,
        )


@contextmanager
def throwaway_cluster() -> Iterator[Server]:
    """Start a new cluster in a temporary directory; stop and delete it afterwards."""
    try:
        import psycopg  # noqa: F401  (the tests talk to the server through it)
    except ImportError:
        require_server("psycopg is not installed (pip install -e '.[test]')")
    initdb = shutil.which("initdb")
    pg_ctl = shutil.which("pg_ctl")
    if initdb is None or pg_ctl is None:
        require_server("initdb/pg_ctl are not on PATH")
    assert initdb is not None and pg_ctl is not None
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    user = pwd.getpwuid(os.geteuid()).pw_name
    if as_root:
        try:
            owner = pwd.getpwnam(_PG_USER)
        except KeyError:
            require_server(f"running as root and there is no {_PG_USER!r} user to run it as")
        prefix, user = ["runuser", "-u", _PG_USER, "--"], _PG_USER
    base = tempfile.mkdtemp(prefix="dbarch-pg-")
    if as_root:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data = os.path.join(base, "data")
    port = 5432  # (only names the socket file: the server listens on no TCP port)
    try:
        _run([*prefix, initdb, "-D", data, "-U", user, "-A", "trust", "--no-sync", "-E", "UTF8"])
        options = f"-k {base} -c listen_addresses='' -p {port} -c fsync=off"
        log = os.path.join(base, "server.log")
        _run([*prefix, pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "start"])
    except (OSError, subprocess.CalledProcessError) as error:
        shutil.rmtree(base, ignore_errors=True)
        require_server(f"the cluster did not start: {error}")
    try:
        server = Server(base, port, user, 0)
        with server.connect() as connection:
            number = connection.execute("SHOW server_version_num").fetchone()[0]
        yield Server(base, port, user, int(number) // 10000)
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise subprocess.CalledProcessError(
            result.returncode, command, result.stdout, result.stderr
        )
