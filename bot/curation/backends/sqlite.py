"""The embedded default: one SQLite file in WAL mode, readable and writable only by its owner.

Several threads and several processes can share the file: WAL lets readers go on while one
writer holds the lock, and every wait for the lock is bounded by a busy timeout.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bot.curation.backends import SqlBackend, StoreError

# The database and the files SQLite keeps beside it (created with the database's mode).
_COMPANIONS = ("", "-wal", "-shm", "-journal")
FILE_MODE = 0o600
_LEGACY_SALT_KEY = "user_hash_salt"
FOLDER_MODE = 0o700

Connect = Callable[[str], sqlite3.Connection]


def _default_connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path, check_same_thread=False)


class SqliteBackend(SqlBackend):
    """A SQLite file; `connect` exists so tests can hand in a constrained connection."""

    kind = "sqlite"

    def __init__(self, path: Path, connect: Connect = _default_connect, **pool: int) -> None:
        super().__init__(**pool)
        self.path = Path(path)
        self._connect = connect

    @property
    def where(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        """Whether the file is there (a report on a database never written is empty)."""
        return self.path.is_file()

    def create(self) -> None:
        """Create the folder (0700) and an empty file (0600) unless there; tighten the modes of
        files left readable by others (SQLite gives its -wal and -shm files the same mode)."""
        try:
            self.path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        except OSError as error:
            raise StoreError(
                f"cannot create the database at {self.path}: {error.strerror}; "
                "set DATABASE_PATH to a writable place"
            ) from None
        for suffix in _COMPANIONS:
            with suppress(OSError):  # not ours, or not there: nothing to tighten
                companion = Path(f"{self.path}{suffix}")
                if companion.stat().st_mode & 0o077:
                    companion.chmod(FILE_MODE)

    @property
    def salt_file(self) -> Path:
        """Where the generated salt is kept: beside the database, never inside it."""
        return Path(f"{self.path}.salt")

    def user_hash_salt(self, connection: sqlite3.Connection, configured: str | None) -> str:
        """The configured salt, else the one in the 0600 file beside the database (created on
        first use). Schema version 1 kept the salt in the database: it moves to the file."""
        with self.transaction(connection) as cursor:
            cursor.execute("SELECT value FROM meta WHERE key = ?", (_LEGACY_SALT_KEY,))
            legacy = cursor.fetchone()
        salt = configured
        if salt is None:
            try:
                with suppress(FileExistsError):  # another process made it first: read theirs
                    descriptor = os.open(
                        self.salt_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE
                    )
                    with os.fdopen(descriptor, "w") as file:
                        file.write(legacy[0] if legacy else secrets.token_hex(16))
                salt = self.salt_file.read_text().strip()
            except OSError as error:
                raise StoreError(
                    f"cannot keep the user-hash salt in {self.salt_file}: {error.strerror}; "
                    "set USER_HASH_SALT instead"
                ) from None
        if not salt:
            raise StoreError(
                f"the salt file {self.salt_file} is empty: restore it, or delete it to start "
                "new user hashes (votes already counted stop matching), or set USER_HASH_SALT"
            )
        if legacy:
            with self.transaction(connection) as cursor:
                cursor.execute("DELETE FROM meta WHERE key = ?", (_LEGACY_SALT_KEY,))
        return salt

    def connect(self, timeout: float) -> sqlite3.Connection:
        connection = self._connect(str(self.path))
        try:
            connection.isolation_level = None  # transactions are explicit, see `transaction`
            connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def transaction(self, connection: sqlite3.Connection) -> Iterator[sqlite3.Cursor]:
        """BEGIN IMMEDIATE ... COMMIT: take the write lock up front, waiting up to the timeout."""
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            if connection.in_transaction:  # SQLite may already have rolled back (disk full)
                connection.execute("ROLLBACK")
            raise
        finally:
            cursor.close()
        connection.execute("COMMIT")

    def transient(self, error: Exception) -> bool:
        # Locked, busy, full, read-only, I/O: all may clear; a programming error will not.
        return isinstance(error, sqlite3.OperationalError)

    def describe(self, error: Exception) -> str:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
