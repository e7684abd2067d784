"""Console sign-in sessions: a user's API token exchanged for a server-side session.

The browser holds only a random session id (HttpOnly, SameSite=Strict cookie); the database
keeps its SHA-256, the token it was opened with, a CSRF secret and an expiry. Revoking or
rotating the token, deactivating the user or signing out ends the session at once, because
every request checks the token row again: the console can never outlive or widen the API
access it was opened with.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ttt.db import Base, utcnow
from ttt.users import ApiToken, Principal, User, _principal, hash_token

COOKIE = "ttt_session"
SESSION_HOURS = 12


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(session: Session, token: str, hours: int = SESSION_HOURS) -> tuple[str, Principal] | None:
    """A new session id for a valid token, or None (same answer for unknown, expired, revoked)."""
    if not token or len(token) > 200:
        return None
    row = session.execute(select(ApiToken, User).join(User)
                          .where(ApiToken.token_hash == hash_token(token.strip()))).first()
    if row is None or not _live(*row):
        return None
    tok, user = row
    sid = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=hours)
    if tok.expires_at is not None:
        expires = min(expires, tok.expires_at)
    session.add(WebSession(session_hash=_hash(sid), token_id=tok.id, csrf=secrets.token_urlsafe(24),
                           expires_at=expires))
    session.flush()
    return sid, _principal(user)


def _live(tok: ApiToken, user: User) -> bool:
    now = utcnow()
    return tok.revoked_at is None and user.active and (tok.expires_at is None or tok.expires_at > now)


def lookup(session: Session, sid: str | None) -> tuple[Principal, str] | None:
    """(principal, csrf secret) of a live session, or None."""
    if not sid or len(sid) > 100:
        return None
    row = session.execute(
        select(WebSession, ApiToken, User).join(ApiToken, ApiToken.id == WebSession.token_id)
        .join(User, User.id == ApiToken.user_id).where(WebSession.session_hash == _hash(sid))
    ).first()
    if row is None:
        return None
    web, tok, user = row
    if web.expires_at <= utcnow() or not _live(tok, user):
        return None
    return _principal(user), web.csrf


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given)


def close_session(session: Session, sid: str | None) -> None:
    if sid:
        session.execute(delete(WebSession).where(WebSession.session_hash == _hash(sid)))


def purge_expired(session: Session) -> int:
    return session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow())).rowcount or 0
