"""Log lines an attacker (or a flood) can trigger, at most one per kind every few seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

# One line per kind per interval: 3,000 bad requests a second write one line, not 3,000.
DEFAULT_INTERVAL_SECONDS = 10.0


class Throttle:
    """Admits one event per kind every `interval` seconds and counts the rest."""

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._next_allowed: dict[str, float] = {}
        self._held_back: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, kind: str) -> int | None:
        """None when this event is held back; else how many of its kind were held back since
        the last one admitted."""
        now = self._clock()
        with self._lock:
            if now < self._next_allowed.get(kind, float("-inf")):
                self._held_back[kind] = self._held_back.get(kind, 0) + 1
                return None
            self._next_allowed[kind] = now + self._interval
            return self._held_back.pop(kind, 0)


def _with_count(message: str, held_back: int) -> str:
    return f"{message} (and {held_back} more since the last such line)" if held_back else message


class ThrottledLog:
    """Writes a kind of message at most once per interval; the next line it writes says how
    many of that kind were held back in between."""

    def __init__(self, logger: logging.Logger, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._logger = logger
        self._throttle = Throttle(interval)

    def log(self, level: int, kind: str, message: str, *args: object) -> None:
        """Log `message % args` unless a line of this `kind` was written in the interval."""
        if not self._logger.isEnabledFor(level):
            return
        held_back = self._throttle.admit(kind)
        if held_back is not None:
            self._logger.log(level, _with_count(message, held_back), *args)


class ThrottledRecords(logging.Filter):
    """The same limit for another library's logger: at most one line per interval."""

    def __init__(self, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        super().__init__()
        self._throttle = Throttle(interval)

    def filter(self, record: logging.LogRecord) -> bool:
        held_back = self._throttle.admit(record.name)
        if held_back is None:
            return False
        record.msg, record.args = _with_count(record.getMessage(), held_back), None
        return True
