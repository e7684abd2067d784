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
    # phone numbers: international (+227 90 12 34 56) or 9+ digits in a row (0022790123456);
    # not dates and times such as 2026-11-24 02:36:01, which logs are full of
    (re.compile(r"\+\d[\d \-]{6,}\d|(?<![\d\-:.])\d{9,}(?![\d\-:.])"), "[phone]"),
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
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line every few seconds otherwise
