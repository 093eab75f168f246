"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder, on a
free loopback port, stopped and deleted at the end.

PostgreSQL refuses to run as root, so as root (CI) the cluster runs as the `postgres` user.
Without PostgreSQL installed, `PostgresServer.find()` says how to get it and the tests skip.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.e2e.running_app import free_port

INSTALL_HINT = (
    "PostgreSQL not found: install it (Debian/Ubuntu: apt-get install -y postgresql) "
    "or set PG_BIN to the folder holding initdb and pg_ctl"
)
_schemas = itertools.count(1)


def _bin_dir() -> Path | None:
    configured = os.environ.get("PG_BIN")
    if configured:
        candidates = [configured]
    else:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
        found = shutil.which("initdb")
        if found:
            candidates.append(str(Path(found).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


class PostgresServer:
    """One cluster; `database_url()` gives each caller a fresh, empty schema of its own."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        # Made by start(): a server found but never started leaves no folder behind.
        self.folder: Path | None = None
        self.user = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def find(cls) -> PostgresServer | str:
        """A server ready to start, or why there cannot be one."""
        bin_dir = _bin_dir()
        if bin_dir is None:
            return INSTALL_HINT
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root needs a 'postgres' user to run PostgreSQL as"
        return cls(bin_dir)

    def _run(self, *argv: str) -> None:
        command = [str(self.bin_dir / argv[0]), *argv[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {result.stdout}{result.stderr}")

    def start(self) -> PostgresServer:
        self.folder = Path(tempfile.mkdtemp(prefix="csm-vs-pm-pg-"))
        if self.user:
            shutil.chown(self.folder, self.user)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
            "-c fsync=off -c max_connections=200 -c shared_buffers=32MB"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "60",
                  "-l", str(self.data.parent / "log"), "start")  # fmt: skip
        return self

    @property
    def data(self) -> Path:
        """The cluster's data folder (once started)."""
        assert self.folder is not None, "start() the server first"
        return self.folder / "data"

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def database_url(self) -> str:
        """A URL whose tables land in a new, empty schema (isolation between tests)."""
        schema = f"test_{os.getpid()}_{next(_schemas)}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        return f"{self.url}?options=-csearch_path%3D{schema}"
