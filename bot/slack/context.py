"""What the listeners share: the answer service and how to answer a message once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering import Answered, AnswerService
from bot.conversation.content import FollowUpRules, Tour
from bot.conversation.service import ConversationService, Reply
from bot.conversation.state import (
    ConversationMemory,
    ConversationStore,
    MemoryState,
    dm_conversation,
    thread_conversation,
)
from bot.curation.store import SharedState
from bot.knowledge import Entry
from bot.render.blocks import (
    Message,
    entry_message,
    fallback_message,
    not_covered_message,
    owner_message,
    with_follow_up,
    with_greeting,
)
from bot.render.common import did_you_mean
from bot.settings import Settings
from bot.slack.dedupe import KeyMemory, Once, SeenSet, SharedSeenSet

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


# "Ask a person" passes a question on once per answer and person for this long.
ESCALATION_TTL = 30 * 86400
ESCALATION_MEMORY = 100_000


def shared_escalations() -> KeyMemory:
    """The escalations already made, shared by the HTTP worker processes forked after it is
    made: a second click may reach another worker."""
    return SharedSeenSet(capacity=ESCALATION_MEMORY, ttl=ESCALATION_TTL)


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
        default_factory=lambda: SeenSet(capacity=ESCALATION_MEMORY, ttl=ESCALATION_TTL)
    )
    # Conversation context, tour progress and quiz answers (the question store when serving).
    store: ConversationStore = field(default_factory=MemoryState)
    memory: ConversationMemory = field(init=False)
    conversation: ConversationService = field(init=False)

    def __post_init__(self) -> None:
        hash_key = self.state.key if self.state is not None else None
        self.memory = ConversationMemory(self.store, self.settings.conversation_ttl, hash_key)
        self.conversation = ConversationService(self.service, self.memory)

    @property
    def rules(self) -> FollowUpRules | None:
        """How follow-ups, greetings and tour requests are recognised, if the curators say."""
        companions = self.service.knowledge.companions
        return companions.followups if companions else None

    @property
    def tour(self) -> Tour | None:
        """The onboarding tour, if the knowledge base has one."""
        companions = self.service.knowledge.companions
        return companions.tour if companions else None

    def asks_for_tour(self, text: str) -> bool:
        """Whether a message asks for the tour ("tour", "onboarding", "start")."""
        rules = self.rules
        return bool(rules and self.tour and rules.asks_for_tour(text))

    def converse(
        self, question: str, conversation: str, surface: str, user_id: str | None
    ) -> Reply:
        """Answer a message in a DM or thread, reading short follow-ups against its context."""
        return self.conversation.ask(question[:MAX_QUESTION_CHARS], conversation, surface, user_id)

    @property
    def can_escalate(self) -> bool:
        """Whether "Ask a person" has somewhere to go."""
        return self.settings.escalation_channel is not None

    def ask(self, question: str, surface: str, user_id: str | None) -> Answered:
        """Answer a question from Slack, cut to a sane length first."""
        return self.service.ask(question[:MAX_QUESTION_CHARS], surface, user_id)

    def render(
        self,
        answered: Answered,
        *,
        shareable: bool = False,
        greeting: bool = False,
        follow_up: Entry | None = None,
    ) -> Message:
        """The Block Kit message for an answer or, when the bot abstains, the fallback.

        `greeting` folds the welcome into a first DM's answer; `follow_up` is the entry the
        message was read against, said in one line.
        """
        message = self._message(answered, shareable=shareable)
        if follow_up is not None:
            message = with_follow_up(message, follow_up)
        return with_greeting(message, answered.knowledge) if greeting else message

    def _message(self, answered: Answered, *, shareable: bool) -> Message:
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
                suggestions=did_you_mean(match),
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
            suggestions=did_you_mean(match),
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

    def remember_topic(self, body: dict[str, Any], entry_id: str) -> None:
        """A topic clicked in a DM or a thread becomes that conversation's last answer."""
        container = body.get("container", {})
        channel = container.get("channel_id") or body.get("channel", {}).get("id") or ""
        if container.get("is_ephemeral") or container.get("type") == "view" or not channel:
            return  # a private answer or App Home: no conversation to continue
        original = body.get("message", {})
        if channel.startswith("D"):
            self.memory.remember(dm_conversation(channel), entry_id)
        elif root := original.get("thread_ts") or original.get("ts"):
            self.memory.remember(thread_conversation(channel, root), entry_id)

    @staticmethod
    def replace_ephemeral(body: dict[str, Any], respond: Respond, message: Message) -> bool:
        """Replace the clicked message through the response_url if it is ephemeral (only
        Slack can change those); False if it is not, so the caller updates it another way."""
        if not body.get("container", {}).get("is_ephemeral"):
            return False
        text, blocks = message
        respond(text=text, blocks=blocks, replace_original=True, response_type="ephemeral")
        return True

    def first_time(self, event: dict[str, Any]) -> bool:
        """True the first time this message (channel + ts) is seen, whatever event carried it."""
        return self.answered_messages.first_time(str(event.get("channel")), str(event.get("ts")))


def acknowledge(ack: Ack) -> None:
    """The acknowledging half of a listener whose work (Bolt's lazy half) talks to Slack:
    Slack hears back at once, and the work runs later on the reply pool."""
    ack()
