"""The request guard's replay memory: every signature locally; interactions', and on PostgreSQL
slash commands', in the store too."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from collections.abc import Callable, Hashable
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest, BoltResponse

from bot.curation.backends import SqlBackend
from bot.curation.store import QuestionStore
from bot.slack.dedupe import SeenSet
from bot.slack.guard import RequestGuard, stored_command_replays

SECRET = "guard-test-secret"


class Recording(SeenSet):
    """A SeenSet that notes which keys it was asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Hashable] = []

    def first_time(self, key: Hashable) -> bool:
        self.asked.append(key)
        return super().first_time(key)


def environ(body: str) -> dict[str, object]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    raw = body.encode()
    return {
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(raw),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": f"v0={digest.hexdigest()}",
    }


CLICK = urlencode({"payload": '{"type": "block_actions", "actions": []}'})
COMMAND = urlencode({"command": "/csm-vs-pm", "text": "csm skills"})
# An event whose text looks like a form's `command` field.
EVENT = json.dumps({"type": "event_callback", "event": {"text": "a&command=/csm-vs-pm"}})


@pytest.mark.parametrize(
    ("body", "memory"), [(CLICK, "action_replays"), (COMMAND, "command_replays")]
)
def test_a_replay_is_remembered_by_every_replica(body: str, memory: str) -> None:
    """An interaction always, a slash command when asked to (on PostgreSQL)."""
    stored = Recording()
    # Two replicas: their own memories, one store.
    first = RequestGuard(SECRET, 10_000, SeenSet(), **{memory: stored})
    second = RequestGuard(SECRET, 10_000, SeenSet(), **{memory: stored})
    request = environ(body)
    assert isinstance(first.check(request), BoltRequest)
    replay = second.check({**request, "wsgi.input": io.BytesIO(body.encode())})
    assert isinstance(replay, BoltResponse) and (replay.status, replay.body) == (200, "")
    assert len(stored.asked) == 2


def test_slash_commands_and_events_never_wait_on_the_store():
    stored = Recording()
    guard = RequestGuard(SECRET, 10_000, SeenSet(), stored)
    assert isinstance(guard.check(environ(COMMAND)), BoltRequest)
    assert stored.asked == []


def test_events_never_wait_on_the_store():
    stored = Recording()
    guard = RequestGuard(SECRET, 10_000, SeenSet(), stored, stored)
    assert isinstance(guard.check(environ(EVENT)), BoltRequest)
    assert stored.asked == []


def test_slash_commands_are_claimed_in_the_store_on_postgresql_only(
    new_backend: Callable[[], SqlBackend],
):
    with (
        QuestionStore(new_backend(), salt="s") as one,
        QuestionStore(new_backend(), salt="s") as other,
    ):
        first, second = stored_command_replays(one), stored_command_replays(other)
        if one.backend.kind == "sqlite":
            assert first is None and second is None
        else:
            assert first is not None and second is not None
            assert first.first_time("v0=signature") and not second.first_time("v0=signature")


def test_a_form_that_mentions_payload_keeps_its_fields():
    """Bolt reads a form body containing "payload" as an (empty) interaction; a slash command
    about a payload schema keeps its fields."""
    body = urlencode({"command": "/csm-vs-pm", "text": "who owns the payload schema"})
    request = RequestGuard(SECRET, 10_000, SeenSet()).check(environ(body))
    assert isinstance(request, BoltRequest)
    assert request.body["text"] == "who owns the payload schema"
    click = RequestGuard(SECRET, 10_000, SeenSet()).check(environ(CLICK))
    assert isinstance(click, BoltRequest) and click.body["type"] == "block_actions"
