"""Answer a message within its conversation: follow-ups read against the last answer.

`ConversationService` is what the Slack DMs and threads and the offline `chat` use: it reads
the conversation's last entry from `ConversationMemory`, resolves the message with
`followup.resolve`, answers through `AnswerService` (so every answer is recorded as usual), and
remembers what it answered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.answering import Answered, AnswerService, owner_answer
from bot.conversation.followup import Kind, Resolution, for_role, resolve, with_role
from bot.conversation.state import ConversationMemory
from bot.knowledge import Entry
from bot.matcher import Match

# A follow-up answered from context alone is certain of its entry: it was not guessed by matching.
FOLLOW_UP_SCORE = 100.0
# A topic asked "for the role last discussed" that matches this well with the role named is
# that role's page ("responsibilities" + CSM scores 100); below it, the role only picks a side.
ROLE_TOPIC_SURE = 90.0


@dataclass(frozen=True)
class Reply:
    """An answer and, when it was read as a follow-up, the entry it followed up on."""

    answered: Answered
    follow_up: Entry | None = None


class ConversationService:
    """Answers messages within conversations (a DM, a channel thread, a `chat` session)."""

    def __init__(self, service: AnswerService, memory: ConversationMemory) -> None:
        self.service = service
        self.memory = memory

    def ask(
        self, text: str, conversation: str | None, surface: str, user_id: str | None = None
    ) -> Reply:
        """Answer `text`; `conversation` None answers it alone (a slash command)."""
        snapshot = self.service.library.snapshot
        knowledge = snapshot.knowledge
        rules = knowledge.companions.followups if knowledge.companions else None
        last = self.memory.last_entry(conversation) if conversation and rules else None
        resolution = resolve(knowledge, rules, last, text) if rules else Resolution(Kind.NEW, text)
        match = None
        if resolution.entry_id is not None:
            duty = (
                owner_answer(knowledge, resolution.entry_id)
                if resolution.kind is Kind.OWNER
                else None
            )
            entry = knowledge.get(duty.topic if duty else resolution.entry_id)
            if entry is not None:
                match = Match(
                    question=text,
                    normalized=knowledge.vocabulary.normalize(text),
                    entry=entry,
                    score=FOLLOW_UP_SCORE,
                    duty=duty,
                )
        elif resolution.kind is Kind.OTHER_TOPIC and rules and resolution.role:
            # "skills" + the role last discussed is near-certain when the topic has a page per
            # role; otherwise ("goals") the words alone find the topic and the role picks its side.
            topic = snapshot.matcher.match(with_role(resolution.question, resolution.role))
            if topic.entry is None or topic.score < ROLE_TOPIC_SURE:
                alone = snapshot.matcher.match(resolution.question)
                topic = alone if alone.entry is not None else topic
            if topic.entry is not None:
                entry = for_role(knowledge, rules, topic.entry, resolution.role)
                match = replace(
                    topic,
                    question=text,
                    normalized=knowledge.vocabulary.normalize(text),
                    entry=entry,
                    # An owner answer about the other role's topic no longer applies.
                    duty=topic.duty if entry == topic.entry else None,
                )
        if match is None:  # a new question, or a follow-up that led nowhere: match it alone
            resolution = Resolution(Kind.NEW, text)
            match = snapshot.matcher.match(text)
        answered = self.service.record(match, knowledge, surface, user_id)
        if conversation and match.entry is not None:
            self.memory.remember(conversation, match.entry.id)
        context = knowledge.get(resolution.context) if resolution.context else None
        return Reply(answered, context)
