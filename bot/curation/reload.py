"""Hot reload: notice edits to `knowledge/*.yaml` and serve them without a restart.

`KnowledgeWatcher` polls the knowledge directory (each file's name, size, mtime and inode) every
`interval` seconds from one daemon thread; the standard library is enough for a handful of files.
On a change it loads and validates the whole directory with `load_knowledge`:

- valid: `Library.replace` builds the new matcher and swaps the pair in one assignment, so a
  request sees either the old knowledge base or the new one, never a mix ("reloaded N entries");
- invalid: the problems are logged as the same `file:line: message` lines `kb check` prints (at
  most `MAX_PROBLEMS_SHOWN`, then a count), once per change, and the previous knowledge base
  keeps serving until the files change again. A file caught half-written (it changes again
  while being read) is not reported; the next poll reads the finished file.

Only regular files inside the folder are read, without blocking (see `bot.knowledge`), so a FIFO
or a device named `*.yaml` cannot stall the watcher. The package's own read-only copy of the
knowledge base (`bot.settings.packaged_knowledge_dir`) is not watched: nobody edits it.

Start it right after loading the knowledge base the app serves: `KnowledgeWatcher(dir,
library).start()`; `stop()` on shutdown.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.answering import Library
from bot.knowledge import (
    KnowledgeBase,
    KnowledgeError,
    load_knowledge,
    shown_problems,
    yaml_files,
)
from bot.settings import DEFAULT_KNOWLEDGE_MAX_FILE_BYTES, packaged_knowledge_dir

logger = logging.getLogger(__name__)
# While a reload reads and rebuilds (seconds on a large knowledge base), the interpreter hands
# the GIL over this often instead of every 5 ms: an answer makes dozens of GIL hand-overs (each
# numpy call is one), and at 5 ms each it would wait 100 ms or more behind the reload.
RELOAD_SWITCH_INTERVAL = 0.0002

DEFAULT_INTERVAL = 1.0  # seconds between looks at the directory

Signature = tuple[tuple[str, int, int, int], ...]


@contextlib.contextmanager
def _yielding_often() -> Iterator[None]:
    """Switch threads every RELOAD_SWITCH_INTERVAL seconds for the duration, with no garbage
    collection pass: a reload allocates millions of objects, and a full pass over them holds
    the GIL for hundreds of milliseconds at once. What the reload built is then frozen, so later
    passes do not walk it either (it is freed by reference counting when replaced)."""
    usual = sys.getswitchinterval()
    collecting = gc.isenabled()
    sys.setswitchinterval(RELOAD_SWITCH_INTERVAL)
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
        sys.setswitchinterval(usual)


def signature(directory: Path) -> Signature:
    """What identifies the current state of `directory/*.yaml`: name, size, mtime, inode."""
    state = []
    for path in yaml_files(directory):
        try:
            status = path.stat()  # never blocks, whatever kind of file it is
        except (OSError, RuntimeError):  # removed between listing and looking; a link loop
            continue
        state.append((path.name, status.st_size, status.st_mtime_ns, status.st_ino))
    return tuple(state)


class KnowledgeWatcher:
    """Reloads the library's knowledge base when `directory/*.yaml` changes and is valid."""

    def __init__(
        self,
        directory: Path,
        library: Library,
        *,
        interval: float = DEFAULT_INTERVAL,
        max_file_bytes: int = DEFAULT_KNOWLEDGE_MAX_FILE_BYTES,
        load: Callable[[Path], KnowledgeBase] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.library = library
        self.interval = interval
        self._load = load or functools.partial(load_knowledge, max_file_bytes=max_file_bytes)
        self._seen = signature(self.directory)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def watches(self) -> bool:
        """False for the package's own read-only copy of the knowledge base: nobody edits it."""
        packaged = packaged_knowledge_dir()
        return packaged is None or self.directory.resolve() != packaged.resolve()

    def start(self) -> KnowledgeWatcher:
        """Start polling in a daemon thread; the files as they are now count as already loaded."""
        if not self.watches:
            logger.info("serving the packaged knowledge base in %s (not watched)", self.directory)
            return self
        if self._thread is None:
            self._seen = signature(self.directory)
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="knowledge-watcher", daemon=True)
            self._thread.start()
            logger.info("watching %s for knowledge edits", self.directory)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and wait (at most `timeout` seconds) for the thread to end."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.check()
            except Exception:  # never let one bad poll end the watching
                logger.exception("looking at %s failed; still watching", self.directory)

    def check(self) -> bool | None:
        """Look once: True if a new knowledge base is now served, False if an edit was refused,
        None if nothing (finished) changed.

        A refused state is logged once: the next attempt waits for the files to change again.
        """
        before = signature(self.directory)
        if before == self._seen:
            return None
        try:
            with _yielding_often():
                knowledge = self._load(self.directory)
                self.library.replace(knowledge)
        except KnowledgeError as error:
            if signature(self.directory) != before:
                return None  # still being written: judge the finished file on the next poll
            self._seen = before
            serving = len(self.library.snapshot.knowledge.entries)
            logger.error(
                "knowledge edit refused: %d problem(s) in %s; still serving the previous "
                "knowledge base (%d entries)",
                len(error.problems),
                self.directory,
                serving,
            )
            for line in shown_problems(error.problems):
                logger.error("%s", line)
            return False
        except Exception:  # a bug, not a bad file: say so once, keep serving, keep watching
            self._seen = before
            logger.exception("knowledge reload failed; still serving the previous one")
            return False
        self._seen = before
        logger.info("reloaded %d entries from %s", len(knowledge.entries), self.directory)
        return True
