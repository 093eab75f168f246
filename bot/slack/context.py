"""What the listeners share: the answer service and how to answer a message once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering import Answered, AnswerService
from bot.curation.store import SharedState
from bot.render.blocks import (
    Message,
    entry_message,
    fallback_message,
    not_covered_message,
    owner_message,
)
from bot.settings import Settings
from bot.slack.dedupe import KeyMemory, Once, SeenSet

logger = logging.getLogger(__name__)
# Longer questions are cut before matching: nobody asks about CSM vs PM in 40,000 characters.
MAX_QUESTION_CHARS = 2000
# Slack retries an event for a few minutes; an hour of memory covers that with room to spare.
SEEN_TTL = 3600.0
GREETED_TTL = 365 * 86400.0


def answered_once(store: SharedState | None) -> Once:
    """Messages (channel + ts) answered, by any replica."""
    return Once(store, "message", SEEN_TTL)


def greeted_once(store: SharedState | None) -> Once:
    """People greeted in DM, by any replica, remembered across restarts."""
    return Once(store, "greeted", GREETED_TTL, durable=True, capacity=100_000)


@dataclass
class BotContext:
    """Shared by every listener."""

    service: AnswerService
    settings: Settings
    # Claims and small state shared by every replica (None: this process's memory only).
    state: SharedState | None = None
    # A message that arrives both as app_mention and as message.im is answered once.
    answered_messages: Once = field(default_factory=lambda: answered_once(None))
    # People greeted in DM (kept in the store when there is one: a restart does not re-greet).
    greeted: Once = field(default_factory=lambda: greeted_once(None))
    # (person, answer) pairs already passed on by "Ask a person".
    escalations: KeyMemory = field(
        default_factory=lambda: SeenSet(capacity=100_000, ttl=30 * 86400)
    )

    @property
    def can_escalate(self) -> bool:
        """Whether "Ask a person" has somewhere to go."""
        return self.settings.escalation_channel is not None

    def ask(self, question: str, surface: str, user_id: str | None) -> Answered:
        """Answer a question from Slack, cut to a sane length first."""
        return self.service.ask(question[:MAX_QUESTION_CHARS], surface, user_id)

    def render(self, answered: Answered, *, shareable: bool = False) -> Message:
        """The Block Kit message for an answer or, when the bot abstains, the fallback."""
        match = answered.match
        if match.not_covered and match.subject:
            return not_covered_message(
                answered.knowledge,
                match.subject,
                match.question,
                suggestions=match.suggestions,
                record_id=answered.record_id,
                escalate=self.can_escalate,
            )
        if match.duty is not None:
            return owner_message(
                answered.knowledge,
                match.duty,
                question=match.question,
                record_id=answered.record_id,
                suggestions=match.suggestions,
                shareable=shareable,
            )
        if match.entry is None:
            return fallback_message(
                answered.knowledge,
                # Nothing to match (an empty mention, emoji only) is not an off-topic question.
                match.question if match.normalized else "",
                suggestions=match.suggestions,
                record_id=answered.record_id,
                escalate=self.can_escalate,
            )
        return entry_message(
            answered.knowledge,
            match.entry,
            question=match.question,
            record_id=answered.record_id,
            suggestions=match.suggestions,
            shareable=shareable,
        )

    def post(self, client: WebClient, channel: str, message: Message, **extra: Any) -> bool:
        """Post a message; a Web API error is logged in one line, never raised."""
        text, blocks = message
        try:
            client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra)
        except SlackApiError as error:
            logger.warning(
                "chat.postMessage to %s failed: %s", channel, error.response.get("error")
            )
            return False
        return True

    def first_time(self, event: dict[str, Any]) -> bool:
        """True the first time this message (channel + ts) is seen, whatever event carried it."""
        return self.answered_messages.first_time(str(event.get("channel")), str(event.get("ts")))


def acknowledge(ack: Ack) -> None:
    """The acknowledging half of a listener whose work (Bolt's lazy half) talks to Slack:
    Slack hears back at once, and the work runs later on the reply pool."""
    ack()
