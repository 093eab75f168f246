"""Fixtures for the curators' loop: a small knowledge base of its own and a store in a tmp dir."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from bot.curation.backends import SqlBackend
from bot.curation.store import QuestionStore
from bot.knowledge import VOCABULARY_FILE, KnowledgeBase, load_knowledge
from bot.settings import default_knowledge_dir

SOURCES = {
    "articles": [
        {"id": "guide", "title": "A guide", "file": "guide.md", "sections": ["Intro", "Roles"]}
    ]
}

# Two topics, each with the seven questions the loader asks for.
ENTRIES = {
    "renewals": [
        "Who handles renewals?",
        "who owns contract renewals",
        "does the csm do renewals",
        "renewal responsibility csm or pm",
        "who renews the customer contract",
        "who is in charge of renewals",
        "renewals owner",
    ],
    "onboarding": [
        "Who runs customer onboarding?",
        "who onboards new customers",
        "onboarding owner csm or pm",
        "does the pm do onboarding",
        "who helps customers get started",
        "customer onboarding responsibility",
        "who leads the onboarding",
    ],
}


def entry_yaml(entry_id: str, questions: list[str], summary: str | None = None) -> dict:
    """One entry as the loader expects it."""
    return {
        "id": entry_id,
        "title": entry_id.capitalize(),
        "questions": questions,
        "answer": {"summary": summary or f"All about {entry_id}.", "csm": "CSM side."},
        "sources": [{"article": "guide", "section": "Roles"}],
    }


def write_kb(directory: Path, entries: dict[str, list[str]] | None = None) -> Path:
    """Write sources.yaml, the bundled vocabulary and one topics file; return the topics file."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sources.yaml").write_text(yaml.safe_dump(SOURCES), encoding="utf-8")
    shutil.copy(default_knowledge_dir() / VOCABULARY_FILE, directory / VOCABULARY_FILE)
    topics = directory / "topics.yaml"
    document = {"entries": [entry_yaml(key, qs) for key, qs in (entries or ENTRIES).items()]}
    topics.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return topics


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A valid two-entry knowledge base in a tmp dir."""
    directory = tmp_path / "knowledge"
    write_kb(directory)
    return directory


@pytest.fixture
def small_kb(kb_dir: Path) -> KnowledgeBase:
    return load_knowledge(kb_dir)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "questions.sqlite3"


@pytest.fixture
def store(new_backend: Callable[[], SqlBackend]) -> Iterator[QuestionStore]:
    """A store on a fresh database (SQLite and PostgreSQL), closed after the test."""
    with QuestionStore(new_backend(), salt="test-salt") as opened:
        yield opened


def rows(new_backend: Callable[[], SqlBackend], sql: str, params: tuple = ()) -> list[tuple]:
    """Read the database behind `new_backend` as another process would."""
    backend = new_backend()
    try:
        return backend.read(sql, params)
    finally:
        backend.close()


@pytest.fixture
def store_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="bot.curation.store")
    return caplog
