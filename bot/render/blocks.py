"""Block Kit messages and views: the Slack face of an answer.

Every message comes as `(text, blocks)`: `text` is the plain fallback Slack shows in
notifications and reads to screen readers. Everything a user typed is neutralised before it is
echoed, and every field is cut to Block Kit's documented limits, whatever the input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.knowledge import Duty, Entry, KnowledgeBase, Subject
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
    mrkdwn_to_plain,
    not_covered_title,
    owner_line,
    related_entries,
)

Block = dict[str, Any]
Message = tuple[str, list[Block]]

# Block Kit's limits (https://api.slack.com/reference/block-kit).
HEADER_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FIELD_LIMIT = 2000
CONTEXT_TEXT_LIMIT = 2000
CONTEXT_ELEMENTS_LIMIT = 10
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ACTIONS_ELEMENTS_LIMIT = 25
MESSAGE_BLOCKS_LIMIT = 50
TEXT_LIMIT = 3000
ECHO_LIMIT = 300

ACTION_TOPIC = "show_topic"
ACTION_SHARE = "share_answer"
ACTION_HELPFUL = "feedback_helpful"
ACTION_NOT_HELPFUL = "feedback_not_helpful"
ACTION_ASK_PERSON = "ask_person"
MAX_RELATED_BUTTONS = 4
# Feedback buttons carry the record id; an answer that was not recorded carries this + entry id.
UNRECORDED = "entry:"
# A Share button carries an entry id, or this + a duty id for an owner answer.
SHARED_DUTY = "duty:"

GREETING = (
    "*Welcome!* I explain how a *Customer Success Manager (CSM)* and a *Project Manager (PM)* "
    "differ, with the source of every answer. Ask me anything about the two roles, here in a "
    "DM, with `/csm-vs-pm QUESTION`, or by mentioning me in a channel."
)


def clip(text: str, limit: int) -> str:
    """Cut text to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def neutralise(text: str) -> str:
    """Make user text safe to echo: no @channel/@here/@everyone, user group or user pings.

    Slack sends user text with `&`, `<` and `>` already escaped, so any `<` left is a control
    sequence (`<!here>`, `<@U123>`); escaping it shows the sequence as text instead.
    """
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(clip(text, SECTION_TEXT_LIMIT))}


def _context(lines: Iterable[str]) -> Block:
    elements = [_mrkdwn(clip(line, CONTEXT_TEXT_LIMIT)) for line in lines]
    return {"type": "context", "elements": elements[:CONTEXT_ELEMENTS_LIMIT]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button within Block Kit's limits."""
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(clip(label, BUTTON_TEXT_LIMIT)),
        "action_id": action_id,
        "value": clip(value, BUTTON_VALUE_LIMIT),
    }
    if style:
        element["style"] = style
    return element


def _actions(elements: list[dict[str, Any]]) -> list[Block]:
    """One or more actions blocks; action ids are made unique within each block."""
    blocks = []
    for start in range(0, len(elements), ACTIONS_ELEMENTS_LIMIT):
        chunk = [dict(element) for element in elements[start : start + ACTIONS_ELEMENTS_LIMIT]]
        for position, element in enumerate(chunk):
            element["action_id"] = f"{element['action_id']}:{position}"
        blocks.append({"type": "actions", "elements": chunk})
    return blocks


def topic_buttons(entries: Iterable[Entry], prefix: str = "") -> list[dict[str, Any]]:
    """A button per topic; clicking one answers that topic."""
    return [button(f"{prefix}{entry.title}", ACTION_TOPIC, entry.id) for entry in entries]


