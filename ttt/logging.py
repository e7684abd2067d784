"""Logging set-up: text or JSON lines, with secrets and phone numbers redacted."""

from __future__ import annotations

import json
import logging
import re

from ttt.config import Settings

_REDACTIONS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.]+"), r"\1[redacted]"),
    (re.compile(r"ttt_[A-Za-z0-9_\-]{20,}"), "ttt_[redacted]"),
    (re.compile(r"(?i)(password|secret|token)=([^\s&]+)"), r"\1=[redacted]"),
    # signed links: acknowledgement (/ack/<token>) and alert pages (/a/<token>)
    (re.compile(r"(/(?:ack|a)/)[A-Za-z0-9_\-\.=%]{12,}"), r"\1[redacted]"),
    # geometries in SQL parameters: EWKB hex (SRID 4326) and coordinates with 3+ decimals
    (re.compile(r"(?i)\b0[01]0[1-7]0000(?:20e61000)?[0-9a-f]{16,}\b"), "[geometry]"),
    (re.compile(r"(?<![\w.:])-?\d{1,3}\.\d{3,}(?![\w.])"), "[coord]"),
    # phone numbers: international (+227 90 12 34 56), 9+ digits in a row (0022790123456), or a
    # local 8-digit number (76123456, 76 12 34 56); never inside a word such as a hex request
    # id, nor dates and times such as 2026-11-24 02:36:01, which logs are full of
    (re.compile(r"\+\d[\d \-]{6,}\d|(?<![\w\-:.])\d{8,}(?![\w\-:.])|(?<![\w\-:.])\d\d(?: \d\d){3}(?![\w\-:.])"),
     "[phone]"),
]


def redact(text: str) -> str:
    for pattern, repl in _REDACTIONS:
        text = pattern.sub(repl, text)
    return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, json_lines: bool):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        message = redact(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if self.json_lines:
            doc = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                   "message": message}
            if record.exc_text:
                doc["exception"] = redact(record.exc_text)
            return json.dumps(doc, ensure_ascii=False)
        line = f"{self.formatTime(record)} {record.levelname} {record.name}: {message}"
        if record.exc_text:
            line += "\n" + redact(record.exc_text)
        return line


class _DuplicateTraceback(logging.Filter):
    """uvicorn logs every exception that left the app; ours (ttt.api.errors) already did."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Exception in ASGI application")


def configure_logging(settings: Settings) -> None:
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_ttt", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._ttt = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(RedactingFormatter(settings.log_format == "json"))
    root.setLevel(settings.log_level.upper())
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # uvicorn's own loggers go through the same redacting handler, and its second copy of a
    # traceback our error handler already logged (redacted) is dropped
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
        logging.getLogger(name).disabled = False  # an earlier fileConfig (alembic) may have disabled it
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DuplicateTraceback) for f in error_log.filters):
        error_log.addFilter(_DuplicateTraceback())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line every few seconds otherwise
