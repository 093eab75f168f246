"""Hot reload: valid edits go live within seconds; invalid ones are refused and the old answers stay."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from bot.answering import SURFACE_DM, AnswerService, Library
from bot.curation.loop import Curation
from bot.curation.reload import KnowledgeWatcher
from bot.knowledge import KnowledgeBase, check_knowledge
from bot.settings import Settings
from tests.curation.conftest import ENTRIES, write_kb

REFUNDS = [
    "Who handles refunds?",
    "who processes customer refunds",
    "refund owner csm or pm",
    "does the pm approve refunds",
    "who do i ask about a refund",
    "refund responsibility",
    "who gives money back to customers",
]


def wait_for(condition, timeout: float = 5.0) -> float:
    """Seconds until `condition()` holds; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not within {timeout}s")
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def reload_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="bot.curation.reload")
    return caplog


@pytest.fixture
def service(small_kb: KnowledgeBase) -> AnswerService:
    return AnswerService(Library(small_kb))


def answer_id(service: AnswerService, question: str) -> str | None:
    return service.ask(question, SURFACE_DM).match.id


def test_valid_edit_is_served_within_seconds(kb_dir: Path, service, reload_log):
    assert answer_id(service, "who processes customer refunds") is None
    watcher = KnowledgeWatcher(kb_dir, service.library, interval=0.1).start()
    try:
        write_kb(kb_dir, {**ENTRIES, "refunds": REFUNDS})
        took = wait_for(lambda: answer_id(service, "who processes customer refunds") == "refunds")
    finally:
        watcher.stop()
    assert took < 3
    assert answer_id(service, "who owns contract renewals") == "renewals"
    assert any("reloaded 3 entries" in record.getMessage() for record in reload_log.records)


def test_invalid_edit_is_refused_with_file_and_line(kb_dir: Path, service, reload_log):
    watcher = KnowledgeWatcher(kb_dir, service.library, interval=0.1).start()
    try:
        short = {**ENTRIES, "renewals": ENTRIES["renewals"][:3]}  # too few phrasings
        topics = write_kb(kb_dir, {**short, "refunds": REFUNDS})
        expected = [str(problem) for problem in check_knowledge(kb_dir)]
        assert expected and all(line.startswith(f"{topics}:") for line in expected), expected
        # The refusal is logged first, then each problem: the same lines as `kb check`.
        # (Waiting for the header alone raced the problem lines on a loaded machine.)
        wait_for(
            lambda: (
                any("knowledge edit refused" in r.getMessage() for r in reload_log.records)
                and all(line in [r.getMessage() for r in reload_log.records] for line in expected)
            )
        )
        # the previous knowledge base is still served, whole
        assert answer_id(service, "who owns contract renewals") == "renewals"
        assert answer_id(service, "who processes customer refunds") is None
        assert len(service.library.snapshot.knowledge.entries) == 2

        (kb_dir / "topics.yaml").write_text("entries: [oops", encoding="utf-8")  # broken YAML
        wait_for(
            lambda: sum("knowledge edit refused" in r.getMessage() for r in reload_log.records) == 2
        )
        assert answer_id(service, "who owns contract renewals") == "renewals"

        write_kb(kb_dir, {**ENTRIES, "refunds": REFUNDS})  # fixed: now it goes live
        wait_for(lambda: answer_id(service, "who processes customer refunds") == "refunds")
    finally:
        watcher.stop()


def test_check_reports_nothing_when_nothing_changed(kb_dir: Path, service):
    watcher = KnowledgeWatcher(kb_dir, service.library)
    assert watcher.check() is None
    write_kb(kb_dir, {**ENTRIES, "refunds": REFUNDS})
    assert watcher.check() is True
    assert watcher.check() is None
    (kb_dir / "topics.yaml").write_text("entries: [oops", encoding="utf-8")
    assert watcher.check() is False
    assert watcher.check() is None  # refused once, not logged again on every poll


