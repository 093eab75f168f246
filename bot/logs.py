"""Logging for `serve`: plain lines or one JSON object per line, and no question text when
`LOG_QUESTIONS=0`, at any level."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# At DEBUG these log whole request and response bodies, question text included.
_BODY_LOGGERS = ("slack_bolt", "slack_sdk")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC ISO 8601), level, logger, message[, error]."""

    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Log to standard error at LOG_LEVEL, in LOG_FORMAT."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    if not settings.log_questions:
        for name in _BODY_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(max(logging.INFO, logging.getLogger().level))
