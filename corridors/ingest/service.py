"""Use cases of the ingestion adapters (OpenRosa, KoBo, CSV): turn their input into raw
observations, hand them to :func:`corridors.observations.service.ingest`, and say what the
client needs to hear (a status and a message), without HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from corridors.ingest import digest
from corridors.ingest.csvfile import read_csv
from corridors.ingest.kobo import field_map_for, form_keys, map_kobo
from corridors.ingest.openrosa import ServedForm, SubmissionError, load_form, parse_submission
from corridors.observations.service import BatchOutcome, ItemResult, chunks, ingest
from ttt.config import get_settings
from ttt.i18n import N_, from_accept_language, say, translator
from ttt.users import DIGEST_REALM, Principal, authenticate, digest_candidates

# --------------------------------------------------------------------------- messages (catalogues)

MESSAGES = {
    "accepted": N_("Thank you: the count was received."),
    "duplicate": N_("This count had already been received; nothing changed."),
    "conflict": N_("Another count with the same instance ID and different answers was already received. "
                   "Make a new form instead of editing a sent one."),
    "rejected": N_("The count was refused: "),
    "bad_xml": N_("The submission could not be read: "),
    "no_instance_id": N_("The submission has no meta/instanceID."),
    "wrong_form": N_("This form is not served here: "),
    "zero_report": N_("Thank you: the report \"no herd passed\" was received."),
    "edited": N_("Thank you: the corrected count replaces the one sent before."),
    "ignored": N_(" Not used (unknown fields): "),
    "check": N_(" Please check: "),
}

#: What an enumerator reads on the phone about each automatic flag (the reviewer sees the reason).
FLAG_WORDS = {
    "implausible_herd": N_("many animals for few herders"),
    "outside_distribution": N_("a herd much bigger than usual at this point"),
    "gps_far_from_point": N_("the GPS position is far from the flow point"),
    "device_clock": N_("the phone's date or time looks wrong"),
    "counted_upstream": N_("the same herd may have been counted at another point"),
    "replaces_unknown": N_("the form it corrects was not found, so it was kept as a new count"),
}


def lang_of(accept_language: str | None) -> str:
    """The enumerator's phone language (Accept-Language), when we have its catalogue."""
    return from_accept_language(accept_language)


def _msg(key: str, lang: str) -> str:
    return translator(lang).gettext(MESSAGES[key])


# --------------------------------------------------------------------------- digest auth


def digest_key() -> bytes:
    """Nonce-signing key derived from the deployment secret (every process agrees)."""
    secret = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(secret, b"openrosa-digest-nonce", hashlib.sha256).digest()


@dataclass(frozen=True)
class AuthOutcome:
    principal: Principal | None
    challenge: str | None = None  # WWW-Authenticate value when principal is None
    reason: str = ""


def authenticate_openrosa(session: Session, authorization: str | None, method: str, uri: str) -> AuthOutcome:
    """Digest (any transport) or Basic name:token (https in practice); 401 challenge otherwise."""
    key = digest_key()
    header = authorization or ""
    scheme = header.split(" ", 1)[0].lower()
    if scheme == "basic":
        p = basic_principal(session, header)
        if p is not None:
            return AuthOutcome(p)
        return AuthOutcome(None, digest.challenge(key, DIGEST_REALM), "wrong name or token")
    params = digest.parse_authorization(header)
    if params is None:
        return AuthOutcome(None, digest.challenge(key, DIGEST_REALM), "credentials required")
    candidates = digest_candidates(session, params.get("username", ""))
    if not candidates:  # the same work and words as a wrong token
        res = digest.verify(params, method=method, path=uri, ha1_for={}, key=key, realm=DIGEST_REALM)
        return AuthOutcome(None, digest.challenge(key, DIGEST_REALM, stale=res.stale), res.reason)
    last = digest.DigestResult(False, reason=digest.BAD_CREDENTIALS)
    for principal, h1 in candidates:
        res = digest.verify(params, method=method, path=uri, ha1_for={principal.name: h1}, key=key,
                            realm=DIGEST_REALM, first_use=lambda nonce, nc: first_digest_use(session, nonce, nc))
        if res.ok:
            return AuthOutcome(principal)
        last = res
        if res.stale:
            break
    return AuthOutcome(None, digest.challenge(key, DIGEST_REALM, stale=last.stale), last.reason)


