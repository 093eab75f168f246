"""All configuration, read from the environment in one place.

`.env` is loaded by the command line (python-dotenv) before `Settings.from_env` runs; tests
pass their own mapping instead of touching `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

ENV_KNOWLEDGE_DIR = "KNOWLEDGE_DIR"
# Knowledge files bigger than this are refused unread (a hostile or mistaken file, not a topic).
ENV_KNOWLEDGE_MAX_FILE_MB = "KNOWLEDGE_MAX_FILE_MB"
DEFAULT_KNOWLEDGE_MAX_FILE_MB = 5
DEFAULT_KNOWLEDGE_MAX_FILE_BYTES = DEFAULT_KNOWLEDGE_MAX_FILE_MB * 1_000_000
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_LOG_FORMAT = "LOG_FORMAT"
LOG_FORMATS = ("text", "json")
# Slack (bot/slack): credentials, where the Web API lives, and the HTTP port.
ENV_BOT_TOKEN = "SLACK_BOT_TOKEN"
ENV_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
ENV_APP_TOKEN = "SLACK_APP_TOKEN"
ENV_API_URL = "SLACK_API_URL"
ENV_PORT = "PORT"
# Socket Mode has no HTTP server of its own; with this set it serves GET /healthz there.
ENV_HEALTH_PORT = "HEALTH_PORT"
# How long `serve` may take to stop on SIGTERM / SIGINT: finish requests, write queued records.
ENV_SHUTDOWN_TIMEOUT = "SHUTDOWN_TIMEOUT"
DEFAULT_SHUTDOWN_TIMEOUT = 10.0
DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
MODE_HTTP, MODE_SOCKET = "http", "socket"
# The curators' loop (bot/curation): where questions are recorded and for how long.
ENV_DATABASE_PATH = "DATABASE_PATH"
# postgresql://user:password@host:port/database selects PostgreSQL instead of the SQLite file.
ENV_DATABASE_URL = "DATABASE_URL"
_DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")
ENV_LOG_QUESTIONS = "LOG_QUESTIONS"
ENV_RETENTION_DAYS = "RETENTION_DAYS"
ENV_USER_HASH_SALT = "USER_HASH_SALT"
ENV_ESCALATION_CHANNEL = "ESCALATION_CHANNEL"
ENV_XDG_DATA_HOME = "XDG_DATA_HOME"
DEFAULT_RETENTION_DAYS = 90
# Operating it safely (bot/slack/server.py, bot/slack/outbox.py): what the HTTP server accepts
# and how many replies to Slack may wait.
ENV_MAX_BODY_BYTES = "MAX_BODY_BYTES"
ENV_HTTP_READ_TIMEOUT = "HTTP_READ_TIMEOUT"
ENV_HTTP_CONNECTION_LIMIT = "HTTP_CONNECTION_LIMIT"
ENV_REPLY_WORKERS = "REPLY_WORKERS"
ENV_REPLY_QUEUE = "REPLY_QUEUE"
# HTTP mode: processes serving one listening socket (bot/slack/workers.py). One process answers
# on one core at a time (the GIL); more use more cores.
ENV_HTTP_WORKERS = "HTTP_WORKERS"
# Slack's own requests are a few kilobytes; 1 MB leaves room and refuses floods.
DEFAULT_MAX_BODY_BYTES = 1_048_576
DEFAULT_HTTP_READ_TIMEOUT = 10
DEFAULT_HTTP_CONNECTION_LIMIT = 500
DEFAULT_REPLY_WORKERS = 8
DEFAULT_REPLY_QUEUE = 500
DEFAULT_HTTP_WORKERS = 1
# Each worker holds its own copy of what it changes (connections, caches, a reloaded knowledge
# base): more than this is a typo, not a machine.
MAX_HTTP_WORKERS = 64
# Conversations (bot/conversation): a follow-up is read against the last answer this long.
ENV_CONVERSATION_TTL = "CONVERSATION_TTL_SECONDS"
DEFAULT_CONVERSATION_TTL = 30 * 60
_FALSE_WORDS = {"0", "false", "no", "off"}
_TRUE_WORDS = {"1", "true", "yes", "on", ""}

# Building the package maps the checkout's top-level knowledge/ to this folder inside `bot`
# (pyproject.toml, [tool.setuptools.package-dir]), so an installed wheel carries its own copy.
PACKAGED_KNOWLEDGE = "bundled_knowledge"
_CHECKOUT_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"

# Settings only `serve` reads, the ones only commands that open the question store read, and
# the conversation's.
# Other commands ignore them (they keep their defaults), so `PORT=abc csm-vs-pm topics` works.
# A setting missing from both lists is checked by every command: refused, never silently unused.
SERVER_SETTINGS = (
    ENV_LOG_LEVEL,
    ENV_LOG_FORMAT,
    ENV_BOT_TOKEN,
    ENV_SIGNING_SECRET,
    ENV_APP_TOKEN,
    ENV_API_URL,
    ENV_PORT,
    ENV_HEALTH_PORT,
    ENV_SHUTDOWN_TIMEOUT,
    ENV_ESCALATION_CHANNEL,
    ENV_MAX_BODY_BYTES,
    ENV_HTTP_READ_TIMEOUT,
    ENV_HTTP_CONNECTION_LIMIT,
    ENV_REPLY_WORKERS,
    ENV_REPLY_QUEUE,
    ENV_HTTP_WORKERS,
)
STORE_SETTINGS = (
    ENV_DATABASE_URL,
    ENV_DATABASE_PATH,
    ENV_LOG_QUESTIONS,
    ENV_RETENTION_DAYS,
    ENV_USER_HASH_SALT,
)
# Read by `serve` and `chat` only: how long a conversation's context lasts.
CONVERSATION_SETTINGS = (ENV_CONVERSATION_TTL,)


class ConfigError(Exception):
    """A configuration mistake, explained in one line for the person starting the bot."""


def packaged_knowledge_dir() -> Path | None:
    """The knowledge base shipped inside the installed package, or None (e.g. in a checkout).

    Found with importlib.resources, so it is wherever pip, pipx or a wheel put the package. It
    is read-only: curators edit the checkout's `knowledge/` or a folder named by KNOWLEDGE_DIR.
    """
    folder = resources.files("bot") / PACKAGED_KNOWLEDGE
    # pip and pipx install wheels unpacked; a zipped package has no folder to read from.
    return folder if isinstance(folder, Path) and folder.is_dir() else None


def default_knowledge_dir() -> Path:
    """The packaged knowledge base when installed, else the checkout's `knowledge/`.

    `KNOWLEDGE_DIR` overrides both. In a checkout (and an editable install) curators edit
    `knowledge/` and the running bot reloads it; an installed package answers from its own copy
    from whatever folder it is started in.
    """
    return packaged_knowledge_dir() or _CHECKOUT_KNOWLEDGE


def default_database_path(environ: Mapping[str, str]) -> Path:
    """`$XDG_DATA_HOME/csm-vs-pm/questions.sqlite3`, else under `~/.local/share`."""
    data_home = environ.get(ENV_XDG_DATA_HOME) or str(Path.home() / ".local" / "share")
    return Path(data_home) / "csm-vs-pm" / "questions.sqlite3"


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word not in _FALSE_WORDS | _TRUE_WORDS:
        raise ConfigError(f"{name}={value!r} is not on or off; use 1 or 0")
    return word not in _FALSE_WORDS


def _megabytes(environ: Mapping[str, str], name: str, default: int) -> int:
    """A size given in MB (decimals allowed) as a number of bytes."""
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        size = float(value)
    except ValueError:
        size = 0.0
    if not 0 < size < 1e6:  # also refuses nan and inf
        raise ConfigError(f"{name}={value!r} is not a size in MB; use e.g. {default // 1_000_000}")
    return int(size * 1_000_000)


def _positive_int(environ: Mapping[str, str], name: str, default: int, unit: str = "days") -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name}={value!r} is not a whole number of {unit}; use e.g. {default}")
    return int(value)


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that may be credentials: its password and its query string."""
    parts = urlsplit(url)
    return [secret for secret in (parts.password, parts.query) if secret]


