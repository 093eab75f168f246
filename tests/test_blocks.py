"""Every Block Kit message and view the bot builds is one Slack accepts, whatever the input.

`check_message` holds each payload to Block Kit's documented limits
(https://api.slack.com/reference/block-kit), plus our own caps on the notification text and on
context elements; it runs over every entry of the bundled knowledge base in every variant, the
fallback, help, the greeting, App Home, and oversize or hostile input.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.conversation.tour import TourProgress, length
from bot.knowledge import Answer, Entry, KnowledgeBase, SourceRef
from bot.render import blocks as kit
from bot.render.common import CSM_LABEL, NOTE_LABEL, PM_LABEL, citations

# Documented limits, written out here rather than read from bot.render.blocks, so a change
# there cannot loosen the test.
MAX_TEXT = 3000  # our cap on the notification text (Slack truncates past 40,000)
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000  # our cap; Slack allows 3,000 for a mrkdwn text object
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ACTIONS_ELEMENTS = 5
MAX_SELECT_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PLACEHOLDER = 150
MAX_ACCESSIBILITY_LABEL = 75
# Our own cap: an answer carries at most five buttons besides feedback.
MAX_ANSWER_BUTTONS = 5
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
BLOCK_TYPES = {
    "actions",
    "context",
    "context_actions",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "markdown",
    "rich_text",
    "section",
    "video",
}
ACTION_NAMES = (
    kit.ACTION_TOPIC,
    kit.ACTION_SHARE,
    kit.ACTION_HELPFUL,
    kit.ACTION_NOT_HELPFUL,
    kit.ACTION_ASK_PERSON,
    kit.ACTION_FEEDBACK,
    kit.ACTION_PICK_TOPIC,
    kit.ACTION_TOUR_START,
    kit.ACTION_TOUR_NEXT,
    kit.ACTION_TOUR_BACK,
    kit.ACTION_TOUR_STOP,
    kit.ACTION_QUIZ_ANSWER,
)
# What the listeners in bot/slack/listeners/actions.py match: `name` or `name:position`.
ACTION_ID = re.compile(rf"^(?:{'|'.join(map(re.escape, ACTION_NAMES))})(?::\d+)?$")

PINGS = "<!channel> <!here> <!everyone> <@U123> <!subteam^S1|@team>"
HUGE = "why " * 10_000  # 40,000 characters
RECORD_ID = "0123456789abcdef0123456789abcdef"
QUESTIONS = (None, "what does a CSM do all day?", PINGS, HUGE, f"{PINGS} {HUGE}")


# --- The validator ----------------------------------------------------------------------------


def _text_problems(where: str, obj: Any, limit: int, kinds: set[str]) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"{where}: not a {' or '.join(sorted(kinds))} text object: {obj!r:.80}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: empty text"]
    problems = []
    if len(text) > limit:
        problems.append(f"{where}: {len(text)} characters, over {limit}")
    if obj["type"] == "mrkdwn" and "emoji" in obj:
        problems.append(f"{where}: `emoji` is only allowed on plain_text")
    return problems


def _action_id_problems(where: str, element: dict[str, Any]) -> list[str]:
    action_id = element.get("action_id")
    if not isinstance(action_id, str) or not 0 < len(action_id) <= MAX_ACTION_ID:
        return [f"{where}: action_id {action_id!r:.80} missing or over {MAX_ACTION_ID}"]
    return []


def _select_problems(where: str, element: dict[str, Any]) -> list[str]:
    problems = _action_id_problems(where, element)
    problems += _text_problems(
        f"{where}.placeholder", element.get("placeholder"), MAX_PLACEHOLDER, {"plain_text"}
    )
    options = element.get("options", [])
    if not 0 < len(options) <= MAX_SELECT_OPTIONS:
        problems.append(f"{where}: {len(options)} options, allowed 1 to {MAX_SELECT_OPTIONS}")
    for i, option in enumerate(options):
        problems += _text_problems(
            f"{where}.options[{i}].text", option.get("text"), MAX_OPTION_TEXT, {"plain_text"}
        )
        value = option.get("value")
        if not isinstance(value, str) or not 0 < len(value) <= MAX_OPTION_VALUE:
            problems.append(f"{where}.options[{i}]: value missing or over {MAX_OPTION_VALUE}")
    values = [option.get("value") for option in options]
    if len(values) != len(set(values)):
        problems.append(f"{where}: option values repeat")
    return problems


def _feedback_problems(where: str, element: Any) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "feedback_buttons":
        return [f"{where}: only feedback_buttons are expected, got {element!r:.80}"]
    problems = _action_id_problems(where, element)
    for side in ("positive_button", "negative_button"):
        half = element.get(side)
        if not isinstance(half, dict):
            problems.append(f"{where}: {side} missing")
            continue
        problems += _text_problems(
            f"{where}.{side}.text", half.get("text"), MAX_BUTTON_TEXT, {"plain_text"}
        )
        value = half.get("value")
        if not isinstance(value, str) or not 0 < len(value) <= MAX_BUTTON_VALUE:
            problems.append(f"{where}.{side}: value missing, empty or over {MAX_BUTTON_VALUE}")
        if len(half.get("accessibility_label", "")) > MAX_ACCESSIBILITY_LABEL:
            problems.append(f"{where}.{side}: accessibility_label over {MAX_ACCESSIBILITY_LABEL}")
    return problems


def _button_problems(where: str, element: Any) -> list[str]:
    if isinstance(element, dict) and element.get("type") == "static_select":
        return _select_problems(where, element)
    if not isinstance(element, dict) or element.get("type") != "button":
        return [f"{where}: only buttons and select menus are expected, got {element!r:.80}"]
    problems = _text_problems(f"{where}.text", element.get("text"), MAX_BUTTON_TEXT, {"plain_text"})
    problems += _action_id_problems(where, element)
    value = element.get("value")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_BUTTON_VALUE:
        problems.append(f"{where}: value missing, empty or over {MAX_BUTTON_VALUE} characters")
    if element.get("style") not in (None, "primary", "danger"):
        problems.append(f"{where}: unknown style {element['style']!r}")
    return problems


def _elements_problems(
    where: str, block: dict[str, Any], limit: int, check: Callable[[str, Any], list[str]]
) -> list[str]:
    """A block's `elements`: 1 to `limit` of them, each passing `check`."""
    elements = block.get("elements", [])
    problems = []
    if not 0 < len(elements) <= limit:
        problems.append(f"{where}: {len(elements)} elements, allowed 1 to {limit}")
    for i, element in enumerate(elements):
        problems += check(f"{where}.elements[{i}]", element)
    return problems


