"""All configuration, read from the environment in one place.

`.env` is loaded by the command line (python-dotenv) before `Settings.from_env` runs; tests
pass their own mapping instead of touching `os.environ`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_KNOWLEDGE_DIR = "KNOWLEDGE_DIR"
ENV_LOG_LEVEL = "LOG_LEVEL"

_CHECKOUT_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


class ConfigError(Exception):
    """A configuration mistake, explained in one line for the person starting the bot."""


def default_knowledge_dir() -> Path:
    """The checkout's `knowledge/`, where curators edit it, else `knowledge/` in the working folder.

    A non-editable install (a deployment that ran `pip install .`) has no checkout beside the
    package, so it reads the app folder's copy; `KNOWLEDGE_DIR` overrides both.
    """
    return _CHECKOUT_KNOWLEDGE if _CHECKOUT_KNOWLEDGE.is_dir() else Path.cwd() / "knowledge"


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be configured with."""

    knowledge_dir: Path
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read settings from an environment mapping, raising ConfigError on a bad value."""
        knowledge_dir = environ.get(ENV_KNOWLEDGE_DIR)
        log_level = environ.get(ENV_LOG_LEVEL, "INFO").strip().upper() or "INFO"
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(
                f"{ENV_LOG_LEVEL}={log_level!r} is not a log level; use DEBUG, INFO, WARNING or ERROR"
            )
        return cls(
            knowledge_dir=Path(knowledge_dir) if knowledge_dir else default_knowledge_dir(),
            log_level=log_level,
        )