def redact(text: str, secrets: list[str]) -> str:
    """`text` fit for a log or an error: each secret replaced by `***`."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def redact_url(url: str) -> str:
    """`url` fit for a log or an error: any password and query string hidden."""
    return redact(url, url_secrets(url))


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be configured with."""

    knowledge_dir: Path
    knowledge_max_file_bytes: int = DEFAULT_KNOWLEDGE_MAX_FILE_BYTES
    log_level: str = "INFO"
    log_format: str = "text"
    database_url: str | None = None
    database_path: Path = field(default_factory=lambda: default_database_path(os.environ))
    log_questions: bool = True
    retention_days: int = DEFAULT_RETENTION_DAYS
    user_hash_salt: str | None = None
    escalation_channel: str | None = None
    conversation_ttl: int = DEFAULT_CONVERSATION_TTL
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    port: int = DEFAULT_PORT
    health_port: int | None = None
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    http_read_timeout: int = DEFAULT_HTTP_READ_TIMEOUT
    http_connection_limit: int = DEFAULT_HTTP_CONNECTION_LIMIT
    reply_workers: int = DEFAULT_REPLY_WORKERS
    reply_queue: int = DEFAULT_REPLY_QUEUE
    http_workers: int = DEFAULT_HTTP_WORKERS

    @property
    def slack_configured(self) -> bool:
        """Whether a bot token is set, i.e. the person means to run the bot on Slack."""
        return self.bot_token is not None

    def serve_mode(self, forced: str | None = None) -> str:
        """Socket Mode when an app-level token is set (or asked for), else HTTP."""
        return forced or (MODE_SOCKET if self.app_token else MODE_HTTP)

    def require_slack(self, mode: str) -> None:
        """Raise ConfigError, in one line, if a credential `mode` needs is missing or malformed."""
        _require_token(
            ENV_BOT_TOKEN,
            self.bot_token,
            "xoxb-",
            "the Bot User OAuth Token from your app's OAuth & Permissions page",
        )
        if mode == MODE_SOCKET:
            _require_token(
                ENV_APP_TOKEN,
                self.app_token,
                "xapp-",
                "an app-level token with connections:write from Basic Information > App-Level Tokens",
            )
        elif not self.signing_secret:
            raise ConfigError(
                f"{ENV_SIGNING_SECRET} is missing: copy the Signing Secret from your app's "
                "Basic Information page into .env (HTTP mode needs it to verify requests)"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, ignore: Collection[str] = ()) -> Settings:
        """Read settings from an environment mapping, raising ConfigError on a bad value.

        Variables named in `ignore` are not read (they keep their defaults): a command passes
        the settings it does not use, so a bad value there does not stop it.
        """
        if ignore:
            environ = {name: value for name, value in environ.items() if name not in ignore}
        knowledge_dir = environ.get(ENV_KNOWLEDGE_DIR)
        log_level = environ.get(ENV_LOG_LEVEL, "INFO").strip().upper() or "INFO"
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(
                f"{ENV_LOG_LEVEL}={log_level!r} is not a log level; use DEBUG, INFO, WARNING or ERROR"
            )
        log_format = environ.get(ENV_LOG_FORMAT, "").strip().lower() or "text"
        if log_format not in LOG_FORMATS:
            raise ConfigError(
                f"{ENV_LOG_FORMAT}={log_format!r} is not a log format; use text or json"
            )
        health_port = environ.get(ENV_HEALTH_PORT, "").strip()
        return cls(
            knowledge_dir=Path(knowledge_dir) if knowledge_dir else default_knowledge_dir(),
            knowledge_max_file_bytes=_megabytes(
                environ, ENV_KNOWLEDGE_MAX_FILE_MB, DEFAULT_KNOWLEDGE_MAX_FILE_BYTES
            ),
            log_level=log_level,
            log_format=log_format,
            database_url=_database_url(environ.get(ENV_DATABASE_URL, "").strip()),
            database_path=Path(
                environ.get(ENV_DATABASE_PATH) or default_database_path(environ)
            ).expanduser(),
            log_questions=_flag(environ, ENV_LOG_QUESTIONS, True),
            retention_days=_positive_int(environ, ENV_RETENTION_DAYS, DEFAULT_RETENTION_DAYS),
            user_hash_salt=environ.get(ENV_USER_HASH_SALT) or None,
            escalation_channel=environ.get(ENV_ESCALATION_CHANNEL, "").strip() or None,
            conversation_ttl=_positive_int(
                environ, ENV_CONVERSATION_TTL, DEFAULT_CONVERSATION_TTL, "seconds"
            ),
            bot_token=environ.get(ENV_BOT_TOKEN, "").strip() or None,
            signing_secret=environ.get(ENV_SIGNING_SECRET, "").strip() or None,
            app_token=environ.get(ENV_APP_TOKEN, "").strip() or None,
            api_url=_api_url(environ.get(ENV_API_URL, "").strip() or DEFAULT_API_URL),
            port=_port(ENV_PORT, environ.get(ENV_PORT, "").strip()) or DEFAULT_PORT,
            health_port=_port(ENV_HEALTH_PORT, health_port),
            shutdown_timeout=_seconds(environ, ENV_SHUTDOWN_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT),
            max_body_bytes=_positive_int(
                environ, ENV_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, "bytes"
            ),
            http_read_timeout=_positive_int(
                environ, ENV_HTTP_READ_TIMEOUT, DEFAULT_HTTP_READ_TIMEOUT, "seconds"
            ),
            http_connection_limit=_positive_int(
                environ, ENV_HTTP_CONNECTION_LIMIT, DEFAULT_HTTP_CONNECTION_LIMIT, "connections"
            ),
            reply_workers=_positive_int(
                environ, ENV_REPLY_WORKERS, DEFAULT_REPLY_WORKERS, "threads"
            ),
            reply_queue=_positive_int(environ, ENV_REPLY_QUEUE, DEFAULT_REPLY_QUEUE, "replies"),
            http_workers=_http_workers(environ.get(ENV_HTTP_WORKERS, "").strip()),
        )