def _block_problems(where: str, block: Any) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return [f"{where}: unknown block type: {block!r:.80}"]
    kind = block["type"]
    problems: list[str] = []
    if "accessory" in block:
        if kind != "section":
            problems.append(f"{where}: only a section takes an accessory")
        problems += _button_problems(f"{where}.accessory", block["accessory"])
    if kind == "header":
        problems += _text_problems(f"{where}.text", block.get("text"), MAX_HEADER, {"plain_text"})
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: a section needs text or fields")
        if "text" in block:
            problems += _text_problems(
                f"{where}.text", block["text"], MAX_SECTION_TEXT, {"mrkdwn", "plain_text"}
            )
        if "fields" in block:
            fields = block["fields"]
            if not 0 < len(fields) <= MAX_FIELDS:
                problems.append(f"{where}: {len(fields)} fields, allowed 1 to {MAX_FIELDS}")
            for i, field in enumerate(fields):
                problems += _text_problems(
                    f"{where}.fields[{i}]", field, MAX_FIELD, {"mrkdwn", "plain_text"}
                )
    elif kind == "context":
        problems += _elements_problems(
            where,
            block,
            MAX_CONTEXT_ELEMENTS,
            lambda at, element: _text_problems(
                at, element, MAX_CONTEXT_TEXT, {"mrkdwn", "plain_text"}
            ),
        )
    elif kind == "actions":
        elements = block.get("elements", [])
        problems += _elements_problems(where, block, MAX_ACTIONS_ELEMENTS, _button_problems)
        ids = [element.get("action_id") for element in elements if isinstance(element, dict)]
        if len(ids) != len(set(ids)):
            problems.append(f"{where}: action_ids repeat within the block: {ids}")
    elif kind == "context_actions":
        problems += _elements_problems(
            where, block, MAX_CONTEXT_ACTIONS_ELEMENTS, _feedback_problems
        )
    elif kind == "divider" and set(block) - {"type", "block_id"}:
        problems.append(f"{where}: a divider takes no content")
    return problems


