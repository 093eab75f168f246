"""Scores mean the same on a larger knowledge base: a curator who adds 30 entries does not have
to re-tune the threshold. Thirty new entries about other workplace topics (sharing some of the
knowledge base's words, as real additions would) must leave the answers to the dev questions,
and the accuracy per kind, nearly unchanged."""

from __future__ import annotations

import random
from dataclasses import replace

from bot.evaluation import tally
from bot.knowledge import Answer, Entry, KnowledgeBase, SourceRef
from bot.matcher import Matcher
from tests.conftest import DEV_QUESTIONS

TOPICS = [
    "expense approval", "office seating", "laptop refresh", "travel booking", "holiday calendar",
    "parking permits", "security training", "desk booking", "conference budget", "team offsite",
    "coffee machine", "badge access", "printer setup", "visitor policy", "mentoring program",
    "lunch and learn", "wellness budget", "learning stipend", "internal wiki", "slack etiquette",
    "meeting rooms", "all hands agenda", "quarterly planning", "expense cards", "shipping address",
    "payroll dates", "relocation support", "volunteering days", "book club", "hackathon",
]  # fmt: skip
FRAMES = [
    "how does {} work here", "who do i ask about {}", "where can i find the {} page",
    "what is our {} process", "is there a {} guide", "{} question", "help with {}",
]  # fmt: skip


def extended(knowledge: KnowledgeBase) -> KnowledgeBase:
    """The bundled knowledge base plus 30 entries on other workplace topics."""
    rng = random.Random(3)
    source = knowledge.entries[0].sources[0]
    added = tuple(
        Entry(
            id=topic.replace(" ", "-"),
            title=topic.capitalize(),
            questions=tuple(frame.format(topic) for frame in rng.sample(FRAMES, 7)),
            answer=Answer(summary=f"How {topic} works at the company."),
            sources=(SourceRef(source.article, source.section),),
            related=(),
        )
        for topic in TOPICS
    )
    return replace(knowledge, entries=knowledge.entries + added)


def test_thirty_more_entries_leave_the_answers_alone(
    question_matches, knowledge: KnowledgeBase
) -> None:
    larger = Matcher(extended(knowledge))
    added = {entry.id for entry in larger.knowledge.entries} - {e.id for e in knowledge.entries}
    # (case, answer on the bundled knowledge base, answer on the larger one)
    triples = [
        (case, before, after)
        for case, before in question_matches[DEV_QUESTIONS][::3]
        if (after := larger.match(case.question)).id not in added
    ]
    same = sum(
        (before.id, before.owner, before.not_covered) == (after.id, after.owner, after.not_covered)
        for _, before, after in triples
    )
    assert len(triples) >= 750
    assert same / len(triples) >= 0.97, f"{same}/{len(triples)} answers unchanged"
    old = tally((case, before) for case, before, _ in triples)
    new = tally((case, after) for case, _, after in triples)
    for kind in ("topic", "who", "offtopic", "hardneg"):
        assert abs((new.accuracy(kind) or 0) - (old.accuracy(kind) or 0)) <= 0.02, kind
