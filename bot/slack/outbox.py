"""The replies to Slack (Web API calls, response_url posts) on a bounded pool of their own.

Bolt runs the work that follows an acknowledgement (its "lazy" listeners) on the executor it
is given: this one. Its threads only ever talk to Slack, so a slow or rate-limited Web API
makes answers wait here, never the threads that acknowledge slash commands and clicks. What
cannot wait (the queue is full) is dropped and logged, so a burst of mentions faster than
Slack accepts answers cannot grow memory without bound.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from bot.slack.throttle import ThrottledLog

logger = logging.getLogger(__name__)
Result = TypeVar("Result")


class Outbox(ThreadPoolExecutor):
    """A thread pool that holds at most `capacity` jobs, running or waiting; more are dropped."""

    def __init__(self, workers: int, capacity: int) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="reply")
        self.capacity = capacity
        self._pending = 0
        self._count_lock = threading.Lock()
        self._dropped_log = ThrottledLog(logger)

    def submit(self, fn: Callable[..., Result], /, *args: Any, **kwargs: Any) -> Future[Result]:
        """Queue `fn`; when `capacity` jobs already wait, drop it (logged) and return a
        cancelled future."""
        with self._count_lock:
            full = self._pending >= self.capacity
            if not full:
                self._pending += 1
        if full:
            self._dropped_log.log(
                logging.WARNING,
                "dropped",
                "dropped a reply (%s): %d replies to Slack are already waiting",
                getattr(fn, "__name__", "job"),
                self.capacity,
            )
            dropped: Future[Result] = Future()
            dropped.cancel()
            return dropped
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future[Any]) -> None:
        with self._count_lock:
            self._pending -= 1