def _slack_sdk_problems(blocks: list[Any]) -> list[str]:
    """slack_sdk's own models as a second opinion: every block parses and validates."""
    problems = []
    for i, block in enumerate(blocks):
        try:
            parsed = Block.parse(block) if isinstance(block, dict) else None
            if parsed is None:
                problems.append(f"blocks[{i}]: slack_sdk does not know this block")
            else:
                parsed.validate_json()
        except (SlackObjectFormationError, TypeError, KeyError) as error:
            problems.append(f"blocks[{i}]: slack_sdk: {error}")
    return problems


def block_problems(blocks: Any, max_blocks: int) -> list[str]:
    """Everything about `blocks` Block Kit would refuse, one line each."""
    if not isinstance(blocks, list) or not 0 < len(blocks) <= max_blocks:
        return [f"blocks: need 1 to {max_blocks}, got {len(blocks)}"]
    problems = []
    for i, block in enumerate(blocks):
        problems += _block_problems(f"blocks[{i}]", block)
    problems += _slack_sdk_problems(blocks)
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    if len(block_ids) != len(set(block_ids)):
        problems.append("blocks: block_ids repeat")
    if any(len(block_id) > MAX_BLOCK_ID for block_id in block_ids):
        problems.append(f"blocks: a block_id is over {MAX_BLOCK_ID} characters")
    return problems


def message_problems(message: tuple[str, list[dict[str, Any]]]) -> list[str]:
    """Everything about a `(text, blocks)` message Slack would refuse or we do not allow."""
    text, blocks = message
    problems = []
    if not isinstance(text, str) or not text.strip():
        problems.append("text: the notification text is empty")
    elif len(text) > MAX_TEXT:
        problems.append(f"text: {len(text)} characters, over {MAX_TEXT}")
    problems += block_problems(blocks, MAX_MESSAGE_BLOCKS)
    json.dumps(message)  # what goes over the wire
    return problems


def check_message(message: tuple[str, list[dict[str, Any]]]) -> None:
    problems = message_problems(message)
    assert not problems, "\n".join(problems)


def check_view(view: dict[str, Any]) -> None:
    assert view["type"] == "home"
    problems = block_problems(view["blocks"], MAX_VIEW_BLOCKS)
    assert not problems, "\n".join(problems)
    json.dumps(view)


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button and menu, accessories included (not the feedback element)."""
    found = []
    for block in blocks:
        if block["type"] == "actions":
            found += block["elements"]
        elif "accessory" in block:
            found.append(block["accessory"])
    return found


def feedback(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The feedback elements (thumbs up / down)."""
    return [e for block in blocks if block["type"] == "context_actions" for e in block["elements"]]


def texts(blocks: list[dict[str, Any]], kind: str) -> list[str]:
    """The text of every block of a kind, one string per text object."""
    found = []
    for block in blocks:
        if block["type"] != kind:
            continue
        objects = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        found += [obj["text"] for obj in objects if obj and "text" in obj]
    return found


def test_the_validator_catches_what_slack_refuses() -> None:
    good = ("hi", [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}])
    assert message_problems(good) == []
    button = {"type": "button", "text": {"type": "plain_text", "text": "b"}, "value": "v"}
    bad = [
        ("", good[1]),
        ("x" * 3001, good[1]),
        ("hi", []),
        ("hi", good[1] * 51),
        ("hi", [{"type": "carousel"}]),
        ("hi", [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]),
        ("hi", [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]),
        ("hi", [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}]),
        ("hi", [{"type": "section", "text": {"type": "mrkdwn", "text": " "}}]),
        ("hi", [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]),
        ("hi", [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}]),
        ("hi", [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}]),
        ("hi", [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 2001}]}]),
        ("hi", [{"type": "actions", "elements": [{**button, "action_id": "a"}] * 2}]),
        ("hi", [{"type": "actions", "elements": [{**button, "action_id": "a" * 256}]}]),
        ("hi", [{"type": "actions", "elements": [{**button, "action_id": "a", "value": ""}]}]),
        (
            "hi",
            [{"type": "actions", "elements": [{**button, "action_id": "a", "value": "v" * 2001}]}],
        ),
        (
            "hi",
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            **button,
                            "action_id": "a",
                            "text": {"type": "plain_text", "text": "b" * 76},
                        }
                    ],
                }
            ],
        ),
        (
            "hi",
            [
                {
                    "type": "actions",
                    "elements": [{**button, "action_id": f"a{i}"} for i in range(26)],
                }
            ],
        ),
    ]
    thumbs = {
        "type": "feedback_buttons",
        "action_id": "f",
        "positive_button": {"text": {"type": "plain_text", "text": "up"}, "value": "+1"},
        "negative_button": {"text": {"type": "plain_text", "text": "down"}, "value": "-1"},
    }
    menu = {
        "type": "static_select",
        "action_id": "m",
        "placeholder": {"type": "plain_text", "text": "Pick"},
        "options": [{"text": {"type": "plain_text", "text": "o"}, "value": "v"}],
    }
    assert message_problems(("hi", [{"type": "context_actions", "elements": [thumbs]}])) == []
    assert message_problems(("hi", [{"type": "actions", "elements": [menu]}])) == []
    bad += [
        ("hi", [{"type": "context_actions", "elements": [thumbs] * 6}]),
        ("hi", [{"type": "context_actions", "elements": [{**thumbs, "negative_button": None}]}]),
        ("hi", [{"type": "context_actions", "elements": [menu]}]),
        ("hi", [{"type": "actions", "elements": [{**menu, "options": menu["options"] * 101}]}]),
        ("hi", [{"type": "actions", "elements": [{**menu, "options": menu["options"] * 2}]}]),
        ("hi", [{"type": "section", "text": {"type": "mrkdwn", "text": "s"}, "accessory": thumbs}]),
        ("hi", [{"type": "divider", "accessory": {**button, "action_id": "a"}}]),
    ]
    for message in bad:
        assert message_problems(message), message
    assert block_problems([{"type": "divider"}] * 101, MAX_VIEW_BLOCKS)


