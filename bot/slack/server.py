"""Run the Bolt app: HTTP behind a threaded WSGI server, or Socket Mode; stop it cleanly.

SIGTERM (how Docker, Kubernetes and Heroku stop a process) and SIGINT start the same graceful
stop (`Shutdown`): stop taking requests, let those in flight finish, then the caller writes what
is queued and closes the store, all within `SHUTDOWN_TIMEOUT`. A second signal stops at once.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError

from bot.settings import ENV_APP_TOKEN, ENV_HEALTH_PORT, ENV_PORT, ConfigError

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16
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
    if environ.get("PATH_INFO") != HEALTH_PATH or environ.get("REQUEST_METHOD") != "GET":
        return None
    status, body = health_response(health)
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def wsgi_app(app: App, health: Health | None = None) -> WsgiApp:
    """Slack's events, commands and interactivity at POST /slack/events; GET /healthz."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answered = _health(environ, start_response, health)
        return slack(environ, start_response) if answered is None else answered

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
    """Wait (at most `timeout` s) for listeners still running, e.g. answers being posted."""
    executor = app.listener_runner.listener_executor
    waiter = threading.Thread(target=executor.shutdown, kwargs={"wait": True}, daemon=True)
    waiter.start()
    waiter.join(timeout)
    if waiter.is_alive():
        logger.warning("stopping: listeners still running after the time allowed")
    return not waiter.is_alive()


def _idle(server: Any) -> bool:
    """No request queued, being handled, or with a response still to send."""
    dispatcher = server.task_dispatcher
    if dispatcher.queue or dispatcher.active_count:
        return False
    channels = list(server.active_channels.values())
    return not any(channel.requests or channel.total_outbufs_len for channel in channels)


def serve_http(
    app: App, port: int, shutdown: Shutdown | None = None, health: Health | None = None
) -> None:
    """Serve on every interface at `port` with waitress, a production WSGI server, until the
    `shutdown` is requested and the requests in flight are answered."""
    import waitress  # only HTTP mode needs it

    try:
        server = waitress.create_server(
            wsgi_app(app, health),
            host="0.0.0.0",
            port=port,
            threads=HTTP_THREADS,
            ident="csm-vs-pm",
        )
    except OSError as error:
        raise ConfigError(
            f"cannot listen on port {port} ({error.strerror}): another program may be using it; "
            f"set {ENV_PORT} to a free port"
        ) from None

    def stop_listening() -> None:  # run by the server's own loop, between two polls
        server.accepting = False
        server.del_channel()
        server.socket.close()

    def drain() -> None:
        server.trigger.pull_trigger(stop_listening)
        while shutdown.remaining() > 0 and not _idle(server):
            time.sleep(_DRAIN_POLL)
        shutdown.interrupt()

    if shutdown is not None:
        shutdown.on_stop(drain)
    logger.info("serving HTTP on port %s: POST %s, GET %s", port, EVENTS_PATH, HEALTH_PATH)
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
    handler = SocketModeHandler(app, app_token)
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
