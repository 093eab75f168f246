"""Run the Bolt app: HTTP behind a threaded WSGI server, or Socket Mode; stop it cleanly.

SIGTERM (how Docker, Kubernetes and Heroku stop a process) and SIGINT start the same graceful
stop (`Shutdown`): stop taking requests, let those in flight finish, then the caller writes what
is queued and closes the store, all within `SHUTDOWN_TIMEOUT`. A second signal stops at once.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.errors import SlackApiError
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from bot.settings import ENV_APP_TOKEN, ENV_HEALTH_PORT, ENV_PORT, ConfigError, Settings
from bot.slack.dedupe import Claims, KeyMemory
from bot.slack.guard import RequestGuard, replay_memory
from bot.slack.throttle import ThrottledLog, ThrottledRecords

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Threads that handle requests (waitress buffers a request whole before one takes it, so slow
# clients hold none). Few, because they share one interpreter lock: at 64 clients on 2 cores
# and 2 workers, 4 threads served 487-596 requests/s (p99 159-181 ms) against 442-497 for 16
# (p99 177-198 ms) in seven alternating runs; with one worker the two were even.
HTTP_THREADS = 4
# Slack pings are answered within a second; missing 4 in a row (slack_sdk's rule) at this
# interval means a dead connection is noticed and replaced within about 10 seconds.
SOCKET_PING_SECONDS = 2
logger = logging.getLogger(__name__)

_DRAIN_POLL = 0.05  # seconds between looks at whether in-flight requests are done
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# Readiness details, e.g. QuestionStore.health(): {"ok": bool, ...}.
Health = Callable[[], dict[str, Any]]


class Shutdown:
    """The graceful stop: the first SIGTERM / SIGINT runs the registered stoppers (each in its
    own thread) and starts the clock; a second one, or `interrupt`, raises KeyboardInterrupt in
    the main thread."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.requested = threading.Event()
        self._deadline: float | None = None
        self._stoppers: list[Callable[[], None]] = []

    def install(self) -> Shutdown:
        """Handle SIGTERM and SIGINT (from the main thread)."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        return self

    def on_stop(self, stopper: Callable[[], None]) -> None:
        """Run `stopper` in a thread of its own when the stop is requested (at once if it was
        requested already, e.g. by a signal during start-up)."""
        self._stoppers.append(stopper)
        if self.requested.is_set():
            self._start(stopper)

    def remaining(self) -> float:
        """Seconds left of the stop's time budget (the whole budget before any signal)."""
        if self._deadline is None:
            return self.timeout
        return max(0.0, self._deadline - time.monotonic())

    def request(self) -> None:
        """Start the stop (what a signal does)."""
        if self.requested.is_set():
            return
        self._deadline = time.monotonic() + self.timeout
        self.requested.set()
        logger.info("stopping: finishing requests in flight (at most %.0fs)", self.timeout)
        for stopper in self._stoppers:
            self._start(stopper)

    @staticmethod
    def _start(stopper: Callable[[], None]) -> None:
        threading.Thread(target=stopper, name="shutdown", daemon=True).start()

    def interrupt(self) -> None:
        """Wake the main thread out of a blocking loop (the HTTP server's)."""
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.requested.is_set():
            raise KeyboardInterrupt
        self.request()


def health_response(health: Health | None) -> tuple[str, bytes]:
    """The status line and JSON body of GET /healthz: 200 when ready, else 503."""
    details = health() if health is not None else {"ok": True}
    ok = bool(details.get("ok"))
    body = {"ok": ok} if health is None else {"ok": ok, "store": details}
    return ("200 OK" if ok else "503 Service Unavailable"), json.dumps(body).encode()


def _health(
    environ: dict[str, Any], start_response: StartResponse, health: Health | None
) -> Iterable[bytes] | None:
    """GET or HEAD /healthz answered; None for any other request."""
    method = environ.get("REQUEST_METHOD")
    if environ.get("PATH_INFO") != HEALTH_PATH or method not in {"GET", "HEAD"}:
        return None
    status, body = health_response(health)
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body] if method == "GET" else []