# --- Every entry, every variant ---------------------------------------------------------------


def entry_variants(knowledge: KnowledgeBase, entry: Entry) -> list[kit.Message]:
    others = [other for other in knowledge.topics() if other.id != entry.id][:3]
    return [
        kit.entry_message(
            knowledge,
            entry,
            question=question,
            record_id=record_id,
            suggestions=suggestions,
            shareable=shareable,
            escalate=escalate,
        )
        for question, record_id, suggestions, shareable, escalate in itertools.product(
            QUESTIONS, (None, RECORD_ID), ((), others), (False, True), (False, True)
        )
    ]


def test_every_entry_fits_in_every_variant(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        for message in entry_variants(knowledge, entry):
            problems = message_problems(message)
            assert not problems, f"{entry.id}:\n" + "\n".join(problems)


def test_entry_buttons_follow_the_options(knowledge: KnowledgeBase) -> None:
    entry = knowledge.get("goals")
    others = [other for other in knowledge.topics() if other.id != entry.id][:3]

    def names(**options: Any) -> list[str]:
        _, blocks = kit.entry_message(knowledge, entry, **options)
        (thumbs,) = feedback(blocks)  # always exactly one feedback element
        assert thumbs["action_id"] == kit.ACTION_FEEDBACK
        return [button["action_id"].split(":")[0] for button in buttons(blocks)]

    plain = names()
    assert kit.ACTION_SHARE not in plain and kit.ACTION_ASK_PERSON not in plain
    assert kit.ACTION_SHARE in names(shareable=True)
    assert kit.ACTION_ASK_PERSON in names(question="who owns renewals?", escalate=True)
    assert kit.ACTION_ASK_PERSON not in names(escalate=True)  # nothing to pass on
    assert len(names(suggestions=others, shareable=True, question="q", escalate=True)) == 5


def test_a_topic_is_offered_once_and_buttons_stay_few(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        # Suggestions that repeat the related topics, and the entry itself, are offered once.
        suggestions = [*knowledge.topics()[:3], entry, *(knowledge.get(r) for r in entry.related)]
        for options in ({}, {"shareable": True}, {"question": "q", "escalate": True}):
            _, blocks = kit.entry_message(knowledge, entry, suggestions=suggestions, **options)
            offered = [b["value"] for b in buttons(blocks) if b["action_id"].startswith("show_")]
            assert len(offered) == len(set(offered)), (entry.id, offered)
            assert entry.id not in offered
            assert len(buttons(blocks)) <= MAX_ANSWER_BUTTONS, (entry.id, options)


def test_feedback_values_say_which_and_what(knowledge: KnowledgeBase) -> None:
    _, blocks = kit.entry_message(knowledge, knowledge.get("goals"), record_id=RECORD_ID)
    (thumbs,) = feedback(blocks)
    assert kit.read_feedback_value(thumbs["positive_button"]["value"]) == (True, RECORD_ID)
    assert kit.read_feedback_value(thumbs["negative_button"]["value"]) == (False, RECORD_ID)
    _, unrecorded = kit.entry_message(knowledge, knowledge.get("goals"))
    (thumbs,) = feedback(unrecorded)
    assert kit.read_feedback_value(thumbs["positive_button"]["value"]) == (True, "entry:goals")
    assert kit.read_feedback_value("") is None and kit.read_feedback_value("x") is None


def test_a_first_answer_carries_the_greeting(knowledge: KnowledgeBase) -> None:
    entry = knowledge.get("csm-role")
    answer = kit.entry_message(knowledge, entry, question="what is a csm")
    text, blocks = kit.with_greeting(answer, knowledge)
    check_message((text, blocks))
    assert blocks[0]["text"]["text"] == kit.GREETING and blocks[1:] == answer[1]
    assert blocks[0]["accessory"]["action_id"] == kit.ACTION_TOUR_START
    assert text.startswith("Welcome!") and entry.title in text
    fallback = kit.with_greeting(kit.fallback_message(knowledge, "weather?"), knowledge)
    check_message(fallback)
    assert fallback[1][0]["text"]["text"] == kit.GREETING


def test_a_follow_up_says_so_in_one_line(knowledge: KnowledgeBase) -> None:
    before, entry = knowledge.get("csm-skills"), knowledge.get("pm-skills")
    answer = kit.entry_message(knowledge, entry, question="and for a PM?")
    text, blocks = kit.with_follow_up(answer, before)
    check_message((text, blocks))
    assert blocks[0] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"Following up on *{before.title}*:"}],
    }
    assert blocks[1:] == answer[1]
    assert text.startswith(f"Following up on {before.title}: {entry.title}")
    # Greeted and following up at once (a first DM never is, but the order is fixed).
    both = kit.with_greeting(kit.with_follow_up(answer, before), knowledge)
    check_message(both)
    assert both[1][0]["text"]["text"] == kit.GREETING and both[1][1] == blocks[0]


