"""Logs keep no secrets, contacts or herd positions: ack tokens, coordinates in SQL errors,
8-digit local phone numbers are redacted; hex request ids stay readable; uvicorn's second,
unredacted copy of a traceback is gone."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import text

from ttt.config import get_settings
from ttt.logging import RedactingFormatter, configure_logging, redact


def test_ack_tokens_coordinates_and_local_numbers_are_redacted_request_ids_kept():
    rid = "5f1c2a9e1b0e4c1a9a512f0c3d9e7b11"
    line = redact(f"POST /ack/MToyOjE6MTc5NzM0MTM3OQ.Dbxnm92ccaqE-0h-DTm_QA -> 200 in 3.2 ms [{rid}]")
    assert "MToyOjE6" not in line and rid in line and "3.2 ms" in line
    assert redact("call 76123456 or 76 12 34 56") == "call [phone] or [phone]"
    sql = redact("[parameters: {'lon': -4.19637, 'lat': 14.48431, 'g': '0101000020E6100000A8C64B3789C110C0E3A59BC420F82C40'}]")
    assert "4.19637" not in sql and "14.48431" not in sql and "A8C64B37" not in sql
    keep = "2026-11-24 02:36:01,123 INFO 12500 animals at ML0506, ratio 2.35, request " + rid
    assert redact(keep) == keep


def _capture() -> tuple[logging.Handler, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(RedactingFormatter(json_lines=False))
    logging.getLogger().addHandler(handler)
    return handler, out


def test_sql_errors_with_coordinates_are_logged_without_them(engine):
    handler, out = _capture()
    try:
        with engine.connect() as conn, pytest.raises(Exception) as info:
            conn.execute(text("SELECT CAST(ST_AsText(ST_MakePoint(:lon, :lat)) AS int)"), {"lon": -4.19637, "lat": 14.48431})
        logging.getLogger("ttt.api").error("unhandled error", exc_info=info.value)
    finally:
        logging.getLogger().removeHandler(handler)
    assert "unhandled error" in out.getvalue() and "4.19637" not in out.getvalue() and "14.48431" not in out.getvalue()


def test_uvicorn_loggers_are_redacted_and_do_not_repeat_tracebacks():
    configure_logging(get_settings())
    handler, out = _capture()
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)
    try:
        uv = logging.getLogger("uvicorn.error")
        uv.setLevel(logging.NOTSET)  # whatever earlier tests set: the root's level applies
        try:
            raise RuntimeError("failed for +22790123456 at 76123456")
        except RuntimeError as exc:
            uv.error("Exception in ASGI application\n", exc_info=exc)
        uv.info("started with token=abc and 76 12 34 56")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
    text_out = out.getvalue()
    assert "Exception in ASGI application" not in text_out  # ttt.api.errors already logged it, redacted
    assert "started with token=[redacted] and [phone]" in text_out
    assert not logging.getLogger("uvicorn.error").handlers
