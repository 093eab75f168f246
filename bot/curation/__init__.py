"""The curators' loop: record questions and feedback, report on them, reload knowledge live.

- `store.QuestionStore` records what the bot was asked (a `Recorder` for `AnswerService`),
  through a background writer so an answer never waits on the database, and keeps what the Slack
  layer must do once (claims) and small state, on SQLite or PostgreSQL (`backends`).
- `report.build_report` / `report.render` turn the records into what to add to the knowledge base.
- `reload.KnowledgeWatcher` notices edits to `knowledge/*.yaml` and swaps in the new knowledge
  base only when it is valid.

Only the standard library and the core (`bot.knowledge`, `bot.matcher`, `bot.answering`) are
used here; the Slack layer imports this package, never the other way round.
"""

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
        return cls(store, KnowledgeWatcher(settings.knowledge_dir, library).start())

    def stop(self, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> None:
        """Stop watching, then write what is queued and close the store, within `timeout` s."""
        self.watcher.stop()
        self.store.close(max(timeout, MIN_CLOSE_TIMEOUT))