def test_every_button_reaches_a_listener(knowledge: KnowledgeBase) -> None:
    messages = [
        message for entry in knowledge.entries for message in entry_variants(knowledge, entry)
    ]
    messages += [
        kit.fallback_message(knowledge, "what is the weather", escalate=True),
        kit.help_message(knowledge),
        kit.greeting_message(knowledge),
        kit.with_greeting(kit.entry_message(knowledge, knowledge.entries[0]), knowledge),
        *tour_messages(knowledge),
    ]
    all_blocks = [blocks for _, blocks in messages] + [kit.home_view(knowledge)["blocks"]]
    for blocks in all_blocks:
        for button in buttons(blocks):
            assert ACTION_ID.match(button["action_id"]), button["action_id"]
            if button["action_id"].startswith(kit.ACTION_TOPIC):
                assert button["value"] in knowledge, button["value"]
            if button["type"] == "static_select":
                assert all(option["value"] in knowledge for option in button["options"])
            if button["action_id"].startswith(kit.ACTION_QUIZ_ANSWER):
                question_id, choice = kit.read_quiz_value(button["value"])
                assert choice in dict(knowledge.companions.tour.question(question_id).choices)
        for element in feedback(blocks):
            assert ACTION_ID.match(element["action_id"]), element["action_id"]


# --- Layout: the two sides, the note, the sources ---------------------------------------------


def test_comparison_entries_put_the_sides_in_two_fields_of_one_section(
    knowledge: KnowledgeBase,
) -> None:
    comparisons = [entry for entry in knowledge.entries if entry.roles == {"csm", "pm"}]
    assert comparisons, "the bundled knowledge base compares the roles somewhere"
    for entry in comparisons:
        _, blocks = kit.entry_message(knowledge, entry)
        with_fields = [block for block in blocks if "fields" in block]
        assert len(with_fields) == 1, entry.id
        csm, pm = with_fields[0]["fields"]  # exactly two
        assert csm["text"] == f"*{CSM_LABEL}*\n{entry.answer.csm}", entry.id
        assert pm["text"] == f"*{PM_LABEL}*\n{entry.answer.pm}", entry.id


