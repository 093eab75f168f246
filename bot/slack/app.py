"""Build the Bolt app: an injected Web API client, de-duplication, and the listeners.

Listeners run on the thread that received the request (Bolt's `process_before_response`), so
an acknowledgement never waits for a free worker; whatever talks to Slack afterwards runs on
the Outbox, a bounded pool of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.answering import AnswerService
from bot.conversation.state import ConversationStore, MemoryState
from bot.curation.store import SharedState
from bot.settings import ENV_API_URL, ENV_BOT_TOKEN, ConfigError, Settings, redact, url_secrets
from bot.slack import payloads
from bot.slack.context import (
    ESCALATION_TTL,
    SEEN_TTL,
    BotContext,
    answered_once,
    greeted_once,
)
from bot.slack.dedupe import KeyMemory, Once, StoredKeyMemory
from bot.slack.listeners import assistant, register_listeners
from bot.slack.outbox import Outbox
from bot.slack.throttle import ThrottledLog

logger = logging.getLogger(__name__)
# Each 429 is retried after the Retry-After Slack gives; two retries ride out a short burst.
RATE_LIMIT_RETRIES = 2
# A longer wait than this is not worth holding a reply thread for: the answer is given up on.
MAX_RETRY_AFTER_SECONDS = 30


class _BoundedRateLimitRetry(RateLimitErrorRetryHandler):
    """Retries a 429 after Slack's Retry-After, unless that is missing, odd, or too long."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        waits = [v for k, vs in response.headers.items() if k.lower() == "retry-after" for v in vs]
        return bool(waits) and waits[0].isdigit() and int(waits[0]) <= MAX_RETRY_AFTER_SECONDS


def build_client(settings: Settings) -> WebClient:
    """A Web API client at `SLACK_API_URL` that retries connection errors and rate limits."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            _BoundedRateLimitRetry(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


class _QuietTokenNotice(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN itself, then warns that the client's token wins: it is
    the same token, so the warning would only alarm whoever starts the bot."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


class ServingStore(SharedState, ConversationStore, Protocol):
    """The question store as the app uses it: claims and state shared by every replica, and
    the quiz answers recorded for the report."""


def _assistant_enabled(client: WebClient) -> bool:
    """Whether the app was installed with the assistant surface (its scope was granted)."""
    try:
        headers = client.auth_test().headers
    except (SlackApiError, OSError) as error:
        logger.warning("could not read the bot token's scopes; assistant surface off: %s", error)
        return False
    scopes = next((v for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    return assistant.granted(scopes if isinstance(scopes, str) else None)


def build_app(
    settings: Settings,
    service: AnswerService,
    store: ServingStore | None = None,
    escalations: KeyMemory | None = None,
) -> App:
    """The Bolt app; raises ConfigError (one line) if Slack rejects the bot token.

    With a `store`, what is done once (events, messages, greetings) is agreed with every other
    replica on the same database, and conversations, tour progress and quiz answers are kept
    there; without one, this process remembers them in memory. `escalations` remembers what
    "Ask a person" passed on (this process's memory by default; the HTTP workers share one),
    behind the store when there is one, so that replicas agree too.
    """
    client = build_client(settings)
    secrets = url_secrets(settings.api_url)
    if secrets:  # slack_sdk logs the URLs it calls
        for handler in logging.getLogger().handlers:
            handler.addFilter(_Redact(secrets))
    bolt_logger = logging.getLogger("slack_bolt.App")
    quiet = _QuietTokenNotice()
    bolt_logger.addFilter(quiet)
    api_url = redact(settings.api_url, secrets)
    try:
        # Bolt calls auth.test here, through the client given to it.
        app = App(
            client=client,
            signing_secret=settings.signing_secret or "",
            process_before_response=True,
            # HTTP requests are verified before Bolt parses them (bot/slack/guard.py).
            request_verification_enabled=False,
            listener_executor=Outbox(settings.reply_workers, settings.reply_queue),
        )
    except (BoltError, SlackApiError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else error
        raise ConfigError(
            f"Slack did not accept {ENV_BOT_TOKEN} ({reason}) at {api_url}: check the "
            f"token on your app's OAuth & Permissions page, and {ENV_API_URL} if you set it"
        ) from None
    except (OSError, ValueError) as error:  # no network, a wrong SLACK_API_URL, a proxy
        reason = getattr(error, "reason", error)
        raise ConfigError(
            f"could not reach Slack at {api_url} ({redact(str(reason), secrets)}): check the "
            f"network, and {ENV_API_URL} if you set it"
        ) from None
    finally:
        bolt_logger.removeFilter(quiet)

    @app.error
    def log_listener_error(error: Exception) -> BoltResponse:
        """A listener that fails is one line (the traceback at DEBUG); Slack gets an empty
        acknowledgement, not a 500 it would retry."""
        logger.error(
            "a listener failed: %s: %s",
            type(error).__name__,
            error,
            exc_info=logger.isEnabledFor(logging.DEBUG),
        )
        return BoltResponse(status=200, body="")

    # First: Bolt's own argument injection fails on some odd payloads (empty `actions`).
    app.use(_SkipMalformedPayloads())
    app.use(_SkipRepeatedEvents(Once(store, "event", SEEN_TTL, private=False)))
    context = BotContext(
        service=service,
        settings=settings,
        state=store,
        answered_messages=answered_once(store),
        greeted=greeted_once(store),
        store=store if store is not None else MemoryState(),
    )
    if escalations is not None:
        context.escalations = escalations
    if store is not None:
        # A second click may reach another replica: the database remembers for all of them.
        context.escalations = StoredKeyMemory(
            store, "escalation", ESCALATION_TTL, context.escalations
        )
    register_listeners(app, context, assistant_surface=_assistant_enabled(client))
    return app


# Bolt middleware as classes: a function middleware costs an argument injection per request.


class _SkipRepeatedEvents(Middleware):
    """Slack retries an event it thinks was missed; Bolt does not de-duplicate them (across
    replicas too, when `seen` is kept in the shared store)."""

    def __init__(self, seen: Once) -> None:
        self._seen = seen

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = req.body.get("event_id")
        if event_id and not self._seen.first_time(event_id):
            logger.info("ignoring a repeat of event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()


class _SkipMalformedPayloads(Middleware):
    """A signed payload Slack would not send is acknowledged (so it is not retried) and
    logged in one line, never handed to a listener."""

    def __init__(self) -> None:
        self._log = ThrottledLog(logger)

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        problem = payloads.problem(req.body)
        if problem:
            self._log.log(logging.WARNING, "malformed", "ignored a payload: %s", problem)
            return BoltResponse(status=200, body="")
        return next()


class _Redact(logging.Filter):
    """Hides secrets (credentials in SLACK_API_URL) in every log line."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            record.msg, record.args = redact(message, self._secrets), None
        return True
