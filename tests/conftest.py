"""Shared fixtures: the bundled knowledge base and a matcher, built once per test session."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher
from bot.settings import default_knowledge_dir


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    """The knowledge base that ships with the bot."""
    return load_knowledge(default_knowledge_dir())


@pytest.fixture(scope="session")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    """A matcher over the bundled knowledge base, with the default threshold."""
    return Matcher(knowledge)
