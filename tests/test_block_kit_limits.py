"""Every Block Kit payload the bot can send stays inside Slack's documented limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.knowledge import Answer, Entry, KnowledgeBase, SourceRef
from bot.render import blocks as kit

HOSTILE = "<!channel> <!here> <!everyone> <@U123> <!subteam^S1|@team> " + "x" * 40_000
KNOWN_BLOCKS = {"header", "section", "context", "actions", "divider"}


def check_blocks(blocks: list[dict[str, Any]], max_blocks: int = kit.MESSAGE_BLOCKS_LIMIT) -> None:
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        assert block["type"] in KNOWN_BLOCKS
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= kit.HEADER_LIMIT
        elif block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= kit.SECTION_TEXT_LIMIT
            fields = block.get("fields", [])
            assert len(fields) <= 10
            assert all(0 < len(field["text"]) <= kit.FIELD_LIMIT for field in fields)
        elif block["type"] == "context":
            assert 0 < len(block["elements"]) <= kit.CONTEXT_ELEMENTS_LIMIT
            assert all(0 < len(e["text"]) <= kit.CONTEXT_TEXT_LIMIT for e in block["elements"])
        elif block["type"] == "actions":
            elements = block["elements"]
            assert 0 < len(elements) <= kit.ACTIONS_ELEMENTS_LIMIT
            ids = [element["action_id"] for element in elements]
            assert len(ids) == len(set(ids)), "action ids must be unique within a block"
            for element in elements:
                assert 0 < len(element["text"]["text"]) <= kit.BUTTON_TEXT_LIMIT
                assert 0 < len(element["value"]) <= kit.BUTTON_VALUE_LIMIT
                assert len(element["action_id"]) <= 255


def check_message(message: kit.Message) -> None:
    text, blocks = message
    assert 0 < len(text) <= kit.TEXT_LIMIT
    check_blocks(blocks)


def variants(knowledge: KnowledgeBase, entry: Entry) -> list[kit.Message]:
    others = [other for other in knowledge.entries if other.id != entry.id][:3]
    return [
        kit.entry_message(knowledge, entry),
        kit.entry_message(
            knowledge,
            entry,
            question=HOSTILE,
            record_id="r" * 32,
            suggestions=others,
            shareable=True,
            escalate=True,
        ),
    ]


def test_every_entry_fits(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        for message in variants(knowledge, entry):
            check_message(message)


def test_fallback_help_greeting_and_home_fit(knowledge: KnowledgeBase) -> None:
    some = knowledge.entries[:3]
    for question in ("", "what is the weather", HOSTILE):
        check_message(kit.fallback_message(knowledge, question, suggestions=some, escalate=True))
    check_message(kit.help_message(knowledge))
    check_message(kit.greeting_message(knowledge))
    view = kit.home_view(knowledge)
    assert view["type"] == "home"
    check_blocks(view["blocks"], max_blocks=100)


def test_user_text_never_pings(knowledge: KnowledgeBase) -> None:
    messages = [
        kit.entry_message(knowledge, knowledge.entries[0], question=HOSTILE, escalate=True),
        kit.fallback_message(knowledge, HOSTILE, escalate=True),
    ]
    for message in messages:
        outgoing = json.dumps(message)
        assert "<!" not in outgoing and "<@" not in outgoing


@pytest.mark.parametrize("title_length", [149, 150, 151, 500])
def test_oversize_entry_is_clipped(knowledge: KnowledgeBase, title_length: int) -> None:
    article = next(iter(knowledge.articles.values()))
    entry = Entry(
        id="huge",
        title="T" * title_length,
        questions=("q",) * 7,
        answer=Answer(summary="s " * 2000, csm="c " * 1500, pm="p " * 1500, note="n " * 2000),
        sources=tuple(SourceRef(article.id, section) for section in article.sections),
        related=tuple(entry.id for entry in knowledge.entries),
    )
    for message in variants(knowledge, entry):
        check_message(message)


def test_comparison_layout(knowledge: KnowledgeBase) -> None:
    _, blocks = kit.entry_message(knowledge, knowledge.get("goals"))
    fields = next(block["fields"] for block in blocks if "fields" in block)
    assert [field["text"].split("\n")[0] for field in fields] == [
        "*Customer Success Manager (CSM)*",
        "*Project Manager (PM)*",
    ]
    assert any(b["type"] == "context" and "Source:" in b["elements"][0]["text"] for b in blocks)
    assert any("Note" in b.get("text", {}).get("text", "") for b in blocks)
