"""`Once`: the store decides what was done already; this process's memory stands in when the
store cannot answer, so an outage costs at most a duplicate reply, never a missing one."""

from __future__ import annotations

import os

from bot.slack.dedupe import Once, SeenSet, SharedSeenSet, StoredKeyMemory


class FakeState:
    """A `SharedState` whose database can be switched off."""

    def __init__(self) -> None:
        self.claims: set[str] = set()
        self.values: dict[str, str] = {}
        self.up = True
        self.asked: list[str] = []

    def key(self, namespace: str, *parts: str) -> str:
        return f"{namespace}:hashed({'|'.join(parts)})"

    def claim(self, key: str, ttl: float) -> bool | None:
        self.asked.append(key)
        if not self.up:
            return None
        fresh = key not in self.claims
        self.claims.add(key)
        return fresh

    def add_state(self, key: str, value_json: str, ttl: float | None = None) -> bool | None:
        self.asked.append(key)
        if not self.up:
            return None
        if key in self.values:
            return False
        self.values[key] = value_json
        return True


def test_the_store_decides_and_private_ids_are_hashed():
    state = FakeState()
    seen = Once(state, "message", 60)
    assert seen.first_time("D123", "1.1") is True
    assert seen.first_time("D123", "1.1") is False  # this process's own repeat: not asked
    assert state.asked == ["message:hashed(D123|1.1)"]
    events = Once(state, "event", 60, private=False)
    assert events.first_time("Ev1") is True
    assert state.asked[-1] == "event:Ev1"


def test_another_replica_claimed_it_first():
    state = FakeState()
    state.claims.add("event:Ev9")
    assert Once(state, "event", 60, private=False).first_time("Ev9") is False


def test_memory_stands_in_when_the_store_cannot_answer():
    state = FakeState()
    seen = Once(state, "event", 60, private=False)
    assert seen.first_time("Ev1") is True  # claimed in the store, and remembered here
    state.up = False
    assert seen.first_time("Ev1") is False  # the store is down: memory still knows it
    assert seen.first_time("Ev2") is True
    assert seen.first_time("Ev2") is False


def test_a_first_time_decided_while_the_store_was_down_stays_decided():
    state = FakeState()
    seen = Once(state, "event", 60, private=False)
    state.up = False
    assert seen.first_time("Ev1") is True  # answered; the store never heard of it
    state.up = True
    assert seen.first_time("Ev1") is False  # Slack's retry: not answered twice


def test_durable_keys_are_state_not_claims():
    state = FakeState()
    greeted = Once(state, "greeted", 60, durable=True)
    assert greeted.first_time("U1") is True
    assert state.values == {"greeted:hashed(U1)": "true"} and not state.claims


def test_without_a_store_memory_decides():
    seen = Once(None, "event", 60)
    assert seen.first_time("Ev1") is True
    assert seen.first_time("Ev1") is False


def test_shared_seen_set_is_shared_with_forked_processes() -> None:
    seen = SharedSeenSet(capacity=100, ttl=60)
    assert seen.first_time("before")
    pid = os.fork()
    if pid == 0:  # the child: sees the parent's key, adds its own
        os._exit(0 if not seen.first_time("before") and seen.first_time("child") else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not seen.first_time("child")


def test_shared_seen_set_expires_forgets_and_stays_bounded() -> None:
    now = [1000.0]
    seen = SharedSeenSet(capacity=50, ttl=10, clock=lambda: now[0])
    assert seen.first_time("a") and not seen.first_time("a")
    seen.forget("a")
    assert seen.first_time("a")
    now[0] += 11
    assert seen.first_time("a")  # expired
    keys = [f"k{n}" for n in range(5_000)]  # far beyond capacity: old keys give way, no error
    assert all(seen.first_time(key) for key in keys)
    assert not seen.first_time(keys[-1])


class _Database:
    """A SharedState standing in for the store: state with expiry, or no answer at all."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.down = False
        self.now = 1000.0

    def key(self, namespace: str, *parts: str) -> str:
        return "h:" + ":".join((namespace, *parts))  # the real one is a salted hash

    def add_state(self, key: str, value_json: str, ttl: float | None = None) -> bool | None:
        if self.down:
            return None
        if self.values.get(key, 0.0) > self.now:
            return False
        self.values[key] = self.now + (ttl or float("inf"))
        return True

    def delete_state(self, key: str) -> bool:
        if self.down:
            return False
        self.values.pop(key, None)
        return True


def test_stored_key_memory_is_shared_by_every_replica_on_the_database() -> None:
    database = _Database()
    one, two = (StoredKeyMemory(database, "escalation", 60, SeenSet(ttl=60)) for _ in range(2))
    assert one.first_time(("U1", "rec-1")) is True
    assert two.first_time(("U1", "rec-1")) is False  # another replica: already passed on
    assert two.first_time(("U2", "rec-1")) is True  # another person
    assert list(database.values) == ["h:escalation:U1:rec-1", "h:escalation:U2:rec-1"]
    two.forget(("U1", "rec-1"))  # the post failed: trying again may work
    assert one.first_time(("U1", "rec-1")) is True
    database.now += 61
    assert two.first_time(("U1", "rec-1")) is True  # remembered for the TTL only


def test_stored_key_memory_falls_back_to_local_memory_when_the_database_is_down() -> None:
    database = _Database()
    memory = StoredKeyMemory(database, "escalation", 60, SeenSet(ttl=60))
    assert memory.first_time(("U1", "rec-1")) is True
    database.down = True
    assert memory.first_time(("U1", "rec-1")) is False  # this process remembers
    assert memory.first_time(("U1", "rec-2")) is True  # never refused for want of the database
    assert memory.first_time(("U1", "rec-2")) is False
