"""Block Kit messages and views: the Slack face of an answer.

Every message comes as `(text, blocks)`: `text` is the plain fallback Slack shows in
notifications and reads to screen readers. Everything a user typed is neutralised before it is
echoed, and every field is cut to Block Kit's documented limits, whatever the input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.conversation.content import Tour
from bot.conversation.tour import TourProgress, length
from bot.knowledge import Duty, Entry, KnowledgeBase, SourceRef, Subject
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
    cite_sources,
    following_up,
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
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
SELECT_OPTIONS_LIMIT = 100
ACTIONS_ELEMENTS_LIMIT = 25
MESSAGE_BLOCKS_LIMIT = 50
TEXT_LIMIT = 3000
ECHO_LIMIT = 300

ACTION_TOPIC = "show_topic"
ACTION_SHARE = "share_answer"
ACTION_HELPFUL = "feedback_helpful"
ACTION_NOT_HELPFUL = "feedback_not_helpful"
ACTION_ASK_PERSON = "ask_person"
# Slack's thumbs up / down element: one action whose value says which and for what answer.
ACTION_FEEDBACK = "feedback"
ACTION_PICK_TOPIC = "pick_topic"
ACTION_TOUR_START = "tour_start"
ACTION_TOUR_NEXT = "tour_next"
ACTION_TOUR_BACK = "tour_back"
ACTION_TOUR_STOP = "tour_stop"
ACTION_QUIZ_ANSWER = "quiz_answer"
# An answer carries at most this many buttons besides feedback (topics, share, ask a person).
MAX_ANSWER_BUTTONS = 5
# Feedback buttons carry the record id; an answer that was not recorded carries this + entry id.
UNRECORDED = "entry:"
_HELPFUL_MARK, _NOT_HELPFUL_MARK = "+", "-"
TOUR_LABEL = "Start the tour"
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


def _select_topics(entries: list[Entry]) -> dict[str, Any]:
    """One menu of topics instead of a wall of buttons."""
    options = [
        {
            "text": _plain(clip(entry.title, OPTION_TEXT_LIMIT)),
            "value": entry.id[:OPTION_VALUE_LIMIT],
        }
        for entry in entries[:SELECT_OPTIONS_LIMIT]
    ]
    return {
        "type": "static_select",
        "action_id": ACTION_PICK_TOPIC,
        "placeholder": _plain("Pick a topic"),
        "options": options,
    }


def tour_button(knowledge: KnowledgeBase) -> list[dict[str, Any]]:
    """The "Start the tour" button, when the knowledge base has a tour."""
    if _tour(knowledge) is None:
        return []
    return [button(TOUR_LABEL, ACTION_TOUR_START, "start", style="primary")]


def _tour(knowledge: KnowledgeBase) -> Tour | None:
    companions = knowledge.companions
    return companions.tour if companions else None


def feedback_value(helpful: bool, reference: str) -> str:
    """What a thumbs up / down carries: which it was, and the record (or entry) it is about."""
    return (_HELPFUL_MARK if helpful else _NOT_HELPFUL_MARK) + reference


def read_feedback_value(value: str) -> tuple[bool, str] | None:
    """(helpful, reference) from a feedback value, or None if it is not one."""
    if len(value) < 2 or value[0] not in (_HELPFUL_MARK, _NOT_HELPFUL_MARK):
        return None
    return value[0] == _HELPFUL_MARK, value[1:]


def quiz_value(question_id: str, choice: str) -> str:
    """What a quiz choice button carries."""
    return f"{question_id}:{choice}"


def read_quiz_value(value: str) -> tuple[str, str]:
    """(question id, choice) from a quiz button's value."""
    question_id, _, choice = value.partition(":")
    return question_id, choice


def _feedback(reference: str) -> Block:
    """Slack's feedback element (thumbs up / down) in a context_actions block."""
    return {
        "type": "context_actions",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ACTION_FEEDBACK,
                "positive_button": {
                    "text": _plain("👍"),
                    "accessibility_label": "Helpful",
                    "value": clip(feedback_value(True, reference), BUTTON_VALUE_LIMIT),
                },
                "negative_button": {
                    "text": _plain("👎"),
                    "accessibility_label": "Not helpful",
                    "value": clip(feedback_value(False, reference), BUTTON_VALUE_LIMIT),
                },
            }
        ],
    }


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
    """An answer: title, summary, the two sides next to each other, note, sources, buttons.

    `suggestions` are the "did you mean" topics worth offering (see `common.did_you_mean`);
    with the related topics, each topic appears once, and there are at most
    MAX_ANSWER_BUTTONS buttons besides feedback.
    """
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
    close = _unique_topics(suggestions, {entry.id})
    blocks += _answer_actions(
        [*close, *related_entries(knowledge, entry)],
        exclude={entry.id},
        close=len(close),
        question=question,
        record_id=record_id,
        reference=entry.id,
        share_value=entry.id if shareable else None,
        escalate=escalate,
    )
    return _finish(f"{entry.title}: {mrkdwn_to_plain(answer.summary)}", blocks)


