"""Shared fixtures: the bundled knowledge base and a matcher, built once per test session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.curation.backends import SqlBackend
from bot.curation.backends.postgres import PostgresBackend
from bot.curation.backends.sqlite import SqliteBackend
from bot.evaluation import Case, load_cases
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Match, Matcher
from bot.settings import default_knowledge_dir
from tests.postgres import PostgresServer

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


@pytest.fixture(scope="session")
def question_matches(matcher: Matcher) -> dict[Path, list[tuple[Case, Match]]]:
    """Every dev and held-out question with what the bundled matcher answers, matched once for
    the tests that read them all (quality floors, invariants, the README's table)."""
    return {
        path: [(case, matcher.match(case.question)) for case in load_cases(path)]
        for path in QUESTION_FILES
    }


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the session; skips, saying how to install, without."""
    server = PostgresServer.find()
    if isinstance(server, str):
        pytest.skip(server)
    yield server.start()
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], SqlBackend]:
    """Makes backends on one fresh database, SQLite or PostgreSQL: every storage test runs on
    both. Each call gives a new backend object (a closed store closes its own)."""
    if request.param == "sqlite":
        path = tmp_path / "data" / "questions.sqlite3"
        return lambda: SqliteBackend(path)
    url = request.getfixturevalue("postgres").database_url()
    return lambda: PostgresBackend(url)


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("new_backend") == "postgresql":
        return True
    return "postgres" in getattr(item, "fixturenames", ())


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Without PostgreSQL, one line says its tests were left out and how to install it."""
    found = PostgresServer.find()
    if isinstance(found, str):
        terminalreporter.write_line(f"PostgreSQL tests skipped: {found}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL, its tests are left out (one closing line says why), not skipped one
    by one."""
    if not isinstance(PostgresServer.find(), str):
        return
    left_out = [item for item in items if _needs_postgres(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _needs_postgres(item)]