def first_digest_use(session: Session, nonce: str, nc: str) -> bool:
    """Record (nonce, nc) and say whether it is new; forget pairs older than a nonce can live.
    Committed at once (its own connection): a replay must be refused even if the request
    that first used the pair rolls back."""
    from sqlalchemy import text

    from ttt.db import session_scope

    with session_scope() as own:
        own.execute(text("DELETE FROM digest_nonce_uses WHERE used_at < now() - interval '1 hour'"))
        row = own.execute(text("INSERT INTO digest_nonce_uses (nonce, nc) VALUES (:n, :c) "
                               "ON CONFLICT DO NOTHING RETURNING 1"), {"n": nonce[:200], "c": nc[:16]}).first()
    return row is not None


def basic_principal(session: Session, header: str) -> Principal | None:
    """``Basic base64(name:token)``: the token authenticates, the name must be its owner's."""
    import base64
    import binascii

    try:
        decoded = base64.b64decode(header.split(" ", 1)[1].strip(), validate=True).decode("utf-8")
    except (IndexError, binascii.Error, UnicodeDecodeError):
        return None
    name, _, token = decoded.partition(":")
    p = authenticate(session, token)
    if p is None or (name and name != p.name):
        return None
    return p


# --------------------------------------------------------------------------- OpenRosa


@dataclass
class Reply:
    """What to answer: HTTP status, the client-facing message, and the per-record result."""

    status: int
    message: str
    nature: str = "submit_success"
    result: ItemResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def served_forms() -> list[ServedForm]:
    return [load_form()]


def receive_submission(session: Session, xml: bytes, principal: Principal, lang: str = "en") -> Reply:
    """One ODK Collect submission -> 201 (new or identical resend), 409, 400 or 413."""
    settings = get_settings()
    try:
        sub = parse_submission(xml, max_bytes=settings.max_body_bytes)
    except SubmissionError as exc:
        status = 413 if exc.code == "too_large" else 400
        return Reply(status, _msg("bad_xml", lang) + str(exc), "submit_error")
    known = {f.form_id for f in served_forms()}
    if sub.form_id not in known:
        return Reply(400, _msg("wrong_form", lang) + f"{sub.form_id!r}; expected one of {', '.join(sorted(known))}",
                     "submit_error")
    if not sub.instance_id:
        return Reply(400, _msg("no_instance_id", lang), "submit_error")
    outcome = ingest(session, [sub.raw], source="openrosa", enumerator=principal, ignored=[sub.ignored])
    reply = _reply_for(outcome.results[0], lang, created=201)
    if sub.ignored:  # told on the phone, so a form that drifted from ours is noticed at once
        reply.message += _msg("ignored", lang) + ", ".join(sub.ignored) + "."
    return reply


def _reply_for(r: ItemResult, lang: str, created: int) -> Reply:
    if r.status == "accepted":
        key = "zero_report" if "zero_report" in r.extra else "edited" if "replaces" in r.extra else "accepted"
        words = [translator(lang).gettext(FLAG_WORDS[f]) for f in r.extra.get("flags", []) if f in FLAG_WORDS]
        return Reply(created, _msg(key, lang) + (_msg("check", lang) + "; ".join(words) + "." if words else ""),
                     result=r)
    if r.status == "duplicate":
        return Reply(created, _msg("duplicate", lang), result=r)
    if r.code == "conflict":
        return Reply(409, _msg("conflict", lang), "submit_error", result=r)
    details = "; ".join(f"{e['field']}: {say(e['message'], lang)}" for e in r.errors)
    return Reply(400, _msg("rejected", lang) + details, "submit_error", result=r)


# --------------------------------------------------------------------------- KoBo


