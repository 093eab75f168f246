"""What reaches Bolt over HTTP: bounded, signed, first-time, well-formed requests.

Bolt reads and parses a body before it checks the signature, so an unsigned 100 MB body costs
memory and a malformed one a traceback. Here the size is checked before reading, the
signature before parsing, a replayed signature is ignored, and every refusal is one short,
throttled log line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.curation.store import QuestionStore, SharedState
from bot.slack.dedupe import Claims, KeyMemory, Once, SeenSet, SharedSeenSet, StoredKeyMemory
from bot.slack.throttle import ThrottledLog

logger = logging.getLogger(__name__)
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
SIGNATURE_WINDOW_SECONDS = 300
# Slack refuses signatures older than 5 minutes (either way of the clock), so remembering
# each one for 10 minutes is enough to recognise any replay it would still accept.
REPLAY_WINDOW_SECONDS = 600
REPLAY_MEMORY = 100_000


def replay_memory() -> KeyMemory:
    """The signatures seen in Slack's replay window (in memory, bounded, expiring)."""
    return SeenSet(capacity=REPLAY_MEMORY, ttl=REPLAY_WINDOW_SECONDS)


def shared_replay_memory() -> KeyMemory:
    """The same, shared by the HTTP worker processes forked after it is made: a replay may
    reach another worker than the original did. Shared memory, not the store: a claim in
    SQLite on every request made the workers queue for its lock (p99 0.6-0.9 s at 64 clients)."""
    return SharedSeenSet(capacity=REPLAY_MEMORY, ttl=REPLAY_WINDOW_SECONDS)


def stored_action_replays(store: SharedState) -> KeyMemory:
    """The signatures of button clicks and other interactions, remembered in the store: a
    replay may reach another replica than the original did, and a click acts (it posts a
    share, records a vote). They come at a person's pace, so the claim costs little; events
    are not claimed here (their event id is, in bot/slack/app.py), slash commands only on
    PostgreSQL (`stored_command_replays`)."""
    return StoredKeyMemory(
        store, "replay", REPLAY_WINDOW_SECONDS, SeenSet(capacity=10_000, ttl=REPLAY_WINDOW_SECONDS)
    )


def stored_command_replays(store: QuestionStore) -> Once | None:
    """The signatures of slash commands, claimed in the store when it is PostgreSQL: a replay
    reaching another replica would be answered and recorded there again (the report would
    count the question twice). A claim, one on every command, is an insert into the unlogged
    claims table: no question write locks it out and its commit waits for no disk flush, as a
    state row's would (a database crash may forget claims: a replay answered once more at
    worst). None on SQLite: a claim for every command queued for the one write lock behind
    the question writer (p99 0.6-0.9 s at 64 clients); processes sharing a SQLite file are on
    one machine, where HTTP workers share their memory of signatures."""
    if store.backend.kind != "postgresql":
        return None
    # Not hashed: a signature names nobody.
    return Once(store, "replay", REPLAY_WINDOW_SECONDS, private=False)


class RequestGuard:
    """Checks a POST to /slack/events before Bolt sees it."""

    def __init__(
        self,
        signing_secret: str,
        max_body_bytes: int,
        replays: KeyMemory,
        action_replays: KeyMemory | None = None,
        command_replays: Claims | None = None,
    ) -> None:
        """`replays` remembers every signature (this process's or the workers' memory);
        `action_replays` and `command_replays`, when given, also those of interactions and
        of slash commands, for every replica."""
        self._secret = signing_secret.encode()
        self._max_body_bytes = max_body_bytes
        self._replays = replays
        self._action_replays = action_replays
        self._command_replays = command_replays
        self._log = ThrottledLog(logger)

    def check(self, environ: dict[str, Any]) -> BoltRequest | BoltResponse:
        """The request for Bolt, or the answer to give instead (413, 401, 400, or an empty
        200 for a replay)."""
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared and (not declared.isdigit() or int(declared) > self._max_body_bytes):
            return self._refuse(413, "too large", f"a body of {declared[:20]} bytes")
        raw = environ["wsgi.input"].read(int(declared) if declared else self._max_body_bytes + 1)
        if len(raw) > self._max_body_bytes:
            return self._refuse(413, "too large", "a body over the limit")
        headers = _headers(environ)
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (timestamp.isdigit() and SIGNATURE.fullmatch(signature)):
            return self._refuse(401, "unsigned", "a request without Slack's signature headers")
        if not self._signed(raw, timestamp, signature):
            return self._refuse(401, "unsigned", "a request with a wrong or stale signature")
        if not (
            self._replays.first_time(signature) and self._first_across_replicas(raw, signature)
        ):
            self._log.log(logging.INFO, "replayed", "ignored a replayed request (same signature)")
            return BoltResponse(status=200, body="")
        try:
            request = BoltRequest(
                body=_for_bolt(raw.decode("utf-8")),
                query=environ.get("QUERY_STRING", ""),
                headers=headers,
            )
        except (ValueError, AttributeError, TypeError):
            # Bad UTF-8 or JSON is a ValueError; a JSON array or string has no fields.
            request = None
        if request is None or not isinstance(request.body.get("type", ""), str):
            return self._refuse(400, "malformed", "a signed body that is not a Slack payload")
        return request

    def _first_across_replicas(self, raw: bytes, signature: str) -> bool:
        """False when some replica has had this signature already, as far as the store knows
        (asked only for interactions and slash commands, and only when so configured)."""
        stored: Claims | None
        if raw.startswith(b"payload="):
            stored = self._action_replays
        elif _is_slash_command(raw):
            stored = self._command_replays
        else:
            return True  # an event: a replay is caught by its event id (bot/slack/app.py)
        return stored is None or stored.first_time(signature)

    def _signed(self, raw: bytes, timestamp: str, signature: str) -> bool:
        """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes them first,
        which fails on invalid UTF-8), within Slack's 5-minute window."""
        if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
            return False
        expected = hmac.new(self._secret, f"v0:{timestamp}:".encode() + raw, hashlib.sha256)
        return hmac.compare_digest(f"v0={expected.hexdigest()}", signature)

    def _refuse(self, status: int, kind: str, what: str) -> BoltResponse:
        self._log.log(logging.WARNING, kind, "refused %s: HTTP %d", what, status)
        return BoltResponse(status=status, body="")


def _for_bolt(body: str) -> str:
    """The body as Bolt should read it. Bolt takes any form body containing "payload" for an
    interaction and reads it as empty when it has no `payload` field, so a slash command
    asking "who owns the payload schema?" would go unanswered. Spelling the word's first letter
    as %70 in such a form leaves every value the same once decoded (the signature was checked
    on the bytes as sent)."""
    if "payload" not in body or body.startswith(("{", "payload=")) or "&payload=" in body:
        return body
    return body.replace("payload", "%70ayload")


def _is_slash_command(raw: bytes) -> bool:
    """Whether a body is a form with a `command` field. Form values escape `&` and `=`, so the
    field is found exactly; a JSON event may hold them unescaped in its text, so none counts."""
    return not raw.startswith(b"{") and (raw.startswith(b"command=") or b"&command=" in raw)


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """Request headers by lower-case name, as Bolt reads them."""
    headers = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers
