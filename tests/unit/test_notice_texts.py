"""What a data manager reads about a data-gap notice, per channel and language (no database)."""

from datetime import UTC, date, datetime

from alerts.delivery.channels import Envelope
from alerts.delivery.channels.sms import SmsChannel, SmsGatewayConfig
from alerts.delivery.notices import NoticeMessage
from alerts.delivery.render import render_email
from alerts.delivery.sms_text import count_sms

OPENED = NoticeMessage(notice_id=7, event="gap_opened", flow_point_code="ML05-FMP-03", flow_point_name="Konna",
                       opened_at=datetime(2026, 1, 29, 10, tzinfo=UTC), last_report=date(2026, 1, 23), days_without=5,
                       allowed_days=3, expected_days_per_week=4.5, url="https://ttt.example.org/api/v1/quality/notices")


def test_a_gap_sms_fits_two_parts_and_names_the_point_in_french():
    channel = SmsChannel(SmsGatewayConfig(url="https://sms.example.org/send", max_parts=2))
    text = channel.text(Envelope(delivery_id="1", address="+22370000000", language="fr", messages=(OPENED,)))  # type: ignore[arg-type]
    assert "Konna (ML05-FMP-03) depuis 5 jours" in text and "23 janvier 2026" in text
    assert count_sms(text).parts <= 2


def test_numbers_are_written_per_language_and_the_closing_says_when_reports_resumed():
    fr = render_email(OPENED, "fr").text
    assert "4,5 jours par semaine" in fr and "plus de 3 jours sans rapport" in fr
    en = render_email(OPENED, "en").text
    assert "4.5 days a week" in en and "Notice no. 7, opened 29 Jan 2026, 10:00 (UTC)." in en
    assert "Last report: 23 January 2026." in en
    closed = NoticeMessage(**{**OPENED.__dict__, "event": "gap_closed", "resumed_on": date(2026, 2, 2)})
    content = render_email(closed, "en")
    assert content.subject == "[TTT] Reports resumed: Konna (ML05-FMP-03)"
    assert "resumed on 2 February 2026. The last report before the gap was on 23 January 2026." in content.text
    assert "<p>" in content.html and "/ack/" not in content.text


def test_an_arabic_subscription_reads_the_notice_right_to_left():
    content = render_email(OPENED, "ar")
    assert "Konna (ML05-FMP-03)" in content.subject and "انقطاع البيانات" in content.subject
    assert 'dir="rtl"' in content.html and "يناير" in content.text
