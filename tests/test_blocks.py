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
from typing import Any

import pytest

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
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
BLOCK_TYPES = {
    "actions",
    "context",
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


def _button_problems(where: str, element: Any) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return [f"{where}: only buttons are expected, got {element!r:.80}"]
    problems = _text_problems(f"{where}.text", element.get("text"), MAX_BUTTON_TEXT, {"plain_text"})
    action_id = element.get("action_id")
    if not isinstance(action_id, str) or not 0 < len(action_id) <= MAX_ACTION_ID:
        problems.append(f"{where}: action_id {action_id!r:.80} missing or over {MAX_ACTION_ID}")
    value = element.get("value")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_BUTTON_VALUE:
        problems.append(f"{where}: value missing, empty or over {MAX_BUTTON_VALUE} characters")
    if element.get("style") not in (None, "primary", "danger"):
        problems.append(f"{where}: unknown style {element['style']!r}")
    return problems


def _block_problems(where: str, block: Any) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return [f"{where}: unknown block type: {block!r:.80}"]
    kind = block["type"]
    problems: list[str] = []
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
        elements = block.get("elements", [])
        if not 0 < len(elements) <= MAX_CONTEXT_ELEMENTS:
            problems.append(f"{where}: {len(elements)} elements, allowed 1 to 10")
        for i, element in enumerate(elements):
            problems += _text_problems(
                f"{where}.elements[{i}]", element, MAX_CONTEXT_TEXT, {"mrkdwn", "plain_text"}
            )
    elif kind == "actions":
        elements = block.get("elements", [])
        if not 0 < len(elements) <= MAX_ACTIONS_ELEMENTS:
            problems.append(f"{where}: {len(elements)} elements, allowed 1 to 25")
        for i, element in enumerate(elements):
            problems += _button_problems(f"{where}.elements[{i}]", element)
        ids = [element.get("action_id") for element in elements if isinstance(element, dict)]
        if len(ids) != len(set(ids)):
            problems.append(f"{where}: action_ids repeat within the block: {ids}")
    elif kind == "divider" and set(block) - {"type", "block_id"}:
        problems.append(f"{where}: a divider takes no content")
    return problems


def block_problems(blocks: Any, max_blocks: int) -> list[str]:
    """Everything about `blocks` Block Kit would refuse, one line each."""
    if not isinstance(blocks, list) or not 0 < len(blocks) <= max_blocks:
        return [f"blocks: need 1 to {max_blocks}, got {len(blocks)}"]
    problems = []
    for i, block in enumerate(blocks):
        problems += _block_problems(f"blocks[{i}]", block)
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
    return [e for block in blocks if block["type"] == "actions" for e in block["elements"]]


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
        return [button["action_id"].split(":")[0] for button in buttons(blocks)]

    plain = names()
    assert plain.count(kit.ACTION_HELPFUL) == plain.count(kit.ACTION_NOT_HELPFUL) == 1
    assert kit.ACTION_SHARE not in plain and kit.ACTION_ASK_PERSON not in plain
    assert kit.ACTION_SHARE in names(shareable=True)
    assert kit.ACTION_ASK_PERSON in names(question="who owns renewals?", escalate=True)
    assert kit.ACTION_ASK_PERSON not in names(escalate=True)  # nothing to pass on
    with_suggestions = names(suggestions=others)
    assert with_suggestions.count(kit.ACTION_TOPIC) == plain.count(kit.ACTION_TOPIC) + 3


def test_every_button_reaches_a_listener(knowledge: KnowledgeBase) -> None:
    messages = [
        message for entry in knowledge.entries for message in entry_variants(knowledge, entry)
    ]
    messages += [
        kit.fallback_message(knowledge, "what is the weather", escalate=True),
        kit.help_message(knowledge),
        kit.greeting_message(knowledge),
    ]
    all_blocks = [blocks for _, blocks in messages] + [kit.home_view(knowledge)["blocks"]]
    for blocks in all_blocks:
        for button in buttons(blocks):
            assert ACTION_ID.match(button["action_id"]), button["action_id"]
            if button["action_id"].startswith(kit.ACTION_TOPIC):
                assert button["value"] in knowledge, button["value"]


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
    # Every topic is offered, plus the suggestions.
    assert names.count(kit.ACTION_TOPIC) == len(knowledge.topics()) + len(suggestions)


def test_help_greeting_and_home_fit(knowledge: KnowledgeBase) -> None:
    check_message(kit.help_message(knowledge))
    check_message(kit.greeting_message(knowledge))
    check_view(kit.home_view(knowledge))


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
    assert len(buttons(message[1])) > MAX_ACTIONS_ELEMENTS
