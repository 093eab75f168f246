"""Run the Bolt app: HTTP behind a threaded WSGI server, or Socket Mode."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.errors import SlackApiError
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from bot.settings import ENV_APP_TOKEN, ENV_PORT, ConfigError, Settings
from bot.slack.guard import RequestGuard, replay_memory
from bot.slack.throttle import ThrottledLog, ThrottledRecords

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16
# Slack pings are answered within a second; missing 4 in a row (slack_sdk's rule) at this
# interval means a dead connection is noticed and replaced within about 10 seconds.
SOCKET_PING_SECONDS = 2
logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def wsgi_app(
    app: App, guard: RequestGuard
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Slack's events, commands and interactivity at POST /slack/events; GET (or HEAD) /healthz."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        if path == HEALTH_PATH and method in {"GET", "HEAD"}:
            body = json.dumps({"ok": True}).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body] if method == "GET" else []
        if path != EVENTS_PATH or method != "POST":
            response = BoltResponse(status=404, body="Not Found")
        else:
            checked = guard.check(environ)
            response = checked if isinstance(checked, BoltResponse) else app.dispatch(checked)
        reply = WsgiHttpResponse(response.status, response.headers, response.body)
        start_response(reply.status, reply.get_headers())
        return reply.get_body()

    return application


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


def http_server(app: App, settings: Settings) -> TcpWSGIServer:
    """waitress on every interface at the settings' port, with their limits (body size,
    read timeout, connections); raises ConfigError, in one line, if the port is taken."""
    # waitress warns for every request that has to wait for a thread: a burst would write
    # thousands of lines.
    logging.getLogger("waitress.queue").addFilter(ThrottledRecords())
    guard = RequestGuard(settings.signing_secret or "", settings.max_body_bytes, replay_memory())
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
    try:
        return _DeadlineServer(
            wsgi_app(app, guard),
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


def serve_http(app: App, settings: Settings) -> None:
    """Serve HTTP with waitress, a production WSGI server, until interrupted."""
    server = http_server(app, settings)
    logger.info("serving HTTP on port %s: POST %s, GET %s", settings.port, EVENTS_PATH, HEALTH_PATH)
    try:
        server.run()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        server.close()
        _drop_waiting_replies(app)


def serve_socket(app: App, app_token: str) -> None:
    """Connect to Slack over Socket Mode (no public URL needed) and run until interrupted.

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
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        handler.close()
        _drop_waiting_replies(app)


def _drop_waiting_replies(app: App) -> None:
    """A stopping bot does not wait for replies still queued for a slow Slack."""
    app.listener_runner.listener_executor.shutdown(wait=False, cancel_futures=True)
