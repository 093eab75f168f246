"""Things done once: Slack's retried events, a message seen twice, a person's first greeting.

`Once` asks the store, so every replica on the same database agrees and a restart remembers;
when the store cannot answer (the database is down or slow) it falls back to this process's
memory (`SeenSet`): at worst one duplicate reply, never a missing one.
"""

from __future__ import annotations

import hashlib
import mmap
import multiprocessing
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Protocol

from bot.curation.store import SharedState


class Claims(Protocol):
    """Says whether a key is new: a `KeyMemory`, or `Once` (claims in the store)."""

    def first_time(self, key: str, /) -> bool:
        """True only the first time `key` is seen."""
        ...


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


class SharedSeenSet:
    """A `SeenSet` that every process forked after it is made shares (HTTP workers).

    Keys are kept as 64-bit fingerprints with their expiry time in anonymous shared memory
    (16 bytes a key), in an open-addressed table with short probes: when a probe finds no free
    or expired slot, the key closest to expiring gives way, so `capacity` bounds memory as the
    SeenSet's does. A process-shared lock guards it; when that lock cannot be had quickly (a
    worker killed while holding it), this process's own memory decides, so a key is never
    refused for want of the table.
    """

    _PROBES = 32
    _LOCK_WAIT = 0.05  # seconds; a lookup takes microseconds

    def __init__(
        self, capacity: int = 10_000, ttl: float = 3600.0, clock: Callable[[], float] = time.time
    ) -> None:
        # Twice the slots: probes stay short while the table holds `capacity` keys.
        self._slots = 2 * capacity
        self._ttl = ttl
        self._clock = clock  # wall time: the same in every process
        self._memory = mmap.mmap(-1, 16 * self._slots)  # MAP_SHARED: forked children see it
        self._keys = memoryview(self._memory)[: 8 * self._slots].cast("Q")
        self._expiries = memoryview(self._memory)[8 * self._slots :].cast("d")
        self._lock = multiprocessing.Lock()
        self._fallback = SeenSet(capacity=capacity, ttl=ttl)

    def first_time(self, key: Hashable) -> bool:
        """Record `key`; True only the first time any sharing process sees it within the TTL."""
        if not self._lock.acquire(timeout=self._LOCK_WAIT):
            return self._fallback.first_time(key)
        try:
            return self._claim(self._fingerprint(key), self._clock())
        finally:
            self._lock.release()

    def forget(self, key: Hashable) -> None:
        """Forget `key`, so it counts as new again (in every sharing process)."""
        self._fallback.forget(key)
        if not self._lock.acquire(timeout=self._LOCK_WAIT):
            return
        try:
            fingerprint = self._fingerprint(key)
            for slot in self._probe(fingerprint):
                if self._keys[slot] == fingerprint:
                    self._expiries[slot] = 0.0
        finally:
            self._lock.release()

    def _claim(self, fingerprint: int, now: float) -> bool:
        keys, expiries = self._keys, self._expiries
        free = soonest = None
        for slot in self._probe(fingerprint):
            live = expiries[slot] > now
            if live and keys[slot] == fingerprint:
                return False
            if not live and free is None:
                free = slot
            if soonest is None or expiries[slot] < expiries[soonest]:
                soonest = slot
        chosen = free if free is not None else soonest
        assert chosen is not None
        keys[chosen], expiries[chosen] = fingerprint, now + self._ttl
        return True

    def _probe(self, fingerprint: int) -> range:
        start = fingerprint % (self._slots - self._PROBES)
        return range(start, start + self._PROBES)

    @staticmethod
    def _fingerprint(key: Hashable) -> int:
        # A stable hash (str's hash differs between interpreters); 0 never names a key.
        digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") or 1


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
        # A repeat this process has seen is a repeat whatever the store says: the first time
        # may have been decided here alone, while the store could not answer.
        if not self._memory.first_time(parts):
            return False
        store = self._store
        if store is None:
            return True
        name = self._namespace
        key = store.key(name, *parts) if self._private else ":".join((name, *parts))
        claimed = store.add_state(key, "true") if self._durable else store.claim(key, self._ttl)
        return True if claimed is None else claimed  # None: the store could not answer


class StoredKeyMemory:
    """A `KeyMemory` every replica on one database shares (escalations), kept in the store's
    state with a time to live. `local` (this process's, or the HTTP workers' shared memory)
    remembers too and decides alone when the database cannot answer: at worst one duplicate,
    never a refused first time. Keys are stored as a salted hash (they name people)."""

    def __init__(self, store: SharedState, namespace: str, ttl: float, local: KeyMemory) -> None:
        self._store = store
        self._namespace = namespace
        self._ttl = ttl
        self._local = local

    def first_time(self, key: Hashable) -> bool:
        """Record `key`; True only the first time any replica sees it within the TTL."""
        stored = self._store.add_state(self._key(key), "true", self._ttl)
        if stored is None:
            return self._local.first_time(key)
        if stored:
            self._local.first_time(key)  # remembered, in case the store fails later
        return stored

    def forget(self, key: Hashable) -> None:
        """Forget `key` everywhere, so it counts as new again."""
        self._store.delete_state(self._key(key))
        self._local.forget(key)

    def _key(self, key: Hashable) -> str:
        parts = key if isinstance(key, tuple) else (key,)
        return self._store.key(self._namespace, *(str(part) for part in parts))
