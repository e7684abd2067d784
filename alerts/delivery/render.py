"""Texts for every channel: the plain-words answers of :mod:`alerts.delivery.words` laid out
by the jinja2 templates in ``templates/`` (one set; labels come from the gettext catalogues).

Email, SMS, webhook and CAP say the same thing: the state word first, what happened and
where (names before codes), how serious, the evidence in plain words, what to do, and this
recipient's signed alert page (open it to see the map, acknowledge, report back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.delivery.message import AlertMessage
from alerts.delivery.sms_text import fit_sms
from alerts.delivery.words import parts as word_parts
from ttt.i18n import language_or_default, languages, translations, translator

TEMPLATES_DIR = Path(__file__).parent / "templates"
_HIDDEN_FACTS = ("reported_by",)  # an informant's name never leaves the service

__all__ = ["language_or_default", "render_parts", "render_email", "render_digest", "render_sms",
           "render_sms_digest", "webhook_payload", "webhook_digest_payload", "render_page", "environment"]


@cache
def environment(language: str) -> Environment:
    """One jinja2 environment per language, gettext installed (``_()`` in templates)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    t = translator(language)
    env.globals.update(t=t, lang=t.language, dir=t.direction)
    return env


def _render(name: str, language: str, **context: Any) -> str:
    return environment(language_or_default(language)).get_template(name).render(**context)


def render_parts(message: AlertMessage, language: str | None) -> dict[str, str]:
    """The plain-words answers (state, headline, what, where, evidence, action) in one language."""
    return word_parts(message, language)


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def subject(message: AlertMessage, language: str) -> str:
    p = render_parts(message, language)
    return f"[TTT] {p['title']}" + ("" if message.event == "test" else f" ({p['severity_label']})")


def render_email(message: AlertMessage, language: str) -> EmailContent:
    lang = language_or_default(language)
    if getattr(message, "is_notice", False):  # a data-gap notice for data managers (delivery.notices)
        from alerts.delivery.notices import render_notice

        return render_notice(message, lang)  # type: ignore[arg-type]
    p = render_parts(message, lang)
    return EmailContent(
        subject=subject(message, lang),
        text=_render("email_body.txt", lang, m=message, p=p).strip() + "\n",
        html=_render("email_body.html", lang, m=message, p=p),
    )


def render_digest(messages: Sequence[AlertMessage], language: str, day: date | datetime) -> EmailContent:
    """One email for a day's alerts: grouping cuts alert fatigue for digest subscribers."""
    lang = language_or_default(language)
    t = translator(lang)
    items = [(m, render_parts(m, lang)) for m in messages]
    subj = t.ngettext("[TTT] Summary of {day}: {n} alert", "[TTT] Summary of {day}: {n} alerts", len(messages),
                      day=t.day(day))
    ctx = {"items": items, "day": t.day(day), "count": len(messages)}
    return EmailContent(subject=subj, text=_render("digest_body.txt", lang, **ctx).strip() + "\n",
                        html=_render("digest_body.html", lang, **ctx))


def sms_candidates(message: AlertMessage, language: str) -> list[str]:
    """From fullest to shortest; every one starts with the state word and names the place."""
    p = render_parts(message, language)
    link = f" {message.ack_url}" if message.ack_url else ""
    head, where = p["title"], p["where"][:1].upper() + p["where"][1:]
    ended = message.event in ("resolved", "closed", "dismissed", "test")
    detail = p["action"] if ended else p["evidence"]
    return [
        f"{head} ({p['severity_label']}). {where}. {detail}{link}",
        f"{head} ({p['severity_label']}). {where}.{link}",
        f"{head}. {where}.{link}",
        f"{head}.{link}",
        f"{p['state']}: {p['place']}.{link}",  # dear alphabets (Arabic: 67 a part) still name the place
    ]


def render_sms(message: AlertMessage, language: str, *, max_parts: int = 2, fold: bool = True) -> str:
    """The fullest SMS text that fits ``max_parts`` parts, always ending with the page link."""
    if getattr(message, "is_notice", False):
        from alerts.delivery.notices import render_notice_sms

        return render_notice_sms(message, language, max_parts=max_parts, fold=fold)  # type: ignore[arg-type]
    candidates = [" ".join(c.split()) for c in sms_candidates(message, language)]
    return fit_sms(candidates, max_parts=max_parts, keep_tail=message.ack_url or "", fold=fold)


def render_sms_digest(messages: Sequence[AlertMessage], language: str, *, max_parts: int = 2,
                      fold: bool = True) -> str:
    """A digest by SMS: count and the most severe headlines, cut to fit."""
    lang = language_or_default(language)
    t = translator(lang)
    ranked = sorted(messages, key=lambda m: -m.severity_rank)
    head = t.ngettext("TTT: {n} alert.", "TTT: {n} alerts.", len(messages))
    lines = []
    for m in ranked:
        p = render_parts(m, lang)
        lines.append(p["title"])
    return fit_sms([head + " " + " | ".join(lines)], max_parts=max_parts, fold=fold)


def _facts(evidence: Any) -> Any:
    """Structured evidence for partner systems, minus what identifies people."""
    if isinstance(evidence, dict):
        return {k: _facts(v) for k, v in evidence.items() if k not in _HIDDEN_FACTS}
    if isinstance(evidence, list):
        return [_facts(v) for v in evidence]
    return evidence


def webhook_payload(message: AlertMessage, language: str, *, event_id: str | None = None) -> dict[str, Any]:
    """The JSON a partner system receives: readable texts plus the structured facts."""
    lang = language_or_default(language)
    if getattr(message, "is_notice", False):
        from alerts.delivery.notices import notice_webhook_payload

        return notice_webhook_payload(message, lang, event_id=event_id)  # type: ignore[arg-type]
    p = render_parts(message, lang)
    data = message.to_dict()
    data.pop("evidence", None)
    return {
        "type": f"alert.{message.event}",
        "id": event_id,
        "timestamp": message.updated_at.astimezone(UTC).isoformat(),
        "language": lang,
        "data": {
            **data,
            "state": p["state"],
            "headline": p["title"],
            "headlines": {code: render_parts(message, code)["headline"] for code in languages()},
            "what": p["what"],
            "severity_text": p["severity_label"],
            "where": {
                "text": p["where"],
                "corridor": {"code": message.corridor_code, "name": message.corridor_name},
                "flow_point": {"code": message.flow_point_code, "name": message.flow_point_name},
                "places": [{"pcode": pl.pcode, "name": pl.name, "level": pl.level} for pl in message.places],
            },
            "evidence": {"text": p["evidence"], "facts": _facts(message.to_dict()["evidence"])},
            "recommended_action": p["action"],
            "ack_url": message.ack_url,
            "url": message.url,
        },
    }


def webhook_digest_payload(messages: Sequence[AlertMessage], language: str, day: date | datetime) -> dict[str, Any]:
    return {
        "type": "alert.digest",
        "day": day.isoformat()[:10],
        "language": language_or_default(language),
        "alerts": [webhook_payload(m, language)["data"] for m in messages],
    }


def render_page(name: str, language: str, **context: Any) -> str:
    """An HTML page (alert page, invalid link) in the reader's language and direction."""
    return _render(name, language, **context)
