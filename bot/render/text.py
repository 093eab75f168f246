"""Plain-text answers for the terminal and for `ask --json`."""

from __future__ import annotations

from bot.knowledge import Duty, Entry, KnowledgeBase, Subject
from bot.matcher import Match
from bot.render.common import (
    CSM_LABEL,
    EMPTY_QUESTION,
    FALLBACK_INTRO,
    NOT_COVERED_SUGGESTION,
    NOTE_LABEL,
    OTHER_PART_LABELS,
    PM_LABEL,
    READ_MORE_LABEL,
    TOPICS_INTRO,
    citations,
    did_you_mean,
    mrkdwn_to_plain,
    not_covered_title,
    owner_line,
    related_entries,
)


def _topic_line(entry: Entry) -> str:
    return f"  - {entry.title}  [{entry.id}]"


def render_entry(knowledge: KnowledgeBase, entry: Entry) -> str:
    """An entry as readable text: title, summary, each side, note, sources, related topics."""
    answer = entry.answer
    parts = [f"{entry.title}\n{'=' * len(entry.title)}", mrkdwn_to_plain(answer.summary)]
    for label, side in ((CSM_LABEL, answer.csm), (PM_LABEL, answer.pm)):
        if side:
            parts.append(f"{label}\n{mrkdwn_to_plain(side)}")
    if answer.note:
        parts.append(f"{NOTE_LABEL}\n{mrkdwn_to_plain(answer.note)}")
    parts.append("Source: " + "; ".join(citations(knowledge, entry)))
    related = related_entries(knowledge, entry)
    if related:
        parts.append("Related topics:\n" + "\n".join(_topic_line(topic) for topic in related))
    return "\n\n".join(parts)


def render_owner(knowledge: KnowledgeBase, duty: Duty, topic: Entry | None) -> str:
    """An owner answer: who owns it first, then why, the other role's part, source, topic."""
    parts = [f"{owner_line(duty)}\n{duty.duty}", mrkdwn_to_plain(duty.why)]
    if duty.other:
        parts.append(f"{OTHER_PART_LABELS[duty.owner]}: {mrkdwn_to_plain(duty.other)}")
    parts.append("Source: " + "; ".join(citations(knowledge, duty)))
    if topic:
        parts.append(f"{READ_MORE_LABEL}:\n{_topic_line(topic)}")
    return "\n\n".join(parts)


def render_not_covered(knowledge: KnowledgeBase, subject: Subject, suggested: Entry | None) -> str:
    """A kind, specific "the articles don't cover that", with the closest covered topic."""
    parts = [not_covered_title(subject), mrkdwn_to_plain(subject.reply or "")]
    if suggested:
        parts.append(f"{NOT_COVERED_SUGGESTION}:\n{_topic_line(suggested)}")
    return "\n\n".join(parts)


def render_topics(knowledge: KnowledgeBase) -> str:
    """Every topic, one per line, with the id to ask for it."""
    return "\n".join(_topic_line(entry) for entry in knowledge.topics())


def render_fallback(knowledge: KnowledgeBase, match: Match) -> str:
    """The friendly answer when the bot abstains: what it can do and where to start."""
    lead = FALLBACK_INTRO if match.normalized else EMPTY_QUESTION
    return f"{lead}\n\n{TOPICS_INTRO}\n{render_topics(knowledge)}"


def render_match(knowledge: KnowledgeBase, match: Match) -> str:
    """The full terminal answer for a match, with "did you mean" suggestions on close calls."""
    if match.not_covered and match.subject:
        suggested = match.suggestions[0] if match.suggestions else None
        return render_not_covered(knowledge, match.subject, suggested)
    if match.duty:
        text = render_owner(knowledge, match.duty, match.entry)
    elif match.entry:
        text = render_entry(knowledge, match.entry)
    else:
        text = render_fallback(knowledge, match)
    close = did_you_mean(match)
    if close:
        lead = "Did you mean:" if match.entry is None else "Also close:"
        text += f"\n\n{lead}\n" + "\n".join(_topic_line(entry) for entry in close)
    return text
