"""Wording shared by every surface, so the terminal and Slack say the same thing."""

from __future__ import annotations

import re

from bot.knowledge import Entry, KnowledgeBase

CSM_LABEL = "Customer Success Manager (CSM)"
PM_LABEL = "Project Manager (PM)"
NOTE_LABEL = "Note"
FALLBACK_INTRO = (
    "I can't answer that one. I only know how a Customer Success Manager (CSM) "
    "and a Project Manager (PM) differ."
)
TOPICS_INTRO = "Try one of these topics:"
EMPTY_QUESTION = "Ask me how a CSM and a PM differ, for example: “What skills does a CSM need?”"

_BOLD = re.compile(r"(?<!\w)\*(\S(?:[^*]*\S)?)\*(?!\w)")
_ITALIC = re.compile(r"(?<!\w)_(\S(?:[^_]*\S)?)_(?!\w)")


def mrkdwn_to_plain(text: str) -> str:
    """Drop Slack's bold and italic marks for surfaces that cannot show them."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def citations(knowledge: KnowledgeBase, entry: Entry) -> list[str]:
    """One readable line per cited article, naming the sections the entry draws on."""
    sections: dict[str, list[str]] = {}
    for source in entry.sources:
        sections.setdefault(source.article, []).append(source.section)
    return [knowledge.cite(article, names) for article, names in sections.items()]


def related_entries(knowledge: KnowledgeBase, entry: Entry) -> list[Entry]:
    """The entry's follow-up topics that exist in this knowledge base."""
    return [found for related in entry.related if (found := knowledge.get(related))]
