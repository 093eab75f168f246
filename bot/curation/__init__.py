"""The curators' loop: record questions and feedback, report on them, reload knowledge live.

- `store.QuestionStore` records what the bot was asked (a `Recorder` for `AnswerService`),
  through a background writer so an answer never waits on the database, and keeps what the Slack
  layer must do once (claims) and small state, on SQLite or PostgreSQL (`backends`).
- `report.build_report` / `report.render` turn the records into what to add to the knowledge base.
- `reload.KnowledgeWatcher` notices edits to `knowledge/*.yaml` and swaps in the new knowledge
  base only when it is valid.
- `loop.Curation` holds the store and the watcher of a long-lived app.

The package itself imports nothing: `csm-vs-pm ask` reads `backends` and `report` without
paying for the store and the watcher at start-up.

Only the standard library and the core (`bot.knowledge`, `bot.matcher`, `bot.answering`) are
used here; the Slack layer imports this package, never the other way round.
"""