def test_asking_during_reloads_never_fails_or_mixes_snapshots(kb_dir: Path, service):
    watcher = KnowledgeWatcher(kb_dir, service.library)
    versions = [
        {**ENTRIES, "refunds": REFUNDS},
        dict(ENTRIES),
        {**ENTRIES, "renewals": ENTRIES["renewals"][:2]},  # invalid: refused
    ]
    questions = ["who processes customer refunds", "who owns contract renewals", "lunch"]
    errors: list[BaseException] = []
    stop = threading.Event()
    asked = [0]

    def ask_repeatedly() -> None:
        while not stop.is_set():
            for question in questions:
                try:
                    answered = service.ask(question, SURFACE_DM)
                    entry = answered.match.entry
                    # the entry comes from the very knowledge base the answer is rendered with
                    assert entry is None or answered.knowledge.get(entry.id) is entry
                    asked[0] += 1
                except BaseException as error:
                    errors.append(error)
            time.sleep(0.001)  # let the reloading thread in: file I/O gives up the GIL

    askers = [threading.Thread(target=ask_repeatedly) for _ in range(2)]
    for thread in askers:
        thread.start()
    outcomes = []
    try:
        for round_number in range(12):
            write_kb(kb_dir, versions[round_number % len(versions)])
            outcomes.append(watcher.check())
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert not errors, errors[0]
    assert asked[0] > 12
    assert True in outcomes and False in outcomes


def test_curation_starts_and_stops_the_store_and_the_watcher(kb_dir, small_kb, tmp_path):
    settings = Settings(knowledge_dir=kb_dir, database_path=tmp_path / "q.sqlite3")
    library = Library(small_kb)
    curation = Curation.start(settings, library)
    try:
        service = AnswerService(library, curation.store)
        assert service.ask("who owns contract renewals", SURFACE_DM, "U1").record_id
        assert curation.store.flush()
        assert curation.watcher.check() is None
    finally:
        curation.stop()
    assert (tmp_path / "q.sqlite3").is_file()
    assert service.ask("who owns contract renewals", SURFACE_DM).record_id is None  # stopped


def test_a_flood_of_problems_is_logged_once_and_capped(kb_dir: Path, service, reload_log):
    """A hostile file (20,000 levels deep, then 1,000 bad entries) is refused once per change,
    in at most 50 problem lines and a count, while the previous knowledge base keeps serving."""
    watcher = KnowledgeWatcher(kb_dir, service.library)
    (kb_dir / "zz-deep.yaml").write_text("entries: " + "[" * 20_000 + "]" * 20_000)
    assert watcher.check() is False
    assert [r.getMessage() for r in reload_log.records][1:] == [
        f"{kb_dir / 'zz-deep.yaml'}:1: invalid YAML: nested more than 64 levels deep"
    ]
    assert watcher.check() is None  # waits for the next change
    assert watcher.check() is None

    reload_log.clear()
    (kb_dir / "zz-deep.yaml").write_text("entries:\n" + "  - x\n" * 1_000)
    assert watcher.check() is False
    logged = [record.getMessage() for record in reload_log.records]
    assert len(logged) == 1 + 50 + 1
    assert logged[-1] == "... and 950 more problem(s) not shown"
    assert watcher.check() is None
    assert answer_id(service, "who owns contract renewals") == "renewals"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_in_the_folder_never_blocks_the_watcher(kb_dir: Path, service, reload_log):
    watcher = KnowledgeWatcher(kb_dir, service.library, interval=0.05).start()
    try:
        os.mkfifo(kb_dir / "x.yaml")
        wait_for(lambda: any("refused" in r.getMessage() for r in reload_log.records))
        (kb_dir / "x.yaml").unlink()
        write_kb(kb_dir, {**ENTRIES, "refunds": REFUNDS})  # later edits still load
        wait_for(lambda: answer_id(service, "who processes customer refunds") == "refunds")
    finally:
        watcher.stop()


def test_the_packaged_read_only_copy_is_not_watched(
    kb_dir: Path, service, reload_log, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("bot.curation.reload.packaged_knowledge_dir", lambda: kb_dir)
    watcher = KnowledgeWatcher(kb_dir, service.library, interval=0.05)
    assert not watcher.watches
    watcher.start()
    try:
        assert watcher._thread is None
        assert "(not watched)" in reload_log.records[-1].getMessage()
    finally:
        watcher.stop()
    assert KnowledgeWatcher(kb_dir.parent, service.library).watches
