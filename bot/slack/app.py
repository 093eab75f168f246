"""Build the Bolt app: an injected Web API client, de-duplication, and the listeners."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.answering import AnswerService
from bot.conversation.state import ConversationStore, MemoryState
from bot.curation.store import SharedState
from bot.settings import ENV_API_URL, ENV_BOT_TOKEN, ConfigError, Settings
from bot.slack.context import SEEN_TTL, BotContext, answered_once, greeted_once
from bot.slack.dedupe import Once
from bot.slack.listeners import assistant, register_listeners

logger = logging.getLogger(__name__)
# Each 429 is retried after the Retry-After Slack gives; two retries ride out a short burst.
RATE_LIMIT_RETRIES = 2


def build_client(settings: Settings) -> WebClient:
    """A Web API client at `SLACK_API_URL` that retries connection errors and rate limits."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
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


def build_app(settings: Settings, service: AnswerService, store: ServingStore | None = None) -> App:
    """The Bolt app; raises ConfigError (one line) if Slack rejects the bot token.

    With a `store`, what is done once (events, messages, greetings) is agreed with every other
    replica on the same database, and conversations, tour progress and quiz answers are kept
    there; without one, this process remembers them in memory.
    """
    client = build_client(settings)
    bolt_logger = logging.getLogger("slack_bolt.App")
    quiet = _QuietTokenNotice()
    bolt_logger.addFilter(quiet)
    try:
        # Bolt calls auth.test here, through the client given to it.
        app = App(client=client, signing_secret=settings.signing_secret or "")
    except (BoltError, SlackApiError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else error
        raise ConfigError(
            f"Slack did not accept {ENV_BOT_TOKEN} ({reason}) at {settings.api_url}: check the "
            f"token on your app's OAuth & Permissions page, and {ENV_API_URL} if you set it"
        ) from None
    except OSError as error:  # no network, a wrong SLACK_API_URL, a proxy in the way
        reason = getattr(error, "reason", error)
        raise ConfigError(
            f"could not reach Slack at {settings.api_url} ({reason}): check the network, "
            f"and {ENV_API_URL} if you set it"
        ) from None
    finally:
        bolt_logger.removeFilter(quiet)
    seen_events = Once(store, "event", SEEN_TTL, private=False)

    def skip_repeated_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Slack retries an event it thinks was missed; Bolt does not de-duplicate them."""
        event_id = body.get("event_id")
        if event_id and not seen_events.first_time(event_id):
            logger.info("ignoring a repeat of event %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    app.use(skip_repeated_events)
    context = BotContext(
        service=service,
        settings=settings,
        state=store,
        answered_messages=answered_once(store),
        greeted=greeted_once(store),
        store=store if store is not None else MemoryState(),
    )
    register_listeners(app, context, assistant_surface=_assistant_enabled(client))
    return app
