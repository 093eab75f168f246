"""Read a short follow-up against the conversation's last answer.

Given the entry id the conversation last answered and the new message, `resolve` decides:

- OTHER_ROLE: "and for a PM?" after `csm-skills` is `pm-skills` (the pairs come from
  knowledge/conversation.yaml; a comparison entry answers for both roles, so it stays itself);
- OTHER_TOPIC: "what about skills?" / "and their goals?" after an entry about one role asks the
  new topic for that same role: the words are matched again with the role added;
- MORE: "why?", "tell me more", "source?" is the last answer again;
- OWNER: "who owns that then?" asks who owns the last topic;
- NEW: anything else, matched on its own as if there were no conversation.

A message is only read as a follow-up when it is short (at most `max_words` words that carry a
topic) and shaped like one: it opens like a follow-up ("and", "what about"), refers back
("their"), or is nothing but a role or a stock phrase. A full question that names a role and a
topic ("what skills does a PM need?") is always NEW, so context never turns a clear new question
into a wrong answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.conversation.content import FollowUpRules
from bot.knowledge import Entry, KnowledgeBase
from bot.vocabulary import ROLES


class Kind(str, Enum):
    """How a message relates to the conversation's last answer."""

    NEW = "new"
    OTHER_ROLE = "other_role"
    OTHER_TOPIC = "other_topic"
    MORE = "more"
    OWNER = "owner"


@dataclass(frozen=True)
class Resolution:
    """What a message means in its conversation.

    `entry_id` is set when the answer is known from context alone (OTHER_ROLE, MORE, OWNER);
    `question` is the text to match: the message for NEW, its topic words for OTHER_TOPIC
    (asked for `role`). `context` is the entry the message was read against, None when NEW.
    """

    kind: Kind
    question: str
    entry_id: str | None = None
    context: str | None = None
    role: str | None = None


def resolve(
    knowledge: KnowledgeBase, rules: FollowUpRules, last_entry_id: str | None, text: str
) -> Resolution:
    """What `text` means after an answer from `last_entry_id` (None: no conversation yet)."""
    new = Resolution(Kind.NEW, text)
    last = knowledge.get(last_entry_id) if last_entry_id else None
    key = rules.key(text)
    if last is None or not key:
        return new
    if key in rules.more:
        return Resolution(Kind.MORE, text, last.id, last.id)
    if key in rules.owner:
        return Resolution(Kind.OWNER, text, last.id, last.id)
    opened, rest = _strip_opener(rules, key)
    roles, topic_words = _split_roles(rest)
    words = [
        word for word in topic_words if word not in rules.fillers and word not in rules.references
    ]
    referring = any(re.search(rf"\b{re.escape(phrase)}\b", rest) for phrase in rules.references)
    if len(words) > rules.max_words or len(roles) > 1:
        return new
    if len(roles) == 1 and set(words) <= rules.role_words and (opened or len(topic_words) <= 1):
        # "and for a PM?", "what about the CSM side?", "PM?": the last topic, for that role.
        (role,) = roles
        if last.roles == {"csm", "pm"} or last.roles == {role}:
            return Resolution(Kind.OTHER_ROLE, text, last.id, last.id)
        partner = rules.role_pairs.get(last.id)
        if partner is not None and knowledge.get(partner) is not None:
            return Resolution(Kind.OTHER_ROLE, text, partner, last.id)
        return new
    if not roles and words and (opened or referring) and len(last.roles) == 1:
        # "what about skills?", "and their goals?": the new topic, for the role last discussed.
        (role,) = last.roles
        return Resolution(Kind.OTHER_TOPIC, " ".join(words), None, last.id, role)
    return new


def for_role(knowledge: KnowledgeBase, rules: FollowUpRules, entry: Entry, role: str) -> Entry:
    """`entry`, or its counterpart for `role` when it is about the other role alone."""
    if entry.roles and role not in entry.roles:
        partner = knowledge.get(rules.role_pairs.get(entry.id, ""))
        if partner is not None:
            return partner
    return entry


def with_role(words: str, role: str) -> str:
    """The topic words with the role named, to match when the words alone say nothing."""
    return f"{words} {role}"


def _strip_opener(rules: FollowUpRules, key: str) -> tuple[bool, str]:
    """(whether the message opens like a follow-up, the rest of it)."""
    for opener in rules.openers:  # longest first
        if key == opener or key.startswith(opener + " "):
            return True, key[len(opener) :].strip()
    return False, key


def _split_roles(text: str) -> tuple[set[str], list[str]]:
    """The roles a message names (already collapsed into `csm` / `pm`), and its other words."""
    words = text.split()
    return {word for word in words if word in ROLES}, [w for w in words if w not in ROLES]
