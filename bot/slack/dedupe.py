"""Things done once: Slack's retried events, a message seen twice, a person's first greeting.

`Once` asks the store, so every replica on the same database agrees and a restart remembers;
when the store cannot answer (the database is down or slow) it falls back to this process's
memory (`SeenSet`): at worst one duplicate reply, never a missing one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from bot.curation.store import SharedState


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


class Once:
    """`first_time(*parts)` is True for one caller per key, across processes sharing `store`.

    `durable` keys (greetings) survive a database crash and never expire; the others (event
    ids, messages) are claims that expire after `ttl`. `private` keys (ids of people and
    channels) are stored only as a salted hash.
    """

    def __init__(
        self,
        store: SharedState | None,
        namespace: str,
        ttl: float,
        *,
        durable: bool = False,
        private: bool = True,
        capacity: int = 10_000,
    ) -> None:
        self._store = store
        self._namespace = namespace
        self._ttl = ttl
        self._durable = durable
        self._private = private
        self._memory = SeenSet(capacity=capacity, ttl=ttl)

    def first_time(self, *parts: str) -> bool:
        """True the first time these parts are seen (by anyone, when the store answers)."""
        store = self._store
        if store is None:
            return self._memory.first_time(parts)
        name = self._namespace
        key = store.key(name, *parts) if self._private else ":".join((name, *parts))
        claimed = store.add_state(key, "true") if self._durable else store.claim(key, self._ttl)
        if claimed is None:  # the store could not answer: this process's memory decides
            return self._memory.first_time(parts)
        if claimed:
            self._memory.first_time(parts)  # remembered, in case the store fails later
        return claimed