def with_greeting(message: Message, knowledge: KnowledgeBase) -> Message:
    """A first DM's answer: the welcome folded in on top, so it is one message, with the tour
    button beside it (an accessory: the answer's own buttons stay as they were)."""
    text, blocks = message
    welcome = _section(GREETING)
    for tour in tour_button(knowledge):
        welcome["accessory"] = tour
    return _finish(f"{mrkdwn_to_plain(GREETING)}\n\n{text}", [welcome, *blocks])


def with_follow_up(message: Message, context: Entry) -> Message:
    """An answer read against the conversation's last topic, saying so in one line on top."""
    text, blocks = message
    line = _context([following_up(context)])
    return _finish(f"{following_up(context, plain=True)} {text}", [line, *blocks])


def _answer_actions(
    topics: list[Entry],
    *,
    exclude: set[str],
    close: int,
    question: str | None,
    record_id: str | None,
    reference: str,
    share_value: str | None,
    escalate: bool,
    first_prefix: str = "",
) -> list[Block]:
    """An answer's buttons and feedback: each topic once (the first `close` ones as "did you
    mean", or the first with `first_prefix`), Ask a person, Share, at most MAX_ANSWER_BUTTONS in
    all, then Slack's feedback element for the record (or `reference` when unrecorded)."""
    extras = []
    if escalate and question:
        extras.append(
            button("Ask a person", ACTION_ASK_PERSON, escalation_value(question, record_id))
        )
    if share_value:
        extras.append(button("Share in channel", ACTION_SHARE, share_value, style="primary"))
    offered = _unique_topics(topics, exclude)[: MAX_ANSWER_BUTTONS - len(extras)]
    buttons = (
        topic_buttons(offered[:close], prefix="Did you mean: ")
        + topic_buttons(offered[close : close + 1], prefix=first_prefix)
        + topic_buttons(offered[close + 1 :])
        + extras
    )
    return [*_actions(buttons), _feedback(record_id or f"{UNRECORDED}{reference}")]


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
    blocks += _answer_actions(
        [*([topic] if topic else []), *suggestions],
        exclude=set(),
        close=0,
        question=question,
        record_id=record_id,
        reference=duty.topic,
        share_value=f"{SHARED_DUTY}{duty.id}" if shareable else None,
        escalate=escalate,
        first_prefix=f"{READ_MORE_LABEL}: " if topic else "",
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
    blocks: list[Block] = [
        _section(f"*{title}*\n{subject.reply or ''}"),
        _context([_asked(question)]),
    ]
    buttons = topic_buttons(list(suggestions)[:1], prefix=f"{NOT_COVERED_SUGGESTION}: ")
    if escalate:
        buttons.append(
            button("Ask a person", ACTION_ASK_PERSON, escalation_value(question, record_id))
        )
    if buttons:
        blocks += _actions(buttons)
    return _finish(f"{title}. {mrkdwn_to_plain(subject.reply or '')}", blocks)


def _unique_topics(entries: Iterable[Entry], exclude: set[str]) -> list[Entry]:
    """Entries in order, each once, leaving out those already shown."""
    seen = set(exclude)
    unique = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            unique.append(entry)
    return unique


def fallback_message(
    knowledge: KnowledgeBase,
    question: str,
    *,
    suggestions: Iterable[Entry] = (),
    record_id: str | None = None,
    escalate: bool = False,
) -> Message:
    """The friendly answer when the bot abstains: what it knows, as one menu, and the tour."""
    suggestions = list(suggestions)
    lead = FALLBACK_INTRO if question.strip() else EMPTY_QUESTION
    blocks: list[Block] = [_section(f"{lead}\n{TOPICS_INTRO}")]
    if question.strip():
        blocks.append(_context([_asked(question)]))
    if suggestions:
        blocks += _actions(topic_buttons(suggestions, prefix="Did you mean: "))
    choices = [_select_topics(knowledge.topics()), *tour_button(knowledge)]
    if escalate and question.strip():
        choices.append(
            button("Ask a person", ACTION_ASK_PERSON, escalation_value(question, record_id))
        )
    blocks += _actions(choices)
    text = f"{lead} {TOPICS_INTRO} " + ", ".join(e.title for e in knowledge.topics())
    return _finish(text, blocks)


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
    blocks += _actions([_select_topics(knowledge.topics()), *tour_button(knowledge)])
    return _finish("How to ask me: /csm-vs-pm QUESTION, a mention, or a DM.", blocks)


def _starter_buttons(knowledge: KnowledgeBase) -> list[dict[str, Any]]:
    starters = [
        button(entry.starter or entry.title, ACTION_TOPIC, entry.id)
        for entry in knowledge.starters()
    ]
    return tour_button(knowledge) + starters


def greeting_message(knowledge: KnowledgeBase) -> Message:
    """The onboarding welcome alone, for a first DM that only says hello."""
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


# --- the onboarding tour and its quiz: one message, updated in place ---------------------------


def _sources_context(knowledge: KnowledgeBase, sources: Iterable[SourceRef]) -> Block:
    return _context(f"Source: {citation}" for citation in cite_sources(knowledge, sources))


def tour_message(knowledge: KnowledgeBase, tour: Tour, progress: TourProgress) -> Message:
    """The tour screen for `progress`: a step, a quiz question (asked or answered), or the score."""
    stop = button("Stop", ACTION_TOUR_STOP, "stop")
    back = [button("Back", ACTION_TOUR_BACK, "back")] if progress.position else []
    step = progress.step(tour)
    if step is not None:
        number = f"{progress.position + 1}/{len(tour.steps)}"
        blocks = [
            {"type": "header", "text": _plain(clip(f"Tour {number}: {step.title}", HEADER_LIMIT))},
            _section(step.text),
            _sources_context(knowledge, step.sources),
            *_actions([*back, button("Next", ACTION_TOUR_NEXT, "next", style="primary"), stop]),
        ]
        return _finish(f"Tour {number}: {step.title}. {mrkdwn_to_plain(step.text)}", blocks)
    question = progress.question(tour)
    if question is None:
        return _score_message(tour, progress)
    number = f"{progress.position - len(tour.steps) + 1}/{len(tour.quiz)}"
    blocks = [
        {"type": "header", "text": _plain(f"Quiz {number}")},
        _section(f"*{question.question}*"),
    ]
    given = progress.answers.get(question.id)
    if given is None:
        choices = [
            button(label, ACTION_QUIZ_ANSWER, quiz_value(question.id, choice))
            for choice, label in question.choices
        ]
        blocks += _actions([*choices, *back, stop])
        return _finish(f"Quiz {number}: {question.question}", blocks)
    if given == question.answer:
        verdict = f":white_check_mark: *Right: {question.label(given)}.*"
    else:
        verdict = (
            f":x: *Not quite.* You said {question.label(given)}; "
            f"the answer is *{question.label(question.answer)}*."
        )
    last = progress.position + 1 >= length(tour)
    forward = button("See my score" if last else "Next", ACTION_TOUR_NEXT, "next", style="primary")
    blocks += [
        _section(f"{verdict}\n{question.reason}"),
        _sources_context(knowledge, question.sources),
        *_actions([*back, forward, stop]),
    ]
    return _finish(f"Quiz {number}: {mrkdwn_to_plain(verdict)} {question.reason}", blocks)


def _score_message(tour: Tour, progress: TourProgress) -> Message:
    score = progress.score(tour)
    lines = [
        f"{':white_check_mark:' if progress.answers.get(q.id) == q.answer else ':x:'} "
        f"{q.question} *{q.label(q.answer)}*"
        for q in tour.quiz
    ]
    summary = f"You scored {score} out of {len(tour.quiz)}."
    blocks = [
        {"type": "header", "text": _plain("Tour complete")},
        _section(f"*{summary}*\n" + "\n".join(lines)),
        _section("Ask me anything else about the two roles, here in this DM."),
        *_actions([button("Take the tour again", ACTION_TOUR_START, "restart")]),
    ]
    return _finish(f"Tour complete. {summary}", blocks)


def tour_stopped_message() -> Message:
    """What the tour message becomes after Stop."""
    text = "Tour stopped. Click *Start the tour* or say _tour_ to pick up where you left off."
    return _finish(
        mrkdwn_to_plain(text),
        [_section(text), *_actions([button("Resume the tour", ACTION_TOUR_START, "resume")])],
    )


def no_tour_message() -> Message:
    """When the knowledge base has no tour.yaml."""
    text = "There is no tour in this knowledge base yet; ask me a question instead."
    return _finish(text, [_section(text)])