def _require_token(name: str, value: str | None, prefix: str, where: str) -> None:
    if not value:
        raise ConfigError(f"{name} is missing: copy {where} ({prefix}...) into .env")
    if not value.startswith(prefix):
        raise ConfigError(
            f"{name} does not look right: it should start with {prefix!r}; use {where}"
        )


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(
            f"{ENV_API_URL} is not an http(s) URL (it must start with http:// or https://); "
            f"the default is {DEFAULT_API_URL}"
        )
    return value if value.endswith("/") else value + "/"


def _port(name: str, value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"{name}={value!r} is not a port number; use e.g. {DEFAULT_PORT}")
    return int(value)


def _http_workers(value: str) -> int:
    if not value:
        return DEFAULT_HTTP_WORKERS
    if not value.isdigit() or not 1 <= int(value) <= MAX_HTTP_WORKERS:
        raise ConfigError(
            f"{ENV_HTTP_WORKERS}={value!r} is not a number of processes from 1 to "
            f"{MAX_HTTP_WORKERS}; use e.g. the number of CPU cores"
        )
    return int(value)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise ConfigError(f"{name}={value!r} is not a number of seconds; use e.g. {default:g}")
    return seconds


def _database_url(value: str) -> str | None:
    if not value:
        return None
    if not value.startswith(_DATABASE_URL_SCHEMES):
        raise ConfigError(
            f"{ENV_DATABASE_URL} must be a postgresql://user:password@host/database URL; "
            f"leave it unset to use the SQLite file at {ENV_DATABASE_PATH}"
        )
    return value
