"""Run the Bolt app: HTTP behind a threaded WSGI server, or Socket Mode."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

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

    logger.info("serving HTTP on port %s: POST %s, GET %s", port, EVENTS_PATH, HEALTH_PATH)
    waitress.serve(
        wsgi_app(app), host="0.0.0.0", port=port, threads=HTTP_THREADS, ident="csm-vs-pm"
    )


def serve_socket(app: App, app_token: str) -> None:
    """Connect to Slack over Socket Mode: no public URL needed."""
    logger.info("connecting to Slack in Socket Mode")
    SocketModeHandler(app, app_token).start()