def receive_kobo(session: Session, payload: Any, principal: Principal,
                 field_map: Mapping[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """One KoBo REST-service POST (an object, or a list of them from a pull script).

    201 when new, 200 for a resend KoBo already delivered, 409 for a conflicting id, 422 when
    refused: KoBo keeps non-2xx deliveries visible as failed in its REST-services log, so a
    refusal is never silent.
    """
    items = payload if isinstance(payload, list) else [payload]
    raws: list[Any] = []
    ignored: list[list[str]] = []
    for it in items:
        rec = map_kobo(it, kobo_field_map(it, field_map)) if isinstance(it, Mapping) else None
        raws.append(rec.raw if rec else it)
        ignored.append(rec.ignored if rec else [])
    outcome = ingest(session, raws, source="kobo", enumerator=principal, ignored=ignored)
    for r, it in zip(outcome.results, items, strict=True):
        if r.status == "rejected" and r.ignored and any(e["field"] == "counts" for e in r.errors):
            forms = form_keys(it) if isinstance(it, Mapping) else []
            r.errors.append({"field": "ignored", "message":
                             f"fields not read: {', '.join(r.ignored)}; if they hold the counts, map them to ours "
                             f"(e.g. {{\"{r.ignored[0]}\": \"cattle\"}}) in TTT_KOBO_FORM_FIELD_MAPS under this "
                             f"form's id ({' or '.join(forms) or 'formhub/uuid or _xform_id_string'})"})
    body = outcome.to_json()
    if outcome.count("rejected"):
        conflict_only = all(r.code == "conflict" for r in outcome.results if r.status == "rejected")
        return (409 if conflict_only else 422), body
    return (201 if outcome.count("accepted") else 200), body


def kobo_field_map(payload: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """TTT_KOBO_FIELD_MAP, then this form's map from TTT_KOBO_FORM_FIELD_MAPS, then ``extra``."""
    s = get_settings()
    fmap = field_map_for(payload, s.kobo_field_map, s.kobo_form_field_maps)
    fmap.update(extra or {})
    return fmap


def preview_kobo(payload: Any, field_map: Mapping[str, str] | None = None) -> dict[str, Any]:
    """How a sample KoBo submission maps, without storing anything: the record we would read,
    the fields nothing reads, the map used, and what validation says."""
    from corridors.observations.schemas import validate_record
    from corridors.observations.service import validation_options

    items = payload if isinstance(payload, list) else [payload]
    out = []
    for it in items:
        if not isinstance(it, Mapping):
            out.append({"errors": [{"field": "record", "message": "expected a JSON object (a KoBo submission)"}]})
            continue
        fmap = kobo_field_map(it, field_map)
        rec = map_kobo(it, fmap)
        v = validate_record(rec.raw, 0, validation_options())
        out.append({"form": form_keys(it), "field_map": fmap, "record": rec.raw, "ignored": rec.ignored,
                    "valid": v.ok, "errors": v.errors})
    return {"submissions": out}


# --------------------------------------------------------------------------- CSV


@dataclass
class CsvReport:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)  # rejected and duplicate rows
    ignored_columns: list[str] = field(default_factory=list)
    hxl: bool = False

    def add(self, outcome: BatchOutcome, row_numbers: list[int]) -> None:
        self.accepted += outcome.count("accepted")
        self.duplicate += outcome.count("duplicate")
        self.rejected += outcome.count("rejected")
        for r in outcome.results:
            if r.status != "accepted":
                self.rows.append({"row": row_numbers[r.index], **r.to_json()})

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicate": self.duplicate, "rejected": self.rejected,
                "hxl": self.hxl, "ignored_columns": self.ignored_columns, "rows": self.rows}


def import_csv(session: Session, lines: Iterable[str], principal: Principal | None, *,
               batch_size: int = 1000, commit_each: bool = False, on_batch=None) -> CsvReport:
    """Stream a CSV through ``ingest`` in batches.

    The API keeps the whole file in one transaction (``commit_each=False``: all or nothing on a
    crash); the CLI commits each batch so a 100,000-row import that dies half-way can simply be
    run again (already stored rows come back as duplicates).
    """
    layout, rows = read_csv(lines)
    report = CsvReport(ignored_columns=layout.ignored, hxl=layout.hxl)
    for batch in chunks(rows, batch_size):
        outcome = ingest(session, [r.raw for r in batch], source="csv", enumerator=principal,
                         ignored=[r.ignored for r in batch])
        report.add(outcome, [r.row for r in batch])
        if commit_each:
            session.commit()
        if on_batch is not None:
            on_batch(len(batch))
    return report
