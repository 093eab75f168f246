"""Run the Bolt app: HTTP behind a threaded WSGI server, or Socket Mode."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError

from bot.settings import ENV_APP_TOKEN, ENV_PORT, ConfigError

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16
logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def wsgi_app(app: App) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Slack's events, commands and interactivity at POST /slack/events; GET /healthz."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            body = json.dumps({"ok": True}).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return slack(environ, start_response)

    return application


def serve_http(app: App, port: int) -> None:
    """Serve on every interface at `port` with waitress, a production WSGI server."""
    import waitress  # only HTTP mode needs it

    try:
        server = waitress.create_server(
            wsgi_app(app), host="0.0.0.0", port=port, threads=HTTP_THREADS, ident="csm-vs-pm"
        )
    except OSError as error:
        raise ConfigError(
            f"cannot listen on port {port} ({error.strerror}): another program may be using it; "
            f"set {ENV_PORT} to a free port"
        ) from None
    logger.info("serving HTTP on port %s: POST %s, GET %s", port, EVENTS_PATH, HEALTH_PATH)
    try:
        server.run()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        server.close()


def serve_socket(app: App, app_token: str) -> None:
    """Connect to Slack over Socket Mode (no public URL needed) and run until interrupted.

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
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        handler.close()
