"""Texts for every channel, from the jinja2 templates in ``templates/{fr,en}/``.

Every message answers the same questions in the recipient's language: what happened, where
(corridor, flow point, place names and P-codes), the evidence in plain words, what to do,
and the acknowledgement link. ``_parts.j2`` holds one macro per question so email, SMS,
webhook and CAP say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape

from alerts.delivery.message import LANGUAGES, AlertMessage, Place
from alerts.delivery.sms_text import fit_sms

TEMPLATES_DIR = Path(__file__).parent / "templates"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def language_or_default(language: str | None) -> str:
    """Our two languages; anything else (``fr-ML``, ``FR``, None) maps onto them."""
    lang = (language or "fr").split("-")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else "en"


def _num(value: Any, language: str, decimals: int = 0) -> str:
    """12500 -> '12 500' (fr, narrow no-break space) or '12,500' (en)."""
    if value is None:
        return "?"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if decimals == 0 and abs(number - round(number)) < 1e-9:
        text = f"{round(number):,}"
    else:
        text = f"{number:,.{decimals or 1}f}"
    if language == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def _when(value: Any, language: str, date_only: bool = False) -> str:
    """A date-time in UTC, written the way each language writes it."""
    if value is None:
        return "?"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        if language == "fr":
            day = value.strftime("%d/%m/%Y")
            return day if date_only else f"{day} {value:%H:%M} UTC"
        day = f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
        return day if date_only else f"{day} {value:%H:%M} UTC"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if language == "fr" else f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    return str(value)


def _places(places: Sequence[Place]) -> str:
    """'Mopti (ML05), Douentza (ML0503)': names with their P-codes, as field staff use them."""
    return ", ".join(f"{p.name} ({p.pcode})" if p.name else p.pcode for p in places)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=Undefined,  # evidence keys vary by rule: a missing one is simply not told
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["num"] = _num
    env.filters["when"] = _when
    env.filters["places"] = _places
    return env


def _render(name: str, language: str, **context: Any) -> str:
    lang = language_or_default(language)
    return environment().get_template(f"{lang}/{name}").render(**context)


def _parts(language: str):
    return environment().get_template(f"{language_or_default(language)}/_parts.j2").make_module()


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def render_parts(message: AlertMessage, language: str) -> dict[str, str]:
    """The plain-words answers (headline, what, where, evidence, action) in one language."""
    p = _parts(language)
    return {
        "headline": str(p.headline(message)).strip(),
        "type_label": str(p.type_label(message)).strip(),
        "severity_label": str(p.severity_label(message)).strip(),
        "event_label": str(p.event_label(message)).strip(),
        "what": " ".join(str(p.what(message)).split()),
        "where": " ".join(str(p.where(message)).split()),
        "evidence": " ".join(str(p.evidence(message)).split()),
        "action": " ".join(str(p.action(message)).split()),
    }


# HTML templates get the parts as plain strings: jinja2 macros imported from a text
# template would come back as Markup and escape nothing.


def render_email(message: AlertMessage, language: str) -> EmailContent:
    if getattr(message, "is_notice", False):  # a data-gap notice for data managers (delivery.notices)
        from alerts.delivery.notices import render_notice

        return render_notice(message, language_or_default(language))  # type: ignore[arg-type]
    subject = " ".join(_render("email_subject.txt", language, m=message).split())
    return EmailContent(
        subject=subject,
        text=_render("email_body.txt", language, m=message).strip() + "\n",
        html=_render("email_body.html", language, m=message, p=render_parts(message, language)),
    )


def render_digest(messages: Sequence[AlertMessage], language: str, day: date | datetime) -> EmailContent:
    """One email for a day's alerts: grouping cuts alert fatigue for digest subscribers."""
    ctx = {"messages": list(messages), "day": day}
    return EmailContent(
        subject=" ".join(_render("digest_subject.txt", language, **ctx).split()),
        text=_render("digest_body.txt", language, **ctx).strip() + "\n",
        html=_render("digest_body.html", language, items=[(m, render_parts(m, language)) for m in messages], **ctx),
    )


def render_sms(message: AlertMessage, language: str, *, max_parts: int = 2, fold: bool = True) -> str:
    """The fullest SMS text that fits ``max_parts`` parts, always ending with the ack link."""
    if getattr(message, "is_notice", False):
        from alerts.delivery.notices import render_notice_sms

        return render_notice_sms(message, language, max_parts=max_parts, fold=fold)  # type: ignore[arg-type]
    full = " ".join(_render("sms.txt", language, m=message).split())
    medium = " ".join(_render("sms_medium.txt", language, m=message).split())
    short = " ".join(_render("sms_short.txt", language, m=message).split())
    return fit_sms([full, medium, short], max_parts=max_parts, keep_tail=message.ack_url or "", fold=fold)


def render_sms_digest(messages: Sequence[AlertMessage], language: str, *, max_parts: int = 2, fold: bool = True) -> str:
    """A digest by SMS: count and the most severe headlines, cut to fit."""
    lang = language_or_default(language)
    ranked = sorted(messages, key=lambda m: -m.severity_rank)
    head = f"TTT: {len(messages)} alerte(s). " if lang == "fr" else f"TTT: {len(messages)} alert(s). "
    text = head + " | ".join(m.headline_in(lang) for m in ranked)
    return fit_sms([text], max_parts=max_parts, fold=fold)


def webhook_payload(message: AlertMessage, language: str, *, event_id: str | None = None) -> dict[str, Any]:
    """The JSON a partner system receives: readable texts plus the structured facts."""
    lang = language_or_default(language)
    if getattr(message, "is_notice", False):
        from alerts.delivery.notices import notice_webhook_payload

        return notice_webhook_payload(message, lang, event_id=event_id)  # type: ignore[arg-type]
    parts = render_parts(message, lang)
    data = message.to_dict()
    data.pop("evidence", None)
    return {
        "type": f"alert.{message.event}",
        "id": event_id,
        "timestamp": message.updated_at.astimezone(UTC).isoformat(),
        "language": lang,
        "data": {
            **data,
            "headline": parts["headline"],
            "headlines": dict(message.headline),
            "what": parts["what"],
            "where": {
                "text": parts["where"],
                "corridor": {"code": message.corridor_code, "name": message.corridor_name},
                "flow_point": {"code": message.flow_point_code, "name": message.flow_point_name},
                "places": [{"pcode": p.pcode, "name": p.name, "level": p.level} for p in message.places],
            },
            "evidence": {"text": parts["evidence"], "facts": message.to_dict()["evidence"]},
            "recommended_action": parts["action"],
            "ack_url": message.ack_url,
        },
    }


def webhook_digest_payload(messages: Sequence[AlertMessage], language: str, day: date | datetime) -> dict[str, Any]:
    return {
        "type": "alert.digest",
        "day": day.isoformat()[:10],
        "language": language_or_default(language),
        "alerts": [webhook_payload(m, language)["data"] for m in messages],
    }


def render_ack_page(view: Any) -> str:
    """The acknowledgement page (mobile first, no script, works without login)."""
    return _render("ack_page.html", view.language, v=view)
