"""PostgreSQL (psycopg 3), for several replicas sharing one database.

Each connection runs in autocommit mode; writes of several statements go through explicit
transactions, while a claim (one statement, atomic alone) is sent without BEGIN and COMMIT.
Claims live in an UNLOGGED table: no write-ahead log, so a claim costs one loopback round trip,
and a crash can lose the recent ones (a lost claim risks one duplicate reply, nothing more).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bot.curation.backends import SqlBackend

# libpq refuses connect timeouts under 2 seconds.
CONNECT_TIMEOUT = 2
# Serialises schema creation when several replicas start at once (CREATE ... IF NOT EXISTS
# alone can race in PostgreSQL).
_SCHEMA_LOCK = 7_135_246_001


def redact(url: str) -> str:
    """`url` without its password, fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class PostgresBackend(SqlBackend):
    """A PostgreSQL database at a `postgresql://` URL."""

    kind = "postgresql"
    real_type = "DOUBLE PRECISION"
    claims_table = "UNLOGGED TABLE"
    placeholder = "%s"
    table_query = "SELECT 1 WHERE to_regclass(?) IS NOT NULL"

    def __init__(self, url: str, **pool: int) -> None:
        super().__init__(**pool)
        self.url = url

    @property
    def where(self) -> str:
        return redact(self.url)

    def connect(self, timeout: float) -> psycopg.Connection[Any]:
        connection = psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="csm-vs-pm",
        )
        try:
            # Bounds every statement, lock waits included, like SQLite's busy timeout.
            connection.execute(f"SET statement_timeout = {int(timeout * 1000)}")
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def transaction(self, connection: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Any]]:
        with connection.transaction(), connection.cursor() as cursor:
            yield cursor

    @contextmanager
    def statement(self, connection: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Any]]:
        """A plain cursor: in autocommit a lone statement is its own transaction, and without
        BEGIN and COMMIT a claim is one round trip instead of three."""
        with connection.cursor() as cursor:
            yield cursor

    def prepare(self, connection: Any) -> None:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))

    def transient(self, error: Exception) -> bool:
        # Connection lost, server down, timeouts, lock waits, serialisation: all may clear.
        return isinstance(error, (psycopg.OperationalError, psycopg.errors.QueryCanceled))

    def describe(self, error: Exception) -> str:
        text = str(error).strip().splitlines()
        return redact(text[0]) if text else type(error).__name__
