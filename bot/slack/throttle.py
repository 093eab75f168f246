"""Log lines an attacker (or a flood) can trigger, at most one per kind every few seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

# One line per kind per interval: 3,000 bad requests a second write one line, not 3,000.
DEFAULT_INTERVAL_SECONDS = 10.0


class ThrottledLog:
    """Writes a kind of message at most once per `interval` seconds; the next line it writes
    says how many of that kind were held back in between."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._next_allowed: dict[str, float] = {}
        self._held_back: dict[str, int] = {}
        self._lock = threading.Lock()

    def log(self, level: int, kind: str, message: str, *args: object) -> None:
        """Log `message % args` unless a line of this `kind` was written in the interval."""
        if not self._logger.isEnabledFor(level):
            return
        now = self._clock()
        with self._lock:
            if now < self._next_allowed.get(kind, float("-inf")):
                self._held_back[kind] = self._held_back.get(kind, 0) + 1
                return
            self._next_allowed[kind] = now + self._interval
            held_back = self._held_back.pop(kind, 0)
        if held_back:
            message += f" (and {held_back} more since the last such line)"
        self._logger.log(level, message, *args)
