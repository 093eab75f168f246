"""The running parts of the curators' loop for a long-lived app: the store and the watcher."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering import Library
from bot.curation.reload import KnowledgeWatcher
from bot.curation.store import DEFAULT_CLOSE_TIMEOUT, QuestionStore
from bot.settings import Settings

# Even a stop that spent its time on requests gives the store this long to write what is queued.
MIN_CLOSE_TIMEOUT = 1.0


@dataclass
class Curation:
    """The running parts of the loop for a long-lived app: the store and the knowledge watcher.

    `serve` does: `curation = Curation.start(settings, library)`, passes `curation.store` to
    `AnswerService(library, curation.store)`, and calls `curation.stop()` on shutdown.
    """

    store: QuestionStore
    watcher: KnowledgeWatcher

    @classmethod
    def start(cls, settings: Settings, library: Library) -> Curation:
        store = QuestionStore.from_settings(settings)
        watcher = KnowledgeWatcher(
            settings.knowledge_dir, library, max_file_bytes=settings.knowledge_max_file_bytes
        )
        return cls(store, watcher.start())

    def stop(self, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> None:
        """Stop watching, then write what is queued and close the store, within `timeout` s."""
        self.watcher.stop()
        self.store.close(max(timeout, MIN_CLOSE_TIMEOUT))
