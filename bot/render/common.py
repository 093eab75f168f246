"""Wording shared by every surface, so the terminal and Slack say the same thing."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.knowledge import OWNER_BOTH, Duty, Entry, KnowledgeBase, SourceRef, Subject
from bot.matcher import Match
from bot.vocabulary import CSM, PM

CSM_LABEL = "Customer Success Manager (CSM)"
PM_LABEL = "Project Manager (PM)"
NOTE_LABEL = "Note"
OWNER_LABELS = {CSM: CSM_LABEL, PM: PM_LABEL, OWNER_BOTH: "Both: the CSM and the PM"}
# The other role's part of a duty, by owner; for a shared duty, simply more of the story.
OTHER_PART_LABELS = {CSM: "The PM's part", PM: "The CSM's part", OWNER_BOTH: "How they split it"}
READ_MORE_LABEL = "Read more"
NOT_COVERED_SUGGESTION = "Closest topic I can help with"
FALLBACK_INTRO = (
    "I can't answer that one. I only know how a Customer Success Manager (CSM) "
    "and a Project Manager (PM) differ."
)
TOPICS_INTRO = "Try one of these topics:"
# A runner-up is worth a "did you mean" only when the answer itself is not clear-cut. On the
# topic questions of tests/data/dev.yaml, a "did you mean" under 75 still reaches 5 of the 6
# wrong answers whose right topic is a runner-up, and leaves 18 of the 63 right answers that
# have runners-up without a needless one (see README, "Running it on Slack").
CLOSE_CALL_SCORE = 75.0
EMPTY_QUESTION = "Ask me how a CSM and a PM differ, for example: “What skills does a CSM need?”"

_BOLD = re.compile(r"(?<!\w)\*(\S(?:[^*]*\S)?)\*(?!\w)")
_ITALIC = re.compile(r"(?<!\w)_(\S(?:[^_]*\S)?)_(?!\w)")


def mrkdwn_to_plain(text: str) -> str:
    """Drop Slack's bold and italic marks for surfaces that cannot show them."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def owner_line(duty: Duty) -> str:
    """The first line of an owner answer: who owns the duty, plainly."""
    return f"Owner: {OWNER_LABELS[duty.owner]}"


def not_covered_title(subject: Subject) -> str:
    """The heading of a "not covered" reply."""
    return f"Not covered: {subject.title}"


def citations(knowledge: KnowledgeBase, cited: Entry | Duty) -> list[str]:
    """One readable line per cited article, naming the sections an entry or duty draws on."""
    return cite_sources(knowledge, cited.sources)


def cite_sources(knowledge: KnowledgeBase, sources: Iterable[SourceRef]) -> list[str]:
    """One readable line per article among `sources`, naming its sections."""
    sections: dict[str, list[str]] = {}
    for source in sources:
        sections.setdefault(source.article, []).append(source.section)
    return [knowledge.cite(article, names) for article, names in sections.items()]


def related_entries(knowledge: KnowledgeBase, entry: Entry) -> list[Entry]:
    """The entry's follow-up topics that exist in this knowledge base."""
    return [found for related in entry.related if (found := knowledge.get(related))]


def did_you_mean(match: Match) -> tuple[Entry, ...]:
    """The runners-up worth offering: all of them when the bot abstains or the answer is a close
    call, none when the answer is clear-cut."""
    if match.entry is None or match.score < CLOSE_CALL_SCORE:
        return match.suggestions
    return ()


def following_up(entry: Entry, *, plain: bool = False) -> str:
    """The one line saying an answer was understood against the conversation's last topic."""
    title = entry.title if plain else f"*{entry.title}*"
    return f"Following up on {title}:"
