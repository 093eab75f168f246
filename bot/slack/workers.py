"""Several HTTP worker processes on one listening socket (`HTTP_WORKERS`).

One Python process answers on one core at a time (the GIL), and with a healthy Web API the bot
is bound by CPU, so a second core helps only through a second process. The parent binds the
port, loads the knowledge base and checks the store once (a mistake is one line, and the workers
share the loaded knowledge base copy-on-write), then forks the workers before it has started any
thread. Each worker is the usual HTTP app on the inherited socket, with its own store connection
and writer, knowledge watcher and reply pool; the kernel hands each new connection to whichever
worker accepts it first, so a busy worker takes fewer. What must happen once across processes
(events, greetings, replayed signatures) is agreed in the store, as between replicas.

Stopping: on its first SIGTERM / SIGINT the parent closes its copy of the port and of a "stop"
pipe every worker holds; at the pipe's end each worker stops as a single process does (finish
what is in flight, write what is queued). A worker that gets the signal itself (Ctrl+C reaches
the whole process group; Heroku signals every process) stops the same way, once. The pipe also
ends when the parent dies, so no worker outlives it. A second signal to the parent is passed on
and stops the workers at once. A worker that dies while serving is replaced; one that fails to
start stops the start, with its one-line error and exit status.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.settings import ENV_PORT, ConfigError

logger = logging.getLogger(__name__)
LISTEN_BACKLOG = 1024  # waitress's own default
# waitress may wait this long for a stuck worker thread after SHUTDOWN_TIMEOUT (server.py):
# only a worker still running after both is killed.
KILL_GRACE_SECONDS = 6.0
_POLL_SECONDS = 0.1  # how often the parent looks at its workers; it has nothing else to do
EXIT_FAILED = 1


def listening_socket(port: int) -> socket.socket:
    """A socket listening on every interface at `port`, for the workers to share; raises
    ConfigError, in one line, if the port is taken."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As waitress does: a restart need not wait for the old connections' TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", port))
        listener.listen(LISTEN_BACKLOG)
    except OSError as error:
        listener.close()
        raise ConfigError(
            f"cannot listen on port {port} ({error.strerror}): another program may be "
            f"using it; set {ENV_PORT} to a free port"
        ) from None
    return listener


@dataclass
class Worker:
    """What a worker process gets from its parent: its number, the shared socket, and the two
    pipes (say "ready"; learn "stop")."""

    number: int
    listener: socket.socket
    _ready_fd: int
    _stop_fd: int

    def ready(self) -> None:
        """Tell the parent this worker takes requests (its start went well)."""
        os.write(self._ready_fd, bytes([self.number]))

    def on_parent_stop(self, stop: Callable[[], None]) -> None:
        """Call `stop` (in a thread of its own) when the parent asks every worker to stop, or
        dies."""

        def watch() -> None:
            while True:
                try:
                    if not os.read(self._stop_fd, 1):  # only ever the end of the pipe
                        break
                except InterruptedError:
                    continue
                except OSError:
                    break
            stop()

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()


WorkerMain = Callable[[Worker], int]


class Workers:
    """Forks `count` workers running `main` on `listener`, replaces any that dies, and stops
    them on SIGTERM / SIGINT within `timeout` seconds (plus waitress's own grace)."""

    def __init__(
        self, count: int, listener: socket.socket, timeout: float, main: WorkerMain
    ) -> None:
        self.count = count
        self._listener = listener
        self._timeout = timeout
        self._main = main
        self._pids: dict[int, int] = {}  # pid -> worker number
        self._stopping = False
        self._deadline = float("inf")
        self._killed = False
        self._worst = 0
        self._stop_read, self._stop_write = os.pipe()
        self._ready_read, self._ready_write = os.pipe()

    def run(self) -> int:
        """Serve until stopped; the exit status: 0, or a failed worker's."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            # One worker first: a start that fails (Slack refuses the token) says so once.
            failed = self._start([0])
            if failed is None and not self._stopping:
                failed = self._start(range(1, self.count))
            if failed is not None:
                self.stop()
                self._supervise()  # the others stop as usual
                return failed
            logger.info("%d HTTP worker processes serving", self.count)
            self._supervise()
            return self._worst
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            for fd in (self._stop_read, self._stop_write, self._ready_read, self._ready_write):
                _close(fd)

    def stop(self) -> None:
        """Ask every worker to stop gracefully (what the first signal does)."""
        if self._stopping:
            return
        self._stopping = True
        self._deadline = time.monotonic() + self._timeout + KILL_GRACE_SECONDS
        self._listener.close()  # the workers close theirs as they stop
        _close(self._stop_write)

    def _on_signal(self, signum: int, frame: object) -> None:
        if not self._stopping:
            logger.info("stopping %d HTTP worker processes", len(self._pids))
            self.stop()
            return
        for pid in list(self._pids):  # a second signal: each worker stops at once
            _kill(pid, signal.SIGTERM)

    def _start(self, numbers: range | list[int]) -> int | None:
        """Fork these workers and wait until each says it is ready; the exit status of the
        first that ended instead, or None (also when a stop was asked for meanwhile)."""
        if self._stopping:
            return None
        waiting = {number: self._fork(number) for number in numbers}
        while waiting:
            if self._stopping:
                return None
            readable, _, _ = select.select([self._ready_read], [], [], _POLL_SECONDS)
            if readable:
                for number in os.read(self._ready_read, 256):
                    waiting.pop(number, None)
            for pid in list(waiting.values()):
                ended = _reap(pid)
                if ended is not None:
                    del self._pids[pid]
                    return ended or EXIT_FAILED  # ended during its start: even 0 is a failure
        return None

    def _supervise(self) -> None:
        """Replace workers that die; once stopping, wait for all (killing them at the end of
        the time allowed)."""
        while self._pids:
            time.sleep(_POLL_SECONDS)
            for pid, number in list(self._pids.items()):
                ended = _reap(pid)
                if ended is None:
                    continue
                del self._pids[pid]
                if self._stopping:
                    self._worst = self._worst or ended
                    continue
                logger.warning(
                    "HTTP worker %d (pid %d) ended with status %d; starting another",
                    number,
                    pid,
                    ended,
                )
                failed = self._start([number])
                if failed is not None:
                    self._worst = failed
                    self.stop()
            if self._stopping and time.monotonic() > self._deadline and not self._killed:
                self._killed = True
                logger.warning("stopping: %d worker(s) still running are killed", len(self._pids))
                for pid in self._pids:
                    _kill(pid, signal.SIGKILL)

    def _fork(self, number: int) -> int:
        # Flushed first, or a worker would write the parent's buffered output a second time.
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            self._pids[pid] = number
            return pid
        status = EXIT_FAILED
        try:
            # Until the worker installs its own handlers, a signal must not run the parent's;
            # the stop pipe still reaches it.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _close(self._stop_write)
            _close(self._ready_read)
            status = self._main(Worker(number, self._listener, self._ready_write, self._stop_read))
        except BaseException:  # a worker ends here: never back into the parent's code
            logger.exception("HTTP worker %d failed", number)
        finally:
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        return 0  # not reached: the worker has exited


def _reap(pid: int) -> int | None:
    """The exit status of `pid` if it has ended, else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return EXIT_FAILED
    if not done:
        return None
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code  # killed by a signal: the shell's convention


def _kill(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just ended
        os.kill(pid, signum)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):  # closed already
        os.close(fd)
