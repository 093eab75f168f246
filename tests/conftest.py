"""Shared fixtures: the bundled knowledge base and a matcher, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher
from bot.settings import default_knowledge_dir

DATA = Path(__file__).parent / "data"
DEV_QUESTIONS = DATA / "dev.yaml"
HELDOUT_QUESTIONS = DATA / "heldout.yaml"
QUESTION_FILES = (DEV_QUESTIONS, HELDOUT_QUESTIONS)


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    """The knowledge base that ships with the bot."""
    return load_knowledge(default_knowledge_dir())


@pytest.fixture(scope="session")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    """A matcher over the bundled knowledge base, with the default tuning."""
    return Matcher(knowledge)