def test_one_sided_and_help_entries_show_only_what_they_have(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        _, blocks = kit.entry_message(knowledge, entry)
        fields = [field for block in blocks for field in block.get("fields", [])]
        assert len(fields) == len(entry.roles), entry.id


def test_the_sources_are_cited_in_a_context_block(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        _, blocks = kit.entry_message(knowledge, entry, question="what about sources?")
        context = texts(blocks, "context")
        for citation in citations(knowledge, entry):
            assert f"Source: {citation}" in context, entry.id
        assert not any("Source:" in text for text in texts(blocks, "section")), entry.id


def test_a_note_gets_a_block_of_its_own(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        _, blocks = kit.entry_message(knowledge, entry)
        notes = [text for text in texts(blocks, "section") if f"*{NOTE_LABEL}:*" in text]
        if entry.answer.note:
            assert len(notes) == 1, entry.id
            assert entry.answer.note in notes[0], entry.id
            assert entry.answer.summary not in notes[0], entry.id
        else:
            assert notes == [], entry.id


def test_an_entry_opens_with_its_title_and_summary(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        text, blocks = kit.entry_message(knowledge, entry)
        assert blocks[0] == {
            "type": "header",
            "text": {"type": "plain_text", "text": entry.title, "emoji": True},
        }
        assert blocks[1]["text"]["text"] == entry.answer.summary
        assert text.startswith(entry.title)


# --- Fallback, help, greeting, App Home -------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["", "   ", "what is the weather", PINGS, HUGE],
    ids=["empty", "blank", "normal", "pings", "huge"],
)
@pytest.mark.parametrize("with_suggestions", [False, True])
@pytest.mark.parametrize("escalate", [False, True])
def test_the_fallback_fits(
    knowledge: KnowledgeBase, question: str, with_suggestions: bool, escalate: bool
) -> None:
    suggestions = knowledge.topics()[:3] if with_suggestions else ()
    message = kit.fallback_message(
        knowledge, question, suggestions=suggestions, record_id=RECORD_ID, escalate=escalate
    )
    check_message(message)
    names = [button["action_id"].split(":")[0] for button in buttons(message[1])]
    assert (kit.ACTION_ASK_PERSON in names) == (escalate and bool(question.strip()))
    # Every topic is offered in one menu, beside the tour; buttons only for the suggestions.
    (menu,) = [b for b in buttons(message[1]) if b["type"] == "static_select"]
    assert [option["value"] for option in menu["options"]] == [e.id for e in knowledge.topics()]
    assert kit.ACTION_TOUR_START in names
    assert names.count(kit.ACTION_TOPIC) == len(suggestions)


def test_help_greeting_and_home_fit(knowledge: KnowledgeBase) -> None:
    check_message(kit.help_message(knowledge))
    check_message(kit.greeting_message(knowledge))
    check_view(kit.home_view(knowledge))
    for blocks in (kit.greeting_message(knowledge)[1], kit.home_view(knowledge)["blocks"]):
        assert kit.ACTION_TOUR_START in {b["action_id"].split(":")[0] for b in buttons(blocks)}


def tour_messages(knowledge: KnowledgeBase) -> list[kit.Message]:
    """Every screen of the tour and quiz: each question unanswered, answered right and wrong."""
    tour = knowledge.companions.tour
    messages = [kit.tour_stopped_message(), kit.no_tour_message()]
    for position in range(length(tour) + 1):
        messages.append(kit.tour_message(knowledge, tour, TourProgress(position)))
    for question in tour.quiz:
        position = len(tour.steps) + tour.quiz.index(question)
        for choice, _ in question.choices:
            progress = TourProgress(position, {question.id: choice})
            messages.append(kit.tour_message(knowledge, tour, progress))
    return messages


def test_every_tour_screen_fits(knowledge: KnowledgeBase) -> None:
    tour = knowledge.companions.tour
    messages = tour_messages(knowledge)
    assert len(messages) > length(tour)
    for message in messages:
        check_message(message)
    for position in range(len(tour.steps)):
        _, blocks = kit.tour_message(knowledge, tour, TourProgress(position))
        assert any("Source:" in line for line in texts(blocks, "context")), position
        names = [b["action_id"].split(":")[0] for b in buttons(blocks)]
        assert kit.ACTION_TOUR_NEXT in names and kit.ACTION_TOUR_STOP in names
        assert (kit.ACTION_TOUR_BACK in names) == (position > 0)


def test_quiz_screens_ask_then_tell(knowledge: KnowledgeBase) -> None:
    tour = knowledge.companions.tour
    question = tour.quiz[0]
    position = len(tour.steps)
    _, asked = kit.tour_message(knowledge, tour, TourProgress(position))
    choices = [b for b in buttons(asked) if b["action_id"].startswith(kit.ACTION_QUIZ_ANSWER)]
    assert [kit.read_quiz_value(b["value"]) for b in choices] == [
        (question.id, choice) for choice, _ in question.choices
    ]
    wrong = next(choice for choice, _ in question.choices if choice != question.answer)
    right_text, right = kit.tour_message(
        knowledge, tour, TourProgress(position, {question.id: question.answer})
    )
    wrong_text, _ = kit.tour_message(knowledge, tour, TourProgress(position, {question.id: wrong}))
    assert "Right" in right_text and "Not quite" in wrong_text
    assert question.reason in right_text and question.reason in wrong_text
    assert any("Source:" in line for line in texts(right, "context"))
    score_text, _ = kit.tour_message(
        knowledge, tour, TourProgress(length(tour), {question.id: question.answer})
    )
    assert f"You scored 1 out of {len(tour.quiz)}" in score_text


def test_home_offers_every_topic(knowledge: KnowledgeBase) -> None:
    view = kit.home_view(knowledge)
    offered = {b["value"] for b in buttons(view["blocks"]) if b["action_id"].startswith("show_")}
    assert offered == {entry.id for entry in knowledge.topics()}


# --- Oversize and hostile input ---------------------------------------------------------------


def hostile_messages(knowledge: KnowledgeBase, question: str) -> list[kit.Message]:
    entry = knowledge.entries[0]
    return [
        kit.entry_message(
            knowledge,
            entry,
            question=question,
            record_id=RECORD_ID,
            suggestions=knowledge.topics()[:3],
            shareable=True,
            escalate=True,
        ),
        kit.fallback_message(
            knowledge,
            question,
            suggestions=knowledge.topics()[:3],
            record_id=RECORD_ID,
            escalate=True,
        ),
    ]


@pytest.mark.parametrize(
    "question",
    [PINGS, f"{PINGS} {HUGE}", f"{HUGE} {PINGS}"],
    ids=["pings", "pings-first", "pings-last"],
)
def test_user_text_never_pings_anyone(knowledge: KnowledgeBase, question: str) -> None:
    for message in hostile_messages(knowledge, question):
        check_message(message)
        outgoing = json.dumps(message, ensure_ascii=False)
        assert "<!" not in outgoing and "<@" not in outgoing


def test_user_text_is_shown_not_dropped(knowledge: KnowledgeBase) -> None:
    for _, blocks in hostile_messages(knowledge, PINGS):
        echo = " ".join(texts(blocks, "context"))
        assert "&lt;!channel&gt;" in echo and "&lt;@U123&gt;" in echo


def test_text_slack_already_escaped_is_echoed_as_is(knowledge: KnowledgeBase) -> None:
    # Someone typed `R&D <b>pm</b>`; Slack sends it escaped, and it must not be escaped twice.
    for _, blocks in hostile_messages(knowledge, "R&amp;D &lt;b&gt;pm&lt;/b&gt;"):
        echo = " ".join(texts(blocks, "context"))
        assert "R&amp;D &lt;b&gt;pm&lt;/b&gt;" in echo and "&amp;amp;" not in echo


def test_a_huge_question_is_echoed_short(knowledge: KnowledgeBase) -> None:
    for message in hostile_messages(knowledge, HUGE):
        check_message(message)
        asked = [text for text in texts(message[1], "context") if text.startswith("You asked")]
        assert len(asked) == 1 and len(asked[0]) < 400
        assert len(json.dumps(message)) < 20_000


@pytest.mark.parametrize(
    "question", [PINGS, HUGE, "é" * 3000, "&" * 3000], ids=["pings", "huge", "accents", "amps"]
)
def test_the_escalation_button_carries_the_question_as_json(
    knowledge: KnowledgeBase, question: str
) -> None:
    for _, blocks in hostile_messages(knowledge, question):
        (ask,) = [b for b in buttons(blocks) if b["action_id"].startswith(kit.ACTION_ASK_PERSON)]
        carried = json.loads(ask["value"])
        assert carried["r"] == RECORD_ID
        assert 0 < len(carried["q"]) <= 1500
        assert "<" not in carried["q"]


@pytest.mark.parametrize(
    "question",
    ['"' * 3000, "\\" * 3000, "\x01" * 3000],
    ids=["quotes", "backslashes", "control"],
)
def test_the_escalation_value_stays_json_when_escaping_grows_it(
    knowledge: KnowledgeBase, question: str
) -> None:
    for _, blocks in hostile_messages(knowledge, question):
        (ask,) = [b for b in buttons(blocks) if b["action_id"].startswith(kit.ACTION_ASK_PERSON)]
        assert json.loads(ask["value"])["r"] == RECORD_ID


def synthetic_entry(knowledge: KnowledgeBase, title_length: int, side_length: int) -> Entry:
    article = next(article for article in knowledge.articles.values() if article.sections)
    return Entry(
        id="synthetic",
        title="T" * title_length,
        questions=("what is this?",) * 7,
        answer=Answer(
            summary="S" * 700, csm="C" * side_length, pm="P" * side_length, note="N" * 700
        ),
        sources=(SourceRef(article.id, article.sections[0]),),
        related=tuple(entry.id for entry in knowledge.entries),
    )


@pytest.mark.parametrize("title_length", [149, 150, 151, 500])
def test_a_long_title_is_cut_to_the_header_limit(
    knowledge: KnowledgeBase, title_length: int
) -> None:
    entry = synthetic_entry(knowledge, title_length, 1500)
    for message in entry_variants(knowledge, entry):
        check_message(message)
        header = message[1][0]["text"]["text"]
        if title_length <= MAX_HEADER:
            assert header == entry.title
        else:
            assert len(header) == MAX_HEADER and header.endswith("…")


def test_the_longest_sides_the_knowledge_base_allows_are_shown_whole(
    knowledge: KnowledgeBase,
) -> None:
    entry = synthetic_entry(knowledge, 100, 1500)
    _, blocks = kit.entry_message(knowledge, entry)
    (section,) = [block for block in blocks if "fields" in block]
    assert [field["text"] for field in section["fields"]] == [
        f"*{CSM_LABEL}*\n{'C' * 1500}",
        f"*{PM_LABEL}*\n{'P' * 1500}",
    ]


def test_sides_beyond_any_limit_are_cut_not_refused(knowledge: KnowledgeBase) -> None:
    article = next(iter(knowledge.articles.values()))
    entry = Entry(
        id="oversize",
        title="T" * 500,
        questions=("q",) * 7,
        answer=Answer(summary="S" * 5000, csm="C" * 5000, pm="P" * 5000, note="N" * 5000),
        sources=tuple(SourceRef(article.id, section) for section in article.sections),
        related=tuple(entry.id for entry in knowledge.entries),
    )
    many = list(knowledge.topics()) * 3  # more suggestions than one actions block holds
    message = kit.entry_message(
        knowledge,
        entry,
        question=f"{PINGS} {HUGE}",
        record_id=RECORD_ID,
        suggestions=many,
        shareable=True,
        escalate=True,
    )
    check_message(message)
    (section,) = [block for block in message[1] if "fields" in block]
    assert all(field["text"].endswith("…") for field in section["fields"])
    assert len(buttons(message[1])) == MAX_ANSWER_BUTTONS


def test_every_owner_answer_fits_with_few_buttons(knowledge: KnowledgeBase) -> None:
    others = knowledge.topics()[:4]
    for duty in knowledge.duties:
        for question, shareable, escalate in itertools.product(
            (None, "who owns this?", PINGS), (False, True), (False, True)
        ):
            message = kit.owner_message(
                knowledge,
                duty,
                question=question,
                record_id=RECORD_ID,
                suggestions=others,
                shareable=shareable,
                escalate=escalate,
            )
            check_message(message)
            offered = [b["value"] for b in buttons(message[1]) if b["value"] in knowledge]
            assert len(offered) == len(set(offered)), duty.id
            assert len(buttons(message[1])) <= MAX_ANSWER_BUTTONS, duty.id
            (thumbs,) = feedback(message[1])
            assert kit.read_feedback_value(thumbs["positive_button"]["value"]) == (True, RECORD_ID)
            read_more = buttons(message[1])[0]
            assert read_more["value"] == duty.topic and read_more["text"]["text"].startswith("Read")


def test_every_not_covered_reply_fits(knowledge: KnowledgeBase) -> None:
    for subject in knowledge.subjects:
        for question in ("what about pricing?", PINGS, HUGE):
            check_message(
                kit.not_covered_message(
                    knowledge,
                    subject,
                    question,
                    suggestions=knowledge.topics()[:2],
                    record_id=RECORD_ID,
                    escalate=True,
                )
            )