def escalation_value(question: str, record_id: str | None) -> str:
    """What the "Ask a person" button carries: the question and its record, within 2,000 chars."""
    kept = clip(neutralise(question), 1500)
    # JSON escaping can lengthen the text ('"' becomes '\\"'): shorten until it fits.
    while (
        len(value := json.dumps({"q": kept, "r": record_id}, ensure_ascii=False))
        > BUTTON_VALUE_LIMIT
    ):
        kept = clip(kept, len(kept) * BUTTON_VALUE_LIMIT // len(value))
    return value


def _asked(question: str) -> str:
    return f"You asked: _{clip(neutralise(' '.join(question.split())), ECHO_LIMIT)}_"


def _finish(text: str, blocks: list[Block]) -> Message:
    return clip(text, TEXT_LIMIT), blocks[:MESSAGE_BLOCKS_LIMIT]


def entry_message(
    knowledge: KnowledgeBase,
    entry: Entry,
    *,
    question: str | None = None,
    record_id: str | None = None,
    suggestions: Iterable[Entry] = (),
    shareable: bool = False,
    escalate: bool = False,
) -> Message:
    """An answer: title, summary, the two sides next to each other, note, sources, buttons."""
    answer = entry.answer
    blocks: list[Block] = [
        {"type": "header", "text": _plain(clip(entry.title, HEADER_LIMIT))},
        _section(answer.summary),
    ]
    sides = [(CSM_LABEL, answer.csm), (PM_LABEL, answer.pm)]
    fields = [_mrkdwn(clip(f"*{label}*\n{side}", FIELD_LIMIT)) for label, side in sides if side]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if answer.note:
        blocks.append(_section(f":information_source: *{NOTE_LABEL}:* {answer.note}"))
    context = [f"Source: {citation}" for citation in citations(knowledge, entry)]
    if question:
        context.append(_asked(question))
    blocks.append(_context(context))
    related = related_entries(knowledge, entry)[:MAX_RELATED_BUTTONS]
    buttons = topic_buttons(related) + topic_buttons(suggestions, prefix="Did you mean: ")
    if buttons:
        blocks += _actions(buttons)
    blocks += _actions(
        _feedback_buttons(
            entry.id,
            question=question,
            record_id=record_id,
            share_value=entry.id if shareable else None,
            escalate=escalate,
        )
    )
    text = f"{entry.title}: {mrkdwn_to_plain(answer.summary)}"
    return _finish(text, blocks)


def _feedback_buttons(
    answer_id: str,
    *,
    question: str | None,
    record_id: str | None,
    share_value: str | None,
    escalate: bool,
) -> list[dict[str, Any]]:
    feedback = [
        button("Helpful", ACTION_HELPFUL, record_id or f"{UNRECORDED}{answer_id}"),
        button("Not helpful", ACTION_NOT_HELPFUL, record_id or f"{UNRECORDED}{answer_id}"),
    ]
    if escalate and question:
        feedback.append(
            button("Ask a person", ACTION_ASK_PERSON, escalation_value(question, record_id))
        )
    if share_value:
        feedback.append(button("Share in channel", ACTION_SHARE, share_value, style="primary"))
    return feedback


def owner_message(
    knowledge: KnowledgeBase,
    duty: Duty,
    *,
    question: str | None = None,
    record_id: str | None = None,
    suggestions: Iterable[Entry] = (),
    shareable: bool = False,
    escalate: bool = False,
) -> Message:
    """An owner answer: who owns it first and plainly, why, the other role's part, the source,
    and the topic to read more."""
    owner = owner_line(duty)
    blocks: list[Block] = [
        _section(f"*{owner}*\n{duty.duty}"),
        _section(duty.why),
    ]
    if duty.other:
        blocks.append(_section(f"*{OTHER_PART_LABELS[duty.owner]}:* {duty.other}"))
    context = [f"Source: {citation}" for citation in citations(knowledge, duty)]
    if question:
        context.append(_asked(question))
    blocks.append(_context(context))
    topic = knowledge.get(duty.topic)
    topics = [topic] if topic else []
    topics += [entry for entry in suggestions if entry not in topics]
    buttons = topic_buttons(topics[:1], prefix=f"{READ_MORE_LABEL}: ") + topic_buttons(
        topics[1:MAX_RELATED_BUTTONS]
    )
    if buttons:
        blocks += _actions(buttons)
    blocks += _actions(
        _feedback_buttons(
            duty.topic,
            question=question,
            record_id=record_id,
            share_value=f"{SHARED_DUTY}{duty.id}" if shareable else None,
            escalate=escalate,
        )
    )
    return _finish(f"{owner}. {duty.duty}: {mrkdwn_to_plain(duty.why)}", blocks)


def not_covered_message(
    knowledge: KnowledgeBase,
    subject: Subject,
    question: str,
    *,
    suggestions: Iterable[Entry] = (),
    record_id: str | None = None,
    escalate: bool = False,
) -> Message:
    """A kind, specific "the articles don't cover that", with the closest covered topic."""
    title = not_covered_title(subject)
    blocks: list[Block] = [_section(f"*{title}*\n{subject.reply}"), _context([_asked(question)])]
    buttons = topic_buttons(list(suggestions)[:1], prefix=f"{NOT_COVERED_SUGGESTION}: ")
    if escalate:
        buttons.append(
            button("Ask a person", ACTION_ASK_PERSON, escalation_value(question, record_id))
        )
    if buttons:
        blocks += _actions(buttons)
    return _finish(f"{title}. {mrkdwn_to_plain(subject.reply)}", blocks)


def fallback_message(
    knowledge: KnowledgeBase,
    question: str,
    *,
    suggestions: Iterable[Entry] = (),
    record_id: str | None = None,
    escalate: bool = False,
) -> Message:
    """The friendly answer when the bot abstains: what it knows, and a button per topic."""
    suggestions = list(suggestions)
    lead = FALLBACK_INTRO if question.strip() else EMPTY_QUESTION
    blocks: list[Block] = [_section(f"{lead}\n{TOPICS_INTRO}")]
    if question.strip():
        blocks.append(_context([_asked(question)]))
    if suggestions:
        blocks += _actions(topic_buttons(suggestions, prefix="Did you mean: "))
    blocks += _actions(topic_buttons(knowledge.topics()))
    if escalate and question.strip():
        blocks += _actions(
            [button("Ask a person", ACTION_ASK_PERSON, escalation_value(question, record_id))]
        )
    return _finish(
        f"{lead} {TOPICS_INTRO} " + ", ".join(e.title for e in knowledge.topics()), blocks
    )


def help_message(knowledge: KnowledgeBase) -> Message:
    """Usage and the topic list, for `/csm-vs-pm` alone or `/csm-vs-pm help`."""
    usage = (
        "*How to ask me*\n"
        "• `/csm-vs-pm QUESTION`: an answer only you see, with a button to share it.\n"
        "• Mention me in a channel: I answer in a thread.\n"
        "• Send me a DM.\n"
        "For example: `/csm-vs-pm what skills does a CSM need?`"
    )
    blocks = [_section(usage), _section(f"*Topics* ({len(knowledge.entries)})")]
    blocks += _actions(topic_buttons(knowledge.topics()))
    return _finish("How to ask me: /csm-vs-pm QUESTION, a mention, or a DM.", blocks)


def _starter_buttons(knowledge: KnowledgeBase) -> list[dict[str, Any]]:
    return [
        button(entry.starter or entry.title, ACTION_TOPIC, entry.id)
        for entry in knowledge.starters()
    ]


def greeting_message(knowledge: KnowledgeBase) -> Message:
    """The onboarding welcome for someone's first DM."""
    blocks = [_section(GREETING), _section("Good first questions:")]
    blocks += _actions(_starter_buttons(knowledge))
    return _finish(mrkdwn_to_plain(GREETING), blocks)


def home_view(knowledge: KnowledgeBase) -> dict[str, Any]:
    """The App Home tab: the onboarding guide, starter questions and every topic."""
    blocks: list[Block] = [
        {"type": "header", "text": _plain("CSM vs PM: your onboarding guide")},
        _section(GREETING),
        _section("*Good first questions*"),
        *_actions(_starter_buttons(knowledge)),
        {"type": "divider"},
        _section("*Every topic*"),
        *_actions(topic_buttons(knowledge.topics())),
    ]
    return {"type": "home", "blocks": blocks[:100]}