def wsgi_app(app: App, guard: RequestGuard, health: Health | None = None) -> WsgiApp:
    """Slack's events, commands and interactivity at POST /slack/events, checked by the guard
    before Bolt parses anything; GET (or HEAD) /healthz."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answered = _health(environ, start_response, health)
        if answered is not None:
            return answered
        if environ.get("PATH_INFO") != EVENTS_PATH or environ.get("REQUEST_METHOD") != "POST":
            response = BoltResponse(status=404, body="Not Found")
        else:
            checked = guard.check(environ)
            response = checked if isinstance(checked, BoltResponse) else app.dispatch(checked)
        reply = WsgiHttpResponse(response.status, response.headers, response.body)
        start_response(reply.status, reply.get_headers())
        return reply.get_body()

    return application


def health_app(health: Health | None) -> WsgiApp:
    """GET /healthz alone (Socket Mode's HEALTH_PORT); anything else is 404."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answered = _health(environ, start_response, health)
        if answered is None:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        return answered

    return application


def finish_listeners(app: App, timeout: float) -> bool:
    """Wait (at most `timeout` s) for listeners and replies still running, e.g. answers being
    posted; replies still queued for a slow Slack after that are dropped."""
    executor = app.listener_runner.listener_executor
    waiter = threading.Thread(target=executor.shutdown, kwargs={"wait": True}, daemon=True)
    waiter.start()
    waiter.join(timeout)
    if waiter.is_alive():
        logger.warning("stopping: replies still waiting after the time allowed are dropped")
        executor.shutdown(wait=False, cancel_futures=True)
    return not waiter.is_alive()


class _TimedChannel(HTTPChannel):
    """A connection that remembers when the request it is reading began."""

    request_started = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.monotonic()
        return super().received(data)


class _DeadlineServer(TcpWSGIServer):
    """waitress closes idle connections, but one that trickles a header line every few
    seconds never is: this server also closes any connection whose request is not whole
    within the read timeout, so slow clients cannot hold every connection slot."""

    channel_class = _TimedChannel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slow_log = ThrottledLog(logger)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        cutoff = time.monotonic() - self.adj.channel_timeout
        slow = [
            channel
            for channel in self.active_channels.values()
            if channel.request is not None and channel.request_started < cutoff
        ]
        for channel in slow:
            channel.will_close = True
        if slow:
            self._slow_log.log(
                logging.WARNING,
                "slow",
                "closed %d connection(s) that sent no whole request within %d s",
                len(slow),
                self.adj.channel_timeout,
            )

    share_load = False  # other worker processes accept on the same socket

    def readable(self) -> bool:
        """When other workers share the port, accepts new connections only while none waits
        for a thread: a busy (or descheduled) worker leaves them in the kernel's queue for
        another, instead of holding them behind its own work."""
        readable = super().readable()
        if readable and self.share_load:
            return not self.task_dispatcher.queue
        return readable

    def idle(self) -> bool:
        """No request queued, being handled, or with a response still to send."""
        dispatcher = self.task_dispatcher
        if dispatcher.queue or dispatcher.active_count:
            return False
        channels = list(self.active_channels.values())
        return not any(channel.requests or channel.total_outbufs_len for channel in channels)


def http_server(
    app: App,
    settings: Settings,
    health: Health | None = None,
    *,
    listener: socket.socket | None = None,
    replays: KeyMemory | None = None,
    action_replays: KeyMemory | None = None,
    command_replays: Claims | None = None,
) -> _DeadlineServer:
    """waitress on every interface at the settings' port, with their limits (body size,
    read timeout, connections); raises ConfigError, in one line, if the port is taken.

    `listener` is a socket already listening (a worker's, inherited from the process that
    bound it: bot/slack/workers.py); `replays` where the guard remembers signatures (this
    process's memory by default), `action_replays` and `command_replays` where it also
    remembers interactions' and slash commands' for every replica (`stored_action_replays`,
    `stored_command_replays`).
    """
    # waitress warns for every request that has to wait for a thread: a burst would write
    # thousands of lines.
    logging.getLogger("waitress.queue").addFilter(ThrottledRecords())
    guard = RequestGuard(
        settings.signing_secret or "",
        settings.max_body_bytes,
        replays or replay_memory(),
        action_replays,
        command_replays,
    )
    adjustments = Adjustments(
        host="0.0.0.0",
        port=settings.port,
        threads=HTTP_THREADS,
        ident="csm-vs-pm",
        # waitress answers 413 itself, from the Content-Length, before reading the body.
        max_request_body_size=settings.max_body_bytes,
        channel_timeout=settings.http_read_timeout,
        cleanup_interval=1,
        connection_limit=settings.http_connection_limit,
        # select() cannot watch more than 1,024 sockets; poll() can.
        asyncore_use_poll=True,
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adjustments.threads)
    if listener is not None:
        server = _DeadlineServer(
            wsgi_app(app, guard, health),
            map={},
            _sock=listener,
            dispatcher=dispatcher,
            adj=adjustments,
            bind_socket=False,
            sockinfo=(listener.family, listener.type, listener.proto, listener.getsockname()),
        )
        # Measured at 64 clients on a loaded 2-core machine, 2 workers: p99 228-291 ms when
        # each accepted whatever came, 98-119 ms when a busy worker left connections waiting.
        server.share_load = True
        return server
    try:
        return _DeadlineServer(
            wsgi_app(app, guard, health),
            map={},
            dispatcher=dispatcher,
            adj=adjustments,
            sockinfo=adjustments.listen[0],
        )
    except OSError as error:
        raise ConfigError(
            f"cannot listen on port {settings.port} ({error.strerror}): another program may be "
            f"using it; set {ENV_PORT} to a free port"
        ) from None


def serve_http(
    app: App,
    settings: Settings,
    shutdown: Shutdown | None = None,
    health: Health | None = None,
    *,
    listener: socket.socket | None = None,
    replays: KeyMemory | None = None,
    action_replays: KeyMemory | None = None,
    command_replays: Claims | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve HTTP with waitress, a production WSGI server, until the `shutdown` is requested
    and the requests in flight are answered; `ready` is called once it takes requests (see
    `http_server` for `listener` and the replay memories)."""
    server = http_server(
        app,
        settings,
        health,
        listener=listener,
        replays=replays,
        action_replays=action_replays,
        command_replays=command_replays,
    )

    stopped_listening = threading.Event()

    def stop_listening() -> None:  # run by the server's own loop, between two polls
        server.accepting = False
        server.del_channel()
        server.socket.close()
        stopped_listening.set()

    def drain() -> None:
        try:
            server.trigger.pull_trigger(stop_listening)
        except OSError:  # the server has closed already (a second signal stopped it at once)
            return
        # Interrupt only once that has run: waitress swallows any exception raised inside a
        # trigger callback, so a KeyboardInterrupt landing there would leave the loop running.
        stopped_listening.wait(shutdown.remaining())
        while shutdown.remaining() > 0 and not server.idle():
            time.sleep(_DRAIN_POLL)
        shutdown.interrupt()

    if shutdown is not None:
        shutdown.on_stop(drain)
    logger.info("serving HTTP on port %s: POST %s, GET %s", settings.port, EVENTS_PATH, HEALTH_PATH)
    if ready is not None:
        ready()
    try:
        server.run()  # returns on KeyboardInterrupt, once its worker threads are done
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def serve_socket(
    app: App,
    app_token: str,
    shutdown: Shutdown | None = None,
    health: Health | None = None,
    health_port: int | None = None,
) -> None:
    """Connect to Slack over Socket Mode (no public URL needed) and run until the `shutdown`
    is requested; with `health_port`, serve GET /healthz there meanwhile.

    Raises ConfigError, in one line, when Slack refuses the app-level token.
    """
    handler = SocketModeHandler(app, app_token, ping_interval=SOCKET_PING_SECONDS)
    logger.info("connecting to Slack in Socket Mode")
    try:
        handler.connect()  # apps.connections.open, then the WebSocket
    except SlackApiError as error:
        raise ConfigError(
            f"Slack did not accept {ENV_APP_TOKEN} ({error.response.get('error')}): create an "
            "app-level token with connections:write under Basic Information > App-Level Tokens, "
            "and check that Socket Mode is on"
        ) from None
    logger.info("connected to Slack in Socket Mode")
    checker = _serve_health(health_port, health) if health_port else None
    try:
        (shutdown.requested if shutdown else threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()  # no new envelopes; the caller lets the listeners finish
        if checker is not None:
            checker.shutdown()
            checker.server_close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Health probes every few seconds would drown the log."""


def _serve_health(port: int, health: Health | None) -> WSGIServer:
    try:
        server = make_server("0.0.0.0", port, health_app(health), handler_class=_QuietHandler)
    except OSError as error:
        raise ConfigError(
            f"cannot listen on port {port} ({error.strerror}): set {ENV_HEALTH_PORT} to a free port"
        ) from None
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    logger.info("serving GET %s on port %s", HEALTH_PATH, port)
    return server
