"""Structured logs: one JSON object per line on stderr, for the operator's log pipeline.

Every line has time, level, logger and message; what a handler passes in ``extra``
(identifier, prefix, counts, actor) becomes a field of its own, so logs can be filtered by
prefix or identifier without parsing sentences.
"""

import json
import logging
from datetime import UTC, datetime

from aiohttp.http_exceptions import HttpProcessingError

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class MalformedRequests(logging.Filter):
    """aiohttp logs a request its parser refuses with the exception, whose text quotes the
    offending line: an over-long ``Authorization`` header would put credentials in the log.
    Such a record keeps its client address and the kind of refusal, never the bytes."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg = "refused a malformed request from %s: %s (status %d)"
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.args = (peer, type(error).__name__, error.code)
            record.exc_info = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MalformedRequests())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
