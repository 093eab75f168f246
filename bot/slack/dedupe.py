"""A bounded, expiring memory of things already handled (event ids, messages, greetings)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Protocol


class KeyMemory(Protocol):
    """What the Slack layer remembers (replayed signatures, escalations): in memory today
    (SeenSet); a database table with the same two methods can take its place."""

    def first_time(self, key: Hashable) -> bool:
        """Record `key`; True only the first time it is seen while remembered."""
        ...

    def forget(self, key: Hashable) -> None:
        """Forget `key`, so it counts as new again (an action that failed may be retried)."""
        ...


class SeenSet:
    """Remembers keys for `ttl` seconds, at most `capacity` of them (the oldest go first)."""

    def __init__(
        self,
        capacity: int = 10_000,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = capacity
        self._ttl = ttl
        self._clock = clock
        self._seen: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: Hashable) -> bool:
        """Record `key`; True only the first time it is seen within the time to live."""
        now = self._clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now - self._ttl:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True

    def forget(self, key: Hashable) -> None:
        """Forget `key`, so it counts as new again."""
        with self._lock:
            self._seen.pop(key, None)
