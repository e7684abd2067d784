"""Email over SMTP (smtplib): plain text plus a simple HTML alternative.

TLS: ``ssl=True`` talks implicit TLS (port 465); ``starttls=True`` upgrades a plain
connection (port 587) and refuses to send if the server cannot. SMTP reply codes decide
what happens next (RFC 5321 section 4.2.1): 4xx are transient and retried, 5xx about the
recipient or the message are permanent; authentication failures (530/534/535) are retried,
because they are our configuration's fault, not the recipient's, and will be fixed.
"""

from __future__ import annotations

import email.policy
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from alerts.delivery.channels.base import Channel, Envelope, Outcome, register_channel_type
from alerts.delivery.render import language_or_default, render_digest, render_email

EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_AUTH_CODES = {530, 534, 535, 454}
SMTP_POLICY = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class EmailConfig:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "ttt-alerts@localhost"
    sender_name: str | None = "TTT alertes"
    starttls: bool = False
    ssl: bool = False
    verify_tls: bool = True
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.ssl and self.starttls:
            raise ValueError("SMTP: choose ssl (implicit TLS, port 465) or starttls (port 587), not both")


@register_channel_type("email")
class EmailChannel(Channel):
    name = "email"

    def __init__(self, config: EmailConfig | None = None) -> None:
        self.config = config or EmailConfig()

    def check_address(self, address: str) -> str | None:
        if not address or not EMAIL_RE.match(address.strip()):
            return f"'{address}' is not an email address (expected name@domain)"
        return None

    def build(self, envelope: Envelope) -> EmailMessage:
        """The MIME message, separate from sending so it can be inspected and tested."""
        lang = language_or_default(envelope.language)
        if envelope.is_digest:
            content = render_digest(envelope.messages, lang, envelope.digest_day)
        else:
            content = render_email(envelope.message, lang)
        # lines up to RFC 5322's 998: the default 78 folds "Subject: [TTT]..." before its first word
        msg = EmailMessage(policy=SMTP_POLICY)
        sender = self.config.sender
        msg["From"] = formataddr((self.config.sender_name, sender)) if self.config.sender_name else sender
        msg["To"] = envelope.address.strip()
        msg["Subject"] = content.subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        domain = sender.rsplit("@", 1)[-1] or "localhost"
        # stable per delivery: a resend after a lost reply is recognisably the same message
        msg["Message-ID"] = f"<ttt-delivery-{envelope.delivery_id}@{domain}>"
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-TTT-Delivery-Id"] = str(envelope.delivery_id)
        msg["X-TTT-Alert-Ids"] = ",".join(str(m.id) for m in envelope.messages)
        msg.set_content(content.text, cte="quoted-printable")  # 7-bit safe for any relay
        msg.add_alternative(content.html, subtype="html", cte="quoted-printable")
        msg["Content-Language"] = lang  # after set_content, which drops Content-* headers
        return msg

    def _tls_context(self) -> ssl.SSLContext:
        """Built only when TLS is used (it loads the CA store: costly per message)."""
        context = ssl.create_default_context()
        if not self.config.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.ssl:
            return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_s, context=self._tls_context())
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
        if cfg.starttls:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise smtplib.SMTPNotSupportedError("the SMTP server does not offer STARTTLS")
            smtp.starttls(context=self._tls_context())
            smtp.ehlo()
        return smtp

    def send(self, envelope: Envelope) -> Outcome:
        problem = self.check_address(envelope.address)
        if problem:
            return Outcome.fail(problem)
        try:
            msg = self.build(envelope)
        except Exception as exc:  # a template bug must not crash the dispatcher
            return Outcome.fail(f"could not render the email: {type(exc).__name__}: {exc}")
        try:
            with self._connect() as smtp:
                if self.config.username:
                    smtp.login(self.config.username, self.config.password or "")
                refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _classify(code, text, "recipient refused")
        except smtplib.SMTPSenderRefused as exc:
            return _classify(exc.smtp_code, exc.smtp_error, "sender refused")
        except smtplib.SMTPResponseException as exc:
            return _classify(exc.smtp_code, exc.smtp_error, "SMTP error")
        except smtplib.SMTPNotSupportedError as exc:
            return Outcome.retry(f"SMTP: {exc}")
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            return Outcome.retry(f"SMTP {self.config.host}:{self.config.port}: {type(exc).__name__}: {exc}")
        if refused:
            code, text = next(iter(refused.values()))
            return _classify(code, text, "recipient refused")
        return Outcome.success(250, f"accepted by {self.config.host}:{self.config.port}",
                               provider_id=msg["Message-ID"])


def _classify(code: int | None, text: bytes | str | None, what: str) -> Outcome:
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else (text or "")
    error = f"{what}: {code} {reply}".strip()
    if code is None or code < 500 or code in _AUTH_CODES:
        return Outcome.retry(error, code, reply)
    return Outcome.fail(error, code, reply)
