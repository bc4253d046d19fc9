"""Structured logs: one JSON object per line, with a grading's ids on every line of it.

``configure()`` sends the root logger's lines, and uvicorn's own, to stderr as JSON:
``{"time", "level", "logger", "message", ...}`` plus whatever a caller passed in ``extra``
(``submission`` and ``run`` during a grading) and ``exc`` for an exception's traceback.
API tokens (``mw_...``) are redacted from every line.

Lines logged deeper down during a grading (the engine, the sandbox) carry the grading's ids
too, without passing them along: ``app.queue.work.grade_run`` binds them with :func:`bound`
to its context (thread), and every line logged in it is stamped with them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

_bound: ContextVar[dict[str, Any] | None] = ContextVar("markwell_log_fields", default=None)

# The attributes every LogRecord has; anything else on a record came from ``extra``
# (but for uvicorn's ``color_message``, the message again with terminal colours).
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


TOKEN = re.compile(r"mw_[A-Za-z0-9_-]+")
"""An API token as it may appear in a logged line (a query string, a header echoed)."""
REDACTED = "mw_…redacted"


def redact(text: str) -> str:
    """``text`` with every token in it replaced: a token is never written to a log."""
    return TOKEN.sub(REDACTED, text)


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every line logged in this context (thread or task) inside the block."""
    token = _bound.set({**(_bound.get() or {}), **fields})
    try:
        yield
    finally:
        _bound.reset(token)


class ContextFilter(logging.Filter):
    """Stamp each record with the fields bound to its context, and with the grading it is
    logged under; what the call passed in ``extra`` wins."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_bound.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class RedactFilter(logging.Filter):
    """Replace the tokens in a record's message and arguments (for any handler it is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(arg) for key, arg in record.args.items()}
        return True


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON (newlines inside messages and tracebacks are escaped)."""

    def __init__(self, *args: Any, use_colors: bool | None = None, **kwargs: Any) -> None:
        # ``use_colors`` is what uvicorn passes its formatters; a JSON line has no colours.
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in doc:
                doc[key] = value
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, _version, status = args  # as uvicorn logs a request
            doc.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exc"] = record.exc_text
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        # The whole line, so a token in a field, an argument or a traceback is caught too (a
        # token's characters need no escaping in JSON, so it is matched as it was logged).
        return redact(json.dumps(doc, default=str, ensure_ascii=False))


def handler(stream: TextIO | None = None) -> logging.Handler:
    """A handler writing JSON lines, with the context filter on it."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(JsonFormatter())
    out.addFilter(ContextFilter())
    out.addFilter(RedactFilter())
    return out


def configure(level: int | str = logging.INFO, stream: TextIO | None = None) -> None:
    """Make every line of this process a JSON object on stderr (``markwell serve``).

    The root logger gets one JSON handler (replacing any); uvicorn, which configures its own
    loggers when it starts, is pointed at the same formatter so its lines are JSON too.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(stream))
    root.setLevel(level)
    try:
        from uvicorn.config import LOGGING_CONFIG
    except ImportError:  # pragma: no cover - uvicorn is a dependency
        return
    for name in ("default", "access"):
        LOGGING_CONFIG["formatters"][name] = {"()": f"{__name__}.JsonFormatter"}
