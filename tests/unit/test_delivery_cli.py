"""`ttt deliveries test` lets an operator check the SMTP settings against a real server."""

from __future__ import annotations

from typer.testing import CliRunner

from alerts.delivery.settings import get_delivery_settings
from tests.channel_servers import free_port, smtp_sink
from ttt.cli.deliveries import deliveries_app
from ttt.config import get_settings


def _run(monkeypatch, port: int, *args: str):
    monkeypatch.setenv("TTT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TTT_SMTP_PORT", str(port))
    monkeypatch.setenv("TTT_SMTP_TIMEOUT_S", "3")
    get_settings.cache_clear()
    get_delivery_settings.cache_clear()
    try:
        return CliRunner().invoke(deliveries_app, ["test", *args])
    finally:
        get_settings.cache_clear()
        get_delivery_settings.cache_clear()


def test_test_email_reaches_the_server_and_exit_code_says_so(monkeypatch):
    with smtp_sink() as sink:
        result = _run(monkeypatch, sink.port, "ops@example.org", "--lang", "en")
    assert result.exit_code == 0, result.output
    subject = sink.messages[0]["Subject"]
    assert subject == "[TTT] TEST MESSAGE: Test message: this is not an alert"
    assert "New alert" not in sink.messages[0].get_body(("plain",)).get_content()


def test_unreachable_server_fails_with_the_reason(monkeypatch):
    result = _run(monkeypatch, free_port(), "ops@example.org")
    assert result.exit_code == 1
    assert "retryable" in result.output and "Connection" in result.output


def test_unknown_channel_is_refused(monkeypatch):
    result = _run(monkeypatch, free_port(), "ops@example.org", "--channel", "pigeon")
    assert result.exit_code == 2 and "pigeon" in result.output
